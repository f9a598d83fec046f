//! The perfusion record as a document: what a perfusionist writes (or a simulator session
//! produces) and what is exported and imported.
//!
//! Everything here is plain data with `serde` derives; the same shape is read from TOML or JSON
//! record files, stored as the JSON body of a database row, and exported. Derived numbers (the
//! [`crate::plan::Plan`] and the [`crate::indicators::Indicators`]) are not part of the document:
//! they are recomputed from it, so they can never disagree with it.
//!
//! Times on the timeline, in the lab series and in the vitals trend are seconds from the start
//! of the record (`time_s`), the same clock as the simulator's observations.

use perfuse_clinical::body::{BsaMethod, bsa_m2};
use serde::{Deserialize, Serialize};

use crate::time::{ClockTime, Date, LocalDateTime};

/// One perfusion record: a clinical case or a simulator training session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// What was done, when, to whom.
    pub case: Case,
    /// Who ran the pump, in which role.
    pub team: Vec<TeamMember>,
    /// The extracorporeal circuit.
    pub circuit: Circuit,
    /// The planning settings the pre-bypass plan is computed from.
    #[serde(default)]
    pub plan: PlanSettings,
    /// Timed events, in non-decreasing `time_s` order.
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    /// Lab and monitor samples, in non-decreasing `time_s` order.
    #[serde(default)]
    pub labs: Vec<LabSample>,
    /// The monitored trend (MAP, flow, temperatures, Hct, DO2i), in non-decreasing `time_s`
    /// order, at most [`VitalsSample::MAX_SAMPLES`]; absent in records written before it
    /// existed and in paper records that did not chart it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vitals: Vec<VitalsSample>,
    /// Free-text notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The non-technical skills an educator rated (a training session); absent in records
    /// written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pints: Option<Pints>,
}

/// Non-technical skills rated with PINTS, the Perfusionists' Intraoperative Non-Technical
/// Skills tool (Dias RD, Riley W, Shann K, Likosky DS, Fitzgerald D, Yule S. *A tool to assess
/// nontechnical skills of perfusionists in the cardiac operating room*. J Thorac Cardiovasc
/// Surg 2023;165(4):1462–1469, doi:10.1016/j.jtcvs.2021.06.052): its four behavioural
/// categories, each rated on its 8-point scale from 0.5 to 4.0 in steps of 0.5.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pints {
    /// Decision making.
    pub decision_making: f64,
    /// Situation awareness.
    pub situation_awareness: f64,
    /// Task management and leadership.
    pub task_management_leadership: f64,
    /// Teamwork and communication.
    pub teamwork_communication: f64,
}

impl Pints {
    /// Lowest rating of the PINTS scale (Dias et al. 2023).
    pub const MIN: f64 = 0.5;
    /// Highest rating.
    pub const MAX: f64 = 4.0;
    /// Step between ratings.
    pub const STEP: f64 = 0.5;

    /// The categories: field name and rating.
    pub fn categories(&self) -> [(&'static str, f64); 4] {
        [
            ("decision_making", self.decision_making),
            ("situation_awareness", self.situation_awareness),
            (
                "task_management_leadership",
                self.task_management_leadership,
            ),
            ("teamwork_communication", self.teamwork_communication),
        ]
    }
}

/// The case: date, procedure, category, urgency and patient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Date of the operation (`YYYY-MM-DD`).
    pub date: Date,
    /// Local wall-clock time of `time_s` = 0 on `date` (`HH:MM` or `HH:MM:SS`), where known:
    /// what places a clock time (an HL7 lab result's observation time) on the record's
    /// timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<ClockTime>,
    /// Procedure, e.g. `CABG x3` or `AVR`.
    pub procedure: String,
    /// Case-log category.
    pub category: Category,
    /// Urgency of the operation.
    pub urgency: Urgency,
    /// Clinical case or simulator training session.
    #[serde(default)]
    pub kind: RecordKind,
    /// The patient (identity optional: absent when stored de-identified).
    pub patient: Patient,
}

/// Case-log category, as recertification bodies count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Adult cardiopulmonary bypass.
    Adult,
    /// Pediatric bypass (1 month to 18 years).
    Pediatric,
    /// Neonatal bypass (under 1 month).
    Neonatal,
    /// Extracorporeal membrane oxygenation.
    Ecmo,
    /// Ventricular assist device implant.
    Vad,
    /// Any other perfusion procedure (isolated limb perfusion, HIPEC, autotransfusion…).
    Other,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 6] = [
        Category::Adult,
        Category::Pediatric,
        Category::Neonatal,
        Category::Ecmo,
        Category::Vad,
        Category::Other,
    ];
}

/// Urgency of the operation (STS definitions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Scheduled.
    Elective,
    /// Same admission, not scheduled.
    Urgent,
    /// Before the next working day.
    Emergent,
    /// Ongoing CPR on the way to theatre.
    Salvage,
}

