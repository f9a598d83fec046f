//! A finished simulator session as a training record.
//!
//! The simulator (`perfuse run --csv`) writes one observation row per sample; this module turns
//! such a series into a [`Record`] of kind `training` without depending on the simulator crate:
//! the caller supplies [`ObservationRow`]s (or the CSV text) and the session's metadata.
//!
//! - Bypass and cross-clamp runs come from the cumulative `bypass_time_s` and
//!   `cross_clamp_time_s` counters, so their start and end are exact even between samples.
//! - A `pump_flow` event is written whenever the flow changes, a `note` whenever `phase` changes.
//! - Every row becomes a lab sample (Hct, Hb, SaO2, PaO2, lactate, ACT, K+), so the quality
//!   indicators of the session are computed exactly as for a clinical record (DO2i is recomputed
//!   from Hb, SaO2, PaO2, flow and the DuBois BSA, not taken from the `do2i_ml_min_m2` column) — except
//!   rows of partial bypass (the wean: the pump running and the heart ejecting,
//!   `cardiac_output_l_min` ≥ [`PARTIAL_BYPASS_CO_L_MIN`]). Nobody draws the on-bypass gases of the record then, and a
//!   DO2i from the falling pump flow alone would ignore the heart's own output (Ranucci 2005
//!   defines the nadir DO2i on full bypass).
//! - Every row also becomes a vitals sample (MAP, pump flow, arterial, venous and core
//!   temperatures, Hct and the simulator's own DO2i), wean included: the trend the console
//!   showed. Beyond [`VitalsSample::MAX_SAMPLES`] rows, every n-th row is kept (n the smallest
//!   that fits), the first always.

use crate::error::{Error, Result};
use crate::model::{
    Case, Category, Circuit, Event, LabSample, Patient, PlanSettings, Record, RecordKind,
    TeamMember, TeamRole, TimelineEntry, Urgency, VitalsSample,
};
use crate::time::Date;
use crate::validate::validate;

/// One observation row of a simulator time series (names as in the scenario data dictionary).
/// An empty CSV field is `None`.
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // the names are the data dictionary's, with units in them
pub struct ObservationRow {
    pub time_s: f64,
    pub phase: String,
    pub map_mmhg: Option<f64>,
    pub temp_arterial_c: Option<f64>,
    pub temp_venous_c: Option<f64>,
    pub temp_core_c: Option<f64>,
    pub do2i_ml_min_m2: Option<f64>,
    pub hct_pct: Option<f64>,
    pub hb_g_dl: Option<f64>,
    pub sao2_pct: Option<f64>,
    pub pao2_mmhg: Option<f64>,
    pub pump_flow_l_min: Option<f64>,
    pub cardiac_output_l_min: Option<f64>,
    pub lactate_mmol_l: Option<f64>,
    pub act_s: Option<f64>,
    pub k_mmol_l: Option<f64>,
    pub bypass_time_s: Option<f64>,
    pub cross_clamp_time_s: Option<f64>,
}

/// Who trained, on what, with which simulated patient and circuit.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingSession {
    /// Date of the session.
    pub date: Date,
    /// Scenario name, stored as the procedure.
    pub scenario: String,
    /// Case-log category of the scenario.
    pub category: Category,
    /// The student (or perfusionist) who ran the pump.
    pub trainee: String,
    /// The educator supervising, if any.
    pub supervisor: Option<String>,
    /// The simulated patient.
    pub patient: Patient,
    /// The simulated circuit.
    pub circuit: Circuit,
}

