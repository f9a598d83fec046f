//! What a session leaves behind: one recorded row per simulated second (the CSV of
//! `perfuse run`, via [`perfuse_scenario::observations`]), a compact trend of the main
//! channels, and the scenario's objectives scored once per simulated second.

use perfuse_scenario::observations::{self, Column};
use perfuse_scenario::{CrisisReport, Objective, ObjectiveKind, ObjectiveScore, Scenario};
use perfuse_sim::{Alarm, Observations, Phase, Priority};
use serde::Serialize;
use utoipa::ToSchema;

use crate::session::LogEntry;

/// Channels kept for trend charts, by data-dictionary name.
pub const TREND_COLUMNS: &[&str] = &[
    "map_mmhg",
    "cvp_mmhg",
    "pump_flow_l_min",
    "arterial_line_pressure_mmhg",
    "reservoir_volume_ml",
    "svo2_pct",
    "hct_pct",
    "do2i_ml_min_m2",
    "temp_core_c",
    "temp_arterial_c",
    "temp_water_c",
    "pao2_mmhg",
    "paco2_mmhg",
    "lactate_mmol_l",
    "act_s",
    "hr_bpm",
];
const TREND_N: usize = TREND_COLUMNS.len();

/// CSV text compressed per block of this many bytes (≈ 200 rows): small enough that the open
/// block is little memory, large enough for LZ4 to find the repetition between rows.
const CSV_BLOCK_BYTES: usize = 64 * 1024;

/// One row per simulated second, bounded by the session's length. The CSV rows (≈ 330 bytes
/// each) are kept LZ4-compressed by block; only the trend channels stay as numbers.
pub struct Recording {
    csv_blocks: Vec<Box<[u8]>>,
    csv_open: String,
    rows: u64,
    times_s: Vec<f32>,
    trend: Vec<[f32; TREND_N]>,
    max_rows: u64,
    columns: [&'static Column; TREND_N],
    phases: [PhaseSummary; 3],
    alarms_on: Vec<&'static str>,
    last_fluids_ml: Option<(f64, f64)>,
}

/// ACT below which bypass is not safe, s (Bull 1975; the usual 480 s threshold).
const SAFE_ACT_S: f64 = 480.0;

/// What happened during one phase of the case (pre-bypass, bypass, post-bypass), accumulated
/// as the recording grows so the debrief never rescans the run.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct PhaseSummary {
    /// `pre-bypass`, `bypass` or `post-bypass`.
    pub phase: &'static str,
    /// Simulated seconds spent in it.
    pub duration_s: u64,
    /// Lowest hematocrit, %.
    pub nadir_hct_pct: Option<f64>,
    /// Lowest DO2i, mL/min/m².
    pub nadir_do2i_ml_min_m2: Option<f64>,
    /// Lowest core temperature, °C.
    pub min_temp_core_c: Option<f64>,
    /// Highest arterial line pressure, mmHg.
    pub max_line_pressure_mmhg: Option<f64>,
    /// Seconds with the ACT below 480 s.
    pub act_below_480_s: u64,
    /// Fluids given during it (prime excluded), mL.
    pub fluid_in_ml: f64,
    /// Fluids out during it (urine, ultrafiltrate, bleeding), mL.
    pub fluid_out_ml: f64,
    /// Alarm onsets by priority: high, medium, low.
    pub alarms_high: u32,
    /// Medium-priority alarm onsets.
    pub alarms_medium: u32,
    /// Low-priority alarm onsets.
    pub alarms_low: u32,
}

impl PhaseSummary {
    fn add(&mut self, obs: &Observations, onsets: &[&Alarm], previous: Option<(f64, f64)>) {
        let lower = |slot: &mut Option<f64>, v: f64| *slot = Some(slot.map_or(v, |s| s.min(v)));
        self.duration_s += 1;
        lower(&mut self.nadir_hct_pct, obs.hct_pct);
        lower(&mut self.nadir_do2i_ml_min_m2, obs.do2i_ml_min_m2);
        lower(&mut self.min_temp_core_c, obs.temp_core_c);
        let line = obs.arterial_line_pressure_mmhg;
        self.max_line_pressure_mmhg =
            Some(self.max_line_pressure_mmhg.map_or(line, |m| m.max(line)));
        if obs.act_s < SAFE_ACT_S {
            self.act_below_480_s += 1;
        }
        // The cumulative counters grew since the previous second (of any phase).
        if let Some((fluid_in_ml, fluid_out_ml)) = previous {
            self.fluid_in_ml += (obs.fluid_in_ml - fluid_in_ml).max(0.0);
            self.fluid_out_ml += (obs.fluid_out_ml - fluid_out_ml).max(0.0);
        }
        for alarm in onsets {
            match alarm.priority {
                Priority::High => self.alarms_high += 1,
                Priority::Medium => self.alarms_medium += 1,
                Priority::Low => self.alarms_low += 1,
            }
        }
    }
}

