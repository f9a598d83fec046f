//! One live session: a [`Simulation`] stepped in real time, its scenario schedule, event log,
//! lab samples, per-second recording and objective scores, and the frames pushed to clients.
//!
//! All mutable state sits behind one mutex, taken briefly by the session's driver task
//! ([`drive`], 20 Hz) and by requests; frames are serialised once per tick and shared by every
//! client through a broadcast channel.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::ws::Utf8Bytes;
use perfuse_scenario::observations::{self, COLUMNS};
use perfuse_scenario::{QuestionAnswer, Scenario, Scoring};
use perfuse_sim::{Action, Applied, Observations, Priority, Simulation};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use utoipa::ToSchema;

use crate::debrief::Recording;
use crate::wire::describe;

mod rating;
mod rewind;
pub use rewind::{Branch, RewindError};

/// Pushes per second of wall time.
pub const PUSH_HZ: u64 = 20;
/// Waveform samples per second of wall time (whatever the speed).
const WAVE_SAMPLES_PER_S: f64 = 100.0;
/// Speeds a session may run at (× real time); ×60 skips the steady hour of a bypass run.
pub const SPEEDS: &[u32] = &[1, 2, 5, 20, 60];
/// Simulated delay from sending an arterial blood gas to its result, s.
pub const ABG_DELAY_S: f64 = 90.0;
/// Simulated delay from drawing an ACT to its result, s.
pub const ACT_DELAY_S: f64 = 150.0;
/// Most lab samples waiting for a result at once.
const MAX_PENDING_LABS: usize = 16;
/// Most event-log entries kept.
const MAX_LOG_ENTRIES: usize = 10_000;
/// Most event-log text kept, bytes (notes are up to 500 characters: without this a session's
/// log could hold 10,000 × 2 KiB).
const MAX_LOG_BYTES: usize = 1024 * 1024;
/// Event-log entries a `hello` carries: the tail; the rest is paged over HTTP
/// (`GET /api/sessions/{code}/log`).
pub const HELLO_LOG_ENTRIES: usize = 200;
/// Most entries one page of the log returns.
pub const MAX_LOG_PAGE: usize = 1_000;
/// How long a computed debrief is served again before it is recomputed (a client hammering
/// `GET /debrief` costs one computation a second, not one per request).
const DEBRIEF_CACHE: Duration = Duration::from_secs(1);
/// Longest annotation, characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// Most inputs journaled for a restart; past it the session runs on but is no longer saved
/// (its last snapshot stays restorable).
const MAX_JOURNAL_ENTRIES: usize = 10_000;
/// Version of the [`Snapshot`] format.
const SNAPSHOT_FORMAT: u32 = 1;
/// Largest wall-clock gap stepped in one tick (a stalled task does not jump the patient ahead).
const MAX_TICK_GAP_S: f64 = 0.5;

/// Who holds a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The perfusionist at the console.
    Student,
    /// The instructor: everything a student can do, plus faults, notes, settings and ending.
    Instructor,
}

/// Who or what wrote a log entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LogSource {
    /// A scripted scenario event.
    Scenario,
    /// The student.
    Student,
    /// The instructor.
    Instructor,
    /// An alarm onset or its end.
    Alarm,
    /// A lab sample or its result.
    Lab,
    /// The session itself (start, pause, speed, end).
    System,
    /// An instructor's annotation.
    Note,
}

impl From<Role> for LogSource {
    fn from(role: Role) -> Self {
        match role {
            Role::Student => LogSource::Student,
            Role::Instructor => LogSource::Instructor,
        }
    }
}

/// One line of the event log.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LogEntry {
    /// Simulated time, s.
    pub time_s: f64,
    /// Who or what.
    pub source: LogSource,
    /// What happened.
    pub text: String,
    /// A lab result, when this entry reports one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lab: Option<LabResult>,
}

/// Which analyser a sample goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LabKind {
    /// Arterial blood gas with electrolytes, lactate and hematocrit.
    Abg,
    /// Activated clotting time.
    Act,
}

impl LabKind {
    /// Parses `abg` or `act`.
    pub fn from_name(name: &str) -> Option<LabKind> {
        match name {
            "abg" => Some(LabKind::Abg),
            "act" => Some(LabKind::Act),
            _ => None,
        }
    }

    pub(crate) fn delay_s(self) -> f64 {
        match self {
            LabKind::Abg => ABG_DELAY_S,
            LabKind::Act => ACT_DELAY_S,
        }
    }

    /// The data-dictionary columns the result reports.
    fn columns(self) -> &'static [&'static str] {
        match self {
            LabKind::Abg => &[
                "ph",
                "pao2_mmhg",
                "paco2_mmhg",
                "hco3_mmol_l",
                "sbe_mmol_l",
                "sao2_pct",
                "svo2_pct",
                "hct_pct",
                "hb_g_dl",
                "k_mmol_l",
                "lactate_mmol_l",
                "temp_core_c",
            ],
            LabKind::Act => &["act_s", "heparin_u_ml"],
        }
    }
}

/// A lab result: values as they were when the sample was drawn.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LabResult {
    /// Which analyser.
    pub kind: LabKind,
    /// Simulated time the sample was drawn, s.
    pub drawn_at_s: f64,
    /// Values, by data-dictionary name.
    pub values: Vec<LabValue>,
}

/// One value of a lab result.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LabValue {
    /// Data-dictionary name, e.g. `paco2_mmhg`.
    pub name: &'static str,
    /// The value (`null` when not applicable).
    pub value: Option<f64>,
    /// Unit.
    pub unit: &'static str,
}

#[derive(Clone)]
struct PendingLab {
    ready_at_s: f64,
    result: LabResult,
}

/// What one push carries, serialised once for students and once for instructors.
pub struct Frame {
    /// JSON for student clients.
    pub student: Utf8Bytes,
    /// JSON for instructor clients (adds the active faults).
    pub instructor: Utf8Bytes,
    /// The session was rewound: clients start over from a fresh `hello` (the frame is empty).
    pub resync: bool,
}

/// A live session.
pub struct Session {
    /// Join code, [`crate::registry::CODE_LEN`] characters.
    pub code: String,
    /// Bearer token of students.
    pub student_token: String,
    /// Bearer token of the instructor (given only to the creator).
    pub instructor_token: String,
    /// The scenario it runs.
    pub scenario: Scenario,
    /// Shipped scenario id, or `None` for an upload.
    pub scenario_id: Option<String>,
    /// The uploaded file, kept so that a restarted server can rebuild the session.
    upload: Option<Upload>,
    /// The options it was created with (a restart replays its inputs from them).
    options: SessionOptions,
    state: Mutex<State>,
    frames: broadcast::Sender<Arc<Frame>>,
    last_activity_ms: AtomicU64,
    clients: AtomicUsize,
    started: Instant,
    debrief_cache: Mutex<Option<(Instant, Arc<str>)>>,
    /// The random crisis drawn for this session (random crisis mode), kept from the student.
    random_crisis: Option<crate::crisis::RandomCrisis>,
    /// Objectives of the scenario itself: those after them are the random crisis's.
    base_objectives: usize,
}

/// Options chosen when a session is created.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Fire the scenario's timed events.
    pub scripted_events: bool,
    /// Initial speed.
    pub speed: u32,
    /// Start paused.
    pub paused: bool,
    /// Longest simulated time.
    pub max_session_s: u64,
}

