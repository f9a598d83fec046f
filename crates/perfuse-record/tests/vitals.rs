//! The vitals trend of a record: file format, validation with field-named errors, the bound,
//! and storage on each backend.

mod common;

use common::{adult_cabg, auditor, author, chief};
use perfuse_record::model::VitalsSample;
use perfuse_record::{Record, Store};

/// A day of one sample a minute: the most a record holds.
fn full_day() -> Vec<VitalsSample> {
    (0..VitalsSample::MAX_SAMPLES)
        .map(|minute| VitalsSample {
            time_s: minute as f64 * 60.0,
            map_mmhg: Some(55.0 + (minute % 20) as f64),
            flow_l_min: (minute % 7 != 0).then_some(4.6),
            temp_arterial_c: Some(32.0 + (minute % 50) as f64 / 10.0),
            temp_venous_c: Some(32.5),
            temp_core_c: Some(33.25),
            hct_pct: Some(24.0),
            do2i_ml_min_m2: Some(281.5),
        })
        .collect()
}

fn invalid_field(record: &Record) -> (String, String) {
    match perfuse_record::validate::validate(record) {
        Err(perfuse_record::Error::Invalid { field, message }) => (field, message),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn the_sample_record_charts_its_vitals() {
    let text = include_str!("../../../docs/examples/case.toml");
    let record = Record::from_toml_str(text).unwrap();
    assert_eq!(record.vitals.len(), 10);
    let on_bypass = &record.vitals[1];
    assert_eq!(on_bypass.time_s, 600.0);
    assert_eq!(on_bypass.map_mmhg, Some(52.0));
    assert_eq!(on_bypass.temp_arterial_c, Some(35.5));
    // A paper chart fills what it charted: no flow before bypass.
    assert_eq!(record.vitals[0].flow_l_min, None);
    assert_eq!(record.vitals[0].temp_core_c, Some(36.2));
}

#[test]
fn a_record_without_vitals_is_written_as_before() {
    // Bodies stored before vitals existed read back unchanged (and serialise the same, so their
    // audit entries still match).
    let record = adult_cabg();
    assert!(record.vitals.is_empty());
    assert!(!record.to_json_pretty().contains("vitals"));
    assert!(!toml::to_string(&record).unwrap().contains("vitals"));
}

#[test]
fn vitals_errors_name_the_field() {
    let mut record = adult_cabg();
    record.vitals = full_day()[..5].to_vec();
    perfuse_record::validate::validate(&record).unwrap();

    let mut bad = record.clone();
    bad.vitals[3].map_mmhg = Some(520.0);
    assert_eq!(
        invalid_field(&bad),
        (
            "vitals[3].map_mmhg".to_owned(),
            "520: must be between 0 and 300 mmHg".to_owned()
        )
    );
    let mut bad = record.clone();
    bad.vitals[2].temp_core_c = Some(f64::NAN);
    assert_eq!(invalid_field(&bad).0, "vitals[2].temp_core_c");
    let mut bad = record.clone();
    bad.vitals[0].do2i_ml_min_m2 = Some(-1.0);
    assert_eq!(invalid_field(&bad).0, "vitals[0].do2i_ml_min_m2");
    let mut bad = record.clone();
    bad.vitals[4].hct_pct = Some(0.4); // a fraction, not a percentage
    assert_eq!(invalid_field(&bad).0, "vitals[4].hct_pct");
    let mut bad = record.clone();
    bad.vitals[1].time_s = 600.0;
    assert_eq!(
        invalid_field(&bad),
        (
            "vitals[2].time_s".to_owned(),
            "120: earlier than the sample before it".to_owned()
        )
    );

    let mut long = record.clone();
    long.vitals = full_day();
    perfuse_record::validate::validate(&long).unwrap();
    long.vitals.push(VitalsSample {
        time_s: 86_400.0,
        ..VitalsSample::default()
    });
    assert_eq!(
        invalid_field(&long),
        (
            "vitals".to_owned(),
            "1441 samples: at most 1440 (one a minute for 24 hours)".to_owned()
        )
    );
}

#[test]
fn vitals_file_errors_name_the_field() {
    let text = format!(
        "{}\n[[vitals]]\ntime_s = 60\nmap_mmhg = 60\nmean_pressure = 60\n",
        common::ADULT_CABG_TOML
    );
    let error = Record::from_toml_str(&text).unwrap_err().to_string();
    assert!(error.starts_with("vitals[0]"), "{error}");
    assert!(error.contains("mean_pressure"), "{error}");
}

backend_tests!(vitals_are_stored_exactly, too_many_vitals_write_nothing);

async fn vitals_are_stored_exactly(store: Store, _url: String) {
    let mut record = adult_cabg();
    record.vitals = full_day();
    let id = store.create(&author(), &record).await.unwrap();
    assert_eq!(store.get(&auditor(), id).await.unwrap().record, record);

    // Edited, finalised and amended, the trend stays whole.
    record.vitals[10].map_mmhg = Some(48.5);
    store
        .update_draft(&author(), id, &record, None)
        .await
        .unwrap();
    store.finalise(&author(), id, None).await.unwrap();
    record.vitals[11].temp_core_c = None;
    store
        .amend(&chief(), id, &record, "core probe displaced", None)
        .await
        .unwrap();
    let stored = store.get(&auditor(), id).await.unwrap();
    assert_eq!(stored.record, record);
    assert_eq!(stored.record.vitals.len(), VitalsSample::MAX_SAMPLES);
    let exported = store.export(&chief(), &Default::default()).await.unwrap();
    assert_eq!(exported[0].record.vitals, record.vitals);
    assert_eq!(store.check_integrity(&auditor()).await.unwrap(), 1);
}

async fn too_many_vitals_write_nothing(store: Store, _url: String) {
    let mut record = adult_cabg();
    record.vitals = full_day();
    record.vitals.push(VitalsSample {
        time_s: 86_400.0,
        map_mmhg: Some(60.0),
        ..VitalsSample::default()
    });
    let error = store.create(&author(), &record).await.unwrap_err();
    assert_eq!(error.http_status(), 422);
    assert_eq!(error.to_json()["error"]["field"], "vitals");
    assert!(
        store
            .list(&auditor(), &Default::default())
            .await
            .unwrap()
            .is_empty()
    );
}