impl Recording {
    /// An empty recording of at most `max_rows` rows.
    pub fn new(max_rows: u64) -> Recording {
        let columns = std::array::from_fn(|i| {
            observations::column(TREND_COLUMNS[i]).unwrap_or(&observations::COLUMNS[0])
        });
        Recording {
            csv_blocks: Vec::new(),
            csv_open: String::new(),
            rows: 0,
            times_s: Vec::new(),
            trend: Vec::new(),
            max_rows,
            columns,
            phases: [Phase::PreBypass, Phase::Bypass, Phase::PostBypass].map(|phase| {
                PhaseSummary {
                    phase: phase.name(),
                    ..PhaseSummary::default()
                }
            }),
            alarms_on: Vec::new(),
            last_fluids_ml: None,
        }
    }

    /// Per-phase summaries so far.
    pub fn phases(&self) -> Vec<PhaseSummary> {
        self.phases.to_vec()
    }

    /// Records one row (ignored past the bound).
    pub fn record(&mut self, obs: &Observations) {
        if self.rows >= self.max_rows {
            return;
        }
        let onsets: Vec<&Alarm> = obs
            .alarms
            .iter()
            .filter(|a| !self.alarms_on.contains(&a.code))
            .collect();
        let index = match obs.phase {
            Phase::PreBypass => 0,
            Phase::Bypass => 1,
            Phase::PostBypass => 2,
        };
        self.phases[index].add(obs, &onsets, self.last_fluids_ml);
        self.last_fluids_ml = Some((obs.fluid_in_ml, obs.fluid_out_ml));
        self.alarms_on = obs.alarms.iter().map(|a| a.code).collect();
        observations::write_csv_row(obs, &mut self.csv_open);
        self.csv_open.push('\n');
        self.rows += 1;
        if self.csv_open.len() >= CSV_BLOCK_BYTES {
            let block = lz4_flex::compress_prepend_size(self.csv_open.as_bytes());
            self.csv_blocks.push(block.into_boxed_slice());
            self.csv_open.clear();
        }
        self.times_s.push(obs.time_s as f32);
        self.trend.push(std::array::from_fn(|i| {
            self.columns[i].number(obs).map_or(f32::NAN, |v| v as f32)
        }));
    }

    /// The CSV file: header and every row.
    pub fn csv(&self) -> String {
        let mut out = observations::csv_header();
        out.push('\n');
        for block in &self.csv_blocks {
            // Blocks are written above from valid UTF-8; a block that does not decompress
            // would be a bug, and the CSV says so rather than silently losing rows.
            match lz4_flex::decompress_size_prepended(block) {
                Ok(bytes) => out.push_str(&String::from_utf8_lossy(&bytes)),
                Err(e) => out.push_str(&format!("# recording block lost: {e}\n")),
            }
        }
        out.push_str(&self.csv_open);
        out
    }

    /// Heap memory held, bytes.
    pub fn heap_bytes(&self) -> usize {
        self.csv_blocks.iter().map(|b| b.len()).sum::<usize>()
            + self.csv_blocks.capacity() * size_of::<Box<[u8]>>()
            + self.csv_open.capacity()
            + self.times_s.capacity() * size_of::<f32>()
            + self.trend.capacity() * size_of::<[f32; TREND_N]>()
    }

    /// Rows recorded so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Where the recording stands now, to cut it back here later ([`Recording::rewind`]).
    pub fn mark(&self) -> RecordingMark {
        RecordingMark {
            rows: self.rows,
            phases: self.phases.clone(),
            alarms_on: self.alarms_on.clone(),
            last_fluids_ml: self.last_fluids_ml,
        }
    }

