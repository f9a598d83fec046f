//! The validation suite engine behind `perfuse validate`: published targets (`validation/targets`)
//! measured on scenario runs (`validation/scenarios`), classified green/yellow/red, and rendered
//! as `docs/validation.md`.
//!
//! # Brief overview
//! - [`load`] parses target and scenario texts (the caller reads the files) and checks every
//!   reference: errors come back as `file:line: field: message`.
//! - [`run`] runs each scenario a measurable target needs once, in parallel, sampling every
//!   second, and judges each target ([`compare`] defines the errors and colours).
//! - [`markdown`] renders the report; same suite, same bytes.
//!
//! A target that needs a column or an action the simulator does not have yet (listed in its
//! `needs`) is reported as *not yet measurable*; its scenario may then fail to parse (it uses
//! the missing action), which is tolerated only for such targets.
//!
//! Nothing here reads files or clocks.

pub mod compare;
mod measure;
pub mod quantity;
mod report;
pub mod target;

use std::collections::{BTreeMap, BTreeSet};

use perfuse_scenario::{Scenario, ScenarioError};
use rayon::prelude::*;

pub use compare::{Colour, Verdict};
pub use measure::Reading;
pub use report::markdown;
pub use target::{SYSTEMS, TAGS, Target};

/// A file's text and the path to name it by in messages. Targets refer to scenarios by the
/// last component of the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as shown to the user, e.g. `validation/scenarios/hickey-hoar.toml`.
    pub path: String,
    /// Contents.
    pub text: String,
}

impl SourceFile {
    fn file_name(&self) -> &str {
        self.path.rsplit(['/', '\\']).next().unwrap_or(&self.path)
    }
}

/// A mistake in the suite, located in its file (`file:line: field: message`).
pub type LoadError = ScenarioError;

/// A checked suite, ready to run.
pub struct Suite {
    targets: Vec<Target>,
    scenarios: BTreeMap<String, Result<Scenario, ScenarioError>>,
}

impl Suite {
    /// The targets, in file order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }
}

/// Parses and cross-checks the suite. Files are taken in the order given (the CLI sorts them
/// by name); the report keeps that order within each system.
pub fn load(
    target_files: &[SourceFile],
    scenario_files: &[SourceFile],
) -> Result<Suite, LoadError> {
    let mut scenarios = BTreeMap::new();
    for file in scenario_files {
        let parsed = perfuse_scenario::parse(&file.text, &file.path);
        if scenarios
            .insert(file.file_name().to_owned(), parsed)
            .is_some()
        {
            return Err(LoadError {
                file: file.path.clone(),
                line: 0,
                field: String::new(),
                message: "another scenario file has the same name".into(),
            });
        }
    }
    let index = target::ScenarioIndex {
        durations_s: scenarios
            .iter()
            .map(|(name, s)| (name.clone(), s.as_ref().ok().map(|s| s.duration_ms / 1000)))
            .collect(),
    };
    let mut targets = Vec::new();
    for file in target_files {
        targets.extend(target::parse_file(&file.text, &file.path, &index)?);
    }
    target::check_unique_ids(&targets)?;
    for (name, scenario) in &scenarios {
        let users: Vec<&Target> = targets
            .iter()
            .filter(|t| t.scenarios().contains(&name.as_str()))
            .collect();
        let path = scenario_files
            .iter()
            .find(|f| f.file_name() == name)
            .map(|f| f.path.clone())
            .unwrap_or_default();
        if users.is_empty() {
            return Err(LoadError {
                file: path,
                line: 0,
                field: String::new(),
                message: "no target uses this scenario".into(),
            });
        }
        // A scenario may fail only while every target using it waits for something the
        // simulator lacks (typically the very action the scenario uses).
        if let Err(error) = scenario {
            if users.iter().any(|t| t.unmet_needs().is_empty()) {
                return Err(error.clone());
            }
        }
    }
    Ok(Suite { targets, scenarios })
}

/// What became of one target.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Measured and judged; `Err` when the run gave no value (the reason says why), which
    /// counts as red.
    Measured(Result<(Reading, Verdict), String>),
    /// Waits for columns or actions the simulator does not have yet.
    NotYetMeasurable {
        /// The unmet needs.
        needs: Vec<String>,
    },
}

impl Outcome {
    /// The colour, for measured targets.
    pub fn colour(&self) -> Option<Colour> {
        match self {
            Outcome::Measured(Ok((_, verdict))) => Some(verdict.colour),
            Outcome::Measured(Err(_)) => Some(Colour::Red),
            Outcome::NotYetMeasurable { .. } => None,
        }
    }
}

/// The suite's results.
pub struct Report {
    /// Every target with its outcome, in suite order.
    pub results: Vec<(Target, Outcome)>,
    /// Scenario file name, title and description, for the scenario list.
    pub scenarios: Vec<(String, String, String)>,
}

/// Runs every scenario a measurable target reads (once each, in parallel) and judges the
/// targets. Deterministic: the simulator is, and results are collected in a fixed order.
pub fn run(suite: &Suite) -> Report {
    let mut wanted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for target in suite.targets.iter().filter(|t| t.unmet_needs().is_empty()) {
        for probe in target.measure.probes() {
            wanted
                .entry(probe.scenario.as_str())
                .or_default()
                .insert(probe.quantity.as_str());
        }
    }
    let scenario = |name: &str| {
        suite.scenarios[name]
            .as_ref()
            .expect("load() rejects unparsable scenarios that measurable targets use")
    };
    let series: BTreeMap<&str, Result<measure::Series, String>> = wanted
        .into_par_iter()
        .map(|(name, quantities)| (name, measure::Series::record(scenario(name), &quantities)))
        .collect();
    let results = suite
        .targets
        .iter()
        .map(|target| {
            let unmet = target.unmet_needs();
            let outcome = if unmet.is_empty() {
                Outcome::Measured(measure::evaluate(&target.measure, &series).map(|reading| {
                    let verdict = compare::judge(&target.expect, &reading);
                    (reading, verdict)
                }))
            } else {
                Outcome::NotYetMeasurable {
                    needs: unmet.into_iter().map(str::to_owned).collect(),
                }
            };
            (target.clone(), outcome)
        })
        .collect();
    let scenarios = suite
        .scenarios
        .iter()
        .map(|(file, parsed)| match parsed {
            Ok(s) => (file.clone(), s.name.clone(), s.description.clone()),
            Err(e) => (
                file.clone(),
                String::new(),
                format!("not runnable yet: {e}"),
            ),
        })
        .collect();
    Report { results, scenarios }
}
