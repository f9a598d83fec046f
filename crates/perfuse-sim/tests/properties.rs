//! Properties of the simulator as a program: determinism, independence from observation rate,
//! snapshot/restore, and physical bounds under random action sequences (proptest).

use perfuse_sim::{
    ACTIONS, Action, CardioplegiaKind, CircuitConfig, FaultKind, FieldKind, FieldSource,
    FieldValue, NumberDefault, Observations, PatientConfig, PumpKind, Rhythm, Simulation,
};
use proptest::prelude::*;

fn case_events() -> Vec<(f64, Action)> {
    vec![
        (30.0, Action::Heparin { units: 32000.0 }),
        (60.0, Action::StartBypass { flow_l_min: 4.7 }),
        (90.0, Action::CrossClampOn),
        (
            95.0,
            Action::Cardioplegia {
                ml: 1000.0,
                kind: CardioplegiaKind::DelNido,
                rate_ml_min: None,
                temp_c: None,
            },
        ),
        (120.0, Action::SetWaterTemp { temp_c: 32.0 }),
        (200.0, Action::Fault(FaultKind::PumpFailure)),
        (215.0, Action::ClearFault(FaultKind::PumpFailure)),
        (300.0, Action::EndBypass),
    ]
}

/// Runs the case to `end_s`, observing every `every_steps` steps, returning observations at
/// the 10 s marks.
fn run(seed: u64, every_steps: u64, end_s: f64) -> Vec<Observations> {
    let mut sim =
        Simulation::new(&PatientConfig::default(), &CircuitConfig::default(), seed).expect("valid");
    let events = case_events();
    let mut next = 0;
    let mut marks = Vec::new();
    let mut step: u64 = 0;
    let steps_per_mark = (10.0 / Simulation::DT_S).round() as u64;
    while sim.time_s() < end_s {
        while next < events.len() && events[next].0 <= sim.time_s() {
            sim.apply(&events[next].1);
            next += 1;
        }
        if step % every_steps == 0 {
            let o = sim.observe();
            if step % steps_per_mark == 0 {
                marks.push(o);
            }
        }
        sim.step();
        step += 1;
    }
    marks
}

#[test]
fn same_seed_gives_identical_observations() {
    assert_eq!(run(11, 1000, 360.0), run(11, 1000, 360.0));
}

#[test]
fn observing_every_step_or_every_ten_seconds_gives_the_same_trajectory() {
    let steps_per_mark = (10.0 / Simulation::DT_S).round() as u64;
    assert_eq!(run(3, 1, 360.0), run(3, steps_per_mark, 360.0));
}

/// Runs the case with its events 7 ms off the step grid to `end_s`, stopping at every
/// `stop_s` on the way (0: only at events and marks), and returns the observations at the 10 s
/// marks.
fn run_with_stops(stop_s: f64, end_s: f64) -> Vec<Observations> {
    let mut sim =
        Simulation::new(&PatientConfig::default(), &CircuitConfig::default(), 5).expect("valid");
    let mut events = case_events().into_iter().peekable();
    let mut marks = Vec::new();
    let mut stop = 0.0;
    for mark in 1..=(end_s / 10.0) as u32 {
        let mark_s = f64::from(mark) * 10.0;
        while let Some((at_s, action)) = events.next_if(|(at_s, _)| at_s + 0.007 <= mark_s) {
            while stop_s > 0.0 && stop + stop_s < at_s + 0.007 {
                stop += stop_s;
                sim.run_until(stop);
                sim.observe();
            }
            sim.run_until(at_s + 0.007);
            sim.apply(&action);
        }
        while stop_s > 0.0 && stop + stop_s < mark_s {
            stop += stop_s;
            sim.run_until(stop);
            sim.observe();
        }
        sim.run_until(mark_s);
        marks.push(sim.observe());
    }
    marks
}

#[test]
fn stopping_anywhere_while_the_heart_is_still_gives_the_same_trajectory() {
    // The heart is arrested from ≈ 100 s; its hemodynamics then run once per 50 ms of the step
    // grid, and stopping 13.7 ms apart (or acting off the grid) must not change them.
    let straight = run_with_stops(0.0, 360.0);
    assert!(straight.iter().any(|o| o.rhythm == Rhythm::Asystole));
    assert_eq!(straight, run_with_stops(0.0137, 360.0));
}

#[test]
fn snapshot_restore_replays_exactly() {
    let mut sim =
        Simulation::new(&PatientConfig::default(), &CircuitConfig::default(), 2).expect("valid");
    sim.apply(&Action::StartBypass { flow_l_min: 4.5 });
    sim.run_until(60.0);
    let snap = sim.snapshot();
    sim.apply(&Action::SetSweep { l_min: 2.0 });
    sim.run_until(120.0);
    let first = sim.observe();
    sim.restore(&snap);
    assert_eq!(sim.time_s(), 60.0);
    sim.apply(&Action::SetSweep { l_min: 2.0 });
    sim.run_until(120.0);
    assert_eq!(sim.observe(), first);
    assert!(
        size_of::<Simulation>() < 64 * 1024,
        "{} bytes",
        size_of::<Simulation>()
    );
}

#[test]
fn invalid_configuration_is_rejected_with_the_field_name() {
    let patient = PatientConfig {
        weight_kg: -5.0,
        ..PatientConfig::default()
    };
    let err = Simulation::new(&patient, &CircuitConfig::default(), 0).unwrap_err();
    assert_eq!(err.field, "weight_kg");
    assert!(err.to_string().contains("kg"));
}

