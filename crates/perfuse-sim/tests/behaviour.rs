//! Behaviour tests: the textbook physiology of `scenario.md`, asserted against published
//! numbers (sources in each test), driving `Simulation` directly.

use perfuse_clinical::blood::on_bypass_hct_pct;
use perfuse_sim::{
    Action, CardioplegiaKind, CircuitConfig, FaultKind, Observations, PatientConfig, Phase,
    Priority, PumpKind, Simulation,
};

fn adult() -> Simulation {
    Simulation::new(&PatientConfig::default(), &CircuitConfig::default(), 7).expect("valid")
}

/// Runs `minutes` more of simulated time and observes.
fn after(sim: &mut Simulation, minutes: f64) -> Observations {
    sim.run_until(sim.time_s() + minutes * 60.0);
    sim.observe()
}

/// Heparinised adult on full bypass (CI 2.4) at 37 °C, sweep 0.7 × flow, FiO2 60 %.
fn on_bypass() -> Simulation {
    let mut sim = adult();
    sim.apply(&Action::Heparin { units: 32000.0 });
    sim.run_until(180.0);
    let flow = sim.full_flow_l_min();
    sim.apply(&Action::StartBypass { flow_l_min: flow });
    sim.apply(&Action::SetWaterTemp { temp_c: 37.0 });
    sim
}

/// On bypass with the heart arrested by cross-clamp and del Nido cardioplegia.
fn arrested() -> Simulation {
    let mut sim = on_bypass();
    after(&mut sim, 2.0);
    sim.apply(&Action::CrossClampOn);
    sim.apply(&Action::Cardioplegia {
        ml: 1000.0,
        kind: CardioplegiaKind::DelNido,
        rate_ml_min: None,
        temp_c: None,
    });
    after(&mut sim, 3.0);
    sim
}

#[test]
fn pre_bypass_hemodynamics_are_normal() {
    // Guyton & Hall: CO ≈ 5 L/min, CVP 0–8 mmHg; the configured HR 72 and MAP 85.
    let o = adult().observe();
    assert_eq!(o.phase, Phase::PreBypass);
    assert!((o.hr_bpm - 72.0).abs() < 5.0, "HR {}", o.hr_bpm);
    assert!((o.map_mmhg - 85.0).abs() < 5.0, "MAP {}", o.map_mmhg);
    assert!(o.sbp_mmhg > 100.0 && o.sbp_mmhg < 145.0 && o.dbp_mmhg > 55.0 && o.dbp_mmhg < 90.0);
    assert!(
        (4.3..5.8).contains(&o.cardiac_output_l_min),
        "CO {}",
        o.cardiac_output_l_min
    );
    assert!((2.0..8.0).contains(&o.cvp_mmhg), "CVP {}", o.cvp_mmhg);
    assert!((35.0..45.0).contains(&o.paco2_mmhg) && (7.35..7.45).contains(&o.ph));
    assert!(o.sao2_pct > 97.0 && o.svo2_pct.is_none());
}

#[test]
fn hemodilution_matches_red_cell_mass_balance() {
    // calc.md on-bypass-hct: (EBV·Hct + prime·primeHct)/(EBV + prime + fluids).
    let mut sim = on_bypass();
    let o = after(&mut sim, 5.0);
    let expected = on_bypass_hct_pct(sim.ebv_ml(), 40.0, 1500.0, 0.0, 0.0);
    assert!(
        (o.hct_pct - expected).abs() < 3.0,
        "Hct {} vs {expected}",
        o.hct_pct
    );
    assert!((o.hb_g_dl - o.hct_pct / 3.0).abs() < 1.0);
}

#[test]
fn heparin_and_protamine_move_the_act() {
    // Bull 1975: 300–400 U/kg → ACT > 480 s; protamine 1 mg/100 U returns it near baseline.
    let mut sim = adult();
    let baseline = sim.observe().act_s;
    assert!((100.0..=140.0).contains(&baseline));
    sim.apply(&Action::Heparin {
        units: 400.0 * 80.0,
    });
    let o = after(&mut sim, 5.0);
    assert!(o.act_s > 480.0, "ACT {}", o.act_s);
    sim.apply(&Action::Protamine { mg: 320.0 });
    let o = after(&mut sim, 5.0);
    assert!(
        (o.act_s - baseline).abs() < 40.0,
        "ACT {} vs {baseline}",
        o.act_s
    );
}

#[test]
fn paco2_is_inversely_proportional_to_sweep() {
    // PaCO2 ≈ 0.863·VCO2/V̇ (West); sweep-for-paco2 in calc.md assumes the same.
    let mut sim = on_bypass();
    sim.apply(&Action::SetSweep { l_min: 2.0 });
    let low = after(&mut sim, 40.0).paco2_mmhg;
    sim.apply(&Action::SetSweep { l_min: 4.0 });
    let high = after(&mut sim, 40.0).paco2_mmhg;
    let ratio = low / high;
    assert!(
        (1.6..2.4).contains(&ratio),
        "PaCO2 {low} at 2 L/min vs {high} at 4 L/min"
    );
}