struct State {
    simulation: Simulation,
    events: Vec<perfuse_scenario::Event>,
    next_event: usize,
    scripted_events: bool,
    paused: bool,
    speed: u32,
    ended: bool,
    end_ms: u64,
    /// Simulated seconds owed to the simulation (fraction of a step carried between ticks).
    owed_s: f64,
    next_second_ms: u64,
    steps_per_wave_sample: u32,
    steps_since_wave_sample: u32,
    wave_pressure_mmhg: Vec<f32>,
    wave_flow_l_min: Vec<f32>,
    log: Vec<LogEntry>,
    log_bytes: usize,
    log_pushed: usize,
    recording: Recording,
    scoring: Scoring,
    labs: Vec<PendingLab>,
    last_act_drawn_s: Option<f64>,
    last_abg_drawn_s: Option<f64>,
    alarms_shown: Vec<(Priority, &'static str)>,
    last_observations: Observations,
    /// Every input so far, at the simulated time it took effect: replaying it from the
    /// scenario rebuilds this state exactly (the simulation is deterministic).
    journal: Vec<JournalEntry>,
    journal_full: bool,
    /// Inputs journaled and ratings given by this process, rewinds included (the journal
    /// shrinks on a rewind, so its length does not say whether the session changed).
    changes: usize,
    /// The scenario's `[[questions]]`, by time.
    scenario_questions: Vec<perfuse_scenario::Question>,
    /// The next of them to ask.
    next_question: usize,
    /// Questions asked so far, with their answers.
    asked: Vec<AskedQuestion>,
    /// Where a rewind can restart from.
    checkpoints: rewind::Checkpoints,
    /// The futures rewound away from.
    branches: Vec<Branch>,
    /// The instructor's rating of the student's non-technical skills.
    pints: Option<perfuse_record::model::Pints>,
    /// The random crisis's events (the instructor's part), fired whatever `scripted_events`
    /// says and never logged: the student must recognise the crisis.
    crisis_events: Vec<perfuse_scenario::Event>,
    /// The next of them to fire.
    next_crisis_event: usize,
}

/// A scenario question the session asked (it paused), and the answer given.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AskedQuestion {
    /// Its number in the scenario, from 1.
    pub number: usize,
    /// What was asked.
    pub prompt: String,
    /// Simulated time it was asked, s.
    pub asked_at_s: f64,
    /// The choices of a multiple-choice question (empty for a number).
    pub choices: Vec<String>,
    /// Unit of a numeric answer.
    pub unit: Option<&'static str>,
    /// The answer, once given (with the right one).
    pub answer: Option<GivenAnswer>,
    /// The right answer: never sent before the answer is given.
    #[serde(skip)]
    expected: Expected,
}

/// The right answer of an asked question.
#[derive(Clone, Debug)]
enum Expected {
    /// A value, within ± `tolerance_pct` %.
    Value { value: f64, tolerance_pct: f64 },
    /// The index of the right choice.
    Choice(usize),
}

/// An answer to an [`AskedQuestion`].
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GivenAnswer {
    /// As given.
    pub given: String,
    /// Whether it is right (within the tolerance, or the right choice).
    pub correct: bool,
    /// The right answer, as text (`262 mL/min/m²`, or the choice).
    pub expected: String,
    /// Simulated time of the answer, s.
    pub at_s: f64,
}

/// An uploaded scenario file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Upload {
    /// File name given at upload (for messages).
    pub file_name: String,
    /// The file's text.
    pub toml: String,
}

/// One input to a session, journaled for a restart.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "kebab-case")]
enum Input {
    /// An action as the client sent it (`{"action": "set-flow", …}`).
    Action { action: serde_json::Value },
    /// A lab sample.
    Sample { lab: LabKind },
    /// Pause, speed, scripted events.
    Control {
        paused: Option<bool>,
        speed: Option<u32>,
        scripted_events: Option<bool>,
    },
    /// An instructor's note.
    Note { text: String },
    /// A refused action, as logged.
    Refusal { text: String },
    /// The session was ended.
    End { reason: String },
    /// Scenario question `question` (from 1) was asked (the session paused on it).
    Asked { question: usize },
    /// An answer to scenario question `question` (from 1).
    Answer { question: usize, given: String },
    /// The instructor rewound to this time from `from` (`h:mm:ss`), keeping branch `branch`
    /// (the branch itself is saved with the snapshot, not replayed).
    Rewound { branch: usize, from: String },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct JournalEntry {
    /// Simulated time it took effect, ms.
    at_ms: u64,
    /// Who (`None`: the server itself).
    role: Option<Role>,
    #[serde(flatten)]
    input: Input,
}

/// What a restarted server needs to resume a session: its scenario, options and tokens, and
/// its journal of inputs; a few kB, where the state itself would be the whole recording.
#[derive(Serialize, Deserialize)]
pub struct Snapshot {
    format: u32,
    code: String,
    student_token: String,
    instructor_token: String,
    scenario_id: Option<String>,
    upload: Option<Upload>,
    scripted_events: bool,
    speed: u32,
    paused: bool,
    journal: Vec<JournalEntry>,
    time_ms: u64,
    /// The branches rewound away from (none before rewinding existed).
    #[serde(default)]
    branches: Vec<Branch>,
    /// The instructor's PINTS rating, once given.
    #[serde(default)]
    pints: Option<perfuse_record::model::Pints>,
    /// The random crisis drawn, in random crisis mode.
    #[serde(default)]
    random_crisis: Option<crate::crisis::RandomCrisis>,
}

impl Snapshot {
    /// The session code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The shipped scenario id, or the upload.
    pub fn scenario(&self) -> (Option<&str>, Option<&Upload>) {
        (self.scenario_id.as_deref(), self.upload.as_ref())
    }
}

/// Error of a session operation that depends on its state (mapped to 409 by the API).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The session has ended.
    #[error("the session has ended")]
    Ended,
    /// Too many lab samples waiting.
    #[error("{MAX_PENDING_LABS} samples are already waiting for results")]
    TooManySamples,
    /// The action makes no sense now (ending bypass before it started) and changed nothing.
    #[error("{action}: {reason}")]
    Ignored {
        /// The action's name.
        action: &'static str,
        /// Why.
        reason: &'static str,
    },
}

fn unix_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn steps_per_wave_sample(speed: u32) -> u32 {
    ((f64::from(speed) / WAVE_SAMPLES_PER_S / Simulation::DT_S).round() as u32).max(1)
}

