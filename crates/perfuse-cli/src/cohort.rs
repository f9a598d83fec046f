//! `perfuse cohort`: a virtual cohort (`docs/research.md`) run in parallel, written as Parquet
//! (and CSV), resumable and shardable.
//!
//! Patients are run in chunks of [`CHUNK_PATIENTS`]; each finished chunk is one file in
//! `OUT/parts/`, written whole and renamed into place, so a chunk file exists only when it is
//! complete. A re-run (after Ctrl-C, a crash or a shard of a job array) skips the chunks that
//! exist; whichever run finds every chunk present merges them into the final files, in patient
//! order, so the result does not depend on how the work was split. `parts/manifest` holds the
//! spec, the base scenario and the settings, so parts of a different cohort are never mixed in.

mod parquet;

use std::fs::{self, File};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

use anyhow::Context;
use perfuse_cohort::table::{self, Cell, Column, PATIENT_COLUMNS, SUMMARY_COLUMNS};
use perfuse_cohort::{Cohort, spec::MAX_PATIENTS};
use perfuse_scenario::duration;
use rayon::prelude::*;

use self::parquet::ParquetWriter;
use crate::Failure;

/// Patients per part file: small, so Ctrl-C loses little work and a chunk's time series
/// (4 patients × arms × 1 row per `--every`) stays a few tens of MB even at `--every 1s`.
const CHUNK_PATIENTS: u32 = 4;

#[derive(clap::Args)]
pub struct CohortArgs {
    /// Cohort spec (TOML, see docs/research.md).
    spec: PathBuf,
    /// Output directory (created); holds the part files of an unfinished run.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of patients, instead of the spec's (a quick look).
    #[arg(long, value_name = "N")]
    patients: Option<u32>,
    /// Run only this patient (0-based), all arms, and write its rows alone: byte-identical to
    /// its rows in the whole cohort.
    #[arg(long, value_name = "ID", conflicts_with = "shard")]
    only: Option<u32>,
    /// Run only shard I of N (0 ≤ I < N) into the shared --out; the run that completes the
    /// last chunk writes the merged files (Slurm: --shard $SLURM_ARRAY_TASK_ID/N).
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<(u32, u32)>,
    /// Also write patients.csv, summary.csv (and timeseries.csv).
    #[arg(long)]
    csv: bool,
    /// Also write timeseries.parquet, one row per patient × arm every DURATION (whole
    /// seconds: `60s`, `5m`).
    #[arg(long, value_name = "DURATION", value_parser = parse_every_ms)]
    every: Option<u64>,
}

fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let parsed = text
        .split_once('/')
        .and_then(|(i, n)| Some((i.parse::<u32>().ok()?, n.parse::<u32>().ok()?)));
    match parsed {
        Some((i, n)) if n >= 1 && i < n => Ok((i, n)),
        _ => Err("expected I/N with 0 ≤ I < N, e.g. 0/8".to_owned()),
    }
}

fn parse_every_ms(text: &str) -> Result<u64, String> {
    match duration::parse_ms(text) {
        Some(ms) if ms > 0 && ms % 1000 == 0 => Ok(ms),
        _ => Err("expected a whole number of seconds such as 60s, 5m or 0:01:00".to_owned()),
    }
}

/// What one invocation runs and writes.
struct Job {
    cohort: Cohort,
    patients: u32,
    every_ms: Option<u64>,
}

