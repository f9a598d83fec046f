//! Rewinding a live session to an earlier second and playing on from there as a branch.
//!
//! Every [`CHECKPOINT_EVERY_MS`] of simulated time the session keeps a [`Checkpoint`]: a clone
//! of the simulation (plain data, a few kB) and of the small session state around it, with the
//! lengths of the log, the recording and the journal at that instant. Rewinding to `T` takes
//! the last checkpoint at or before `T`, cuts the log, recording and journal back to its
//! lengths and replays the journaled inputs up to `T` with the restart code
//! ([`State::replay_until`], [`State::replay`]): the simulation is deterministic, so the line
//! up to `T` is the one lived, byte for byte. What came after `T` is kept as a [`Branch`].

use perfuse_scenario::Scoring;
use perfuse_sim::{Priority, Simulation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AskedQuestion, Input, LogSource, PendingLab, State, clock};
use crate::debrief::RecordingMark;

/// Simulated time between checkpoints at first, ms.
pub const CHECKPOINT_EVERY_MS: u64 = 10_000;
/// Most checkpoints kept: when full, every other one is dropped and the spacing doubles, so
/// a 6-h session keeps one every 320–640 s and a rewind replays at most that much.
pub const MAX_CHECKPOINTS: usize = 64;
/// Most branches one session keeps (a rewind past it is refused).
pub const MAX_BRANCHES: usize = 8;
/// Trend points kept per branch.
const BRANCH_TREND_POINTS: usize = 600;
/// Event-log lines kept per branch.
const BRANCH_LOG_LINES: usize = 200;

/// The session state at one instant, enough to play on from there.
#[derive(Clone)]
pub(super) struct Checkpoint {
    at_ms: u64,
    simulation: Simulation,
    next_event: usize,
    scripted_events: bool,
    paused: bool,
    speed: u32,
    next_second_ms: u64,
    steps_since_wave_sample: u32,
    log_len: usize,
    log_bytes: usize,
    recording: RecordingMark,
    scoring: Scoring,
    labs: Vec<PendingLab>,
    last_act_drawn_s: Option<f64>,
    last_abg_drawn_s: Option<f64>,
    alarms_shown: Vec<(Priority, &'static str)>,
    journal_len: usize,
    next_question: usize,
    asked: Vec<AskedQuestion>,
    next_crisis_event: usize,
}

/// The checkpoints of a session, oldest first.
pub(super) struct Checkpoints {
    every_ms: u64,
    kept: Vec<Checkpoint>,
}

impl Checkpoints {
    pub(super) fn new() -> Checkpoints {
        Checkpoints {
            every_ms: CHECKPOINT_EVERY_MS,
            kept: Vec::with_capacity(MAX_CHECKPOINTS),
        }
    }

    /// Whether a checkpoint is due at `now_ms`.
    pub(super) fn due(&self, now_ms: u64) -> bool {
        self.kept
            .last()
            .is_none_or(|last| now_ms >= last.at_ms + self.every_ms)
    }

    fn push(&mut self, checkpoint: Checkpoint) {
        if self.kept.len() >= MAX_CHECKPOINTS {
            let mut index = 0;
            self.kept.retain(|_| {
                index += 1;
                index % 2 == 1
            });
            self.every_ms *= 2;
        }
        self.kept.push(checkpoint);
    }

    /// Memory held, bytes, about (the simulation is plain data, so its size is its memory).
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.kept.capacity() * size_of::<Checkpoint>()
            + self
                .kept
                .iter()
                .map(|c| {
                    c.labs.capacity() * size_of::<PendingLab>()
                        + c.asked.capacity() * size_of::<AskedQuestion>()
                })
                .sum::<usize>()
    }
}

/// A future the instructor rewound away from: what happened on it, kept for the debrief.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Branch {
    /// 1 for the first rewind of the session, 2 for the next…
    pub number: usize,
    /// Simulated time it leaves the final line (the time rewound to), s.
    pub from_s: f64,
    /// Simulated time it had reached when it was abandoned, s.
    pub until_s: f64,
    /// Its event log after `from_s` (`h:mm:ss source: text`; at most 200 lines).
    pub log: Vec<String>,
    /// Its trend after `from_s`: times, s (at most 600 points).
    pub time_s: Vec<f32>,
    /// One series per trend channel of the debrief, on `time_s`.
    pub series: Vec<BranchSeries>,
    /// Its objectives as they stood when it was abandoned.
    pub objectives: Vec<BranchObjective>,
}

