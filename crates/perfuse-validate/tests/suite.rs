//! The engine on small inline suites: every measurement kind against values the scenario
//! fixes (phase times, a set flow), the not-yet-measurable state, and the located errors a
//! broken target file gets.

use perfuse_validate::{Colour, LoadError, Outcome, SourceFile, load, markdown, run};

/// Bypass from 0:00:20 (the pump reaches 4.0 L/min over 30 s), 3.0 L/min from 0:01:00; two
/// minutes in all.
const SCENARIO: &str = r#"
[scenario]
name = "short"
description = "Two minutes: bypass at 0:20, flow change at 1:00."
duration = "0:02:00"
[patient]
sex = "male"
age_years = 60
height_cm = 175
weight_kg = 80
hct_pct = 40
[circuit]
prime_ml = 1500
[[events]]
at = "0:00:10"
action = "heparin"
units = 32000
[[events]]
at = "0:00:20"
action = "start-bypass"
flow_l_min = 4.0
[[events]]
at = "0:01:00"
action = "set-flow"
flow_l_min = 3.0
"#;

fn file(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: path.to_owned(),
        text: text.to_owned(),
    }
}

fn target(id: &str, measure: &str, expect: &str, extra: &str) -> String {
    format!(
        r#"
[[target]]
id = "{id}"
system = "circuit"
tags = ["adult", "normothermic"]
condition = "test"
title = "test"
scenario = "short.toml"
measure = {measure}
expect = {expect}
source = "test"
{extra}
"#
    )
}

fn outcomes(targets: &str, scenarios: &[(&str, &str)]) -> Vec<Outcome> {
    let scenarios: Vec<SourceFile> = scenarios.iter().map(|(p, t)| file(p, t)).collect();
    let suite = load(&[file("t.toml", targets)], &scenarios).expect("valid suite");
    run(&suite).results.into_iter().map(|(_, o)| o).collect()
}

fn value(outcome: &Outcome) -> f64 {
    match outcome {
        Outcome::Measured(Ok((reading, _))) => match reading.value {
            perfuse_validate::quantity::Value::Number(x) => x,
            ref other => panic!("not a number: {other:?}"),
        },
        other => panic!("not measured: {other:?}"),
    }
}