#[test]
fn pao2_rises_with_fio2_and_barely_with_flow() {
    let mut sim = on_bypass();
    sim.apply(&Action::SetFio2 { pct: 50.0 });
    let half = after(&mut sim, 10.0).pao2_mmhg;
    sim.apply(&Action::SetFio2 { pct: 100.0 });
    let full = after(&mut sim, 10.0).pao2_mmhg;
    assert!(full >= 1.6 * half, "PaO2 {half} at 50 % vs {full} at 100 %");
    sim.apply(&Action::SetFio2 { pct: 60.0 });
    let normal = after(&mut sim, 10.0).pao2_mmhg;
    sim.apply(&Action::SetFlow { flow_l_min: 3.8 });
    let lower = after(&mut sim, 10.0).pao2_mmhg;
    assert!(
        (lower / normal - 1.0).abs() < 0.2,
        "PaO2 {normal} vs {lower} at lower flow"
    );
}

#[test]
fn cooling_lowers_vo2_about_seven_percent_per_degree() {
    // Q10 ≈ 2 → ≈ 6.7 %/°C (Michenfelder & Milde 1991; Gravlee).
    let mut sim = arrested();
    let warm = sim.observe();
    sim.apply(&Action::SetWaterTemp { temp_c: 28.0 });
    let cold = after(&mut sim, 45.0);
    let delta_c = warm.temp_core_c - cold.temp_core_c;
    assert!(delta_c > 3.0, "cooled only {delta_c} °C");
    let per_degree = 1.0 - (cold.vo2i_ml_min_m2 / warm.vo2i_ml_min_m2).powf(1.0 / delta_c);
    assert!(
        (0.05..0.09).contains(&per_degree),
        "VO2 falls {per_degree} per °C"
    );
    assert!(cold.vco2i_ml_min_m2 < warm.vco2i_ml_min_m2);
}

#[test]
fn core_follows_water_with_a_lag_and_arterial_leads() {
    // Core time constant of tens of minutes (model-reference §6, ≈ 26 min estimate).
    let mut sim = arrested();
    let start = sim.observe().temp_core_c;
    sim.apply(&Action::SetWaterTemp { temp_c: 28.0 });
    let early = after(&mut sim, 5.0);
    assert!(
        early.temp_arterial_c < early.temp_core_c - 1.0,
        "arterial must lead the core"
    );
    assert!(
        start - early.temp_core_c < 3.0,
        "core must lag: {}",
        early.temp_core_c
    );
    let late = after(&mut sim, 55.0);
    assert!(late.temp_core_c < 31.0, "core {}", late.temp_core_c);
    // Rewarming: arterial leads upwards too, and stays below 37 °C with water at 37.
    sim.apply(&Action::SetWaterTemp { temp_c: 37.0 });
    let rewarm = after(&mut sim, 5.0);
    assert!(rewarm.temp_arterial_c > rewarm.temp_core_c + 1.0);
    assert!(rewarm.temp_arterial_c < 37.0);
}

#[test]
fn low_oxygen_delivery_raises_lactate_normal_flow_keeps_it_flat() {
    // Ranucci 2005: critical DO2i ≈ 272 mL/min/m².
    let mut normal = arrested();
    let before = normal.observe().lactate_mmol_l;
    let o = after(&mut normal, 30.0);
    assert!(o.do2i_ml_min_m2 > 280.0, "DO2i {}", o.do2i_ml_min_m2);
    assert!(o.lactate_mmol_l < 2.0 && (o.lactate_mmol_l - before).abs() < 0.5);

    let mut low = arrested();
    low.apply(&Action::SetFlow {
        flow_l_min: 0.65 * low.full_flow_l_min(),
    });
    let o = after(&mut low, 30.0);
    assert!(o.do2i_ml_min_m2 < 270.0, "DO2i {}", o.do2i_ml_min_m2);
    assert!(
        o.lactate_mmol_l >= before + 1.0,
        "lactate {}",
        o.lactate_mmol_l
    );
    assert!(o.svo2_pct.unwrap_or(100.0) < 70.0);
}

#[test]
fn arrested_heart_map_follows_pump_flow_and_collapses_on_pump_failure() {
    let mut sim = arrested();
    let full = sim.observe();
    assert_eq!(full.hr_bpm, 0.0);
    sim.apply(&Action::SetFlow {
        flow_l_min: 0.6 * sim.full_flow_l_min(),
    });
    let reduced = after(&mut sim, 1.0);
    assert!(
        reduced.map_mmhg < full.map_mmhg - 10.0,
        "{} vs {}",
        reduced.map_mmhg,
        full.map_mmhg
    );
    sim.apply(&Action::SetFlow {
        flow_l_min: sim.full_flow_l_min(),
    });
    after(&mut sim, 2.0);
    sim.apply(&Action::Fault(FaultKind::PumpFailure));
    sim.run_until(sim.time_s() + 10.0);
    let o = sim.observe();
    assert_eq!(o.pump_flow_l_min, 0.0);
    assert!(
        o.map_mmhg < 25.0,
        "MAP {} 10 s after pump failure",
        o.map_mmhg
    );
    assert!(
        o.alarms
            .first()
            .is_some_and(|a| a.priority == Priority::High)
    );
    assert!(o.alarms.iter().any(|a| a.code == "pump-failure"));
    sim.apply(&Action::ClearFault(FaultKind::PumpFailure));
    let o = after(&mut sim, 1.0);
    assert!(o.map_mmhg > 45.0 && o.pump_flow_l_min > 4.0);
}

