//! Plan and quality indicators checked against numbers computed by hand.

mod common;

use perfuse_record::model::{
    Category, Circuit, Patient, PrimeComponent, PumpKind, RecordKind, TeamRole,
};
use perfuse_record::observations::{ObservationRow, TrainingSession};
use perfuse_record::{Date, Indicators, Plan, Record};

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} != {expected} ± {tolerance}"
    );
}

#[test]
fn plan_of_the_adult_cabg_record() {
    let plan = Plan::of(&common::adult_cabg());
    // DuBois, 175 cm / 80 kg: 1.9560599 m² (cli.md's example).
    close(plan.bsa_m2, 1.9560599, 1e-6);
    // 1.9560599 × 2.4 L/min/m².
    close(plan.target_flow_l_min, 4.6945438, 1e-6);
    // 80 kg × 70 mL/kg.
    close(plan.ebv_ml, 5600.0, 1e-9);
    // 1300 + 100 mL.
    close(plan.prime_volume_ml, 1400.0, 1e-9);
    // 5600 × 40 / (5600 + 1400 + 0) = 32.0 %.
    close(plan.predicted_hct_pct, 32.0, 1e-9);
    // 80 kg × 300 units/kg.
    close(plan.heparin_dose_units, 24_000.0, 1e-9);
}

#[test]
fn indicators_of_the_adult_cabg_record() {
    let indicators = Indicators::of(&common::adult_cabg());
    // Bypass 600 → 5400 s = 80 min; clamp 900 → 4500 s = 60 min.
    assert_eq!(indicators.bypass_time_min, Some(80.0));
    assert_eq!(indicators.cross_clamp_time_min, Some(60.0));
    // On-bypass Hct samples 24, 21, 26; the 19 % at 6000 s is after bypass and does not count.
    assert_eq!(indicators.nadir_hct_pct, Some(21.0));
    // DO2i = (1.34·Hb·SaO2/100 + 0.003·PaO2)·10·4.8 / 1.9560599:
    //   1200 s: 11.47 mL/dL   → 281.46;  2400 s: 9.8862 → 242.60;  4200 s: 12.05 → 295.70.
    close(indicators.nadir_do2i_ml_min_m2.unwrap(), 242.60, 0.01);
    // Only the 2400 s value is below 272 and it holds until the next sample at 4200 s: 30 min.
    close(indicators.time_below_do2i_272_min.unwrap(), 30.0, 1e-9);
    assert_eq!(indicators.max_lactate_mmol_l, Some(3.1));
    assert_eq!(indicators.prbc_units, 1.0);
    assert!(indicators.transfused());
    assert_eq!(indicators.cardioplegia_volume_ml, 1000.0);
    assert_eq!(indicators.urine_volume_ml, 350.0);
}

#[test]
fn a_record_without_bypass_has_no_bypass_indicators() {
    let mut record = common::adult_cabg();
    record.timeline.clear();
    let indicators = Indicators::of(&record);
    assert_eq!(indicators.bypass_time_min, None);
    assert_eq!(indicators.nadir_hct_pct, None);
    assert_eq!(indicators.nadir_do2i_ml_min_m2, None);
    assert_eq!(indicators.time_below_do2i_272_min, None);
    assert_eq!(indicators.max_lactate_mmol_l, Some(3.1));
    assert!(!indicators.transfused());
}

fn session() -> TrainingSession {
    TrainingSession {
        date: Date::new(2025, 1, 20).unwrap(),
        scenario: "routine adult CABG".to_owned(),
        category: Category::Adult,
        trainee: "Student One".to_owned(),
        supervisor: Some("Alex Morgan".to_owned()),
        patient: Patient {
            identity: None,
            age_years: 60.0,
            sex: None,
            height_cm: 175.0,
            weight_kg: 80.0,
            hct_pct: 40.0,
        },
        circuit: Circuit {
            pump: PumpKind::Centrifugal,
            pump_model: None,
            oxygenator: "simulated".to_owned(),
            prime: vec![PrimeComponent {
                name: "crystalloid".to_owned(),
                volume_ml: 1400.0,
            }],
            prime_hct_pct: 0.0,
            cannulae: vec![],
        },
    }
}

