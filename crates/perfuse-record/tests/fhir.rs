//! The FHIR R4 bundle of a record: structure checked against the R4 specification's rules for
//! the elements written (required elements and cardinalities, references resolving inside the
//! bundle, primitive formats), codes, values preserved, drafts refused, de-identification kept,
//! and the sample bundle in docs/examples kept current.

mod common;

use std::collections::HashSet;

use perfuse_record::fhir::{TIME_FROM_START_URL, bundle};
use perfuse_record::{Error, Indicators, Plan, Record, Status, StoredRecord};
use serde_json::Value;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/case.toml");
const EXAMPLE_BUNDLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/case.fhir.json"
);

fn stored(record: Record, status: Status) -> StoredRecord {
    StoredRecord {
        id: 1,
        status,
        version: 2,
        author: "A. Perfusionist".to_owned(),
        created_at: "2026-03-14T17:00:00.000Z".to_owned(),
        updated_at: "2026-03-14T17:30:00.000Z".to_owned(),
        finalised_at: Some("2026-03-14T17:30:00.000Z".to_owned()),
        plan: Plan::of(&record),
        indicators: Indicators::of(&record),
        record,
    }
}

fn example() -> StoredRecord {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    stored(Record::from_toml_str(&text).unwrap(), Status::Final)
}

fn to_json(stored: &StoredRecord) -> Value {
    serde_json::to_value(bundle(stored).unwrap()).unwrap()
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && text.chars().filter(char::is_ascii_digit).count() == 8
}

/// Every `"reference"` in `value`.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("reference", Value::String(reference)) => out.push(reference.clone()),
                    _ => references(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, out)),
        _ => {}
    }
}

/// The R4 rules for what we write: Bundle.type, entry.fullUrl unique; each resource's required
/// elements (min cardinality 1 in the R4 StructureDefinitions); ids `[A-Za-z0-9\-\.]{1,64}`;
/// codings with system and code; quantities finite with UCUM system and code.
fn check_structure(bundle: &Value) {
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert!(bundle["timestamp"].as_str().unwrap().ends_with('Z'));
    let entries = bundle["entry"].as_array().unwrap();
    let mut full_urls = HashSet::new();
    for entry in entries {
        let full_url = entry["fullUrl"].as_str().unwrap();
        assert!(
            full_urls.insert(full_url.to_owned()),
            "duplicate {full_url}"
        );
        let resource = &entry["resource"];
        let id = resource["id"].as_str().unwrap();
        assert!(
            (1..=64).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
            "{id}"
        );
        assert_eq!(full_url, format!("urn:uuid:{id}"));
        let required: &[&str] = match resource["resourceType"].as_str().unwrap() {
            "Patient" => &[],
            "Encounter" => &["status", "class"],
            "Procedure" => &["status", "subject"],
            "Observation" => &["status", "code"],
            "MedicationAdministration" => &[
                "status",
                "medicationCodeableConcept",
                "subject",
                "effectiveDateTime",
            ],
            other => panic!("unexpected resource {other}"),
        };
        for element in required {
            assert!(!resource[element].is_null(), "{id}: {element} is required");
        }
        for field in ["effectiveDateTime", "performedDateTime", "birthDate"] {
            if let Some(date) = resource[field].as_str() {
                assert!(is_date(date), "{field}: {date}");
            }
        }
        for coding in resource["code"]["coding"].as_array().into_iter().flatten() {
            assert!(coding["system"].is_string() && coding["code"].is_string());
        }
        if let Some(quantity) = resource.get("valueQuantity") {
            assert!(quantity["value"].as_f64().unwrap().is_finite());
            assert_eq!(quantity["system"], "http://unitsofmeasure.org");
            assert!(quantity["code"].is_string());
        }
    }
    let mut found = Vec::new();
    references(bundle, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        assert!(
            full_urls.contains(&reference),
            "{reference} does not resolve"
        );
    }
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["resource"])
        .filter(|resource| resource["resourceType"] == kind)
        .collect()
}

/// The observation with this LOINC code taken at `time_s`.
fn lab<'a>(bundle: &'a Value, loinc: &str, time_s: f64) -> &'a Value {
    resources(bundle, "Observation")
        .into_iter()
        .find(|o| {
            o["code"]["coding"][0]["code"] == loinc
                && o["extension"][0]["url"] == TIME_FROM_START_URL
                && o["extension"][0]["valueQuantity"]["value"] == time_s
        })
        .unwrap_or_else(|| panic!("{loinc} at {time_s} s"))
}