#[test]
fn normal_adult_on_bypass_has_textbook_values() {
    // scenario.md: 37 °C, CI 2.4, FiO2 60 %, sweep 0.5–1 × flow.
    let mut sim = arrested();
    let o = after(&mut sim, 20.0);
    assert!(
        (150.0..=300.0).contains(&o.pao2_mmhg),
        "PaO2 {}",
        o.pao2_mmhg
    );
    assert!(
        (35.0..=45.0).contains(&o.paco2_mmhg),
        "PaCO2 {}",
        o.paco2_mmhg
    );
    assert!((7.35..=7.45).contains(&o.ph), "pH {}", o.ph);
    let svo2 = o.svo2_pct.unwrap_or(0.0);
    assert!((65.0..=80.0).contains(&svo2), "SvO2 {svo2}");
    assert!(o.lactate_mmol_l < 2.0);
    assert!((50.0..=80.0).contains(&o.map_mmhg), "MAP {}", o.map_mmhg);
    // Post-oxygenator "line pressure" 150–250 mmHg (Gravlee); the oxygenator's drop is on top,
    // ≈ 91 mmHg at 5 L/min for an SX18-class membrane (Fried 1998).
    assert!(
        (150.0..=250.0).contains(&o.arterial_line_pressure_mmhg),
        "line {}",
        o.arterial_line_pressure_mmhg
    );
    assert!(
        (70.0..=100.0).contains(&o.oxygenator_dp_mmhg)
            && (o.pre_oxygenator_pressure_mmhg
                - o.arterial_line_pressure_mmhg
                - o.oxygenator_dp_mmhg)
                .abs()
                < 1e-9,
        "ΔP {}",
        o.oxygenator_dp_mmhg
    );
    assert!(o.reservoir_volume_ml > 200.0 && o.alarms.iter().all(|a| a.priority != Priority::High));
}

#[test]
fn beating_heart_on_bypass_ejects_little_then_arrests_and_restarts() {
    let mut sim = on_bypass();
    let o = after(&mut sim, 2.0);
    assert!(
        o.hr_bpm > 40.0 && o.cardiac_output_l_min < 1.0,
        "HR {} CO {}",
        o.hr_bpm,
        o.cardiac_output_l_min
    );
    sim.apply(&Action::CrossClampOn);
    sim.apply(&Action::Cardioplegia {
        ml: 1000.0,
        kind: CardioplegiaKind::DelNido,
        rate_ml_min: None,
        temp_c: None,
    });
    let o = after(&mut sim, 3.0);
    assert_eq!(o.hr_bpm, 0.0);
    assert!(o.k_mmol_l > 4.5, "K {}", o.k_mmol_l);
    let later = after(&mut sim, 60.0);
    assert!(later.k_mmol_l < o.k_mmol_l);
    sim.apply(&Action::CrossClampOff);
    let o = after(&mut sim, 10.0);
    assert!(o.hr_bpm > 40.0);
    assert!(o.cross_clamp_time_s > 3600.0 && o.bypass_time_s > o.cross_clamp_time_s);
}

/// A by-the-book wean — venous line occluded step by step while the flow comes down, then the
/// pump stopped and volume returned — restores the native circulation: CI 2.0–3.0, MAP 60–90,
/// CVP 6–14 (Gravlee, separation from bypass). `end-bypass` alone moves no volume.
#[test]
fn weaning_restores_native_circulation() {
    let mut sim = on_bypass();
    after(&mut sim, 10.0);
    for (occlusion, flow) in [(50.0, 3.5), (70.0, 2.5), (85.0, 1.5), (95.0, 0.8)] {
        sim.apply(&Action::SetVenousOcclusion { pct: occlusion });
        sim.apply(&Action::SetFlow { flow_l_min: flow });
        after(&mut sim, 1.0);
    }
    let reservoir = sim.observe().reservoir_volume_ml;
    sim.apply(&Action::EndBypass);
    let o = after(&mut sim, 0.5);
    assert_eq!(o.phase, Phase::PostBypass);
    assert_eq!(o.pump_flow_l_min, 0.0);
    assert_eq!(
        o.reservoir_volume_ml, reservoir,
        "end-bypass returns nothing"
    );
    sim.apply(&Action::ReturnVolume {
        ml: 400.0,
        rate_ml_min: None,
    });
    let o = after(&mut sim, 5.0);
    assert!((reservoir - 400.0 - o.reservoir_volume_ml).abs() < 1.0);
    let ci = o.cardiac_output_l_min / sim.bsa_m2();
    assert!((2.0..=3.0).contains(&ci), "CI {ci}");
    assert!((60.0..=90.0).contains(&o.map_mmhg), "MAP {}", o.map_mmhg);
    assert!((6.0..=14.0).contains(&o.cvp_mmhg), "CVP {}", o.cvp_mmhg);
    assert!((35.0..=45.0).contains(&o.paco2_mmhg) && o.sao2_pct > 95.0);
}

