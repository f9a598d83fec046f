//! `Simulation` (one patient on the circuit, stepped from Python) and `run_scenario_csv`.
//!
//! Patient, circuit and actions are written as the tables of a scenario file and parsed by
//! `perfuse_scenario`, so Python sees the file format's keys and messages. A snapshot is the
//! set-up plus the journal of actions at their step numbers: the simulator is deterministic,
//! so replaying it is the state (as the console's saved sessions are), and the bytes are
//! portable across processes and machines.

use perfuse_scenario::observations::{COLUMNS, Cell};
use perfuse_scenario::{RunOptions, duration};
use perfuse_sim::{Applied, Simulation as Model};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

/// First line of a snapshot, so another file is refused rather than misread.
const SNAPSHOT_FORMAT: &str = "perfuse-py snapshot 1";

/// The longest single `step`, s: the scenario format's longest duration (a year).
const MAX_STEP_S: f64 = (duration::MAX_MS / 1000) as f64;

/// A `ValueError` with `message`.
pub(crate) fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}

/// A Python dict as a TOML table; `table` names it in messages (`patient.weight_kg: …`).
pub(crate) fn dict_table(dict: &Bound<'_, PyDict>, table: &str) -> PyResult<Table> {
    let mut out = Table::new();
    for (key, item) in dict.iter() {
        let key: String = key
            .extract()
            .map_err(|_| value_error(format!("{table}: keys must be strings, got {key}")))?;
        let toml = if item.is_instance_of::<PyBool>() {
            value(item.extract::<bool>()?)
        } else if item.is_instance_of::<PyInt>() {
            let number: i64 = item.extract().map_err(|_| {
                value_error(format!("{table}.{key}: {item}: too large for a number"))
            })?;
            value(number)
        } else if item.is_instance_of::<PyFloat>() {
            value(item.extract::<f64>()?)
        } else if item.is_instance_of::<PyString>() {
            value(item.extract::<String>()?)
        } else {
            let kind = item.get_type().name()?;
            return Err(value_error(format!(
                "{table}.{key}: {item}: expected a number or text, got {kind}"
            )));
        };
        out.insert(&key, toml);
    }
    Ok(out)
}

/// One patient on the bypass circuit, stepped by the caller.
#[pyclass(module = "perfuse._native")]
pub struct Simulation {
    model: Model,
    /// The `[patient]` and `[circuit]` tables it was built from (for snapshots).
    setup: String,
    seed: u64,
    /// Every action applied: (step number, its `[[events]]` text).
    journal: Vec<(u64, String)>,
}

impl Simulation {
    /// Builds from the setup text (a scenario's `[patient]` and `[circuit]` tables).
    fn build(setup: &str, seed: u64) -> PyResult<Simulation> {
        let text = format!("[scenario]\nname = \"python\"\nduration = 1\n\n{setup}");
        let scenario = perfuse_scenario::parse(&text, "<python>").map_err(|e| {
            if e.field.is_empty() {
                value_error(e.message)
            } else {
                value_error(format!("{}: {}", e.field, e.message))
            }
        })?;
        let model = Model::new(&scenario.patient, &scenario.circuit, seed)
            .map_err(|e| value_error(e.to_string()))?;
        Ok(Simulation {
            model,
            setup: setup.to_owned(),
            seed,
            journal: Vec::new(),
        })
    }

    fn step_number(&self) -> u64 {
        (self.model.time_s() / Model::DT_S).round() as u64
    }

    /// Applies an action written as an `[[events]]` table (`at` is ignored: it acts now).
    fn apply_text(&mut self, text: &str) -> PyResult<Option<String>> {
        let events =
            perfuse_scenario::parse_events(text, "<python>", duration::MAX_MS).map_err(|e| {
                let field = e.field.strip_prefix("events[0].").unwrap_or(&e.field);
                value_error(format!("{field}: {}", e.message))
            })?;
        let Some(event) = events.first() else {
            return Err(value_error("action: required"));
        };
        let note = match self.model.apply(&event.action) {
            Applied::Done => None,
            Applied::Warning(reason) => Some(format!("warning: {reason}")),
            Applied::Ignored(reason) => Some(format!("ignored: {reason}")),
        };
        self.journal.push((self.step_number(), text.to_owned()));
        Ok(note)
    }
}

