//! Scenario validation: every rejected file names `file:line: field` and what is accepted.

use perfuse_scenario::{
    Difficulty, ObjectiveKind, ObjectivePhase, Run, RunOptions, Section, parse,
};
use perfuse_sim::Action;
use perfuse_sim::FieldKind;

const BASE: &str = r#"[scenario]
name = "test"
duration = "1:00:00"

[patient]
sex = "male"
age_years = 60
height_cm = 175
weight_kg = 80
hct_pct = 40

[circuit]
pump = "roller"
prime_ml = 1500
"#;

/// The error text of `BASE` + `extra`, which must be rejected.
fn rejected(extra: &str) -> String {
    let text = format!("{BASE}{extra}");
    match parse(&text, "x.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn minimal_scenario_is_accepted_with_defaults() {
    let scenario = parse(BASE, "x.toml").unwrap();
    assert_eq!(scenario.duration_ms, 3_600_000);
    assert_eq!(scenario.seed, 0);
    assert_eq!(scenario.circuit.prime_hct_pct, 0.0);
    assert!(scenario.events.is_empty());
}

#[test]
fn unknown_action_is_located_and_lists_the_actions() {
    let error = rejected(
        "\n[[events]]\nat = \"0:01:00\"\naction = \"heparin\"\nunits = 1000\n\n[[events]]\nat = \"0:05:00\"\naction = \"go-on-pump\"\n",
    );
    assert!(
        error.starts_with(
            "x.toml:23: events[1].action: unknown action \"go-on-pump\"; expected one of heparin,"
        ),
        "{error}"
    );
    assert!(error.contains("start-bypass"), "{error}");
}

#[test]
fn unknown_keys_are_rejected_where_they_stand() {
    let error =
        rejected("\n[[events]]\nat = \"0:01:00\"\naction = \"heparin\"\nunits = 1000\ndose = 5\n");
    assert!(
        error.starts_with(
            "x.toml:20: events[0].dose: unknown key; expected one of at, action, units"
        ),
        "{error}"
    );
    let error = parse(
        &BASE.replace("hct_pct = 40", "hct_pct = 40\nshoe_size = 9"),
        "x.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.starts_with("x.toml:11: patient.shoe_size: unknown key"),
        "{error}"
    );
}

#[test]
fn out_of_range_values_name_the_field_and_range() {
    let error = parse(&BASE.replace("weight_kg = 80", "weight_kg = -5"), "x.toml")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("x.toml:9: patient.weight_kg: -5: must be between"),
        "{error}"
    );
    let error = parse(&BASE.replace("hct_pct = 40", "hct_pct = 90"), "x.toml")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("x.toml:10: patient.hct_pct: 90: must be between"),
        "{error}"
    );
    let error = rejected("\n[[events]]\nat = \"0:01:00\"\naction = \"set-fio2\"\npct = 10\n");
    assert!(
        error.starts_with("x.toml:19: events[0].pct: 10: must be between 21 and 100"),
        "{error}"
    );
}

#[test]
fn wrong_types_say_what_was_expected() {
    let error = parse(
        &BASE.replace("weight_kg = 80", "weight_kg = \"heavy\""),
        "x.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.starts_with("x.toml:9: patient.weight_kg: expected a number, found string"),
        "{error}"
    );
    let error = parse(
        &BASE.replace("pump = \"roller\"", "pump = \"peristaltic\""),
        "x.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(error.starts_with("x.toml:13: circuit.pump: unknown pump \"peristaltic\"; expected one of roller, centrifugal"), "{error}");
}

#[test]
fn events_after_the_end_are_rejected() {
    let error = rejected("\n[[events]]\nat = \"2:00:00\"\naction = \"end-bypass\"\n");
    assert!(
        error.starts_with(
            "x.toml:17: events[0].at: 2:00:00 is after the end of the scenario (1:00:00)"
        ),
        "{error}"
    );
}

#[test]
fn missing_keys_are_named() {
    let error = parse(&BASE.replace("weight_kg = 80\n", ""), "x.toml")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("patient.weight_kg: required key `weight_kg` is missing"),
        "{error}"
    );
    let error = rejected("\n[[events]]\nat = \"0:10:00\"\naction = \"start-bypass\"\n");
    assert!(
        error.contains("events[0].flow_l_min: required key `flow_l_min` is missing"),
        "{error}"
    );
}

