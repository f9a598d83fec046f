//! A simulator run saved as a training record: the glue between `perfuse-scenario` and
//! `perfuse-record`, which know nothing of each other. The run's observations go through the
//! same CSV as `perfuse run --csv` (the contract both sides already speak), sampled once a
//! minute so a two-hour case is 120 lab rows.

use perfuse_record::model::{Category, Circuit, Patient, PrimeComponent, PumpKind, Sex};
use perfuse_record::observations::{ObservationRow, TrainingSession};
use perfuse_record::{Date, Record};
use perfuse_scenario::{Run, RunOptions, Scenario, observations};

use crate::Failure;

/// Who ran the pump, under whom, on which day.
pub struct Trainee {
    pub name: String,
    pub supervisor: Option<String>,
    pub date: Date,
}

/// Runs `scenario` to its end and builds the training record of that run.
pub fn record_of_run(
    scenario: &Scenario,
    seed: Option<u64>,
    trainee: Trainee,
) -> Result<Record, Failure> {
    let options = RunOptions {
        every_ms: 60_000,
        until_ms: None,
        seed,
    };
    let mut run = Run::new(scenario, &options).map_err(|e| Failure::Input(e.to_string()))?;
    let mut csv = observations::csv_header();
    while let Some(obs) = run.next_sample() {
        csv.push('\n');
        observations::write_csv_row(&obs, &mut csv);
    }
    let mut rows = ObservationRow::parse_csv(&csv).map_err(|e| Failure::Other(e.into()))?;
    // A sample taken at the very instant bypass starts shows the phase already `bypass` but the
    // pump not yet turning (flow 0, bypass time 0); as a lab row it would read as DO2i 0. The
    // bypass run itself comes from the cumulative counter, so nothing else is lost.
    rows.retain(|row| !(row.phase == "bypass" && row.bypass_time_s == Some(0.0)));
    let patient = &scenario.patient;
    let circuit = &scenario.circuit;
    let session = TrainingSession {
        date: trainee.date,
        scenario: scenario.name.clone(),
        category: if patient.age_years < 18.0 {
            Category::Pediatric
        } else {
            Category::Adult
        },
        trainee: trainee.name,
        supervisor: trainee.supervisor,
        patient: Patient {
            identity: None,
            age_years: patient.age_years,
            sex: Some(match patient.sex {
                perfuse_sim::Sex::Male => Sex::Male,
                perfuse_sim::Sex::Female => Sex::Female,
            }),
            height_cm: patient.height_cm,
            weight_kg: patient.weight_kg,
            hct_pct: patient.hct_pct,
        },
        circuit: Circuit {
            pump: match circuit.pump {
                perfuse_sim::PumpKind::Roller => PumpKind::Roller,
                perfuse_sim::PumpKind::Centrifugal => PumpKind::Centrifugal,
            },
            pump_model: Some("perfuse simulator".to_owned()),
            oxygenator: format!(
                "simulated membrane oxygenator, {} m2",
                circuit.oxygenator_area_m2
            ),
            prime: vec![PrimeComponent {
                name: if circuit.prime_hct_pct > 0.0 {
                    "blood prime"
                } else {
                    "crystalloid prime"
                }
                .to_owned(),
                volume_ml: circuit.prime_ml,
            }],
            prime_hct_pct: circuit.prime_hct_pct,
            cannulae: Vec::new(),
        },
    };
    Record::from_observations(session, &rows)
        .map_err(|e| Failure::Input(format!("training record: {e}")))
}