impl ObservationRow {
    /// Parses observation rows from CSV text with a header row. Columns are found by name, in any
    /// order; unknown columns are ignored; `time_s` and `phase` are required.
    pub fn parse_csv(text: &str) -> Result<Vec<ObservationRow>> {
        let mut lines = text.lines().filter(|line| !line.trim().is_empty());
        let header: Vec<&str> = lines
            .next()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .collect();
        let column = |name: &str| header.iter().position(|&column| column == name);
        let required = |name: &str| {
            column(name).ok_or_else(|| Error::invalid(name, "missing column in the CSV header"))
        };
        let (time_column, phase_column) = (required("time_s")?, required("phase")?);
        let numeric = [
            "map_mmhg",
            "temp_arterial_c",
            "temp_venous_c",
            "temp_core_c",
            "do2i_ml_min_m2",
            "hct_pct",
            "hb_g_dl",
            "sao2_pct",
            "pao2_mmhg",
            "pump_flow_l_min",
            "cardiac_output_l_min",
            "lactate_mmol_l",
            "act_s",
            "k_mmol_l",
            "bypass_time_s",
            "cross_clamp_time_s",
        ]
        .map(column);
        lines
            .enumerate()
            .map(|(i, line)| {
                let fields: Vec<&str> = line.split(',').map(str::trim).collect();
                let value = |index: Option<usize>, name: &str| -> Result<Option<f64>> {
                    match index
                        .and_then(|index| fields.get(index))
                        .filter(|text| !text.is_empty())
                    {
                        None => Ok(None),
                        Some(text) => text.parse::<f64>().map(Some).map_err(|_| {
                            Error::invalid(
                                format!("row {}: {name}", i + 2),
                                format!("{text:?} is not a number"),
                            )
                        }),
                    }
                };
                let time_s = value(Some(time_column), "time_s")?.ok_or_else(|| {
                    Error::invalid(format!("row {}: time_s", i + 2), "must not be empty")
                })?;
                let [
                    map,
                    temp_arterial,
                    temp_venous,
                    temp_core,
                    do2i,
                    hct,
                    hb,
                    sao2,
                    pao2,
                    flow,
                    co,
                    lactate,
                    act,
                    k,
                    bypass,
                    clamp,
                ] = numeric;
                Ok(ObservationRow {
                    time_s,
                    phase: fields
                        .get(phase_column)
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                    map_mmhg: value(map, "map_mmhg")?,
                    temp_arterial_c: value(temp_arterial, "temp_arterial_c")?,
                    temp_venous_c: value(temp_venous, "temp_venous_c")?,
                    temp_core_c: value(temp_core, "temp_core_c")?,
                    do2i_ml_min_m2: value(do2i, "do2i_ml_min_m2")?,
                    hct_pct: value(hct, "hct_pct")?,
                    hb_g_dl: value(hb, "hb_g_dl")?,
                    sao2_pct: value(sao2, "sao2_pct")?,
                    pao2_mmhg: value(pao2, "pao2_mmhg")?,
                    pump_flow_l_min: value(flow, "pump_flow_l_min")?,
                    cardiac_output_l_min: value(co, "cardiac_output_l_min")?,
                    lactate_mmol_l: value(lactate, "lactate_mmol_l")?,
                    act_s: value(act, "act_s")?,
                    k_mmol_l: value(k, "k_mmol_l")?,
                    bypass_time_s: value(bypass, "bypass_time_s")?,
                    cross_clamp_time_s: value(clamp, "cross_clamp_time_s")?,
                })
            })
            .collect()
    }
}

/// The heart's own output above which a row on bypass is partial bypass (the wean), L/min.
pub const PARTIAL_BYPASS_CO_L_MIN: f64 = 0.5;

/// Tolerance when comparing cumulative counters, s.
const COUNTER_EPSILON_S: f64 = 1e-6;