#[test]
fn oxygenator_failure_lowers_transfer_and_raises_pressure() {
    let mut sim = arrested();
    let before = after(&mut sim, 5.0);
    sim.apply(&Action::Fault(FaultKind::OxygenatorFailure));
    let o = after(&mut sim, 10.0);
    assert!(o.pao2_mmhg < 0.5 * before.pao2_mmhg, "PaO2 {}", o.pao2_mmhg);
    assert!(
        o.paco2_mmhg > before.paco2_mmhg + 5.0,
        "PaCO2 {}",
        o.paco2_mmhg
    );
    // The failing membrane raises the pressure before it, not after it.
    assert!(o.pre_oxygenator_pressure_mmhg > before.pre_oxygenator_pressure_mmhg + 50.0);
    assert!(o.oxygenator_dp_mmhg > 2.0 * before.oxygenator_dp_mmhg);
    assert!(o.arterial_line_pressure_mmhg < before.arterial_line_pressure_mmhg + 10.0);
    assert!(o.alarms.iter().any(|a| a.code == "low-pao2"));
}

#[test]
fn arterial_air_stops_the_pump_with_a_high_alarm() {
    let mut sim = arrested();
    sim.apply(&Action::Fault(FaultKind::ArterialAir));
    sim.run_until(sim.time_s() + 1.0);
    let o = sim.observe();
    assert_eq!(o.pump_flow_l_min, 0.0);
    assert!(
        o.alarms[0]
            == perfuse_sim::Alarm {
                priority: Priority::High,
                code: "arterial-air"
            }
    );
    assert_eq!(o.active_faults, vec![FaultKind::ArterialAir]);
}

#[test]
fn venous_airlock_empties_the_reservoir_and_the_level_servo_stops_the_pump() {
    let mut sim = arrested();
    let start = sim.observe().reservoir_volume_ml;
    sim.apply(&Action::Fault(FaultKind::VenousAirlock));
    sim.run_until(sim.time_s() + 10.0);
    let o = sim.observe();
    assert!(o.reservoir_volume_ml < start - 500.0);
    let o = after(&mut sim, 1.0);
    assert!(o.alarms.iter().any(|a| a.code == "low-level"));
    assert!(o.alarms.iter().any(|a| a.code == "reservoir-empty"));
    assert_eq!(
        o.pump_flow_l_min, 0.0,
        "the level servo must stop the pump before air"
    );
    assert!(o.reservoir_volume_ml > 0.0);
    // The detector keeps the pump stopped after the cause is cleared, until it is reset.
    sim.apply(&Action::ClearFault(FaultKind::VenousAirlock));
    let o = after(&mut sim, 1.0);
    assert!(o.level_detector_tripped && o.pump_flow_l_min == 0.0);
    sim.apply(&Action::ResetDetector(perfuse_sim::Detector::Level));
    let o = after(&mut sim, 2.0);
    assert!(o.pump_flow_l_min > 4.0 && o.reservoir_volume_ml > 200.0);
}

#[test]
fn power_loss_stops_pump_and_heater_cooler() {
    let mut sim = arrested();
    sim.apply(&Action::SetWaterTemp { temp_c: 30.0 });
    after(&mut sim, 5.0);
    sim.apply(&Action::Fault(FaultKind::PowerLoss));
    let o = after(&mut sim, 0.5);
    assert_eq!(o.pump_flow_l_min, 0.0);
    assert!(
        o.alarms
            .iter()
            .any(|a| a.code == "power-loss" && a.priority == Priority::High)
    );
    assert!(o.alarms.iter().any(|a| a.code == "heater-cooler-off"));
}

#[test]
fn centrifugal_flow_falls_with_afterload_and_reverses_when_stopped() {
    let circuit = CircuitConfig {
        pump: PumpKind::Centrifugal,
        ..CircuitConfig::default()
    };
    let mut sim = Simulation::new(&PatientConfig::default(), &circuit, 3).expect("valid");
    sim.apply(&Action::Heparin { units: 32000.0 });
    sim.apply(&Action::StartBypass { flow_l_min: 4.7 });
    sim.apply(&Action::CrossClampOn);
    sim.apply(&Action::Cardioplegia {
        ml: 1000.0,
        kind: CardioplegiaKind::DelNido,
        rate_ml_min: None,
        temp_c: None,
    });
    let o = after(&mut sim, 5.0);
    assert!((o.pump_flow_l_min - 4.7).abs() < 0.1 && o.pump_rpm > 1500.0);
    sim.apply(&Action::SetRpm { rpm: o.pump_rpm });
    sim.apply(&Action::GiveDrug {
        drug: perfuse_sim::Drug::Phenylephrine,
        dose: 400.0,
    });
    let o2 = after(&mut sim, 2.0);
    assert!(o2.map_mmhg > o.map_mmhg + 5.0 && o2.pump_flow_l_min < o.pump_flow_l_min - 0.1);
    sim.apply(&Action::Fault(FaultKind::PumpFailure));
    sim.run_until(sim.time_s() + 2.0);
    assert!(
        sim.observe().pump_flow_l_min < -0.3,
        "retrograde flow expected"
    );
}