pub fn run(args: &CohortArgs) -> Result<(), Failure> {
    let spec_file = args.spec.display().to_string();
    let spec_text =
        fs::read_to_string(&args.spec).map_err(|e| Failure::Input(format!("{spec_file}: {e}")))?;
    let spec_dir = args.spec.parent().unwrap_or(Path::new("."));
    // The files the spec names (empirical distributions), kept for the manifest.
    let read_files = std::cell::RefCell::new(String::new());
    let read = |name: &str| -> Result<(String, String), String> {
        let path = spec_dir.join(name);
        let shown = path.display().to_string();
        let text = fs::read_to_string(&path).map_err(|e| format!("{shown}: {e}"))?;
        read_files
            .borrow_mut()
            .push_str(&format!("--- {shown}\n{text}\n"));
        Ok((shown, text))
    };
    let spec = perfuse_cohort::parse_with_files(&spec_text, &spec_file, &read)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let scenario_path = spec_dir.join(&spec.scenario);
    let scenario_file = scenario_path.display().to_string();
    let scenario_text = fs::read_to_string(&scenario_path).map_err(|e| {
        Failure::Input(format!(
            "{spec_file}: cohort.scenario: {scenario_file}: {e}"
        ))
    })?;
    let patients = args.patients.unwrap_or(spec.patients);
    if !(1..=MAX_PATIENTS).contains(&patients) {
        return Err(Failure::Input(format!(
            "--patients {patients}: must be between 1 and {MAX_PATIENTS}"
        )));
    }
    let cohort = Cohort::new(spec, &scenario_text, &scenario_file)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let job = Job {
        cohort,
        patients,
        every_ms: args.every,
    };
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let parts = args.out.join("parts");

    if let Some(id) = args.only {
        if id >= patients {
            return Err(Failure::Input(format!(
                "--only {id}: must be below the number of patients ({patients})"
            )));
        }
        if parts.exists() {
            return Err(Failure::Input(format!(
                "--out {}: holds a whole cohort's run; give --only its own directory",
                args.out.display()
            )));
        }
        let text = job.chunk_text(id..id + 1, &AtomicBool::new(false));
        let chunk = parts_of(&text.unwrap_or_default());
        return write_outputs(&job, &args.out, args.csv, false, std::iter::once(Ok(chunk)));
    }

    fs::create_dir_all(&parts).with_context(|| format!("cannot create {}", parts.display()))?;
    let manifest = format!(
        "perfuse cohort parts v1\npatients {patients}\nevery_ms {:?}\n--- {spec_file}\n{spec_text}\n--- {scenario_file}\n{scenario_text}{}",
        args.every,
        read_files.borrow()
    );
    check_manifest(&parts, &manifest, &args.out)?;

    let chunks = patients.div_ceil(CHUNK_PATIENTS);
    let (shard, shards) = args.shard.unwrap_or((0, 1));
    let mine = (u64::from(shard) * u64::from(chunks) / u64::from(shards)) as u32
        ..(u64::from(shard + 1) * u64::from(chunks) / u64::from(shards)) as u32;
    let todo: Vec<u32> = mine
        .clone()
        .filter(|&c| !chunk_path(&parts, c).exists())
        .collect();

    let stop = Arc::new(AtomicBool::new(false));
    watch_ctrl_c(Arc::clone(&stop));
    let todo_patients: u32 = todo.iter().map(|&c| job.chunk_range(c).len() as u32).sum();
    let progress = Progress::new(todo_patients, mine.len() as u32 - todo.len() as u32);
    let failures: Vec<anyhow::Error> = todo
        .par_iter()
        .filter_map(|&c| {
            let range = job.chunk_range(c);
            let count = range.len() as u32;
            let text = job.chunk_text(range, &stop)?;
            let written = write_atomically(&chunk_path(&parts, c), text.as_bytes());
            progress.add(count);
            written.err()
        })
        .collect();
    progress.finish();
    if let Some(error) = failures.into_iter().next() {
        return Err(error.into());
    }
    if stop.load(Ordering::SeqCst) {
        return Err(Failure::Other(anyhow::anyhow!(
            "interrupted; finished chunks are kept in {}: run the same command again to resume",
            parts.display()
        )));
    }
    let done = (0..chunks)
        .filter(|&c| chunk_path(&parts, c).exists())
        .count();
    if done < chunks as usize {
        eprintln!(
            "shard {shard}/{shards} finished; {done} of {chunks} chunks done in {} (the run that completes the last one writes the merged files)",
            parts.display()
        );
        return Ok(());
    }
    let read = (0..chunks).map(|c| {
        let path = chunk_path(&parts, c);
        fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))
            .map(|text| parts_of(&text))
    });
    write_outputs(&job, &args.out, args.csv, true, read)
}

impl Job {
    fn chunk_range(&self, chunk: u32) -> std::ops::Range<u32> {
        chunk * CHUNK_PATIENTS..((chunk + 1) * CHUNK_PATIENTS).min(self.patients)
    }

    /// Runs `patients` through every arm and returns their rows as part-file text (lines
    /// tagged `p,`, `s,`, `t,` for the three tables); `None` when stopped on the way.
    fn chunk_text(&self, patients: std::ops::Range<u32>, stop: &AtomicBool) -> Option<String> {
        let spec = self.cohort.spec();
        let texts: Vec<Option<String>> = patients
            .into_par_iter()
            .map(|id| {
                let mut text = String::new();
                let drawn = self.cohort.patient(id);
                text.push_str("p,");
                table::write_csv_row(PATIENT_COLUMNS, &table::patient_row(id, &drawn), &mut text);
                text.push('\n');
                let Ok(patient) = drawn else {
                    return Some(text);
                };
                let mut series = String::new();
                for (arm, arm_spec) in spec.arms.iter().enumerate() {
                    if stop.load(Ordering::SeqCst) {
                        return None;
                    }
                    let summary = self.cohort.run(&patient, arm, |obs| {
                        let every_ms = self.every_ms.unwrap_or(0);
                        let t_ms = (obs.time_s * 1000.0).round() as u64;
                        if every_ms > 0 && t_ms % every_ms == 0 {
                            series.push_str("t,");
                            table::write_timeseries_row(id, &arm_spec.name, obs, &mut series);
                            series.push('\n');
                        }
                    });
                    text.push_str("s,");
                    table::write_csv_row(
                        SUMMARY_COLUMNS,
                        &table::summary_row(spec, &summary),
                        &mut text,
                    );
                    text.push('\n');
                }
                text.push_str(&series);
                Some(text)
            })
            .collect();
        texts
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .map(|t| t.concat())
    }
}

