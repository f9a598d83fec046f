//! A simulator session saved as a training record: the glue between `perfuse-scenario` and
//! `perfuse-record`, which know nothing of each other. Both the live console (a session's
//! recording) and `perfuse record from-run` (a batch run) hand over the same thing — the CSV of
//! `perfuse run`, the contract both sides already speak — and get the same record.

use perfuse_record::model::{Category, Circuit, Patient, PrimeComponent, PumpKind, Sex};
use perfuse_record::observations::{ObservationRow, TrainingSession};
use perfuse_record::{Date, Record};
use perfuse_scenario::Scenario;

/// Rows kept per record: one a minute (every row becomes a lab sample and a vitals sample, so a
/// two-hour case is 120 samples of each, not 7,200; a day fills the record's 1,440 vitals).
pub const SAMPLE_EVERY_S: f64 = 60.0;

/// Who ran the pump, under whom, on which day.
#[derive(Clone, Debug)]
pub struct Trainee {
    /// The student (or perfusionist) at the pump.
    pub name: String,
    /// The supervising educator, if any.
    pub supervisor: Option<String>,
    /// Day of the session.
    pub date: Date,
}

/// The training record of a run of `scenario`, from its observations as `perfuse run` CSV
/// (any sampling interval that divides a minute).
pub fn training_record(
    scenario: &Scenario,
    csv: &str,
    trainee: Trainee,
) -> perfuse_record::Result<Record> {
    let mut rows = ObservationRow::parse_csv(csv)?;
    rows.retain(|row| {
        // A sample taken at the very instant bypass starts shows the phase already `bypass` but
        // the pump not yet turning (flow 0, bypass time 0); as a lab row it would read as DO2i 0.
        // Bypass and clamp runs come from the cumulative counters, so nothing else is lost.
        let starting = row.phase == "bypass" && row.bypass_time_s == Some(0.0);
        row.time_s % SAMPLE_EVERY_S == 0.0 && !starting
    });
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
}
