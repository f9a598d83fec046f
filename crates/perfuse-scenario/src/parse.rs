//! TOML → [`Scenario`], with every error located at the key or value that caused it.
//!
//! `toml_edit` gives a syntax tree with spans; this module walks it by hand (instead of
//! serde) so that each message can say which field, on which line, and what is accepted.

use std::ops::Range;

use perfuse_sim::{
    ACTIONS, Action, ActionSpec, CircuitConfig, ConfigError, FieldKind, FieldSource, PatientConfig,
    PumpKind, Sex, resting_hr_bpm, resting_map_mmhg,
};
use toml_edit::{Document, Item, TableLike, Value};

use crate::duration;
use crate::error::ScenarioError;
use crate::observations::{self, Column};
use crate::{
    ActionObjective, ActionPattern, Anchor, DEFAULT_GRACE_S, Event, Objective, ObjectiveKind,
    ObjectivePhase, RangeObjective, Scenario, Section,
};
use crate::{Difficulty, Question, QuestionAnswer};

/// Parses and validates a scenario. `file` is used only in error messages.
pub fn parse(source: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let located = Locator { source, file };
    let document = document(&located)?;
    let root = Fields::new(&located, document.as_table(), None, String::new());
    Parser { at: &located }.scenario(root)
}

/// Parses a file of `[[events]]` only (an alternative ending for `perfuse run --branch-at`),
/// each within `duration_ms`, sorted by time.
pub fn parse_events(
    source: &str,
    file: &str,
    duration_ms: u64,
) -> Result<Vec<Event>, ScenarioError> {
    let located = Locator { source, file };
    let document = document(&located)?;
    let mut root = Fields::new(&located, document.as_table(), None, String::new());
    let parser = Parser { at: &located };
    let tables = parser.tables(&mut root, "events")?;
    root.finish()?;
    let mut events = tables
        .into_iter()
        .map(|fields| parser.event(fields, duration_ms))
        .collect::<Result<Vec<_>, _>>()?;
    events.sort_by_key(|e| e.at_ms);
    Ok(events)
}

fn document<'s>(located: &Locator<'s>) -> Result<Document<&'s str>, ScenarioError> {
    let (source, file) = (located.source, located.file);
    Document::parse(source).map_err(|e| {
        let line = e.span().map_or(0, |span| located.line(span.start));
        // A duplicate key's span is the key itself: name it as the field.
        let field = match e.span() {
            Some(span) if e.message().starts_with("duplicate key") => {
                source.get(span).unwrap_or_default().trim().to_owned()
            }
            _ => String::new(),
        };
        let mut message = e.message().trim().to_owned();
        if message.starts_with("invalid time") {
            message.push_str("; write durations in quotes, e.g. at = \"0:05:00\"");
        }
        ScenarioError {
            file: file.to_owned(),
            line,
            field,
            message,
        }
    })
}

struct Locator<'a> {
    source: &'a str,
    file: &'a str,
}

