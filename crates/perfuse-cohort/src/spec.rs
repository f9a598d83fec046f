//! The cohort spec (TOML): who the patients are, which scenario they go through, and the arms
//! to compare. Read with serde into a raw shape, then checked field by field so that every
//! mistake is `file:line: field: message` with the accepted range.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::dist::{Dist, DistError, EMPIRICAL};
use perfuse_scenario::SourceText;

/// Reads a file a spec names (an empirical distribution's CSV), by its path as written in
/// the spec (relative to the spec's directory). Returns the name to show in messages and the
/// text. The CLI reads from disk; this crate does no I/O.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Result<(String, String), String>;

/// A spec that cannot be used, located in its file (`file:line: field: message`).
pub type SpecError = perfuse_scenario::ScenarioError;

/// A sampled patient parameter: its spec key, what it sets, and the range the simulator
/// accepts (`perfuse_sim::PatientConfig::validate` and the action vocabulary), so a
/// distribution that could leave it is refused when the spec is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// `patient.age_years`.
    AgeYears,
    /// `patient.height_cm`.
    HeightCm,
    /// Body-mass index; weight = BMI × height², so weight follows height and sex.
    BmiKgM2,
    /// `patient.hct_pct`, pre-operative.
    HctPct,
    /// `patient.heparin_sensitivity` (ACT slope × normal).
    HeparinSensitivity,
    /// `set-contractility` at 0:00:00 (× the patient's own).
    Contractility,
    /// `set-vascular-tone` at 0:00:00 (× the patient's own).
    VascularTone,
    /// `set-metabolic-rate` at 0:00:00 (× normal for the temperature).
    MetabolicRate,
}

impl Param {
    /// Every parameter, in sampling order (the order is part of the seed contract).
    pub const ALL: [Param; 8] = [
        Param::AgeYears,
        Param::HeightCm,
        Param::BmiKgM2,
        Param::HctPct,
        Param::HeparinSensitivity,
        Param::Contractility,
        Param::VascularTone,
        Param::MetabolicRate,
    ];

    /// Key in `[population]`.
    pub fn key(self) -> &'static str {
        match self {
            Param::AgeYears => "age_years",
            Param::HeightCm => "height_cm",
            Param::BmiKgM2 => "bmi_kg_m2",
            Param::HctPct => "hct_pct",
            Param::HeparinSensitivity => "heparin_sensitivity",
            Param::Contractility => "contractility",
            Param::VascularTone => "vascular_tone",
            Param::MetabolicRate => "metabolic_rate",
        }
    }

    /// Accepted range and unit. BMI 7–100 kg/m² is the simulator's plausibility bound; the
    /// factors are the ranges of the `set-*` actions.
    pub fn range(self) -> (f64, f64, &'static str) {
        match self {
            Param::AgeYears => (0.0, 120.0, "years"),
            Param::HeightCm => (40.0, 250.0, "cm"),
            Param::BmiKgM2 => (7.0, 100.0, "kg/m2"),
            Param::HctPct => (15.0, 65.0, "%"),
            Param::HeparinSensitivity => (0.1, 3.0, "(ratio)"),
            Param::Contractility => (0.1, 2.0, "× baseline"),
            Param::VascularTone => (0.2, 3.0, "× baseline"),
            Param::MetabolicRate => (0.3, 3.0, "× normal"),
        }
    }

    /// Decimals a drawn value is rounded to, so the patients table is the exact input.
    pub fn decimals(self) -> i32 {
        match self {
            Param::AgeYears | Param::HeightCm | Param::BmiKgM2 | Param::HctPct => 1,
            _ => 2,
        }
    }

    /// Whether a spec must give it (the factors default to the model's 1).
    pub fn required(self) -> bool {
        matches!(
            self,
            Param::AgeYears | Param::HeightCm | Param::BmiKgM2 | Param::HctPct
        )
    }

    /// Value when the spec leaves it out.
    pub fn default_value(self) -> f64 {
        1.0
    }
}

/// A parameter's distribution, the same for both sexes or one per sex.
#[derive(Clone, Debug, PartialEq)]
pub struct BySex {
    /// For men.
    pub male: Dist,
    /// For women.
    pub female: Dist,
}

/// The population patients are drawn from.
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    /// Share of women, %.
    pub female_pct: f64,
    /// One distribution per [`Param::ALL`] entry, `None` = the model's default.
    pub params: [Option<BySex>; 8],
}

