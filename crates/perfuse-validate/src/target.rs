//! Target files (`validation/targets/*.toml`): what is measured in which scenario, what the
//! literature says, and where it says it. Read with serde into a raw shape that mirrors the
//! file, then checked field by field into [`Target`] so that every mistake comes back as
//! `file:line: field: message`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use perfuse_scenario::{SourceText, duration};
use perfuse_sim::ActionSpec;
use serde::Deserialize;
use toml::Spanned;

use crate::LoadError;
use crate::quantity;

/// The physiological systems a target belongs to: file key and report heading, in report
/// order.
pub const SYSTEMS: &[(&str, &str)] = &[
    ("cardiovascular", "Cardiovascular"),
    ("circuit", "Circuit"),
    ("oxygenation", "Oxygenation, CO2 and acid–base"),
    ("metabolism", "Metabolism and lactate"),
    ("temperature", "Temperature"),
    ("anticoagulation", "Anticoagulation"),
    ("fluids", "Fluids and hemodilution"),
    ("myocardium", "Potassium and myocardium"),
    ("cerebral", "Cerebral"),
];

/// Condition tags, counted in the report: who the patient is, the temperature, the phase and
/// the manoeuvre.
pub const TAGS: &[(&str, &str)] = &[
    ("adult", "adult patient"),
    ("child", "child"),
    ("infant", "infant"),
    ("neonatal", "neonate"),
    ("pre-bypass", "before bypass"),
    ("post-bypass", "after weaning"),
    ("normothermic", "35–37 °C"),
    ("cold", "moderate hypothermia, 24–32 °C"),
    ("deep", "deep hypothermia, ≤ 23 °C"),
    ("rewarming", "during or after rewarming"),
    (
        "ischaemic",
        "aortic cross-clamp, with or without cardioplegia",
    ),
    ("bleeding", "haemorrhage or hypovolaemia"),
    ("hemodilution", "hemodilution or its reversal"),
    ("high-flow", "high flow or high sweep"),
    ("low-flow", "low flow or low O2 delivery"),
    ("alpha-stat", "alpha-stat blood-gas management"),
    ("ph-stat", "pH-stat blood-gas management"),
];

/// One literature target.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// File the target is written in (for messages and the report).
    pub file: String,
    /// Line of its `[[target]]` header.
    pub line: usize,
    /// Unique id, e.g. `me-vo2-25c-hickey`.
    pub id: String,
    /// Key of [`SYSTEMS`].
    pub system: &'static str,
    /// Keys of [`TAGS`].
    pub tags: Vec<&'static str>,
    /// The clinical condition, in words (a column of the report).
    pub condition: String,
    /// What is measured, in words.
    pub title: String,
    /// How the value is taken from the run(s).
    pub measure: Measure,
    /// What the source says.
    pub expect: Expectation,
    /// Citation: author, year, journal, volume, pages (and table or figure).
    pub source: String,
    /// How the compared value follows from the source when it is not printed there.
    pub derivation: Option<String>,
    /// Why the model misses the target, when it does (shown under the table).
    pub why_red: Option<String>,
    /// Columns or actions the simulator must have before the target can be measured.
    pub needs: Vec<String>,
}

impl Target {
    /// Every scenario file the measurement reads.
    pub fn scenarios(&self) -> Vec<&str> {
        self.measure
            .probes()
            .iter()
            .map(|p| p.scenario.as_str())
            .collect()
    }

    /// The needs the simulator does not meet yet (not a column, derived quantity or action).
    pub fn unmet_needs(&self) -> Vec<&str> {
        self.needs
            .iter()
            .map(String::as_str)
            .filter(|need| !quantity::is_known(need) && ActionSpec::find(need).is_none())
            .collect()
    }
}

/// A measurement: one probe, or the ratio or difference of two (possibly in two scenarios).
#[derive(Clone, Debug, PartialEq)]
pub enum Measure {
    /// The probe's value.
    One(Probe),
    /// First over second.
    Ratio(Probe, Probe),
    /// First minus second.
    Difference(Probe, Probe),
}