impl Session {
    /// Builds a session; the caller spawns [`drive`].
    pub fn new(
        code: String,
        student_token: String,
        instructor_token: String,
        scenario: Scenario,
        scenario_id: Option<String>,
        upload: Option<Upload>,
        options: &SessionOptions,
    ) -> Result<Session, perfuse_sim::ConfigError> {
        let simulation = Simulation::new(&scenario.patient, &scenario.circuit, scenario.seed)?;
        let last_observations = simulation.observe();
        let end_ms = scenario.duration_ms.min(options.max_session_s * 1000);
        let speed = if SPEEDS.contains(&options.speed) {
            options.speed
        } else {
            1
        };
        let mut state = State {
            simulation,
            events: scenario.events.clone(),
            next_event: 0,
            scripted_events: options.scripted_events,
            paused: options.paused,
            speed,
            ended: false,
            end_ms,
            owed_s: 0.0,
            next_second_ms: 0,
            steps_per_wave_sample: steps_per_wave_sample(speed),
            steps_since_wave_sample: 0,
            wave_pressure_mmhg: Vec::with_capacity(64),
            wave_flow_l_min: Vec::with_capacity(64),
            log: Vec::new(),
            log_bytes: 0,
            log_pushed: 0,
            recording: Recording::new(end_ms / 1000 + 1),
            scoring: Scoring::new(&scenario.objectives),
            labs: Vec::new(),
            last_act_drawn_s: None,
            last_abg_drawn_s: None,
            alarms_shown: Vec::new(),
            last_observations,
            journal: Vec::new(),
            journal_full: false,
            changes: 0,
            scenario_questions: scenario.questions.clone(),
            next_question: 0,
            asked: Vec::new(),
            checkpoints: rewind::Checkpoints::new(),
            branches: Vec::new(),
            pints: None,
            crisis_events: Vec::new(),
            next_crisis_event: 0,
        };
        let events = if options.scripted_events {
            "scripted events on"
        } else {
            "scripted events off"
        };
        state.push_log(
            LogSource::System,
            format!("Session started: {} ({events})", scenario.name),
            None,
        );
        state.checkpoint(0);
        let (frames, _) = broadcast::channel(32);
        let session = Session {
            code,
            student_token,
            instructor_token,
            scenario,
            scenario_id,
            upload,
            options: options.clone(),
            state: Mutex::new(state),
            frames,
            last_activity_ms: AtomicU64::new(0),
            clients: AtomicUsize::new(0),
            started: Instant::now(),
            debrief_cache: Mutex::new(None),
            random_crisis: None,
            base_objectives: 0,
        };
        let base_objectives = session.scenario.objectives.len();
        Ok(Session {
            base_objectives,
            ..session
        })
    }

    /// The session in random crisis mode: `crisis` was drawn and added to its scenario (whose
    /// first `base_objectives` objectives are its own), `events` are the crisis's.
    pub(crate) fn with_random_crisis(
        mut self,
        crisis: crate::crisis::RandomCrisis,
        events: Vec<perfuse_scenario::Event>,
        base_objectives: usize,
    ) -> Session {
        self.state().crisis_events = events;
        self.random_crisis = Some(crisis);
        self.base_objectives = base_objectives;
        self
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks the session as used now (for idle reaping).
    pub fn touch(&self) {
        self.last_activity_ms
            .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Time since the last request or client message.
    pub fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_activity_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }

    /// Connected WebSocket clients.
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    /// Counts a client in; returns a guard that counts it out.
    pub fn client_joined(self: &Arc<Self>) -> ClientGuard {
        self.clients.fetch_add(1, Ordering::Relaxed);
        self.touch();
        ClientGuard {
            session: Arc::clone(self),
        }
    }

    /// Frames from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Frame>> {
        self.frames.subscribe()
    }

    /// The role a token grants, if any.
    pub fn role_of(&self, token: &str) -> Option<Role> {
        if constant_time_eq(token, &self.instructor_token) {
            Some(Role::Instructor)
        } else if constant_time_eq(token, &self.student_token) {
            Some(Role::Student)
        } else {
            None
        }
    }

    /// Applies a user action now and logs it; `wire` is the action as the client sent it
    /// (journaled for a restart).
    pub fn apply(
        &self,
        action: &Action,
        role: Role,
        wire: serde_json::Value,
    ) -> Result<f64, SessionError> {
        let mut state = self.state();
        let time_s = state.apply(action, role)?;
        state.journal(Some(role), Input::Action { action: wire });
        Ok(time_s)
    }

    /// Logs an action the server refused (out of range, not allowed now), unless ended.
    pub fn log_refusal(&self, role: Role, text: &str) {
        let text: String = text.chars().filter(|c| !c.is_control()).take(300).collect();
        let mut state = self.state();
        if !state.ended {
            state.push_log(role.into(), text.clone(), None);
            state.journal(Some(role), Input::Refusal { text });
        }
    }

    /// Draws a lab sample now; its result is logged after the analyser's delay.
    pub fn sample(&self, kind: LabKind, role: Role) -> Result<f64, SessionError> {
        let mut state = self.state();
        if state.ended {
            return Err(SessionError::Ended);
        }
        let drawn_at_s = state.sample(kind, role.into())?;
        state.journal(Some(role), Input::Sample { lab: kind });
        Ok(drawn_at_s)
    }

    /// Pauses, resumes, changes speed or turns scripted events on or off.
    pub fn control(
        &self,
        paused: Option<bool>,
        speed: Option<u32>,
        scripted_events: Option<bool>,
        role: Role,
    ) {
        let mut state = self.state();
        state.control(paused, speed, scripted_events, role.into());
        state.journal(
            Some(role),
            Input::Control {
                paused,
                speed,
                scripted_events,
            },
        );
    }

    /// Adds an instructor's note to the log.
    pub fn annotate(&self, text: &str) {
        let mut state = self.state();
        state.push_log(LogSource::Note, text.to_owned(), None);
        state.journal(
            Some(Role::Instructor),
            Input::Note {
                text: text.to_owned(),
            },
        );
    }

    /// Ends the session (idempotent).
    pub fn end(&self, reason: &str) {
        let mut state = self.state();
        if !state.ended {
            state.end(reason);
            state.journal(
                Some(Role::Instructor),
                Input::End {
                    reason: reason.to_owned(),
                },
            );
        }
    }

    /// Answers scenario question `number` (asked, not yet answered); resumes the session.
    pub fn answer(
        &self,
        number: usize,
        given: &str,
        role: Role,
    ) -> Result<GivenAnswer, SessionError> {
        let mut state = self.state();
        let answer = state.answer(number, given, role.into())?;
        state.journal(
            Some(role),
            Input::Answer {
                question: number,
                given: given.to_owned(),
            },
        );
        Ok(answer)
    }

    /// Rewinds to `to_s` (the instructor's): the session is as it was then, paused, and what
    /// followed is kept as a branch. Connected clients are told to start over (`hello`).
    pub fn rewind(&self, to_s: f64) -> Result<Status, RewindError> {
        let step_ms = (Simulation::DT_S * 1000.0).round() as u64;
        let status = {
            let mut state = self.state();
            if !to_s.is_finite() || to_s < 0.0 {
                return Err(RewindError::OutOfRange {
                    to_s,
                    now_s: state.simulation.time_s(),
                });
            }
            let to_ms = (to_s * 1000.0).round() as u64;
            state.rewind(to_ms - to_ms % step_ms, crate::debrief::TREND_COLUMNS)?;
            self.status_of(&state)
        };
        self.forget_debrief();
        let _ = self.frames.send(Arc::new(Frame {
            student: Utf8Bytes::default(),
            instructor: Utf8Bytes::default(),
            resync: true,
        }));
        Ok(status)
    }