    /// Cuts the recording back to `mark` (taken earlier): the rows after it are dropped and
    /// the running summaries set back, so that recording the same rows again gives the same
    /// bytes as if they had never been cut.
    pub fn rewind(&mut self, mark: &RecordingMark) {
        let keep = mark.rows.min(self.rows);
        let lines = |text: &str| text.bytes().filter(|&b| b == b'\n').count() as u64;
        let mut closed_rows = self.rows - lines(&self.csv_open);
        while closed_rows > keep {
            let Some(block) = self.csv_blocks.pop() else {
                break;
            };
            let mut text = lz4_flex::decompress_size_prepended(&block)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default();
            closed_rows -= lines(&text);
            text.push_str(&self.csv_open);
            self.csv_open = text;
        }
        // The open text holds rows `closed_rows..`: keep the first `keep - closed_rows` lines.
        let cut = match (keep - closed_rows) as usize {
            0 => 0,
            n => self
                .csv_open
                .match_indices('\n')
                .nth(n - 1)
                .map_or(self.csv_open.len(), |(i, _)| i + 1),
        };
        self.csv_open.truncate(cut);
        self.rows = keep;
        self.times_s.truncate(keep as usize);
        self.trend.truncate(keep as usize);
        self.phases = mark.phases.clone();
        self.alarms_on = mark.alarms_on.clone();
        self.last_fluids_ml = mark.last_fluids_ml;
    }

    /// The trend, decimated to at most `max_points` points.
    pub fn trend(&self, max_points: usize) -> Trend {
        self.trend_of(0, max_points)
    }

    /// The trend from row `from` on, decimated to at most `max_points` points.
    pub fn trend_of(&self, from: usize, max_points: usize) -> Trend {
        let len = self.times_s.len().saturating_sub(from);
        let stride = len.div_ceil(max_points.max(1)).max(1);
        let picked: Vec<usize> = (from.min(self.times_s.len())..self.times_s.len())
            .step_by(stride)
            .collect();
        let value = |v: f32| v.is_finite().then_some((v * 100.0).round() / 100.0);
        Trend {
            time_s: picked.iter().map(|&i| self.times_s[i]).collect(),
            series: TREND_COLUMNS
                .iter()
                .enumerate()
                .map(|(c, name)| Series {
                    name,
                    unit: self.columns[c].unit,
                    values: picked.iter().map(|&i| value(self.trend[i][c])).collect(),
                })
                .collect(),
        }
    }
}

/// A [`Recording`]'s length and running summaries at one instant.
#[derive(Clone, Debug)]
pub struct RecordingMark {
    rows: u64,
    phases: [PhaseSummary; 3],
    alarms_on: Vec<&'static str>,
    last_fluids_ml: Option<(f64, f64)>,
}

/// Trend channels on a common time axis.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Trend {
    /// Simulated time of each point, s.
    pub time_s: Vec<f32>,
    /// One series per channel of [`TREND_COLUMNS`].
    pub series: Vec<Series>,
}

/// One trend channel.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Series {
    /// Data-dictionary name.
    pub name: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Values (`null` when not applicable).
    pub values: Vec<Option<f32>>,
}

/// An objective as shown to people.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ObjectiveInfo {
    /// What it asks, in words.
    pub label: String,
    /// `range` or `action`.
    pub kind: &'static str,
    /// Range: observation watched.
    pub observe: Option<&'static str>,
    /// Range: its unit.
    pub unit: Option<&'static str>,
    /// Range: lowest acceptable value.
    pub min: Option<f64>,
    /// Range: highest acceptable value.
    pub max: Option<f64>,
    /// Range: phase it applies to (`all`, `bypass`, …).
    pub during: Option<&'static str>,
    /// Range: seconds ignored as the phase begins.
    pub grace_s: Option<u64>,
    /// Range: seconds out of range tolerated.
    pub max_out_s: Option<u64>,
    /// Action: the action wanted (`reset-detector:bubble`).
    pub action: Option<String>,
}

