//! The observation table: the data-dictionary columns of `scenario.md`, in a fixed order,
//! and how each is read from [`Observations`] and written as CSV or JSON.
//!
//! This table is the wire format of `perfuse run`; the simulator's own types are not.

use std::fmt::Write;

use perfuse_sim::Observations;

/// One output column.
pub struct Column {
    /// Data-dictionary name, unit included (`map_mmhg`).
    pub name: &'static str,
    /// Unit as written in the data dictionary.
    pub unit: &'static str,
    /// What it means, one line (the data dictionary's words).
    pub doc: &'static str,
    read: Read,
}

enum Read {
    /// A number, printed with this many decimals.
    Number(fn(&Observations) -> f64, usize),
    /// A number that may be not applicable at this moment (empty field).
    Maybe(fn(&Observations) -> Option<f64>, usize),
    /// Text.
    Text(fn(&Observations) -> String),
}

impl std::fmt::Debug for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Columns are identified by their name (their readers are functions, not comparable).
impl PartialEq for Column {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A finite number.
    Number(f64),
    /// Text (phase, alarms).
    Text(String),
    /// Not applicable now.
    Empty,
}

impl Column {
    /// Whether the column may be empty (not applicable at some moments: SvO2 off bypass, a lab
    /// before its first result).
    pub fn may_be_empty(&self) -> bool {
        matches!(self.read, Read::Maybe(..))
    }

    /// Whether the column holds numbers (objectives can only watch those).
    pub fn is_numeric(&self) -> bool {
        !matches!(self.read, Read::Text(_))
    }

    /// The value of this column in `obs`. Non-finite numbers become [`Cell::Empty`], so no
    /// NaN ever reaches a file.
    pub fn cell(&self, obs: &Observations) -> Cell {
        let number = |value: f64| {
            if value.is_finite() {
                Cell::Number(value)
            } else {
                Cell::Empty
            }
        };
        match &self.read {
            Read::Number(read, _) => number(read(obs)),
            Read::Maybe(read, _) => read(obs).map_or(Cell::Empty, number),
            Read::Text(read) => Cell::Text(read(obs)),
        }
    }

    /// The numeric value, when there is one.
    pub fn number(&self, obs: &Observations) -> Option<f64> {
        match self.cell(obs) {
            Cell::Number(value) => Some(value),
            _ => None,
        }
    }

    fn decimals(&self) -> usize {
        match self.read {
            Read::Number(_, d) | Read::Maybe(_, d) => d,
            Read::Text(_) => 0,
        }
    }

    /// Appends the value as fixed-point decimal text (empty when not applicable).
    ///
    /// Fixed decimals per column keep files readable and byte-identical across machines even
    /// where the last bit of a libm function differs.
    fn write_plain(&self, obs: &Observations, out: &mut String) {
        match self.cell(obs) {
            Cell::Number(value) => {
                let text = format!("{value:.*}", self.decimals());
                // "-0.00" is a rounding artefact, not a sign.
                if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
                    out.push_str(&text[1..]);
                } else {
                    out.push_str(&text);
                }
            }
            Cell::Text(text) => out.push_str(&text),
            Cell::Empty => {}
        }
    }
}

macro_rules! columns {
    ($($name:ident : $unit:literal = $kind:ident $( ($($arg:tt)*) )? ; $doc:literal ),* $(,)?) => {
        /// Every column, `time_s` first, in output order.
        pub static COLUMNS: &[Column] = &[
            $( Column {
                name: stringify!($name),
                unit: $unit,
                doc: $doc,
                read: columns!(@read $kind $name $($($arg)*)?),
            } ),*
        ];
    };
    (@read num $name:ident $decimals:literal) => { Read::Number(|o| o.$name, $decimals) };
    // The post-oxygenator pressure is what consoles call "line pressure".
    (@read post $name:ident $decimals:literal) => {
        Read::Number(|o| o.arterial_line_pressure_mmhg, $decimals)
    };
    (@read text rhythm) => { Read::Text(|o| o.rhythm.name().to_owned()) };
    (@read maybe $name:ident $decimals:literal) => { Read::Maybe(|o| o.$name, $decimals) };
    (@read measured $name:ident $field:ident, $decimals:literal) => {
        Read::Maybe(|o| o.measured_abg.map(|g| g.$field), $decimals)
    };
    (@read text phase) => { Read::Text(|o| o.phase.name().to_owned()) };
    (@read text alarms) => {
        Read::Text(|o| {
            o.alarms.iter().fold(String::new(), |mut text, alarm| {
                if !text.is_empty() {
                    text.push(';');
                }
                let _ = write!(text, "{}:{}", alarm.priority.name(), alarm.code);
                text
            })
        })
    };
}