    /// The snapshot of this session and a key that changes whenever it does (simulated time,
    /// inputs, end); `None` once its journal is full (the last snapshot saved stays valid).
    pub fn snapshot(&self) -> Option<((u64, usize, bool), String)> {
        let state = self.state();
        if state.journal_full {
            return None;
        }
        let time_ms = state.time_ms();
        let snapshot = Snapshot {
            format: SNAPSHOT_FORMAT,
            code: self.code.clone(),
            student_token: self.student_token.clone(),
            instructor_token: self.instructor_token.clone(),
            scenario_id: self.scenario_id.clone(),
            upload: self.upload.clone(),
            scripted_events: self.options.scripted_events,
            speed: self.options.speed,
            paused: self.options.paused,
            journal: state.journal.clone(),
            time_ms,
            branches: state.branches.clone(),
            pints: state.pints,
            random_crisis: self.random_crisis.clone(),
        };
        let key = (time_ms, state.changes, state.ended);
        drop(state);
        serde_json::to_string(&snapshot)
            .ok()
            .map(|json| (key, json))
    }

    /// Rebuilds a session from its snapshot: the scenario, then every journaled input at its
    /// simulated time, then on to the time of the snapshot; it resumes paused.
    pub fn restore(
        snapshot: Snapshot,
        mut scenario: Scenario,
        max_session_s: u64,
    ) -> Result<Session, String> {
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(format!("snapshot format {} unknown", snapshot.format));
        }
        let base_objectives = scenario.objectives.len();
        let crisis_events = match &snapshot.random_crisis {
            Some(crisis) => crate::crisis::apply(&mut scenario, crisis)?,
            None => Vec::new(),
        };
        let options = SessionOptions {
            scripted_events: snapshot.scripted_events,
            speed: snapshot.speed,
            paused: snapshot.paused,
            max_session_s,
        };
        let session = Session::new(
            snapshot.code,
            snapshot.student_token,
            snapshot.instructor_token,
            scenario,
            snapshot.scenario_id,
            snapshot.upload,
            &options,
        )
        .map_err(|e| e.to_string())?;
        let session = match snapshot.random_crisis {
            Some(crisis) => session.with_random_crisis(crisis, crisis_events, base_objectives),
            None => session,
        };
        {
            let mut state = session.state();
            state.branches = snapshot.branches;
            state.pints = snapshot.pints;
            for entry in snapshot.journal {
                state.replay_until(entry.at_ms);
                state.replay(entry)?;
            }
            state.replay_until(snapshot.time_ms);
            let at = clock(state.simulation.time_s());
            if !state.ended {
                state.control(Some(true), None, None, LogSource::System);
                state.journal(
                    None,
                    Input::Control {
                        paused: Some(true),
                        speed: None,
                        scripted_events: None,
                    },
                );
            }
            state.push_log(
                LogSource::System,
                format!("Server restarted: the session resumes (paused) at {at}"),
                None,
            );
        }
        Ok(session)
    }

    /// A summary of the session now.
    pub fn status(&self) -> Status {
        self.status_of(&self.state())
    }

    /// The summary, from state the caller has already locked.
    fn status_of(&self, state: &State) -> Status {
        Status {
            code: self.code.clone(),
            scenario_name: self.scenario.name.clone(),
            scenario_id: self.scenario_id.clone(),
            sim_time_s: state.simulation.time_s(),
            duration_s: state.end_ms as f64 / 1000.0,
            phase: state.last_observations.phase.name(),
            paused: state.paused,
            speed: state.speed,
            scripted_events: state.scripted_events,
            ended: state.ended,
            clients: self.clients(),
        }
    }

    /// The first message of a WebSocket connection: static facts, the tail of the log, the
    /// trend so far and the names clients need to build their controls. Bounded whatever the
    /// log holds: a client that never reads costs at most one of these.
    pub fn hello(&self, role: Role) -> String {
        let state = self.state();
        let log_from = state.log.len().saturating_sub(HELLO_LOG_ENTRIES);
        let hello = Hello {
            kind: "hello",
            role,
            status: self.status_of(&state),
            brief: &self.scenario.brief,
            instructor_notes: (role == Role::Instructor)
                .then_some(self.scenario.instructor_notes.as_str()),
            log_from,
            log_total: state.log.len(),
            log: &state.log[log_from..],
            trend: state.recording.trend(600),
            objectives: crate::debrief::objectives(&self.scenario)
                .into_iter()
                .take(match role {
                    Role::Instructor => usize::MAX,
                    Role::Student => self.base_objectives,
                })
                .collect(),
            random_crisis: (role == Role::Instructor)
                .then_some(self.random_crisis.as_ref())
                .flatten(),
            catalog: crate::wire::catalog(),
            reservoir_capacity_ml: self.scenario.circuit.reservoir_capacity_ml,
        };
        serde_json::to_string(&hello).unwrap_or_default()
    }

    /// Up to `limit` log entries from index `from`, and the log's length.
    pub fn log_page(&self, from: usize, limit: usize) -> (Vec<LogEntry>, usize) {
        let state = self.state();
        let start = from.min(state.log.len());
        let end = start
            .saturating_add(limit.min(MAX_LOG_PAGE))
            .min(state.log.len());
        (state.log[start..end].to_vec(), state.log.len())
    }

    /// Drops the cached debrief (after a change the debrief must show at once).
    fn forget_debrief(&self) {
        *self
            .debrief_cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// The debrief as JSON, recomputed at most once per [`DEBRIEF_CACHE`].
    pub fn debrief_json(&self) -> Arc<str> {
        let mut cache = self
            .debrief_cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((made, json)) = cache.as_ref()
            && made.elapsed() < DEBRIEF_CACHE
        {
            return Arc::clone(json);
        }
        let json: Arc<str> = serde_json::to_string(&self.debrief())
            .unwrap_or_default()
            .into();
        *cache = Some((Instant::now(), Arc::clone(&json)));
        json
    }

    /// The debrief: scores, trend, log and summary.
    pub fn debrief(&self) -> crate::debrief::Debrief {
        let state = self.state();
        let mut debrief = crate::debrief::Debrief::new(
            &self.code,
            &self.scenario,
            state.simulation.time_s(),
            state.ended,
            &state.last_observations,
            state.scoring.scores(),
            &state.recording,
            &state.log,
        );
        debrief.questions = state.asked.clone();
        debrief.branches = state.branches.clone();
        debrief.pints = state.pints;
        // Random crisis mode: the crisis and its checklist are told once the session is over.
        if state.ended || self.random_crisis.is_none() {
            let figures = crate::debrief::CrisisFigures::of(state.scoring.crisis());
            debrief.crisis = figures.onset_s.is_some().then_some(figures);
        }
        if state.ended {
            debrief.random_crisis = self.random_crisis.clone();
        } else {
            debrief.objectives.truncate(self.base_objectives);
        }
        debrief
    }

    /// The recording as CSV: `perfuse run`'s header and one row per simulated second.
    pub fn csv(&self) -> String {
        self.state().recording.csv()
    }

    /// Steps the simulation for `wall_s` of wall time and serialises a frame when anyone
    /// listens. Returns whether the session has ended.
    pub(crate) fn tick(&self, wall_s: f64) -> bool {
        let mut state = self.state();
        state.advance(wall_s.min(MAX_TICK_GAP_S));
        state.update_alarms();
        let listening = self.frames.receiver_count() > 0;
        let frame = listening.then(|| state.frame(unix_ms()));
        state.wave_pressure_mmhg.clear();
        state.wave_flow_l_min.clear();
        state.log_pushed = state.log.len();
        let ended = state.ended;
        drop(state);
        if let Some(frame) = frame {
            let _ = self.frames.send(Arc::new(frame));
        }
        ended
    }
}

