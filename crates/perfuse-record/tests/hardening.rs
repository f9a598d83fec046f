//! Hostile text and the database file: control and format characters are refused in every text
//! field with the field named; a new SQLite file is readable by its owner only.

mod common;

use common::{adult_cabg, author};
use perfuse_record::store::CeEntry;
use perfuse_record::{Actor, Date, Error, Record, Role, Store};

/// C0 (NUL, ESC of an ANSI colour, DEL), C1 (NEL), bidi override (Trojan Source), bidi isolate,
/// zero-width space, BOM, tag character.
const HIDDEN: [&str; 9] = [
    "\0",
    "\x1b[31m",
    "\x7f",
    "\u{85}",
    "\u{202E}",
    "\u{2067}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{E0041}",
];

/// Every text field of a record, as a JSON pointer and the field path the error must name.
const TEXT_FIELDS: [(&str, &str); 13] = [
    ("/case/procedure", "case.procedure"),
    ("/case/patient/identity/mrn", "case.patient.identity.mrn"),
    ("/case/patient/identity/name", "case.patient.identity.name"),
    ("/team/1/name", "team[1].name"),
    ("/circuit/pump_model", "circuit.pump_model"),
    ("/circuit/oxygenator", "circuit.oxygenator"),
    ("/circuit/prime/1/name", "circuit.prime[1].name"),
    ("/circuit/cannulae/0/site", "circuit.cannulae[0].site"),
    ("/timeline/3/event/solution", "timeline[3].event.solution"),
    ("/timeline/3/event/route", "timeline[3].event.route"),
    ("/timeline/4/event/name", "timeline[4].event.name"),
    ("/timeline/4/event/unit", "timeline[4].event.unit"),
    ("/notes", "notes"),
];

/// The sample with a drug event at index 4 and notes, so that every text field exists.
fn sample_json() -> serde_json::Value {
    let mut record = adult_cabg();
    record.timeline.insert(
        4,
        serde_json::from_value(serde_json::json!({
            "time_s": 1000, "event": {"kind": "drug", "name": "phenylephrine", "dose": 100, "unit": "mcg"}
        }))
        .unwrap(),
    );
    record.notes = Some("uneventful\nweaned on first attempt".to_owned());
    serde_json::to_value(&record).unwrap()
}

fn refused_field(result: perfuse_record::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::Invalid { field, message }) => {
            assert!(
                message.contains("control or format character U+"),
                "{message}"
            );
            field
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn hidden_characters_are_refused_in_every_text_field() {
    let base = sample_json();
    Record::from_json_str(&base.to_string()).expect("the sample with a drug and notes is valid");
    for (pointer, field) in TEXT_FIELDS {
        for hidden in HIDDEN {
            let mut document = base.clone();
            let text = document
                .pointer_mut(pointer)
                .unwrap_or_else(|| panic!("{pointer}"));
            *text = format!("Jo{hidden}hn").into();
            let result = Record::from_json_str(&document.to_string());
            assert_eq!(refused_field(result), field, "{hidden:?} in {pointer}");
        }
    }
}

#[test]
fn multiline_notes_pass_and_joiners_in_names_pass() {
    let mut document = sample_json();
    // A Persian name needs the zero-width non-joiner (U+200C).
    document["case"]["patient"]["identity"]["name"] = "مهر\u{200C}نوش".into();
    document["timeline"][1]["event"] =
        serde_json::json!({"kind": "note", "text": "line 1\n\tline 2"});
    Record::from_json_str(&document.to_string()).expect("newline and tab in notes, ZWNJ in names");
    document["case"]["procedure"] = "CABG\nx3".into();
    let result = Record::from_json_str(&document.to_string());
    assert_eq!(refused_field(result), "case.procedure");
}

#[test]
fn actor_ce_and_user_names_refuse_hidden_characters() {
    assert_eq!(
        refused_field(Actor::new("Alex\u{202E}nagroM", Role::Chief)),
        "actor.name"
    );
    let entry = CeEntry {
        perfusionist: "Alex Morgan".to_owned(),
        title: "AmSECT \x1b[2Jannual meeting".to_owned(),
        provider: "AmSECT".to_owned(),
        units: 10.0,
        date: Date::new(2024, 4, 1).unwrap(),
    };
    assert_eq!(refused_field(entry.validate()), "title");
}

fn fresh_path(name: &str) -> std::path::PathBuf {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hardening-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_sqlite_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let path = fresh_path("mode");
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    let mut record = adult_cabg();
    record.case.procedure = "CABG x2".to_owned();
    let id = store.create(&author(), &record).await.unwrap();
    let amended = refused_field(
        store
            .amend(&author(), id, &record, "typo \u{202E}", None)
            .await
            .map(|()| id),
    );
    assert_eq!(amended, "reason");
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}: {mode:o}");
    }
    store.close().await;
}

#[tokio::test]
async fn open_existing_never_creates_a_file() {
    let path = fresh_path("existing");
    let error = Store::open_existing(path.to_str().unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Invalid { field, .. } if field == "db"),
        "{error}"
    );
    assert!(!path.exists());
    Store::open(path.to_str().unwrap())
        .await
        .unwrap()
        .close()
        .await;
    Store::open_existing(path.to_str().unwrap())
        .await
        .unwrap()
        .close()
        .await;
}
