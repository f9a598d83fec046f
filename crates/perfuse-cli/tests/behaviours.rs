//! The textbook behaviours of `shared/spec/scenario.md`, checked end to end: scenario file →
//! `perfuse run` → CSV. Expected numbers come from the literature cited beside each test,
//! not from what the model happens to print.

mod common;

use common::{Table, seconds, within};
use perfuse_clinical::blood;

/// Pre-bypass (anaesthetised adult): HR, MAP, CO and CVP normal (Guyton & Hall).
#[test]
fn pre_bypass_haemodynamics_are_normal() {
    let table = Table::run("normal.toml", "30s");
    within(table.at("0:01:00", "hr_bpm"), 55.0, 100.0, "HR");
    within(table.at("0:01:00", "map_mmhg"), 70.0, 105.0, "MAP");
    within(table.at("0:01:00", "cardiac_output_l_min"), 4.0, 7.0, "CO");
    within(table.at("0:01:00", "cvp_mmhg"), 1.0, 10.0, "CVP");
    assert!(
        table.at("0:01:00", "sbp_mmhg") > table.at("0:01:00", "dbp_mmhg") + 25.0,
        "pulse pressure"
    );
}

/// Normal adult on bypass at 37 °C, CI 2.4, FiO2 60 %, sweep ≈ 0.64 × flow: scenario.md ranges.
#[test]
fn normal_adult_on_bypass_values() {
    let table = Table::run("normal.toml", "30s");
    let t = "0:50:00";
    within(table.at(t, "pao2_mmhg"), 150.0, 300.0, "PaO2");
    within(table.at(t, "paco2_mmhg"), 35.0, 45.0, "PaCO2");
    within(table.at(t, "ph"), 7.35, 7.45, "pH");
    within(table.at(t, "svo2_pct"), 65.0, 80.0, "SvO2");
    within(table.at(t, "lactate_mmol_l"), 0.3, 2.0, "lactate");
    within(table.at(t, "map_mmhg"), 50.0, 80.0, "MAP");
    assert_eq!(table.at(t, "hr_bpm"), 0.0, "arrested heart");
    assert_eq!(table.text(seconds(t), "phase"), "bypass");
}

/// Hct shortly after going on bypass matches the red-cell mass balance within 3 points
/// (Gravlee; `on-bypass-hct` of calc.md).
#[test]
fn hemodilution_matches_mass_balance() {
    let table = Table::run("anticoagulation.toml", "30s");
    let expected = blood::on_bypass_hct_pct(80.0 * 70.0, 40.0, 1500.0, 0.0, 0.0);
    within(
        table.at("0:13:00", "hct_pct"),
        expected - 3.0,
        expected + 3.0,
        "Hct on bypass",
    );
    // Regression: the sample taken at the very instant bypass starts once read the clear
    // prime in the reservoir (Hct 0).
    within(
        table.at("0:10:00", "hct_pct"),
        expected - 3.0,
        expected + 3.0,
        "Hct as bypass starts",
    );
    // Hb follows Hct (MCHC ≈ 33 g/dL).
    within(
        table.at("0:13:00", "hb_g_dl") / table.at("0:13:00", "hct_pct") * 100.0,
        30.0,
        36.0,
        "MCHC",
    );
}

/// Heparin 300–400 U/kg: ACT from ~100–140 s to > 480 s within minutes, and (at 400 U/kg,
/// without heparin in the prime) still above it 10 min into bypass; protamine 1 mg per 100 U
/// brings it back within ~40 s of baseline (Bull 1975; scenario.md behaviours).
#[test]
fn heparin_and_protamine() {
    for (scenario, dose) in [
        ("anticoagulation.toml", "400 U/kg"),
        ("anticoagulation-300.toml", "300 U/kg"),
    ] {
        let table = Table::run(scenario, "30s");
        let baseline = table.at("0:01:00", "act_s");
        within(baseline, 100.0, 140.0, "baseline ACT");
        let act = table.at("0:07:00", "act_s");
        assert!(act > 480.0, "ACT {act} s 5 min after {dose}");
        if dose == "400 U/kg" {
            let act = table.at("0:20:00", "act_s");
            assert!(act > 480.0, "ACT {act} s 10 min into bypass after {dose}");
        }
        within(
            table.at("1:10:00", "act_s"),
            baseline - 40.0,
            baseline + 40.0,
            "ACT 10 min after protamine",
        );
        assert!(table.at("1:10:00", "heparin_u_ml") < 0.5);
    }
}

/// PaCO2 roughly inversely proportional to sweep (CO2 removal ∝ sweep; model-reference §4):
/// doubling the sweep at constant flow lowers PaCO2 by a factor of roughly 1.4–2.5 (less than
/// 2 because removal plateaus as the membrane limits, Karagiannidis 2019), while PaO2 barely moves.
#[test]
fn paco2_falls_inversely_with_sweep() {
    let table = Table::run("sweep.toml", "30s");
    let (slow, fast) = (
        table.at("0:39:30", "paco2_mmhg"),
        table.at("1:14:30", "paco2_mmhg"),
    );
    within(slow / fast, 1.4, 2.5, "PaCO2 ratio sweep 2 vs 4 L/min");
    let pao2_ratio = table.at("0:39:30", "pao2_mmhg") / table.at("1:14:30", "pao2_mmhg");
    within(pao2_ratio, 0.85, 1.15, "PaO2 ratio sweep 2 vs 4 L/min");
}

