//! A spec bound to its base scenario: from (patient, arm) to a scenario, and from a run to its
//! summary metrics.
//!
//! Each patient × arm scenario is the base scenario's TOML edited and parsed again by
//! `perfuse_scenario::parse`, so every value passes the same checks as a hand-written file:
//! - `[patient]` is replaced by the drawn patient (what the population leaves out gets the
//!   model's defaults for the age and size, as in any scenario file);
//! - doses a perfusionist sizes for the patient are scaled: every flow (`start-bypass`,
//!   `set-flow`, `set-sweep`, the circuit's `sweep_l_min`) by the patient's BSA over the base
//!   patient's — or, in an arm with `flow_index_l_min_m2`, so that the `start-bypass` flow is
//!   that index × BSA — and `heparin`, `protamine`, `cardioplegia` and `return-volume` by weight
//!   (per-kg dosing: heparin 300–400 U/kg; Gravlee ch. 21), del Nido cardioplegia by its
//!   capped rule (20 mL/kg up to 1000 mL);
//!   blood, fluids and drugs are given as written;
//! - the arm's `circuit` keys are set, its `remove_actions` dropped and its `events` added;
//! - sampled contractility, vascular tone and metabolic rate become instructor events at
//!   0:00:00;
//! - the scenario's seed becomes the patient's simulation seed.

use perfuse_clinical::body::{BsaMethod, Sex, bsa_m2};
use perfuse_clinical::oxygen::CRITICAL_DO2I_ML_MIN_M2;
use perfuse_scenario::{Run, RunOptions, Scenario};
use perfuse_sim::{Observations, Phase};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::population::{Patient, Stream, derive_seed};
use crate::spec::{Arm, Param, Spec, SpecError};

/// Actions whose amount is per kg, and the field scaled.
const WEIGHT_DOSED: [(&str, &str); 4] = [
    ("heparin", "units"),
    ("protamine", "mg"),
    ("cardioplegia", "ml"),
    ("return-volume", "ml"),
];

/// del Nido cardioplegia: 20 mL/kg up to 1000 mL (Matte GS & del Nido PJ, J Extra Corpor
/// Technol 2012;44:98). An adult base scenario's 1000 mL is the cap, not 12.5 mL/kg: scaled
/// by weight alone it under-doses a small adult (574 mL for 46 kg instead of 918), whose heart
/// then wakes and fibrillates under the clamp.
const DEL_NIDO_ML_PER_KG: f64 = 20.0;
/// The largest del Nido dose, mL (Matte & del Nido 2012).
const DEL_NIDO_MAX_ML: f64 = 1000.0;

/// The del Nido dose of a patient of `weight_kg`, mL.
fn del_nido_ml(weight_kg: f64) -> f64 {
    (DEL_NIDO_ML_PER_KG * weight_kg).min(DEL_NIDO_MAX_ML)
}

/// Actions whose amount follows the pump flow (the sweep keeps its gas:blood ratio).
const FLOW_DOSED: [(&str, &str); 3] = [
    ("start-bypass", "flow_l_min"),
    ("set-flow", "flow_l_min"),
    ("set-sweep", "l_min"),
];

/// The population factors and the instructor action each becomes.
const FACTOR_ACTIONS: [(Param, &str); 3] = [
    (Param::Contractility, "set-contractility"),
    (Param::VascularTone, "set-vascular-tone"),
    (Param::MetabolicRate, "set-metabolic-rate"),
];

/// Seconds after `start-bypass` before full bypass is counted: the pump's ramp to full flow
/// takes about 30 s in the model; clinically initiation takes 1–2 min (Gravlee ch. 19).
pub const INITIATION_S: f64 = 60.0;

/// A spec with its base scenario, ready to run patients.
pub struct Cohort {
    spec: Spec,
    base: DocumentMut,
    base_file: String,
    base_bsa_m2: f64,
    base_weight_kg: f64,
    /// The base scenario's `start-bypass` flow, L/min (needed by flow-index arms).
    base_start_flow_l_min: Option<f64>,
}