/// One trend channel of a [`Branch`].
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BranchSeries {
    /// Data-dictionary name.
    pub name: String,
    /// Values (`null` when not applicable).
    pub values: Vec<Option<f32>>,
}

/// An objective of a [`Branch`].
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BranchObjective {
    /// What it asks.
    pub label: String,
    /// Met on that branch.
    pub met: bool,
    /// How it went, in words.
    pub detail: String,
}

/// Why a rewind was refused (409).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RewindError {
    /// `to_s` is outside what was recorded.
    #[error("to_s {to_s}: must be between 0 and {now_s} s (the time recorded so far)")]
    OutOfRange {
        /// The time asked for, s.
        to_s: f64,
        /// The session's simulated time, s.
        now_s: f64,
    },
    /// The session has ended.
    #[error("the session has ended")]
    Ended,
    /// The journal is full, so the inputs cannot be replayed.
    #[error("too many inputs were made to replay this session")]
    JournalFull,
    /// The session already keeps [`MAX_BRANCHES`] branches.
    #[error("this session already keeps {MAX_BRANCHES} branches, the most it may")]
    TooManyBranches,
    /// A journaled input did not replay (a bug: the simulation is deterministic).
    #[error("{0}")]
    Replay(String),
}

impl State {
    /// Keeps a checkpoint of now (called at the top of a step, before its events).
    pub(super) fn checkpoint(&mut self, now_ms: u64) {
        let checkpoint = Checkpoint {
            at_ms: now_ms,
            simulation: self.simulation.clone(),
            next_event: self.next_event,
            scripted_events: self.scripted_events,
            paused: self.paused,
            speed: self.speed,
            next_second_ms: self.next_second_ms,
            steps_since_wave_sample: self.steps_since_wave_sample,
            log_len: self.log.len(),
            log_bytes: self.log_bytes,
            recording: self.recording.mark(),
            scoring: self.scoring.clone(),
            labs: self.labs.clone(),
            last_act_drawn_s: self.last_act_drawn_s,
            last_abg_drawn_s: self.last_abg_drawn_s,
            alarms_shown: self.alarms_shown.clone(),
            journal_len: self.journal.len(),
            next_question: self.next_question,
            asked: self.asked.clone(),
            next_crisis_event: self.next_crisis_event,
        };
        self.checkpoints.push(checkpoint);
    }

    /// Rewinds to `to_ms`: restores the last checkpoint at or before it, replays the journal
    /// up to it and keeps what came after as a branch. The session is paused at `to_ms`.
    pub(super) fn rewind(&mut self, to_ms: u64, trend_names: &[&str]) -> Result<(), RewindError> {
        let now_ms = self.time_ms();
        if self.ended {
            return Err(RewindError::Ended);
        }
        if to_ms > now_ms {
            return Err(RewindError::OutOfRange {
                to_s: to_ms as f64 / 1000.0,
                now_s: now_ms as f64 / 1000.0,
            });
        }
        if self.journal_full {
            return Err(RewindError::JournalFull);
        }
        if self.branches.len() >= MAX_BRANCHES {
            return Err(RewindError::TooManyBranches);
        }
        let Some(index) = self.checkpoints.kept.iter().rposition(|c| c.at_ms <= to_ms) else {
            return Err(RewindError::OutOfRange {
                to_s: to_ms as f64 / 1000.0,
                now_s: now_ms as f64 / 1000.0,
            });
        };
        let branch = self.branch_after(to_ms, trend_names);
        self.checkpoints.kept.truncate(index + 1);
        let checkpoint = self.checkpoints.kept[index].clone();
        let after = self.journal.split_off(checkpoint.journal_len);
        self.restore_checkpoint(checkpoint);
        for entry in after.into_iter().take_while(|e| e.at_ms <= to_ms) {
            self.replay_until(entry.at_ms);
            self.replay(entry).map_err(RewindError::Replay)?;
        }
        self.replay_until(to_ms);
        self.last_observations = self.simulation.observe();
        let number = branch.number;
        let from = clock(branch.until_s);
        self.branches.push(branch);
        self.rewound(number, &from);
        self.journal(
            None,
            Input::Rewound {
                branch: number,
                from,
            },
        );
        Ok(())
    }

    /// Logs a rewind and pauses (live and when a restart replays it).
    pub(super) fn rewound(&mut self, branch: usize, from: &str) {
        self.control(Some(true), None, None, LogSource::System);
        let text = format!(
            "Rewound from {from} to {}: what followed is kept as branch {branch}",
            clock(self.simulation.time_s())
        );
        self.push_log(LogSource::Instructor, text, None);
        self.log_pushed = self.log.len();
        self.wave_pressure_mmhg.clear();
        self.wave_flow_l_min.clear();
    }

