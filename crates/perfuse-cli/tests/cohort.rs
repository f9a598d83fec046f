//! `perfuse cohort` through the built binary: determinism (`--only`), shards and resume give
//! the same bytes as one whole run, the Parquet files read back to the CSV values, and bad
//! specs exit 2 naming the line and field.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

const SCENARIO: &str = r#"
[scenario]
name = "short bypass"
duration = "0:20:00"
seed = 1

[patient]
sex = "male"
age_years = 65
height_cm = 175
weight_kg = 80
hct_pct = 40

[circuit]
prime_ml = 1500

[[events]]
at = "0:01:00"
action = "heparin"
units = 32000

[[events]]
at = "0:04:00"
action = "start-bypass"
flow_l_min = 4.7

[[events]]
at = "0:16:00"
action = "end-bypass"
"#;

const SPEC: &str = r#"
[cohort]
name = "test cohort"
scenario = "short.toml"
patients = 6
seed = 7

[population]
female_pct = 40
age_years = { dist = "normal", mean = 74, sd = 6, min = 65, max = 90 }
height_cm.male = { dist = "normal", mean = 172, sd = 7, min = 150, max = 195 }
height_cm.female = { dist = "normal", mean = 159, sd = 6, min = 140, max = 180 }
bmi_kg_m2 = { dist = "lognormal", median = 27, gsd = 1.15, min = 18, max = 40 }
hct_pct = { dist = "uniform", min = 28, max = 36 }

[[arms]]
name = "CI 2.2"
flow_index_l_min_m2 = 2.2

