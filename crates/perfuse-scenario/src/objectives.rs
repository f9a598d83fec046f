//! What a perfusionist should achieve, and how it is scored — the same way in `perfuse run`
//! and the live console, so a student's debrief and a batch run agree.
//!
//! Two kinds: a **range** objective keeps an observation within bounds during a phase, after a
//! grace period (the unavoidable transient as the phase begins) and with a stated tolerance of
//! seconds out of range; an **action** objective asks for an action within a window anchored on
//! other events (heparin, going on bypass, a fault, an alarm) — the base of crisis checklists.

use perfuse_clinical::oxygen::CRITICAL_DO2I_ML_MIN_M2;
use perfuse_sim::{Action, ActionSpec, Actor, FieldValue, Observations, Phase};

use crate::observations::Column;

/// Seconds ignored after the phase of a range objective begins, by default.
pub const DEFAULT_GRACE_S: u64 = 60;

/// An objective and its human label.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// What it asks, in words (`MAP 50–80 mmHg on bypass`).
    pub label: String,
    /// What is checked.
    pub kind: ObjectiveKind,
}

/// The two kinds of objective.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectiveKind {
    /// Keep an observation within bounds during a phase.
    Range(RangeObjective),
    /// Take an action within a window.
    Action(ActionObjective),
}

/// Keep an observation within bounds during a phase.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeObjective {
    /// The observation watched.
    pub column: &'static Column,
    /// Lowest acceptable value.
    pub min: Option<f64>,
    /// Highest acceptable value.
    pub max: Option<f64>,
    /// When it applies.
    pub during: ObjectivePhase,
    /// It applies only once this has happened (the harm was done, the response is judged)…
    pub after: Anchor,
    /// …and this many seconds more have passed.
    pub after_s: f64,
    /// It stops applying when this happens (the full-bypass part ends as the wean begins)…
    pub before: Option<Anchor>,
    /// …or this many seconds before it.
    pub before_s: f64,
    /// Seconds ignored after the phase begins (each time it begins).
    pub grace_s: u64,
    /// Seconds out of range tolerated.
    pub max_out_s: u64,
}

/// An action, optionally with the value of its choice field (`reset-detector:bubble`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionPattern {
    /// Action name.
    pub name: &'static str,
    /// Value of the action's choice field (`kind`, `drug`), when it must match.
    pub choice: Option<String>,
}

impl ActionPattern {
    /// Whether `action` is this pattern.
    pub fn matches(&self, action: &Action) -> bool {
        action.name() == self.name
            && self.choice.as_deref().is_none_or(|want| {
                action
                    .fields()
                    .iter()
                    .any(|(_, v)| matches!(v, FieldValue::Text(t) if *t == want))
            })
    }

    /// As written in files.
    pub fn spelling(&self) -> String {
        match &self.choice {
            Some(c) => format!("{}:{c}", self.name),
            None => self.name.to_owned(),
        }
    }
}

/// Something an action objective's window is measured from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The start of the scenario.
    Start,
    /// The first time an action took effect.
    Action(ActionPattern),
    /// The first onset of an alarm, by code (`alarm:arterial-air`).
    Alarm(String),
}

impl Anchor {
    /// As written in files.
    pub fn spelling(&self) -> String {
        match self {
            Anchor::Start => "start".to_owned(),
            Anchor::Action(p) => p.spelling(),
            Anchor::Alarm(code) => format!("alarm:{code}"),
        }
    }
}

/// Take `action` no earlier than `after_s` after the `after` anchor, within `within_s` of it,
/// and at least `before_s` before the `before` anchor.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionObjective {
    /// The action wanted.
    pub action: ActionPattern,
    /// Where the window opens.
    pub after: Anchor,
    /// Earliest, seconds after `after`.
    pub after_s: f64,
    /// Latest, seconds after `after`.
    pub within_s: Option<f64>,
    /// A second anchor the action must precede.
    pub before: Option<Anchor>,
    /// By at least this many seconds.
    pub before_s: f64,
}

