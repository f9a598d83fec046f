//! `perfuse run`: a scenario as fast as the machine goes, observations streamed to CSV and/or
//! JSON lines, a summary on stderr.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use perfuse_scenario::{RunOptions, duration, observations};

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
    let scenario =
        perfuse_scenario::parse(&text, &shown).map_err(|e| Failure::Input(e.to_string()))?;

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
    Ok(())
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
