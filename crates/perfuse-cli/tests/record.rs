//! `perfuse record` through the built binary: the life cycle on a SQLite file and the error
//! contract of cli.md (exit 2, one line naming the field, nothing on stdout).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../perfuse-record/tests/data/adult_cabg.toml"
);

fn perfuse(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfuse"))
        .arg("record")
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("PERFUSE_USER")
        .env_remove("PERFUSE_ROLE")
        .env_remove("PERFUSE_DB")
        .output()
        .expect("perfuse runs")
}

fn fresh_db(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn create_finalise_amend_and_case_log() {
    let db = fresh_db("life");
    let id = stdout(&perfuse(
        &db,
        &["create", SAMPLE, "--as", "Alex Morgan", "--deidentify"],
    ));
    assert_eq!(id, "1\n");
    stdout(&perfuse(&db, &["finalise", "1", "--as", "Alex Morgan"]));
    let draft: serde_json::Value =
        serde_json::from_str(&stdout(&perfuse(&db, &["show", "1", "--json"]))).unwrap();
    assert!(
        draft["record"]["case"]["patient"].get("identity").is_none(),
        "stored de-identified"
    );
    stdout(&perfuse(
        &db,
        &[
            "amend", "1", SAMPLE, "--reason", "recheck", "--as", "Pat", "--role", "chief",
        ],
    ));
    let show = stdout(&perfuse(&db, &["show", "1", "--json"]));
    let stored: serde_json::Value = serde_json::from_str(&show).unwrap();
    assert_eq!(stored["status"], "amended");
    assert_eq!(stored["indicators"]["bypass_time_min"], 80.0);
    let log = stdout(&perfuse(&db, &["caselog", "--year", "2024", "--csv"]));
    assert_eq!(log.lines().count(), 3, "{log}");
    assert!(log.contains("2024-03-14,1,Alex Morgan,primary,adult,clinical,CABG x3,elective,80,60"));
    let audit = stdout(&perfuse(&db, &["audit", "1"]));
    assert_eq!(audit.lines().count(), 3);
    assert!(audit.contains("amend    by Pat (chief) — recheck"));
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let db = fresh_db("bad");
    let bad = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad-weight.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(SAMPLE)
            .unwrap()
            .replace("weight_kg = 80", "weight_kg = -5"),
    )
    .unwrap();
    let output = perfuse(
        &db,
        &["create", bad.to_str().unwrap(), "--as", "Alex Morgan"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains("case.patient.weight_kg: -5: must be between 0.3 and 650 kg"),
        "{stderr}"
    );

    let output = perfuse(&db, &["create", SAMPLE]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .starts_with("error: --as: required")
    );
    let output = perfuse(&db, &["show", "42"]);
    assert_eq!(output.status.code(), Some(2));
    let output = perfuse(
        &db,
        &["finalise", "1", "--as", "Quinn", "--role", "read-only"],
    );
    assert_eq!(output.status.code(), Some(2), "unknown id is bad input");
    stdout(&perfuse(&db, &["create", SAMPLE, "--as", "Alex Morgan"]));
    let output = perfuse(
        &db,
        &["finalise", "1", "--as", "Quinn", "--role", "read-only"],
    );
    assert_eq!(output.status.code(), Some(1), "forbidden is not bad input");
    assert_eq!(
        stdout(&perfuse(&db, &["list", "--status", "final", "--json"])).trim(),
        "[]"
    );
}

/// A simulator run saved as a training record counts in the trainee's and the supervisor's
/// log, with the indicators of the run (here: low flow, DO2i below 272 for most of bypass).
#[test]
fn simulator_run_becomes_a_training_record() {
    let db = fresh_db("from-run");
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/low-flow-low-do2i.toml"
    );
    let id = stdout(&perfuse(
        &db,
        &[
            "--as",
            "Jo Student",
            "from-run",
            scenario,
            "--supervisor",
            "Dr Educator",
            "--date",
            "2026-03-02",
            "--finalise",
        ],
    ));
    let shown: serde_json::Value =
        serde_json::from_str(&stdout(&perfuse(&db, &["show", id.trim(), "--json"]))).unwrap();
    assert_eq!(shown["record"]["case"]["kind"], "training");
    let indicators = &shown["indicators"];
    // The scenario runs CI 1.6 L/min/m² from 0:08 to 0:55 with Hb ≈ 8.5: DO2i well below 272.
    assert!(indicators["nadir_do2i_ml_min_m2"].as_f64().unwrap() > 100.0);
    assert!(indicators["time_below_do2i_272_min"].as_f64().unwrap() > 40.0);
    assert!(indicators["max_lactate_mmol_l"].as_f64().unwrap() > 2.0);
    // The vitals trend, one sample a minute: at 30 min the pump runs CI 1.6 × BSA 1.96 m²
    // (DuBois, 175 cm, 80 kg) = 3.1 L/min and the DO2i is below 272; at 70 min CI 2.6 = 5.1.
    let vitals = shown["record"]["vitals"].as_array().unwrap();
    let at = |time_s: f64| {
        vitals
            .iter()
            .find(|sample| sample["time_s"].as_f64() == Some(time_s))
            .unwrap_or_else(|| panic!("no vitals sample at {time_s} s"))
    };
    assert_eq!(at(1800.0)["flow_l_min"], 3.1);
    assert!(at(1800.0)["do2i_ml_min_m2"].as_f64().unwrap() < 272.0);
    assert_eq!(at(4200.0)["flow_l_min"], 5.1);
    assert!(at(4200.0)["do2i_ml_min_m2"].as_f64().unwrap() >= 272.0);
    for field in [
        "map_mmhg",
        "temp_arterial_c",
        "temp_venous_c",
        "temp_core_c",
        "hct_pct",
    ] {
        assert!(at(1800.0)[field].is_number(), "{field}");
    }
    let log = stdout(&perfuse(&db, &["caselog", "--year", "2026", "--csv"]));
    assert!(log.contains("Jo Student,student"), "{log}");
    assert!(log.contains("Dr Educator,supervising"), "{log}");
}