columns! {
    time_s: "s" = num(3) ; "simulated time since scenario start",
    phase: "" = text ; "`pre-bypass`, `bypass`, `post-bypass`",
    hr_bpm: "1/min" = num(1) ; "heart rate (0 in asystole, cardioplegic arrest or VF)",
    rhythm: "" = text ; "`sinus`, `junctional`, `av-block`, `asystole`, `vf`, `paced`",
    map_mmhg: "mmHg" = num(1) ; "mean arterial pressure",
    sbp_mmhg: "mmHg" = num(1) ; "systolic arterial pressure",
    dbp_mmhg: "mmHg" = num(1) ; "diastolic arterial pressure",
    cvp_mmhg: "mmHg" = num(1) ; "central venous pressure",
    cardiac_output_l_min: "L/min" = num(2) ; "native heart output",
    pump_flow_l_min: "L/min" = num(2) ; "arterial pump flow (0 off bypass; negative: retrograde)",
    pump_rpm: "1/min" = num(0) ; "pump head speed",
    arterial_line_pressure_mmhg: "mmHg" = num(1) ; "post-oxygenator (arterial line) pressure, what a console shows as \"line pressure\"",
    pre_oxygenator_pressure_mmhg: "mmHg" = num(1) ; "system pressure between pump and oxygenator",
    post_oxygenator_pressure_mmhg: "mmHg" = post(1) ; "after the oxygenator (same as `arterial_line_pressure_mmhg`)",
    oxygenator_dp_mmhg: "mmHg" = num(1) ; "pressure drop across the oxygenator (rises with clotting or failure)",
    pressure_limit_mmhg: "mmHg" = num(0) ; "arterial line pressure limit of the pump servo",
    venous_occlusion_pct: "%" = num(0) ; "venous line occluder (100 while the venous line is clamped)",
    air_to_patient_ml: "mL" = num(1) ; "cumulative air pumped into the patient (detector disarmed)",
    reservoir_volume_ml: "mL" = num(0) ; "venous reservoir level",
    sweep_l_min: "L/min" = num(2) ; "oxygenator gas flow",
    fio2_pct: "%" = num(0) ; "oxygenator gas FiO2 on bypass, ventilator FiO2 off bypass",
    sweep_co2_pct: "%" = num(1) ; "CO2 added to the sweep (pH-stat)",
    hct_pct: "%" = num(1) ; "arterial hematocrit",
    hb_g_dl: "g/dL" = num(2) ; "hemoglobin",
    pao2_mmhg: "mmHg" = num(1) ; "arterial PO2 at 37 °C (alpha-stat, as the analyser reports)",
    paco2_mmhg: "mmHg" = num(1) ; "arterial PCO2 at 37 °C (alpha-stat)",
    ph: "pH" = num(3) ; "arterial pH at 37 °C",
    pao2_tc_mmhg: "mmHg" = num(1) ; "arterial PO2 corrected to core temperature",
    paco2_tc_mmhg: "mmHg" = num(1) ; "arterial PCO2 corrected to core temperature (what pH-stat manages)",
    ph_tc: "pH" = num(3) ; "arterial pH corrected to core temperature",
    hco3_mmol_l: "mmol/L" = num(1) ; "bicarbonate",
    sbe_mmol_l: "mmol/L" = num(1) ; "standard base excess",
    sao2_pct: "%" = num(1) ; "arterial O2 saturation",
    svo2_pct: "%" = maybe(1) ; "mixed-venous O2 saturation (in-line monitor; on bypass only)",
    lactate_mmol_l: "mmol/L" = num(2) ; "arterial lactate",
    rso2_pct: "%" = num(1) ; "regional cerebral O2 saturation (NIRS)",
    k_mmol_l: "mmol/L" = num(2) ; "plasma potassium",
    act_s: "s" = num(0) ; "activated clotting time of the blood now (what a sample drawn now will read)",
    heparin_u_ml: "U/mL" = num(2) ; "plasma heparin concentration",
    temp_core_c: "°C" = num(2) ; "nasopharyngeal (core) temperature",
    temp_arterial_c: "°C" = num(2) ; "arterial outlet temperature",
    temp_venous_c: "°C" = num(2) ; "mixed-venous blood temperature",
    temp_periphery_c: "°C" = num(2) ; "peripheral (muscle, skin) temperature",
    temp_myocardium_c: "°C" = num(2) ; "myocardial (septal) temperature",
    temp_water_c: "°C" = maybe(2) ; "heater-cooler water temperature",
    do2i_ml_min_m2: "mL/min/m2" = num(0) ; "indexed oxygen delivery",
    vo2i_ml_min_m2: "mL/min/m2" = num(1) ; "indexed oxygen consumption",
    vco2i_ml_min_m2: "mL/min/m2" = num(1) ; "indexed CO2 elimination (oxygenator exhaust on bypass)",
    urine_ml: "mL" = num(0) ; "cumulative urine",
    cardioplegia_ml: "mL" = num(0) ; "cumulative cardioplegia delivered",
    cardioplegia_pressure_mmhg: "mmHg" = num(0) ; "aortic root pressure while cardioplegia is delivered (0 otherwise)",
    minutes_since_cardioplegia: "min" = maybe(1) ; "since the last dose finished (0 while delivering; empty before the first)",
    ultrafiltrate_ml: "mL" = num(0) ; "cumulative ultrafiltrate removed",
    fluid_in_ml: "mL" = num(0) ; "cumulative volume given: fluids, red cells, the crystalloid part of cardioplegia",
    fluid_out_ml: "mL" = num(0) ; "cumulative volume lost: urine, ultrafiltrate, bleeding",
    bypass_time_s: "s" = num(0) ; "cumulative bypass time",
    cross_clamp_time_s: "s" = num(0) ; "cumulative cross-clamp time",
    colloid_osmotic_mmhg: "mmHg" = num(1) ; "plasma colloid osmotic pressure",
    plasma_volume_ml: "mL" = num(0) ; "the patient's plasma volume",
    interstitial_ml: "mL" = num(0) ; "the patient's interstitial fluid volume",
    contractility_pct: "%" = num(0) ; "ventricular contractility after ischaemia (and instructor changes), % of the patient's own",
    measured_act_s: "s" = maybe(0) ; "last ACT result (empty until one comes back)",
    measured_ph: "pH" = measured(ph, 3) ; "last blood-gas result: pH",
    measured_pao2_mmhg: "mmHg" = measured(pao2_mmhg, 1) ; "last blood-gas result: PaO2",
    measured_paco2_mmhg: "mmHg" = measured(paco2_mmhg, 1) ; "last blood-gas result: PaCO2",
    measured_hct_pct: "%" = measured(hct_pct, 1) ; "last blood-gas result: Hct",
    measured_k_mmol_l: "mmol/L" = measured(k_mmol_l, 2) ; "last blood-gas result: K⁺",
    measured_lactate_mmol_l: "mmol/L" = measured(lactate_mmol_l, 2) ; "last blood-gas result: lactate",
    alarms: "" = text ; "active alarms, `;`-separated `priority:code`, highest priority first",
}

