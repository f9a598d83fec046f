//! `perfuse run`: a scenario as fast as the machine goes, observations streamed to CSV and/or
//! JSON lines, a summary on stderr.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use perfuse_scenario::{RunOptions, duration, observations};
use perfuse_server::debrief::CrisisFigures;

use crate::Failure;

#[derive(clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML, see docs/scenarios.md).
    scenario: PathBuf,
    /// Write observations as CSV to FILE, or to stdout with `-` (the default when neither
    /// --csv nor --jsonl is given).
    #[arg(long, value_name = "FILE|-")]
    csv: Option<String>,
    /// Write observations as JSON lines to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    jsonl: Option<String>,
    /// Sampling interval: `1s`, `500ms`, `2m`, `0:00:10`.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration_ms)]
    every: u64,
    /// Stop at this simulated time instead of the scenario's duration.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_ms)]
    until: Option<u64>,
    /// Seed of the simulator's random numbers (overrides the scenario's).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Write the score (objectives, actions' timing, the crisis figures) as JSON to FILE
    /// (schema in docs/scenarios.md).
    #[arg(long, value_name = "FILE")]
    score: Option<PathBuf>,
    /// Branch the run here: the scenario's events before this time, then those of --events
    /// ("what if"); identical to the original run up to this time.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_ms, requires = "events")]
    branch_at: Option<u64>,
    /// The alternative events of a branch: a TOML file of [[events]] at or after --branch-at.
    #[arg(long, value_name = "FILE", requires = "branch_at")]
    events: Option<PathBuf>,
}

fn parse_duration_ms(text: &str) -> Result<u64, String> {
    match duration::parse_ms(text) {
        Some(0) => Err("must be longer than 0".to_owned()),
        Some(ms) => Ok(ms),
        None => Err("expected a duration such as 1s, 500ms, 2m or 0:00:10".to_owned()),
    }
}

/// Where rows go: a file or stdout, buffered.
struct Sink {
    writer: Box<dyn Write>,
    json: bool,
}