#[test]
fn pediatric_patient_runs_with_sensible_values() {
    let patient = PatientConfig {
        age_years: 2.0,
        height_cm: 87.0,
        weight_kg: 12.0,
        hct_pct: 35.0,
        ebv_ml_per_kg: Some(75.0),
        hr_bpm: 110.0,
        map_mmhg: 65.0,
        ..PatientConfig::default()
    };
    let circuit = CircuitConfig {
        prime_ml: 450.0,
        prime_hct_pct: 25.0,
        reservoir_capacity_ml: 1500.0,
        reservoir_min_ml: 50.0,
        roller_ml_per_rev: 15.0,
        oxygenator_area_m2: 0.8,
        siphon_height_cm: 40.0,
        ..CircuitConfig::default()
    };
    let mut sim = Simulation::new(&patient, &circuit, 5).expect("valid");
    let o = sim.observe();
    assert!((o.hr_bpm - 110.0).abs() < 10.0 && (o.map_mmhg - 65.0).abs() < 6.0);
    assert!(
        (0.9..2.5).contains(&o.cardiac_output_l_min),
        "CO {}",
        o.cardiac_output_l_min
    );
    // 400 U/kg to the child plus 3 U/mL of prime (prime heparin is routine; Gravlee).
    sim.apply(&Action::Heparin {
        units: 400.0 * 12.0 + 3.0 * 450.0,
    });
    sim.apply(&Action::StartBypass {
        flow_l_min: sim.full_flow_l_min(),
    });
    sim.apply(&Action::CrossClampOn);
    sim.apply(&Action::Cardioplegia {
        ml: 240.0,
        kind: CardioplegiaKind::DelNido,
        rate_ml_min: None,
        temp_c: None,
    });
    let o = after(&mut sim, 20.0);
    // del Nido is 4/5 crystalloid: 192 mL of the 240 mL dose adds volume.
    let expected = on_bypass_hct_pct(900.0, 35.0, 450.0, 25.0, 192.0);
    assert!(
        (o.hct_pct - expected).abs() < 3.0,
        "Hct {} vs {expected}",
        o.hct_pct
    );
    assert!((30.0..=75.0).contains(&o.map_mmhg), "MAP {}", o.map_mmhg);
    assert!((120.0..=350.0).contains(&o.pao2_mmhg) && (30.0..=50.0).contains(&o.paco2_mmhg));
    assert!(o.svo2_pct.unwrap_or(0.0) > 60.0 && o.lactate_mmol_l < 2.0);
    assert!(
        o.reservoir_volume_ml > 50.0,
        "reservoir {}",
        o.reservoir_volume_ml
    );
    assert!(o.act_s > 400.0, "ACT {}", o.act_s);
}

#[test]
fn raceway_rupture_loses_half_the_flow_and_is_mended_only_with_the_pump_stopped() {
    let mut sim = arrested();
    let before = after(&mut sim, 1.0);
    let volume_before = sim.fluid_volume_ml();
    sim.apply(&Action::Fault(FaultKind::RacewayRupture));
    let o = after(&mut sim, 0.5);
    // Half of 30 s of full flow (≈ 4.8 L/min) is on the floor, counted as lost.
    let lost_ml = o.fluid_out_ml - before.fluid_out_ml;
    let expected_ml = 0.5 * 0.5 * before.pump_flow_l_min * 1000.0;
    assert!(
        (lost_ml - expected_ml).abs() < 0.1 * expected_ml,
        "lost {lost_ml} mL"
    );
    let balance =
        (volume_before - sim.fluid_volume_ml()) - (lost_ml - (o.fluid_in_ml - before.fluid_in_ml));
    assert!(
        balance.abs() < 40.0,
        "volume unaccounted {balance} mL (urine, exchange aside)"
    );
    // The line sees only the forward half: its pressure falls at the same pump speed.
    assert!(o.arterial_line_pressure_mmhg < before.arterial_line_pressure_mmhg - 30.0);
    let refused = sim.apply(&Action::ResolveFault(FaultKind::RacewayRupture));
    assert!(matches!(refused, perfuse_sim::Applied::Ignored(r) if r.contains("stop the pump")));
    sim.apply(&Action::SetFlow { flow_l_min: 0.0 });
    sim.apply(&Action::ClampArterialLine);
    after(&mut sim, 0.1);
    assert_eq!(
        sim.apply(&Action::ResolveFault(FaultKind::RacewayRupture)),
        perfuse_sim::Applied::Done
    );
}

#[test]
fn malignant_hyperthermia_raises_co2_until_dantrolene() {
    // Fulminant MH doubles CO2 production (Rosenberg 2015): at a fixed sweep PaCO2 climbs;
    // dantrolene 2.5 mg/kg (MHAUS; Glahn 2010) brings it back.
    let mut sim = arrested();
    let base = after(&mut sim, 2.0);
    sim.apply(&Action::Fault(FaultKind::MalignantHyperthermia));
    let sick = after(&mut sim, 15.0);
    assert!(sick.vco2i_ml_min_m2 > 1.3 * base.vco2i_ml_min_m2);
    assert!(
        sick.paco2_mmhg > base.paco2_mmhg + 8.0,
        "PaCO2 {}",
        sick.paco2_mmhg
    );
    assert!(
        sim.apply(&Action::ResolveFault(FaultKind::MalignantHyperthermia))
            != perfuse_sim::Applied::Done
    );
    let kg = PatientConfig::default().weight_kg;
    sim.apply(&Action::GiveDantrolene { mg: 2.5 * kg });
    let treated = after(&mut sim, 25.0);
    // Most of the rise is gone (the lactate left behind still buffers into CO2).
    assert!(
        treated.paco2_mmhg - base.paco2_mmhg < 0.5 * (sick.paco2_mmhg - base.paco2_mmhg),
        "PaCO2 {} → {} → {}",
        base.paco2_mmhg,
        sick.paco2_mmhg,
        treated.paco2_mmhg
    );
}