/// The column called `name`.
pub fn column(name: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.name == name)
}

/// The data dictionary as a Markdown table (`docs/data-dictionary.md`; a test keeps it current).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Data dictionary\n\n\
         Every column `perfuse run` writes, in this order (CSV header, JSON-lines keys; the live \
         console's frames carry the numeric ones). Generated from \
         `crates/perfuse-scenario/src/observations.rs` — edit there, then run \
         `UPDATE_DOCS=1 cargo test -p perfuse-scenario`.\n\n\
         A value that does not apply at that moment is an empty CSV field and `null` in JSON.\n\n\
         | column | unit | meaning |\n|---|---|---|\n",
    );
    for c in COLUMNS {
        let _ = writeln!(out, "| `{}` | {} | {} |", c.name, c.unit, c.doc);
    }
    out
}

/// The CSV header line (no newline).
pub fn csv_header() -> String {
    COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
}

/// Appends one CSV row (no newline). Text never contains commas or quotes (phase names and
/// `priority:code` alarm lists), so no quoting is needed.
pub fn write_csv_row(obs: &Observations, out: &mut String) {
    for (i, column) in COLUMNS.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        column.write_plain(obs, out);
    }
}

/// Appends one JSON object (no newline) with the same keys; not-applicable values are `null`.
pub fn write_json_row(obs: &Observations, out: &mut String) {
    out.push('{');
    for (i, column) in COLUMNS.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{}\":", column.name);
        match column.cell(obs) {
            Cell::Number(_) => column.write_plain(obs, out),
            Cell::Text(text) => {
                let _ = write!(
                    out,
                    "\"{}\"",
                    text.replace('\\', "\\\\").replace('"', "\\\"")
                );
            }
            Cell::Empty => out.push_str("null"),
        }
    }
    out.push('}');
}
