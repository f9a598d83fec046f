//! Repository hygiene, as rust-analyzer's tidy test: every Rust file says what it is for in a
//! `//!` module doc, and no file carries a leftover debugging aid.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_has_a_module_doc_and_no_debugging_leftovers() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&crates, &mut files);
    assert!(
        files.len() > 40,
        "found only {} files under {}",
        files.len(),
        crates.display()
    );
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        if !text.starts_with("//!") {
            problems.push(format!(
                "{}: no `//!` module doc on the first line",
                file.display()
            ));
        }
        for marker in ["dbg!(", "todo!(", "unimplemented!("] {
            if text.contains(marker) && !file.ends_with("tidy.rs") {
                problems.push(format!("{}: contains {marker}", file.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