impl Measure {
    /// The probes, in order.
    pub fn probes(&self) -> Vec<&Probe> {
        match self {
            Measure::One(p) => vec![p],
            Measure::Ratio(a, b) | Measure::Difference(a, b) => vec![a, b],
        }
    }
}

/// A value read from one quantity of one scenario's run.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// Scenario file name, relative to the suite's `scenarios/`.
    pub scenario: String,
    /// A data-dictionary column or a derived quantity.
    pub quantity: String,
    /// How the samples are reduced to a value.
    pub stat: Stat,
}

/// Reductions of a quantity's 1-s samples. Times are whole seconds from the scenario start.
#[derive(Clone, Debug, PartialEq)]
pub enum Stat {
    /// The sample at this time.
    At(u64),
    /// Mean over the window (empty samples skipped).
    Mean(Window),
    /// Minimum over the window.
    Min(Window),
    /// Maximum over the window.
    Max(Window),
    /// Value at the window's end minus value at its start.
    Change(Window),
    /// Value at the window's end; with `trends-to`, also whether it moved toward the target.
    Trend(Window),
    /// Minutes from `from` to the first sample at or after `after` meeting the condition.
    TimeTo {
        /// Where the clock starts.
        from: u64,
        /// Where the search starts (≥ `from`).
        after: u64,
        /// What is waited for.
        until: Condition,
    },
    /// Percentage of the window's samples whose text equals this.
    Fraction(Window, String),
}

/// A closed time window, seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Start.
    pub from: u64,
    /// End (≥ start).
    pub to: u64,
}

/// What `time-to` waits for.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// A number above this.
    Above(f64),
    /// A number below this.
    Below(f64),
    /// Text equal to this.
    Equals(String),
    /// Text other than this.
    NotEquals(String),
}

/// What the source says, and so how the error is computed (`docs/validation.md`, "Errors").
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// The value, with an optional tolerance (the source's SD or range half-width).
    EqualTo {
        /// Reference value.
        value: f64,
        /// No error within ± this.
        tolerance: f64,
    },
    /// Between two values.
    Range(f64, f64),
    /// At most this.
    LessThan(f64),
    /// At least this.
    GreaterThan(f64),
    /// Moving toward this over the window (`stat = "trend"`).
    TrendsTo(f64),
    /// Text equal to this.
    Is(String),
    /// Text other than this.
    IsNot(String),
}

/// An expectation and the magnitude its relative error is taken against.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// The comparison.
    pub expect: Expect,
    /// Denominator of the relative error when given (needed when the reference is 0).
    pub scale: Option<f64>,
}

impl Expect {
    /// Whether the expectation is about text (a rhythm name) rather than a number.
    pub fn is_text(&self) -> bool {
        matches!(self, Expect::Is(_) | Expect::IsNot(_))
    }

    /// Whether a reference value the relative error would be taken against is 0, so that the
    /// target must give its own `scale`.
    pub fn has_zero_reference(&self) -> bool {
        match *self {
            Expect::EqualTo { value, .. } | Expect::TrendsTo(value) => value == 0.0,
            Expect::LessThan(b) | Expect::GreaterThan(b) => b == 0.0,
            Expect::Range(lo, hi) => lo == 0.0 || hi == 0.0,
            Expect::Is(_) | Expect::IsNot(_) => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    target: Vec<Spanned<RawTarget>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    id: Spanned<String>,
    system: Spanned<String>,
    tags: Spanned<Vec<String>>,
    condition: String,
    title: String,
    scenario: Spanned<String>,
    measure: Spanned<RawMeasure>,
    expect: Spanned<RawExpect>,
    source: String,
    derivation: Option<String>,
    why_red: Option<String>,
    needs: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasure {
    scenario: Option<String>,
    column: Option<String>,
    stat: Option<String>,
    at: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
    above: Option<f64>,
    below: Option<f64>,
    equals: Option<String>,
    #[serde(rename = "not-equals")]
    not_equals: Option<String>,
    ratio: Option<Vec<RawMeasure>>,
    difference: Option<Vec<RawMeasure>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    #[serde(rename = "equal-to")]
    equal_to: Option<f64>,
    tolerance: Option<f64>,
    range: Option<Vec<f64>>,
    #[serde(rename = "less-than")]
    less_than: Option<f64>,
    #[serde(rename = "greater-than")]
    greater_than: Option<f64>,
    #[serde(rename = "trends-to")]
    trends_to: Option<f64>,
    is: Option<String>,
    #[serde(rename = "is-not")]
    is_not: Option<String>,
    scale: Option<f64>,
}

/// The stat names of a measure table.
pub const STAT_NAMES: &[&str] = &[
    "at", "mean", "min", "max", "change", "trend", "time-to", "fraction",
];

/// What the checks need to know about the suite's scenario files: their names and, for those
/// that parse, their length in seconds.
pub(crate) struct ScenarioIndex {
    pub durations_s: BTreeMap<String, Option<u64>>,
}

/// Parses one target file. `file` is used in messages only.
pub(crate) fn parse_file(
    text: &str,
    file: &str,
    scenarios: &ScenarioIndex,
) -> Result<Vec<Target>, LoadError> {
    let at = SourceText { file, text };
    let raw: RawFile = at.deserialize()?;
    raw.target
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let span = t.span();
            Checker {
                at: &at,
                path: format!("target[{i}]"),
                scenarios,
            }
            .target(t.into_inner(), span)
        })
        .collect()
}

struct Checker<'a> {
    at: &'a SourceText<'a>,
    path: String,
    scenarios: &'a ScenarioIndex,
}