/// One protocol arm: what changes in the base scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    /// Label in the outputs.
    pub name: String,
    /// Full-flow index, L/min/m²: every flow of the base scenario is scaled so that its
    /// `start-bypass` flow becomes this index × the patient's BSA (the wean keeps its shape).
    pub flow_index_l_min_m2: Option<f64>,
    /// `[circuit]` keys to set (e.g. `prime_ml`), as TOML values.
    pub circuit: toml::Table,
    /// Actions of the base scenario to drop (e.g. `set-water-temp`).
    pub remove_actions: Vec<String>,
    /// Events to add, `[[events]]` tables of a scenario file.
    pub events: Vec<toml::Table>,
}

/// A validated cohort spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// Title.
    pub name: String,
    /// Base scenario, as written (relative to the spec's directory).
    pub scenario: String,
    /// Number of patients.
    pub patients: u32,
    /// Seed of everything random: patients, simulations, the bootstrap.
    pub seed: u64,
    /// Who.
    pub population: Population,
    /// What is compared; every patient goes through every arm.
    pub arms: Vec<Arm>,
}

/// Most patients a spec may ask for (a day of one core at ~0.3 s each is ~300,000 runs).
pub const MAX_PATIENTS: u32 = 1_000_000;

/// Arms a spec may have.
pub const MAX_ARMS: usize = 16;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    cohort: Spanned<RawCohort>,
    population: Spanned<RawPopulation>,
    arms: Spanned<Vec<Spanned<RawArm>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCohort {
    name: String,
    scenario: String,
    patients: Spanned<i64>,
    seed: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPopulation {
    female_pct: Spanned<f64>,
    age_years: Option<Spanned<RawDist>>,
    height_cm: Option<Spanned<RawDist>>,
    bmi_kg_m2: Option<Spanned<RawDist>>,
    hct_pct: Option<Spanned<RawDist>>,
    heparin_sensitivity: Option<Spanned<RawDist>>,
    contractility: Option<Spanned<RawDist>>,
    vascular_tone: Option<Spanned<RawDist>>,
    metabolic_rate: Option<Spanned<RawDist>>,
}

/// A distribution (`dist = …`) or one per sex (`male = {…}`, `female = {…}`, each a
/// distribution).
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawDist {
    dist: Option<String>,
    value: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    mean: Option<f64>,
    sd: Option<f64>,
    median: Option<f64>,
    gsd: Option<f64>,
    values: Option<Vec<f64>>,
    weights: Option<Vec<f64>>,
    file: Option<String>,
    male: Option<Spanned<Box<RawDist>>>,
    female: Option<Spanned<Box<RawDist>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArm {
    name: String,
    flow_index_l_min_m2: Option<Spanned<f64>>,
    #[serde(default)]
    circuit: toml::Table,
    #[serde(default)]
    remove_actions: Vec<String>,
    #[serde(default)]
    events: Vec<toml::Table>,
}

/// Flow indices an arm may ask for, L/min/m²: from deliberate low flow to above any adult
/// target (Gravlee ch. 5: 1.2–3.0).
const FLOW_INDEX_RANGE: (f64, f64) = (1.0, 3.5);

/// Parses and checks a spec that names no other file. `file` is used in messages only.
pub fn parse(text: &str, file: &str) -> Result<Spec, SpecError> {
    parse_with_files(text, file, &|name| {
        Err(format!(
            "{name}: this caller reads no files; give the values inline (values = [...])"
        ))
    })
}

/// Parses and checks a spec, reading the files it names (an empirical distribution's
/// `file = "…"`) through `read`. `file` is used in messages only.
pub fn parse_with_files(text: &str, file: &str, read: ReadFile) -> Result<Spec, SpecError> {
    let at = Locator {
        src: SourceText { file, text },
        read,
    };
    let raw: RawSpec = at.src.deserialize()?;

    let cohort = raw.cohort.into_inner();
    let patients = *cohort.patients.get_ref();
    if !(1..=i64::from(MAX_PATIENTS)).contains(&patients) {
        return Err(at.error(
            cohort.patients.span(),
            "cohort.patients",
            format!("{patients}: must be between 1 and {MAX_PATIENTS}"),
        ));
    }
    let seed = *cohort.seed.get_ref();
    if seed < 0 {
        return Err(at.error(
            cohort.seed.span(),
            "cohort.seed",
            format!("{seed}: must be a whole number ≥ 0"),
        ));
    }
    let population = at.population(raw.population)?;

    let arms_span = raw.arms.span();
    let raw_arms = raw.arms.into_inner();
    if raw_arms.is_empty() || raw_arms.len() > MAX_ARMS {
        return Err(at.error(
            arms_span,
            "arms",
            format!(
                "{} arms: a cohort needs between 1 and {MAX_ARMS}",
                raw_arms.len()
            ),
        ));
    }
    let mut arms: Vec<Arm> = Vec::with_capacity(raw_arms.len());
    for (i, spanned) in raw_arms.into_iter().enumerate() {
        let span = spanned.span();
        let arm = spanned.into_inner();
        let path = format!("arms[{i}]");
        if arm.name.trim().is_empty() || arms.iter().any(|a| a.name == arm.name) {
            return Err(at.error(
                span,
                &format!("{path}.name"),
                format!("{:?}: arm names must be non-empty and unique", arm.name),
            ));
        }
        let flow_index_l_min_m2 = match arm.flow_index_l_min_m2 {
            Some(index) => {
                let (lo, hi) = FLOW_INDEX_RANGE;
                let value = *index.get_ref();
                if !(lo..=hi).contains(&value) {
                    return Err(at.error(
                        index.span(),
                        &format!("{path}.flow_index_l_min_m2"),
                        format!("{value}: must be between {lo} and {hi} L/min/m2"),
                    ));
                }
                Some(value)
            }
            None => None,
        };
        arms.push(Arm {
            name: arm.name,
            flow_index_l_min_m2,
            circuit: arm.circuit,
            remove_actions: arm.remove_actions,
            events: arm.events,
        });
    }
    Ok(Spec {
        name: cohort.name,
        scenario: cohort.scenario,
        patients: patients as u32,
        seed: seed as u64,
        population,
        arms,
    })
}

struct Locator<'a> {
    src: SourceText<'a>,
    read: ReadFile<'a>,
}

impl Locator<'_> {
    fn error(&self, span: Range<usize>, field: &str, message: impl Into<String>) -> SpecError {
        self.src.error(span.start, field, message)
    }

    fn population(&self, raw: Spanned<RawPopulation>) -> Result<Population, SpecError> {
        let span = raw.span();
        let raw = raw.into_inner();
        let female_pct = *raw.female_pct.get_ref();
        if !(0.0..=100.0).contains(&female_pct) {
            return Err(self.error(
                raw.female_pct.span(),
                "population.female_pct",
                format!("{female_pct}: must be between 0 and 100 %"),
            ));
        }
        let given = [
            raw.age_years,
            raw.height_cm,
            raw.bmi_kg_m2,
            raw.hct_pct,
            raw.heparin_sensitivity,
            raw.contractility,
            raw.vascular_tone,
            raw.metabolic_rate,
        ];
        let mut params: [Option<BySex>; 8] = Default::default();
        for ((param, raw), slot) in Param::ALL.into_iter().zip(given).zip(&mut params) {
            let path = format!("population.{}", param.key());
            *slot = match raw {
                None if param.required() => {
                    return Err(self.error(
                        span.clone(),
                        &path,
                        "required: a distribution (dist = \"normal\" | \"lognormal\" | \"uniform\" | \"fixed\" | \"empirical\") or one per sex (male = {…}, female = {…})",
                    ));
                }
                None => None,
                Some(raw) => Some(self.by_sex(param, raw, &path)?),
            };
        }
        Ok(Population { female_pct, params })
    }

    fn by_sex(&self, param: Param, raw: Spanned<RawDist>, path: &str) -> Result<BySex, SpecError> {
        let span = raw.span();
        let mut raw = raw.into_inner();
        match (raw.dist.is_some(), raw.male.take(), raw.female.take()) {
            (true, None, None) => {
                let dist = self.dist(param, raw, span, path)?;
                Ok(BySex {
                    male: dist.clone(),
                    female: dist,
                })
            }
            (false, Some(male), Some(female)) => Ok(BySex {
                male: self.dist(
                    param,
                    *male.get_ref().clone(),
                    male.span(),
                    &format!("{path}.male"),
                )?,
                female: self.dist(
                    param,
                    *female.get_ref().clone(),
                    female.span(),
                    &format!("{path}.female"),
                )?,
            }),
            _ => Err(self.error(
                span,
                path,
                "give either `dist = …` (both sexes) or both `male = {…}` and `female = {…}`",
            )),
        }
    }

    fn dist(
        &self,
        param: Param,
        raw: RawDist,
        span: Range<usize>,
        path: &str,
    ) -> Result<Dist, SpecError> {
        let located = |e: DistError| {
            let field = if e.field.is_empty() {
                path.to_owned()
            } else {
                format!("{path}.{}", e.field)
            };
            self.error(span.clone(), &field, e.message)
        };
        if raw.male.is_some() || raw.female.is_some() {
            return Err(self.error(
                span,
                path,
                "a per-sex distribution cannot itself be split by sex",
            ));
        }
        let kind = raw.dist.as_deref().unwrap_or_default();
        let table_keys = [
            ("values", raw.values.is_some()),
            ("weights", raw.weights.is_some()),
            ("file", raw.file.is_some()),
        ];
        let dist = if kind == EMPIRICAL {
            self.empirical(raw, &span, path)?
        } else if let Some((key, _)) = table_keys.iter().find(|(_, given)| *given) {
            return Err(self.error(
                span,
                &format!("{path}.{key}"),
                format!("only for dist = \"{EMPIRICAL}\", not {kind:?}"),
            ));
        } else {
            Dist::new(
                kind,
                &[
                    ("value", raw.value),
                    ("min", raw.min),
                    ("max", raw.max),
                    ("mean", raw.mean),
                    ("sd", raw.sd),
                    ("median", raw.median),
                    ("gsd", raw.gsd),
                ],
            )
            .map_err(located)?
        };
        let (lo, hi, unit) = param.range();
        let (min, max) = dist.bounds();
        if min < lo || max > hi {
            return Err(located(DistError {
                field: String::new(),
                message: format!(
                    "draws values in {min}–{max}; {} must stay between {lo} and {hi} {unit}",
                    param.key()
                ),
            }));
        }
        Ok(dist)
    }

    /// `dist = "empirical"`: `values` (and optional `weights`) inline, or a CSV `file`
    /// relative to the spec with a `value` column and an optional `weight` column (other
    /// columns, e.g. a source note, are ignored).
    fn empirical(&self, raw: RawDist, span: &Range<usize>, path: &str) -> Result<Dist, SpecError> {
        let numbers = [
            ("value", raw.value),
            ("min", raw.min),
            ("max", raw.max),
            ("mean", raw.mean),
            ("sd", raw.sd),
            ("median", raw.median),
            ("gsd", raw.gsd),
        ];
        if let Some((key, _)) = numbers.iter().find(|(_, v)| v.is_some()) {
            return Err(self.error(
                span.clone(),
                &format!("{path}.{key}"),
                format!(
                    "not a parameter of dist = \"{EMPIRICAL}\"; it takes values (and weights), or file"
                ),
            ));
        }
        let located =
            |e: DistError| self.error(span.clone(), &format!("{path}.{}", e.field), e.message);
        match (raw.values, raw.file) {
            (Some(values), None) => {
                Dist::empirical(values, raw.weights.as_deref()).map_err(located)
            }
            (None, Some(name)) if raw.weights.is_none() => {
                let field = format!("{path}.file");
                let (shown, text) = (self.read)(&name)
                    .map_err(|message| self.error(span.clone(), &field, message))?;
                let table = csv_table(&text).map_err(|(line, message)| SpecError {
                    file: shown.clone(),
                    line,
                    field: field.clone(),
                    message,
                })?;
                Dist::empirical(table.0, table.1.as_deref()).map_err(|e| SpecError {
                    file: shown.clone(),
                    line: 0,
                    field: field.clone(),
                    message: format!("{}: {}", e.field, e.message),
                })
            }
            (None, Some(_)) => Err(self.error(
                span.clone(),
                &format!("{path}.weights"),
                "with file, the weights are the file's `weight` column",
            )),
            (Some(_), Some(_)) => Err(self.error(
                span.clone(),
                &format!("{path}.file"),
                "give either values (inline) or file, not both",
            )),
            (None, None) => Err(self.error(
                span.clone(),
                &format!("{path}.values"),
                format!("required by dist = \"{EMPIRICAL}\" (or file = \"….csv\")"),
            )),
        }
    }
}