#[pymethods]
impl Simulation {
    /// Builds the patient (`[patient]` keys of a scenario file: `sex`, `age_years`,
    /// `height_cm`, `weight_kg`, `hct_pct`, …) on the circuit (`[circuit]` keys; `None` is
    /// `{"prime_ml": 1500}`, an adult circuit with its parts sized for the patient), settled
    /// at t = 0 s. Raises `ValueError` naming the key, the value and the accepted range.
    #[new]
    #[pyo3(signature = (patient, circuit = None, seed = 0))]
    fn new(
        py: Python<'_>,
        patient: &Bound<'_, PyDict>,
        circuit: Option<&Bound<'_, PyDict>>,
        seed: u64,
    ) -> PyResult<Simulation> {
        let mut doc = DocumentMut::new();
        doc["patient"] = Item::Table(dict_table(patient, "patient")?);
        let circuit = match circuit {
            Some(circuit) => dict_table(circuit, "circuit")?,
            None => {
                let mut t = Table::new();
                t["prime_ml"] = value(1500);
                t
            }
        };
        doc["circuit"] = Item::Table(circuit);
        let setup = doc.to_string();
        py.detach(|| Simulation::build(&setup, seed))
    }

    /// Simulated time, s.
    #[getter]
    fn time_s(&self) -> f64 {
        self.model.time_s()
    }

    /// Advances the simulation by `seconds` (simulated, s; the model steps at 5 ms), with the
    /// GIL released.
    fn step(&mut self, py: Python<'_>, seconds: f64) -> PyResult<()> {
        if !(seconds.is_finite() && (0.0..=MAX_STEP_S).contains(&seconds)) {
            return Err(value_error(format!(
                "seconds {seconds}: must be between 0 and {MAX_STEP_S} s"
            )));
        }
        let until_s = self.model.time_s() + seconds;
        let model = &mut self.model;
        py.detach(|| model.run_until(until_s));
        Ok(())
    }

    /// Applies an action now: `{"action": "set-flow", "flow_l_min": 4.5}`, with the fields
    /// and defaults of a scenario file's `[[events]]` (docs/scenarios.md). Returns `None`
    /// when it took effect as asked, `"warning: …"` when it took effect with something to
    /// know, `"ignored: …"` when it makes no sense now (e.g. `end-bypass` off bypass).
    /// Raises `ValueError` for an unknown action or field or a value out of range.
    fn apply(&mut self, action: &Bound<'_, PyDict>) -> PyResult<Option<String>> {
        let mut table = dict_table(action, "action")?;
        if table.contains_key("at") {
            return Err(value_error(
                "at: not an action field; apply() acts now (step() moves time)",
            ));
        }
        table["at"] = value(0);
        let mut events = ArrayOfTables::new();
        events.push(table);
        let mut doc = DocumentMut::new();
        doc["events"] = Item::ArrayOfTables(events);
        self.apply_text(&doc.to_string())
    }

