//! `perfuse drill`: board-exam calculation drills from `perfuse-drill`. With `--json` it prints
//! the items and asks nothing; otherwise it asks each item on stdin, re-asks what is not a
//! number, grades the answer, shows the worked solution and ends with the score. With
//! `--learner` each counted answer is stored in the records database (`--db`); `--report`
//! summarises a learner's stored answers per section and per day (see [`report`]).

use std::io::{self, BufRead, IsTerminal, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use perfuse_drill::{Filter, Item, Outcome, Section, grade};
use perfuse_record::Store;
use perfuse_record::store::drill::DrillResult;
use serde::Serialize;

use crate::Failure;
use crate::record::from_record_error;

mod report;

/// Most items in one set: a four-hour exam has about 230.
const MAX_COUNT: usize = 1000;
/// Longest timed session, in minutes: the ABCP exams are 4 hours.
const MAX_TIMED_MIN: f64 = 240.0;

#[derive(clap::Args)]
pub struct DrillArgs {
    /// Seed of the item set; the same seed gives the same items. Default: from the clock,
    /// printed so the set can be repeated.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Number of items.
    #[arg(long, value_name = "K", default_value_t = 10)]
    count: usize,
    /// Print the items (vignette, inputs, answer, unit, tolerance, worked solution) as JSON
    /// and ask nothing.
    #[arg(long)]
    json: bool,
    /// Only items of this ABCP knowledge-base section (e.g. `pharmacology`).
    #[arg(long, value_name = "SECTION")]
    section: Option<String>,
    /// Only this item type, or item types using this calculation (e.g. `do2i`).
    #[arg(long, value_name = "TOPIC")]
    topic: Option<String>,
    /// Timed mode: stop after M minutes; an answer given after the time is not counted.
    #[arg(long, value_name = "M")]
    timed: Option<f64>,
    /// Store each counted answer under this learner's name in the records database.
    #[arg(long, value_name = "NAME", conflicts_with = "json")]
    learner: Option<String>,
    /// Records database: a SQLite file (created if missing) or a postgres://user:pass@host/db URL.
    #[arg(long, env = "PERFUSE_DB", default_value = "perfuse.db")]
    db: String,
    /// Print the learner's stored progress (accuracy and time per section, weakest first, and
    /// per day) and ask nothing; needs --learner.
    #[arg(long, requires = "learner", conflicts_with_all = ["json", "timed"])]
    report: bool,
    /// With --report: also write a line chart of accuracy per day to FILE (SVG).
    #[arg(long, value_name = "FILE", requires = "report")]
    svg: Option<std::path::PathBuf>,
}

/// One item as `--json` prints it: the item plus its worked solution as text.
#[derive(Serialize)]
struct JsonItem<'a> {
    #[serde(flatten)]
    item: &'a Item,
    section_title: &'static str,
    solution: Vec<String>,
}

#[derive(Serialize)]
struct JsonSet<'a> {
    seed: u64,
    items: Vec<JsonItem<'a>>,
}

pub fn run(args: &DrillArgs) -> Result<(), Failure> {
    if args
        .learner
        .as_deref()
        .is_some_and(|name| name.trim().is_empty())
    {
        return Err(Failure::Input(
            "--learner: must not be empty (the name answers are stored under)".to_owned(),
        ));
    }
    if args.report {
        let learner = args.learner.as_deref().unwrap_or_default();
        return report::run(&args.db, learner, args.svg.as_deref());
    }
    if !(1..=MAX_COUNT).contains(&args.count) {
        return Err(Failure::Input(format!(
            "--count {}: must be between 1 and {MAX_COUNT}",
            args.count
        )));
    }
    let timed = match args.timed {
        Some(minutes) if !(minutes > 0.0 && minutes <= MAX_TIMED_MIN) => {
            return Err(Failure::Input(format!(
                "--timed {minutes}: must be greater than 0 and at most {MAX_TIMED_MIN} minutes"
            )));
        }
        Some(minutes) => Some(Duration::from_secs_f64(minutes * 60.0)),
        None => None,
    };
    let section = match &args.section {
        Some(name) => Some(Section::from_name(name).ok_or_else(|| {
            Failure::Input(format!(
                "--section {name}: expected one of {}",
                Section::accepted_names()
            ))
        })?),
        None => None,
    };
    let filter = Filter {
        section,
        topic: args.topic.clone(),
    };
    let seed = args.seed.unwrap_or_else(clock_seed);
    let items = perfuse_drill::generate(seed, args.count, &filter).map_err(|e| match e {
        perfuse_drill::DrillError::Catalog(_) => Failure::Other(anyhow::anyhow!("{e}")),
        _ => Failure::Input(e.to_string()),
    })?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let set = JsonSet {
            seed,
            items: items
                .iter()
                .map(|item| JsonItem {
                    item,
                    section_title: item.section.title(),
                    solution: item.solution(),
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut out, &set).context("writing JSON")?;
        writeln!(out).context("writing JSON")?;
        return Ok(());
    }
    let stdin = io::stdin();
    // Piped answers are echoed so the output reads as a transcript.
    let echo = !stdin.is_terminal();
    let Some(learner) = &args.learner else {
        ask(
            &items,
            seed,
            timed,
            echo,
            &mut stdin.lock(),
            &mut out,
            &mut |_, _, _| Ok(()),
        )
        .context("drill session")?;
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let store = runtime
        .block_on(Store::open(&args.db))
        .map_err(|error| from_record_error(error, "--db"))?;
    let mut store_answer = |item: &Item, outcome: Outcome, taken: Duration| {
        let result = DrillResult {
            learner: learner.clone(),
            item_id: item.id.clone(),
            item_type: item.kind.to_owned(),
            section: item.section.name().to_owned(),
            outcome: outcome.name().to_owned(),
            seconds_taken: taken.as_secs_f64(),
            answered_at: perfuse_record::time::now_rfc3339(),
        };
        runtime
            .block_on(store.record_drill_result(&result))
            .map(drop)
            .map_err(io::Error::other)
    };
    let session = ask(
        &items,
        seed,
        timed,
        echo,
        &mut stdin.lock(),
        &mut out,
        &mut store_answer,
    );
    runtime.block_on(store.close());
    session.context("drill session")?;
    Ok(())
}

/// A seed for a new set when none is given; printed, so the set can be drilled again.
fn clock_seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_secs())
}