#[test]
fn occluded_antegrade_line_stops_cardioplegia_until_retrograde() {
    let mut sim = on_bypass();
    after(&mut sim, 2.0);
    sim.apply(&Action::Fault(FaultKind::CardioplegiaLineOcclusion));
    sim.apply(&Action::CrossClampOn);
    sim.apply(&Action::Cardioplegia {
        ml: 1000.0,
        kind: CardioplegiaKind::DelNido,
        rate_ml_min: None,
        temp_c: None,
    });
    let o = after(&mut sim, 2.0);
    assert_eq!(o.cardioplegia_ml, 0.0);
    assert!(o.cardioplegia_pressure_mmhg >= 300.0);
    assert!(o.hr_bpm > 0.0, "the heart is not arrested");
    sim.apply(&Action::CardioplegiaRoute(
        perfuse_sim::CardioplegiaRoute::Retrograde,
    ));
    let o = after(&mut sim, 1.0);
    // Searles 2021: retrograde 100–225 mL/min at a coronary-sinus pressure of 30–50 mmHg.
    assert!(
        (100.0..=225.0).contains(&o.cardioplegia_ml),
        "{} mL",
        o.cardioplegia_ml
    );
    assert!((30.0..=50.0).contains(&o.cardioplegia_pressure_mmhg));
    let o = after(&mut sim, 4.0);
    assert_eq!(o.hr_bpm, 0.0, "arrested once the dose is in");
}

#[test]
fn dissection_raises_line_pressure_and_lowers_map_until_recannulation() {
    let mut sim = arrested();
    let before = after(&mut sim, 1.0);
    sim.apply(&Action::Fault(FaultKind::AorticDissection));
    let o = after(&mut sim, 0.3);
    // Still 1992: high line pressure with a low radial pressure.
    assert!(o.arterial_line_pressure_mmhg >= before.arterial_line_pressure_mmhg + 80.0);
    assert!(o.map_mmhg < 0.7 * before.map_mmhg, "MAP {}", o.map_mmhg);
    let refused = sim.apply(&Action::Recannulate(perfuse_sim::CannulationSite::Femoral));
    assert!(matches!(refused, perfuse_sim::Applied::Ignored(_)));
    sim.apply(&Action::SetFlow { flow_l_min: 0.0 });
    after(&mut sim, 0.1);
    sim.apply(&Action::Recannulate(perfuse_sim::CannulationSite::Femoral));
    sim.apply(&Action::SetFlow {
        flow_l_min: before.pump_flow_l_min,
    });
    let o = after(&mut sim, 2.0);
    assert!(o.active_faults.is_empty());
    assert!((o.arterial_line_pressure_mmhg - before.arterial_line_pressure_mmhg).abs() < 25.0);
}

#[test]
fn cold_agglutinins_clog_the_oxygenator_below_thirty_degrees_and_clear_on_warming() {
    let mut sim = arrested();
    sim.apply(&Action::Fault(FaultKind::ColdAgglutinins));
    let warm = after(&mut sim, 5.0);
    sim.apply(&Action::SetWaterTemp { temp_c: 24.0 });
    let cold = after(&mut sim, 25.0);
    assert!(cold.temp_arterial_c < 30.0);
    assert!(cold.oxygenator_dp_mmhg > 1.3 * warm.oxygenator_dp_mmhg);
    sim.apply(&Action::SetWaterTemp { temp_c: 37.0 });
    let rewarmed = after(&mut sim, 30.0);
    assert!(rewarmed.oxygenator_dp_mmhg < 1.05 * warm.oxygenator_dp_mmhg);
}

/// A high-amplitude antibody (reacting up to 34 °C) clogs the oxygenator on mild cooling to
/// 32 °C, which a 30 °C antibody tolerates: the cooling target has to respect the patient's own
/// amplitude (Agarwal 1995; Barbara 2013).
#[test]
fn cold_agglutinin_amplitude_is_the_patients() {
    let dp_after_mild_cooling = |amplitude_c: f64| {
        let patient = PatientConfig {
            cold_agglutinin_amplitude_c: amplitude_c,
            ..PatientConfig::default()
        };
        let mut sim = Simulation::new(&patient, &CircuitConfig::default(), 7).expect("valid");
        sim.apply(&Action::Heparin { units: 32000.0 });
        sim.run_until(180.0);
        sim.apply(&Action::StartBypass {
            flow_l_min: sim.full_flow_l_min(),
        });
        sim.apply(&Action::Fault(FaultKind::ColdAgglutinins));
        let warm = after(&mut sim, 3.0).oxygenator_dp_mmhg;
        sim.apply(&Action::SetWaterTemp { temp_c: 31.0 });
        let cold = after(&mut sim, 30.0);
        assert!(cold.temp_arterial_c < 33.0 && cold.temp_arterial_c > 30.5);
        cold.oxygenator_dp_mmhg / warm
    };
    assert!(dp_after_mild_cooling(30.0) < 1.05);
    assert!(dp_after_mild_cooling(34.0) > 1.3);
}