/// The part of the case a range objective applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectivePhase {
    /// The whole scenario (`all`).
    Whole,
    /// Before bypass starts.
    PreBypass,
    /// On bypass.
    Bypass,
    /// After bypass ends.
    PostBypass,
    /// While the aorta is cross-clamped.
    CrossClamp,
}

impl ObjectivePhase {
    /// Names as written in scenario files.
    pub const NAMES: &'static [&'static str] =
        &["all", "pre-bypass", "bypass", "post-bypass", "cross-clamp"];

    /// Parses a name of [`ObjectivePhase::NAMES`].
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "all" => ObjectivePhase::Whole,
            "pre-bypass" => ObjectivePhase::PreBypass,
            "bypass" => ObjectivePhase::Bypass,
            "post-bypass" => ObjectivePhase::PostBypass,
            "cross-clamp" => ObjectivePhase::CrossClamp,
            _ => return None,
        })
    }

    /// The name as written in scenario files.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// In words, for labels (`on bypass`).
    pub fn words(self) -> &'static str {
        match self {
            ObjectivePhase::Whole => "throughout",
            ObjectivePhase::PreBypass => "before bypass",
            ObjectivePhase::Bypass => "on bypass",
            ObjectivePhase::PostBypass => "after bypass",
            ObjectivePhase::CrossClamp => "during the cross-clamp",
        }
    }

    /// Whether an objective for this phase applies to `obs`; `clamp_on` says whether the aorta
    /// was cross-clamped over the last second.
    pub fn applies(self, obs: &Observations, clamp_on: bool) -> bool {
        match self {
            ObjectivePhase::Whole => true,
            ObjectivePhase::PreBypass => obs.phase == Phase::PreBypass,
            ObjectivePhase::Bypass => obs.phase == Phase::Bypass,
            ObjectivePhase::PostBypass => obs.phase == Phase::PostBypass,
            ObjectivePhase::CrossClamp => clamp_on,
        }
    }
}

impl RangeObjective {
    /// The default label: `map_mmhg 50–80 mmHg on bypass`.
    pub fn default_label(&self) -> String {
        let bounds = match (self.min, self.max) {
            (Some(lo), Some(hi)) => format!("{lo}–{hi}"),
            (Some(lo), None) => format!("≥ {lo}"),
            (None, Some(hi)) => format!("≤ {hi}"),
            (None, None) => String::new(),
        };
        let mut text = format!(
            "{} {bounds} {} {}",
            self.column.name,
            self.column.unit,
            self.during.words()
        );
        match (&self.after, self.after_s > 0.0) {
            (Anchor::Start, false) => {}
            (Anchor::Start, true) => text += &format!(" from {} s", self.after_s),
            (anchor, false) => text += &format!(" after {}", anchor.spelling()),
            (anchor, true) => {
                text += &format!(" from {} s after {}", self.after_s, anchor.spelling())
            }
        }
        if let Some(before) = &self.before {
            text += &format!(" until {}", before.spelling());
        }
        text
    }
}

impl ActionObjective {
    /// The default label: `draw-act ≥ 180 s after heparin, before start-bypass`.
    pub fn default_label(&self) -> String {
        let mut text = self.action.spelling();
        match (self.after_s > 0.0, self.within_s) {
            (_, Some(w)) if self.after_s > 0.0 => {
                text += &format!(" {}–{w} s after {}", self.after_s, self.after.spelling())
            }
            (_, Some(w)) => text += &format!(" within {w} s of {}", self.after.spelling()),
            (true, None) => {
                text += &format!(" ≥ {} s after {}", self.after_s, self.after.spelling())
            }
            (false, None) if self.after != Anchor::Start => {
                text += &format!(" after {}", self.after.spelling())
            }
            _ => {}
        }
        if let Some(before) = &self.before {
            if self.before_s > 0.0 {
                text += &format!(", ≥ {} s before {}", self.before_s, before.spelling());
            } else {
                text += &format!(", before {}", before.spelling());
            }
        }
        text
    }
}

/// How an action objective went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    /// Its anchor has not happened (nothing was asked).
    NotApplicable,
    /// Its window is open and it has not been done yet.
    Pending,
    /// Done inside the window.
    Done,
    /// Done, but too early or too late.
    Mistimed,
    /// Its window closed without it.
    Missed,
}