impl From<&Objective> for ObjectiveInfo {
    fn from(objective: &Objective) -> Self {
        let mut info = ObjectiveInfo {
            label: objective.label.clone(),
            kind: "range",
            observe: None,
            unit: None,
            min: None,
            max: None,
            during: None,
            grace_s: None,
            max_out_s: None,
            action: None,
        };
        match &objective.kind {
            ObjectiveKind::Range(r) => {
                info.observe = Some(r.column.name);
                info.unit = Some(r.column.unit);
                info.min = r.min;
                info.max = r.max;
                info.during = Some(r.during.name());
                info.grace_s = Some(r.grace_s);
                info.max_out_s = Some(r.max_out_s);
            }
            ObjectiveKind::Action(a) => {
                info.kind = "action";
                info.action = Some(a.action.spelling());
            }
        }
        info
    }
}

/// The objectives of a scenario.
pub fn objectives(scenario: &Scenario) -> Vec<ObjectiveInfo> {
    scenario
        .objectives
        .iter()
        .map(ObjectiveInfo::from)
        .collect()
}

/// How an objective went.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ObjectiveResult {
    /// The objective.
    #[serde(flatten)]
    pub objective: ObjectiveInfo,
    /// Never out of range while it applied.
    pub met: bool,
    /// Simulated seconds during which it applied.
    pub applicable_s: u64,
    /// Simulated seconds out of range while it applied.
    pub out_of_range_s: u64,
    /// Action: `done`, `mistimed`, `missed`, `pending` or `not-applicable`.
    pub outcome: Option<&'static str>,
    /// Action: seconds from the window opening to the action.
    pub time_to_action_s: Option<f64>,
    /// Action: when its window opened, s (a checklist step's start).
    pub window_from_s: Option<f64>,
    /// Action: its deadline, s (`None`: open-ended).
    pub window_to_s: Option<f64>,
    /// Action: when it was done, s.
    pub done_at_s: Option<f64>,
    /// How it went, in words (as `perfuse run` prints it).
    pub detail: String,
}

/// How the run's first crisis (its first injected fault) was handled and what the run cost
/// the patient: the `crisis` of the debrief and of `perfuse run --score` (docs/scenarios.md).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CrisisFigures {
    /// When the fault was injected, s; `null` when none was.
    pub onset_s: Option<f64>,
    /// From the onset to the perfusionist's first action, s.
    pub time_to_recognition_s: Option<f64>,
    /// From the onset to pump flow back at 80 % of its pre-crisis value, s.
    pub time_to_restore_flow_s: Option<f64>,
    /// Lowest MAP of the run, mmHg.
    pub min_map_mmhg: Option<f64>,
    /// Minutes on bypass below DO2i 272 mL/min/m² (Ranucci 2005), to 0.1 min.
    pub minutes_below_critical_do2i: f64,
    /// Air pumped into the patient, mL.
    pub air_to_patient_ml: f64,
    /// Lowest PaO2 of the run, mmHg.
    pub min_pao2_mmhg: Option<f64>,
}

impl CrisisFigures {
    /// The figures of a run, rounded as reported.
    pub fn of(report: &CrisisReport) -> CrisisFigures {
        CrisisFigures {
            onset_s: report.onset_s,
            time_to_recognition_s: report.time_to_recognition_s,
            time_to_restore_flow_s: report.time_to_restore_flow_s,
            min_map_mmhg: report.min_map_mmhg,
            minutes_below_critical_do2i: (report.minutes_below_critical_do2i * 10.0).round() / 10.0,
            air_to_patient_ml: report.air_to_patient_ml,
            min_pao2_mmhg: report.min_pao2_mmhg,
        }
    }
}

