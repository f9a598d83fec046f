//! Every shipped scenario, run with its scripted events (its model answer), meets every one of
//! its objectives: a student who does what the scenario does scores N/N.

use std::path::PathBuf;

use perfuse_scenario::{Run, RunOptions, parse};

fn shipped() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
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
        let options = RunOptions {
            every_ms: 60_000,
            ..RunOptions::default()
        };
        let mut run = Run::new(&scenario, &options).expect("runs");
        while run.next_sample().is_some() {}
        for score in run.scores().iter().filter(|s| !s.met()) {
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