/// Any action of the vocabulary, every field anywhere in its accepted range: new actions are
/// covered as soon as they are in `ACTIONS`.
fn any_action() -> impl Strategy<Value = Action> {
    (
        0..ACTIONS.len(),
        prop::collection::vec(0.0..=1.0f64, 4),
        any::<bool>(),
    )
        .prop_filter_map("a drug above its own ceiling", |(i, draws, omit)| {
            let spec = &ACTIONS[i];
            let values = spec
                .fields
                .iter()
                .zip(&draws)
                .filter_map(|(field, &u)| match field.kind {
                    FieldKind::Number { default, .. }
                        if omit && default != NumberDefault::Required =>
                    {
                        None
                    }
                    FieldKind::Number { range, .. } => {
                        let low = if range.min_exclusive {
                            range.max * 1e-3
                        } else {
                            range.min
                        };
                        Some((field.name, FieldValue::Number(low + u * (range.max - low))))
                    }
                    FieldKind::Choice { names, .. } => {
                        let k = ((u * names.len() as f64) as usize).min(names.len() - 1);
                        Some((field.name, FieldValue::Text(names[k])))
                    }
                })
                .collect();
            Action::from_fields(spec.name, &mut Fixed(values)).ok()
        })
}

/// Field values as a [`FieldSource`].
struct Fixed(Vec<(&'static str, FieldValue)>);

impl FieldSource for Fixed {
    type Error = ();
    fn number(&mut self, field: &'static str) -> Result<Option<f64>, ()> {
        Ok(self.0.iter().find_map(|(k, v)| match v {
            FieldValue::Number(n) if *k == field => Some(*n),
            _ => None,
        }))
    }
    fn text(&mut self, field: &'static str) -> Result<Option<String>, ()> {
        Ok(self.0.iter().find_map(|(k, v)| match v {
            FieldValue::Text(t) if *k == field => Some((*t).to_owned()),
            _ => None,
        }))
    }
    fn invalid(&self, _field: &'static str, _message: String) {}
}

fn check_bounds(o: &Observations) -> Result<(), TestCaseError> {
    let values = [
        o.hr_bpm,
        o.map_mmhg,
        o.sbp_mmhg,
        o.dbp_mmhg,
        o.arterial_pressure_mmhg,
        o.cvp_mmhg,
        o.cardiac_output_l_min,
        o.pump_flow_l_min,
        o.pump_rpm,
        o.arterial_line_pressure_mmhg,
        o.reservoir_volume_ml,
        o.sweep_l_min,
        o.fio2_pct,
        o.hct_pct,
        o.hb_g_dl,
        o.pao2_mmhg,
        o.paco2_mmhg,
        o.ph,
        o.hco3_mmol_l,
        o.sbe_mmol_l,
        o.sao2_pct,
        o.lactate_mmol_l,
        o.k_mmol_l,
        o.act_s,
        o.heparin_u_ml,
        o.temp_core_c,
        o.temp_arterial_c,
        o.temp_venous_c,
        o.do2i_ml_min_m2,
        o.vo2i_ml_min_m2,
        o.vco2i_ml_min_m2,
        o.urine_ml,
        o.pre_oxygenator_pressure_mmhg,
        o.oxygenator_dp_mmhg,
        o.air_to_patient_ml,
        o.pao2_tc_mmhg,
        o.paco2_tc_mmhg,
        o.ph_tc,
        o.rso2_pct,
        o.temp_periphery_c,
        o.temp_myocardium_c,
        o.colloid_osmotic_mmhg,
        o.plasma_volume_ml,
        o.interstitial_ml,
        o.contractility_pct,
        o.cardioplegia_pressure_mmhg,
    ];
    prop_assert!(
        values.iter().all(|v| v.is_finite()),
        "non-finite value in {o:?}"
    );
    prop_assert!(o.reservoir_volume_ml >= 0.0 && o.urine_ml >= 0.0 && o.heparin_u_ml >= 0.0);
    prop_assert!((0.0..=100.0).contains(&o.sao2_pct));
    if let Some(s) = o.svo2_pct {
        prop_assert!((0.0..=100.0).contains(&s));
    }
    prop_assert!((0.0..=100.0).contains(&o.hct_pct));
    prop_assert!((0.0..=100.0).contains(&o.rso2_pct));
    prop_assert!(o.air_to_patient_ml >= 0.0 && o.interstitial_ml > 0.0 && o.plasma_volume_ml > 0.0);
    prop_assert!(o.colloid_osmotic_mmhg >= 0.0 && (0.0..=200.0).contains(&o.contractility_pct));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn random_actions_keep_the_state_physical(
        actions in prop::collection::vec((0.0..60.0f64, any_action()), 1..12),
        centrifugal in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let circuit = CircuitConfig {
            pump: if centrifugal { PumpKind::Centrifugal } else { PumpKind::Roller },
            ..CircuitConfig::default()
        };
        let mut sim = Simulation::new(&PatientConfig::default(), &circuit, seed).expect("valid");
        let start_ml = sim.fluid_volume_ml();
        let balanced = |sim: &Simulation| {
            // Volume is conserved: patient + circuit + interstitium change only by what was
            // given and lost (air pumped into the patient is not blood and is counted apart).
            let o = sim.observe();
            let expected_ml = start_ml + o.fluid_in_ml - o.fluid_out_ml;
            (sim.fluid_volume_ml() - expected_ml).abs() <= 1e-6 * expected_ml
        };
        for (gap_s, action) in actions {
            prop_assert!(action.validate().is_ok());
            sim.apply(&action);
            sim.run_until(sim.time_s() + gap_s);
            check_bounds(&sim.observe())?;
            prop_assert!(balanced(&sim), "volume not conserved after {action:?}");
        }
        sim.run_until(sim.time_s() + 30.0);
        check_bounds(&sim.observe())?;
        prop_assert!(balanced(&sim));
    }
}
