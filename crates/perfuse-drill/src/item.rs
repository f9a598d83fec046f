//! A drill item and its worked solution, built step by step through the catalog.
//!
//! Every number of an answer comes from `perfuse_clinical::catalog` (`Calculation::evaluate`);
//! this module only records what was given, what each step gave, and rounds each step the
//! way it is written down before the next step uses it.

use perfuse_clinical::catalog::{self, Given, InputError, InputKind};
use serde::Serialize;

use crate::Section;

/// One generated question.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item {
    /// `<seed>-<n>`: the seed and the item's place in the set (1-based).
    pub id: String,
    /// The item type (`bsa-target-flow`), see [`crate::item_types`].
    pub kind: &'static str,
    /// ABCP knowledge-base section.
    pub section: Section,
    /// The catalog calculation the answer comes from (the last step).
    pub calculation: &'static str,
    /// The clinical vignette, ending with the question.
    pub vignette: String,
    /// The numbers the vignette gives, with their units.
    pub inputs: Vec<Quantity>,
    /// The answer, rounded as written down ([`decimals`] of its unit).
    pub answer: f64,
    /// Unit of the answer, as in the catalog (`L/min`).
    pub unit: &'static str,
    /// How far an answer may be from `answer` and still be right.
    pub tolerance: Tolerance,
    /// The worked solution, one step per catalog calculation.
    pub steps: Vec<Step>,
}

/// A given number.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Quantity {
    /// Catalog flag, unit included (`weight-kg`).
    pub name: &'static str,
    /// The value.
    pub value: f64,
    /// Its unit (`kg`; empty for pH).
    pub unit: &'static str,
}

/// One calculation of a worked solution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// Catalog name (`target-flow`).
    pub calculation: &'static str,
    /// The formula used (the chosen method's when there are several).
    pub formula: &'static str,
    /// Its source.
    pub source: &'static str,
    /// Numbers substituted, including results of earlier steps.
    pub numbers: Vec<Quantity>,
    /// Choices made (`method = dubois`).
    pub choices: Vec<(&'static str, &'static str)>,
    /// The result, rounded to [`decimals`] of its unit.
    pub result: f64,
    /// Unit of the result.
    pub unit: &'static str,
}

/// How close an answer must be.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tolerance {
    /// Within this percentage of the answer (both ends accepted).
    RelativePct(f64),
    /// Within this amount of the answer, in the answer's unit (both ends accepted).
    Absolute(f64),
}

impl Tolerance {
    /// The largest accepted distance from `answer`.
    pub fn allowed(self, answer: f64) -> f64 {
        match self {
            Tolerance::RelativePct(pct) => answer.abs() * pct / 100.0,
            Tolerance::Absolute(amount) => amount,
        }
    }

    /// "±2 %" or "±0.02 pH".
    pub fn describe(self, unit: &str) -> String {
        match self {
            Tolerance::RelativePct(pct) => format!("±{pct} % of the answer"),
            Tolerance::Absolute(amount) => format!("±{amount} {unit}").trim_end().to_owned(),
        }
    }
}

/// Decimals an answer in `unit` is written with (and each step rounded to before the next).
pub fn decimals(unit: &str) -> usize {
    match unit {
        "m2" | "L/min" | "pH" => 2,
        "%" | "mL/dL" | "mmol/L" => 1,
        _ => 0,
    }
}

/// Rounds to `decimals` places, the way the number is written down.
pub(crate) fn round_to(value: f64, decimals: usize) -> f64 {
    let scale = 10f64.powi(decimals as i32);
    (value * scale).round() / scale
}

impl Step {
    /// "target-flow = BSA·CI, bsa-m2 = 1.8 m2, cardiac-index-l-min-m2 = 2.4 L/min/m2 → 4.32
    /// L/min (standard CPB practice …)".
    pub fn explain(&self) -> String {
        let mut given: Vec<String> = self
            .choices
            .iter()
            .map(|(flag, name)| format!("{flag} = {name}"))
            .collect();
        given.extend(self.numbers.iter().map(|q| {
            format!("{} = {} {}", q.name, q.value, q.unit)
                .trim_end()
                .to_owned()
        }));
        format!(
            "{} = {}; {} → {:.*} {} ({})",
            self.calculation,
            self.formula,
            given.join(", "),
            decimals(self.unit),
            self.result,
            self.unit,
            self.source
        )
    }
}

