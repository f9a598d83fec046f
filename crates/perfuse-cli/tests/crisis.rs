//! `perfuse run --score` and `--branch-at`: a crisis scored from the outside, and "what if" runs
//! that are the original up to the branch point.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("perfuse-crisis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn perfuse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfuse"))
        .args(args)
        .output()
        .expect("perfuse runs")
}

fn csv(args: &[&str]) -> String {
    let output = perfuse(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The arterial-air model answer, scored as a file: each checklist step done with its time to
/// action, the crisis timings, and no air to the patient.
#[test]
fn score_file_reports_the_checklist_and_the_cost() {
    let file = scratch("air-score.json");
    let path = scenario("crises/arterial-air.toml");
    let output = perfuse(&[
        "run",
        path.to_str().unwrap(),
        "--csv",
        scratch("air.csv").to_str().unwrap(),
        "--score",
        file.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let score: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(score["objectives_met"], score["objectives_total"]);
    let clamp = &score["objectives"][0];
    assert_eq!(clamp["outcome"], "done");
    assert!(clamp["time_to_action_s"].as_f64().unwrap() <= 20.0);
    let crisis = &score["crisis"];
    assert_eq!(crisis["onset_s"].as_f64(), Some(1500.0));
    // The arterial line is clamped 8 s after the air (the first action of the answer).
    assert_eq!(crisis["time_to_recognition_s"].as_f64(), Some(8.0));
    // Flow returns with the reset detector, 1 min 45 s after the air.
    let restored_s = crisis["time_to_restore_flow_s"].as_f64().unwrap();
    assert!((100.0..=130.0).contains(&restored_s), "{restored_s}");
    assert_eq!(crisis["air_to_patient_ml"].as_f64(), Some(0.0));
    // The pump stood still for ~100 s on an arrested heart: MAP fell to near zero.
    assert!(crisis["min_map_mmhg"].as_f64().unwrap() < 10.0);
}

/// "What if nobody hand-cranked": the branch is the original, byte for byte, up to the power
/// failure, and then the patient has no flow until the power returns.
#[test]
fn a_branch_is_the_original_until_the_branch_point() {
    let path = scenario("crises/power-failure-hand-crank.toml");
    let path = path.to_str().unwrap();
    let alternative = scratch("no-crank.toml");
    std::fs::write(
        &alternative,
        "[[events]]\nat = \"0:30:00\"\naction = \"fault\"\nkind = \"power-loss\"\n\n\
         [[events]]\nat = \"0:38:00\"\naction = \"clear-fault\"\nkind = \"power-loss\"\n",
    )
    .unwrap();
    let original = csv(&["run", path, "--csv", "-", "--every", "5s"]);
    let branched = csv(&[
        "run",
        path,
        "--csv",
        "-",
        "--every",
        "5s",
        "--branch-at",
        "0:30:00",
        "--events",
        alternative.to_str().unwrap(),
    ]);
    let before = |text: &str| -> Vec<String> {
        text.lines()
            .take_while(|line| {
                line.split(',')
                    .next()
                    .and_then(|t| t.parse::<f64>().ok())
                    .is_none_or(|t| t < 1800.0)
            })
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(before(&original), before(&branched));
    assert!(before(&original).len() > 300);
    // Five minutes into the failure: the crank keeps the flow in the original, not the branch.
    let flow_at = |text: &str, time: &str| -> f64 {
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let column = header.iter().position(|c| *c == "pump_flow_l_min").unwrap();
        let row = text.lines().find(|l| l.starts_with(time)).unwrap();
        row.split(',').nth(column).unwrap().parse().unwrap()
    };
    assert!(flow_at(&original, "2100.000,") > 4.0);
    assert!(flow_at(&branched, "2100.000,") < 0.1);
}

/// A branch file that rewrites the past is refused, naming the event and the branch point.
#[test]
fn a_branch_cannot_change_the_past() {
    let path = scenario("crises/power-failure-hand-crank.toml");
    let alternative = scratch("past.toml");
    std::fs::write(
        &alternative,
        "[[events]]\nat = \"0:20:00\"\naction = \"set-flow\"\nflow_l_min = 3\n",
    )
    .unwrap();
    let output = perfuse(&[
        "run",
        path.to_str().unwrap(),
        "--branch-at",
        "0:30:00",
        "--events",
        alternative.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("before --branch-at 0:30:00"), "{stderr}");
}
