//! A 4-hour adult case: heparin, bypass, cross-clamp with del Nido, cooling to 32 °C and
//! rewarming, protamine and separation. Reports the time per simulated case.

// `criterion_group!` expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use perfuse_sim::{Action, CardioplegiaKind, CircuitConfig, PatientConfig, Simulation};

/// (time in s, action) of the case.
fn events() -> Vec<(f64, Action)> {
    vec![
        (300.0, Action::Heparin { units: 32000.0 }),
        (900.0, Action::StartBypass { flow_l_min: 4.7 }),
        (960.0, Action::SetSweep { l_min: 3.3 }),
        (1200.0, Action::CrossClampOn),
        (
            1230.0,
            Action::Cardioplegia {
                ml: 1000.0,
                kind: CardioplegiaKind::DelNido,
                rate_ml_min: None,
                temp_c: None,
            },
        ),
        (1500.0, Action::SetWaterTemp { temp_c: 30.0 }),
        (1500.0, Action::SetFlow { flow_l_min: 4.0 }),
        (6000.0, Action::SetWaterTemp { temp_c: 37.0 }),
        (6000.0, Action::SetFlow { flow_l_min: 4.7 }),
        (9000.0, Action::CrossClampOff),
        (10800.0, Action::EndBypass),
        (11400.0, Action::Protamine { mg: 320.0 }),
    ]
}

fn four_hour_case() -> f64 {
    let mut sim = Simulation::new(&PatientConfig::default(), &CircuitConfig::default(), 1)
        .expect("default configuration is valid");
    for (at, action) in events() {
        sim.run_until(at);
        sim.apply(&action);
    }
    sim.run_until(4.0 * 3600.0);
    sim.observe().map_mmhg
}

/// Creating (and calibrating) the patient alone: the fixed cost of every case.
fn start_up() -> f64 {
    Simulation::new(&PatientConfig::default(), &CircuitConfig::default(), 1)
        .expect("default configuration is valid")
        .observe()
        .map_mmhg
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("four_hour_case");
    group.sample_size(10);
    group.bench_function("adult_4h", |b| b.iter(four_hour_case));
    group.bench_function("start_up", |b| b.iter(start_up));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
