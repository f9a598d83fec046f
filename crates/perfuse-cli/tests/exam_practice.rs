//! The generated tables of `docs/exam-practice.md` (item types, and the section coverage of
//! item types and shipped scenarios) match the code; regenerate with
//! `UPDATE_DOCS=1 cargo test -p perfuse-cli --test exam_practice`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use perfuse_drill::{Section, docs};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every shipped scenario's file (relative to `scenarios/`) and its sections, sorted by file.
fn shipped_sections() -> Vec<(String, Vec<Section>)> {
    let mut out = Vec::new();
    for dir in ["scenarios", "scenarios/crises"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                let scenario = perfuse_scenario::parse(&text, &path.display().to_string())
                    .unwrap_or_else(|e| panic!("{e}"));
                let name = path
                    .strip_prefix(root().join("scenarios"))
                    .unwrap()
                    .display()
                    .to_string();
                out.push((name, scenario.sections));
            }
        }
    }
    out.sort();
    out
}

/// `text` with the lines between the `<!-- {marker}:start …-->` and `<!-- {marker}:end -->`
/// lines replaced by `table`.
fn splice(text: &str, marker: &str, table: &str) -> String {
    let start = text
        .find(&format!("<!-- {marker}:start"))
        .unwrap_or_else(|| panic!("no {marker}:start marker"));
    let body = start + text[start..].find('\n').unwrap() + 1;
    let end = text
        .find(&format!("<!-- {marker}:end -->"))
        .unwrap_or_else(|| panic!("no {marker}:end marker"));
    format!("{}{table}{}", &text[..body], &text[end..])
}

#[test]
fn exam_practice_tables_are_up_to_date() {
    let path = root().join("docs/exam-practice.md");
    let on_disk = std::fs::read_to_string(&path).unwrap();
    let generated = splice(&on_disk, "item-types", &docs::item_types_markdown());
    let generated = splice(
        &generated,
        "coverage",
        &docs::coverage_markdown(&shipped_sections()),
    );
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    assert!(
        on_disk == generated,
        "docs/exam-practice.md is stale: run `UPDATE_DOCS=1 cargo test -p perfuse-cli --test exam_practice`"
    );
}

/// The note under the coverage table names its two empty cells; it must change when they fill.
#[test]
fn the_coverage_note_is_true() {
    let text = std::fs::read_to_string(root().join("docs/exam-practice.md")).unwrap();
    assert!(text.contains("Quality Assurance has no calculation in the catalog"));
    assert!(
        !perfuse_drill::item_types()
            .iter()
            .any(|t| t.section == Section::QualityAssurance)
    );
    assert!(
        !shipped_sections()
            .iter()
            .any(|(_, sections)| sections.contains(&Section::EcmoSpecialProcedures))
    );
}

/// The example session of the doc is what the binary prints for those answers (but for the
/// seconds taken).
#[test]
fn the_example_session_is_a_real_run() {
    let text = std::fs::read_to_string(root().join("docs/exam-practice.md")).unwrap();
    let prompt = "$ printf '";
    let start = text.find(prompt).expect("an example session") + prompt.len();
    let (answers, rest) = text[start..].split_once("' | perfuse drill ").unwrap();
    let (args, rest) = rest.split_once('\n').unwrap();
    let shown = &rest[..rest.find("```").unwrap()];
    let mut child = Command::new(env!("CARGO_BIN_EXE_perfuse"))
        .arg("drill")
        .args(args.split_whitespace())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = answers.replace("\\n", "\n");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let printed = String::from_utf8(output.stdout).unwrap();
    let without_time = |s: &str| s[..s.rfind(" in ").unwrap()].to_owned();
    assert_eq!(without_time(&printed), without_time(shown));
}