/// Counts a WebSocket client out when dropped.
pub struct ClientGuard {
    session: Arc<Session>,
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.session.clients.fetch_sub(1, Ordering::Relaxed);
        self.session.touch();
    }
}

/// Compares two tokens without stopping at the first difference.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Steps `session` in real time at [`PUSH_HZ`] until it ends or is removed.
pub async fn drive(session: Weak<Session>) {
    let mut interval = tokio::time::interval(Duration::from_millis(1000 / PUSH_HZ));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = Instant::now();
    loop {
        interval.tick().await;
        let Some(session) = session.upgrade() else {
            break;
        };
        let now = Instant::now();
        let wall_s = now.duration_since(last).as_secs_f64();
        last = now;
        if session.tick(wall_s) {
            break;
        }
    }
}

/// A session's state in a few fields.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Status {
    /// Join code.
    pub code: String,
    /// Scenario title.
    pub scenario_name: String,
    /// Shipped scenario id (`null` for an upload).
    pub scenario_id: Option<String>,
    /// Simulated time, s.
    pub sim_time_s: f64,
    /// Simulated time at which the session ends by itself, s.
    pub duration_s: f64,
    /// `pre-bypass`, `bypass` or `post-bypass`.
    pub phase: &'static str,
    /// Paused.
    pub paused: bool,
    /// × real time.
    pub speed: u32,
    /// Scripted scenario events fire.
    pub scripted_events: bool,
    /// Ended (debrief available).
    pub ended: bool,
    /// Connected WebSocket clients.
    pub clients: usize,
}

#[derive(Serialize)]
struct Hello<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    role: Role,
    status: Status,
    /// What the student is told.
    brief: &'a str,
    /// Index in the whole log of the first entry of `log`.
    log_from: usize,
    /// Entries in the whole log (page the earlier ones with `GET …/log?from=`).
    log_total: usize,
    /// The teaching points: sent to the instructor only.
    #[serde(skip_serializing_if = "Option::is_none")]
    instructor_notes: Option<&'a str>,
    log: &'a [LogEntry],
    trend: crate::debrief::Trend,
    objectives: Vec<crate::debrief::ObjectiveInfo>,
    /// The random crisis drawn (instructor only).
    #[serde(skip_serializing_if = "Option::is_none")]
    random_crisis: Option<&'a crate::crisis::RandomCrisis>,
    catalog: crate::wire::Catalog,
    /// Size of this circuit's venous reservoir, mL (scales the level bar).
    reservoir_capacity_ml: f64,
}

/// The numeric observations as a JSON object keyed by data-dictionary name.
struct ObservationsOut<'a>(&'a Observations);

impl Serialize for ObservationsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for column in COLUMNS.iter().filter(|c| c.is_numeric()) {
            let value = column.number(self.0).map(|v| (v * 1000.0).round() / 1000.0);
            map.serialize_entry(column.name, &value)?;
        }
        map.end()
    }
}

/// Machine state the numeric columns do not carry: servo, detectors, cardioplegia, samples.
#[derive(Serialize)]
struct MachineOut {
    servo_limiting: bool,
    level_detector_armed: bool,
    level_detector_tripped: bool,
    bubble_detector_armed: bool,
    bubble_detector_tripped: bool,
    cardioplegia_kind: Option<&'static str>,
    last_act_drawn_s: Option<f64>,
    last_abg_drawn_s: Option<f64>,
}

#[derive(Serialize)]
struct AlarmOut {
    priority: &'static str,
    code: &'static str,
}

#[derive(Serialize)]
struct WaveOut<'a> {
    /// Simulated time between samples, s.
    dt_s: f64,
    arterial_pressure_mmhg: &'a [f32],
    pump_flow_l_min: &'a [f32],
}

#[derive(Serialize)]
struct FrameOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    server_time_ms: f64,
    sim_time_s: f64,
    phase: &'static str,
    paused: bool,
    speed: u32,
    ended: bool,
    scripted_events: bool,
    obs: ObservationsOut<'a>,
    machine: MachineOut,
    alarms: Vec<AlarmOut>,
    wave: WaveOut<'a>,
    log: &'a [LogEntry],
    /// The scenario question waiting for an answer (the session is paused on it).
    #[serde(skip_serializing_if = "Option::is_none")]
    question: Option<&'a AskedQuestion>,
}

impl State {
    fn time_ms(&self) -> u64 {
        (self.simulation.time_s() * 1000.0).round() as u64
    }

    fn push_log(&mut self, source: LogSource, text: String, lab: Option<LabResult>) {
        if self.log.len() < MAX_LOG_ENTRIES && self.log_bytes + text.len() <= MAX_LOG_BYTES {
            self.log_bytes += text.len();
            let time_s = self.simulation.time_s();
            self.log.push(LogEntry {
                time_s,
                source,
                text,
                lab,
            });
        }
    }

    fn end(&mut self, reason: &str) {
        if !self.ended {
            self.ended = true;
            self.push_log(LogSource::System, format!("Session ended: {reason}"), None);
        }
    }

    fn advance(&mut self, wall_s: f64) {
        if self.paused || self.ended {
            return;
        }
        self.owed_s += wall_s * f64::from(self.speed);
        let steps = (self.owed_s / Simulation::DT_S).floor();
        self.owed_s -= steps * Simulation::DT_S;
        self.step_n(steps as u64);
    }

    /// Steps the simulation `steps` times: scripted events, the per-second work, waveforms.
    fn step_n(&mut self, steps: u64) {
        for _ in 0..steps {
            let now_ms = self.time_ms();
            if self.checkpoints.due(now_ms) {
                self.checkpoint(now_ms);
            }
            self.fire_due_events(now_ms);
            if self.ask_due_question(now_ms) {
                // Journaled, so that a replay asks it at this very step, after this step's
                // scripted events, as here.
                let question = self.next_question;
                self.journal(None, Input::Asked { question });
                break;
            }
            if now_ms >= self.next_second_ms {
                self.every_second(now_ms);
                self.next_second_ms += perfuse_scenario::OBJECTIVE_TICK_MS;
            }
            if now_ms >= self.end_ms {
                self.end("end of the scenario");
                break;
            }
            self.simulation.step();
            self.steps_since_wave_sample += 1;
            if self.steps_since_wave_sample >= self.steps_per_wave_sample {
                self.steps_since_wave_sample = 0;
                let observations = self.simulation.observe();
                self.wave_pressure_mmhg
                    .push(((observations.arterial_pressure_mmhg * 10.0).round() / 10.0) as f32);
                self.wave_flow_l_min
                    .push(((observations.pump_flow_l_min * 100.0).round() / 100.0) as f32);
            }
        }
        self.last_observations = self.simulation.observe();
    }

    fn apply(&mut self, action: &Action, role: Role) -> Result<f64, SessionError> {
        if self.ended {
            return Err(SessionError::Ended);
        }
        let text = match self.simulation.apply(action) {
            Applied::Ignored(reason) => {
                return Err(SessionError::Ignored {
                    action: action.name(),
                    reason,
                });
            }
            Applied::Done => describe(action),
            Applied::Warning(warning) => format!("{} (warning: {warning})", describe(action)),
        };
        let time_s = self.simulation.time_s();
        self.scoring.record_action(time_s, action);
        self.push_log(role.into(), text, None);
        Ok(time_s)
    }