/// How one patient went through one arm.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    /// Patient number.
    pub patient: u32,
    /// Index of the arm in the spec.
    pub arm: usize,
    /// Seed of the simulator (the same for every arm of a patient).
    pub sim_seed: u64,
    /// The metrics, or why the run could not happen (the patient's scenario was refused).
    pub outcome: Result<Metrics, String>,
}

/// Summary metrics of a run, on the 1 s grid of the objectives. "Full bypass" is the bypass
/// phase from [`INITIATION_S`] after it starts, with the venous line open: neither the
/// initiation, while the pump ramps up and the heart still ejects, nor the wean, when the
/// occluder closes and the flow is brought down on purpose, is where a nadir DO2i means
/// inadequate perfusion (Ranucci 2005 and de Somer 2011 take the nadir during bypass at full
/// flow).
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// Lowest Hct on full bypass, % (`None` if never on full bypass).
    pub nadir_hct_pct: Option<f64>,
    /// Lowest DO2i on full bypass, mL/min/m².
    pub nadir_do2i_ml_min_m2: Option<f64>,
    /// Minutes on full bypass with DO2i below 272 mL/min/m² (Ranucci 2005).
    pub minutes_do2i_below_272: f64,
    /// Highest arterial lactate of the run, mmol/L.
    pub peak_lactate_mmol_l: f64,
    /// Lactate at the end of the run, mmol/L.
    pub final_lactate_mmol_l: f64,
    /// Lowest MAP on full bypass, mmHg.
    pub min_map_bypass_mmhg: Option<f64>,
    /// Objectives met.
    pub objectives_met: u32,
    /// Objectives of the scenario.
    pub objectives_total: u32,
    /// Alarm onsets.
    pub alarms_raised: u32,
    /// Events the simulation ignored (e.g. a wean step after bypass ended).
    pub events_ignored: u32,
}

impl Cohort {
    /// Binds `spec` to the base scenario's text. Fails when the base scenario does not parse,
    /// or when an arm applied to the base scenario's own patient does not (the error then
    /// names the arm and the scenario field).
    pub fn new(spec: Spec, scenario_text: &str, scenario_file: &str) -> Result<Cohort, SpecError> {
        let spec_error = |field: String, message: String| SpecError {
            file: scenario_file.to_owned(),
            line: 0,
            field,
            message,
        };
        let scenario =
            perfuse_scenario::parse(scenario_text, scenario_file).map_err(|e| SpecError {
                file: e.file,
                line: e.line,
                field: e.field,
                message: e.message,
            })?;
        let base: DocumentMut = scenario_text
            .parse()
            .map_err(|e| spec_error(String::new(), format!("{e}")))?;
        if base
            .get("events")
            .is_some_and(|events| events.as_array_of_tables().is_none())
        {
            return Err(spec_error(
                "events".into(),
                "a cohort's base scenario writes its events as [[events]] tables".into(),
            ));
        }
        let base_start_flow_l_min = events(&base)
            .and_then(|events| {
                events
                    .iter()
                    .find(|t| t.get("action").and_then(Item::as_str) == Some("start-bypass"))
            })
            .and_then(|t| t.get("flow_l_min"))
            .and_then(number);
        let cohort = Cohort {
            base_bsa_m2: bsa_m2(
                BsaMethod::DuBois,
                scenario.patient.height_cm,
                scenario.patient.weight_kg,
            ),
            base_weight_kg: scenario.patient.weight_kg,
            spec,
            base,
            base_file: scenario_file.to_owned(),
            base_start_flow_l_min,
        };
        for (i, arm) in cohort.spec.arms.iter().enumerate() {
            if arm.flow_index_l_min_m2.is_some() && base_start_flow_l_min.is_none() {
                return Err(spec_error(
                    format!("arms[{i}].flow_index_l_min_m2"),
                    "the base scenario has no start-bypass event to scale".into(),
                ));
            }
            let doc = cohort.edit(arm, None, scenario.seed);
            perfuse_scenario::parse(&doc.to_string(), scenario_file).map_err(|e| SpecError {
                file: scenario_file.to_owned(),
                line: 0,
                field: format!("arms[{i}] ({}): {}", arm.name, e.field),
                message: e.message,
            })?;
        }
        Ok(cohort)
    }