/// The three tables' lines of a part file (tags removed), each in order.
#[derive(Default)]
struct Parts {
    patients: Vec<String>,
    summary: Vec<String>,
    timeseries: Vec<String>,
}

fn parts_of(text: &str) -> Parts {
    let mut parts = Parts::default();
    for line in text.lines() {
        if let Some((tag, row)) = line.split_once(',') {
            let table = match tag {
                "p" => &mut parts.patients,
                "s" => &mut parts.summary,
                _ => &mut parts.timeseries,
            };
            table.push(row.to_owned());
        }
    }
    parts
}

fn chunk_path(parts: &Path, chunk: u32) -> PathBuf {
    parts.join(format!("chunk-{chunk:07}.csv"))
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so `path`
/// either does not exist or is complete.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = tmp_path(path);
    fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

fn tmp_path(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

fn check_manifest(parts: &Path, manifest: &str, out: &Path) -> Result<(), Failure> {
    let path = parts.join("manifest");
    match fs::read_to_string(&path) {
        Ok(existing) if existing == manifest => Ok(()),
        Ok(_) => Err(Failure::Input(format!(
            "--out {}: holds parts of a different cohort (spec, base scenario, --patients or --every differ); use another directory or delete it",
            out.display()
        ))),
        Err(_) => Ok(write_atomically(&path, manifest.as_bytes())?),
    }
}

/// Ctrl-C sets `stop`; running patients finish their current arm and their chunk is dropped.
fn watch_ctrl_c(stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build();
        if let Ok(runtime) = runtime
            && runtime.block_on(tokio::signal::ctrl_c()).is_ok()
        {
            stop.store(true, Ordering::SeqCst);
            eprintln!("stopping: finishing the patients under way…");
        }
    });
}

/// Patients done: a bar with rate and ETA on a terminal, a line at most every 2 s otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u32,
    done: AtomicU32,
    started: Instant,
    last_line_ms: AtomicU32,
}

impl Progress {
    fn new(total: u32, already: u32) -> Progress {
        if already > 0 {
            eprintln!("resuming: {already} chunks already done");
        }
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(u64::from(total));
            let style = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} patients, {per_sec}, ETA {eta}",
            );
            if let Ok(style) = style {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            total,
            done: AtomicU32::new(0),
            started: Instant::now(),
            last_line_ms: AtomicU32::new(0),
        }
    }

    fn add(&self, patients: u32) {
        let done = self.done.fetch_add(patients, Ordering::SeqCst) + patients;
        if let Some(bar) = &self.bar {
            bar.inc(u64::from(patients));
            return;
        }
        let elapsed_ms = self.started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32;
        let last = self.last_line_ms.load(Ordering::SeqCst);
        if (elapsed_ms.saturating_sub(last) >= 2000 || done == self.total)
            && self
                .last_line_ms
                .compare_exchange(last, elapsed_ms, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            eprintln!("{}", self.line(done));
        }
    }

    fn line(&self, done: u32) -> String {
        let elapsed_s = self.started.elapsed().as_secs_f64();
        let rate = f64::from(done) / elapsed_s.max(1e-9);
        let eta_s = f64::from(self.total - done) / rate.max(1e-9);
        format!(
            "{done}/{} patients, {rate:.2} patients/s, ETA {}",
            self.total,
            duration::format_ms((eta_s * 1000.0) as u64)
        )
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let done = self.done.load(Ordering::SeqCst);
        if done > 0 {
            let elapsed_s = self.started.elapsed().as_secs_f64();
            eprintln!(
                "ran {done} patients in {elapsed_s:.1} s ({:.2} patients/s)",
                f64::from(done) / elapsed_s.max(1e-9)
            );
        }
    }
}