    /// Everything observable now: the data-dictionary columns (docs/data-dictionary.md),
    /// unit-suffixed names (`map_mmhg`, `do2i_ml_min_m2`, …) to a float, a str (`phase`,
    /// `rhythm`, `alarms`) or `None` when the value does not apply now (SvO2 off bypass).
    fn observe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let obs = self.model.observe();
        let dict = PyDict::new(py);
        for column in COLUMNS {
            match column.cell(&obs) {
                Cell::Number(v) => dict.set_item(column.name, v)?,
                Cell::Text(text) => dict.set_item(column.name, text)?,
                Cell::Empty => dict.set_item(column.name, py.None())?,
            }
        }
        Ok(dict)
    }

    /// The state as bytes (UTF-8 TOML: the set-up and the actions at their step numbers).
    /// `restore` replays them; the simulator is deterministic, so the replay is the state.
    fn snapshot<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut doc = DocumentMut::new();
        doc["format"] = value(SNAPSHOT_FORMAT);
        doc["seed"] = value(self.seed.to_string());
        doc["step"] = value(self.step_number().to_string());
        doc["setup"] = value(self.setup.as_str());
        let mut actions = ArrayOfTables::new();
        for (step, text) in &self.journal {
            let mut t = Table::new();
            t["step"] = value(step.to_string());
            t["event"] = value(text.as_str());
            actions.push(t);
        }
        doc["actions"] = Item::ArrayOfTables(actions);
        PyBytes::new(py, doc.to_string().as_bytes())
    }

    /// Returns to the moment `snapshot` was taken (of this or any simulation: patient and
    /// circuit come with it), replaying it with the GIL released.
    fn restore(&mut self, py: Python<'_>, snapshot: &[u8]) -> PyResult<()> {
        let bad = |what: &str| value_error(format!("snapshot: {what}"));
        let text = std::str::from_utf8(snapshot).map_err(|_| bad("not UTF-8 text"))?;
        let doc: DocumentMut = text.parse().map_err(|_| bad("not a perfuse snapshot"))?;
        if doc.get("format").and_then(Item::as_str) != Some(SNAPSHOT_FORMAT) {
            return Err(bad(&format!("not a {SNAPSHOT_FORMAT:?}")));
        }
        let number = |item: Option<&Item>, key: &str| {
            item.and_then(Item::as_str)
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| bad(&format!("{key}: missing or not a whole number")))
        };
        let seed = number(doc.get("seed"), "seed")?;
        let step = number(doc.get("step"), "step")?;
        let setup = doc
            .get("setup")
            .and_then(Item::as_str)
            .ok_or_else(|| bad("setup: missing"))?;
        let mut journal = Vec::new();
        if let Some(actions) = doc.get("actions").and_then(Item::as_array_of_tables) {
            for t in actions {
                let event = t.get("event").and_then(Item::as_str);
                let event = event.ok_or_else(|| bad("actions.event: missing"))?;
                journal.push((number(t.get("step"), "actions.step")?, event.to_owned()));
            }
        }
        let replayed = py.detach(|| -> PyResult<Simulation> {
            let mut sim = Simulation::build(setup, seed)?;
            for (at, event) in &journal {
                sim.model.run_until(*at as f64 * Model::DT_S);
                sim.apply_text(event)?;
            }
            sim.model.run_until(step as f64 * Model::DT_S);
            Ok(sim)
        })?;
        *self = replayed;
        Ok(())
    }
}

/// Runs a scenario file's text and returns `perfuse run --csv`'s bytes: the header and one
/// row every `every_ms` (0, every, …, the end), the same writer as the CLI's.
#[pyfunction]
#[pyo3(signature = (text, file, every_ms = 10_000, seed = None))]
pub fn run_scenario_csv(
    py: Python<'_>,
    text: &str,
    file: &str,
    every_ms: u64,
    seed: Option<u64>,
) -> PyResult<String> {
    if every_ms == 0 {
        return Err(value_error("every: must be longer than 0 s"));
    }
    py.detach(|| {
        let scenario =
            perfuse_scenario::parse(text, file).map_err(|e| value_error(e.to_string()))?;
        let options = RunOptions {
            every_ms,
            until_ms: None,
            seed,
        };
        let mut run = perfuse_scenario::Run::new(&scenario, &options)
            .map_err(|e| value_error(format!("{file}: {e}")))?;
        let mut csv = perfuse_scenario::observations::csv_header();
        csv.push('\n');
        while let Some(obs) = run.next_sample() {
            perfuse_scenario::observations::write_csv_row(&obs, &mut csv);
            csv.push('\n');
        }
        Ok(csv)
    })
}