impl ActionOutcome {
    /// Its name in JSON and the debrief.
    pub fn name(self) -> &'static str {
        match self {
            ActionOutcome::NotApplicable => "not-applicable",
            ActionOutcome::Pending => "pending",
            ActionOutcome::Done => "done",
            ActionOutcome::Mistimed => "mistimed",
            ActionOutcome::Missed => "missed",
        }
    }
}

/// How an objective went.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveScore {
    /// The objective.
    pub objective: Objective,
    /// Range: seconds during which it applied (after the grace period).
    pub applicable_s: u64,
    /// Range: seconds out of range while it applied.
    pub out_of_range_s: u64,
    /// Action: when the window opened, s (its anchor plus `after_s`).
    pub window_from_s: Option<f64>,
    /// Action: when the window closes, s (its deadline: `within_s` after the anchor, or `before_s`
    /// before the second anchor); `None` while open-ended.
    pub window_to_s: Option<f64>,
    /// Action: when it was first done inside the window (or at all, if mistimed), s.
    pub done_at_s: Option<f64>,
    /// Action: the outcome so far.
    pub outcome: Option<ActionOutcome>,
}

impl ObjectiveScore {
    /// Met: a range objective stayed in bounds but for its tolerated seconds; an action
    /// objective was done in its window or was never asked for.
    pub fn met(&self) -> bool {
        match &self.objective.kind {
            ObjectiveKind::Range(r) => self.out_of_range_s <= r.max_out_s,
            ObjectiveKind::Action(_) => matches!(
                self.outcome,
                Some(ActionOutcome::Done | ActionOutcome::NotApplicable)
            ),
        }
    }

    /// Time from the window opening to the action, s (time to action).
    pub fn time_to_action_s(&self) -> Option<f64> {
        Some(self.done_at_s? - self.window_from_s?)
    }

    /// How it went, in words (`12 s out of range of 4740 s; 60 s grace`, `done 20 s after…`).
    pub fn detail(&self) -> String {
        match (&self.objective.kind, self.outcome) {
            (ObjectiveKind::Range(r), _) => {
                let mut text = format!(
                    "{} s out of range of {} s",
                    self.out_of_range_s, self.applicable_s
                );
                if r.max_out_s > 0 {
                    text += &format!("; {} s tolerated", r.max_out_s);
                }
                if r.grace_s > 0 {
                    text += &format!("; first {} s ignored", r.grace_s);
                }
                text
            }
            (ObjectiveKind::Action(_), outcome) => {
                match (
                    outcome.unwrap_or(ActionOutcome::Pending),
                    self.time_to_action_s(),
                ) {
                    (ActionOutcome::Done, Some(t)) => {
                        format!("done {t:.0} s after the window opened")
                    }
                    (ActionOutcome::Mistimed, Some(t)) => {
                        format!("done outside its window ({t:+.0} s from its opening)")
                    }
                    (ActionOutcome::NotApplicable, _) => {
                        "not asked for: what it answers never happened".to_owned()
                    }
                    (outcome, _) => outcome.name().to_owned(),
                }
            }
        }
    }
}

/// Fraction of the pre-crisis pump flow that counts as flow restored.
const RESTORED_FLOW_FRACTION: f64 = 0.8;

/// How the first crisis (the first injected fault) was handled and what the run cost the
/// patient: the figures of a crisis debrief, for any run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CrisisReport {
    /// When the first fault was injected, s.
    pub onset_s: Option<f64>,
    /// From the onset to the perfusionist's first action, s (time to recognition).
    pub time_to_recognition_s: Option<f64>,
    /// From the onset to pump flow back at 80 % of its pre-crisis value, s; `None` if the flow
    /// never fell or never came back.
    pub time_to_restore_flow_s: Option<f64>,
    /// Lowest MAP of the run, mmHg.
    pub min_map_mmhg: Option<f64>,
    /// Minutes on bypass below the critical DO2i of 272 mL/min/m² (Ranucci 2005).
    pub minutes_below_critical_do2i: f64,
    /// Air pumped into the patient, mL.
    pub air_to_patient_ml: f64,
    /// Lowest PaO2 of the run, mmHg.
    pub min_pao2_mmhg: Option<f64>,
    pre_onset_flow_l_min: f64,
    last_flow_l_min: f64,
    flow_fell: bool,
}