#[test]
fn syntax_errors_have_a_line() {
    let error = parse(
        &BASE.replace("prime_ml = 1500", "prime_ml = = 1500"),
        "x.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(error.starts_with("x.toml:14:"), "{error}");
}

#[test]
fn durations_in_every_accepted_form() {
    for (text, ms) in [
        ("\"1:00:00\"", 3_600_000),
        ("\"90m\"", 5_400_000),
        ("\"5400s\"", 5_400_000),
        ("600", 600_000),
        // Unquoted, TOML reads a local time: taken as h:mm:ss.
        ("01:00:00", 3_600_000),
        ("00:20:30.5", 1_230_500),
    ] {
        let scenario = parse(&BASE.replace("\"1:00:00\"", text), "x.toml").unwrap();
        assert_eq!(scenario.duration_ms, ms, "{text}");
    }
    let error = parse(&BASE.replace("\"1:00:00\"", "\"an hour\""), "x.toml")
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("x.toml:3: scenario.duration:"), "{error}");
}

#[test]
fn events_are_sorted_stably_and_objectives_read() {
    let scenario = parse(
        &format!(
            "{BASE}\n[[events]]\nat = \"0:20:00\"\naction = \"cross-clamp-on\"\n\n[[events]]\nat = \"0:10:00\"\naction = \"start-bypass\"\nflow_l_min = 4.7\n\n\
             [[events]]\nat = \"0:20:00\"\naction = \"cardioplegia\"\nml = 1000\nkind = \"del-nido\"\n\n\
             [[objectives]]\nobserve = \"map_mmhg\"\nmin = 50\nmax = 80\nduring = \"bypass\"\n"
        ),
        "x.toml",
    )
    .unwrap();
    let times: Vec<u64> = scenario.events.iter().map(|e| e.at_ms).collect();
    assert_eq!(times, [600_000, 1_200_000, 1_200_000]);
    assert_eq!(scenario.events[1].action, Action::CrossClampOn);
    let ObjectiveKind::Range(objective) = &scenario.objectives[0].kind else {
        panic!("a range objective");
    };
    assert_eq!(objective.column.name, "map_mmhg");
    assert_eq!(objective.during, ObjectivePhase::Bypass);
    assert_eq!((objective.grace_s, objective.max_out_s), (60, 0));
    assert_eq!(
        scenario.objectives[0].label,
        "map_mmhg 50–80 mmHg on bypass"
    );
}

#[test]
fn objectives_must_watch_a_numeric_observation() {
    let error = rejected("\n[[objectives]]\nobserve = \"mood\"\nmin = 1\n");
    assert!(
        error
            .starts_with("x.toml:17: objectives[0].observe: \"mood\" is not a numeric observation"),
        "{error}"
    );
}

#[test]
fn every_shipped_scenario_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            parse(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
            count += 1;
        }
    }
    assert!(count >= 6, "only {count} scenarios shipped");
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text at all: a scenario or a located error, never a panic.
        #[test]
        fn on_arbitrary_text(text in ".{0,400}") {
            let _ = parse(&text, "fuzz.toml");
        }

        /// A valid file with one line replaced by junk, or one value by an extreme number:
        /// either accepted or rejected with a line number, never a panic.
        #[test]
        fn on_damaged_files(line in 0usize..14, junk in "[a-z_ =\"\\[\\]0-9.:-]{0,30}", number in prop::num::f64::ANY) {
            let mut lines: Vec<String> = BASE.lines().map(str::to_owned).collect();
            let index = line % lines.len();
            lines[index] = junk;
            if let Err(error) = parse(&lines.join("\n"), "x.toml") {
                prop_assert!(error.line > 0 || !error.field.is_empty(), "{error}");
            }
            let with_number = BASE.replace("weight_kg = 80", &format!("weight_kg = {number:?}"));
            let _ = parse(&with_number, "x.toml");
        }
    }
}

