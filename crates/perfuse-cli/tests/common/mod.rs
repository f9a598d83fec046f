//! Shared by the end-to-end test files: run `perfuse run` on a scenario (a file of
//! `tests/scenarios/` or a TOML text) and read its CSV by column and time.
#![allow(dead_code)] // each test file uses its own subset

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// A `perfuse run` CSV, by column.
pub struct Table {
    pub header: HashMap<String, usize>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Runs `tests/scenarios/<scenario>`, sampling every `every`.
    pub fn run(scenario: &str, every: &str) -> Table {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/scenarios")
            .join(scenario);
        Table::run_path(&path, every).0
    }

    /// Runs a scenario given as TOML text (written to a temporary file named after `name`);
    /// returns the table and the summary printed on stderr.
    pub fn run_text(name: &str, toml: &str, every: &str) -> (Table, String) {
        let dir = std::env::temp_dir().join(format!("perfuse-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, toml).unwrap();
        Table::run_path(&path, every)
    }

    fn run_path(path: &Path, every: &str) -> (Table, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_perfuse"))
            .args([
                "run",
                path.to_str().unwrap(),
                "--csv",
                "-",
                "--every",
                every,
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout).unwrap();
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .enumerate()
            .map(|(i, n)| (n.to_owned(), i))
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect();
        let summary = String::from_utf8_lossy(&output.stderr).into_owned();
        (Table { header, rows }, summary)
    }

    pub fn row(&self, time_s: f64) -> &Vec<String> {
        let t = self.header["time_s"];
        self.rows
            .iter()
            .find(|r| (r[t].parse::<f64>().unwrap() - time_s).abs() < 1e-6)
            .unwrap_or_else(|| panic!("no sample at {time_s} s"))
    }

    pub fn text(&self, time_s: f64, column: &str) -> &str {
        &self.row(time_s)[self.header[column]]
    }

    /// The value of `column` at `time` (`"h:mm:ss"`).
    pub fn at(&self, time: &str, column: &str) -> f64 {
        let time_s = seconds(time);
        let text = self.text(time_s, column);
        text.parse()
            .unwrap_or_else(|_| panic!("{column} at {time} is {text:?}"))
    }

    /// Every (time, value) of `column` between two times, inclusive.
    pub fn series(&self, from: &str, to: &str, column: &str) -> Vec<(f64, f64)> {
        let (from, to, t, c) = (
            seconds(from),
            seconds(to),
            self.header["time_s"],
            self.header[column],
        );
        self.rows
            .iter()
            .map(|r| {
                (
                    r[t].parse::<f64>().unwrap(),
                    r[c].parse::<f64>().unwrap_or(f64::NAN),
                )
            })
            .filter(|(time, _)| (from..=to).contains(time))
            .collect()
    }
}

/// Seconds of an `h:mm:ss` time.
pub fn seconds(time: &str) -> f64 {
    let parts: Vec<f64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    parts.iter().fold(0.0, |acc, p| acc * 60.0 + p)
}

/// Asserts `low ≤ value ≤ high`, naming what was measured.
pub fn within(value: f64, low: f64, high: f64, what: &str) {
    assert!(
        (low..=high).contains(&value),
        "{what} = {value:.2}, expected {low}–{high}"
    );
}
