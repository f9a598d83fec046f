//! The output dictionary of a cohort: the columns of `patients`, `summary` and `timeseries`,
//! with units and fixed decimals, and their rows as text (CSV fields) and back.
//!
//! Numbers are rounded to their column's decimals once, here; the CSV and the Parquet files
//! carry the same values, and a patient re-run alone gives the same bytes.

use perfuse_scenario::observations;
use perfuse_sim::Observations;

use crate::cohort::RunSummary;
use crate::population::Patient;
use crate::spec::{Param, Spec};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A whole number.
    Int,
    /// A number with this many decimals.
    Float(usize),
    /// Text (never tabs or newlines).
    Text,
}

/// One output column; every value may be missing (a failed run has no metrics).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Name, unit included.
    pub name: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Meaning, one line.
    pub doc: &'static str,
    /// Type.
    pub kind: Kind,
}

/// One value.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Whole number.
    Int(i64),
    /// Number, already rounded to its column's decimals.
    Float(f64),
    /// Text.
    Text(String),
    /// Missing.
    Null,
}

const fn col(name: &'static str, unit: &'static str, kind: Kind, doc: &'static str) -> Column {
    Column {
        name,
        unit,
        doc,
        kind,
    }
}

use Kind::{Float, Int, Text};

/// `patients`: one row per patient, the inputs exactly as simulated.
pub static PATIENT_COLUMNS: &[Column] = &[
    col(
        "patient_id",
        "",
        Int,
        "0-based patient number (`--only ID`)",
    ),
    col("sex", "", Text, "male or female"),
    col("age_years", "years", Float(1), "age"),
    col("height_cm", "cm", Float(1), "height"),
    col("weight_kg", "kg", Float(1), "weight = BMI × height²"),
    col("bmi_kg_m2", "kg/m2", Float(1), "body-mass index drawn"),
    col("bsa_m2", "m2", Float(2), "body-surface area (DuBois)"),
    col("hct_pct", "%", Float(1), "pre-operative hematocrit"),
    col(
        "heparin_sensitivity",
        "ratio",
        Float(2),
        "ACT slope × normal",
    ),
    col(
        "contractility",
        "ratio",
        Float(2),
        "contractility × baseline",
    ),
    col(
        "vascular_tone",
        "ratio",
        Float(2),
        "vascular tone × baseline",
    ),
    col(
        "metabolic_rate",
        "ratio",
        Float(2),
        "metabolic rate × normal",
    ),
    col(
        "redraws",
        "",
        Int,
        "whole-patient redraws for a weight within 2–250 kg",
    ),
    col(
        "error",
        "",
        Text,
        "why no patient could be drawn (empty when drawn)",
    ),
];

/// `summary`: one row per patient × arm.
pub static SUMMARY_COLUMNS: &[Column] = &[
    col("patient_id", "", Int, "patient number"),
    col("arm", "", Text, "arm name"),
    col(
        "sim_seed",
        "",
        Int,
        "the simulator's seed (same for every arm of a patient)",
    ),
    col(
        "nadir_hct_pct",
        "%",
        Float(1),
        "lowest Hct on full bypass (venous line open, before the wean)",
    ),
    col(
        "nadir_do2i_ml_min_m2",
        "mL/min/m2",
        Float(1),
        "lowest DO2i on full bypass",
    ),
    col(
        "minutes_do2i_below_272",
        "min",
        Float(1),
        "minutes on full bypass with DO2i < 272 mL/min/m² (Ranucci 2005)",
    ),
    col(
        "peak_lactate_mmol_l",
        "mmol/L",
        Float(2),
        "highest arterial lactate",
    ),
    col(
        "final_lactate_mmol_l",
        "mmol/L",
        Float(2),
        "lactate at the end of the scenario",
    ),
    col(
        "min_map_bypass_mmhg",
        "mmHg",
        Float(1),
        "lowest MAP on full bypass",
    ),
    col("objectives_met", "", Int, "scenario objectives met"),
    col("objectives_total", "", Int, "scenario objectives"),
    col("alarms_raised", "", Int, "alarm onsets"),
    col(
        "events_ignored",
        "",
        Int,
        "scenario events the simulation ignored",
    ),
    col(
        "error",
        "",
        Text,
        "why the run could not happen (empty when it ran)",
    ),
];

/// Columns of `timeseries`: patient and arm, then the data dictionary of `perfuse run`.
pub fn timeseries_columns() -> Vec<Column> {
    let mut columns = vec![
        col("patient_id", "", Int, "patient number"),
        col("arm", "", Text, "arm name"),
    ];
    columns.extend(observations::COLUMNS.iter().map(|c| Column {
        name: c.name,
        unit: c.unit,
        doc: c.doc,
        kind: if c.is_numeric() { Float(3) } else { Text },
    }));
    columns
}

fn float(value: f64, decimals: usize) -> Cell {
    if value.is_finite() {
        let text = format!("{value:.decimals$}");
        Cell::Float(text.parse().unwrap_or(value))
    } else {
        Cell::Null
    }
}

fn text(value: &str) -> Cell {
    Cell::Text(value.replace(['\t', '\n', '\r'], " "))
}

