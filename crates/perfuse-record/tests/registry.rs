//! Registry extracts of the sample CABG record, against the values computed by hand from its
//! timeline and labs (see tests/data/adult_cabg.toml); fields it does not hold are empty.

mod common;

use common::adult_cabg;
use perfuse_record::registry::Registry;
use perfuse_record::{Indicators, Plan, Status, StoredRecord};

fn stored() -> StoredRecord {
    let record = adult_cabg();
    StoredRecord {
        id: 7,
        status: Status::Final,
        version: 2,
        author: "Alex Morgan".to_owned(),
        created_at: "2024-03-14T18:00:00.000Z".to_owned(),
        updated_at: "2024-03-14T18:05:00.000Z".to_owned(),
        finalised_at: Some("2024-03-14T18:05:00.000Z".to_owned()),
        plan: Plan::of(&record),
        indicators: Indicators::of(&record),
        record,
    }
}

fn row(registry: Registry) -> Vec<(String, String)> {
    let csv = registry.csv(&[stored()]);
    let mut lines = csv.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let values: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    assert_eq!(header.len(), values.len(), "{csv}");
    header.into_iter().zip(values).collect()
}

fn get<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
    &row.iter()
        .find(|(field, _)| field == name)
        .unwrap_or_else(|| panic!("{name}"))
        .1
}

#[test]
fn sts_fields_of_the_sample() {
    let row = row(Registry::Sts);
    for (field, expected) in [
        ("record_id", "7"),
        ("surgery_date", "2024-03-14"),
        ("status", "final"),
        ("cpb_used", "yes"),
        ("perfusion_time_min", "80"),   // bypass 600 → 5400 s
        ("cross_clamp_time_min", "60"), // clamp 900 → 4500 s
        ("circulatory_arrest", ""),
        ("circulatory_arrest_time_min", ""),
        (
            "cannulation_sites",
            "ascending aorta;right atrium (two-stage)",
        ),
        ("lowest_temperature_c", ""),
        ("lowest_hct_pct", "21"), // on-bypass samples 24, 21, 26 (19 is after bypass)
        ("cardioplegia", "yes"),
        ("cardioplegia_solutions", "del Nido"),
        ("cardioplegia_volume_ml", "1000"),
        ("intraop_prbc_units", "1"),
        ("intraop_ffp_units", "0"),
    ] {
        assert_eq!(get(&row, field), expected, "{field}");
    }
}

#[test]
fn perform_fields_of_the_sample() {
    let row = row(Registry::Perform);
    for (field, expected) in [
        ("prime_volume_ml", "1400"),
        ("prime_components", "Plasma-Lyte A:1300;mannitol 20%:100"),
        ("prime_hct_pct", "0"),
        ("ultrafiltration_ml", ""),
        ("heparin_units", ""), // the sample records no heparin dose: empty, not the plan's
        ("protamine_mg", ""),
        ("act_series_s", "300:520"),
        ("hct_series_pct", "300:40;1200:24;2400:21;4200:26;6000:19"),
        (
            "lactate_series_mmol_l",
            "300:1;1200:1.5;2400:2.5;4200:3.1;6000:2",
        ),
        ("max_lactate_mmol_l", "3.1"),
        ("crystalloid_ml", "0"),
        ("blood_products_ml", "300"),
        ("urine_ml", "350"),
        ("fluid_in_ml", "2700"), // prime 1400 + cardioplegia 1000 + PRBC 300
        ("fluid_balance_ml", "2350"),
    ] {
        assert_eq!(get(&row, field), expected, "{field}");
    }
}

#[test]
fn lowest_temperature_is_the_core_nadir_of_the_vitals() {
    let mut stored = stored();
    // The README's sample record charts core 36.2 → 32.1 (at 45 min) → 36.5 °C.
    stored.record.vitals =
        perfuse_record::Record::from_toml_str(include_str!("../../../docs/examples/case.toml"))
            .unwrap()
            .vitals;
    let json = Registry::Sts.json(&[stored]);
    assert_eq!(json[0]["lowest_temperature_c"], 32.1);
}

#[test]
fn json_has_nulls_where_csv_is_empty() {
    let json = Registry::Sts.json(&[stored()]);
    assert_eq!(json[0]["lowest_temperature_c"], serde_json::Value::Null);
    assert_eq!(json[0]["perfusion_time_min"], 80.0);
    assert_eq!(json[0]["cpb_used"], "yes");
}

#[test]
fn docs_hold_the_data_dictionaries() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/records.md"
    ))
    .unwrap();
    for registry in [Registry::Sts, Registry::Perform] {
        assert!(
            docs.contains(&registry.dictionary_markdown()),
            "docs/records.md: the {registry:?} dictionary is stale; paste:\n{}",
            registry.dictionary_markdown()
        );
    }
}