impl Checker<'_> {
    fn error(&self, span: &Range<usize>, key: &str, message: impl Into<String>) -> LoadError {
        self.at
            .error(span.start, format!("{}.{key}", self.path), message)
    }

    fn target(&self, raw: RawTarget, span: Range<usize>) -> Result<Target, LoadError> {
        let id = raw.id.get_ref();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        {
            return Err(self.error(
                &raw.id.span(),
                "id",
                format!("{id:?}: use letters, digits, '-', '.' and '_' only"),
            ));
        }
        let system = SYSTEMS
            .iter()
            .map(|(key, _)| *key)
            .find(|key| key == raw.system.get_ref())
            .ok_or_else(|| {
                self.error(
                    &raw.system.span(),
                    "system",
                    format!(
                        "unknown system {:?}; expected one of {}",
                        raw.system.get_ref(),
                        names(SYSTEMS)
                    ),
                )
            })?;
        let mut tags = Vec::new();
        for tag in raw.tags.get_ref() {
            let known = TAGS.iter().map(|(key, _)| *key).find(|key| key == tag);
            let tag = known.ok_or_else(|| {
                self.error(
                    &raw.tags.span(),
                    "tags",
                    format!("unknown tag {tag:?}; expected some of {}", names(TAGS)),
                )
            })?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let (needs, needs_span) = match raw.needs {
            Some(needs) => {
                let span = needs.span();
                (needs.into_inner(), span)
            }
            None => (Vec::new(), span.clone()),
        };
        if let Some(dup) = needs
            .iter()
            .enumerate()
            .find(|(i, n)| needs[..*i].contains(n))
        {
            return Err(self.error(&needs_span, "needs", format!("{:?} listed twice", dup.1)));
        }
        let scenario = raw.scenario.get_ref();
        self.scenario_known(scenario, &raw.scenario.span(), "scenario")?;
        let measure_span = raw.measure.span();
        let measure = MeasureChecker {
            checker: self,
            span: &measure_span,
            default_scenario: scenario,
            needs: &needs,
        }
        .measure(raw.measure.into_inner())?;
        let expect_span = raw.expect.span();
        let expectation = self.expect(raw.expect.into_inner(), &expect_span)?;
        self.fits(&measure, &expectation, &measure_span)?;
        for (text, key) in [
            (&raw.condition, "condition"),
            (&raw.title, "title"),
            (&raw.source, "source"),
        ] {
            if text.trim().is_empty() {
                return Err(self.error(&span, key, "must not be empty"));
            }
        }
        Ok(Target {
            file: self.at.file.to_owned(),
            line: self.at.line(span.start),
            id: id.clone(),
            system,
            tags,
            condition: raw.condition,
            title: raw.title,
            measure,
            expect: expectation,
            source: raw.source,
            derivation: raw.derivation,
            why_red: raw.why_red,
            needs,
        })
    }

    fn scenario_known(&self, name: &str, span: &Range<usize>, key: &str) -> Result<(), LoadError> {
        if self.scenarios.durations_s.contains_key(name) {
            Ok(())
        } else {
            let known: Vec<&str> = self
                .scenarios
                .durations_s
                .keys()
                .map(String::as_str)
                .collect();
            Err(self.error(
                span,
                key,
                format!(
                    "no scenario file {name:?}; the suite has {}",
                    known.join(", ")
                ),
            ))
        }
    }

    fn expect(&self, raw: RawExpect, span: &Range<usize>) -> Result<Expectation, LoadError> {
        let err = |message: String| self.error(span, "expect", message);
        let mut given = Vec::new();
        if let Some(value) = raw.equal_to {
            let tolerance = raw.tolerance.unwrap_or(0.0);
            if !(tolerance >= 0.0 && tolerance.is_finite()) {
                return Err(err(format!("tolerance {tolerance}: must be a number ≥ 0")));
            }
            given.push(Expect::EqualTo { value, tolerance });
        } else if raw.tolerance.is_some() {
            return Err(err("tolerance goes with equal-to only".into()));
        }
        if let Some(range) = raw.range {
            match range[..] {
                [lo, hi] if lo < hi => given.push(Expect::Range(lo, hi)),
                _ => {
                    return Err(err(format!(
                        "range {range:?}: write [low, high] with low < high"
                    )));
                }
            }
        }
        given.extend(raw.less_than.map(Expect::LessThan));
        given.extend(raw.greater_than.map(Expect::GreaterThan));
        given.extend(raw.trends_to.map(Expect::TrendsTo));
        given.extend(raw.is.map(Expect::Is));
        given.extend(raw.is_not.map(Expect::IsNot));
        let expect = match given.len() {
            1 => given.pop().expect("one"),
            _ => {
                return Err(err(
                    "give exactly one of equal-to, range, less-than, greater-than, trends-to, is, is-not"
                        .into(),
                ));
            }
        };
        if let Some(scale) = raw.scale {
            if !(scale > 0.0 && scale.is_finite()) {
                return Err(err(format!("scale {scale}: must be a number > 0")));
            }
            if expect.is_text() {
                return Err(err("scale has no meaning for a text expectation".into()));
            }
        } else if expect.has_zero_reference() {
            return Err(err(
                "the reference value is 0: give `scale`, the magnitude the error is relative to"
                    .into(),
            ));
        }
        Ok(Expectation {
            expect,
            scale: raw.scale,
        })
    }

    /// Text expectations read one text sample; `trends-to` needs `stat = "trend"`.
    fn fits(
        &self,
        measure: &Measure,
        expectation: &Expectation,
        span: &Range<usize>,
    ) -> Result<(), LoadError> {
        let single = match measure {
            Measure::One(probe) => Some(probe),
            _ => None,
        };
        let message = match (&expectation.expect, single.map(|p| &p.stat)) {
            (Expect::Is(_) | Expect::IsNot(_), Some(Stat::At(_))) => return Ok(()),
            (Expect::Is(_) | Expect::IsNot(_), _) => {
                "is / is-not compare one text sample: use `at`"
            }
            (Expect::TrendsTo(_), Some(Stat::Trend(_))) => return Ok(()),
            (Expect::TrendsTo(_), _) => "trends-to needs a single measure with stat = \"trend\"",
            (_, _)
                if measure
                    .probes()
                    .iter()
                    .any(|p| matches!(p.stat, Stat::Trend(_))) =>
            {
                "stat = \"trend\" goes with trends-to only"
            }
            _ => return Ok(()),
        };
        Err(self.error(span, "measure", message))
    }
}