/// The `patients` row of patient `id` (drawn, or the reason it could not be).
pub fn patient_row(id: u32, drawn: &Result<Patient, String>) -> Vec<Cell> {
    let mut row = vec![Cell::Int(i64::from(id))];
    match drawn {
        Ok(p) => {
            row.push(text(p.sex.name()));
            let v = |param: Param| float(p.get(param), param.decimals() as usize);
            row.extend([
                v(Param::AgeYears),
                v(Param::HeightCm),
                float(p.weight_kg(), 1),
                v(Param::BmiKgM2),
                float(p.bsa_m2(), 2),
                v(Param::HctPct),
                v(Param::HeparinSensitivity),
                v(Param::Contractility),
                v(Param::VascularTone),
                v(Param::MetabolicRate),
                Cell::Int(i64::from(p.redraws)),
                Cell::Null,
            ]);
        }
        Err(e) => {
            row.extend(std::iter::repeat_n(Cell::Null, PATIENT_COLUMNS.len() - 2));
            row.push(text(e));
        }
    }
    row
}

/// The `summary` row of a run.
pub fn summary_row(spec: &Spec, run: &RunSummary) -> Vec<Cell> {
    let mut row = vec![
        Cell::Int(i64::from(run.patient)),
        text(&spec.arms[run.arm].name),
        Cell::Int(run.sim_seed as i64),
    ];
    let maybe = |v: Option<f64>, d| v.map_or(Cell::Null, |v| float(v, d));
    let int = |v: u32| Cell::Int(i64::from(v));
    match &run.outcome {
        Ok(m) => row.extend([
            maybe(m.nadir_hct_pct, 1),
            maybe(m.nadir_do2i_ml_min_m2, 1),
            float(m.minutes_do2i_below_272, 1),
            float(m.peak_lactate_mmol_l, 2),
            float(m.final_lactate_mmol_l, 2),
            maybe(m.min_map_bypass_mmhg, 1),
            int(m.objectives_met),
            int(m.objectives_total),
            int(m.alarms_raised),
            int(m.events_ignored),
            Cell::Null,
        ]),
        Err(e) => {
            row.extend(std::iter::repeat_n(Cell::Null, SUMMARY_COLUMNS.len() - 4));
            row.push(text(e));
        }
    }
    row
}

/// Appends the `timeseries` row of one observation as CSV fields (no newline).
pub fn write_timeseries_row(patient: u32, arm: &str, obs: &Observations, out: &mut String) {
    out.push_str(&patient.to_string());
    out.push(',');
    push_csv_field(arm, out);
    out.push(',');
    observations::write_csv_row(obs, out);
}

impl Cell {
    /// The value as CSV field text (empty when missing), quoted when it must be.
    pub fn write_csv(&self, column: &Column, out: &mut String) {
        match self {
            Cell::Int(i) => out.push_str(&i.to_string()),
            Cell::Float(v) => {
                let decimals = match column.kind {
                    Float(d) => d,
                    _ => 3,
                };
                let text = format!("{v:.decimals$}");
                // "-0.0" is a rounding artefact, not a sign.
                if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
                    out.push_str(&text[1..]);
                } else {
                    out.push_str(&text);
                }
            }
            Cell::Text(t) => push_csv_field(t, out),
            Cell::Null => {}
        }
    }

    /// Reads back a field written by [`Cell::write_csv`].
    pub fn parse_csv(column: &Column, field: &str) -> Result<Cell, String> {
        if field.is_empty() {
            return Ok(Cell::Null);
        }
        let bad = || format!("{}: {field:?} is not a valid value", column.name);
        match column.kind {
            Int => field.parse().map(Cell::Int).map_err(|_| bad()),
            Float(_) => field.parse().map(Cell::Float).map_err(|_| bad()),
            Text => Ok(Cell::Text(unquote(field))),
        }
    }

    /// The number, if any.
    pub fn number(&self) -> Option<f64> {
        match *self {
            Cell::Int(i) => Some(i as f64),
            Cell::Float(v) => Some(v),
            _ => None,
        }
    }
}

/// One row as a CSV line (no newline).
pub fn write_csv_row(columns: &[Column], row: &[Cell], out: &mut String) {
    for (i, (column, cell)) in columns.iter().zip(row).enumerate() {
        if i > 0 {
            out.push(',');
        }
        cell.write_csv(column, out);
    }
}

/// The CSV header line (no newline).
pub fn csv_header(columns: &[Column]) -> String {
    columns.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
}

/// Splits a CSV line written by [`write_csv_row`] and reads each field.
pub fn parse_csv_row(columns: &[Column], line: &str) -> Result<Vec<Cell>, String> {
    let fields = split_csv(line);
    if fields.len() != columns.len() {
        return Err(format!(
            "{} fields where {} columns were expected",
            fields.len(),
            columns.len()
        ));
    }
    columns
        .iter()
        .zip(fields)
        .map(|(c, f)| Cell::parse_csv(c, f))
        .collect()
}

fn push_csv_field(text: &str, out: &mut String) {
    if text.contains([',', '"']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

fn unquote(field: &str) -> String {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => field.to_owned(),
    }
}

/// Fields of one line; quoted fields may hold commas and doubled quotes.
fn split_csv(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                fields.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(&line[start..]);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_csv_exactly() {
        let row = vec![
            Cell::Int(3),
            Cell::Text("CI 2.2, \"low\"".into()),
            Cell::Int(12345),
            float(24.449_999, 1),
            Cell::Null,
        ];
        let columns = &SUMMARY_COLUMNS[..5];
        let mut line = String::new();
        write_csv_row(columns, &row, &mut line);
        assert_eq!(line, "3,\"CI 2.2, \"\"low\"\"\",12345,24.4,");
        assert_eq!(parse_csv_row(columns, &line).unwrap(), row);
        assert!(parse_csv_row(columns, "3,a,1").is_err());
        assert_eq!(float(-0.04, 1), Cell::Float(-0.0));
        let mut zero = String::new();
        Cell::Float(-0.0).write_csv(&SUMMARY_COLUMNS[3], &mut zero);
        assert_eq!(zero, "0.0");
    }
}