[[arms]]
name = "CI 2.6"
flow_index_l_min_m2 = 2.6
"#;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("perfuse-cohort-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("short.toml"), SCENARIO).unwrap();
        fs::write(dir.join("spec.toml"), SPEC).unwrap();
        Dir(dir)
    }

    /// `perfuse cohort spec.toml --out DIR --csv --every 5m` (unless `extra` sets --every).
    fn cohort(&self, out: &str, extra: &[&str]) -> Output {
        let every: &[&str] = if extra.contains(&"--every") {
            &[]
        } else {
            &["--every", "5m"]
        };
        Command::new(env!("CARGO_BIN_EXE_perfuse"))
            .arg("cohort")
            .arg(self.0.join("spec.toml"))
            .arg("--out")
            .arg(self.0.join(out))
            .arg("--csv")
            .args(every)
            .args(extra)
            .output()
            .unwrap()
    }

    fn ok(&self, out: &str, extra: &[&str]) -> PathBuf {
        let output = self.cohort(out, extra);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.0.join(out)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

const OUTPUTS: [&str; 7] = [
    "patients.parquet",
    "summary.parquet",
    "timeseries.parquet",
    "patients.csv",
    "summary.csv",
    "timeseries.csv",
    "summary.md",
];

#[test]
fn one_patient_alone_gives_its_rows_of_the_whole_run() {
    let dir = Dir::new("only");
    let whole = dir.ok("whole", &[]);
    let alone = dir.ok("alone", &["--only", "3"]);
    let summary = lines(&whole.join("summary.csv"));
    // Header, then 6 patients × 2 arms in patient order.
    assert_eq!(summary.len(), 1 + 12);
    let only = lines(&alone.join("summary.csv"));
    assert_eq!(only[0], summary[0]);
    assert_eq!(only[1..], summary[7..9]);
    assert!(only[1].starts_with("3,CI 2.2,") && only[2].starts_with("3,CI 2.6,"));
    assert_eq!(
        lines(&alone.join("patients.csv"))[1],
        lines(&whole.join("patients.csv"))[4]
    );
    let series = lines(&whole.join("timeseries.csv"));
    let mine: Vec<_> = series
        .iter()
        .filter(|l| l.starts_with("3,"))
        .cloned()
        .collect();
    // 0, 5, 10, 15, 20 min in each arm.
    assert_eq!(mine.len(), 2 * 5);
    assert_eq!(lines(&alone.join("timeseries.csv"))[1..], mine[..]);
    // A higher flow index gives every patient a higher nadir DO2i (same patient, same seed).
    let do2i = |line: &str| line.split(',').nth(4).unwrap().parse::<f64>().unwrap();
    for pair in summary[1..].chunks(2) {
        assert!(do2i(&pair[1]) > do2i(&pair[0]), "{pair:?}");
    }
    let markdown = fs::read_to_string(whole.join("summary.md")).unwrap();
    assert!(markdown.contains("| nadir_do2i_ml_min_m2 |") && markdown.contains("CI 2.6 − CI 2.2"));
}

#[test]
fn shards_and_resumed_runs_equal_the_whole_run() {
    let dir = Dir::new("shards");
    let whole = dir.ok("whole", &[]);
    // Shard 0 of 2 alone writes parts but no merged files; shard 1 completes and merges.
    let sharded = dir.ok("sharded", &["--shard", "0/2"]);
    assert!(!sharded.join("summary.parquet").exists());
    dir.ok("sharded", &["--shard", "1/2"]);
    // A run that stopped after one chunk (the other's part file missing) resumes.
    let resumed = dir.ok("resumed", &[]);
    fs::remove_file(resumed.join("parts/chunk-0000001.csv")).unwrap();
    fs::remove_file(resumed.join("summary.parquet")).unwrap();
    dir.ok("resumed", &[]);
    for name in OUTPUTS {
        let expected = fs::read(whole.join(name)).unwrap();
        assert_eq!(fs::read(sharded.join(name)).unwrap(), expected, "{name}");
        assert_eq!(fs::read(resumed.join(name)).unwrap(), expected, "{name}");
    }
    // Parts of another cohort are never mixed in.
    let output = dir.cohort("whole", &["--patients", "5"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("different cohort"));
}

#[test]
fn parquet_files_read_back_to_the_csv_values() {
    let dir = Dir::new("parquet");
    let out = dir.ok("out", &[]);
    for table in ["patients", "summary", "timeseries"] {
        let csv = lines(&out.join(format!("{table}.csv")));
        let header: Vec<&str> = csv[0].split(',').collect();
        let reader = SerializedFileReader::new(
            fs::File::open(out.join(format!("{table}.parquet"))).unwrap(),
        )
        .unwrap();
        let rows: Vec<_> = reader
            .get_row_iter(None)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), csv.len() - 1, "{table}");
        for (row, line) in rows.iter().zip(&csv[1..]) {
            let names: Vec<&str> = row.get_column_iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, header);
            // Text fields here hold no commas, so a plain split is the CSV.
            for ((_, field), text) in row.get_column_iter().zip(line.split(',')) {
                match field {
                    Field::Null => assert_eq!(text, ""),
                    Field::Long(v) => assert_eq!(v.to_string(), text),
                    Field::Double(v) => assert_eq!(*v, text.parse::<f64>().unwrap()),
                    Field::Str(s) => assert_eq!(s, text),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let dir = Dir::new("bad");
    fs::write(
        dir.0.join("spec.toml"),
        SPEC.replace("sd = 6, min = 65", "sd = 6, min = 95"),
    )
    .unwrap();
    let output = dir.cohort("out", &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains("spec.toml:10: population.age_years.min: 95 is above max 90"),
        "{stderr}"
    );
    fs::write(dir.0.join("spec.toml"), SPEC).unwrap();
    for (args, expected) in [
        (
            &["--only", "6"][..],
            "--only 6: must be below the number of patients (6)",
        ),
        (&["--patients", "0"][..], "--patients 0: must be between 1"),
        (&["--shard", "2/2"][..], "expected I/N with 0 ≤ I < N"),
        (&["--every", "1500ms"][..], "whole number of seconds"),
    ] {
        let output = dir.cohort("out", args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
    }
}