/// Writes patients, summary (and timeseries) as Parquet, CSV with `csv`, and summary.md with
/// `markdown`, from the chunks in order. Time series stream, one row group per chunk; patients
/// and summary in row groups of [`TABLE_ROW_GROUP_ROWS`] rows.
fn write_outputs(
    job: &Job,
    out: &Path,
    csv: bool,
    markdown: bool,
    chunks: impl Iterator<Item = anyhow::Result<Parts>>,
) -> Result<(), Failure> {
    let series_columns = table::timeseries_columns();
    let mut series = match job.every_ms {
        Some(_) => Some(Output::create(out, "timeseries", &series_columns, csv)?),
        None => None,
    };
    let mut patients = Table::create(out, "patients", PATIENT_COLUMNS, csv)?;
    let mut summary = Table::create(out, "summary", SUMMARY_COLUMNS, csv)?;
    // summary.md's medians and bootstrap need every run's metrics (64 bytes a run); the tables
    // themselves stream to disk.
    let mut metrics =
        markdown.then(|| perfuse_cohort::stats::MetricTable::new(job.cohort.spec(), job.patients));
    for chunk in chunks {
        let chunk = chunk?;
        patients.add(parse_rows(PATIENT_COLUMNS, &chunk.patients)?)?;
        let rows = parse_rows(SUMMARY_COLUMNS, &chunk.summary)?;
        if let Some(metrics) = &mut metrics {
            for row in &rows {
                metrics.add(row);
            }
        }
        summary.add(rows)?;
        if let Some(series) = &mut series {
            series.write(&parse_rows(&series_columns, &chunk.timeseries)?)?;
        }
    }
    patients.finish()?;
    summary.finish()?;
    if let Some(series) = series {
        series.finish()?;
    }
    if let Some(metrics) = &metrics {
        let text = perfuse_cohort::stats::markdown(job.cohort.spec(), job.patients, metrics);
        write_atomically(&out.join("summary.md"), text.as_bytes())?;
        eprint!("{text}");
    }
    eprintln!("wrote {}", out.display());
    Ok(())
}

fn parse_rows(columns: &[Column], lines: &[String]) -> anyhow::Result<Vec<Vec<Cell>>> {
    lines
        .iter()
        .map(|line| table::parse_csv_row(columns, line).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<_>>()
        .context("a part file is damaged; delete the parts directory and run again")
}

/// Rows per Parquet row group of the patients and summary tables: what is held in memory of
/// each while a cohort's chunks are merged.
const TABLE_ROW_GROUP_ROWS: usize = 8192;

/// A table written as it is read, in row groups of [`TABLE_ROW_GROUP_ROWS`] rows.
struct Table {
    output: Output,
    pending: Vec<Vec<Cell>>,
}

impl Table {
    fn create(out: &Path, name: &str, columns: &[Column], csv: bool) -> anyhow::Result<Table> {
        Ok(Table {
            output: Output::create(out, name, columns, csv)?,
            pending: Vec::new(),
        })
    }

    fn add(&mut self, rows: Vec<Vec<Cell>>) -> anyhow::Result<()> {
        self.pending.extend(rows);
        if self.pending.len() >= TABLE_ROW_GROUP_ROWS {
            self.output.write(&self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        if !self.pending.is_empty() {
            self.output.write(&self.pending)?;
        }
        self.output.finish()
    }
}

/// One table's Parquet file and, optionally, CSV file, written under temporary names and
/// renamed into place when finished.
struct Output {
    parquet: ParquetWriter,
    parquet_path: PathBuf,
    csv: Option<(std::io::BufWriter<File>, PathBuf)>,
    columns: Vec<Column>,
}

impl Output {
    fn create(out: &Path, name: &str, columns: &[Column], csv: bool) -> anyhow::Result<Output> {
        let parquet_path = out.join(format!("{name}.parquet"));
        let file = File::create(tmp_path(&parquet_path))
            .with_context(|| format!("cannot create {}", parquet_path.display()))?;
        let parquet = ParquetWriter::create(file, columns)?;
        let csv = if csv {
            let path = out.join(format!("{name}.csv"));
            let file = File::create(tmp_path(&path))
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            writeln!(writer, "{}", table::csv_header(columns))?;
            Some((writer, path))
        } else {
            None
        };
        Ok(Output {
            parquet,
            parquet_path,
            csv,
            columns: columns.to_vec(),
        })
    }

    fn write(&mut self, rows: &[Vec<Cell>]) -> anyhow::Result<()> {
        self.parquet.write_rows(rows)?;
        if let Some((writer, _)) = &mut self.csv {
            let mut line = String::new();
            for row in rows {
                line.clear();
                table::write_csv_row(&self.columns, row, &mut line);
                line.push('\n');
                writer.write_all(line.as_bytes())?;
            }
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        self.parquet.finish()?;
        fs::rename(tmp_path(&self.parquet_path), &self.parquet_path)
            .with_context(|| format!("cannot write {}", self.parquet_path.display()))?;
        if let Some((mut writer, path)) = self.csv {
            writer.flush()?;
            drop(writer);
            fs::rename(tmp_path(&path), &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure::Other(error.into())
    }
}