/// A command that fails on its input leaves no database file behind (it holds patient
/// identities: it should exist only where a record was written).
#[test]
fn failing_commands_create_no_database() {
    let db = fresh_db("none");
    let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-case.toml");
    let bad = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rtl-name.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(SAMPLE)
            .unwrap()
            .replace("John Example", "John \u{202E}elpmaxE"),
    )
    .unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["create", missing.to_str().unwrap(), "--as", "Alex Morgan"],
            "cannot read",
        ),
        (
            &["create", bad.to_str().unwrap(), "--as", "Alex Morgan"],
            "case.patient.identity.name: contains the control or format character U+202E",
        ),
        (&["create", SAMPLE], "--as: required"),
        (&["show", "1"], "no such database"),
        (&["caselog", "--year", "2024"], "no such database"),
        (
            &[
                "ce",
                "add",
                "--title",
                "T",
                "--provider",
                "P",
                "--units",
                "1000",
                "--date",
                "2024-01-01",
                "--as",
                "Sam Lee",
            ],
            "units: 1000: must be between 0 and 100",
        ),
    ];
    for (args, expected) in cases {
        let output = perfuse(&db, args);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!db.exists(), "{args:?} created {}", db.display());
    }
}

/// The database file is created readable and writable by its owner only.
#[cfg(unix)]
#[test]
fn database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let db = fresh_db("mode");
    stdout(&perfuse(&db, &["create", SAMPLE, "--as", "Alex Morgan"]));
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
}