/// A HIT patient anticoagulated with bivalirudin instead of heparin: the CHOOSE-ON /
/// EVOLUTION-ON regimen holds the ACT at ≥ 2.5 × baseline (Dyke CM et al., J Thorac
/// Cardiovasc Surg 2006;131:533), the circuit stays clean while it moves and clots when it
/// stands still (Koster A et al., Ann Thorac Surg 2007;83:572), and the drug's 25-min
/// half-life ends it without an antidote (Warkentin & Koster 2005).
#[test]
fn bivalirudin_anticoagulates_a_hit_patient_and_wears_off_by_its_half_life() {
    let mut sim = adult();
    let baseline = sim.observe().act_s;
    sim.apply(&Action::Fault(FaultKind::HitAntibodies));
    let weight_kg = PatientConfig::default().weight_kg;
    sim.apply(&Action::GiveBivalirudin {
        mg: weight_kg + 50.0,
        rate_mg_kg_h: Some(2.5),
    });
    let o = after(&mut sim, 5.0);
    assert!(o.act_s >= 2.5 * baseline, "ACT {} from {baseline}", o.act_s);
    sim.apply(&Action::StartBypass {
        flow_l_min: sim.full_flow_l_min(),
    });
    let o = after(&mut sim, 60.0);
    assert!(o.act_s >= 2.5 * baseline, "ACT {} after an hour", o.act_s);
    assert!(o.act_s < 5.0 * baseline, "ACT {}", o.act_s);
    assert!(
        !o.alarms.iter().any(|a| a.code == "circuit-thrombosis"),
        "{:?}",
        o.alarms
    );
    assert!(o.pao2_mmhg > 150.0);
    // Stasis: the pump stopped for 4 min clots the circuit.
    let moving_dp = o.oxygenator_dp_mmhg;
    sim.apply(&Action::SetFlow { flow_l_min: 0.0 });
    after(&mut sim, 4.0);
    sim.apply(&Action::SetFlow {
        flow_l_min: o.pump_flow_l_min,
    });
    let o = after(&mut sim, 1.0);
    assert!(
        o.oxygenator_dp_mmhg > 1.2 * moving_dp,
        "ΔP {moving_dp} → {}",
        o.oxygenator_dp_mmhg
    );
    // No antidote: stopping the infusion halves the drug's effect in ≈ 25 min.
    sim.apply(&Action::GiveBivalirudin {
        mg: 0.0,
        rate_mg_kg_h: Some(0.0),
    });
    let start = o.act_s;
    let o = after(&mut sim, 25.0);
    let halved = baseline + (start - baseline) / 2.0;
    assert!(
        (o.act_s - halved).abs() < 0.15 * (start - baseline),
        "ACT {start} → {} (half: {halved})",
        o.act_s
    );
}

/// Heparin in a HIT patient clots the circuit whatever the ACT: white clot in the oxygenator
/// within minutes (Warkentin TE, Greinacher A, Ann Thorac Surg 2003;76:2121).
#[test]
fn heparin_in_a_hit_patient_clots_the_circuit_despite_a_long_act() {
    let mut sim = adult();
    sim.apply(&Action::Fault(FaultKind::HitAntibodies));
    let refused = sim.apply(&Action::ResolveFault(FaultKind::HitAntibodies));
    assert!(matches!(refused, perfuse_sim::Applied::Ignored(_)));
    sim.apply(&Action::Heparin { units: 32000.0 });
    sim.run_until(180.0);
    sim.apply(&Action::StartBypass {
        flow_l_min: sim.full_flow_l_min(),
    });
    let start = after(&mut sim, 1.0);
    let o = after(&mut sim, 5.0);
    assert!(o.act_s > 480.0, "ACT {}", o.act_s);
    assert!(o.oxygenator_dp_mmhg > 2.0 * start.oxygenator_dp_mmhg);
    assert!(o.pao2_mmhg < 100.0, "PaO2 {}", o.pao2_mmhg);
}

/// Lines reversed at the start of bypass (Kurusz & Mills, in Gravlee 2000): the aorta is
/// drained — the radial pressure collapses and the reservoir fills — and the venous line
/// carries arterial blood; stopped, reconnected and restarted, perfusion returns.
#[test]
fn reversed_lines_drain_the_aorta_until_reconnected() {
    let mut sim = adult();
    sim.apply(&Action::Heparin { units: 32000.0 });
    sim.run_until(180.0);
    let before = sim.observe();
    let flow = sim.full_flow_l_min();
    sim.apply(&Action::StartBypass { flow_l_min: flow });
    sim.apply(&Action::Fault(FaultKind::ReversedCannulation));
    let o = after(&mut sim, 0.25);
    assert!(o.map_mmhg < 20.0, "MAP {}", o.map_mmhg);
    assert!(o.reservoir_volume_ml > before.reservoir_volume_ml + 500.0);
    let svo2 = o.svo2_pct.expect("on bypass");
    assert!(
        (svo2 - o.sao2_pct).abs() < 1.0,
        "SvO2 {svo2} SaO2 {}",
        o.sao2_pct
    );
    let refused = sim.apply(&Action::ResolveFault(FaultKind::ReversedCannulation));
    assert!(matches!(refused, perfuse_sim::Applied::Ignored(_)));
    sim.apply(&Action::SetFlow { flow_l_min: 0.0 });
    after(&mut sim, 0.5);
    sim.apply(&Action::ResolveFault(FaultKind::ReversedCannulation));
    sim.apply(&Action::SetFlow { flow_l_min: flow });
    let o = after(&mut sim, 2.0);
    assert!(o.map_mmhg > 55.0, "MAP {}", o.map_mmhg);
    assert!(o.svo2_pct.expect("on bypass") < 85.0);
}