    fn control(
        &mut self,
        paused: Option<bool>,
        speed: Option<u32>,
        scripted_events: Option<bool>,
        source: LogSource,
    ) {
        if let Some(paused) = paused.filter(|&p| p != self.paused) {
            self.paused = paused;
            self.push_log(
                source,
                if paused { "Paused" } else { "Resumed" }.to_owned(),
                None,
            );
        }
        if let Some(speed) = speed.filter(|&s| s != self.speed) {
            self.speed = speed;
            self.steps_per_wave_sample = steps_per_wave_sample(speed);
            self.push_log(source, format!("Speed ×{speed}"), None);
        }
        if let Some(scripted) = scripted_events.filter(|&s| s != self.scripted_events) {
            self.scripted_events = scripted;
            let text = if scripted {
                "Scripted events on"
            } else {
                "Scripted events off (skipped, not postponed)"
            };
            self.push_log(source, text.to_owned(), None);
        }
    }

    /// Asks the scenario's next question if it is due: the session pauses right there.
    fn ask_due_question(&mut self, now_ms: u64) -> bool {
        let Some(question) = self
            .scenario_questions
            .get(self.next_question)
            .filter(|q| q.at_ms <= now_ms)
            .cloned()
        else {
            return false;
        };
        self.next_question += 1;
        let number = self.next_question;
        let observations = self.simulation.observe();
        let (expected, unit, choices) = match &question.answer {
            QuestionAnswer::Value {
                column,
                unit,
                tolerance_pct,
            } => {
                let Some(value) =
                    observations::column(column).and_then(|c| c.number(&observations))
                else {
                    self.push_log(
                        LogSource::System,
                        format!("Question {number} skipped: {column} does not apply now"),
                        None,
                    );
                    return false;
                };
                let expected = Expected::Value {
                    value,
                    tolerance_pct: *tolerance_pct,
                };
                (expected, Some(*unit), Vec::new())
            }
            QuestionAnswer::Choice { choices, correct } => {
                (Expected::Choice(*correct), None, choices.clone())
            }
        };
        self.asked.push(AskedQuestion {
            number,
            prompt: question.prompt.clone(),
            asked_at_s: self.simulation.time_s(),
            choices,
            unit,
            answer: None,
            expected,
        });
        self.paused = true;
        self.push_log(
            LogSource::System,
            format!(
                "Question {number}: {} (paused until answered)",
                question.prompt
            ),
            None,
        );
        true
    }

    fn answer(
        &mut self,
        number: usize,
        given: &str,
        source: LogSource,
    ) -> Result<GivenAnswer, SessionError> {
        let at_s = self.simulation.time_s();
        let question =
            self.asked
                .iter_mut()
                .find(|q| q.number == number)
                .ok_or(SessionError::Ignored {
                    action: "answer",
                    reason: "that question has not been asked",
                })?;
        if question.answer.is_some() {
            return Err(SessionError::Ignored {
                action: "answer",
                reason: "that question is already answered",
            });
        }
        let given = given.trim();
        let (correct, expected) = match question.expected {
            Expected::Value {
                value: expected,
                tolerance_pct,
            } => {
                let value = given
                    .split_whitespace()
                    .next()
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                    .ok_or(SessionError::Ignored {
                        action: "answer",
                        reason: "expected a number (its unit may follow)",
                    })?;
                let decimals = if expected.abs() >= 100.0 {
                    0
                } else if expected.abs() >= 10.0 {
                    1
                } else {
                    2
                };
                (
                    (value - expected).abs() <= tolerance_pct / 100.0 * expected.abs(),
                    format!(
                        "{expected:.decimals$} {} (± {tolerance_pct} %)",
                        question.unit.unwrap_or("")
                    ),
                )
            }
            Expected::Choice(correct) => {
                let chosen = given
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .or_else(|| {
                        question
                            .choices
                            .iter()
                            .position(|c| c.eq_ignore_ascii_case(given))
                    })
                    .filter(|&i| i < question.choices.len())
                    .ok_or(SessionError::Ignored {
                        action: "answer",
                        reason: "expected the number of a choice",
                    })?;
                (chosen == correct, question.choices[correct].clone())
            }
        };
        let answer = GivenAnswer {
            given: given
                .chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect(),
            correct,
            expected,
            at_s,
        };
        question.answer = Some(answer.clone());
        let verdict = if correct { "right" } else { "wrong" };
        self.push_log(
            source,
            format!(
                "Answer to question {number}: {} ({verdict}; the answer: {})",
                answer.given, answer.expected
            ),
            None,
        );
        self.control(Some(false), None, None, source);
        Ok(answer)
    }

    fn journal(&mut self, role: Option<Role>, input: Input) {
        if self.journal.len() >= MAX_JOURNAL_ENTRIES {
            if !self.journal_full {
                self.journal_full = true;
                self.push_log(
                    LogSource::System,
                    "Too many inputs to keep for a restart: this session is no longer saved"
                        .to_owned(),
                    None,
                );
            }
            return;
        }
        let at_ms = self.time_ms();
        self.changes += 1;
        self.journal.push(JournalEntry { at_ms, role, input });
    }

    /// Steps to simulated time `target_ms`, a tick's worth of steps at a time (alarms are
    /// logged per tick, as live).
    fn replay_until(&mut self, target_ms: u64) {
        let step_ms = (Simulation::DT_S * 1000.0).round() as u64;
        while !self.ended && self.time_ms() < target_ms {
            let per_tick = u64::from(self.speed) * 1000 / PUSH_HZ / step_ms;
            let steps = ((target_ms - self.time_ms()) / step_ms).clamp(1, per_tick.max(1));
            self.step_n(steps);
            self.update_alarms();
        }
    }

    /// Applies one journaled input again, as it was applied live.
    fn replay(&mut self, entry: JournalEntry) -> Result<(), String> {
        let source = entry.role.map_or(LogSource::System, LogSource::from);
        let role = entry.role.unwrap_or(Role::Instructor);
        match &entry.input {
            Input::Action { action } => {
                let action = crate::wire::ActionRequest::from_json(action.clone())
                    .and_then(crate::wire::ActionRequest::to_action)
                    .map_err(|e| format!("journaled action at {} ms: {e}", entry.at_ms))?;
                self.apply(&action, role)
                    .map_err(|e| format!("journaled action at {} ms: {e}", entry.at_ms))?;
            }
            Input::Sample { lab } => {
                self.sample(*lab, source)
                    .map_err(|e| format!("journaled sample at {} ms: {e}", entry.at_ms))?;
            }
            Input::Control {
                paused,
                speed,
                scripted_events,
            } => self.control(*paused, *speed, *scripted_events, source),
            Input::Note { text } => self.push_log(LogSource::Note, text.clone(), None),
            Input::Refusal { text } => self.push_log(source, text.clone(), None),
            Input::End { reason } => self.end(reason),
            Input::Asked { question } => {
                let now_ms = self.time_ms();
                self.fire_due_events(now_ms);
                if !self.ask_due_question(now_ms) || self.next_question != *question {
                    return Err(format!(
                        "journaled question {question} at {} ms was not due",
                        entry.at_ms
                    ));
                }
            }
            Input::Answer { question, given } => {
                self.answer(*question, given, source)
                    .map_err(|e| format!("journaled answer at {} ms: {e}", entry.at_ms))?;
            }
            Input::Rewound { branch, from } => self.rewound(*branch, from),
        }
        self.journal.push(entry);
        Ok(())
    }