impl Locator<'_> {
    fn line(&self, offset: usize) -> usize {
        self.source[..offset.min(self.source.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn error(
        &self,
        span: Option<Range<usize>>,
        field: &str,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError {
            file: self.file.to_owned(),
            line: span.map_or(0, |s| self.line(s.start)),
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// The keys of one table, read one by one; `finish` rejects the keys nobody asked for.
struct Fields<'a> {
    at: &'a Locator<'a>,
    table: &'a dyn TableLike,
    /// Where the table itself is written (its `[header]` or `{ … }`), for errors about a
    /// table with no keys to point at.
    span: Option<Range<usize>>,
    path: String,
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    fn new(
        at: &'a Locator<'a>,
        table: &'a dyn TableLike,
        span: Option<Range<usize>>,
        path: String,
    ) -> Self {
        Fields {
            at,
            table,
            span,
            path,
            known: Vec::new(),
        }
    }

    fn field_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn span_of_value(&self, key: &str) -> Option<Range<usize>> {
        let (k, item) = self.table.get_key_value(key)?;
        item.span().or_else(|| k.span())
    }

    fn error(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        self.at
            .error(self.span_of_value(key), &self.field_path(key), message)
    }

    fn whole_table_error(&self, message: impl Into<String>) -> ScenarioError {
        // The table's own span, else the first key's: both point at the right place.
        let span = self.span.clone().or_else(|| {
            self.table
                .iter()
                .next()
                .and_then(|(key, _)| self.span_of_value(key))
        });
        self.at.error(span, &self.path, message)
    }

    fn item(&mut self, key: &'static str) -> Option<&'a Item> {
        self.known.push(key);
        self.table.get(key)
    }

    fn value(&mut self, key: &'static str) -> Result<Option<&'a Value>, ScenarioError> {
        match self.item(key) {
            None => Ok(None),
            Some(Item::Value(value)) => Ok(Some(value)),
            Some(_) => Err(self.error(key, "expected a value, found a table")),
        }
    }

    fn number(&mut self, key: &'static str) -> Result<Option<f64>, ScenarioError> {
        let Some(value) = self.value(key)? else {
            return Ok(None);
        };
        match value {
            Value::Integer(i) => Ok(Some(*i.value() as f64)),
            Value::Float(f) if f.value().is_finite() => Ok(Some(*f.value())),
            Value::Float(f) => {
                Err(self.error(key, format!("{} is not a finite number", f.value())))
            }
            other => Err(self.error(
                key,
                format!("expected a number, found {}", other.type_name()),
            )),
        }
    }

    fn number_or(&mut self, key: &'static str, default: f64) -> Result<f64, ScenarioError> {
        Ok(self.number(key)?.unwrap_or(default))
    }

    fn required_number(&mut self, key: &'static str) -> Result<f64, ScenarioError> {
        self.number(key)?.ok_or_else(|| self.missing(key))
    }

    fn string(&mut self, key: &'static str) -> Result<Option<&'a str>, ScenarioError> {
        let Some(value) = self.value(key)? else {
            return Ok(None);
        };
        match value {
            Value::String(s) => Ok(Some(s.value().as_str())),
            other => Err(self.error(
                key,
                format!("expected a string, found {}", other.type_name()),
            )),
        }
    }

    fn required_string(&mut self, key: &'static str) -> Result<&'a str, ScenarioError> {
        self.string(key)?.ok_or_else(|| self.missing(key))
    }

    fn choice<T>(
        &mut self,
        key: &'static str,
        what: &str,
        names: &[&str],
        from_name: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ScenarioError> {
        let Some(text) = self.string(key)? else {
            return Ok(None);
        };
        from_name(text).map(Some).ok_or_else(|| {
            self.error(
                key,
                format!(
                    "unknown {what} {text:?}; expected one of {}",
                    names.join(", ")
                ),
            )
        })
    }

    /// Milliseconds; a duration string (`"1:30:00"`, `"90m"`) or a number of seconds.
    fn duration_ms(&mut self, key: &'static str) -> Result<Option<u64>, ScenarioError> {
        let Some(value) = self.value(key)? else {
            return Ok(None);
        };
        let parsed = match value {
            Value::String(s) => duration::parse_ms(s.value()),
            Value::Integer(i) if *i.value() >= 0 => (*i.value() as u64)
                .checked_mul(1000)
                .filter(|&ms| ms <= duration::MAX_MS),
            Value::Float(f)
                if f.value().is_finite()
                    && *f.value() >= 0.0
                    && f.value() * 1000.0 <= duration::MAX_MS as f64 =>
            {
                Some((f.value() * 1000.0).round() as u64)
            }
            // `at = 00:05:00` without quotes is a TOML local time: read it as h:mm:ss.
            Value::Datetime(dt) => match (dt.value().date, dt.value().time, dt.value().offset) {
                (None, Some(t), None) => Some(
                    (u64::from(t.hour) * 3600
                        + u64::from(t.minute) * 60
                        + u64::from(t.second.unwrap_or(0)))
                        * 1000
                        + u64::from(t.nanosecond.unwrap_or(0)) / 1_000_000,
                ),
                _ => None,
            },
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| {
            self.error(
                key,
                format!(
                    "{value} is not a duration of at most a year; write \"h:mm:ss\", \"90m\", \"5400s\" or \"500ms\"",
                ),
            )
        })
    }

    fn missing(&self, key: &str) -> ScenarioError {
        self.whole_table_error(format!("required key `{key}` is missing"))
            .with_field(self.field_path(key))
    }

    fn finish(self) -> Result<(), ScenarioError> {
        for (key, _) in self.table.iter() {
            if !self.known.contains(&key) {
                let span = self
                    .table
                    .get_key_value(key)
                    .and_then(|(k, item)| k.span().or_else(|| item.span()));
                return Err(self.at.error(
                    span,
                    &self.field_path(key),
                    format!("unknown key; expected one of {}", self.known.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

impl ScenarioError {
    fn with_field(mut self, field: String) -> Self {
        self.field = field;
        self
    }
}

struct Parser<'a> {
    at: &'a Locator<'a>,
}

impl<'a> Parser<'a> {
    fn scenario(&self, mut root: Fields<'a>) -> Result<Scenario, ScenarioError> {
        let meta = self.table(&mut root, "scenario")?;
        let patient = self.table(&mut root, "patient")?;
        let circuit = self.table(&mut root, "circuit")?;
        let events = self.tables(&mut root, "events")?;
        let objectives = self.tables(&mut root, "objectives")?;
        let questions = self.tables(&mut root, "questions")?;
        root.finish()?;

        let mut meta =
            meta.ok_or_else(|| self.at.error(None, "scenario", "missing [scenario] table"))?;
        let name = meta.required_string("name")?.to_owned();
        let description = meta.string("description")?.unwrap_or_default().to_owned();
        let brief = meta.string("brief")?.unwrap_or(&description).to_owned();
        let instructor_notes = meta
            .string("instructor_notes")?
            .unwrap_or_default()
            .to_owned();
        let duration_ms = meta
            .duration_ms("duration")?
            .ok_or_else(|| meta.missing("duration"))?;
        if duration_ms == 0 {
            return Err(meta.error("duration", "must be longer than 0 s"));
        }
        let seed = match meta.number("seed")? {
            None => 0,
            // `u64::MAX as f64` rounds up to 2^64, which `as u64` would saturate: bound below it.
            Some(s) if (0.0..18_446_744_073_709_551_616.0).contains(&s) && s.fract() == 0.0 => {
                s as u64
            }
            Some(s) => {
                return Err(meta.error(
                    "seed",
                    format!("{s}: must be a whole number from 0 to 2^64 − 1"),
                ));
            }
        };
        let sections = self.sections(&mut meta)?;
        let difficulty = meta.choice(
            "difficulty",
            "difficulty",
            &Difficulty::ALL.map(Difficulty::name),
            Difficulty::from_name,
        )?;
        meta.finish()?;

        let patient = self.patient(
            patient.ok_or_else(|| self.at.error(None, "patient", "missing [patient] table"))?,
        )?;
        let circuit = self.circuit(
            circuit.ok_or_else(|| self.at.error(None, "circuit", "missing [circuit] table"))?,
            &patient,
        )?;

        let mut parsed_events = Vec::with_capacity(events.len());
        for fields in events {
            parsed_events.push(self.event(fields, duration_ms)?);
        }
        // Stable: events at the same instant apply in file order.
        parsed_events.sort_by_key(|e: &Event| e.at_ms);

        let objectives = objectives
            .into_iter()
            .map(|f| self.objective(f))
            .collect::<Result<_, _>>()?;
        let mut questions = questions
            .into_iter()
            .map(|f| self.question(f, duration_ms))
            .collect::<Result<Vec<_>, _>>()?;
        questions.sort_by_key(|q: &Question| q.at_ms);
        Ok(Scenario {
            name,
            description,
            brief,
            instructor_notes,
            duration_ms,
            seed,
            sections,
            difficulty,
            patient,
            circuit,
            events: parsed_events,
            objectives,
            questions,
        })
    }

    /// One `[[questions]]` table: `at`, `prompt`, and either `column` (+ `tolerance_pct`) or
    /// `choices` + `correct` (the number of the right choice, from 1).
    fn question(&self, mut f: Fields<'a>, duration_ms: u64) -> Result<Question, ScenarioError> {
        let at_ms = f.duration_ms("at")?.ok_or_else(|| f.missing("at"))?;
        if at_ms >= duration_ms {
            return Err(f.error("at", "must be before the end of the scenario"));
        }
        let prompt = f.required_string("prompt")?.trim().to_owned();
        if prompt.is_empty() || prompt.chars().count() > 300 {
            return Err(f.error("prompt", "must be 1 to 300 characters"));
        }
        let answer = match (f.string("column")?, f.value("choices")?) {
            (Some(name), None) => {
                let column = crate::observations::column(name)
                    .filter(|c| c.is_numeric())
                    .ok_or_else(|| {
                        f.error(
                            "column",
                            format!("{name:?} is not a numeric column of the data dictionary (docs/data-dictionary.md)"),
                        )
                    })?;
                let tolerance_pct = f.number_or("tolerance_pct", 10.0)?;
                if !(tolerance_pct > 0.0 && tolerance_pct <= 50.0) {
                    return Err(f.error(
                        "tolerance_pct",
                        format!("{tolerance_pct}: must be above 0 and at most 50 %"),
                    ));
                }
                QuestionAnswer::Value {
                    column: column.name,
                    unit: column.unit,
                    tolerance_pct,
                }
            }
            (None, Some(value)) => {
                let choices: Option<Vec<String>> = match value {
                    Value::Array(array) => array
                        .iter()
                        .map(|v| match v {
                            Value::String(s) if !s.value().trim().is_empty() => {
                                Some(s.value().trim().to_owned())
                            }
                            _ => None,
                        })
                        .collect(),
                    _ => None,
                };
                let choices = choices
                    .filter(|c| (2..=6).contains(&c.len()))
                    .ok_or_else(|| {
                        f.error("choices", "expected a list of 2 to 6 non-empty strings")
                    })?;
                let correct = f.number("correct")?.ok_or_else(|| f.missing("correct"))?;
                if correct.fract() != 0.0 || correct < 1.0 || correct > choices.len() as f64 {
                    return Err(f.error(
                        "correct",
                        format!(
                            "{correct}: must be the number of a choice, 1 to {}",
                            choices.len()
                        ),
                    ));
                }
                QuestionAnswer::Choice {
                    choices,
                    correct: correct as usize - 1,
                }
            }
            _ => {
                return Err(f.error(
                    "column",
                    "give either column (a number read from the patient when asked) or choices and correct",
                ));
            }
        };
        f.finish()?;
        Ok(Question {
            at_ms,
            prompt,
            answer,
        })
    }

    /// `sections = ["clinical-management", …]`: ABCP knowledge-base section names, each once.
    fn sections(&self, meta: &mut Fields<'a>) -> Result<Vec<Section>, ScenarioError> {
        let Some(value) = meta.value("sections")? else {
            return Ok(Vec::new());
        };
        let Value::Array(array) = value else {
            return Err(meta.error(
                "sections",
                format!(
                    "expected a list of section names, found {}",
                    value.type_name()
                ),
            ));
        };
        let field = meta.field_path("sections");
        let mut sections = Vec::with_capacity(array.len());
        for (i, element) in array.iter().enumerate() {
            let error = |message: String| {
                self.at
                    .error(element.span(), &format!("{field}[{i}]"), message)
            };
            let Value::String(name) = element else {
                return Err(error(format!(
                    "expected a section name, found {}",
                    element.type_name()
                )));
            };
            let name = name.value();
            let section = Section::from_name(name).ok_or_else(|| {
                error(format!(
                    "unknown section {name:?}; expected one of {}",
                    Section::accepted_names()
                ))
            })?;
            if sections.contains(&section) {
                return Err(error(format!("section {name:?} is listed twice")));
            }
            sections.push(section);
        }
        if sections.is_empty() {
            return Err(meta.error(
                "sections",
                format!(
                    "list at least one section, or leave the key out; expected names from {}",
                    Section::accepted_names()
                ),
            ));
        }
        Ok(sections)
    }

    fn table(
        &self,
        parent: &mut Fields<'a>,
        key: &'static str,
    ) -> Result<Option<Fields<'a>>, ScenarioError> {
        let Some(item) = parent.item(key) else {
            return Ok(None);
        };
        let table = item
            .as_table_like()
            .ok_or_else(|| parent.error(key, "expected a table"))?;
        Ok(Some(Fields::new(
            self.at,
            table,
            item.span(),
            parent.field_path(key),
        )))
    }

    /// `[[key]]` array of tables, or `key = [{…}, …]` inline.
    fn tables(
        &self,
        parent: &mut Fields<'a>,
        key: &'static str,
    ) -> Result<Vec<Fields<'a>>, ScenarioError> {
        let Some(item) = parent.item(key) else {
            return Ok(Vec::new());
        };
        let path = |i: usize| format!("{key}[{i}]");
        match item {
            Item::ArrayOfTables(array) => Ok(array
                .iter()
                .enumerate()
                .map(|(i, t)| Fields::new(self.at, t as &dyn TableLike, t.span(), path(i)))
                .collect()),
            Item::Value(Value::Array(array)) => array
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::InlineTable(t) => {
                        Ok(Fields::new(self.at, t as &dyn TableLike, t.span(), path(i)))
                    }
                    other => Err(self.at.error(other.span(), &path(i), "expected a table")),
                })
                .collect(),
            _ => Err(parent.error(key, format!("expected [[{key}]] tables"))),
        }
    }

    fn patient(&self, mut f: Fields<'a>) -> Result<PatientConfig, ScenarioError> {
        let defaults = PatientConfig::default();
        let sex = f.choice("sex", "sex", Sex::NAMES, Sex::from_name)?;
        let sex = sex.ok_or_else(|| f.missing("sex"))?;
        let age_years = f.required_number("age_years")?;
        let patient = PatientConfig {
            sex,
            age_years,
            height_cm: f.required_number("height_cm")?,
            weight_kg: f.required_number("weight_kg")?,
            hct_pct: f.required_number("hct_pct")?,
            ebv_ml_per_kg: f.number("ebv_ml_per_kg")?,
            hr_bpm: f.number_or("hr_bpm", resting_hr_bpm(age_years))?,
            map_mmhg: f.number_or("map_mmhg", resting_map_mmhg(age_years))?,
            temp_c: f.number_or("temp_c", defaults.temp_c)?,
            lactate_mmol_l: f.number_or("lactate_mmol_l", defaults.lactate_mmol_l)?,
            act_s: f.number_or("act_s", defaults.act_s)?,
            heparin_sensitivity: f
                .number_or("heparin_sensitivity", defaults.heparin_sensitivity)?,
            k_mmol_l: f.number_or("k_mmol_l", defaults.k_mmol_l)?,
            cold_agglutinin_amplitude_c: f.number_or(
                "cold_agglutinin_amplitude_c",
                defaults.cold_agglutinin_amplitude_c,
            )?,
        };
        patient.validate().map_err(|e| config_error(&f, e))?;
        f.finish()?;
        Ok(patient)
    }

    /// The circuit; what it leaves out is sized for its prime and the patient.
    fn circuit(
        &self,
        mut f: Fields<'a>,
        patient: &PatientConfig,
    ) -> Result<CircuitConfig, ScenarioError> {
        let pump = f.choice("pump", "pump", PumpKind::NAMES, PumpKind::from_name)?;
        let prime_ml = f.required_number("prime_ml")?;
        let defaults = CircuitConfig::sized_for(prime_ml, patient);
        let circuit = CircuitConfig {
            pump: pump.unwrap_or(defaults.pump),
            prime_ml,
            prime_hct_pct: f.number_or("prime_hct_pct", defaults.prime_hct_pct)?,
            prime_protein_g_l: f.number_or("prime_protein_g_l", defaults.prime_protein_g_l)?,
            reservoir_capacity_ml: f
                .number_or("reservoir_capacity_ml", defaults.reservoir_capacity_ml)?,
            reservoir_min_ml: f.number_or("reservoir_min_ml", defaults.reservoir_min_ml)?,
            roller_ml_per_rev: f.number_or("roller_ml_per_rev", defaults.roller_ml_per_rev)?,
            siphon_height_cm: f.number_or("siphon_height_cm", defaults.siphon_height_cm)?,
            vavd_mmhg: f.number_or("vavd_mmhg", defaults.vavd_mmhg)?,
            oxygenator_area_m2: f.number_or("oxygenator_area_m2", defaults.oxygenator_area_m2)?,
            heat_exchanger_pf: f.number_or("heat_exchanger_pf", defaults.heat_exchanger_pf)?,
            initial_sweep_l_min: f.number_or("sweep_l_min", defaults.initial_sweep_l_min)?,
            initial_fio2_pct: f.number_or("fio2_pct", defaults.initial_fio2_pct)?,
            initial_water_temp_c: f.number_or("water_temp_c", defaults.initial_water_temp_c)?,
        };
        circuit.validate().map_err(|e| config_error(&f, e))?;
        f.finish()?;
        Ok(circuit)
    }

    fn event(&self, mut f: Fields<'a>, duration_ms: u64) -> Result<Event, ScenarioError> {
        let at_ms = f.duration_ms("at")?.ok_or_else(|| f.missing("at"))?;
        if at_ms > duration_ms {
            return Err(f.error(
                "at",
                format!(
                    "{} is after the end of the scenario ({})",
                    duration::format_ms(at_ms),
                    duration::format_ms(duration_ms)
                ),
            ));
        }
        let name = f.required_string("action")?;
        let action = Action::from_fields(name, &mut f)?;
        f.finish()?;
        Ok(Event { at_ms, action })
    }

    fn objective(&self, mut f: Fields<'a>) -> Result<Objective, ScenarioError> {
        let kind = f
            .choice("kind", "objective kind", &["range", "action"], |k| {
                ["range", "action"].iter().position(|n| *n == k)
            })?
            .unwrap_or(0);
        let label = f.string("label")?.map(str::to_owned);
        let kind = if kind == 0 {
            ObjectiveKind::Range(self.range_objective(&mut f)?)
        } else {
            ObjectiveKind::Action(self.action_objective(&mut f)?)
        };
        f.finish()?;
        let label = label.unwrap_or_else(|| match &kind {
            ObjectiveKind::Range(r) => r.default_label(),
            ObjectiveKind::Action(a) => a.default_label(),
        });
        Ok(Objective { label, kind })
    }

    fn range_objective(&self, f: &mut Fields<'a>) -> Result<RangeObjective, ScenarioError> {
        let observe = f.required_string("observe")?;
        let column: &'static Column = observations::column(observe)
            .filter(|c| c.is_numeric())
            .ok_or_else(|| {
                f.error(
                    "observe",
                    format!("{observe:?} is not a numeric observation of the data dictionary"),
                )
            })?;
        let min = f.number("min")?;
        let max = f.number("max")?;
        if min.is_none() && max.is_none() {
            return Err(f.whole_table_error("an objective needs `min`, `max` or both"));
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                return Err(f.error("min", format!("{lo} is above max {hi}")));
            }
        }
        let during = f
            .choice(
                "during",
                "phase",
                ObjectivePhase::NAMES,
                ObjectivePhase::from_name,
            )?
            .unwrap_or(ObjectivePhase::Whole);
        let (before, before_s) = before_fields(f)?;
        Ok(RangeObjective {
            column,
            min,
            max,
            during,
            after: anchor_field(f, "after")?.unwrap_or(Anchor::Start),
            after_s: seconds_field(f, "after_s")?.unwrap_or(0.0),
            before,
            before_s,
            grace_s: self.whole_seconds(f, "grace_s", DEFAULT_GRACE_S)?,
            max_out_s: self.whole_seconds(f, "max_out_s", 0)?,
        })
    }

    fn action_objective(&self, f: &mut Fields<'a>) -> Result<ActionObjective, ScenarioError> {
        let action = f.required_string("action")?;
        let action = action_pattern(action).map_err(|m| f.error("action", m))?;
        let after = anchor_field(f, "after")?.unwrap_or(Anchor::Start);
        let (before, before_s) = before_fields(f)?;
        let after_s = seconds_field(f, "after_s")?.unwrap_or(0.0);
        let within_s = seconds_field(f, "within_s")?;
        if let Some(within) = within_s
            && within <= after_s
        {
            return Err(f.error(
                "within_s",
                format!("{within} s closes the window before it opens (after_s {after_s} s)"),
            ));
        }
        Ok(ActionObjective {
            action,
            after,
            after_s,
            within_s,
            before,
            before_s,
        })
    }

    /// A whole number of seconds ≥ 0 (at most a day), or `default`.
    fn whole_seconds(
        &self,
        f: &mut Fields<'a>,
        key: &'static str,
        default: u64,
    ) -> Result<u64, ScenarioError> {
        match f.number(key)? {
            None => Ok(default),
            Some(s) if s >= 0.0 && s.fract() == 0.0 && s <= 86_400.0 => Ok(s as u64),
            Some(s) => Err(f.error(
                key,
                format!("{s}: must be a whole number of seconds, 0–86400"),
            )),
        }
    }
}

/// An optional anchor (`start`, an action pattern or `alarm:<code>`) under `key`.
fn anchor_field<'a>(
    f: &mut Fields<'a>,
    key: &'static str,
) -> Result<Option<Anchor>, ScenarioError> {
    f.string(key)?
        .map(|text| anchor(text).map_err(|m| f.error(key, m)))
        .transpose()
}

/// `before` (an anchor) and `before_s` (seconds ahead of it, which needs `before`).
fn before_fields(f: &mut Fields<'_>) -> Result<(Option<Anchor>, f64), ScenarioError> {
    let before = anchor_field(f, "before")?;
    if before.is_none() && f.table.contains_key("before_s") {
        return Err(f.error("before_s", "needs `before`, the event it counts back from"));
    }
    Ok((before, seconds_field(f, "before_s")?.unwrap_or(0.0)))
}

/// An optional number of seconds, 0 to a day, under `key`.
fn seconds_field(f: &mut Fields<'_>, key: &'static str) -> Result<Option<f64>, ScenarioError> {
    match f.number(key)? {
        Some(s) if !(0.0..=86_400.0).contains(&s) => {
            Err(f.error(key, format!("{s}: must be between 0 and 86400 s")))
        }
        other => Ok(other),
    }
}

/// `name` or `name:choice` of an action of the vocabulary (`reset-detector:bubble`).
fn action_pattern(text: &str) -> Result<ActionPattern, String> {
    let (name, choice) = match text.split_once(':') {
        Some((n, c)) => (n, Some(c)),
        None => (text, None),
    };
    let spec = ActionSpec::find(name).ok_or_else(|| {
        let names: Vec<_> = ACTIONS.iter().map(|a| a.name).collect();
        format!(
            "unknown action {name:?}; expected one of {}",
            names.join(", ")
        )
    })?;
    if let Some(choice) = choice {
        let names: Vec<&str> = spec
            .fields
            .iter()
            .filter_map(|f| match f.kind {
                FieldKind::Choice { names, .. } => Some(names),
                FieldKind::Number { .. } => None,
            })
            .flatten()
            .copied()
            .collect();
        if !names.contains(&choice) {
            return Err(if names.is_empty() {
                format!("{name} has no choice to match {choice:?}")
            } else {
                format!("{name}:{choice}: expected one of {}", names.join(", "))
            });
        }
    }
    Ok(ActionPattern {
        name: spec.name,
        choice: choice.map(str::to_owned),
    })
}

/// `start`, `alarm:<code>`, or an action pattern.
fn anchor(text: &str) -> Result<Anchor, String> {
    if text == "start" {
        return Ok(Anchor::Start);
    }
    if let Some(code) = text.strip_prefix("alarm:") {
        return if perfuse_sim::ALARM_CODES.contains(&code) {
            Ok(Anchor::Alarm(code.to_owned()))
        } else {
            Err(format!(
                "unknown alarm {code:?}; expected one of {}",
                perfuse_sim::ALARM_CODES.join(", ")
            ))
        };
    }
    action_pattern(text).map(Anchor::Action)
}

/// Scenario tables are one [`FieldSource`] of the action vocabulary: errors point at the key
/// (or, for a missing key, at the table) with its `events[i].field` path.
impl FieldSource for Fields<'_> {
    type Error = ScenarioError;

    fn number(&mut self, field: &'static str) -> Result<Option<f64>, ScenarioError> {
        Fields::number(self, field)
    }

    fn text(&mut self, field: &'static str) -> Result<Option<String>, ScenarioError> {
        Ok(self.string(field)?.map(str::to_owned))
    }

    fn invalid(&self, field: &'static str, message: String) -> ScenarioError {
        if self.table.contains_key(field) {
            self.error(field, message)
        } else {
            self.whole_table_error(message)
                .with_field(self.field_path(field))
        }
    }
}

fn config_error(fields: &Fields<'_>, error: ConfigError) -> ScenarioError {
    fields.invalid(error.field, format!("{}: {}", error.value, error.message))
}