/// A malpositioned venous cannula on full bypass: drainage falls, the reservoir empties at
/// full flow, the CVP climbs and with it the rSO2 falls once the level stops the pump.
#[test]
fn malpositioned_venous_cannula_empties_the_reservoir_and_raises_the_cvp() {
    let mut sim = arrested();
    let before = after(&mut sim, 1.0);
    sim.apply(&Action::Fault(FaultKind::CannulaMalposition));
    let o = after(&mut sim, 1.0);
    assert!(
        o.cvp_mmhg > before.cvp_mmhg + 5.0,
        "CVP {} → {}",
        before.cvp_mmhg,
        o.cvp_mmhg
    );
    assert!(o.reservoir_volume_ml < before.reservoir_volume_ml - 1000.0);
    sim.apply(&Action::ResolveFault(FaultKind::CannulaMalposition));
    let o = after(&mut sim, 1.0);
    assert!(o.cvp_mmhg < before.cvp_mmhg + 2.0, "CVP {}", o.cvp_mmhg);
}

/// Antithrombin concentrate restores a resistant patient's response to heparin — to normal and
/// no further — at 1.4 % activity per IU/kg (Thrombate III label; Avidan MS et al., J Thorac
/// Cardiovasc Surg 2005;130:107).
#[test]
fn antithrombin_restores_the_heparin_response_up_to_normal() {
    let act_after = |sensitivity: f64, antithrombin_iu: f64| {
        let patient = PatientConfig {
            heparin_sensitivity: sensitivity,
            ..PatientConfig::default()
        };
        let mut sim = Simulation::new(&patient, &CircuitConfig::default(), 7).expect("valid");
        sim.apply(&Action::Heparin { units: 24000.0 });
        if antithrombin_iu > 0.0 {
            sim.apply(&Action::GiveAntithrombin {
                iu: antithrombin_iu,
            });
        }
        after(&mut sim, 5.0).act_s
    };
    let weight_kg = PatientConfig::default().weight_kg;
    let normal = act_after(1.0, 0.0);
    let resistant = act_after(0.5, 0.0);
    assert!(resistant < 0.75 * normal, "{resistant} vs {normal}");
    // (100 − 50) % × kg / 1.4 restores it; half that dose goes half way.
    let full_dose = 50.0 * weight_kg / 1.4;
    let restored = act_after(0.5, full_dose);
    assert!(
        (restored - normal).abs() < 0.02 * normal,
        "{restored} vs {normal}"
    );
    let half = act_after(0.5, full_dose / 2.0);
    let midway = (resistant + normal) / 2.0;
    assert!((half - midway).abs() < 0.03 * normal, "{half} vs {midway}");
    assert_eq!(act_after(1.0, full_dose), normal, "no effect beyond normal");
}

/// A type III protamine reaction after weaning (Kimmel 1998; Lowenstein 1983): pulmonary
/// vasoconstriction halves the cardiac output and drops the MAP by a third within minutes;
/// back on bypass (re-heparinised) the pump carries the circulation past the lungs.
#[test]
fn pulmonary_vasoconstriction_collapses_the_output_until_back_on_bypass() {
    let mut sim = adult();
    sim.apply(&Action::Heparin { units: 32000.0 });
    sim.run_until(180.0);
    let before = after(&mut sim, 5.0);
    sim.apply(&Action::Fault(FaultKind::PulmonaryVasoconstriction));
    let refused = sim.apply(&Action::ResolveFault(FaultKind::PulmonaryVasoconstriction));
    assert!(matches!(refused, perfuse_sim::Applied::Ignored(_)));
    let o = after(&mut sim, 3.0);
    assert!(
        o.cardiac_output_l_min < 0.6 * before.cardiac_output_l_min,
        "CO {} → {}",
        before.cardiac_output_l_min,
        o.cardiac_output_l_min
    );
    assert!(
        o.map_mmhg < 0.7 * before.map_mmhg,
        "MAP {} → {}",
        before.map_mmhg,
        o.map_mmhg
    );
    sim.apply(&Action::StartBypass {
        flow_l_min: sim.full_flow_l_min(),
    });
    let o = after(&mut sim, 3.0);
    assert!(o.map_mmhg > 60.0, "MAP on bypass {}", o.map_mmhg);
    // Cleared, the constriction wanes and the native output returns.
    sim.apply(&Action::ClearFault(FaultKind::PulmonaryVasoconstriction));
    after(&mut sim, 20.0);
    sim.apply(&Action::SetVenousOcclusion { pct: 80.0 });
    after(&mut sim, 1.0);
    sim.apply(&Action::EndBypass);
    let o = after(&mut sim, 5.0);
    assert!(
        o.cardiac_output_l_min > 0.8 * before.cardiac_output_l_min,
        "CO {}",
        o.cardiac_output_l_min
    );
}