/// Every action of the vocabulary can be written in a file: its fields, spelled as
/// `Action::fields` gives them, parse back to the same action.
#[test]
fn every_action_of_the_vocabulary_parses_from_a_file() {
    let mut expected = Vec::new();
    let mut events = String::new();
    for spec in perfuse_sim::ACTIONS {
        let mut lines = String::new();
        for field in spec.fields {
            match field.kind {
                FieldKind::Number { range, .. } => {
                    lines += &format!("{} = {:?}\n", field.name, range.max)
                }
                FieldKind::Choice { names, .. } => {
                    lines += &format!("{} = {:?}\n", field.name, names[0])
                }
            }
        }
        // A drug's own ceiling is below the field's: dose at its maximum for the first drug.
        let lines = lines.replace("dose = 2000.0", "dose = 100.0");
        events += &format!(
            "[[events]]\nat = \"0:01:00\"\naction = \"{}\"\n{lines}",
            spec.name
        );
        expected.push(spec.name);
    }
    let scenario = parse(&format!("{BASE}{events}"), "x.toml").unwrap();
    let names: Vec<&str> = scenario.events.iter().map(|e| e.action.name()).collect();
    assert_eq!(names, expected);
}

/// Events that make no sense when they come due change nothing and are reported, not counted
/// as applied.
#[test]
fn nonsensical_events_are_reported_as_ignored() {
    let events = "[[events]]\nat = \"0:01:00\"\naction = \"end-bypass\"\n\
                  [[events]]\nat = \"0:02:00\"\naction = \"cross-clamp-off\"\n\
                  [[events]]\nat = \"0:03:00\"\naction = \"heparin\"\nunits = 100\n";
    let scenario = parse(&format!("{BASE}{events}"), "x.toml").unwrap();
    let mut run = Run::new(&scenario, &RunOptions::default()).unwrap();
    while run.next_sample().is_some() {}
    assert_eq!(run.events_applied(), 1);
    let ignored: Vec<_> = run
        .ignored_events()
        .iter()
        .map(|i| (i.event.at_ms, i.event.action, i.reason))
        .collect();
    assert_eq!(
        ignored,
        [
            (60_000, Action::EndBypass, "not on bypass"),
            (120_000, Action::CrossClampOff, "the cross-clamp is not on"),
        ]
    );
}

#[test]
fn sections_and_difficulty_are_read_and_validated() {
    let text = BASE.replace(
        "duration = \"1:00:00\"\n",
        "duration = \"1:00:00\"\nsections = [\"clinical-management\", \"monitoring\"]\ndifficulty = \"intermediate\"\n",
    );
    let scenario = parse(&text, "x.toml").unwrap();
    assert_eq!(
        scenario.sections,
        [Section::ClinicalManagement, Section::Monitoring]
    );
    assert_eq!(scenario.difficulty, Some(Difficulty::Intermediate));
    let defaults = parse(BASE, "x.toml").unwrap();
    assert!(defaults.sections.is_empty() && defaults.difficulty.is_none());

    let with = |line: &str| {
        let text = BASE.replace(
            "duration = \"1:00:00\"\n",
            &format!("duration = \"1:00:00\"\n{line}\n"),
        );
        parse(&text, "x.toml").unwrap_err().to_string()
    };
    let error = with("sections = [\"monitoring\", \"cardiology\"]");
    assert!(
        error.starts_with(
            "x.toml:4: scenario.sections[1]: unknown section \"cardiology\"; expected one of anatomy-physiology, pharmacology,"
        ),
        "{error}"
    );
    assert!(
        error.contains("catastrophic-events-device-failure"),
        "{error}"
    );
    let error = with("sections = [\"monitoring\", \"monitoring\"]");
    assert!(
        error.starts_with("x.toml:4: scenario.sections[1]: section \"monitoring\" is listed twice"),
        "{error}"
    );
    let error = with("sections = \"monitoring\"");
    assert!(
        error.starts_with(
            "x.toml:4: scenario.sections: expected a list of section names, found string"
        ),
        "{error}"
    );
    let error = with("sections = [3]");
    assert!(
        error.starts_with("x.toml:4: scenario.sections[0]: expected a section name, found integer"),
        "{error}"
    );
    let error = with("sections = []");
    assert!(
        error.starts_with("x.toml:4: scenario.sections: list at least one section"),
        "{error}"
    );
    let error = with("difficulty = \"hard\"");
    assert!(
        error.starts_with(
            "x.toml:4: scenario.difficulty: unknown difficulty \"hard\"; expected one of basic, intermediate, advanced"
        ),
        "{error}"
    );
}