impl Item {
    /// The worked solution, one line per step, then the answer with its tolerance.
    pub fn solution(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| format!("{}. {}", i + 1, step.explain()))
            .collect();
        lines.push(format!(
            "Answer: {} {} ({})",
            self.answer_text(),
            self.unit,
            self.tolerance.describe(self.unit)
        ));
        lines
    }

    /// The answer written with its unit's decimals.
    pub fn answer_text(&self) -> String {
        format!("{:.*}", decimals(self.unit), self.answer)
    }
}

/// An input of a step: a number given in the vignette, the result of an earlier step, or a
/// named choice.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arg {
    Given(&'static str, f64),
    Earlier(&'static str, usize),
    Choice(&'static str, &'static str),
}

/// Builds the steps of an item through the catalog.
#[derive(Default)]
pub(crate) struct Chain {
    steps: Vec<Step>,
    givens: Vec<Quantity>,
}

impl Chain {
    /// Evaluates catalog calculation `name` on `args`; returns the step's index.
    pub(crate) fn step(&mut self, name: &'static str, args: &[Arg]) -> Result<usize, InputError> {
        let calculation = catalog::find(name).ok_or_else(|| InputError::UnknownInput {
            flag: name.to_owned(),
        })?;
        let mut given = Given::default();
        let mut numbers = Vec::new();
        let mut choices = Vec::new();
        for arg in args {
            match *arg {
                Arg::Given(flag, value) => {
                    given = given.number(flag, value);
                    let quantity = Quantity {
                        name: flag,
                        value,
                        unit: unit_of(name, flag),
                    };
                    if !self.givens.contains(&quantity) {
                        self.givens.push(quantity.clone());
                    }
                    numbers.push(quantity);
                }
                Arg::Earlier(flag, index) => {
                    let value = self.steps[index].result;
                    given = given.number(flag, value);
                    numbers.push(Quantity {
                        name: flag,
                        value,
                        unit: unit_of(name, flag),
                    });
                }
                Arg::Choice(flag, value) => {
                    given = given.choice(flag, value);
                    choices.push((flag, value));
                }
            }
        }
        let outcome = calculation.evaluate(&given)?;
        let formula = method_formula(calculation, outcome.method).unwrap_or(calculation.formula);
        self.steps.push(Step {
            calculation: name,
            formula,
            source: outcome.source,
            numbers,
            choices,
            result: round_to(outcome.value, decimals(calculation.unit)),
            unit: calculation.unit,
        });
        Ok(self.steps.len() - 1)
    }

    /// The finished item: its answer is the last step's result.
    pub(crate) fn finish(
        self,
        kind: &'static str,
        section: Section,
        vignette: String,
        tolerance: Tolerance,
    ) -> Item {
        let last = self
            .steps
            .last()
            .expect("every item type takes at least one step");
        Item {
            id: String::new(),
            kind,
            section,
            calculation: last.calculation,
            vignette,
            answer: last.result,
            unit: last.unit,
            tolerance,
            inputs: self.givens,
            steps: self.steps,
        }
    }
}

/// The catalog's default for input `flag` of calculation `name` (protamine 1 mg per 100 U,
/// del Nido 20 mL/kg up to 1 L, Q10 = 2…), so a vignette states the value the catalog uses.
pub(crate) fn default_of(name: &'static str, flag: &'static str) -> Result<f64, InputError> {
    catalog::find(name)
        .and_then(|c| c.inputs.iter().find(|i| i.flag == flag))
        .and_then(|input| match input.kind {
            InputKind::Number { default, .. } => default,
            InputKind::Choice { .. } => None,
        })
        .ok_or(InputError::Missing { flag })
}

/// The catalog unit of input `flag` of calculation `name`.
fn unit_of(name: &str, flag: &str) -> &'static str {
    catalog::find(name)
        .and_then(|c| c.inputs.iter().find(|i| i.flag == flag))
        .map_or("", |input| match input.kind {
            InputKind::Number { unit, .. } => unit,
            InputKind::Choice { .. } => "",
        })
}

/// The formula of the method chosen, when a calculation has several.
fn method_formula(
    calculation: &catalog::Calculation,
    method: Option<&str>,
) -> Option<&'static str> {
    let method = method?;
    calculation
        .inputs
        .iter()
        .find_map(|input| match &input.kind {
            InputKind::Choice { choices, .. } if input.flag == "method" => {
                choices.iter().find(|c| c.name == method).map(|c| c.formula)
            }
            _ => None,
        })
}