fn open(target: &str, json: bool) -> Result<Sink, Failure> {
    let writer: Box<dyn Write> = if target == "-" {
        Box::new(BufWriter::new(io::stdout().lock()))
    } else {
        let file = File::create(target).with_context(|| format!("cannot create {target}"))?;
        Box::new(BufWriter::new(file))
    };
    Ok(Sink { writer, json })
}

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let shown = args.scenario.display().to_string();
    let text = std::fs::read_to_string(&args.scenario)
        .map_err(|e| Failure::Input(format!("{shown}: {e}")))?;
    let mut scenario =
        perfuse_scenario::parse(&text, &shown).map_err(|e| Failure::Input(e.to_string()))?;
    if let (Some(branch_ms), Some(path)) = (args.branch_at, &args.events) {
        branch(&mut scenario, branch_ms, path)?;
    }

    if args.csv.as_deref() == Some("-") && args.jsonl.as_deref() == Some("-") {
        return Err(Failure::Input(
            "--jsonl -: stdout is already taken by --csv -; write one of them to a file".into(),
        ));
    }
    let mut sinks = Vec::new();
    match (&args.csv, &args.jsonl) {
        (None, None) => sinks.push(open("-", false)?),
        (csv, jsonl) => {
            if let Some(target) = csv {
                sinks.push(open(target, false)?);
            }
            if let Some(target) = jsonl {
                sinks.push(open(target, true)?);
            }
        }
    }

    let options = RunOptions {
        every_ms: args.every,
        until_ms: args.until,
        seed: args.seed,
    };
    let mut run = perfuse_scenario::Run::new(&scenario, &options)
        .map_err(|e| Failure::Input(format!("{shown}: {e}")))?;
    let started = Instant::now();
    let mut line = String::with_capacity(1024);
    let header = observations::csv_header();
    let mut result = sinks
        .iter_mut()
        .filter(|s| !s.json)
        .try_for_each(|s| writeln!(s.writer, "{header}"));
    while result.is_ok() {
        let Some(obs) = run.next_sample() else { break };
        result = sinks.iter_mut().try_for_each(|sink| {
            line.clear();
            if sink.json {
                observations::write_json_row(&obs, &mut line);
            } else {
                observations::write_csv_row(&obs, &mut line);
            }
            line.push('\n');
            sink.writer.write_all(line.as_bytes())
        });
    }
    let result = result.and_then(|()| sinks.iter_mut().try_for_each(|s| s.writer.flush()));
    match result {
        // A reader that stops early (`| head`) is not an error of ours.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write observations")?,
    }
    let wall_s = started.elapsed().as_secs_f64();
    summarise(&scenario, &run, wall_s);
    if let Some(path) = &args.score {
        let json = score_json(&scenario, &shown, &run);
        let text = serde_json::to_string_pretty(&json).context("cannot encode the score")?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Replaces the scenario's events from `branch_ms` on with those of the file at `path`.
fn branch(
    scenario: &mut perfuse_scenario::Scenario,
    branch_ms: u64,
    path: &std::path::Path,
) -> Result<(), Failure> {
    let shown = path.display().to_string();
    if branch_ms >= scenario.duration_ms {
        return Err(Failure::Input(format!(
            "--branch-at: {} is not before the end of the scenario ({})",
            duration::format_ms(branch_ms),
            duration::format_ms(scenario.duration_ms)
        )));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| Failure::Input(format!("{shown}: {e}")))?;
    let alternative = perfuse_scenario::parse_events(&text, &shown, scenario.duration_ms)
        .map_err(|e| Failure::Input(e.to_string()))?;
    if let Some(early) = alternative.iter().find(|e| e.at_ms < branch_ms) {
        return Err(Failure::Input(format!(
            "{shown}: events: {} ({}) is before --branch-at {}; a branch only changes what follows",
            duration::format_ms(early.at_ms),
            early.action.name(),
            duration::format_ms(branch_ms)
        )));
    }
    scenario.events.retain(|e| e.at_ms < branch_ms);
    scenario.events.extend(alternative);
    Ok(())
}

/// The score of a run as JSON (docs/scenarios.md, "Score file").
fn score_json(
    scenario: &perfuse_scenario::Scenario,
    file: &str,
    run: &perfuse_scenario::Run,
) -> serde_json::Value {
    use serde_json::json;
    let scores = run.scores();
    let objectives: Vec<_> = scores
        .iter()
        .map(|s| {
            let mut o = json!({
                "label": s.objective.label,
                "kind": match s.objective.kind {
                    perfuse_scenario::ObjectiveKind::Range(_) => "range",
                    perfuse_scenario::ObjectiveKind::Action(_) => "action",
                },
                "met": s.met(),
                "detail": s.detail(),
            });
            match s.outcome {
                Some(outcome) => {
                    o["outcome"] = json!(outcome.name());
                    o["window_from_s"] = json!(s.window_from_s);
                    o["window_to_s"] = json!(s.window_to_s);
                    o["done_at_s"] = json!(s.done_at_s);
                    o["time_to_action_s"] = json!(s.time_to_action_s());
                }
                None => {
                    o["applicable_s"] = json!(s.applicable_s);
                    o["out_of_range_s"] = json!(s.out_of_range_s);
                }
            }
            o
        })
        .collect();
    json!({
        "scenario": scenario.name,
        "file": file,
        "simulated_s": run.time_ms() as f64 / 1000.0,
        "objectives_met": scores.iter().filter(|s| s.met()).count(),
        "objectives_total": scores.len(),
        "objectives": objectives,
        "crisis": CrisisFigures::of(run.crisis()),
    })
}

fn summarise(scenario: &perfuse_scenario::Scenario, run: &perfuse_scenario::Run, wall_s: f64) {
    let simulated_s = run.time_ms() as f64 / 1000.0;
    let speedup = if wall_s > 0.0 {
        simulated_s / wall_s
    } else {
        f64::INFINITY
    };
    let scores = run.scores();
    let met = scores.iter().filter(|s| s.met()).count();
    let mut text = format!(
        "{}: simulated {} in {:.3} s wall ({:.0}x real time); events applied {}/{}; alarms raised {}; objectives met {}/{}\n",
        scenario.name,
        duration::format_ms(run.time_ms()),
        wall_s,
        speedup,
        run.events_applied(),
        scenario.events.len(),
        run.alarms_raised(),
        met,
        scores.len(),
    );
    for (notes, what) in [
        (run.ignored_events(), "ignored"),
        (run.warned_events(), "warning"),
    ] {
        for note in notes {
            text.push_str(&format!(
                "  event at {} ({}) {what}: {}\n",
                duration::format_ms(note.event.at_ms),
                note.event.action.name(),
                note.reason,
            ));
        }
    }
    for score in scores {
        let verdict = if score.met() { "met" } else { "NOT MET" };
        let detail = score.detail();
        text.push_str(&format!(
            "  {}: {verdict} ({detail})\n",
            score.objective.label
        ));
    }
    let _ = io::stderr().lock().write_all(text.as_bytes());
}
