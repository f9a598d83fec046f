//! The quantities a target can read: every column of the `perfuse run` data dictionary, plus a
//! few derived from them (cardiac index, O2 extraction, DO2i/VCO2i) that the literature
//! reports but the table does not carry.

use perfuse_clinical::body::{BsaMethod, bsa_m2};
use perfuse_scenario::observations::{self, Cell};
use perfuse_sim::{Observations, PatientConfig};

/// A sampled value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A finite number.
    Number(f64),
    /// Text (phase, rhythm, alarms).
    Text(String),
}

/// A quantity computed from columns.
pub struct Derived {
    /// Name, unit included.
    pub name: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// How it is computed, for the report.
    pub formula: &'static str,
    read: fn(&Observations, &Body) -> Option<f64>,
}

/// What derived quantities need to know about the patient.
pub(crate) struct Body {
    bsa_m2: f64,
}

impl Body {
    pub(crate) fn of(patient: &PatientConfig) -> Body {
        Body {
            bsa_m2: bsa_m2(BsaMethod::DuBois, patient.height_cm, patient.weight_kg),
        }
    }
}

/// The derived quantities, in the report's order.
pub static DERIVED: &[Derived] = &[
    Derived {
        name: "ci_l_min_m2",
        unit: "L/min/m2",
        formula: "cardiac_output_l_min / BSA (DuBois, as the simulator)",
        read: |o, body| Some(o.cardiac_output_l_min / body.bsa_m2),
    },
    Derived {
        name: "o2er_pct",
        unit: "%",
        formula: "100 · (sao2_pct − svo2_pct) / sao2_pct (empty while svo2_pct is)",
        read: |o, _| o.svo2_pct.map(|sv| 100.0 * (o.sao2_pct - sv) / o.sao2_pct),
    },
    Derived {
        name: "do2i_vco2i_ratio",
        unit: "",
        formula: "do2i_ml_min_m2 / vco2i_ml_min_m2",
        read: |o, _| Some(o.do2i_ml_min_m2 / o.vco2i_ml_min_m2),
    },
];

fn derived(name: &str) -> Option<&'static Derived> {
    DERIVED.iter().find(|d| d.name == name)
}

/// Whether the simulator provides this quantity (a column or a derived quantity).
pub fn is_known(name: &str) -> bool {
    observations::column(name).is_some() || derived(name).is_some()
}

/// Whether the quantity is text (rhythm, phase, alarms).
pub fn is_text(name: &str) -> bool {
    observations::column(name).is_some_and(|c| !c.is_numeric())
}

/// Units by name suffix, most specific first, for columns the simulator does not have yet
/// (names carry their unit: `temp_periphery_c`, `colloid_osmotic_mmhg`).
const SUFFIX_UNITS: &[(&str, &str)] = &[
    ("_ml_min_m2", "mL/min/m2"),
    ("_mmol_l", "mmol/L"),
    ("_l_min", "L/min"),
    ("_mmhg", "mmHg"),
    ("_pct", "%"),
    ("_ml", "mL"),
    ("_c", "°C"),
    ("_s", "s"),
];

/// The unit, as written in the data dictionary (empty for text and ratios).
pub fn unit(name: &str) -> &'static str {
    observations::column(name)
        .map(|c| c.unit)
        .or_else(|| derived(name).map(|d| d.unit))
        .or_else(|| {
            SUFFIX_UNITS
                .iter()
                .find(|(suffix, _)| name.ends_with(suffix))
                .map(|(_, unit)| *unit)
        })
        .unwrap_or("")
}

/// The value of a known quantity at one instant; `None` when not applicable (an empty field).
pub(crate) fn read(name: &str, obs: &Observations, body: &Body) -> Option<Value> {
    if let Some(column) = observations::column(name) {
        return match column.cell(obs) {
            Cell::Number(x) => Some(Value::Number(x)),
            Cell::Text(text) => Some(Value::Text(text)),
            Cell::Empty => None,
        };
    }
    let d = derived(name)?;
    (d.read)(obs, body)
        .filter(|x| x.is_finite())
        .map(Value::Number)
}