/// PaO2 rises at least 1.6× when FiO2 goes 50 → 100 %.
#[test]
fn pao2_follows_fio2() {
    let table = Table::run("fio2.toml", "30s");
    let ratio = table.at("0:49:30", "pao2_mmhg") / table.at("0:29:30", "pao2_mmhg");
    assert!(ratio >= 1.6, "PaO2 ratio {ratio:.2}");
    assert!(table.at("0:49:30", "sao2_pct") <= 100.0);
}

/// Cooling: VO2 falls ≈ 7 %/°C (Q10 ≈ 2), the core follows the water with a minutes-scale
/// lag, and arterial blood leads the core (Gravlee; Engelman 2015).
#[test]
fn cooling_lowers_vo2_and_the_core_lags_the_water() {
    let table = Table::run("cooling.toml", "30s");
    let (warm_t, cold_t) = (
        table.at("0:14:30", "temp_core_c"),
        table.at("1:29:30", "temp_core_c"),
    );
    let (warm_vo2, cold_vo2) = (
        table.at("0:14:30", "vo2i_ml_min_m2"),
        table.at("1:29:30", "vo2i_ml_min_m2"),
    );
    assert!(
        warm_t - cold_t > 4.0,
        "core cooled only from {warm_t} to {cold_t}"
    );
    let per_degree = 1.0 - (cold_vo2 / warm_vo2).powf(1.0 / (warm_t - cold_t));
    within(per_degree * 100.0, 4.5, 9.5, "VO2 fall per °C (%)");

    let water = table.at("0:20:00", "temp_water_c");
    let gap_at_start = table.at("0:14:30", "temp_core_c") - water;
    let gap_after_5_min = table.at("0:20:00", "temp_core_c") - water;
    assert!(
        gap_after_5_min > 0.5 * gap_at_start,
        "core should lag the water by minutes"
    );
    let gap_after_60_min = table.at("1:15:00", "temp_core_c") - water;
    assert!(
        gap_after_60_min < 0.5 * gap_at_start,
        "core should follow the water within an hour"
    );
    for ((_, arterial), (_, core)) in table
        .series("0:17:00", "0:50:00", "temp_arterial_c")
        .iter()
        .zip(table.series("0:17:00", "0:50:00", "temp_core_c"))
    {
        assert!(
            *arterial < core,
            "arterial {arterial} should lead (be colder than) core {core}"
        );
    }
}

/// DO2i below the critical ≈ 270 mL/min/m² raises lactate by ≥ 1 mmol/L in 30 min and lowers
/// SvO2 (Ranucci 2005; de Somer 2011); normal flow keeps lactate flat.
#[test]
fn low_do2i_raises_lactate_while_normal_flow_keeps_it_flat() {
    let low = Table::run("low-do2i.toml", "30s");
    for (time, do2i) in low.series("0:10:00", "0:35:00", "do2i_ml_min_m2") {
        assert!(do2i < 270.0, "DO2i {do2i} at {time} s is not low");
    }
    let rise = low.at("0:35:00", "lactate_mmol_l") - low.at("0:05:00", "lactate_mmol_l");
    assert!(
        rise >= 1.0,
        "lactate rose only {rise:.2} mmol/L in 30 min at low DO2i"
    );
    // Not only far below: 15–25 under the threshold already makes lactate (the most vulnerable
    // beds are anaerobic first), less than far below it.
    let near = Table::run("low-do2i-near-critical.toml", "30s");
    for (time, do2i) in near.series("0:10:00", "0:35:00", "do2i_ml_min_m2") {
        assert!(
            (245.0..265.0).contains(&do2i),
            "DO2i {do2i} at {time} s is not just below critical"
        );
    }
    let near_rise = near.at("0:35:00", "lactate_mmol_l") - near.at("0:05:00", "lactate_mmol_l");
    assert!(
        (0.3..rise).contains(&near_rise),
        "lactate rose {near_rise:.2} mmol/L in 30 min at DO2i ≈ 255 (far below: {rise:.2})"
    );

    let normal = Table::run("normal.toml", "30s");
    assert!(normal.at("0:35:00", "do2i_ml_min_m2") > 280.0);
    let drift = normal.at("0:35:00", "lactate_mmol_l") - normal.at("0:05:00", "lactate_mmol_l");
    assert!(
        drift.abs() < 0.3,
        "lactate drifted {drift:.2} at normal DO2i"
    );
    assert!(low.at("0:35:00", "svo2_pct") < normal.at("0:35:00", "svo2_pct") - 5.0);
}