#[test]
fn each_stat_reads_what_the_scenario_set() {
    let targets = [
        target("at", r#"{ column = "pump_flow_l_min", at = "0:01:30" }"#, "{ equal-to = 3.0 }", ""),
        target("mean", r#"{ column = "pump_flow_l_min", stat = "mean", from = "0:01:10", to = "0:01:50" }"#, "{ equal-to = 3.0 }", ""),
        target("min", r#"{ column = "pump_flow_l_min", stat = "min", from = "0:00:00", to = "0:00:19" }"#, "{ equal-to = 0.0, scale = 1 }", ""),
        target("max", r#"{ column = "pump_flow_l_min", stat = "max", from = "0:00:50", to = "0:01:50" }"#, "{ equal-to = 4.0 }", ""),
        target("change", r#"{ column = "pump_flow_l_min", stat = "change", from = "0:00:59", to = "0:01:30" }"#, "{ equal-to = -1.0 }", ""),
        target("time-to", r#"{ column = "phase", stat = "time-to", from = "0:00:00", equals = "bypass" }"#, "{ equal-to = 0.333 }", ""),
        target("fraction", r#"{ column = "phase", stat = "fraction", from = "0:00:00", to = "0:01:59", equals = "bypass" }"#, "{ equal-to = 83.3 }", ""),
        target("ratio", r#"{ ratio = [{ column = "pump_flow_l_min", at = "0:01:30" }, { column = "pump_flow_l_min", at = "0:00:59" }] }"#, "{ equal-to = 0.75 }", ""),
        target("difference", r#"{ difference = [{ column = "pump_flow_l_min", at = "0:01:30" }, { column = "pump_flow_l_min", at = "0:00:00" }] }"#, "{ equal-to = 3.0 }", ""),
        target("text", r#"{ column = "phase", at = "0:00:10" }"#, r#"{ is = "pre-bypass" }"#, ""),
    ]
    .concat();
    let results = outcomes(&targets, &[("s/short.toml", SCENARIO)]);
    let expected = [
        3.0,
        3.0,
        0.0,
        4.0,
        -1.0,
        1.0 / 3.0,
        100.0 * 100.0 / 120.0,
        0.75,
        3.0,
    ];
    for (outcome, want) in results.iter().zip(expected) {
        let got = value(outcome);
        assert!((got - want).abs() < 0.02, "{outcome:?}: want {want}");
        assert_eq!(outcome.colour(), Some(Colour::Green), "{outcome:?}");
    }
    assert_eq!(results[9].colour(), Some(Colour::Green), "{:?}", results[9]);
}

#[test]
fn a_condition_never_met_is_red_with_its_reason() {
    let targets = target(
        "never",
        r#"{ column = "phase", stat = "time-to", from = "0:00:00", equals = "post-bypass" }"#,
        "{ less-than = 10 }",
        "",
    );
    let results = outcomes(&targets, &[("short.toml", SCENARIO)]);
    match &results[0] {
        Outcome::Measured(Err(reason)) => assert!(reason.contains("not reached"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(results[0].colour(), Some(Colour::Red));
}

#[test]
fn needs_make_a_target_wait_even_when_its_scenario_uses_an_unknown_action() {
    let future = SCENARIO.replace(
        "action = \"set-flow\"\nflow_l_min = 3.0",
        "action = \"test-only-future-action\"\npct = 5",
    );
    let targets = target(
        "waits",
        r#"{ column = "test_only_future_mmhg", at = "0:01:30" }"#,
        "{ range = [35, 45] }",
        r#"needs = ["test-only-future-action", "test_only_future_mmhg"]"#,
    ) + &target(
        "today",
        r#"{ column = "pump_flow_l_min", at = "0:01:30" }"#,
        "{ equal-to = 3.0 }",
        "",
    )
    .replace("short.toml", "today.toml");
    let suite = load(
        &[file(
            "t.toml",
            &targets.replace("\"short.toml\"", "\"future.toml\""),
        )],
        &[file("future.toml", &future), file("today.toml", SCENARIO)],
    )
    .expect("the failing scenario is tolerated for a waiting target");
    let report = run(&suite);
    assert_eq!(
        report.results[0].1,
        Outcome::NotYetMeasurable {
            needs: vec![
                "test-only-future-action".into(),
                "test_only_future_mmhg".into()
            ]
        }
    );
    assert_eq!(report.results[1].1.colour(), Some(Colour::Green));
    let text = markdown(&report);
    assert!(text.contains("not yet measurable"), "{text}");
    assert!(text.contains(
        "`waits`: the simulator has no `test-only-future-action`, `test_only_future_mmhg` yet."
    ));
}

fn load_error(targets: &str, scenarios: &[(&str, &str)]) -> LoadError {
    let scenarios: Vec<SourceFile> = scenarios.iter().map(|(p, t)| file(p, t)).collect();
    match load(&[file("validation/targets/t.toml", targets)], &scenarios) {
        Ok(_) => panic!("accepted:\n{targets}"),
        Err(e) => e,
    }
}

#[test]
fn mistakes_are_located_at_file_line_and_field() {
    let ok_measure = r#"{ column = "pump_flow_l_min", at = "0:01:30" }"#;
    let cases: &[(String, &str, &str)] = &[
        (
            target(
                "x",
                r#"{ column = "pump_flow_lpm", at = "0:01:30" }"#,
                "{ equal-to = 3 }",
                "",
            ),
            "target[0].measure",
            "unknown column \"pump_flow_lpm\"",
        ),
        (
            target("x", ok_measure, "{ equal-to = 3 }", "")
                .replace("\"circuit\"", "\"circulation\""),
            "target[0].system",
            "unknown system \"circulation\"",
        ),
        (
            target(
                "x",
                r#"{ column = "pump_flow_l_min", at = "0:05:00" }"#,
                "{ equal-to = 3 }",
                "",
            ),
            "target[0].measure",
            "after the end of short.toml",
        ),
        (
            target(
                "x",
                r#"{ column = "pump_flow_l_min", at = "ninety" }"#,
                "{ equal-to = 3 }",
                "",
            ),
            "target[0].measure",
            "is not a duration",
        ),
        (
            target("x", ok_measure, "{ equal-to = 0 }", ""),
            "target[0].expect",
            "give `scale`",
        ),
        (
            target("x", ok_measure, "{ equal-to = 3, less-than = 4 }", ""),
            "target[0].expect",
            "exactly one of",
        ),
        (
            target(
                "x",
                r#"{ column = "pump_flow_l_min", stat = "mean", from = "0:00:10", to = "0:01:00" }"#,
                r#"{ is = "vf" }"#,
                "",
            ),
            "target[0].measure",
            "is / is-not compare one text sample",
        ),
        (
            target(
                "x",
                r#"{ column = "phase", stat = "mean", from = "0:00:10", to = "0:01:00" }"#,
                "{ equal-to = 3 }",
                "",
            ),
            "target[0].measure",
            "phase is a text column",
        ),
        (
            target("x", ok_measure, "{ equal-to = 3 }", "").replace("short.toml", "long.toml"),
            "target[0].scenario",
            "no scenario file \"long.toml\"",
        ),
        (
            target("x", ok_measure, "{ equal-to = 3 }", "colour = \"red\""),
            "target[0].colour",
            "unknown field `colour`",
        ),
        (
            target("x", ok_measure, "{ equal-to = 3 }", "").replace("title = \"test\"\n", ""),
            "target[0].title",
            "missing field `title`",
        ),
        (
            target("x", ok_measure, "{ equal-to = 3 }", "")
                + &target("x", ok_measure, "{ equal-to = 3 }", ""),
            "id",
            "used by another target",
        ),
    ];
    for (text, field, message) in cases {
        let e = load_error(text, &[("short.toml", SCENARIO)]);
        assert_eq!(e.file, "validation/targets/t.toml", "{e}");
        assert_eq!(e.field, *field, "{e}");
        assert!(e.message.contains(message), "{e}\nwanted: {message}");
        assert!(e.line > 0, "{e}");
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!("validation/targets/t.toml:{}: {field}: ", e.line)),
            "{shown}"
        );
    }
}

#[test]
fn the_line_points_at_the_offending_target() {
    let text = target(
        "a",
        r#"{ column = "pump_flow_l_min", at = "0:01:30" }"#,
        "{ equal-to = 3 }",
        "",
    ) + &target(
        "b",
        r#"{ column = "nope", at = "0:01:30" }"#,
        "{ equal-to = 3 }",
        "",
    );
    let e = load_error(&text, &[("short.toml", SCENARIO)]);
    let line = text.lines().position(|l| l.contains("\"nope\"")).unwrap() + 1;
    assert_eq!(
        (e.line, e.field.as_str()),
        (line, "target[1].measure"),
        "{e}"
    );
}

#[test]
fn a_broken_scenario_fails_the_suite_unless_its_targets_wait() {
    let broken = SCENARIO.replace("flow_l_min = 3.0", "flow_l_min = 30");
    let text = target(
        "x",
        r#"{ column = "pump_flow_l_min", at = "0:01:30" }"#,
        "{ equal-to = 3 }",
        "",
    );
    let e = load_error(&text, &[("short.toml", &broken)]);
    assert_eq!(e.field, "events[2].flow_l_min", "{e}");
    // A need the simulator already meets does not excuse it.
    let text = target(
        "x",
        r#"{ column = "pump_flow_l_min", at = "0:01:30" }"#,
        "{ equal-to = 3 }",
        r#"needs = ["pump_flow_l_min"]"#,
    );
    let e = load_error(&text, &[("short.toml", &broken)]);
    assert_eq!(e.field, "events[2].flow_l_min", "{e}");
}

#[test]
fn every_scenario_file_is_used() {
    let text = target(
        "x",
        r#"{ column = "pump_flow_l_min", at = "0:01:30" }"#,
        "{ equal-to = 3 }",
        "",
    );
    let e = load_error(
        &text,
        &[("short.toml", SCENARIO), ("extra/spare.toml", SCENARIO)],
    );
    assert_eq!(
        (e.file.as_str(), e.message.as_str()),
        ("extra/spare.toml", "no target uses this scenario")
    );
}

#[test]
fn the_report_is_the_same_bytes_every_time() {
    let targets = target(
        "a",
        r#"{ column = "map_mmhg", stat = "mean", from = "0:01:10", to = "0:01:50" }"#,
        "{ range = [50, 80] }",
        "",
    ) + &target(
        "b",
        r#"{ column = "hct_pct", at = "0:01:30" }"#,
        "{ equal-to = 31.5 }",
        "",
    );
    let render = || {
        let suite = load(&[file("t.toml", &targets)], &[file("short.toml", SCENARIO)]).unwrap();
        markdown(&run(&suite))
    };
    assert_eq!(render(), render());
}
