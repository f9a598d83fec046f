//! The README's record commands run verbatim, in order, from the repository root, against a
//! fresh database (PERFUSE_DB), and chain: create → finalise → amend → confirm → case log →
//! registry extract → FHIR bundle.

use std::path::Path;
use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The `sh` block that follows "Records and the case log" in README.md, one command a line.
fn readme_record_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let after = &readme[readme
        .find("Records and the case log")
        .expect("the README's records paragraph")..];
    let block = &after[after.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    block.lines().map(str::to_owned).collect()
}

/// Splits a shell line into words: double quotes group, ` #` starts a comment.
fn words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut in_word) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => (quoted, in_word) = (!quoted, true),
            '#' if !quoted && !in_word => break,
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                }
                in_word = false;
            }
            c => (word, in_word) = (word + &c.to_string(), true),
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[test]
fn readme_record_commands_run_verbatim() {
    let db =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("readme-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let commands = readme_record_commands();
    assert!(commands.len() >= 5, "{commands:?}");
    let mut outputs = Vec::new();
    for line in &commands {
        let words = words(line);
        assert_eq!(words[0], "perfuse", "{line}");
        let output = Command::new(env!("CARGO_BIN_EXE_perfuse"))
            .args(&words[1..])
            .current_dir(ROOT)
            .env("PERFUSE_DB", &db)
            .env_remove("PERFUSE_USER")
            .env_remove("PERFUSE_ROLE")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        outputs.push(String::from_utf8(output.stdout).unwrap());
    }
    assert_eq!(outputs[0], "1\n", "create prints the new id");
    let case_log = outputs
        .iter()
        .find(|output| output.starts_with("case_date,record_id,perfusionist"))
        .expect("a case-log CSV");
    assert!(
        case_log.contains(
            "2026-03-14,1,B. Colleague,assisting,adult,clinical,CABG x3,elective,80,60,confirmed"
        ),
        "{case_log}"
    );
    let sts = outputs
        .iter()
        .find(|output| output.starts_with("record_id,surgery_date,status,cpb_used"))
        .expect("an STS extract");
    assert!(sts.contains("\n1,2026-03-14,amended,yes,80,60,"), "{sts}");
    let fhir = outputs.iter().find(|output| output.starts_with('{'));
    let bundle: serde_json::Value = serde_json::from_str(fhir.expect("a FHIR bundle")).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(
        bundle["entry"][0]["resource"]["identifier"][0]["value"],
        "DEMO-0000001"
    );
    assert!(
        outputs
            .iter()
            .any(|output| output.starts_with("ABG-20260314-0042: AA record 1")),
        "the HL7 import attaches the sample ABG: {outputs:?}"
    );
}