#[test]
fn every_shipped_scenario_names_its_sections_and_difficulty() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut count = 0;
    for dir in [root.clone(), root.join("crises")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                let scenario = parse(&text, &path.display().to_string()).unwrap();
                assert!(
                    !scenario.sections.is_empty(),
                    "{}: no sections",
                    path.display()
                );
                assert!(
                    scenario.difficulty.is_some(),
                    "{}: no difficulty",
                    path.display()
                );
                count += 1;
            }
        }
    }
    assert!(count >= 15, "only {count} scenarios");
}

/// Durations that do not fit in u64 milliseconds are refused with the field named, not wrapped
/// (5124095576031 h used to come out as 0:34:08) nor saturated.
#[test]
fn durations_too_long_to_count_are_refused() {
    for value in ["\"5124095576031:00:00\"", "9223372036854775807", "1e300"] {
        let text = BASE.replace("\"1:00:00\"", value);
        let error = parse(&text, "x.toml").unwrap_err().to_string();
        assert!(
            error.starts_with("x.toml:3: scenario.duration: ")
                && error.contains("is not a duration of at most a year"),
            "{error}"
        );
    }
}

/// A seed of 2^64 (written as a float) is refused, not saturated to 2^64 − 1.
#[test]
fn seed_beyond_u64_is_refused() {
    let text = BASE.replace(
        "duration = \"1:00:00\"",
        "duration = \"1:00:00\"\nseed = 1.8446744073709552e19",
    );
    let error = parse(&text, "x.toml").unwrap_err().to_string();
    assert!(
        error.contains("seed: ") && error.contains("2^64"),
        "{error}"
    );
}

#[test]
fn questions_are_read_and_checked() {
    let with = |table: &str| parse(&format!("{BASE}\n[[questions]]\n{table}\n"), "x.toml");
    let scenario =
        with("at = \"0:20:00\"\nprompt = \"What is the DO2i now?\"\ncolumn = \"do2i_ml_min_m2\"")
            .unwrap();
    assert_eq!(scenario.questions.len(), 1);
    assert_eq!(scenario.questions[0].at_ms, 1_200_000);
    assert_eq!(
        scenario.questions[0].answer,
        perfuse_scenario::QuestionAnswer::Value {
            column: "do2i_ml_min_m2",
            unit: "mL/min/m2",
            tolerance_pct: 10.0
        }
    );
    let scenario =
        with("at = \"0:20:00\"\nprompt = \"Which?\"\nchoices = [\"a\", \"b\", \"c\"]\ncorrect = 3")
            .unwrap();
    assert_eq!(
        scenario.questions[0].answer,
        perfuse_scenario::QuestionAnswer::Choice {
            choices: vec!["a".into(), "b".into(), "c".into()],
            correct: 2
        }
    );
    for (table, field) in [
        (
            "at = \"2:00:00\"\nprompt = \"x\"\ncolumn = \"hct_pct\"",
            "questions.at",
        ),
        (
            "at = \"0:10:00\"\nprompt = \"x\"\ncolumn = \"phase\"",
            "questions.column",
        ),
        (
            "at = \"0:10:00\"\nprompt = \"x\"\ncolumn = \"hct_pct\"\ntolerance_pct = 0",
            "questions.tolerance_pct",
        ),
        (
            "at = \"0:10:00\"\nprompt = \"x\"\nchoices = [\"a\"]\ncorrect = 1",
            "questions.choices",
        ),
        (
            "at = \"0:10:00\"\nprompt = \"x\"\nchoices = [\"a\", \"b\"]\ncorrect = 3",
            "questions.correct",
        ),
        ("at = \"0:10:00\"\nprompt = \"x\"", "questions.column"),
    ] {
        let error = with(table).unwrap_err();
        assert!(
            error.field.ends_with(field.trim_start_matches("questions")),
            "{table}: {error}"
        );
        assert!(error.to_string().contains("questions"), "{table}: {error}");
    }
}