/// Everything the debrief page shows.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Debrief {
    /// Session code.
    pub code: String,
    /// Scenario title.
    pub scenario_name: String,
    /// What the student was told.
    pub brief: String,
    /// The teaching points and expected actions (shown once the case is debriefed).
    pub instructor_notes: String,
    /// Whether the session has ended (a debrief of a running session is provisional).
    pub ended: bool,
    /// Simulated time reached, s.
    pub sim_time_s: f64,
    /// Cumulative bypass time, s.
    pub bypass_time_s: f64,
    /// Cumulative cross-clamp time, s.
    pub cross_clamp_time_s: f64,
    /// Alarm onsets.
    pub alarms_raised: u32,
    /// Size of the circuit's venous reservoir, mL (the reservoir chart's scale).
    pub reservoir_capacity_ml: f64,
    /// Objectives, scored.
    pub objectives: Vec<ObjectiveResult>,
    /// What happened in each phase.
    pub phases: Vec<PhaseSummary>,
    /// Trend of the whole run (at most 1,500 points).
    pub trend: Trend,
    /// The event log.
    pub log: Vec<LogEntry>,
    /// The scenario's questions asked, with the answers given.
    pub questions: Vec<crate::session::AskedQuestion>,
    /// The futures the instructor rewound away from ("what if"); everything else here is the
    /// final line.
    pub branches: Vec<crate::session::Branch>,
    /// The instructor's PINTS rating of non-technical skills (`decision_making`,
    /// `situation_awareness`, `task_management_leadership`, `teamwork_communication`: 0.5–4.0),
    /// once given.
    #[schema(value_type = Option<Object>)]
    pub pints: Option<perfuse_record::model::Pints>,
    /// Random crisis mode: the crisis drawn, once the session has ended (before, neither it nor
    /// its objectives are listed: the student must recognise it).
    pub random_crisis: Option<crate::crisis::RandomCrisis>,
    /// The first crisis of the session and its cost (the checklist timeline's anchor).
    pub crisis: Option<CrisisFigures>,
}

impl Debrief {
    /// Assembles the debrief of a session.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        code: &str,
        scenario: &Scenario,
        sim_time_s: f64,
        ended: bool,
        last: &Observations,
        scores: &[ObjectiveScore],
        recording: &Recording,
        log: &[LogEntry],
    ) -> Debrief {
        Debrief {
            code: code.to_owned(),
            scenario_name: scenario.name.clone(),
            brief: scenario.brief.clone(),
            instructor_notes: scenario.instructor_notes.clone(),
            ended,
            sim_time_s,
            bypass_time_s: last.bypass_time_s,
            cross_clamp_time_s: last.cross_clamp_time_s,
            alarms_raised: last.alarms_raised_total,
            reservoir_capacity_ml: scenario.circuit.reservoir_capacity_ml,
            objectives: scores
                .iter()
                .map(|score| ObjectiveResult {
                    objective: ObjectiveInfo::from(&score.objective),
                    met: score.met(),
                    applicable_s: score.applicable_s,
                    out_of_range_s: score.out_of_range_s,
                    outcome: score.outcome.map(|o| o.name()),
                    time_to_action_s: score.time_to_action_s(),
                    window_from_s: score.window_from_s,
                    window_to_s: score.window_to_s,
                    done_at_s: score.done_at_s,
                    detail: score.detail(),
                })
                .collect(),
            phases: recording.phases(),
            trend: recording.trend(1500),
            log: log.to_vec(),
            questions: Vec::new(),
            branches: Vec::new(),
            pints: None,
            random_crisis: None,
            crisis: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use perfuse_sim::{Action, Simulation};

    use super::*;

    #[test]
    fn an_hour_of_bypass_costs_under_200_bytes_a_second_and_the_csv_survives() {
        let scenario = perfuse_scenario::parse(
            include_str!("../../../scenarios/adult-cabg-routine.toml"),
            "adult-cabg-routine.toml",
        )
        .unwrap();
        let mut simulation =
            Simulation::new(&scenario.patient, &scenario.circuit, scenario.seed).unwrap();
        let seconds = 3600;
        let mut recording = Recording::new(seconds);
        let mut expected = observations::csv_header();
        expected.push('\n');
        let steps_per_s = (1.0 / Simulation::DT_S).round() as u64;
        for second in 0..seconds {
            if second == 300 {
                simulation.apply(&Action::Heparin { units: 30_000.0 });
            }
            if second == 600 {
                simulation.apply(&Action::StartBypass { flow_l_min: 4.5 });
            }
            let mut obs = simulation.observe();
            obs.time_s = second as f64;
            recording.record(&obs);
            observations::write_csv_row(&obs, &mut expected);
            expected.push('\n');
            for _ in 0..steps_per_s {
                simulation.step();
            }
        }
        assert_eq!(recording.csv(), expected, "compression loses nothing");
        let per_s = recording.heap_bytes() as f64 / seconds as f64;
        let raw_per_s = expected.len() as f64 / seconds as f64;
        assert!(
            per_s < 200.0,
            "{per_s:.0} B per simulated second (raw CSV {raw_per_s:.0} B)"
        );
    }
}