impl CrisisReport {
    fn record_action(&mut self, time_s: f64, action: &Action) {
        match (self.onset_s, action) {
            (None, Action::Fault(_)) => {
                self.onset_s = Some(time_s);
                self.pre_onset_flow_l_min = self.last_flow_l_min;
            }
            (Some(onset_s), _)
                if self.time_to_recognition_s.is_none()
                    && ActionSpec::find(action.name())
                        .is_some_and(|spec| spec.actor == Actor::Perfusionist) =>
            {
                self.time_to_recognition_s = Some(time_s - onset_s);
            }
            _ => {}
        }
    }

    fn count_second(&mut self, obs: &Observations) {
        let lower = |slot: &mut Option<f64>, v: f64| *slot = Some(slot.map_or(v, |s| s.min(v)));
        lower(&mut self.min_map_mmhg, obs.map_mmhg);
        lower(&mut self.min_pao2_mmhg, obs.pao2_mmhg);
        if obs.phase == Phase::Bypass && obs.do2i_ml_min_m2 < CRITICAL_DO2I_ML_MIN_M2 {
            self.minutes_below_critical_do2i += 1.0 / 60.0;
        }
        self.air_to_patient_ml = obs.air_to_patient_ml;
        self.last_flow_l_min = obs.pump_flow_l_min;
        if let Some(onset_s) = self.onset_s
            && self.time_to_restore_flow_s.is_none()
            && self.pre_onset_flow_l_min > 0.5
        {
            let target = RESTORED_FLOW_FRACTION * self.pre_onset_flow_l_min;
            if obs.pump_flow_l_min < target {
                self.flow_fell = true;
            } else if self.flow_fell {
                self.time_to_restore_flow_s = Some(obs.time_s - onset_s);
            }
        }
    }
}

/// First times of anchors seen so far.
#[derive(Clone, Debug, Default, PartialEq)]
struct Anchors {
    actions: Vec<(f64, Action)>,
    alarm_onsets: Vec<(f64, &'static str)>,
}

impl Anchors {
    fn time_of(&self, anchor: &Anchor) -> Option<f64> {
        match anchor {
            Anchor::Start => Some(0.0),
            Anchor::Action(p) => self
                .actions
                .iter()
                .find(|(_, a)| p.matches(a))
                .map(|(t, _)| *t),
            Anchor::Alarm(code) => self
                .alarm_onsets
                .iter()
                .find(|(_, c)| c == code)
                .map(|(t, _)| *t),
        }
    }
}

/// Scores objectives one simulated second at a time, and actions as they take effect.
#[derive(Clone, Debug, PartialEq)]
pub struct Scoring {
    scores: Vec<ObjectiveScore>,
    /// Seconds each range objective has applied in a row (for the grace period).
    in_phase_s: Vec<u64>,
    last_clamp_time_s: f64,
    last_alarms: Vec<&'static str>,
    anchors: Anchors,
    crisis: CrisisReport,
}

impl Scoring {
    /// Nothing counted yet.
    pub fn new(objectives: &[Objective]) -> Scoring {
        let scores = objectives
            .iter()
            .map(|objective| ObjectiveScore {
                objective: objective.clone(),
                applicable_s: 0,
                out_of_range_s: 0,
                window_from_s: None,
                window_to_s: None,
                done_at_s: None,
                outcome: match objective.kind {
                    ObjectiveKind::Range(_) => None,
                    ObjectiveKind::Action(_) => Some(ActionOutcome::NotApplicable),
                },
            })
            .collect();
        Scoring {
            scores,
            in_phase_s: vec![0; objectives.len()],
            last_clamp_time_s: 0.0,
            last_alarms: Vec::new(),
            anchors: Anchors::default(),
            crisis: CrisisReport::default(),
        }
    }