#[test]
fn bundle_of_the_example_is_structurally_valid_and_keeps_the_values() {
    let bundle = to_json(&example());
    check_structure(&bundle);
    let patient = resources(&bundle, "Patient")[0];
    assert_eq!(patient["identifier"][0]["value"], "DEMO-0000001");
    assert_eq!(patient["birthDate"], "1956-08-02");
    assert_eq!(patient["gender"], "male");
    let codes: Vec<&str> = resources(&bundle, "Procedure")
        .iter()
        .filter_map(|p| p["code"]["coding"][0]["code"].as_str())
        .collect();
    assert_eq!(codes, ["232717009", "63697000"]);
    // Labs as written in case.toml, with LOINC codes and UCUM units.
    for (loinc, time_s, value, unit) in [
        ("2744-1", 300.0, 7.41, "[pH]"),
        ("2019-8", 300.0, 40.0, "mm[Hg]"),
        ("2703-7", 300.0, 95.0, "mm[Hg]"),
        ("3184-9", 300.0, 520.0, "s"),
        ("20570-8", 2400.0, 21.0, "%"),
        ("718-7", 2400.0, 7.0, "g/dL"),
        ("6298-4", 1200.0, 4.8, "mmol/L"),
        ("32693-4", 4200.0, 3.1, "mmol/L"),
        ("15074-8", 2400.0, 8.2, "mmol/L"),
        ("2708-6", 2400.0, 99.0, "%"),
    ] {
        let quantity = &lab(&bundle, loinc, time_s)["valueQuantity"];
        assert_eq!(
            (quantity["value"].as_f64(), quantity["code"].as_str()),
            (Some(value), Some(unit)),
            "{loinc}"
        );
    }
    let indicators: Vec<(&str, f64)> = resources(&bundle, "Observation")
        .iter()
        .filter(|o| o["category"][0]["coding"][0]["code"] == "procedure")
        .map(|o| {
            (
                o["code"]["text"].as_str().unwrap(),
                o["valueQuantity"]["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        &indicators[..3],
        [
            ("Cardiopulmonary bypass time", 80.0),
            ("Aortic cross-clamp time", 60.0),
            ("Nadir haematocrit on bypass", 21.0),
        ]
    );
    let drugs: Vec<(&str, f64, &str)> = resources(&bundle, "MedicationAdministration")
        .iter()
        .map(|m| {
            (
                m["medicationCodeableConcept"]["text"].as_str().unwrap(),
                m["dosage"]["dose"]["value"].as_f64().unwrap(),
                m["dosage"]["dose"]["unit"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        drugs,
        [("heparin", 24000.0, "units"), ("protamine", 240.0, "mg")]
    );
}

#[test]
fn drafts_are_refused_and_deidentified_records_stay_so() {
    let mut record = example().record;
    assert!(matches!(
        bundle(&stored(record.clone(), Status::Draft)),
        Err(Error::Conflict(_))
    ));
    record.case.patient.deidentify();
    let json = to_json(&stored(record, Status::Amended));
    check_structure(&json);
    let patient = resources(&json, "Patient")[0];
    for element in ["identifier", "name", "birthDate"] {
        assert!(patient[element].is_null(), "{element}");
    }
}

#[test]
fn example_bundle_in_docs_is_current() {
    let mut expected = serde_json::to_string_pretty(&bundle(&example()).unwrap()).unwrap();
    expected.push('\n');
    let shipped = std::fs::read_to_string(EXAMPLE_BUNDLE).unwrap_or_default();
    if shipped != expected && std::env::var_os("PERFUSE_BLESS").is_some() {
        std::fs::write(EXAMPLE_BUNDLE, &expected).unwrap();
        return;
    }
    assert!(
        shipped == expected,
        "docs/examples/case.fhir.json is stale: rerun with PERFUSE_BLESS=1"
    );
}

#[test]
fn docs_list_every_lab_code() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/records.md"
    ))
    .unwrap();
    for lab in &perfuse_record::fhir::LAB_CODES {
        let code = lab.loinc.map_or("text only", |(code, _)| code);
        let row = format!("| `{}` | {code} |", lab.field);
        assert!(docs.contains(&row), "docs/records.md lacks {row}");
    }
}