    /// The spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Draws patient `id`.
    pub fn patient(&self, id: u32) -> Result<Patient, String> {
        Patient::draw(&self.spec.population, self.spec.seed, id)
    }

    /// The simulator seed of patient `id` (shared by its arms: common random numbers, so an
    /// arm difference is the protocol's, not the dice's). 53 bits, so it survives the
    /// scenario file's numbers exactly.
    pub fn sim_seed(&self, id: u32) -> u64 {
        derive_seed(self.spec.seed, id, Stream::Simulation) >> 11
    }

    /// The scenario of `patient` in arm `arm`.
    pub fn scenario(&self, patient: &Patient, arm: usize) -> Result<Scenario, String> {
        let doc = self.edit(
            &self.spec.arms[arm],
            Some(patient),
            self.sim_seed(patient.id),
        );
        perfuse_scenario::parse(&doc.to_string(), &self.base_file).map_err(|e| {
            let field = if e.field.is_empty() {
                String::new()
            } else {
                format!("{}: ", e.field)
            };
            format!("{field}{}", e.message)
        })
    }

    /// The base document with `arm` applied and, if given, `patient` in it.
    fn edit(&self, arm: &Arm, patient: Option<&Patient>, seed: u64) -> DocumentMut {
        let mut doc = self.base.clone();
        let (bsa_m2, weight_kg) = patient.map_or((self.base_bsa_m2, self.base_weight_kg), |p| {
            (p.bsa_m2(), p.weight_kg())
        });
        let flow_factor = match (arm.flow_index_l_min_m2, self.base_start_flow_l_min) {
            (Some(index), Some(start)) if start > 0.0 => index * bsa_m2 / start,
            _ => bsa_m2 / self.base_bsa_m2,
        };
        let weight_factor = weight_kg / self.base_weight_kg;
        if let Some(table) = doc.get_mut("scenario").and_then(Item::as_table_mut) {
            table["seed"] = value(seed as i64);
        }
        if let Some(patient) = patient {
            doc["patient"] = Item::Table(patient_table(patient));
        }
        if let Some(circuit) = doc.get_mut("circuit").and_then(Item::as_table_mut) {
            scale(circuit, "sweep_l_min", flow_factor);
            for (key, v) in &arm.circuit {
                if let Ok(parsed) = v.to_string().parse::<toml_edit::Value>() {
                    circuit[key.as_str()] = Item::Value(parsed);
                }
            }
        }
        let mut added = ArrayOfTables::new();
        if let Some(patient) = patient {
            for (param, action) in FACTOR_ACTIONS {
                if self.spec.population.params[param as usize].is_some() {
                    let mut t = Table::new();
                    t["at"] = value("0:00:00");
                    t["action"] = value(action);
                    t["factor"] = value(patient.get(param));
                    added.push(t);
                }
            }
        }
        for event in &arm.events {
            let text = toml::to_string(event).unwrap_or_default();
            if let Ok(parsed) = text.parse::<DocumentMut>() {
                added.push(parsed.as_table().clone());
            }
        }
        let events = doc
            .entry("events")
            .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
        if let Some(events) = events.as_array_of_tables_mut() {
            events.retain(|t| {
                let action = t.get("action").and_then(Item::as_str).unwrap_or_default();
                !arm.remove_actions.iter().any(|r| r == action)
            });
            for t in events.iter_mut() {
                let action = t.get("action").and_then(Item::as_str).unwrap_or_default();
                let action = action.to_owned();
                for (name, field) in FLOW_DOSED {
                    if action == name {
                        scale(t, field, flow_factor);
                    }
                }
                for (name, field) in WEIGHT_DOSED {
                    if action == name {
                        let del_nido = action == "cardioplegia"
                            && t.get("kind").and_then(Item::as_str).unwrap_or("del-nido")
                                == "del-nido";
                        // del Nido follows its capped per-kg rule, relative to the base dose.
                        let factor = if del_nido {
                            del_nido_ml(weight_kg) / del_nido_ml(self.base_weight_kg)
                        } else {
                            weight_factor
                        };
                        scale(t, field, factor);
                    }
                }
            }
            // Population factors first, so an arm's own event at 0:00:00 wins.
            let mut all = added;
            for t in events.iter() {
                all.push(t.clone());
            }
            *events = all;
        }
        doc
    }