/// An empirical distribution's values and, if given, their weights.
type ValuesAndWeights = (Vec<f64>, Option<Vec<f64>>);

/// An empirical distribution's CSV: a header naming a `value` column and optionally a
/// `weight` column, then one number per row in each (blank lines skipped). Errors carry the
/// 1-based line.
fn csv_table(text: &str) -> Result<ValuesAndWeights, (usize, String)> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty());
    let (header_line, header) = lines.next().ok_or((
        0,
        "is empty; expected a header with a `value` column".to_owned(),
    ))?;
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let value_at = names.iter().position(|n| *n == "value").ok_or((
        header_line,
        format!("header {header:?} has no `value` column"),
    ))?;
    let weight_at = names.iter().position(|n| *n == "weight");
    let mut values = Vec::new();
    let mut weights = weight_at.map(|_| Vec::new());
    for (line, row) in lines {
        let cells: Vec<&str> = row.split(',').map(str::trim).collect();
        let number = |at: usize, column: &str| {
            let cell = cells.get(at).copied().unwrap_or_default();
            cell.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or((line, format!("{column} {cell:?}: not a finite number")))
        };
        values.push(number(value_at, "value")?);
        if let (Some(at), Some(weights)) = (weight_at, &mut weights) {
            let weight = number(at, "weight")?;
            if weight < 0.0 {
                return Err((line, format!("weight {weight}: must be ≥ 0")));
            }
            weights.push(weight);
        }
    }
    Ok((values, weights))
}