/// Whether a record is a real case or a simulator session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A real patient.
    #[default]
    Clinical,
    /// A simulator training session (see [`crate::observations`]).
    Training,
}

/// The patient: identity (optional) and the numbers the plan needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patient {
    /// Identifying data; `None` in a de-identified record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<PatientIdentity>,
    /// Age at operation, years (kept when de-identified).
    pub age_years: f64,
    /// Sex, where recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Height, cm.
    pub height_cm: f64,
    /// Weight, kg.
    pub weight_kg: f64,
    /// Pre-bypass haematocrit, %.
    pub hct_pct: f64,
}

impl Patient {
    /// Body surface area, m² (DuBois & DuBois 1916, as the simulator and calc use by default):
    /// the plan's target flow and the indicators' DO2i are indexed to it.
    pub fn bsa_m2(&self) -> f64 {
        bsa_m2(BsaMethod::DuBois, self.height_cm, self.weight_kg)
    }

    /// Removes the identifying fields; age, sex and body size stay (they are needed for the
    /// plan and the indicators).
    pub fn deidentify(&mut self) {
        self.identity = None;
    }
}

/// Identifying patient data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientIdentity {
    /// Medical record number.
    pub mrn: String,
    /// Full name.
    pub name: String,
    /// Date of birth.
    pub birth_date: Date,
}

/// Sex as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
}

/// One member of the perfusion team.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamMember {
    /// Name as used in the case log (the same spelling every time).
    pub name: String,
    /// Role on this case.
    pub role: TeamRole,
}

/// Role of a team member on a case; each counts towards that person's case log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    /// Ran the pump.
    Primary,
    /// Assisted the primary perfusionist.
    Assisting,
    /// Supervised a student who ran the pump.
    Supervising,
    /// Student perfusionist (ran the pump under supervision, or trained on the simulator).
    Student,
}

impl TeamRole {
    /// Every role, in display order.
    pub const ALL: [TeamRole; 4] = [
        TeamRole::Primary,
        TeamRole::Assisting,
        TeamRole::Supervising,
        TeamRole::Student,
    ];

    /// The snake_case name used in files, the database and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            TeamRole::Primary => "primary",
            TeamRole::Assisting => "assisting",
            TeamRole::Supervising => "supervising",
            TeamRole::Student => "student",
        }
    }
}

/// The extracorporeal circuit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Circuit {
    /// Arterial pump type.
    pub pump: PumpKind,
    /// Pump console model, e.g. `Stöckert S5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pump_model: Option<String>,
    /// Oxygenator model.
    pub oxygenator: String,
    /// Prime composition; the prime volume is the sum.
    pub prime: Vec<PrimeComponent>,
    /// Haematocrit of the prime, % (0 for a clear prime).
    #[serde(default)]
    pub prime_hct_pct: f64,
    /// Cannulae.
    #[serde(default)]
    pub cannulae: Vec<Cannula>,
}

impl Circuit {
    /// Total prime volume, mL.
    pub fn prime_volume_ml(&self) -> f64 {
        self.prime.iter().map(|component| component.volume_ml).sum()
    }
}

/// Arterial pump type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PumpKind {
    /// Occlusive roller pump.
    Roller,
    /// Centrifugal pump.
    Centrifugal,
}

/// One component of the prime.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrimeComponent {
    /// Fluid or drug, e.g. `Plasma-Lyte A`, `mannitol 20%`.
    pub name: String,
    /// Volume, mL.
    pub volume_ml: f64,
}

/// One cannula.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cannula {
    /// Site, e.g. `ascending aorta`, `right atrium (two-stage)`, `femoral vein`.
    pub site: String,
    /// Size, French.
    pub size_fr: f64,
}

/// Settings the pre-bypass plan is computed from (defaults: adult normothermic practice).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanSettings {
    /// Target cardiac index on bypass, L/min/m².
    pub cardiac_index_l_min_m2: f64,
    /// Estimated blood volume per kg, mL/kg.
    pub ebv_ml_per_kg: f64,
    /// Initial heparin dose, units/kg.
    pub heparin_units_per_kg: f64,
    /// Crystalloid expected before and at the start of bypass besides the prime, mL.
    pub planned_fluids_ml: f64,
}

impl Default for PlanSettings {
    fn default() -> PlanSettings {
        PlanSettings {
            cardiac_index_l_min_m2: 2.4,
            ebv_ml_per_kg: 70.0,
            heparin_units_per_kg: 300.0,
            planned_fluids_ml: 0.0,
        }
    }
}

/// A timed event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    /// Seconds from the start of the record.
    pub time_s: f64,
    /// What happened.
    pub event: Event,
}

