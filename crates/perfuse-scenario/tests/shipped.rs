//! Every shipped scenario, run with its scripted events (its model answer), meets every one of
//! its objectives: a student who does what the scenario does scores N/N.

use std::path::PathBuf;

use perfuse_scenario::{ObjectiveScore, Run, RunOptions, Scenario, parse};
use perfuse_sim::{Action, ActionSpec, Actor};

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn shipped() -> Vec<PathBuf> {
    let mut files = toml_files("scenarios");
    files.extend(crises());
    files
}

fn crises() -> Vec<PathBuf> {
    toml_files("scenarios/crises")
}

fn run_scores(scenario: &Scenario) -> Vec<ObjectiveScore> {
    let options = RunOptions {
        every_ms: 60_000,
        ..RunOptions::default()
    };
    let mut run = Run::new(scenario, &options).expect("runs");
    while run.next_sample().is_some() {}
    run.scores().to_vec()
}

#[test]
fn every_shipped_scenario_scores_full_marks_with_its_model_answer() {
    let files = shipped();
    assert!(
        files.len() >= 10,
        "expected the shipped library, found {files:?}"
    );
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable scenario");
        let scenario = parse(&text, &path.display().to_string()).expect("valid scenario");
        assert!(
            !scenario.objectives.is_empty(),
            "{}: a shipped scenario states what it scores",
            path.display()
        );
        assert!(
            !scenario.instructor_notes.is_empty() && scenario.brief != scenario.description,
            "{}: a shipped scenario has a student brief and instructor notes",
            path.display()
        );
        for score in run_scores(&scenario).iter().filter(|s| !s.met()) {
            failures.push(format!(
                "{}: {} — {}",
                path.display(),
                score.objective.label,
                score.detail()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "objectives not met:\n{}",
        failures.join("\n")
    );
}

/// Every crisis shows its harm: with none of the perfusionist's actions from the crisis on (the
/// instructor's fault and its clearing stay), at least one objective is not met.
#[test]
fn doing_nothing_in_a_crisis_scores_worse() {
    let files = crises();
    assert!(!files.is_empty());
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable scenario");
        let mut scenario = parse(&text, &path.display().to_string()).expect("valid scenario");
        // Events are in time order, file order within an instant: what comes before the
        // fault (going on bypass as the fault strikes) is done.
        let onset = scenario
            .events
            .iter()
            .position(|e| matches!(e.action, Action::Fault(_)))
            .expect("a crisis injects a fault");
        let by_perfusionist = |a: &Action| {
            ActionSpec::find(a.name()).is_some_and(|spec| spec.actor == Actor::Perfusionist)
        };
        let mut index = 0..;
        scenario
            .events
            .retain(|e| index.next().is_some_and(|i| i < onset) || !by_perfusionist(&e.action));
        let missed = run_scores(&scenario).iter().filter(|s| !s.met()).count();
        assert!(
            missed > 0,
            "{}: doing nothing still scores full marks",
            path.display()
        );
    }
}
