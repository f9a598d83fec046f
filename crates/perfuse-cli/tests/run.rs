//! `perfuse run` through the built binary: shipped scenarios, the CSV contract of cli.md,
//! determinism, sampling, errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The data dictionary of `shared/spec/scenario.md`, written out here so that dropping or
/// renaming a column fails this test.
const DATA_DICTIONARY: &[&str] = &[
    "time_s",
    "phase",
    "hr_bpm",
    "map_mmhg",
    "sbp_mmhg",
    "dbp_mmhg",
    "cvp_mmhg",
    "cardiac_output_l_min",
    "pump_flow_l_min",
    "pump_rpm",
    "arterial_line_pressure_mmhg",
    "reservoir_volume_ml",
    "sweep_l_min",
    "fio2_pct",
    "hct_pct",
    "hb_g_dl",
    "pao2_mmhg",
    "paco2_mmhg",
    "ph",
    "hco3_mmol_l",
    "sbe_mmol_l",
    "sao2_pct",
    "svo2_pct",
    "lactate_mmol_l",
    "k_mmol_l",
    "act_s",
    "heparin_u_ml",
    "temp_core_c",
    "temp_arterial_c",
    "temp_venous_c",
    "temp_water_c",
    "do2i_ml_min_m2",
    "vo2i_ml_min_m2",
    "vco2i_ml_min_m2",
    "urine_ml",
    "cardioplegia_ml",
    "bypass_time_s",
    "cross_clamp_time_s",
    "alarms",
];

fn perfuse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfuse"))
        .args(args)
        .output()
        .expect("perfuse runs")
}

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
}

fn csv(output: &Output) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn every_shipped_scenario_runs_with_every_column_present_and_finite() {
    let paths = scenarios();
    assert!(paths.len() >= 6);
    for path in paths {
        let output = perfuse(&[
            "run",
            path.to_str().unwrap(),
            "--csv",
            "-",
            "--every",
            "30s",
        ]);
        let (header, rows) = csv(&output);
        assert_eq!(header[0], "time_s");
        for name in DATA_DICTIONARY {
            assert!(
                header.iter().any(|h| h == name),
                "{}: column {name} missing",
                path.display()
            );
        }
        assert!(rows.len() > 10);
        for row in &rows {
            assert_eq!(row.len(), header.len(), "{}: ragged row", path.display());
            for (name, field) in header.iter().zip(row) {
                if field.is_empty() {
                    assert!(
                        name == "alarms"
                            || perfuse_scenario::observations::column(name)
                                .is_some_and(|c| c.may_be_empty()),
                        "{}: {name} empty",
                        path.display()
                    );
                    continue;
                }
                if name == "phase" {
                    assert!(["pre-bypass", "bypass", "post-bypass"].contains(&field.as_str()));
                } else if name == "rhythm" {
                    assert!(
                        perfuse_sim::Rhythm::from_name(field).is_some(),
                        "rhythm {field}"
                    );
                } else if name != "alarms" {
                    let value: f64 = field.parse().unwrap_or_else(|_| panic!("{name}={field}"));
                    assert!(value.is_finite(), "{}: {name} = {field}", path.display());
                }
            }
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("real time") && stderr.contains("events applied"),
            "summary: {stderr}"
        );
    }
}

#[test]
fn same_scenario_and_seed_give_identical_bytes() {
    let path = scenarios().into_iter().next().unwrap();
    let path = path.to_str().unwrap();
    let first = perfuse(&["run", path, "--csv", "-", "--every", "5s", "--seed", "7"]);
    let second = perfuse(&["run", path, "--csv", "-", "--every", "5s", "--seed", "7"]);
    assert!(first.status.success());
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn sampling_starts_at_zero_and_includes_the_final_time() {
    let path = scenarios().into_iter().next().unwrap();
    let output = perfuse(&[
        "run",
        path.to_str().unwrap(),
        "--until",
        "0:01:05",
        "--every",
        "0:00:10",
    ]);
    let (_, rows) = csv(&output);
    let times: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        times,
        [
            "0.000", "10.000", "20.000", "30.000", "40.000", "50.000", "60.000", "65.000"
        ]
    );
    let output = perfuse(&[
        "run",
        path.to_str().unwrap(),
        "--until",
        "2s",
        "--every",
        "500ms",
    ]);
    assert_eq!(csv(&output).1.len(), 5);
}

#[test]
fn observation_rate_does_not_change_the_trajectory() {
    let path = scenarios().into_iter().next().unwrap();
    let path = path.to_str().unwrap();
    let (_, fine) = csv(&perfuse(&[
        "run", path, "--until", "0:30:00", "--every", "1s",
    ]));
    let (_, coarse) = csv(&perfuse(&[
        "run", path, "--until", "0:30:00", "--every", "5m",
    ]));
    for row in &coarse {
        let same_time = fine
            .iter()
            .find(|r| r[0] == row[0])
            .expect("every coarse sample is also a fine one");
        assert_eq!(same_time, row);
    }
}

#[test]
fn jsonl_has_the_same_keys_and_nulls_for_not_applicable() {
    let path = scenarios().into_iter().next().unwrap();
    let output = perfuse(&[
        "run",
        path.to_str().unwrap(),
        "--jsonl",
        "-",
        "--until",
        "1m",
    ]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 7);
    for name in DATA_DICTIONARY {
        assert!(rows[0].get(name).is_some(), "{name}");
    }
    assert_eq!(rows[0]["phase"], "pre-bypass");
}

#[test]
fn invalid_scenarios_exit_2_with_file_line_and_field() {
    let dir = std::env::temp_dir().join(format!("perfuse-run-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let original = std::fs::read_to_string(&scenarios()[0]).unwrap();
    let broken = original.replacen("action = \"start-bypass\"", "action = \"go-on-pump\"", 1);
    let file = dir.join("broken.toml");
    std::fs::write(&file, broken).unwrap();
    let output = perfuse(&["run", file.to_str().unwrap(), "--csv", "-"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr.lines().next().unwrap();
    assert!(
        first.contains("broken.toml:") && first.contains(".action: unknown action \"go-on-pump\""),
        "{first}"
    );

    let output = perfuse(&["run", dir.join("missing.toml").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let output = perfuse(&["run", file.to_str().unwrap(), "--every", "soon"]);
    assert_eq!(output.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
