//! `perfuse._native`: the Rust half of the `perfuse` Python package (the pure-Python half is
//! `python/perfuse/`).
//!
//! A thin translation layer, like the CLI: Python dicts become the TOML tables of a scenario
//! file and go through `perfuse_scenario::parse`, so patient, circuit and action keys, units,
//! defaults, ranges and error messages are those of scenario files (`docs/scenarios.md`), and
//! observations are the data-dictionary columns of `perfuse_scenario::observations`. Every
//! simulation runs with the GIL released.

mod cohort;
mod simulation;

use pyo3::prelude::*;

/// The native module; `perfuse/__init__.py` wraps it.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<simulation::Simulation>()?;
    m.add_function(wrap_pyfunction!(simulation::run_scenario_csv, m)?)?;
    m.add_function(wrap_pyfunction!(cohort::cohort_files, m)?)?;
    m.add_function(wrap_pyfunction!(cohort::cohort_rows, m)?)?;
    m.add_function(wrap_pyfunction!(cohort::cohort_headers, m)?)?;
    m.add_function(wrap_pyfunction!(cohort::cohort_patients, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