/// Tally of a session.
#[derive(Default)]
struct Score {
    asked: usize,
    correct: usize,
    wrong: usize,
    wrong_unit: usize,
    missing_unit: usize,
}

/// What is done with each counted answer: the item, its outcome and the time from showing the
/// item to the answer.
type OnAnswer<'a> = dyn FnMut(&Item, Outcome, Duration) -> io::Result<()> + 'a;

/// Asks every item on `input`, answering on `out`, until the items, the input or the time
/// run out; hands each counted answer to `on_answer`.
fn ask(
    items: &[Item],
    seed: u64,
    timed: Option<Duration>,
    echo: bool,
    input: &mut impl BufRead,
    out: &mut impl Write,
    on_answer: &mut OnAnswer<'_>,
) -> io::Result<()> {
    let started = Instant::now();
    let mut score = Score::default();
    writeln!(
        out,
        "perfuse drill: {} items, seed {seed} (repeat with --seed {seed}). Answer with the unit, e.g. 4.8 L/min.",
        items.len()
    )?;
    'items: for (n, item) in items.iter().enumerate() {
        if timed.is_some_and(|limit| started.elapsed() > limit) {
            writeln!(out, "\nTime is up.")?;
            break;
        }
        writeln!(
            out,
            "\nItem {}/{} · {} · {}",
            n + 1,
            items.len(),
            item.section.title(),
            item.kind
        )?;
        writeln!(out, "{}", item.vignette)?;
        let shown = Instant::now();
        let (verdict, outcome) = loop {
            match timed {
                Some(limit) => {
                    let left = limit.saturating_sub(started.elapsed()).as_secs();
                    write!(out, "[{}:{:02} left] answer> ", left / 60, left % 60)?;
                }
                None => write!(out, "answer> ")?,
            }
            out.flush()?;
            let mut line = String::new();
            if input.read_line(&mut line)? == 0 {
                writeln!(out, "\n(end of input)")?;
                break 'items;
            }
            if echo {
                writeln!(out, "{}", line.trim_end())?;
            }
            if timed.is_some_and(|limit| started.elapsed() > limit) {
                writeln!(
                    out,
                    "Time is up: this answer came too late and is not counted."
                )?;
                break 'items;
            }
            if let Some(judged) = judge(item, &line, &mut score) {
                break judged;
            }
            writeln!(
                out,
                "Not a number: {:?}. Give a number and its unit, e.g. 4.8 L/min.",
                line.trim()
            )?;
        };
        on_answer(item, outcome, shown.elapsed())?;
        writeln!(
            out,
            "{verdict} Tolerance {}.",
            item.tolerance.describe(item.unit)
        )?;
        for line in item.solution() {
            writeln!(out, "  {line}")?;
        }
    }
    writeln!(
        out,
        "\nScore: {}/{} correct ({} wrong, {} wrong unit, {} missing unit) in {} s.",
        score.correct,
        score.asked,
        score.wrong,
        score.wrong_unit,
        score.missing_unit,
        started.elapsed().as_secs()
    )?;
    Ok(())
}

/// Grades `answer` and counts it; `None` when it is not a number (ask again, count nothing).
fn judge(item: &Item, answer: &str, score: &mut Score) -> Option<(String, Outcome)> {
    let graded = grade(item, answer);
    let expected = format!("{} {}", item.answer_text(), item.unit);
    let verdict = match graded.outcome {
        Outcome::NotANumber => return None,
        Outcome::Correct => {
            score.correct += 1;
            "Correct.".to_owned()
        }
        Outcome::Wrong => {
            score.wrong += 1;
            format!("Wrong: the answer is {expected}.")
        }
        Outcome::WrongUnit => {
            score.wrong_unit += 1;
            format!(
                "Wrong unit: the answer is {expected}{}.",
                number_note(graded.number_matches, item.unit)
            )
        }
        Outcome::MissingUnit => {
            score.missing_unit += 1;
            format!(
                "Missing unit: the answer is {expected}{}.",
                number_note(graded.number_matches, item.unit)
            )
        }
    };
    score.asked += 1;
    Some((verdict, graded.outcome))
}

/// Whether the number itself was right, for a wrong or missing unit.
fn number_note(number_matches: bool, unit: &str) -> String {
    if number_matches {
        format!("; your number is right in {unit}")
    } else {
        format!("; your number is not right in {unit} either")
    }
}