    /// Draws a lab sample (the user's or a scripted `draw-act`/`send-abg`): the simulator keeps
    /// the measured values its alarms read (`act-due`, `low-act`), the scoring counts the draw
    /// for action objectives, and the result reaches the lab panel after the analyser's delay.
    fn sample(&mut self, kind: LabKind, source: LogSource) -> Result<f64, SessionError> {
        if self.labs.len() >= MAX_PENDING_LABS {
            return Err(SessionError::TooManySamples);
        }
        let action = match kind {
            LabKind::Abg => Action::SendAbg,
            LabKind::Act => Action::DrawAct,
        };
        self.simulation.apply(&action);
        let observations = self.simulation.observe();
        let drawn_at_s = self.simulation.time_s();
        self.scoring.record_action(drawn_at_s, &action);
        match kind {
            LabKind::Abg => self.last_abg_drawn_s = Some(drawn_at_s),
            LabKind::Act => self.last_act_drawn_s = Some(drawn_at_s),
        }
        let values = kind
            .columns()
            .iter()
            .filter_map(|name| observations::column(name))
            .map(|column| LabValue {
                name: column.name,
                value: column.number(&observations),
                unit: column.unit,
            })
            .collect();
        self.labs.push(PendingLab {
            ready_at_s: drawn_at_s + kind.delay_s(),
            result: LabResult {
                kind,
                drawn_at_s,
                values,
            },
        });
        let text = match kind {
            LabKind::Abg => "Blood gas sent",
            LabKind::Act => "ACT drawn",
        };
        self.push_log(
            source,
            format!("{text} (result in {:.0} s)", kind.delay_s()),
            None,
        );
        Ok(drawn_at_s)
    }

    /// Scripted events due at `now_ms` (skipped, not postponed, while scripted events are off),
    /// then the random crisis's (always, and unlogged).
    fn fire_due_events(&mut self, now_ms: u64) {
        while let Some(event) = self
            .crisis_events
            .get(self.next_crisis_event)
            .copied()
            .filter(|event| event.at_ms <= now_ms)
        {
            self.next_crisis_event += 1;
            if !matches!(self.simulation.apply(&event.action), Applied::Ignored(_)) {
                self.scoring
                    .record_action(self.simulation.time_s(), &event.action);
            }
        }
        while let Some(event) = self.next_event_due(now_ms) {
            self.next_event += 1;
            if self.scripted_events {
                let sample = match event.action {
                    Action::DrawAct => Some(LabKind::Act),
                    Action::SendAbg => Some(LabKind::Abg),
                    _ => None,
                };
                if let Some(kind) = sample {
                    if let Err(error) = self.sample(kind, LogSource::Scenario) {
                        self.push_log(
                            LogSource::Scenario,
                            format!("Sample skipped: {error}"),
                            None,
                        );
                    }
                    continue;
                }
                let applied = self.simulation.apply(&event.action);
                if !matches!(applied, Applied::Ignored(_)) {
                    self.scoring
                        .record_action(self.simulation.time_s(), &event.action);
                }
                let text = match applied {
                    Applied::Done => describe(&event.action),
                    Applied::Warning(warning) => {
                        format!("{} (warning: {warning})", describe(&event.action))
                    }
                    Applied::Ignored(reason) => {
                        format!("{} (ignored: {reason})", describe(&event.action))
                    }
                };
                self.push_log(LogSource::Scenario, text, None);
            }
        }
    }

    fn next_event_due(&self, now_ms: u64) -> Option<perfuse_scenario::Event> {
        self.events
            .get(self.next_event)
            .copied()
            .filter(|event| event.at_ms <= now_ms)
    }

    /// Once per simulated second: score objectives, record a row, deliver lab results.
    fn every_second(&mut self, now_ms: u64) {
        let mut observations = self.simulation.observe();
        observations.time_s = now_ms as f64 / 1000.0;
        self.scoring.count_second(&observations);
        self.recording.record(&observations);
        let now_s = observations.time_s;
        let mut ready = Vec::new();
        self.labs.retain(|lab| {
            let due = lab.ready_at_s <= now_s;
            if due {
                ready.push(lab.result.clone());
            }
            !due
        });
        for result in ready {
            let text = lab_text(&result);
            self.push_log(LogSource::Lab, text, Some(result));
        }
    }

