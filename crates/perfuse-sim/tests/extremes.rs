//! Extreme but possible patients and circuits run: any configuration that `validate` accepts —
//! a 2 kg neonate on an adult prime, a 250 kg adult on a tiny one, Hct 15 or 65 %, cold or
//! febrile, heparin-resistant — goes through a whole case without NaN, infinity, negative
//! volumes or saturations outside 0–100 %, conserving volume (proptest).

use perfuse_sim::{
    Action, CardioplegiaKind, CircuitConfig, Observations, PatientConfig, PumpKind, Sex, Simulation,
};
use proptest::prelude::*;

fn patient() -> impl Strategy<Value = PatientConfig> {
    (
        (
            any::<bool>(),
            0.0..120.0f64,
            40.0..250.0f64,
            2.0..250.0f64,
            15.0..65.0f64,
        ),
        (
            prop::option::of(50.0..110.0f64),
            30.0..200.0f64,
            40.0..150.0f64,
            30.0..40.0f64,
        ),
        (0.2..20.0f64, 60.0..300.0f64, 0.1..3.0f64, 2.0..8.0f64),
    )
        .prop_map(
            |(
                (male, age, height, weight, hct),
                (ebv, hr, map, temp),
                (lactate, act, sensitivity, k),
            )| {
                PatientConfig {
                    sex: if male { Sex::Male } else { Sex::Female },
                    age_years: age,
                    height_cm: height,
                    weight_kg: weight,
                    hct_pct: hct,
                    ebv_ml_per_kg: ebv,
                    hr_bpm: hr,
                    map_mmhg: map,
                    temp_c: temp,
                    lactate_mmol_l: lactate,
                    act_s: act,
                    heparin_sensitivity: sensitivity,
                    k_mmol_l: k,
                    cold_agglutinin_amplitude_c: 30.0,
                }
            },
        )
}

fn circuit() -> impl Strategy<Value = CircuitConfig> {
    (
        any::<bool>(),
        100.0..5000.0f64,
        0.0..60.0f64,
        0.0..80.0f64,
        0.0..2.0f64,
        0.0..70.0f64,
    )
        .prop_map(
            |(roller, prime_ml, prime_hct_pct, vavd_mmhg, sweep_per_flow, prime_protein_g_l)| {
                CircuitConfig {
                    pump: if roller {
                        PumpKind::Roller
                    } else {
                        PumpKind::Centrifugal
                    },
                    prime_ml,
                    prime_hct_pct,
                    prime_protein_g_l,
                    vavd_mmhg,
                    initial_sweep_l_min: sweep_per_flow,
                    ..CircuitConfig::default()
                }
            },
        )
}

fn check(obs: &Observations) -> Result<(), TestCaseError> {
    let numbers = [
        obs.hr_bpm,
        obs.map_mmhg,
        obs.sbp_mmhg,
        obs.dbp_mmhg,
        obs.cvp_mmhg,
        obs.cardiac_output_l_min,
        obs.pump_flow_l_min,
        obs.pump_rpm,
        obs.arterial_line_pressure_mmhg,
        obs.reservoir_volume_ml,
        obs.hct_pct,
        obs.hb_g_dl,
        obs.pao2_mmhg,
        obs.paco2_mmhg,
        obs.ph,
        obs.hco3_mmol_l,
        obs.sbe_mmol_l,
        obs.sao2_pct,
        obs.lactate_mmol_l,
        obs.k_mmol_l,
        obs.act_s,
        obs.heparin_u_ml,
        obs.temp_core_c,
        obs.temp_arterial_c,
        obs.temp_venous_c,
        obs.do2i_ml_min_m2,
        obs.vo2i_ml_min_m2,
        obs.vco2i_ml_min_m2,
        obs.urine_ml,
    ];
    prop_assert!(
        numbers.iter().all(|v| v.is_finite()),
        "non-finite observation at {} s: {obs:?}",
        obs.time_s
    );
    prop_assert!(
        obs.reservoir_volume_ml >= 0.0 && obs.urine_ml >= 0.0 && obs.hct_pct >= 0.0,
        "reservoir {} mL, urine {} mL, Hct {} % at {} s",
        obs.reservoir_volume_ml,
        obs.urine_ml,
        obs.hct_pct,
        obs.time_s
    );
    prop_assert!((0.0..=100.0).contains(&obs.sao2_pct));
    if let Some(svo2) = obs.svo2_pct {
        prop_assert!(svo2.is_finite() && (0.0..=100.0).contains(&svo2));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_accepted_configuration_runs_a_whole_case(patient in patient(), circuit in circuit(), seed in any::<u64>()) {
        prop_assume!(patient.validate().is_ok() && circuit.validate().is_ok());
        let mut sim = Simulation::new(&patient, &circuit, seed).expect("validated");
        // Full flow at CI 2.4 on this patient, capped at what the actions accept.
        let flow_l_min = sim.full_flow_l_min().clamp(0.2, 8.0);
        let events = [
            (60.0, Action::Heparin { units: (400.0 * patient.weight_kg).min(100_000.0) }),
            (120.0, Action::StartBypass { flow_l_min }),
            (180.0, Action::CrossClampOn),
            (180.0, Action::Cardioplegia { ml: (20.0 * patient.weight_kg).min(1000.0), kind: CardioplegiaKind::DelNido, rate_ml_min: None, temp_c: None }),
            (600.0, Action::SetWaterTemp { temp_c: 30.0 }),
            (1200.0, Action::SetWaterTemp { temp_c: 37.0 }),
            (1500.0, Action::CrossClampOff),
                (1800.0, Action::EndBypass),
            (1830.0, Action::ReturnVolume { ml: 10.0 * patient.weight_kg, rate_ml_min: None }),
        ];
        let start_ml = sim.fluid_volume_ml();
        let check_all = |sim: &Simulation| -> Result<(), TestCaseError> {
            let obs = sim.observe();
            check(&obs)?;
            let expected_ml = start_ml + obs.fluid_in_ml - obs.fluid_out_ml;
            prop_assert!((sim.fluid_volume_ml() - expected_ml).abs() <= 1e-6 * expected_ml, "volume not conserved");
            Ok(())
        };
        for (at_s, action) in events {
            sim.run_until(at_s);
            check_all(&sim)?;
            sim.apply(&action);
        }
        for minute in 31..=36 {
            sim.run_until(minute as f64 * 60.0);
            check_all(&sim)?;
        }
    }
}