    /// What happened after `to_ms`, as a branch.
    fn branch_after(&self, to_ms: u64, trend_names: &[&str]) -> Branch {
        let from_s = to_ms as f64 / 1000.0;
        // Row `i` is the second `i`; the line will record again from the second at `to_ms`.
        let first_row =
            self.recording
                .rows()
                .min(to_ms.div_ceil(perfuse_scenario::OBJECTIVE_TICK_MS)) as usize;
        let trend = self.recording.trend_of(first_row, BRANCH_TREND_POINTS);
        let log = self
            .log
            .iter()
            .filter(|e| e.time_s > from_s)
            .take(BRANCH_LOG_LINES)
            .map(|e| {
                let source = serde_json::to_value(e.source)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                format!("{} {source}: {}", clock(e.time_s), e.text)
            })
            .collect();
        Branch {
            number: self.branches.len() + 1,
            from_s,
            until_s: self.simulation.time_s(),
            log,
            time_s: trend.time_s,
            series: trend
                .series
                .into_iter()
                .filter(|s| trend_names.contains(&s.name))
                .map(|s| BranchSeries {
                    name: s.name.to_owned(),
                    values: s.values,
                })
                .collect(),
            objectives: self
                .scoring
                .scores()
                .iter()
                .map(|s| BranchObjective {
                    label: s.objective.label.clone(),
                    met: s.met(),
                    detail: s.detail(),
                })
                .collect(),
        }
    }

    fn restore_checkpoint(&mut self, c: Checkpoint) {
        self.simulation = c.simulation;
        self.next_event = c.next_event;
        self.scripted_events = c.scripted_events;
        self.paused = c.paused;
        self.speed = c.speed;
        self.steps_per_wave_sample = super::steps_per_wave_sample(c.speed);
        self.next_second_ms = c.next_second_ms;
        self.steps_since_wave_sample = c.steps_since_wave_sample;
        self.owed_s = 0.0;
        self.log.truncate(c.log_len);
        self.log_bytes = c.log_bytes;
        self.log_pushed = self.log.len();
        self.recording.rewind(&c.recording);
        self.scoring = c.scoring;
        self.labs = c.labs;
        self.last_act_drawn_s = c.last_act_drawn_s;
        self.last_abg_drawn_s = c.last_abg_drawn_s;
        self.alarms_shown = c.alarms_shown;
        self.next_question = c.next_question;
        self.asked = c.asked;
        self.next_crisis_event = c.next_crisis_event;
    }
}

#[cfg(test)]
mod tests {
    use super::super::{LabKind, Role, Session, SessionOptions, Snapshot};
    use super::*;

    fn session() -> Session {
        let scenario = perfuse_scenario::parse(
            include_str!("../../../../scenarios/adult-cabg-routine.toml"),
            "adult-cabg-routine.toml",
        )
        .unwrap();
        let options = SessionOptions {
            scripted_events: true,
            speed: 20,
            paused: false,
            max_session_s: 6 * 3600,
        };
        Session::new(
            "REWINDAA".into(),
            "s".repeat(32),
            "i".repeat(32),
            scenario,
            Some("adult-cabg-routine".into()),
            None,
            &options,
        )
        .unwrap()
    }

    /// Ticks of 50 ms wall time at ×20: one simulated second each.
    fn run_s(session: &Session, seconds: usize) {
        for _ in 0..seconds {
            session.tick(0.05);
        }
    }

    fn act(session: &Session, json: serde_json::Value) {
        let action = crate::wire::ActionRequest::from_json(json.clone())
            .and_then(crate::wire::ActionRequest::to_action)
            .unwrap();
        session.apply(&action, Role::Student, json).unwrap();
    }

    /// The inputs both sessions get up to 125 s.
    fn common(session: &Session) {
        run_s(session, 47);
        act(
            session,
            serde_json::json!({"action": "heparin", "units": 30000}),
        );
        session.sample(LabKind::Act, Role::Student).unwrap();
        run_s(session, 78);
    }

