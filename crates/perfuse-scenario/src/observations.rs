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
    ($($name:ident : $unit:literal = $kind:ident $( ($decimals:literal) )? ),* $(,)?) => {
        /// Every column, `time_s` first, in output order.
        pub static COLUMNS: &[Column] = &[
            $( Column { name: stringify!($name), unit: $unit, read: columns!(@read $kind $name $($decimals)?) } ),*
        ];
    };
    (@read num $name:ident $decimals:literal) => { Read::Number(|o| o.$name, $decimals) };
    (@read maybe $name:ident $decimals:literal) => { Read::Maybe(|o| o.$name, $decimals) };
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
    time_s: "s" = num(3),
    phase: "" = text,
    hr_bpm: "1/min" = num(1),
    map_mmhg: "mmHg" = num(1),
    sbp_mmhg: "mmHg" = num(1),
    dbp_mmhg: "mmHg" = num(1),
    cvp_mmhg: "mmHg" = num(1),
    cardiac_output_l_min: "L/min" = num(2),
    pump_flow_l_min: "L/min" = num(2),
    pump_rpm: "1/min" = num(0),
    arterial_line_pressure_mmhg: "mmHg" = num(1),
    reservoir_volume_ml: "mL" = num(0),
    sweep_l_min: "L/min" = num(2),
    fio2_pct: "%" = num(0),
    hct_pct: "%" = num(1),
    hb_g_dl: "g/dL" = num(2),
    pao2_mmhg: "mmHg" = num(1),
    paco2_mmhg: "mmHg" = num(1),
    ph: "pH" = num(3),
    hco3_mmol_l: "mmol/L" = num(1),
    sbe_mmol_l: "mmol/L" = num(1),
    sao2_pct: "%" = num(1),
    svo2_pct: "%" = maybe(1),
    lactate_mmol_l: "mmol/L" = num(2),
    k_mmol_l: "mmol/L" = num(2),
    act_s: "s" = num(0),
    heparin_u_ml: "U/mL" = num(2),
    temp_core_c: "°C" = num(2),
    temp_arterial_c: "°C" = num(2),
    temp_venous_c: "°C" = num(2),
    temp_water_c: "°C" = maybe(2),
    do2i_ml_min_m2: "mL/min/m2" = num(0),
    vo2i_ml_min_m2: "mL/min/m2" = num(1),
    vco2i_ml_min_m2: "mL/min/m2" = num(1),
    urine_ml: "mL" = num(0),
    cardioplegia_ml: "mL" = num(0),
    fluid_in_ml: "mL" = num(0),
    fluid_out_ml: "mL" = num(0),
    bypass_time_s: "s" = num(0),
    cross_clamp_time_s: "s" = num(0),
    alarms: "" = text,
}

/// The column called `name`.
pub fn column(name: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.name == name)
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