struct MeasureChecker<'a> {
    checker: &'a Checker<'a>,
    span: &'a Range<usize>,
    default_scenario: &'a str,
    needs: &'a [String],
}

impl MeasureChecker<'_> {
    fn error(&self, message: impl Into<String>) -> LoadError {
        self.checker.error(self.span, "measure", message)
    }

    fn measure(&self, raw: RawMeasure) -> Result<Measure, LoadError> {
        let pair = |operands: Vec<RawMeasure>, op: &str| -> Result<(Probe, Probe), LoadError> {
            let mut probes = operands
                .into_iter()
                .map(|m| self.probe(m, true))
                .collect::<Result<Vec<_>, _>>()?;
            if probes.len() != 2 {
                return Err(self.error(format!("{op} takes exactly two measures")));
            }
            let b = probes.pop().expect("two");
            Ok((probes.pop().expect("two"), b))
        };
        let mut raw = raw;
        match (raw.ratio.take(), raw.difference.take()) {
            (None, None) => Ok(Measure::One(self.probe(raw, false)?)),
            (Some(operands), None) if raw.is_bare() => {
                pair(operands, "ratio").map(|(a, b)| Measure::Ratio(a, b))
            }
            (None, Some(operands)) if raw.is_bare() => {
                pair(operands, "difference").map(|(a, b)| Measure::Difference(a, b))
            }
            _ => Err(self.error(
                "a measure is either a probe (column, stat, times) or one `ratio` or `difference` of two",
            )),
        }
    }

    fn probe(&self, raw: RawMeasure, operand: bool) -> Result<Probe, LoadError> {
        if raw.ratio.is_some() || raw.difference.is_some() {
            return Err(self.error("ratio and difference cannot be nested"));
        }
        let scenario = match raw.scenario {
            Some(name) if operand => {
                self.checker
                    .scenario_known(&name, self.span, "measure.scenario")?;
                name
            }
            Some(_) => {
                return Err(self.error(
                    "`scenario` in a measure belongs to the operands of ratio/difference; the target's own is `scenario`",
                ));
            }
            None => self.default_scenario.to_owned(),
        };
        let quantity = raw
            .column
            .ok_or_else(|| self.error("`column` is missing"))?;
        let known = quantity::is_known(&quantity);
        if !known && !self.needs.contains(&quantity) {
            return Err(self.error(format!(
                "unknown column {quantity:?}: not in the data dictionary (docs/scenarios.md), not one of the derived quantities ({}), not listed in `needs`",
                quantity::DERIVED.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
            )));
        }
        let time = |key: &str, text: Option<&String>| -> Result<Option<u64>, LoadError> {
            let Some(text) = text else { return Ok(None) };
            match duration::parse_ms(text) {
                Some(ms) if ms % 1000 == 0 => Ok(Some(ms / 1000)),
                Some(_) => Err(self.error(format!("{key} {text:?}: use whole seconds"))),
                None => Err(self.error(format!(
                    "{key} {text:?} is not a duration; write \"h:mm:ss\" (or \"90m\", \"5400s\")"
                ))),
            }
        };
        let at = time("at", raw.at.as_ref())?;
        let from = time("from", raw.from.as_ref())?;
        let to = time("to", raw.to.as_ref())?;
        let after = time("after", raw.after.as_ref())?;
        let stat_name = match (raw.stat.as_deref(), at) {
            (None, Some(_)) => "at",
            (Some("at"), Some(_)) => "at",
            (Some(name), None) if STAT_NAMES.contains(&name) && name != "at" => name,
            (Some(name), _) if !STAT_NAMES.contains(&name) => {
                return Err(self.error(format!(
                    "unknown stat {name:?}; expected one of {}",
                    STAT_NAMES.join(", ")
                )));
            }
            _ => return Err(self.error("give `at` for one sample, or `stat` with `from`/`to`")),
        };
        let window = || -> Result<Window, LoadError> {
            match (from, to) {
                (Some(from), Some(to)) if from <= to => Ok(Window { from, to }),
                (Some(_), Some(_)) => Err(self.error("`from` is after `to`")),
                _ => Err(self.error(format!("stat {stat_name:?} needs `from` and `to`"))),
            }
        };
        let unused = |keys: &[(&str, bool)]| -> Result<(), LoadError> {
            match keys.iter().find(|(_, present)| *present) {
                Some((key, _)) => {
                    Err(self.error(format!("`{key}` has no meaning with stat {stat_name:?}")))
                }
                None => Ok(()),
            }
        };
        let condition_keys = [
            ("above", raw.above.is_some()),
            ("below", raw.below.is_some()),
            ("not-equals", raw.not_equals.is_some()),
            ("after", after.is_some()),
        ];
        let stat = match stat_name {
            "at" => {
                unused(&[
                    ("from", from.is_some()),
                    ("to", to.is_some()),
                    ("equals", raw.equals.is_some()),
                ])?;
                unused(&condition_keys)?;
                Stat::At(at.expect("at"))
            }
            "time-to" => {
                unused(&[("to", to.is_some())])?;
                let from = from.ok_or_else(|| self.error("time-to needs `from`"))?;
                let after = after.unwrap_or(from);
                if after < from {
                    return Err(self.error("`after` is before `from`"));
                }
                let mut conditions = Vec::new();
                conditions.extend(raw.above.map(Condition::Above));
                conditions.extend(raw.below.map(Condition::Below));
                conditions.extend(raw.equals.clone().map(Condition::Equals));
                conditions.extend(raw.not_equals.clone().map(Condition::NotEquals));
                if conditions.len() != 1 {
                    return Err(self.error(
                        "time-to waits for exactly one of above, below, equals, not-equals",
                    ));
                }
                Stat::TimeTo {
                    from,
                    after,
                    until: conditions.pop().expect("one"),
                }
            }
            "fraction" => {
                unused(&condition_keys)?;
                let equals = raw
                    .equals
                    .clone()
                    .ok_or_else(|| self.error("fraction needs `equals`, the text counted"))?;
                Stat::Fraction(window()?, equals)
            }
            name => {
                unused(&[("equals", raw.equals.is_some())])?;
                unused(&condition_keys)?;
                let window = window()?;
                match name {
                    "mean" => Stat::Mean(window),
                    "min" => Stat::Min(window),
                    "max" => Stat::Max(window),
                    "change" => Stat::Change(window),
                    _ => Stat::Trend(window),
                }
            }
        };
        if let Some(end_s) = self
            .checker
            .scenarios
            .durations_s
            .get(&scenario)
            .copied()
            .flatten()
        {
            let last = match &stat {
                Stat::At(t) => *t,
                Stat::TimeTo { after, .. } => *after,
                Stat::Mean(w)
                | Stat::Min(w)
                | Stat::Max(w)
                | Stat::Change(w)
                | Stat::Trend(w)
                | Stat::Fraction(w, _) => w.to,
            };
            if last > end_s {
                return Err(self.error(format!(
                    "{} is after the end of {scenario} ({})",
                    duration::format_ms(last * 1000),
                    duration::format_ms(end_s * 1000)
                )));
            }
        }
        if known {
            let text = quantity::is_text(&quantity);
            let wants_text = matches!(
                stat,
                Stat::Fraction(..)
                    | Stat::TimeTo {
                        until: Condition::Equals(_) | Condition::NotEquals(_),
                        ..
                    }
            );
            let either = matches!(stat, Stat::At(_));
            if !either && text != wants_text {
                return Err(self.error(format!(
                    "{quantity} is a {} column; stat {stat_name:?} with these keys reads {}",
                    if text { "text" } else { "numeric" },
                    if wants_text { "text" } else { "numbers" }
                )));
            }
        }
        Ok(Probe {
            scenario,
            quantity,
            stat,
        })
    }
}

impl RawMeasure {
    /// No probe keys besides `ratio`/`difference`.
    fn is_bare(&self) -> bool {
        self.scenario.is_none()
            && self.column.is_none()
            && self.stat.is_none()
            && self.at.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && self.after.is_none()
            && self.above.is_none()
            && self.below.is_none()
            && self.equals.is_none()
            && self.not_equals.is_none()
    }
}

fn names(table: &[(&str, &str)]) -> String {
    table
        .iter()
        .map(|(key, _)| *key)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Ids must be unique across the suite.
pub(crate) fn check_unique_ids(targets: &[Target]) -> Result<(), LoadError> {
    let mut seen = BTreeSet::new();
    for target in targets {
        if !seen.insert(target.id.as_str()) {
            return Err(LoadError {
                file: target.file.clone(),
                line: target.line,
                field: "id".into(),
                message: format!("{:?} is used by another target", target.id),
            });
        }
    }
    Ok(())
}
