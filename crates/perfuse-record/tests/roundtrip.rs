//! Property tests: a record survives export → import exactly (JSON and TOML documents, and the
//! store's JSON export read back and stored again).

mod common;

use perfuse_record::model::{
    BloodProductKind, Cannula, Case, Category, Circuit, Event, LabSample, Patient, PatientIdentity,
    PlanSettings, PrimeComponent, PumpKind, RecordKind, Sex, TeamMember, TeamRole, TimelineEntry,
    Urgency, VitalsSample,
};
use perfuse_record::time::ClockTime;
use perfuse_record::{Date, Record, Store, StoredRecord};
use proptest::prelude::*;

fn date() -> impl Strategy<Value = Date> {
    (1990..2100i32, 1..=12u8, 1..=28u8).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9 ,\"'%()-]{0,24}"
}

fn opt(range: std::ops::Range<f64>) -> impl Strategy<Value = Option<f64>> {
    proptest::option::of(range)
}

fn patient() -> impl Strategy<Value = Patient> {
    let identity = proptest::option::of(
        (text(), text(), (1920..1990i32, 1..=12u8, 1..=28u8)).prop_map(|(mrn, name, (y, m, d))| {
            PatientIdentity {
                mrn,
                name,
                birth_date: Date::new(y, m, d).unwrap(),
            }
        }),
    );
    let sex = proptest::option::of(prop_oneof![Just(Sex::Male), Just(Sex::Female)]);
    (
        identity,
        0.0..120.0,
        sex,
        20.0..250.0,
        0.3..650.0,
        5.0..70.0,
    )
        .prop_map(
            |(identity, age_years, sex, height_cm, weight_kg, hct_pct)| Patient {
                identity,
                age_years,
                sex,
                height_cm,
                weight_kg,
                hct_pct,
            },
        )
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (0.0..10.0).prop_map(|flow_l_min| Event::PumpFlow { flow_l_min }),
        (text(), 0.0..5000.0, text()).prop_map(|(solution, volume_ml, route)| {
            Event::Cardioplegia {
                solution,
                volume_ml,
                route,
            }
        }),
        (text(), 0.0..1000.0, text()).prop_map(|(name, dose, unit)| Event::Drug {
            name,
            dose,
            unit
        }),
        (text(), 0.0..10_000.0).prop_map(|(name, volume_ml)| Event::Fluid { name, volume_ml }),
        (0..5usize, 0.0..100.0, 0.0..20_000.0).prop_map(|(kind, units, volume_ml)| {
            Event::BloodProduct {
                product: [
                    BloodProductKind::Prbc,
                    BloodProductKind::Ffp,
                    BloodProductKind::Platelets,
                    BloodProductKind::Cryo,
                    BloodProductKind::WholeBlood,
                ][kind],
                units,
                volume_ml,
            }
        }),
        (0.0..10_000.0).prop_map(|volume_ml| Event::Urine { volume_ml }),
        text().prop_map(|text| Event::Note { text }),
    ]
}

fn lab() -> impl Strategy<Value = LabSample> {
    (
        (
            opt(6.5..8.0),
            opt(0.0..800.0),
            opt(5.0..150.0),
            opt(0.0..100.0),
            opt(0.0..100.0),
        ),
        (
            opt(1.0..25.0),
            opt(3.0..75.0),
            opt(1.0..12.0),
            opt(0.5..60.0),
            opt(0.0..30.0),
            opt(0.0..2000.0),
        ),
    )
        .prop_map(
            |((ph, pao2, paco2, sao2, svo2), (hb, hct, k, glucose, lactate, act))| LabSample {
                time_s: 0.0,
                ph,
                pao2_mmhg: pao2,
                paco2_mmhg: paco2,
                sao2_pct: sao2,
                svo2_pct: svo2,
                hb_g_dl: hb,
                hct_pct: hct,
                k_mmol_l: k,
                glucose_mmol_l: glucose,
                lactate_mmol_l: lactate,
                act_s: act,
            },
        )
}

fn vitals_sample() -> impl Strategy<Value = VitalsSample> {
    (
        (
            opt(0.0..300.0),
            opt(0.0..10.0),
            opt(0.0..45.0),
            opt(0.0..45.0),
        ),
        (opt(0.0..45.0), opt(3.0..75.0), opt(0.0..2000.0)),
    )
        .prop_map(
            |((map, flow, arterial, venous), (core, hct, do2i))| VitalsSample {
                time_s: 0.0,
                map_mmhg: map,
                flow_l_min: flow,
                temp_arterial_c: arterial,
                temp_venous_c: venous,
                temp_core_c: core,
                hct_pct: hct,
                do2i_ml_min_m2: do2i,
            },
        )
}