    fn update_alarms(&mut self) {
        let now: Vec<(Priority, &'static str)> = self
            .last_observations
            .alarms
            .iter()
            .map(|alarm| (alarm.priority, alarm.code))
            .collect();
        let onsets: Vec<_> = now
            .iter()
            .filter(|a| !self.alarms_shown.contains(a))
            .copied()
            .collect();
        let ends: Vec<_> = self
            .alarms_shown
            .iter()
            .filter(|a| !now.contains(a))
            .copied()
            .collect();
        for (priority, code) in onsets {
            self.push_log(
                LogSource::Alarm,
                format!("ALARM {}: {code}", priority.name()),
                None,
            );
        }
        for (priority, code) in ends {
            self.push_log(
                LogSource::Alarm,
                format!("Alarm cleared ({}): {code}", priority.name()),
                None,
            );
        }
        self.alarms_shown = now;
    }

    fn frame(&self, server_time_ms: f64) -> Frame {
        let observations = &self.last_observations;
        let out = FrameOut {
            kind: "frame",
            server_time_ms,
            sim_time_s: self.simulation.time_s(),
            phase: observations.phase.name(),
            paused: self.paused,
            speed: self.speed,
            ended: self.ended,
            scripted_events: self.scripted_events,
            obs: ObservationsOut(observations),
            machine: MachineOut {
                servo_limiting: observations.servo_limiting,
                level_detector_armed: observations.level_detector_armed,
                level_detector_tripped: observations.level_detector_tripped,
                bubble_detector_armed: observations.bubble_detector_armed,
                bubble_detector_tripped: observations.bubble_detector_tripped,
                cardioplegia_kind: observations.cardioplegia_kind.map(|k| k.name()),
                last_act_drawn_s: self.last_act_drawn_s,
                last_abg_drawn_s: self.last_abg_drawn_s,
            },
            alarms: observations
                .alarms
                .iter()
                .map(|alarm| AlarmOut {
                    priority: alarm.priority.name(),
                    code: alarm.code,
                })
                .collect(),
            wave: WaveOut {
                dt_s: f64::from(self.steps_per_wave_sample) * Simulation::DT_S,
                arterial_pressure_mmhg: &self.wave_pressure_mmhg,
                pump_flow_l_min: &self.wave_flow_l_min,
            },
            log: &self.log[self.log_pushed..],
            question: self.asked.last().filter(|q| q.answer.is_none()),
        };
        let student = serde_json::to_string(&out).unwrap_or_default();
        let faults: Vec<&str> = observations
            .active_faults
            .iter()
            .map(|fault| fault.name())
            .collect();
        let mut instructor = student.clone();
        instructor.pop();
        instructor.push_str(",\"active_faults\":");
        instructor.push_str(&serde_json::to_string(&faults).unwrap_or_default());
        instructor.push('}');
        Frame {
            student: student.into(),
            instructor: instructor.into(),
            resync: false,
        }
    }
}

fn lab_text(result: &LabResult) -> String {
    let value = |name: &str| {
        result
            .values
            .iter()
            .find(|v| v.name == name)
            .and_then(|v| v.value)
    };
    let fmt =
        |v: Option<f64>, decimals: usize| v.map_or("—".to_owned(), |v| format!("{v:.decimals$}"));
    match result.kind {
        LabKind::Abg => format!(
            "ABG result (drawn {}): pH {} PaO2 {} PaCO2 {} SBE {} Hct {} K {} Lac {}",
            clock(result.drawn_at_s),
            fmt(value("ph"), 2),
            fmt(value("pao2_mmhg"), 0),
            fmt(value("paco2_mmhg"), 0),
            fmt(value("sbe_mmol_l"), 1),
            fmt(value("hct_pct"), 0),
            fmt(value("k_mmol_l"), 1),
            fmt(value("lactate_mmol_l"), 1),
        ),
        LabKind::Act => {
            format!(
                "ACT result (drawn {}): {} s",
                clock(result.drawn_at_s),
                fmt(value("act_s"), 0)
            )
        }
    }
}

/// `h:mm:ss` of a simulated time.
pub fn clock(time_s: f64) -> String {
    let total = time_s.max(0.0) as u64;
    format!("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routine() -> Scenario {
        perfuse_scenario::parse(
            include_str!("../../../scenarios/adult-cabg-routine.toml"),
            "adult-cabg-routine.toml",
        )
        .unwrap()
    }

    fn log_texts(session: &Session) -> Vec<String> {
        session
            .state()
            .log
            .iter()
            .map(|e| format!("{:.3} {:?} {}", e.time_s, e.source, e.text))
            .collect()
    }

    #[test]
    fn a_restored_session_is_the_same_session_paused() {
        let options = SessionOptions {
            scripted_events: true,
            speed: 20,
            paused: false,
            max_session_s: 6 * 3600,
        };
        let session = Session::new(
            "ABCDEFGH".into(),
            "s".repeat(32),
            "i".repeat(32),
            routine(),
            Some("adult-cabg-routine".into()),
            None,
            &options,
        )
        .unwrap();
        let ticks = |n: usize| {
            for _ in 0..n {
                session.tick(0.05);
            }
        };
        ticks(400);
        let flow = serde_json::json!({"action": "set-flow", "flow_l_min": 4.2});
        let action = crate::wire::ActionRequest::from_json(flow.clone())
            .and_then(crate::wire::ActionRequest::to_action)
            .unwrap();
        let _ = session.apply(&action, Role::Student, flow);
        session.sample(LabKind::Abg, Role::Student).unwrap();
        session.annotate("watch the venous line");
        session.control(None, Some(5), None, Role::Instructor);
        ticks(300);
        session.log_refusal(Role::Student, "set-flow refused: flow_l_min 40");
        session.control(None, Some(20), Some(false), Role::Instructor);
        ticks(500);

        let (_, json) = session.snapshot().unwrap();
        let snapshot: Snapshot = serde_json::from_str(&json).unwrap();
        let restored = Session::restore(snapshot, routine(), options.max_session_s).unwrap();

        assert_eq!(restored.status().sim_time_s, session.status().sim_time_s);
        assert!(restored.status().paused);
        assert!(!restored.status().scripted_events);
        assert_eq!(restored.csv(), session.csv(), "byte-identical recording");
        let (live, again) = (log_texts(&session), log_texts(&restored));
        assert_eq!(
            again[..live.len()],
            live[..],
            "the same log, then the restart"
        );
        assert!(again.last().unwrap().contains("Server restarted"));
        let scores = |s: &Session| format!("{:?}", s.state().scoring.scores());
        assert_eq!(scores(&restored), scores(&session));
        // And a second restart gives the same again.
        let (_, json) = restored.snapshot().unwrap();
        let twice = Session::restore(
            serde_json::from_str(&json).unwrap(),
            routine(),
            options.max_session_s,
        )
        .unwrap();
        assert_eq!(twice.csv(), session.csv());
    }
}

#[cfg(test)]
mod question_tests {
    use super::*;

    const QUESTIONS: &str = r#"
[[questions]]
at = "0:01:00"
prompt = "What is the hematocrit now?"
column = "hct_pct"
tolerance_pct = 5

[[questions]]
at = "0:02:00"
prompt = "Which drug reverses heparin?"
choices = ["Phenylephrine", "Protamine", "Tranexamic acid"]
correct = 2
"#;

    fn session() -> Session {
        let text = format!(
            "{}{QUESTIONS}",
            include_str!("../../../scenarios/adult-cabg-routine.toml")
        );
        let scenario = perfuse_scenario::parse(&text, "q.toml").unwrap();
        let options = SessionOptions {
            scripted_events: false,
            speed: 20,
            paused: false,
            max_session_s: 3600,
        };
        Session::new(
            "QQQQQQQQ".into(),
            "s".repeat(32),
            "i".repeat(32),
            scenario,
            None,
            Some(Upload {
                file_name: "q.toml".into(),
                toml: text,
            }),
            &options,
        )
        .unwrap()
    }

    #[test]
    fn questions_pause_the_session_and_are_scored() {
        let session = session();
        for _ in 0..200 {
            session.tick(0.05);
        }
        let status = session.status();
        assert!(status.paused, "paused on the first question");
        assert_eq!(status.sim_time_s, 60.0, "exactly at its time");
        let hct = session.state().last_observations.hct_pct;
        let wrong = session.answer(1, "10 %", Role::Student).unwrap();
        assert!(!wrong.correct, "{wrong:?}");
        assert!(wrong.expected.contains('%'), "{wrong:?}");
        assert!(
            matches!(
                session.answer(1, "30", Role::Student),
                Err(SessionError::Ignored { .. })
            ),
            "answered once"
        );
        assert!(!session.status().paused, "an answer resumes");
        for _ in 0..200 {
            session.tick(0.05);
        }
        assert!(session.status().paused, "paused on the second question");
        assert!(matches!(
            session.answer(2, "seven", Role::Student),
            Err(SessionError::Ignored { .. })
        ));
        assert!(session.answer(2, "2", Role::Student).unwrap().correct);
        let debrief = session.debrief();
        assert_eq!(debrief.questions.len(), 2);
        assert_eq!(
            debrief.questions[0].answer.as_ref().map(|a| a.correct),
            Some(false)
        );
        assert!(hct > 20.0);

        // A restart replays the questions and their answers.
        let (_, json) = session.snapshot().unwrap();
        let restored = Session::restore(
            serde_json::from_str(&json).unwrap(),
            session.scenario.clone(),
            3600,
        )
        .unwrap();
        assert_eq!(restored.csv(), session.csv());
        assert_eq!(restored.debrief().questions.len(), 2);
    }

    #[test]
    fn a_right_number_within_the_tolerance_is_right() {
        let session = session();
        for _ in 0..200 {
            session.tick(0.05);
        }
        let hct = session.state().last_observations.hct_pct;
        let answer = session
            .answer(1, &format!("{:.1} %", hct * 1.04), Role::Student)
            .unwrap();
        assert!(answer.correct, "{answer:?} for {hct}");
    }
}