/// On full bypass with the heart arrested MAP ≈ flow × SVR: it falls with flow, and collapses
/// within seconds of a pump stop, with a high-priority alarm.
#[test]
fn arrested_heart_map_follows_flow_and_collapses_on_pump_failure() {
    let table = Table::run("flow-and-pump-failure.toml", "1s");
    let (full, reduced) = (
        table.at("0:19:50", "map_mmhg"),
        table.at("0:29:50", "map_mmhg"),
    );
    within(reduced / full, 0.55, 0.92, "MAP ratio at 3.5 vs 4.7 L/min");
    // Gases barely depend on flow within the normal range (scenario.md behaviours).
    for column in ["pao2_mmhg", "paco2_mmhg"] {
        let ratio = table.at("0:29:50", column) / table.at("0:19:50", column);
        within(
            ratio,
            0.9,
            1.1,
            &format!("{column} ratio at 3.5 vs 4.7 L/min"),
        );
    }
    let before = table.at("0:39:59", "map_mmhg");
    for (after_s, fraction) in [("0:40:05", 0.5), ("0:40:10", 0.2)] {
        let after = table.at(after_s, "map_mmhg");
        assert!(
            after < fraction * before,
            "MAP {before:.0} → {after:.0} at {after_s}, pump failed at 0:40:00"
        );
    }
    assert_eq!(table.at("0:40:05", "pump_flow_l_min"), 0.0);
    let alarms = table.text(seconds("0:40:05"), "alarms");
    assert!(
        alarms.starts_with("high:"),
        "alarms after pump failure: {alarms:?}"
    );
}

/// Regression: going on bypass once raised a high-priority low-PaO2 alarm for ~20 s because
/// ventilation stopped while the heart still ejected unoxygenated blood. Initiation at FiO2
/// 60 % must keep the patient saturated and quiet.
#[test]
fn going_on_bypass_does_not_desaturate_the_patient() {
    let table = Table::run("normal.toml", "1s");
    for (time, pao2) in table.series("0:04:00", "0:07:00", "pao2_mmhg") {
        assert!(pao2 > 150.0, "PaO2 {pao2} at {time} s");
        let alarms = table.text(time, "alarms");
        assert!(!alarms.contains("low-pao2"), "alarms at {time} s: {alarms}");
    }
}

/// The instructor's patient changes act through the physiology: halving vascular tone on an
/// arrested heart at fixed flow roughly halves MAP − CVP (MAP = flow × SVR); a 1.5× metabolic
/// rate raises VO2i 1.5× and lowers SvO2 (Fick); 1 L of surgical bleeding leaves the circuit
/// 1 L poorer at an unchanged Hct (whole blood).
#[test]
fn instructor_patient_changes() {
    let table = Table::run("patient-changes.toml", "1m");
    let (before, during) = (
        table.at("0:20:00", "map_mmhg"),
        table.at("0:25:00", "map_mmhg"),
    );
    let cvp = table.at("0:20:00", "cvp_mmhg");
    within(
        (during - cvp) / (before - cvp),
        0.4,
        0.65,
        "MAP − CVP ratio at half vascular tone",
    );
    within(
        table.at("0:30:00", "map_mmhg"),
        before - 3.0,
        before + 3.0,
        "MAP after tone restored",
    );

    let ratio = table.at("0:44:00", "vo2i_ml_min_m2") / table.at("0:30:00", "vo2i_ml_min_m2");
    within(ratio, 1.4, 1.6, "VO2i ratio at 1.5× metabolic rate");
    assert!(table.at("0:44:00", "svo2_pct") < table.at("0:30:00", "svo2_pct") - 8.0);

    let lost_ml =
        table.at("0:50:00", "reservoir_volume_ml") - table.at("0:56:00", "reservoir_volume_ml");
    within(
        lost_ml,
        900.0,
        1100.0,
        "reservoir fall after 5 min at 200 mL/min bleeding (mL)",
    );
    within(
        table.at("0:56:00", "hct_pct") - table.at("0:50:00", "hct_pct"),
        -0.5,
        0.5,
        "Hct change",
    );
}

/// A neonate described with the spec's keys only gets a neonate's vitals and a neonatal
/// circuit: pre-bypass HR ≈ 140 and MAP ≈ 45 (Fleming 2011; PALS), and weaning from a 250 mL
/// circuit leaves the heart filled as before bypass, not an adult's 300 mL short.
#[test]
fn neonate_gets_neonatal_vitals_and_circuit() {
    let table = Table::run("neonate.toml", "1m");
    within(table.at("0:04:00", "hr_bpm"), 130.0, 150.0, "neonatal HR");
    within(table.at("0:04:00", "map_mmhg"), 40.0, 50.0, "neonatal MAP");
    let before = table.at("0:04:00", "cardiac_output_l_min");
    let after = table.at("2:25:00", "cardiac_output_l_min");
    within(
        after / before,
        0.7,
        1.3,
        "cardiac output after weaning vs before bypass",
    );
    within(
        table.at("2:25:00", "lactate_mmol_l"),
        0.3,
        2.0,
        "lactate after weaning",
    );
    let alarms = table.text(seconds("2:25:00"), "alarms");
    assert!(!alarms.contains("high:"), "alarms after weaning: {alarms}");
}