    #[test]
    fn a_rewound_session_plays_on_as_if_the_future_never_happened() {
        let twin = session();
        common(&twin);
        run_s(&twin, 235);

        let rewound = session();
        common(&rewound);
        run_s(&rewound, 1);
        act(
            &rewound,
            serde_json::json!({"action": "protamine", "mg": 300}),
        );
        rewound.sample(LabKind::Abg, Role::Student).unwrap();
        run_s(&rewound, 199);
        let until_s = rewound.status().sim_time_s;
        let status = rewound.rewind(125.0).unwrap();
        assert_eq!(status.sim_time_s, 125.0);
        assert!(status.paused, "a rewind pauses");
        let cut =
            |csv: &str, rows: usize| csv.lines().take(rows + 1).collect::<Vec<_>>().join("\n");
        assert_eq!(
            cut(&rewound.csv(), 125),
            cut(&twin.csv(), 125),
            "the recording up to T is the twin's"
        );
        rewound.control(Some(false), None, None, Role::Instructor);
        run_s(&rewound, 235);
        assert_eq!(rewound.status().sim_time_s, twin.status().sim_time_s);
        let (a, b) = (rewound.csv(), twin.csv());
        let first_difference = a.lines().zip(b.lines()).position(|(x, y)| x != y);
        if let Some(row) = first_difference {
            let (x, y) = (a.lines().nth(row).unwrap(), b.lines().nth(row).unwrap());
            let header: Vec<_> = a.lines().next().unwrap().split(',').collect();
            let columns: Vec<_> = x
                .split(',')
                .zip(y.split(','))
                .enumerate()
                .filter(|(_, (p, q))| p != q)
                .map(|(i, (p, q))| format!("{} {p} vs {q}", header[i]))
                .collect();
            panic!("row {row} differs: {columns:?}");
        }
        assert_eq!(a, b, "byte-identical recording");
        let scores = |s: &Session| format!("{:?}", s.state().scoring.scores());
        assert_eq!(scores(&rewound), scores(&twin), "the final line's scores");

        let debrief = rewound.debrief();
        assert_eq!(debrief.branches.len(), 1);
        let branch = &debrief.branches[0];
        assert_eq!((branch.from_s, branch.until_s), (125.0, until_s));
        assert!(
            branch.log.iter().any(|line| line.contains("Protamine")),
            "{:?}",
            branch.log
        );
        assert_eq!(branch.time_s.first(), Some(&125.0));
        assert_eq!(branch.series.len(), crate::debrief::TREND_COLUMNS.len());

        // A restart replays the final line and keeps the branch.
        let (_, json) = rewound.snapshot().unwrap();
        let snapshot: Snapshot = serde_json::from_str(&json).unwrap();
        let restored = Session::restore(snapshot, rewound.scenario.clone(), 6 * 3600).unwrap();
        assert_eq!(restored.csv(), twin.csv());
        assert_eq!(restored.debrief().branches.len(), 1);
    }

    #[test]
    fn rewinds_are_bounded_and_checked() {
        let session = session();
        run_s(&session, 30);
        assert!(matches!(
            session.rewind(31.0),
            Err(RewindError::OutOfRange { .. })
        ));
        assert!(matches!(
            session.rewind(-1.0),
            Err(RewindError::OutOfRange { .. })
        ));
        for n in 0..MAX_BRANCHES {
            session.control(Some(false), None, None, Role::Instructor);
            run_s(&session, 5);
            session.rewind(25.0 - n as f64).unwrap();
        }
        assert_eq!(
            session.rewind(1.0).err(),
            Some(RewindError::TooManyBranches),
            "at most {MAX_BRANCHES} branches"
        );
        session.end("test");
        assert_eq!(session.rewind(1.0).err(), Some(RewindError::Ended));
    }

    #[test]
    fn checkpoints_stay_bounded_and_span_the_session() {
        let session = session();
        session.control(None, None, Some(false), Role::Instructor);
        // 2 h at ×20: one tick is one simulated second.
        run_s(&session, 7200);
        let state = session.state();
        let kept = &state.checkpoints.kept;
        assert!(kept.len() <= MAX_CHECKPOINTS);
        assert_eq!(kept[0].at_ms, 0, "the start is always kept");
        let widest_ms = kept
            .windows(2)
            .map(|w| w[1].at_ms - w[0].at_ms)
            .max()
            .unwrap();
        assert!(
            widest_ms <= 2 * 7_200_000 / MAX_CHECKPOINTS as u64,
            "{widest_ms} ms"
        );
        // 64 checkpoints of a few kB: a quarter of a MiB.
        assert!(
            state.checkpoints.bytes() < 256 * 1024,
            "{}",
            state.checkpoints.bytes()
        );
        // The worst rewind replays one spacing: just before the last checkpoint.
        let to_s = (kept[kept.len() - 1].at_ms - 5) as f64 / 1000.0;
        drop(state);
        assert_eq!(session.rewind(to_s).unwrap().sim_time_s, to_s);
    }
}