    /// An action took effect at `time_s` (scripted or from a user).
    pub fn record_action(&mut self, time_s: f64, action: &Action) {
        self.anchors.actions.push((time_s, *action));
        self.crisis.record_action(time_s, action);
        self.update_actions(time_s);
    }

    /// Counts one simulated second ending at `obs`; call exactly once per second.
    pub fn count_second(&mut self, obs: &Observations) {
        // The clamp is on when its cumulative time grew since the previous second.
        self.crisis.count_second(obs);
        let clamp_on = obs.cross_clamp_time_s > self.last_clamp_time_s;
        self.last_clamp_time_s = obs.cross_clamp_time_s;
        let alarms: Vec<&'static str> = obs.alarms.iter().map(|a| a.code).collect();
        for code in &alarms {
            if !self.last_alarms.contains(code)
                && !self.anchors.alarm_onsets.iter().any(|(_, c)| c == code)
            {
                self.anchors.alarm_onsets.push((obs.time_s, code));
            }
        }
        self.last_alarms = alarms;
        for (score, in_phase) in self.scores.iter_mut().zip(&mut self.in_phase_s) {
            let ObjectiveKind::Range(objective) = &score.objective.kind else {
                continue;
            };
            let started = self
                .anchors
                .time_of(&objective.after)
                .is_some_and(|t| obs.time_s >= t + objective.after_s);
            let ended = objective
                .before
                .as_ref()
                .and_then(|b| self.anchors.time_of(b))
                .is_some_and(|t| obs.time_s > t - objective.before_s);
            if !started || ended || !objective.during.applies(obs, clamp_on) {
                *in_phase = 0;
                continue;
            }
            *in_phase += 1;
            if *in_phase <= objective.grace_s {
                continue;
            }
            let Some(value) = objective.column.number(obs) else {
                continue;
            };
            score.applicable_s += 1;
            let low = objective.min.is_some_and(|min| value < min);
            let high = objective.max.is_some_and(|max| value > max);
            if low || high {
                score.out_of_range_s += 1;
            }
        }
        self.update_actions(obs.time_s);
    }

    /// Re-evaluates the action objectives at `now_s`.
    fn update_actions(&mut self, now_s: f64) {
        for score in &mut self.scores {
            let ObjectiveKind::Action(objective) = &score.objective.kind else {
                continue;
            };
            let Some(anchor_s) = self.anchors.time_of(&objective.after) else {
                score.outcome = Some(ActionOutcome::NotApplicable);
                continue;
            };
            let from_s = anchor_s + objective.after_s;
            score.window_from_s = Some(from_s);
            let mut to_s = objective.within_s.map_or(f64::INFINITY, |w| anchor_s + w);
            if let Some(before) = &objective.before
                && let Some(before_s) = self.anchors.time_of(before)
            {
                to_s = to_s.min(before_s - objective.before_s);
            }
            score.window_to_s = to_s.is_finite().then_some(to_s);
            let done: Vec<f64> = self
                .anchors
                .actions
                .iter()
                .filter(|(t, a)| *t >= anchor_s && objective.action.matches(a))
                .map(|(t, _)| *t)
                .collect();
            let in_window = done.iter().copied().find(|t| (from_s..=to_s).contains(t));
            score.outcome = Some(match in_window {
                Some(t) => {
                    score.done_at_s = Some(t);
                    ActionOutcome::Done
                }
                None if now_s <= to_s => ActionOutcome::Pending,
                None => match done.first() {
                    Some(&t) => {
                        score.done_at_s = Some(t);
                        ActionOutcome::Mistimed
                    }
                    None => ActionOutcome::Missed,
                },
            });
        }
    }

    /// Closes every still-open window at the end of a run: what is pending then was missed.
    pub fn finish(&mut self) {
        for score in &mut self.scores {
            if score.outcome == Some(ActionOutcome::Pending) {
                score.outcome = Some(ActionOutcome::Missed);
            }
        }
    }

    /// The scores so far, in the scenario's order.
    pub fn scores(&self) -> &[ObjectiveScore] {
        &self.scores
    }

    /// The crisis figures so far.
    pub fn crisis(&self) -> &CrisisReport {
        &self.crisis
    }
}