#[test]
fn training_record_from_observation_csv() {
    // Bypass starts at 25 s (counter 5 at 30 s) and stops at 75 s (counter 50 at 80 s);
    // the clamp runs 40 → 60 s. Samples every 10 s.
    let csv = "\
time_s,phase,hct_pct,hb_g_dl,sao2_pct,pao2_mmhg,pump_flow_l_min,do2i_ml_min_m2,lactate_mmol_l,act_s,k_mmol_l,bypass_time_s,cross_clamp_time_s
0,pre_bypass,40,13.3,99,90,0,,1.0,480,4.0,0,0
10,pre_bypass,40,13.3,99,90,0,,1.0,480,4.0,0,0
20,pre_bypass,40,13.3,99,90,0,,1.0,480,4.0,0,0
30,on_bypass,28,9.3,100,250,4.8,,1.2,600,4.2,5,0
40,on_bypass,27,9.0,100,250,4.8,,1.3,600,4.2,15,0
50,on_bypass,25,8.3,100,250,4.8,,1.6,600,5.5,25,10
60,on_bypass,26,8.7,100,250,4.8,,1.9,600,5.0,35,20
70,on_bypass,27,9.0,100,250,4.8,,2.0,600,4.8,45,20
80,post_bypass,29,9.7,99,120,0,,1.8,,4.6,50,20
";
    let rows = ObservationRow::parse_csv(csv).unwrap();
    assert_eq!(rows.len(), 9);
    let record = Record::from_observations(session(), &rows).unwrap();
    assert_eq!(record.case.kind, RecordKind::Training);
    assert_eq!(
        record.team_with_role(TeamRole::Student).collect::<Vec<_>>(),
        ["Student One"]
    );
    assert_eq!(record.labs.len(), 9);
    let indicators = Indicators::of(&record);
    // 25 → 75 s = 50 s; 40 → 60 s = 20 s.
    close(indicators.bypass_time_min.unwrap(), 50.0 / 60.0, 1e-12);
    close(indicators.cross_clamp_time_min.unwrap(), 20.0 / 60.0, 1e-12);
    // On-bypass samples are 30–70 s; nadir 25 % at 50 s.
    assert_eq!(indicators.nadir_hct_pct, Some(25.0));
    assert_eq!(indicators.max_lactate_mmol_l, Some(2.0));
    // DO2i at 50 s: (1.34·8.3 + 0.75)·48 / 1.9560599 = 11.872·48/1.9560599 = 291.33 (nadir);
    // none below 272.
    close(indicators.nadir_do2i_ml_min_m2.unwrap(), 291.33, 0.01);
    assert_eq!(indicators.time_below_do2i_272_min, Some(0.0));
}

#[test]
fn observation_csv_errors_name_the_column_and_row() {
    let error = ObservationRow::parse_csv("phase,hct_pct\nx,30\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "time_s: missing column in the CSV header"
    );
    let error = ObservationRow::parse_csv("time_s,phase,hct_pct\n0,x,abc\n").unwrap_err();
    assert_eq!(error.to_string(), "row 2: hct_pct: \"abc\" is not a number");
}

#[test]
fn training_record_carries_the_vitals_trend() {
    let csv = "\
time_s,phase,map_mmhg,pump_flow_l_min,temp_arterial_c,temp_venous_c,temp_core_c,hct_pct,do2i_ml_min_m2,bypass_time_s
0,pre_bypass,78,0,,,36.4,40,,0
60,bypass,55,4.8,35.9,36.1,36.3,27,290,30
120,bypass,62,4.6,33.0,34.2,35.5,26,281,90
";
    let record =
        Record::from_observations(session(), &ObservationRow::parse_csv(csv).unwrap()).unwrap();
    let vitals = &record.vitals;
    assert_eq!(vitals.len(), 3);
    assert_eq!(vitals[0].map_mmhg, Some(78.0));
    assert_eq!(vitals[0].temp_arterial_c, None);
    assert_eq!(vitals[0].temp_core_c, Some(36.4));
    assert_eq!(vitals[2].time_s, 120.0);
    assert_eq!(vitals[2].flow_l_min, Some(4.6));
    assert_eq!(vitals[2].temp_arterial_c, Some(33.0));
    assert_eq!(vitals[2].temp_venous_c, Some(34.2));
    assert_eq!(vitals[2].hct_pct, Some(26.0));
    // The simulator's own DO2i is the trend; the labs' DO2i is recomputed (no Hb here: none).
    assert_eq!(vitals[1].do2i_ml_min_m2, Some(290.0));
}

#[test]
fn a_long_session_is_downsampled_to_the_vitals_bound() {
    // 48 h and one minute at one row a minute: 2,881 rows, kept every 3rd (961 samples).
    let mut csv = String::from("time_s,phase,map_mmhg\n");
    for minute in 0..=2880 {
        csv.push_str(&format!("{},ecmo,70\n", minute * 60));
    }
    let rows = ObservationRow::parse_csv(&csv).unwrap();
    let record = Record::from_observations(session(), &rows).unwrap();
    assert_eq!(record.vitals.len(), 961);
    assert!(record.vitals.len() <= perfuse_record::model::VitalsSample::MAX_SAMPLES);
    assert_eq!(record.vitals[0].time_s, 0.0);
    assert_eq!(record.vitals[1].time_s, 180.0);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// However long the run and however often it was sampled, the record keeps at most the
    /// vitals bound, evenly strided from the first row, in time order, and passes validation.
    #[test]
    fn vitals_of_any_run_fit_the_bound(rows in 1usize..6000, every_s in 1u32..120) {
        let observations: Vec<ObservationRow> = (0..rows)
            .map(|i| ObservationRow {
                time_s: (i as u32 * every_s) as f64,
                phase: "bypass".to_owned(),
                map_mmhg: Some(60.0),
                ..ObservationRow::default()
            })
            .collect();
        let record = Record::from_observations(session(), &observations).unwrap();
        let max = perfuse_record::model::VitalsSample::MAX_SAMPLES;
        let stride = rows.div_ceil(max);
        proptest::prop_assert!(record.vitals.len() <= max);
        proptest::prop_assert_eq!(record.vitals.len(), rows.div_ceil(stride));
        proptest::prop_assert_eq!(record.vitals[0].time_s, 0.0);
        for pair in record.vitals.windows(2) {
            proptest::prop_assert_eq!(pair[1].time_s - pair[0].time_s, (stride as u32 * every_s) as f64);
        }
    }
}