fn with_sorted_times<T>(mut items: Vec<(f64, T)>) -> Vec<(f64, T)> {
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    items
}

prop_compose! {
    fn record()(
        date in date(),
        procedure in text(),
        category in 0..Category::ALL.len(),
        urgency in prop_oneof![Just(Urgency::Elective), Just(Urgency::Urgent), Just(Urgency::Emergent), Just(Urgency::Salvage)],
        kind in prop_oneof![Just(RecordKind::Clinical), Just(RecordKind::Training)],
        patient in patient(),
        team in proptest::collection::btree_set((0..4usize, 0..4usize), 1..4),
        pump in prop_oneof![Just(PumpKind::Roller), Just(PumpKind::Centrifugal)],
        pump_model in proptest::option::of(text()),
        oxygenator in text(),
        prime in proptest::collection::vec((text(), 0.0..5000.0), 0..4),
        prime_hct_pct in 0.0..70.0,
        cannulae in proptest::collection::vec((text(), 4.0..51.0), 0..3),
        plan in (1.0..4.0, 50.0..120.0, 0.0..1000.0, 0.0..10_000.0),
        bypass in proptest::option::of((0.0..10_000.0, 0.0..10_000.0)),
        events in proptest::collection::vec((0.0..20_000.0, event()), 0..12),
        labs in proptest::collection::vec((0.0..20_000.0, lab()), 0..8),
        vitals in proptest::collection::vec((0.0..20_000.0, vitals_sample()), 0..8),
        notes in proptest::option::of(text()),
        start in proptest::option::of((0u8..24, 0u8..60, 0u8..60)),
    ) -> Record {
        let names = ["Alex Morgan", "Sam Lee", "Student One", "Pat Chief"];
        let mut timeline: Vec<(f64, Event)> = events;
        if let Some((on_s, length_s)) = bypass {
            timeline.push((on_s, Event::BypassOn));
            timeline.push((on_s + length_s, Event::BypassOff));
        }
        Record {
            case: Case { date, start_time: start.and_then(|(h, m, s)| ClockTime::new(h, m, s)), procedure, category: Category::ALL[category], urgency, kind, patient },
            team: team.into_iter().map(|(name, role)| TeamMember { name: names[name].to_owned(), role: TeamRole::ALL[role] }).collect(),
            circuit: Circuit {
                pump,
                pump_model,
                oxygenator,
                prime: prime.into_iter().map(|(name, volume_ml)| PrimeComponent { name, volume_ml }).collect(),
                prime_hct_pct,
                cannulae: cannulae.into_iter().map(|(site, size_fr)| Cannula { site, size_fr }).collect(),
            },
            plan: PlanSettings { cardiac_index_l_min_m2: plan.0, ebv_ml_per_kg: plan.1, heparin_units_per_kg: plan.2, planned_fluids_ml: plan.3 },
            timeline: with_sorted_times(timeline).into_iter().map(|(time_s, event)| TimelineEntry { time_s, event }).collect(),
            labs: with_sorted_times(labs).into_iter().map(|(time_s, sample)| LabSample { time_s, ..sample }).collect(),
            vitals: with_sorted_times(vitals).into_iter().map(|(time_s, sample)| VitalsSample { time_s, ..sample }).collect(),
            notes,
            pints: None,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn json_document_round_trips_exactly(record in record()) {
        let text = record.to_json_pretty();
        prop_assert_eq!(Record::from_json_str(&text).unwrap(), record);
    }

    #[test]
    fn toml_document_round_trips_exactly(record in record()) {
        let text = toml::to_string(&record).unwrap();
        prop_assert_eq!(Record::from_toml_str(&text).unwrap(), record);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn store_export_then_import_round_trips_exactly(record in record()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let (store, _url): (Store, String) = common::sqlite_store("roundtrip").await;
            let me = common::chief();
            let id = store.create(&me, &record).await.unwrap();
            let exported = serde_json::to_string(&store.export(&me, &Default::default()).await.unwrap()).unwrap();
            let imported: Vec<StoredRecord> = serde_json::from_str(&exported).unwrap();
            assert_eq!(imported[0].id, id);
            assert_eq!(imported[0].record, record);
            let again = store.import(&me, &[imported[0].record.clone()], false).await.unwrap()[0];
            assert_eq!(store.get(&me, again).await.unwrap().record, record);
            store.close().await;
        });
    }
}
