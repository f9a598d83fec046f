//! `perfuse calc` through the built binary: the shared reference cases, the JSON contract
//! and the error contract of cli.md.

use std::path::PathBuf;
use std::process::{Command, Output};

fn perfuse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfuse"))
        .args(args)
        .output()
        .expect("perfuse runs")
}

fn shared_cases() -> PathBuf {
    // The workspace sits in <root>/main (or a CI clone) with shared/ beside it.
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    workspace.join("../shared/cases/calc-public.tsv")
}

/// Every row of `shared/cases/calc-public.tsv`: value within 0.05 % (or 1e-6 absolute),
/// quantity and unit as expected; `ERR` rows exit 2 with an error and nothing on stdout.
/// New rows are picked up without touching this test.
#[test]
fn shared_reference_cases() {
    let path = shared_cases();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, args, expected, unit, ..] = fields[..] else {
            panic!("malformed row: {line}")
        };
        let mut argv = vec!["calc", name];
        argv.extend(args.split_whitespace());
        argv.push("--json");
        let output = perfuse(&argv);
        checked += 1;
        if expected == "ERR" {
            if output.status.code() != Some(2)
                || output.stderr.is_empty()
                || !output.stdout.is_empty()
            {
                failures.push(format!(
                    "{name} {args}: expected exit 2, got {:?}",
                    output.status.code()
                ));
            }
            continue;
        }
        let expected: f64 = expected.parse().expect("numeric expectation");
        let json: serde_json::Value = match serde_json::from_slice(&output.stdout) {
            Ok(json) => json,
            Err(e) => {
                failures.push(format!(
                    "{name} {args}: not JSON ({e}): {}",
                    String::from_utf8_lossy(&output.stderr)
                ));
                continue;
            }
        };
        let value = json["value"].as_f64().unwrap_or(f64::NAN);
        let close = (value - expected).abs() <= f64::max(1e-6, 5e-4 * expected.abs());
        if !close || json["quantity"] != name || json["unit"] != unit {
            failures.push(format!(
                "{name} {args}: expected {expected} {unit}, got {json}"
            ));
        }
    }
    assert!(
        checked > 100,
        "only {checked} cases read from {}",
        path.display()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn json_contract_example() {
    let output = perfuse(&[
        "calc",
        "bsa",
        "--height-cm",
        "175",
        "--weight-kg",
        "80",
        "--json",
    ]);
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["quantity"], "bsa");
    assert_eq!(json["unit"], "m2");
    assert_eq!(json["method"], "dubois");
    assert_eq!(json["inputs"]["height_cm"], 175);
    assert!((json["value"].as_f64().unwrap() - 1.9560599).abs() < 1e-7);
}

#[test]
fn readable_line() {
    let output = perfuse(&["calc", "bsa", "--height-cm", "175", "--weight-kg", "80"]);
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "bsa = 1.956 m2 (DuBois & DuBois 1916)\n"
    );
}

/// cli.md: exit 2, the first stderr line names the flag, the value and the accepted range;
/// nothing on stdout.
#[test]
fn bad_input_names_flag_value_and_range() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["bsa", "--height-cm", "175", "--weight-kg", "-5"],
            "error: --weight-kg -5: must be between 0.3 and 650 kg",
        ),
        (
            &["bsa", "--height-cm", "175", "--weight-kg", "inf"],
            "error: --weight-kg inf: must be between 0.3 and 650 kg",
        ),
        (
            &["bsa", "--height-cm", "175", "--weight-kg", "nan"],
            "error: --weight-kg NaN: must be between 0.3 and 650 kg",
        ),
        (
            &["bsa", "--height-cm", "175"],
            "error: --weight-kg: required",
        ),
        (
            &[
                "on-bypass-hct",
                "--ebv-ml",
                "5600",
                "--hct-pct",
                "95",
                "--prime-ml",
                "1500",
            ],
            "error: --hct-pct 95: must be between 5 and 80 %",
        ),
        (
            &["so2", "--po2-mmhg", "-10"],
            "error: --po2-mmhg -10: must be at least 0 mmHg",
        ),
        (
            &[
                "svr",
                "--map-mmhg",
                "60",
                "--cvp-mmhg",
                "-25",
                "--flow-l-min",
                "4",
            ],
            "error: --cvp-mmhg -25: must be at least -20 mmHg",
        ),
        (
            &["map", "--systolic-mmhg", "80", "--diastolic-mmhg", "90"],
            "error: --diastolic-mmhg 90: must not exceed --systolic-mmhg",
        ),
        (
            &[
                "ebv",
                "--method",
                "nadler",
                "--weight-kg",
                "80",
                "--height-cm",
                "180",
            ],
            "error: --sex: required",
        ),
        (
            &[
                "bsa",
                "--height-cm",
                "175",
                "--weight-kg",
                "80",
                "--method",
                "witchcraft",
            ],
            "--method",
        ),
        (
            &[
                "bsa",
                "--height-cm",
                "175",
                "--weight-kg",
                "80",
                "--shoe-size",
                "9",
            ],
            "--shoe-size",
        ),
        (
            &[
                "prbc-volume",
                "--ebv-ml",
                "5000",
                "--prime-ml",
                "1000",
                "--current-hct-pct",
                "20",
                "--target-hct-pct",
                "30",
                "--prbc-hct-pct",
                "25",
            ],
            "error: --prbc-hct-pct 25: must exceed --target-hct-pct",
        ),
        (
            &[
                "heparin-additional",
                "--baseline-act-s",
                "140",
                "--measured-act-s",
                "130",
                "--dose-units",
                "30000",
                "--target-act-s",
                "480",
            ],
            "error: --measured-act-s 130: must exceed --baseline-act-s",
        ),
    ];
    for (args, first_line) in cases {
        let mut argv = vec!["calc"];
        argv.extend_from_slice(args);
        argv.push("--json");
        let output = perfuse(&argv);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} wrote to stdout");
        assert!(
            stderr.lines().next().unwrap_or("").contains(first_line),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn list_names_every_calculation_with_its_unit() {
    let output = perfuse(&["calc", "--list"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for calculation in perfuse_clinical::catalog::all() {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(calculation.name));
        let line = line.unwrap_or_else(|| panic!("{} not listed", calculation.name));
        assert!(line.contains(calculation.unit), "{line}");
    }
    assert_eq!(text.lines().count(), 28, "calc.md defines 28 calculations");
}
