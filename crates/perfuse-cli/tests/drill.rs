//! `perfuse drill` through the built binary: `--json` determinism and content, the
//! interactive session fed on stdin (right, wrong, wrong unit, not a number), flag errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn drill(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perfuse"))
        .arg("drill")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let output = drill(args, "");
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn json_is_byte_identical_for_a_seed_and_complete() {
    let a = drill(&["--seed", "11", "--count", "25", "--json"], "");
    let b = drill(&["--seed", "11", "--count", "25", "--json"], "");
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let c = drill(&["--seed", "12", "--count", "25", "--json"], "");
    assert_ne!(a.stdout, c.stdout);
    let set: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(set["seed"], 11);
    let items = set["items"].as_array().unwrap();
    assert_eq!(items.len(), 25);
    for item in items {
        for field in [
            "id",
            "kind",
            "section",
            "section_title",
            "calculation",
            "vignette",
            "inputs",
            "answer",
            "unit",
            "tolerance",
            "steps",
            "solution",
        ] {
            assert!(!item[field].is_null(), "{field} missing in {item}");
        }
        assert!(item["answer"].as_f64().unwrap().is_finite());
        // The last solution line states the answer with its unit.
        let last = item["solution"].as_array().unwrap().last().unwrap();
        assert!(last.as_str().unwrap().starts_with("Answer: "), "{last}");
    }
}

#[test]
fn filters_restrict_and_bad_values_exit_2_naming_the_accepted_ones() {
    let set = json(&[
        "--seed",
        "3",
        "--count",
        "20",
        "--json",
        "--section",
        "pharmacology",
    ]);
    for item in set["items"].as_array().unwrap() {
        assert_eq!(item["section"], "pharmacology");
    }
    let set = json(&["--seed", "3", "--count", "5", "--json", "--topic", "do2i"]);
    for item in set["items"].as_array().unwrap() {
        assert_eq!(item["kind"], "bsa-flow-do2i");
    }
    for (args, start, mentions) in [
        (
            &["--section", "cardiology"][..],
            "error: --section cardiology: expected one of",
            "ecmo-ecls-special-procedures",
        ),
        (
            &["--topic", "cardiac-output"][..],
            "error: --topic cardiac-output: expected one of",
            "heparin-protamine",
        ),
        (
            &["--count", "0"][..],
            "error: --count 0: must be between 1 and 1000",
            "",
        ),
        (
            &["--timed", "0"][..],
            "error: --timed 0: must be greater than 0",
            "",
        ),
    ] {
        let output = drill(args, "");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.starts_with(start), "{stderr}");
        assert!(stderr.contains(mentions), "{stderr}");
    }
}

#[test]
fn interactive_session_grades_right_wrong_and_wrong_unit() {
    let args = ["--seed", "9", "--count", "3", "--topic", "heparin-loading"];
    let set = json(&[&args[..], &["--json"]].concat());
    let items = set["items"].as_array().unwrap();
    let answer = |i: usize| items[i]["answer"].as_f64().unwrap();
    // One right (in the unit), one wrong by 10 %, one right number with a wrong unit, after
    // a non-number that must be asked again.
    let stdin = format!(
        "{} units\n{} units\nforty thousand\n{} mg\n",
        answer(0),
        answer(1) * 1.1,
        answer(2)
    );
    let output = drill(&args, &stdin);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Correct."), "{stdout}");
    assert!(stdout.contains("Wrong: the answer is"), "{stdout}");
    assert!(
        stdout.contains("Not a number: \"forty thousand\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("Wrong unit: the answer is") && stdout.contains("your number is right"),
        "{stdout}"
    );
    // The worked solution is shown, with its source.
    assert!(stdout.contains("heparin-dose = W·u"), "{stdout}");
    assert!(stdout.contains("Bull 1975"), "{stdout}");
    assert!(
        stdout.contains("Score: 1/3 correct (1 wrong, 1 wrong unit, 0 missing unit)"),
        "{stdout}"
    );
    // The same seed asks the same vignettes as --json lists.
    for item in items {
        assert!(stdout.contains(item["vignette"].as_str().unwrap()));
    }
}

#[test]
fn timed_mode_shows_the_time_left_and_input_may_end_early() {
    let output = drill(
        &["--seed", "2", "--count", "3", "--timed", "5"],
        "1 L/min\n",
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("left] answer> "), "{stdout}");
    assert!(stdout.contains("(end of input)"), "{stdout}");
    assert!(stdout.contains("Score: 0/1 correct") || stdout.contains("Score: 1/1 correct"));
}

#[test]
fn answers_of_a_learner_are_stored_and_reported_weakest_section_first() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("drill-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("progress.db");
    let db = db.to_str().unwrap();
    let svg = dir.join("accuracy.svg");
    // Pharmacology: one right, one wrong by 10 %, one right number in a wrong unit.
    let args = ["--seed", "9", "--count", "3", "--topic", "heparin-loading"];
    let set = json(&[&args[..], &["--json"]].concat());
    let answer = |i: usize| set["items"][i]["answer"].as_f64().unwrap();
    let stdin = format!(
        "{} units\n{} units\n{} mg\n",
        answer(0),
        answer(1) * 1.1,
        answer(2)
    );
    let learned = [&args[..], &["--learner", "Kim Doe", "--db", db]].concat();
    assert!(drill(&learned, &stdin).status.success());
    // Monitoring: both right.
    let args = ["--seed", "4", "--count", "2", "--topic", "o2er"];
    let set = json(&[&args[..], &["--json"]].concat());
    let answer = |i: usize| set["items"][i]["answer"].as_f64().unwrap();
    let stdin = format!("{} %\n{} %\n", answer(0), answer(1));
    let learned = [&args[..], &["--learner", "Kim Doe", "--db", db]].concat();
    assert!(drill(&learned, &stdin).status.success());
    // Another learner's answers do not count.
    let other = [
        "--seed",
        "9",
        "--count",
        "1",
        "--learner",
        "Lee",
        "--db",
        db,
    ];
    assert!(drill(&other, "1 mg\n").status.success());

    let svg_arg = svg.to_str().unwrap();
    let output = drill(
        &[
            "--report",
            "--learner",
            "Kim Doe",
            "--db",
            db,
            "--svg",
            svg_arg,
        ],
        "",
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("Drill progress of Kim Doe: 3/5 correct (60 %)"),
        "{stdout}"
    );
    // Weakest first: Pharmacology 1/3, then Monitoring 2/2.
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .filter(|l| l.starts_with("Pharmacology") || l.starts_with("Monitoring"))
        .map(|l| l.split_whitespace().take(5).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["Pharmacology", "3", "1", "33", "%"],
            ["Monitoring", "2", "2", "100", "%"]
        ],
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("20")),
        "a day row: {stdout}"
    );
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(
        chart.starts_with("<svg ") && chart.contains("<polyline"),
        "{chart}"
    );

    // --report needs --learner; --svg needs --report.
    assert_eq!(drill(&["--report", "--db", db], "").status.code(), Some(2));
    assert_eq!(drill(&["--svg", svg_arg], "").status.code(), Some(2));
    let blank = drill(&["--learner", " ", "--db", db], "");
    assert_eq!(blank.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&blank.stderr).contains("--learner"));
    assert_eq!(
        drill(&["--learner", "Kim", "--json"], "").status.code(),
        Some(2)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