impl Record {
    /// Builds a validated training record from a finished simulator session.
    pub fn from_observations(session: TrainingSession, rows: &[ObservationRow]) -> Result<Record> {
        if rows.is_empty() {
            return Err(Error::invalid("observations", "no rows"));
        }
        let mut timeline: Vec<TimelineEntry> = Vec::new();
        let mut previous_phase: Option<&str> = None;
        let mut previous_flow: Option<f64> = None;
        for row in rows {
            if previous_phase != Some(row.phase.as_str()) && !row.phase.is_empty() {
                timeline.push(TimelineEntry {
                    time_s: row.time_s,
                    event: Event::Note {
                        text: format!("phase: {}", row.phase),
                    },
                });
            }
            previous_phase = Some(row.phase.as_str());
            if let Some(flow_l_min) = row
                .pump_flow_l_min
                .filter(|&flow| Some(flow) != previous_flow)
            {
                timeline.push(TimelineEntry {
                    time_s: row.time_s,
                    event: Event::PumpFlow { flow_l_min },
                });
                previous_flow = Some(flow_l_min);
            }
        }
        let bypass = counter_runs(rows, |row| row.bypass_time_s);
        let clamp = counter_runs(rows, |row| row.cross_clamp_time_s);
        for (on_s, off_s) in bypass {
            timeline.push(TimelineEntry {
                time_s: on_s,
                event: Event::BypassOn,
            });
            timeline.push(TimelineEntry {
                time_s: off_s,
                event: Event::BypassOff,
            });
        }
        for (on_s, off_s) in clamp {
            timeline.push(TimelineEntry {
                time_s: on_s,
                event: Event::CrossClampOn,
            });
            timeline.push(TimelineEntry {
                time_s: off_s,
                event: Event::CrossClampOff,
            });
        }
        // Stable sort: at equal times, notes and flows first, then runs in on/off order.
        timeline.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));

        let partial_bypass = |row: &&ObservationRow| {
            row.pump_flow_l_min.is_some_and(|flow| flow > 0.0)
                && row
                    .cardiac_output_l_min
                    .is_some_and(|co| co >= PARTIAL_BYPASS_CO_L_MIN)
        };
        let labs = rows
            .iter()
            .filter(|row| !partial_bypass(row))
            .map(|row| LabSample {
                time_s: row.time_s,
                pao2_mmhg: row.pao2_mmhg,
                sao2_pct: row.sao2_pct,
                hb_g_dl: row.hb_g_dl,
                hct_pct: row.hct_pct,
                k_mmol_l: row.k_mmol_l,
                lactate_mmol_l: row.lactate_mmol_l,
                act_s: row.act_s,
                ..LabSample::default()
            })
            .collect();
        let stride = rows.len().div_ceil(VitalsSample::MAX_SAMPLES);
        let vitals = rows
            .iter()
            .step_by(stride)
            .map(|row| VitalsSample {
                time_s: row.time_s,
                map_mmhg: row.map_mmhg,
                flow_l_min: row.pump_flow_l_min,
                temp_arterial_c: row.temp_arterial_c,
                temp_venous_c: row.temp_venous_c,
                temp_core_c: row.temp_core_c,
                hct_pct: row.hct_pct,
                do2i_ml_min_m2: row.do2i_ml_min_m2,
            })
            .filter(VitalsSample::has_values)
            .collect();
        let mut team = vec![TeamMember {
            name: session.trainee,
            role: TeamRole::Student,
        }];
        if let Some(supervisor) = session.supervisor {
            team.push(TeamMember {
                name: supervisor,
                role: TeamRole::Supervising,
            });
        }
        let record = Record {
            case: Case {
                date: session.date,
                start_time: None,
                procedure: session.scenario,
                category: session.category,
                urgency: Urgency::Elective,
                kind: RecordKind::Training,
                patient: session.patient,
            },
            team,
            circuit: session.circuit,
            plan: PlanSettings::default(),
            timeline,
            labs,
            vitals,
            notes: None,
            pints: None,
        };
        validate(&record)?;
        Ok(record)
    }
}

/// Intervals during which a cumulative counter advanced: start = t − Δcounter when it starts
/// advancing, end = t_prev + Δcounter when it advances less than the clock.
fn counter_runs(
    rows: &[ObservationRow],
    counter: impl Fn(&ObservationRow) -> Option<f64>,
) -> Vec<(f64, f64)> {
    let mut runs = Vec::new();
    let mut open: Option<f64> = None;
    let first = &rows[0];
    let first_count = counter(first).unwrap_or(0.0);
    if first_count > COUNTER_EPSILON_S {
        open = Some(first.time_s - first_count);
    }
    for pair in rows.windows(2) {
        let (previous, current) = (&pair[0], &pair[1]);
        let advanced_s = counter(current).unwrap_or(0.0) - counter(previous).unwrap_or(0.0);
        let elapsed_s = current.time_s - previous.time_s;
        match open {
            Some(start_s) if advanced_s < elapsed_s - COUNTER_EPSILON_S => {
                runs.push((start_s, previous.time_s + advanced_s.max(0.0)));
                open = None;
            }
            Some(_) => {}
            None if advanced_s > COUNTER_EPSILON_S => {
                let start_s = current.time_s - advanced_s;
                open = Some(start_s);
            }
            None => {}
        }
    }
    if let Some(start_s) = open {
        runs.push((start_s, rows[rows.len() - 1].time_s));
    }
    runs
}