    /// Runs `patient` through arm `arm`, calling `on_sample` with every observation on the
    /// 1 s grid (for time series).
    pub fn run(
        &self,
        patient: &Patient,
        arm: usize,
        mut on_sample: impl FnMut(&Observations),
    ) -> RunSummary {
        let sim_seed = self.sim_seed(patient.id);
        let outcome = self.scenario(patient, arm).and_then(|scenario| {
            let options = RunOptions {
                every_ms: 1000,
                until_ms: None,
                seed: None,
            };
            let mut run = Run::new(&scenario, &options).map_err(|e| e.to_string())?;
            let mut nadir_hct: Option<f64> = None;
            let mut nadir_do2i: Option<f64> = None;
            let mut min_map: Option<f64> = None;
            let mut seconds_below: u32 = 0;
            let mut bypass_from_s: Option<f64> = None;
            let mut peak_lactate = f64::NEG_INFINITY;
            let mut final_lactate = f64::NAN;
            let lower = |slot: &mut Option<f64>, v: f64| {
                if v.is_finite() {
                    *slot = Some(slot.map_or(v, |s| s.min(v)));
                }
            };
            while let Some(obs) = run.next_sample() {
                let on_bypass = obs.phase == Phase::Bypass;
                if on_bypass && bypass_from_s.is_none() {
                    bypass_from_s = Some(obs.time_s);
                }
                let full_bypass = on_bypass
                    && bypass_from_s.is_some_and(|t| obs.time_s >= t + INITIATION_S)
                    && obs.venous_occlusion_pct == 0.0;
                if full_bypass {
                    lower(&mut nadir_hct, obs.hct_pct);
                    lower(&mut nadir_do2i, obs.do2i_ml_min_m2);
                    lower(&mut min_map, obs.map_mmhg);
                    if obs.do2i_ml_min_m2 < CRITICAL_DO2I_ML_MIN_M2 {
                        seconds_below += 1;
                    }
                }
                peak_lactate = peak_lactate.max(obs.lactate_mmol_l);
                final_lactate = obs.lactate_mmol_l;
                on_sample(&obs);
            }
            if !(peak_lactate.is_finite() && final_lactate.is_finite()) {
                return Err("the simulation produced a non-finite lactate".to_owned());
            }
            let scores = run.scores();
            Ok(Metrics {
                nadir_hct_pct: nadir_hct,
                nadir_do2i_ml_min_m2: nadir_do2i,
                minutes_do2i_below_272: f64::from(seconds_below) / 60.0,
                peak_lactate_mmol_l: peak_lactate,
                final_lactate_mmol_l: final_lactate,
                min_map_bypass_mmhg: min_map,
                objectives_met: scores.iter().filter(|s| s.met()).count() as u32,
                objectives_total: scores.len() as u32,
                alarms_raised: run.alarms_raised(),
                events_ignored: run.ignored_events().len() as u32,
            })
        });
        RunSummary {
            patient: patient.id,
            arm,
            sim_seed,
            outcome,
        }
    }
}

fn events(doc: &DocumentMut) -> Option<&ArrayOfTables> {
    doc.get("events").and_then(Item::as_array_of_tables)
}

fn number(item: &Item) -> Option<f64> {
    item.as_float()
        .or_else(|| item.as_integer().map(|i| i as f64))
}

fn scale(table: &mut Table, key: &str, factor: f64) {
    if let Some(v) = table.get(key).and_then(number) {
        table[key] = value(v * factor);
    }
}

fn patient_table(patient: &Patient) -> Table {
    let mut t = Table::new();
    t["sex"] = value(match patient.sex {
        Sex::Male => "male",
        Sex::Female => "female",
    });
    t["age_years"] = value(patient.get(Param::AgeYears));
    t["height_cm"] = value(patient.get(Param::HeightCm));
    t["weight_kg"] = value(patient.weight_kg());
    t["hct_pct"] = value(patient.get(Param::HctPct));
    t["heparin_sensitivity"] = value(patient.get(Param::HeparinSensitivity));
    t
}
