//! Virtual cohorts from Python: the rows of `perfuse cohort`'s `patients` and `summary`
//! tables for a range of patients, as CSV text (the CLI's writer, so the numbers and their
//! decimals are the CLI's).
//!
//! The files a spec names (its base scenario, empirical CSVs) are read once, by
//! [`cohort_files`] on the machine that has them; [`cohort_rows`] then takes their texts, so a
//! Ray worker elsewhere needs nothing but its arguments.

use std::collections::HashMap;
use std::path::Path;

use perfuse_cohort::Cohort;
use perfuse_cohort::table::{self, PATIENT_COLUMNS, SUMMARY_COLUMNS};
use pyo3::prelude::*;
use rayon::prelude::*;

use crate::simulation::value_error;

/// Reads the files `spec_text` names — its base scenario and any empirical distribution's
/// CSV — relative to `base_dir`; returns them by the name the spec writes.
#[pyfunction]
pub fn cohort_files(
    spec_text: &str,
    spec_file: &str,
    base_dir: &str,
) -> PyResult<HashMap<String, String>> {
    let read_files = std::cell::RefCell::new(HashMap::new());
    let read = |name: &str| -> Result<(String, String), String> {
        let path = Path::new(base_dir).join(name);
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{shown}: {e}"))?;
        read_files
            .borrow_mut()
            .insert(name.to_owned(), text.clone());
        Ok((shown, text))
    };
    let spec = perfuse_cohort::parse_with_files(spec_text, spec_file, &read)
        .map_err(|e| value_error(e.to_string()))?;
    let (_, scenario) = read(&spec.scenario)
        .map_err(|e| value_error(format!("{spec_file}: cohort.scenario: {e}")))?;
    let mut files = read_files.into_inner();
    files.insert(spec.scenario, scenario);
    Ok(files)
}

/// The cohort of `spec_text` with its files' texts (from [`cohort_files`]).
fn cohort(spec_text: &str, spec_file: &str, files: &HashMap<String, String>) -> PyResult<Cohort> {
    let missing = |name: &str| format!("{name}: not among the files given");
    let read = |name: &str| -> Result<(String, String), String> {
        files
            .get(name)
            .map(|text| (name.to_owned(), text.clone()))
            .ok_or_else(|| missing(name))
    };
    let spec = perfuse_cohort::parse_with_files(spec_text, spec_file, &read)
        .map_err(|e| value_error(e.to_string()))?;
    let scenario = files.get(&spec.scenario).ok_or_else(|| {
        value_error(format!(
            "{spec_file}: cohort.scenario: {}",
            missing(&spec.scenario)
        ))
    })?;
    let scenario_file = spec.scenario.clone();
    Cohort::new(spec, scenario, &scenario_file).map_err(|e| value_error(e.to_string()))
}

/// The number of patients the spec asks for (`[cohort] patients`).
#[pyfunction]
pub fn cohort_patients(
    spec_text: &str,
    spec_file: &str,
    files: HashMap<String, String>,
) -> PyResult<u32> {
    Ok(cohort(spec_text, spec_file, &files)?.spec().patients)
}

/// The CSV header lines of the `patients` and `summary` tables (no newline).
#[pyfunction]
pub fn cohort_headers() -> (String, String) {
    (
        table::csv_header(PATIENT_COLUMNS),
        table::csv_header(SUMMARY_COLUMNS),
    )
}

/// The `patients` and `summary` CSV rows (newline-terminated, no header) of patients
/// `start..end`, every arm, in patient order — byte-identical to their rows in `perfuse
/// cohort --csv`, whatever the range. Runs in parallel (rayon) with the GIL released.
#[pyfunction]
pub fn cohort_rows(
    py: Python<'_>,
    spec_text: &str,
    spec_file: &str,
    files: HashMap<String, String>,
    start: u32,
    end: u32,
) -> PyResult<(String, String)> {
    let cohort = cohort(spec_text, spec_file, &files)?;
    if start > end {
        return Err(value_error(format!(
            "patients {start}..{end}: the first must not be after the last"
        )));
    }
    let rows: Vec<(String, String)> = py.detach(|| {
        (start..end)
            .into_par_iter()
            .map(|id| {
                let spec = cohort.spec();
                let drawn = cohort.patient(id);
                let mut patients = String::new();
                table::write_csv_row(
                    PATIENT_COLUMNS,
                    &table::patient_row(id, &drawn),
                    &mut patients,
                );
                patients.push('\n');
                let mut summary = String::new();
                if let Ok(patient) = &drawn {
                    for arm in 0..spec.arms.len() {
                        let run = cohort.run(patient, arm, |_| {});
                        let row = table::summary_row(spec, &run);
                        table::write_csv_row(SUMMARY_COLUMNS, &row, &mut summary);
                        summary.push('\n');
                    }
                }
                (patients, summary)
            })
            .collect()
    });
    Ok(rows.into_iter().unzip())
}
