//! Virtual cohorts: a population of patients drawn from distributions, each run through every
//! arm of a protocol comparison on a base scenario, summarised per run (`docs/research.md`).
//!
//! # Brief overview
//! - [`spec`] reads the cohort spec (TOML) with errors at `file:line: field`.
//! - [`dist`] and [`population`] draw patient `i` from the cohort seed and `i` alone.
//! - [`Cohort`] turns (patient, arm) into a scenario and runs it to a [`RunSummary`].
//! - [`table`] is the output dictionary (columns, units, decimals) and [`stats`] the
//!   per-arm summary with paired bootstrap intervals.
//!
//! Nothing here reads files or clocks; the CLI passes texts in and writes the rows.

mod cohort;
pub mod dist;
pub mod population;
pub mod spec;
pub mod stats;
pub mod table;

pub use cohort::{Cohort, Metrics, RunSummary};
pub use population::{Patient, Stream, derive_seed};
pub use spec::{Arm, Param, ReadFile, Spec, SpecError, parse, parse_with_files};
