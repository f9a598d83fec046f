//! Scenario files for perfuse: who the patient is, how the circuit is built, what happens
//! when, and what the perfusionist should achieve (`shared/spec/scenario.md`).
//!
//! # Brief overview
//! - [`parse`] turns TOML into a validated [`Scenario`]; every error is a [`ScenarioError`]
//!   located at `file:line: field`.
//! - [`Run`] drives a [`perfuse_sim::Simulation`] through the scenario's events and yields
//!   observations at a fixed sampling interval, scoring the objectives on the way.
//! - [`observations`] is the data dictionary: column names, units and formatting.
//!
//! Nothing here reads files or clocks; callers pass text in and take rows out.
//!
//! # Example
//! ```
//! let text = r#"
//! [scenario]
//! name = "short"
//! duration = "0:01:00"
//! [patient]
//! sex = "male"
//! age_years = 60
//! height_cm = 175
//! weight_kg = 80
//! hct_pct = 40
//! [circuit]
//! pump = "roller"
//! prime_ml = 1500
//! "#;
//! let scenario = perfuse_scenario::parse(text, "short.toml").unwrap();
//! let mut run = perfuse_scenario::Run::new(&scenario, &perfuse_scenario::RunOptions::default()).unwrap();
//! let mut rows = 0;
//! while run.next_sample().is_some() {
//!     rows += 1;
//! }
//! assert_eq!(rows, 7); // 0, 10, …, 60 s
//! ```

pub mod docs;
pub mod duration;
mod error;
pub mod objectives;
pub mod observations;
mod parse;

pub use error::{ScenarioError, SourceText};
pub use objectives::{
    ActionObjective, ActionOutcome, ActionPattern, Anchor, CrisisReport, DEFAULT_GRACE_S,
    Objective, ObjectiveKind, ObjectivePhase, ObjectiveScore, RangeObjective, Scoring,
};
pub use parse::{parse, parse_events};
pub use perfuse_drill::Section;

use perfuse_sim::{
    Action, Applied, CircuitConfig, ConfigError, Observations, PatientConfig, Simulation,
};

/// A question the live console asks at a pause (`[[questions]]`): at `at_ms` the session
/// pauses and shows `prompt`; the answer is scored in the debrief.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    /// Simulated time it is asked, ms.
    pub at_ms: u64,
    /// What is asked.
    pub prompt: String,
    /// What counts as right.
    pub answer: QuestionAnswer,
}

/// The right answer of a [`Question`].
#[derive(Clone, Debug, PartialEq)]
pub enum QuestionAnswer {
    /// A number: the value of a data-dictionary column when the question is asked, within
    /// ± `tolerance_pct` % of it ("what is the DO2i now?").
    Value {
        /// Data-dictionary column.
        column: &'static str,
        /// Its unit.
        unit: &'static str,
        /// Accepted relative error, %.
        tolerance_pct: f64,
    },
    /// One of `choices`; `correct` is its index.
    Choice {
        /// The choices, as shown.
        choices: Vec<String>,
        /// Index of the right one.
        correct: usize,
    },
}

/// A validated scenario, ready to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Title.
    pub name: String,
    /// What it teaches or tests (for authors and listings).
    pub description: String,
    /// What the student is told before the case (never the answer); the description when absent.
    pub brief: String,
    /// The teaching points and expected actions, for the instructor's eyes only.
    pub instructor_notes: String,
    /// Length of the scenario.
    pub duration_ms: u64,
    /// Seed of the simulator's random numbers.
    pub seed: u64,
    /// ABCP knowledge-base sections the scenario practises (`sections = [...]`), file order.
    pub sections: Vec<Section>,
    /// How hard it is, for a practice list; `None` when the file does not say.
    pub difficulty: Option<Difficulty>,
    /// The patient.
    pub patient: PatientConfig,
    /// The bypass circuit.
    pub circuit: CircuitConfig,
    /// Timed actions, sorted by time (file order within the same instant).
    pub events: Vec<Event>,
    /// What the perfusionist should achieve, scored in the debrief.
    pub objectives: Vec<Objective>,
    /// Questions asked at pauses (`[[questions]]`), by time.
    pub questions: Vec<Question>,
}

/// How hard a scenario is, for a learner choosing what to practise next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Difficulty {
    /// One problem, textbook presentation: a student's first cases.
    Basic,
    /// A problem with a complication or a second decision.
    Intermediate,
    /// A crisis or a case where several things go wrong at once.
    Advanced,
}

impl Difficulty {
    /// Every difficulty, easiest first.
    pub const ALL: [Difficulty; 3] = [
        Difficulty::Basic,
        Difficulty::Intermediate,
        Difficulty::Advanced,
    ];

    /// The name written in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Difficulty::Basic => "basic",
            Difficulty::Intermediate => "intermediate",
            Difficulty::Advanced => "advanced",
        }
    }

    /// The difficulty called `name`.
    pub fn from_name(name: &str) -> Option<Difficulty> {
        Difficulty::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// An action at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    /// When, from the scenario start.
    pub at_ms: u64,
    /// What.
    pub action: Action,
}