/// What happened at a point of the timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// Bypass started (full flow reached is not required).
    BypassOn,
    /// Bypass ended.
    BypassOff,
    /// Aortic cross-clamp applied.
    CrossClampOn,
    /// Aortic cross-clamp removed.
    CrossClampOff,
    /// Pump flow set to a new value, L/min.
    PumpFlow {
        /// Arterial pump flow, L/min.
        flow_l_min: f64,
    },
    /// A cardioplegia dose.
    Cardioplegia {
        /// Solution, e.g. `del Nido`, `4:1 blood`.
        solution: String,
        /// Volume delivered, mL.
        volume_ml: f64,
        /// Route: `antegrade`, `retrograde`, `ostial`…
        route: String,
    },
    /// A drug given.
    Drug {
        /// Drug name.
        name: String,
        /// Dose in `unit`.
        dose: f64,
        /// Unit of the dose (`mg`, `units`, `mcg`…).
        unit: String,
    },
    /// A fluid added to the circuit or given to the patient.
    Fluid {
        /// Fluid name.
        name: String,
        /// Volume, mL.
        volume_ml: f64,
    },
    /// A blood product transfused.
    BloodProduct {
        /// Which product.
        product: BloodProductKind,
        /// Number of units.
        units: f64,
        /// Volume, mL.
        volume_ml: f64,
    },
    /// Urine measured since the previous measurement.
    Urine {
        /// Volume, mL.
        volume_ml: f64,
    },
    /// Anything else worth recording (an alarm, a complication, a phase change).
    Note {
        /// What happened.
        text: String,
    },
}

/// Blood product kinds counted in the transfusion indicators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BloodProductKind {
    /// Packed red blood cells.
    Prbc,
    /// Fresh frozen plasma.
    Ffp,
    /// Platelets.
    Platelets,
    /// Cryoprecipitate.
    Cryo,
    /// Whole blood.
    WholeBlood,
}

/// One lab or monitor sample; every value is optional, only what was measured is filled.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabSample {
    /// Seconds from the start of the record.
    pub time_s: f64,
    /// Arterial pH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ph: Option<f64>,
    /// Arterial PO2, mmHg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pao2_mmhg: Option<f64>,
    /// Arterial PCO2, mmHg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paco2_mmhg: Option<f64>,
    /// Arterial O2 saturation, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sao2_pct: Option<f64>,
    /// Venous O2 saturation, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub svo2_pct: Option<f64>,
    /// Haemoglobin, g/dL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hb_g_dl: Option<f64>,
    /// Haematocrit, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hct_pct: Option<f64>,
    /// Potassium, mmol/L.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k_mmol_l: Option<f64>,
    /// Glucose, mmol/L.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glucose_mmol_l: Option<f64>,
    /// Lactate, mmol/L.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lactate_mmol_l: Option<f64>,
    /// Activated clotting time, s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_s: Option<f64>,
}

/// One sample of the monitored trend, as a perfusion chart records it every few minutes (or the
/// simulator once a minute); every value is optional, a paper record fills what it charted.
/// Names and units are those of the simulator's observations (docs/data-dictionary.md), except
/// `flow_l_min`, the arterial pump flow (`pump_flow_l_min` there).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VitalsSample {
    /// Seconds from the start of the record.
    pub time_s: f64,
    /// Mean arterial pressure, mmHg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_mmhg: Option<f64>,
    /// Arterial pump flow, L/min.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_l_min: Option<f64>,
    /// Arterial outlet (oxygenator) blood temperature, °C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temp_arterial_c: Option<f64>,
    /// Venous return blood temperature, °C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temp_venous_c: Option<f64>,
    /// Patient core (nasopharyngeal) temperature, °C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temp_core_c: Option<f64>,
    /// Haematocrit from an in-line monitor (or the simulator), %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hct_pct: Option<f64>,
    /// Indexed oxygen delivery as the monitor (or the simulator) reports it, mL/min/m².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub do2i_ml_min_m2: Option<f64>,
}

impl VitalsSample {
    /// Most samples a record holds: one a minute for 24 hours. A longer run (ECMO) is charted
    /// more coarsely; [`crate::observations`] downsamples to fit, validation refuses more.
    pub const MAX_SAMPLES: usize = 24 * 60;

    /// Whether the sample holds any value besides its time.
    pub fn has_values(&self) -> bool {
        *self
            != VitalsSample {
                time_s: self.time_s,
                ..VitalsSample::default()
            }
    }
}

impl Record {
    /// The local date and time of `time_s` = 0, when the record has a `case.start_time`.
    pub fn start(&self) -> Option<LocalDateTime> {
        self.case.start_time.map(|time| LocalDateTime {
            date: self.case.date,
            time,
        })
    }

    /// Names of everyone on the team with the given role.
    pub fn team_with_role(&self, role: TeamRole) -> impl Iterator<Item = &str> {
        self.team
            .iter()
            .filter(move |member| member.role == role)
            .map(|member| member.name.as_str())
    }

    /// Who ran the pump: the primary perfusionist, else a student (whose supervised case it
    /// is). A finalised record must have one; the case log and listings file it under them.
    pub fn primary_perfusionist(&self) -> Option<&str> {
        self.team_with_role(TeamRole::Primary)
            .next()
            .or_else(|| self.team_with_role(TeamRole::Student).next())
    }
}