#[test]
fn api_tokens_expire_rotate_and_are_listed() {
    let db = fresh_db("tokens");
    let chief = ["--as", "Pat", "--role", "chief"];
    let add = |name: &str, expires: Option<&str>| {
        let mut args = vec!["user", "add", name, "--user-role", "perfusionist"];
        args.extend(expires.map(|e| ["--expires", e]).into_iter().flatten());
        args.extend(chief);
        perfuse(&db, &args)
    };
    let first = stdout(&add("Alex Morgan", None));
    assert_eq!(first.trim().len(), 64);
    stdout(&add("Sam Lee", Some("never")));
    let bad = add("Jo", Some("90 days"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--expires"));

    let mut rotate = vec!["user", "token", "Alex Morgan", "--expires", "30d"];
    rotate.extend(chief);
    let second = stdout(&perfuse(&db, &rotate));
    assert_ne!(second, first);
    let mut nobody = vec!["user", "token", "Nobody"];
    nobody.extend(chief);
    assert_eq!(perfuse(&db, &nobody).status.code(), Some(2));

    let list = stdout(&perfuse(&db, &["user", "list"]));
    let lines: Vec<&str> = list.lines().collect();
    assert!(
        lines[0].starts_with("Alex Morgan\tperfusionist\texpires 20"),
        "{list}"
    );
    assert_eq!(lines[1], "Sam Lee\tperfusionist\tno expiry");
}

#[test]
fn hl7_import_attaches_results_and_exits_2_on_refusals() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let case = format!("{root}/docs/examples/case.toml");
    let abg = format!("{root}/docs/examples/abg.hl7");
    let db = fresh_db("hl7");
    let me = ["--as", "A. Perfusionist"];
    // No database yet: refused before anything is created.
    let missing = perfuse(&db, &[&me[..], &["hl7-import", &abg]].concat());
    assert_eq!(missing.status.code(), Some(2));
    assert!(!db.exists());
    assert_eq!(
        stdout(&perfuse(&db, &[&me[..], &["create", &case]].concat())),
        "1\n"
    );
    let imported = perfuse(&db, &[&me[..], &["hl7-import", &abg]].concat());
    assert_eq!(
        stdout(&imported),
        "ABG-20260314-0042: AA record 1 (version 2): 9 new of 9 value(s)\n"
    );
    let shown = stdout(&perfuse(&db, &["show", "1", "--json"]));
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let panel = shown["record"]["labs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|sample| sample["time_s"] == 3900.0)
        .expect("09:05 on a record started at 08:00");
    assert_eq!(panel["hb_g_dl"], 8.2);
    // The same file twice plus an unknown patient: the first two are already applied (AA,
    // nothing new), the third is refused; exit 2, and the refusal names the field.
    let text = std::fs::read_to_string(&abg).unwrap();
    let unknown = text
        .replace("DEMO-0000001", "DEMO-9999999")
        .replace("0042", "0043");
    let mixed = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hl7-mixed.hl7");
    std::fs::write(
        &mixed,
        format!("{text}{}\u{0b}{unknown}\u{1c}\r", text.replace('\n', "\r")),
    )
    .unwrap();
    let output = perfuse(
        &db,
        &[&me[..], &["hl7-import", mixed.to_str().unwrap()]].concat(),
    );
    assert_eq!(output.status.code(), Some(2));
    let lines = String::from_utf8(output.stdout).unwrap();
    assert_eq!(lines.lines().count(), 3, "{lines}");
    assert!(
        lines
            .lines()
            .nth(2)
            .unwrap()
            .starts_with("ABG-20260314-0043: AE PID-3: "),
        "{lines}"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: ") && stderr.contains("1 of 3 message(s) refused"),
        "{stderr}"
    );
    // Not HL7 at all, and no --as: input errors.
    let junk = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hl7-junk.hl7");
    std::fs::write(&junk, "hello\n").unwrap();
    let output = perfuse(
        &db,
        &[&me[..], &["hl7-import", junk.to_str().unwrap()]].concat(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains(": AR MSH: no MSH segment")
    );
    assert_eq!(perfuse(&db, &["hl7-import", &abg]).status.code(), Some(2));
}

#[test]
fn report_writes_pdf_and_html_of_the_sample_case() {
    let db = fresh_db("report");
    let case = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/case.toml");
    let corrected = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/corrected.toml"
    );
    stdout(&perfuse(
        &db,
        &["create", case, "--as", "A. Perfusionist", "--finalise"],
    ));
    stdout(&perfuse(
        &db,
        &[
            "amend",
            "1",
            corrected,
            "--reason",
            "urine volume",
            "--as",
            "A. Perfusionist",
        ],
    ));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (pdf, html) = (dir.join("cli-report.pdf"), dir.join("cli-report.html"));
    let output = perfuse(
        &db,
        &[
            "report",
            "1",
            "--pdf",
            pdf.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
            "--paper",
            "letter",
        ],
    );
    assert_eq!(stdout(&output), "");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Demo Patient") && page.contains("DEMO-0000001"));
    assert!(page.contains("record 1 · amended · version "));
    assert!(
        page.contains("<td>urine volume</td>"),
        "the amendment's reason"
    );
    assert!(page.contains("@page{size:letter"));

    let no_output = perfuse(&db, &["report", "1"]);
    assert_eq!(no_output.status.code(), Some(2));
    let bad_paper = perfuse(&db, &["report", "1", "--pdf", "x.pdf", "--paper", "a3"]);
    assert_eq!(bad_paper.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_paper.stderr).contains("--paper"));
    let unknown = perfuse(&db, &["report", "9", "--html", html.to_str().unwrap()]);
    assert_eq!(unknown.status.code(), Some(2));
}