/// Knobs of a run that are not part of the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Sampling interval of the output.
    pub every_ms: u64,
    /// Stop here instead of at the scenario's duration.
    pub until_ms: Option<u64>,
    /// Replace the scenario's seed.
    pub seed: Option<u64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            every_ms: 10_000,
            until_ms: None,
            seed: None,
        }
    }
}

/// Objectives are checked on this fixed grid, so their scores do not depend on `--every`; the
/// live console scores on the same grid, so a session and `perfuse run` agree.
pub const OBJECTIVE_TICK_MS: u64 = 1000;

/// A scenario being run: a simulation plus its schedule.
pub struct Run {
    simulation: Simulation,
    events: Vec<Event>,
    next_event: usize,
    every_ms: u64,
    end_ms: u64,
    next_sample_ms: u64,
    next_tick_ms: u64,
    finished: bool,
    scoring: Scoring,
    last_alarms_raised: u32,
    ignored: Vec<EventNote>,
    warnings: Vec<EventNote>,
}

/// What the simulation said about a scheduled event when it came due: why it ignored it
/// (ending bypass before it started), or what the user should know about what it did
/// (cardioplegia with no cross-clamp went to the whole body).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EventNote {
    /// The event.
    pub event: Event,
    /// The simulation's reason or warning.
    pub reason: &'static str,
}

impl Run {
    /// Builds the simulation of `scenario`.
    pub fn new(scenario: &Scenario, options: &RunOptions) -> Result<Run, ConfigError> {
        let seed = options.seed.unwrap_or(scenario.seed);
        let simulation = Simulation::new(&scenario.patient, &scenario.circuit, seed)?;
        Ok(Run {
            simulation,
            events: scenario.events.clone(),
            next_event: 0,
            every_ms: options.every_ms.max(1),
            end_ms: options.until_ms.unwrap_or(scenario.duration_ms),
            next_sample_ms: 0,
            next_tick_ms: 0,
            finished: false,
            scoring: Scoring::new(&scenario.objectives),
            last_alarms_raised: 0,
            ignored: Vec::new(),
            warnings: Vec::new(),
        })
    }

    /// Advances to the next sampling instant (0, every, 2·every, …, and the end) and returns
    /// what is observed there; `None` once the end has been sampled.
    pub fn next_sample(&mut self) -> Option<Observations> {
        if self.finished {
            return None;
        }
        let sample_ms = self.next_sample_ms.min(self.end_ms);
        loop {
            let event_ms = self
                .events
                .get(self.next_event)
                .map(|e| e.at_ms)
                .filter(|&t| t <= sample_ms);
            let tick_ms = Some(self.next_tick_ms).filter(|&t| t <= sample_ms && t < self.end_ms);
            let Some(now_ms) = event_ms.into_iter().chain(tick_ms).min() else {
                break;
            };
            self.simulation.run_until(now_ms as f64 / 1000.0);
            // Actions due now go first, so a tick or a sample at the same instant sees them.
            while let Some(event) = self
                .events
                .get(self.next_event)
                .filter(|e| e.at_ms == now_ms)
            {
                let applied = self.simulation.apply(&event.action);
                if !matches!(applied, Applied::Ignored(_)) {
                    self.scoring
                        .record_action(now_ms as f64 / 1000.0, &event.action);
                }
                match applied {
                    Applied::Done => {}
                    Applied::Warning(reason) => self.warnings.push(EventNote {
                        event: *event,
                        reason,
                    }),
                    Applied::Ignored(reason) => self.ignored.push(EventNote {
                        event: *event,
                        reason,
                    }),
                }
                self.next_event += 1;
            }
            if self.next_tick_ms == now_ms {
                self.score_objectives();
                self.next_tick_ms += OBJECTIVE_TICK_MS;
            }
        }
        self.simulation.run_until(sample_ms as f64 / 1000.0);
        let mut observations = self.simulation.observe();
        observations.time_s = sample_ms as f64 / 1000.0;
        self.last_alarms_raised = observations.alarms_raised_total;
        if sample_ms >= self.end_ms {
            self.finished = true;
            self.scoring.finish();
        } else {
            self.next_sample_ms = sample_ms + self.every_ms;
        }
        Some(observations)
    }

    fn score_objectives(&mut self) {
        self.scoring.count_second(&self.simulation.observe());
    }

    /// Simulated time so far.
    pub fn time_ms(&self) -> u64 {
        (self.simulation.time_s() * 1000.0).round() as u64
    }

    /// Events that came due and took effect so far.
    pub fn events_applied(&self) -> usize {
        self.next_event - self.ignored.len()
    }

    /// Events that came due but made no sense then, with the reason.
    pub fn ignored_events(&self) -> &[EventNote] {
        &self.ignored
    }

    /// Events that took effect with a warning.
    pub fn warned_events(&self) -> &[EventNote] {
        &self.warnings
    }

    /// Alarm onsets so far (as of the last sample).
    pub fn alarms_raised(&self) -> u32 {
        self.last_alarms_raised
    }

    /// Objective scores so far.
    pub fn scores(&self) -> &[ObjectiveScore] {
        self.scoring.scores()
    }

    /// The first crisis's handling and the run's physiological cost.
    pub fn crisis(&self) -> &CrisisReport {
        self.scoring.crisis()
    }
}
