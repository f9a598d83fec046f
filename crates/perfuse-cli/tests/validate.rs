//! `perfuse validate` through the built binary: the shipped suite's report is up to date, a
//! broken target file exits 2 naming file, line and field, a stale report fails `--check`.
//! Regenerate the report with `UPDATE_DOCS=1 cargo test -p perfuse-cli --test validate`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn perfuse(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfuse"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run perfuse")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn docs_validation_md_is_up_to_date() {
    let args: &[&str] = if std::env::var_os("UPDATE_DOCS").is_some() {
        &["validate"]
    } else {
        &["validate", "--check"]
    };
    let output = perfuse(&workspace(), args);
    assert!(
        output.status.success(),
        "{}\ndocs/validation.md is stale: run `perfuse validate` (or UPDATE_DOCS=1 cargo test -p perfuse-cli --test validate)",
        stderr(&output)
    );
}

/// A one-target suite in a fresh directory.
fn suite(name: &str, target_measure: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("perfuse-validate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("targets")).unwrap();
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(
        dir.join("scenarios/short.toml"),
        "[scenario]\nname = \"short\"\nduration = \"0:01:00\"\n\
         [patient]\nsex = \"female\"\nage_years = 50\nheight_cm = 165\nweight_kg = 65\nhct_pct = 38\n\
         [circuit]\nprime_ml = 1400\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("targets/circuit.toml"),
        format!(
            "[[target]]\nid = \"t\"\nsystem = \"circuit\"\ntags = [\"adult\"]\ncondition = \"c\"\n\
             title = \"t\"\nscenario = \"short.toml\"\nmeasure = {target_measure}\n\
             expect = {{ range = [60, 110] }}\nsource = \"test\"\n"
        ),
    )
    .unwrap();
    dir
}

#[test]
fn a_broken_target_exits_2_with_file_line_and_field() {
    let dir = suite("broken", r#"{ column = "map_mm_hg", at = "0:00:30" }"#);
    let output = perfuse(&dir, &["validate", "--dir", ".", "--out", "report.md"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let first = stderr(&output)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        first.starts_with(
            "error: ./targets/circuit.toml:8: target[0].measure: unknown column \"map_mm_hg\""
        ),
        "{first}"
    );
    assert!(
        !dir.join("report.md").exists(),
        "nothing is written on error"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_fails_on_a_stale_report_and_passes_once_written() {
    let dir = suite("check", r#"{ column = "map_mmhg", at = "0:00:30" }"#);
    std::fs::write(dir.join("report.md"), "old\n").unwrap();
    let check = ["validate", "--dir", ".", "--out", "report.md", "--check"];
    let stale = perfuse(&dir, &check);
    assert_eq!(stale.status.code(), Some(1), "{}", stderr(&stale));
    assert!(
        stderr(&stale).contains("report.md is stale"),
        "{}",
        stderr(&stale)
    );

    let write = perfuse(&dir, &["validate", "--dir", ".", "--out", "report.md"]);
    assert!(write.status.success(), "{}", stderr(&write));
    assert!(
        stderr(&write).contains("1 targets: 1 green"),
        "{}",
        stderr(&write)
    );
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.contains("| **all** | 1 | 1 | 0 | 0 | 0 |"),
        "{report}"
    );
    assert!(perfuse(&dir, &check).status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
