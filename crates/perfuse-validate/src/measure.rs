//! Running a scenario once and reducing its 1-s samples to the values targets ask for.

use std::collections::{BTreeMap, BTreeSet};

use perfuse_scenario::{Run, RunOptions, Scenario, duration};

use crate::quantity::{self, Body, Value};
use crate::target::{Condition, Measure, Probe, Stat, Window};

/// Samples are taken every second, so every whole-second time a target names is a sample.
const EVERY_MS: u64 = 1000;

/// The samples of the quantities some target reads, one per second from time 0.
pub(crate) struct Series {
    values: BTreeMap<String, Vec<Option<Value>>>,
}

impl Series {
    /// Runs the scenario to its end, keeping only `quantities`; `Err` when the simulation
    /// refuses the configuration.
    pub(crate) fn record(
        scenario: &Scenario,
        quantities: &BTreeSet<&str>,
    ) -> Result<Series, String> {
        let options = RunOptions {
            every_ms: EVERY_MS,
            until_ms: None,
            seed: None,
        };
        let mut run = Run::new(scenario, &options).map_err(|e| {
            format!(
                "the scenario cannot start: {} {}: {}",
                e.field, e.value, e.message
            )
        })?;
        let body = Body::of(&scenario.patient);
        let mut values: BTreeMap<String, Vec<Option<Value>>> = quantities
            .iter()
            .map(|q| ((*q).to_owned(), Vec::new()))
            .collect();
        while let Some(obs) = run.next_sample() {
            let ms = (obs.time_s * 1000.0).round() as u64;
            if ms % 1000 != 0 {
                continue; // the final sample of a scenario whose length is not whole seconds
            }
            for (name, samples) in &mut values {
                samples.push(quantity::read(name, &obs, &body));
            }
        }
        Ok(Series { values })
    }

    fn samples(&self, quantity: &str) -> &[Option<Value>] {
        self.values.get(quantity).map_or(&[], Vec::as_slice)
    }
}

/// A measured value; for `trend`, also where the window started.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// The value compared with the source.
    pub value: Value,
    /// Value at the window's start (`trend` only).
    pub start: Option<f64>,
}

/// Evaluates a measurement; `Err` says why there is no value (nothing sampled in the
/// window, a condition never met, a division by zero).
pub(crate) fn evaluate(
    measure: &Measure,
    series: &BTreeMap<&str, Result<Series, String>>,
) -> Result<Reading, String> {
    let of = |probe: &Probe| {
        series[probe.scenario.as_str()]
            .as_ref()
            .map_err(String::clone)
    };
    let number = |probe: &Probe| -> Result<f64, String> {
        match evaluate_probe(probe, of(probe)?)?.value {
            Value::Number(x) => Ok(x),
            Value::Text(text) => Err(format!(
                "{} is text ({text:?}), not a number",
                probe.quantity
            )),
        }
    };
    match measure {
        Measure::One(probe) => evaluate_probe(probe, of(probe)?),
        Measure::Ratio(a, b) => {
            let (a, b) = (number(a)?, number(b)?);
            if b == 0.0 {
                return Err("the denominator is 0".into());
            }
            Ok(Reading {
                value: Value::Number(a / b),
                start: None,
            })
        }
        Measure::Difference(a, b) => Ok(Reading {
            value: Value::Number(number(a)? - number(b)?),
            start: None,
        }),
    }
}

fn evaluate_probe(probe: &Probe, series: &Series) -> Result<Reading, String> {
    let samples = series.samples(&probe.quantity);
    let at = |t: u64| -> Result<&Value, String> {
        samples
            .get(t as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| format!("{} has no value at {}", probe.quantity, clock(t)))
    };
    let number_at = |t: u64| -> Result<f64, String> {
        match at(t)? {
            Value::Number(x) => Ok(*x),
            Value::Text(_) => Err(format!("{} is text", probe.quantity)),
        }
    };
    let numbers = |w: Window| -> Result<Vec<f64>, String> {
        let xs: Vec<f64> = samples
            .get(w.from as usize..=w.to as usize)
            .unwrap_or(&[])
            .iter()
            .filter_map(|v| match v {
                Some(Value::Number(x)) => Some(*x),
                _ => None,
            })
            .collect();
        if xs.is_empty() {
            Err(format!(
                "{} has no value between {} and {}",
                probe.quantity,
                clock(w.from),
                clock(w.to)
            ))
        } else {
            Ok(xs)
        }
    };
    let number = |x: f64| Reading {
        value: Value::Number(x),
        start: None,
    };
    Ok(match &probe.stat {
        Stat::At(t) => Reading {
            value: at(*t)?.clone(),
            start: None,
        },
        Stat::Mean(w) => {
            let xs = numbers(*w)?;
            number(xs.iter().sum::<f64>() / xs.len() as f64)
        }
        Stat::Min(w) => number(numbers(*w)?.into_iter().fold(f64::INFINITY, f64::min)),
        Stat::Max(w) => number(numbers(*w)?.into_iter().fold(f64::NEG_INFINITY, f64::max)),
        Stat::Change(w) => number(number_at(w.to)? - number_at(w.from)?),
        Stat::Trend(w) => Reading {
            value: Value::Number(number_at(w.to)?),
            start: Some(number_at(w.from)?),
        },
        Stat::TimeTo { from, after, until } => {
            let met = |v: &Value| match (until, v) {
                (Condition::Above(b), Value::Number(x)) => x > b,
                (Condition::Below(b), Value::Number(x)) => x < b,
                (Condition::Equals(s), Value::Text(t)) => t == s,
                (Condition::NotEquals(s), Value::Text(t)) => t != s,
                _ => false,
            };
            let first = samples
                .iter()
                .enumerate()
                .skip(*after as usize)
                .find(|(_, v)| v.as_ref().is_some_and(met))
                .map(|(t, _)| t as u64);
            match first {
                Some(t) => number((t - from) as f64 / 60.0),
                None => {
                    return Err(format!(
                        "not reached by the end of the run ({})",
                        clock(samples.len().saturating_sub(1) as u64)
                    ));
                }
            }
        }
        Stat::Fraction(w, text) => {
            let window = samples
                .get(w.from as usize..=w.to as usize)
                .filter(|window| !window.is_empty())
                .ok_or_else(|| format!("{} was not sampled over the window", probe.quantity))?;
            let hits = window
                .iter()
                .filter(|v| matches!(v, Some(Value::Text(t)) if t == text))
                .count();
            number(100.0 * hits as f64 / window.len() as f64)
        }
    })
}

/// `h:mm:ss`.
fn clock(t_s: u64) -> String {
    duration::format_ms(t_s * 1000)
}
