//! `perfuse record`: perfusion records, the recertification case log and continuing education,
//! over `perfuse_record::Store` (SQLite file by default, `postgres://…` for a department).
//!
//! Glue only: flags become library calls; library errors become exit codes (bad input or an
//! unknown id → 2, forbidden/conflict/database → 1), one line on stderr naming the field first.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use perfuse_record::csv::{case_log_csv, ce_csv, records_csv};
use perfuse_record::model::{Category, RecordKind};
use perfuse_record::registry::Registry;
use perfuse_record::store::{CeEntry, RecordSummary, TokenLifetime};
use perfuse_record::{Actor, Date, ListFilter, Record, Role, Status, Store, StoredRecord};
use perfuse_report::{Paper, Provenance};
use perfuse_scenario::{Run, RunOptions, observations};
use serde::de::DeserializeOwned;

use crate::Failure;

#[derive(Args)]
#[command(
    after_help = "Record files are TOML or JSON (docs/records.md). Writes need --as NAME (or PERFUSE_USER)."
)]
pub struct RecordArgs {
    /// Database: a SQLite file (created if missing) or a postgres://user:pass@host/db URL.
    #[arg(long, global = true, env = "PERFUSE_DB", default_value = "perfuse.db")]
    db: String,
    /// Who is acting (name as written in record teams).
    #[arg(long = "as", global = true, env = "PERFUSE_USER", value_name = "NAME")]
    actor: Option<String>,
    /// Role of the actor: perfusionist, chief or read-only.
    #[arg(long, global = true, env = "PERFUSE_ROLE", default_value = "perfusionist", value_parser = parse_role)]
    role: Role,
    #[command(subcommand)]
    command: RecordCommand,
}

#[derive(Subcommand)]
enum RecordCommand {
    /// Create a draft from a record file (.toml or .json); prints the new id.
    Create {
        /// The record file.
        file: PathBuf,
        /// Drop the patient's identity (MRN, name, birth date) before storing.
        #[arg(long)]
        deidentify: bool,
        /// Finalise it at once (it must be complete).
        #[arg(long)]
        finalise: bool,
    },
    /// Run a scenario and save the run as a training record (kind `training`, the trainee as
    /// student): it counts in the trainee's log once finalised.
    FromRun {
        /// Scenario file (as for `perfuse run`).
        scenario: PathBuf,
        /// The student who ran the pump (default: --as).
        #[arg(long)]
        trainee: Option<String>,
        /// The supervising educator.
        #[arg(long)]
        supervisor: Option<String>,
        /// Seed of the simulator (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Date of the session, YYYY-MM-DD (default: today, UTC).
        #[arg(long, value_parser = parse_date)]
        date: Option<Date>,
        /// Finalise it at once.
        #[arg(long)]
        finalise: bool,
    },
    /// Import a JSON array of records (as written by `export --format json`) in one transaction.
    Import {
        /// The JSON file.
        file: PathBuf,
        /// Finalise every record (each must be complete).
        #[arg(long)]
        finalise: bool,
    },
    /// Attach HL7 v2 lab results (ORU^R01; one or more messages, CR/LF or MLLP-framed) to the
    /// matching records by MRN and observation time; each message all or nothing. Exit 2 when
    /// any message is refused.
    #[command(name = "hl7-import")]
    Hl7Import {
        /// The file of HL7 messages.
        file: PathBuf,
    },
    /// Replace a draft with the contents of a record file.
    Update {
        /// Record id.
        id: i64,
        /// The record file.
        file: PathBuf,
    },
    /// List records, newest case first.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one record with its plan and quality indicators.
    Show {
        /// Record id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Finalise a draft (author or chief); it then counts in the case log.
    #[command(alias = "finalize")]
    Finalise {
        /// Record id.
        id: i64,
    },
    /// Confirm your entry on a finalised record: it then counts in your case log (the
    /// author's entries count without it; others are listed as pending until confirmed).
    Confirm {
        /// Record id.
        id: i64,
    },
    /// Amend a finalised record from a record file (author or chief), with a reason.
    Amend {
        /// Record id.
        id: i64,
        /// The corrected record file.
        file: PathBuf,
        /// Why it is amended (kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Show the audit trail of a record.
    Audit {
        /// Record id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export records: the registry-style CSV extract, JSON (re-importable), or the STS ACSD
    /// perfusion fields / PERForm-style fields (JSON, or CSV with --csv; docs/records.md).
    Export {
        /// csv, json, sts or perform.
        #[arg(long, value_parser = ["csv", "json", "sts", "perform"])]
        format: String,
        /// With sts or perform: CSV instead of JSON.
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        filter: FilterArgs,
        /// Write to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write a finalised record as a FHIR R4 Bundle (Patient, Encounter, Procedures, LOINC
    /// Observations, MedicationAdministrations; JSON). Drafts are refused.
    Fhir {
        /// Record id.
        id: i64,
        /// Write to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write a record as a printable, signable report: PDF (fonts embedded) and/or one
    /// self-contained HTML file, with the timeline chart, labs, totals, indicators and
    /// amendments (docs/records.md, "Report").
    #[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["pdf", "html"])))]
    Report {
        /// Record id.
        id: i64,
        /// Write the PDF to FILE.
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
        /// Write the HTML to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Paper: a4 or letter.
        #[arg(long, default_value = "a4", value_parser = parse_paper)]
        paper: Paper,
    },
    /// Case log for recertification: counts per category and role, CE units.
    Caselog {
        /// Calendar year (default: this year; with --csv: all years).
        #[arg(long)]
        year: Option<i32>,
        /// Only this perfusionist.
        #[arg(long)]
        perfusionist: Option<String>,
        /// Print every case as CSV instead of the summary.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Continuing-education entries.
    #[command(subcommand)]
    Ce(CeCommand),
    /// Users of the records HTTP API (`perfuse serve`).
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Issue (or replace) someone's API token; chiefs only. The token is printed once and
    /// only its SHA-256 is stored.
    Add {
        /// The person's name, as it appears in record teams.
        name: String,
        /// perfusionist, chief or read-only.
        #[arg(long = "user-role", value_name = "ROLE", value_parser = parse_role)]
        user_role: Role,
        /// How long the token works: whole days (1d to 3650d) or `never`.
        #[arg(long, value_name = "DAYS", default_value = "90d", value_parser = parse_lifetime)]
        expires: TokenLifetime,
    },
    /// Rotate someone's API token (same role); chiefs only. The new token is printed once; the
    /// old one stops working at once.
    Token {
        /// The person's name, as given to `user add`.
        name: String,
        /// How long the new token works: whole days (1d to 3650d) or `never`.
        #[arg(long, value_name = "DAYS", default_value = "90d", value_parser = parse_lifetime)]
        expires: TokenLifetime,
    },
    /// List who holds an API token, with its role and expiry.
    List,
}

#[derive(Subcommand)]
enum CeCommand {
    /// Add an entry (to your own log; a chief may add to anyone's).
    Add(CeAdd),
    /// List entries.
    List {
        /// Calendar year.
        #[arg(long)]
        year: Option<i32>,
        /// Only this perfusionist.
        #[arg(long)]
        perfusionist: Option<String>,
        /// Print CSV.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Args)]
struct CeAdd {
    /// Title of the activity.
    #[arg(long)]
    title: String,
    /// Provider or accrediting body.
    #[arg(long)]
    provider: String,
    /// CE units awarded (0–100).
    #[arg(long)]
    units: f64,
    /// Date of the activity, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date)]
    date: Date,
    /// Whose log (default: --as).
    #[arg(long)]
    perfusionist: Option<String>,
}

impl CeAdd {
    /// The entry, for the actor's own log unless `--perfusionist`.
    fn entry(&self, actor: &Actor) -> CeEntry {
        CeEntry {
            perfusionist: self
                .perfusionist
                .clone()
                .unwrap_or_else(|| actor.name.clone()),
            title: self.title.clone(),
            provider: self.provider.clone(),
            units: self.units,
            date: self.date,
        }
    }
}

#[derive(Args)]
struct FilterArgs {
    /// Cases in this calendar year.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    year: Option<i32>,
    /// Cases on or after this date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    from: Option<Date>,
    /// Cases on or before this date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    to: Option<Date>,
    /// Someone on the team, in any role.
    #[arg(long)]
    perfusionist: Option<String>,
    /// adult, pediatric, neonatal, ecmo, vad or other.
    #[arg(long, value_parser = parse_name::<Category>)]
    category: Option<Category>,
    /// draft, final or amended.
    #[arg(long, value_parser = parse_name::<Status>)]
    status: Option<Status>,
    /// clinical or training.
    #[arg(long, value_parser = parse_name::<RecordKind>)]
    kind: Option<RecordKind>,
    /// At most N records.
    #[arg(long, value_name = "N")]
    limit: Option<i64>,
}

impl FilterArgs {
    fn to_filter(&self) -> Result<ListFilter, Failure> {
        let mut filter = ListFilter::for_dates(self.year, self.from, self.to)
            .map_err(|error| from_record_error(error, "--year"))?;
        filter.perfusionist = self.perfusionist.clone();
        filter.category = self.category;
        filter.status = self.status;
        filter.kind = self.kind;
        filter.limit = self.limit;
        Ok(filter)
    }
}

fn parse_role(name: &str) -> Result<Role, String> {
    Role::from_name(name)
        .ok_or_else(|| format!("{name:?}: expected perfusionist, chief or read-only"))
}

fn parse_lifetime(text: &str) -> Result<TokenLifetime, String> {
    text.parse::<TokenLifetime>().map_err(|error| match error {
        perfuse_record::Error::Invalid { message, .. } => message,
        other => other.to_string(),
    })
}

fn parse_paper(name: &str) -> Result<Paper, String> {
    Paper::from_name(name).ok_or_else(|| format!("{name:?}: must be one of {:?}", Paper::NAMES))
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text)
}

fn parse_name<T: DeserializeOwned>(name: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|error| error.to_string())
}

/// Library error → exit code: bad input and unknown ids are exit 2, the rest exit 1.
pub(crate) fn from_record_error(error: perfuse_record::Error, context: &str) -> Failure {
    let prefix = if context.is_empty() {
        String::new()
    } else {
        format!("{context}: ")
    };
    if error.is_bad_input() {
        Failure::Input(format!("{prefix}{error}"))
    } else {
        Failure::Other(anyhow::anyhow!("{prefix}{error}"))
    }
}

/// Runs `perfuse record …`.
pub fn run(args: RecordArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_async(args))
}

/// Reads and checks every input (files, `--as`, entries) first, then opens the database: a
/// command that fails on its input leaves no database behind. Only commands that add something
/// new create a missing SQLite file; the others need an existing one.
async fn run_async(args: RecordArgs) -> Result<(), Failure> {
    if let RecordCommand::Hl7Import { file } = &args.command {
        return hl7_import(&args, file).await;
    }
    let records = prepare(&args)?;
    let creates = matches!(
        args.command,
        RecordCommand::Create { .. }
            | RecordCommand::FromRun { .. }
            | RecordCommand::Import { .. }
            | RecordCommand::Ce(CeCommand::Add(_))
            | RecordCommand::User(UserCommand::Add { .. })
    );
    let store = if creates {
        Store::open(&args.db).await
    } else {
        Store::open_existing(&args.db).await
    }
    .map_err(|error| from_record_error(error, "--db"))?;
    let result = execute(&store, &args, records).await;
    store.close().await;
    result
}

/// `record hl7-import FILE`: reads the messages, then applies each in its own transaction and
/// prints one line per message (`CONTROL-ID: AA …`, or the refusal); exit 2 if any is refused.
async fn hl7_import(args: &RecordArgs, file: &Path) -> Result<(), Failure> {
    let actor = writer(args)?;
    let bytes = std::fs::read(file)
        .map_err(|error| Failure::Input(format!("{}: cannot read: {error}", file.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::Input(format!("{}: not UTF-8 (or ASCII) text", file.display())))?;
    let messages = perfuse_record::hl7::split_messages(&text);
    if messages.is_empty() {
        return Err(Failure::Input(format!(
            "{}: no HL7 message in the file",
            file.display()
        )));
    }
    let store = Store::open_existing(&args.db)
        .await
        .map_err(|error| from_record_error(error, "--db"))?;
    let mut lines = String::new();
    let mut refused = 0;
    for (i, message) in messages.iter().enumerate() {
        let received = store.receive_hl7(&actor, message).await;
        let id = received
            .header
            .as_ref()
            .map(|header| header.control_id.clone())
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| format!("message {}", i + 1));
        match &received.outcome {
            Ok(attached) => lines.push_str(&format!(
                "{id}: AA record {} (version {}): {} new of {} value(s)\n",
                attached.record_id, attached.version, attached.new_values, attached.values
            )),
            Err(refusal) => {
                refused += 1;
                lines.push_str(&format!("{id}: {} {refusal}\n", refusal.ack.code()));
            }
        }
    }
    store.close().await;
    print(&lines)?;
    if refused > 0 {
        return Err(Failure::Input(format!(
            "{}: {refused} of {} message(s) refused; nothing of those was applied",
            file.display(),
            messages.len()
        )));
    }
    Ok(())
}

/// The checks of a command that need no database: the writer's name, the record files (parsed
/// and validated; a scenario run to the end), a CE entry or API user. Returns the records read.
fn prepare(args: &RecordArgs) -> Result<Vec<Record>, Failure> {
    match &args.command {
        RecordCommand::Create {
            file, deidentify, ..
        } => {
            writer(args)?;
            let mut record = read_record(file)?;
            if *deidentify {
                record.case.patient.deidentify();
            }
            Ok(vec![record])
        }
        RecordCommand::FromRun {
            scenario,
            trainee,
            supervisor,
            seed,
            date,
            ..
        } => {
            let actor = writer(args)?;
            let trainee = perfuse_server::training::Trainee {
                name: trainee.clone().unwrap_or(actor.name),
                supervisor: supervisor.clone(),
                date: date.unwrap_or_else(Date::today_utc),
            };
            Ok(vec![training_record(scenario, trainee, *seed)?])
        }
        RecordCommand::Import { file, .. } => {
            writer(args)?;
            read_records_json(file)
        }
        RecordCommand::Update { file, .. } | RecordCommand::Amend { file, .. } => {
            writer(args)?;
            Ok(vec![read_record(file)?])
        }
        RecordCommand::Ce(CeCommand::Add(add)) => {
            add.entry(&writer(args)?)
                .validate()
                .map_err(|error| from_record_error(error, "ce add"))?;
            Ok(Vec::new())
        }
        RecordCommand::User(UserCommand::Add {
            name, user_role, ..
        }) => {
            writer(args)?;
            Actor::new(name.clone(), *user_role)
                .map_err(|error| from_record_error(error, "user add"))?;
            Ok(Vec::new())
        }
        RecordCommand::Export { format, csv, .. }
            if *csv && Registry::from_name(format).is_none() =>
        {
            Err(Failure::Input(format!(
                "--csv: only with --format sts or perform (--format {format} is already one format)"
            )))
        }
        RecordCommand::Finalise { .. } | RecordCommand::Confirm { .. } => {
            writer(args).map(|_| Vec::new())
        }
        _ => Ok(Vec::new()),
    }
}

/// Runs a scenario to its end and turns the run into a training record.
fn training_record(
    scenario: &Path,
    trainee: perfuse_server::training::Trainee,
    seed: Option<u64>,
) -> Result<Record, Failure> {
    let shown = scenario.display().to_string();
    let text =
        std::fs::read_to_string(scenario).map_err(|e| Failure::Input(format!("{shown}: {e}")))?;
    let scenario =
        perfuse_scenario::parse(&text, &shown).map_err(|e| Failure::Input(e.to_string()))?;
    let options = RunOptions {
        every_ms: (perfuse_server::training::SAMPLE_EVERY_S * 1000.0) as u64,
        until_ms: None,
        seed,
    };
    let mut run =
        Run::new(&scenario, &options).map_err(|e| Failure::Input(format!("{shown}: {e}")))?;
    let mut csv = observations::csv_header();
    while let Some(obs) = run.next_sample() {
        csv.push('\n');
        observations::write_csv_row(&obs, &mut csv);
    }
    perfuse_server::training::training_record(&scenario, &csv, trainee)
        .map_err(|error| from_record_error(error, "training record"))
}

fn writer(args: &RecordArgs) -> Result<Actor, Failure> {
    let name = args.actor.clone().ok_or_else(|| {
        Failure::Input("--as: required to change records (or set PERFUSE_USER)".to_owned())
    })?;
    Actor::new(name, args.role).map_err(|error| from_record_error(error, "--as"))
}

fn reader(args: &RecordArgs) -> Actor {
    let name = args.actor.clone().filter(|name| !name.trim().is_empty());
    Actor {
        name: name.unwrap_or_else(|| "anonymous".to_owned()),
        role: args.role,
    }
}

fn read_record(path: &Path) -> Result<Record, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| Failure::Input(format!("{}: cannot read: {error}", path.display())))?;
    Record::from_file_text(&path.to_string_lossy(), &text)
        .map_err(|error| from_record_error(error, &path.display().to_string()))
}

fn read_records_json(path: &Path) -> Result<Vec<Record>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| Failure::Input(format!("{}: cannot read: {error}", path.display())))?;
    let items: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|error| {
        Failure::Input(format!(
            "{}: expected a JSON array of records: {error}",
            path.display()
        ))
    })?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, mut item)| {
            let document = item
                .get_mut("record")
                .map(serde_json::Value::take)
                .unwrap_or(item);
            Record::from_json_str(&document.to_string())
                .map_err(|error| from_record_error(error, &format!("{}: [{i}]", path.display())))
        })
        .collect()
}

fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing to stdout")?;
    Ok(())
}

/// Writes `text` to the file given, or to stdout.
fn write_out(out: Option<&Path>, text: &str) -> Result<(), Failure> {
    match out {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("writing {}", path.display()))
            .map_err(Failure::Other),
        None => print(text),
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("serialisable");
    text.push('\n');
    text
}

fn minutes(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| format!("{value:.0}"))
}

/// Runs the command; `records` are those [`prepare`] read for it.
async fn execute(store: &Store, args: &RecordArgs, records: Vec<Record>) -> Result<(), Failure> {
    let fail = |error| from_record_error(error, "");
    let one = records.first();
    match &args.command {
        RecordCommand::Create { finalise, .. } | RecordCommand::FromRun { finalise, .. } => {
            let record = one.expect("prepare read the record file");
            let id = store
                .add(&writer(args)?, record, *finalise)
                .await
                .map_err(fail)?;
            print(&format!("{id}\n"))
        }
        RecordCommand::Import { finalise, .. } => {
            let ids = store
                .import(&writer(args)?, &records, *finalise)
                .await
                .map_err(fail)?;
            print(&ids.iter().map(|id| format!("{id}\n")).collect::<String>())
        }
        RecordCommand::Update { id, .. } => store
            .update_draft(
                &writer(args)?,
                *id,
                one.expect("prepare read the record file"),
                None,
            )
            .await
            .map_err(fail),
        RecordCommand::List {
            filter,
            json: as_json,
        } => {
            let rows = store
                .list(&reader(args), &filter.to_filter()?)
                .await
                .map_err(fail)?;
            print(&if *as_json { json(&rows) } else { table(&rows) })
        }
        RecordCommand::Show { id, json: as_json } => {
            let stored = store.get(&reader(args), *id).await.map_err(fail)?;
            print(&if *as_json {
                json(&stored)
            } else {
                describe(&stored)
            })
        }
        RecordCommand::Finalise { id } => store
            .finalise(&writer(args)?, *id, None)
            .await
            .map_err(fail),
        RecordCommand::Confirm { id } => store.confirm(&writer(args)?, *id).await.map_err(fail),
        RecordCommand::Amend { id, reason, .. } => store
            .amend(
                &writer(args)?,
                *id,
                one.expect("prepare read the record file"),
                reason,
                None,
            )
            .await
            .map_err(fail),
        RecordCommand::Audit { id, json: as_json } => {
            let trail = store.audit_trail(&reader(args), *id).await.map_err(fail)?;
            if *as_json {
                return print(&json(&trail));
            }
            let lines: String = trail
                .iter()
                .map(|entry| {
                    let reason = entry
                        .reason
                        .as_deref()
                        .map(|reason| format!(" — {reason}"))
                        .unwrap_or_default();
                    format!(
                        "{}  {:<8} by {} ({}){reason}\n",
                        entry.at, entry.action, entry.actor, entry.actor_role
                    )
                })
                .collect();
            print(&lines)
        }
        RecordCommand::Export {
            format,
            csv,
            filter,
            out,
        } => {
            let actor = reader(args);
            let filter = filter.to_filter()?;
            let text = match (format.as_str(), Registry::from_name(format)) {
                ("csv", _) => records_csv(&store.list(&actor, &filter).await.map_err(fail)?),
                (_, Some(registry)) => {
                    let records = store.export(&actor, &filter).await.map_err(fail)?;
                    if *csv {
                        registry.csv(&records)
                    } else {
                        json(&registry.json(&records))
                    }
                }
                _ => json(&store.export(&actor, &filter).await.map_err(fail)?),
            };
            write_out(out.as_deref(), &text)
        }
        RecordCommand::Hl7Import { .. } => unreachable!("run_async runs hl7-import itself"),
        RecordCommand::Fhir { id, out } => {
            let stored = store.get(&reader(args), *id).await.map_err(fail)?;
            let bundle = perfuse_record::fhir::bundle(&stored).map_err(fail)?;
            write_out(out.as_deref(), &json(&bundle))
        }
        RecordCommand::Report {
            id,
            pdf,
            html,
            paper,
        } => {
            let actor = reader(args);
            let stored = store.get(&actor, *id).await.map_err(fail)?;
            let trail = store.audit_trail(&actor, *id).await.map_err(fail)?;
            let provenance = Provenance::of(&stored, &trail);
            let report_failure = |error: perfuse_report::ReportError| Failure::Other(error.into());
            let write = |path: &Path, bytes: &[u8]| {
                std::fs::write(path, bytes)
                    .with_context(|| format!("writing {}", path.display()))
                    .map_err(Failure::Other)
            };
            if let Some(path) = pdf {
                let bytes = perfuse_report::pdf(&stored.record, &provenance, *paper)
                    .map_err(report_failure)?;
                write(path, &bytes)?;
            }
            if let Some(path) = html {
                let text = perfuse_report::html(&stored.record, &provenance, *paper)
                    .map_err(report_failure)?;
                write(path, text.as_bytes())?;
            }
            Ok(())
        }
        RecordCommand::Caselog {
            year,
            perfusionist,
            csv,
            json: as_json,
        } => {
            let actor = reader(args);
            if *csv {
                let entries = store
                    .case_log(&actor, perfusionist.as_deref(), *year)
                    .await
                    .map_err(fail)?;
                return print(&case_log_csv(&entries));
            }
            let year = year.unwrap_or_else(|| Date::today_utc().year());
            let summary = store
                .case_log_summary(&actor, year, perfusionist.as_deref())
                .await
                .map_err(fail)?;
            if *as_json {
                return print(&json(&summary));
            }
            let mut text = format!(
                "case log {year} (finalised records; pending = awaiting `perfuse record confirm`)\n"
            );
            for count in &summary.counts {
                text.push_str(&format!(
                    "  {:<24} {:<10} {:<12} {:<9} {:>5}  pending {}\n",
                    count.perfusionist,
                    count.category,
                    count.role,
                    count.kind,
                    count.cases,
                    count.pending
                ));
            }
            for total in &summary.ce_units {
                text.push_str(&format!(
                    "  {:<24} continuing education: {} units\n",
                    total.perfusionist, total.units
                ));
            }
            print(&text)
        }
        RecordCommand::Ce(CeCommand::Add(add)) => {
            let actor = writer(args)?;
            let id = store
                .add_ce(&actor, &add.entry(&actor))
                .await
                .map_err(|error| from_record_error(error, "ce add"))?;
            print(&format!("{id}\n"))
        }
        RecordCommand::Ce(CeCommand::List {
            year,
            perfusionist,
            csv,
        }) => {
            let entries = store
                .list_ce(&reader(args), perfusionist.as_deref(), *year)
                .await
                .map_err(fail)?;
            if *csv {
                return print(&ce_csv(&entries));
            }
            let lines: String = entries
                .iter()
                .map(|e| {
                    format!(
                        "{}  {:<24} {:>6} units  {} ({})\n",
                        e.date, e.perfusionist, e.units, e.title, e.provider
                    )
                })
                .collect();
            print(&lines)
        }
        RecordCommand::User(command) => execute_user(store, args, command).await,
    }
}

async fn execute_user(
    store: &Store,
    args: &RecordArgs,
    command: &UserCommand,
) -> Result<(), Failure> {
    match command {
        UserCommand::Add {
            name,
            user_role,
            expires,
        } => {
            let token = store
                .issue_token(&writer(args)?, name, *user_role, *expires)
                .await
                .map_err(|error| from_record_error(error, "user add"))?;
            print(&format!("{token}\n"))
        }
        UserCommand::Token { name, expires } => {
            let token = store
                .rotate_token(&writer(args)?, name, *expires)
                .await
                .map_err(|error| from_record_error(error, "user token"))?;
            print(&format!("{token}\n"))
        }
        UserCommand::List => {
            let users = store
                .api_users(&reader(args))
                .await
                .map_err(|error| from_record_error(error, "user list"))?;
            let lines: String = users
                .iter()
                .map(|user| {
                    let expiry = match &user.expires_at {
                        Some(at) => format!("expires {at}"),
                        None => "no expiry".to_owned(),
                    };
                    format!("{}\t{}\t{expiry}\n", user.name, user.role.name())
                })
                .collect();
            print(&lines)
        }
    }
}

fn table(rows: &[RecordSummary]) -> String {
    let mut text = format!(
        "{:>6}  {:<10}  {:<8}  {:<10}  {:<24}  {:<20}  {:>7}  {:>7}  {:>9}\n",
        "id",
        "date",
        "status",
        "category",
        "procedure",
        "primary",
        "cpb min",
        "xc min",
        "nadir Hct"
    );
    for row in rows {
        text.push_str(&format!(
            "{:>6}  {:<10}  {:<8}  {:<10}  {:<24}  {:<20}  {:>7}  {:>7}  {:>9}\n",
            row.id,
            row.case_date,
            row.status.name(),
            row.category,
            row.procedure.chars().take(24).collect::<String>(),
            row.primary_perfusionist.as_deref().unwrap_or("-"),
            minutes(row.bypass_time_min),
            minutes(row.cross_clamp_time_min),
            row.nadir_hct_pct
                .map_or_else(|| "-".to_owned(), |hct| format!("{hct:.1} %")),
        ));
    }
    text
}

fn describe(stored: &StoredRecord) -> String {
    let record = &stored.record;
    let case = &record.case;
    let (plan, ind) = (&stored.plan, &stored.indicators);
    let team: Vec<String> = record
        .team
        .iter()
        .map(|m| format!("{} ({})", m.name, m.role.name()))
        .collect();
    let optional = |value: Option<f64>, unit: &str| {
        value.map_or_else(|| "-".to_owned(), |v| format!("{v:.1} {unit}"))
    };
    format!(
        "record {id} ({status}, version {version}, author {author})\n\
         case        {date}  {procedure}  [{category:?}, {urgency:?}, {kind:?}]\n\
         patient     {identity}{age} y, {height} cm, {weight} kg, Hct {hct} %\n\
         team        {team}\n\
         circuit     {pump:?} pump, {oxygenator}, prime {prime} mL\n\
         plan        BSA {bsa:.2} m2, target flow {flow:.2} L/min, predicted Hct {phct:.1} %, heparin {heparin:.0} units\n\
         indicators  bypass {cpb}, cross-clamp {xc}, nadir Hct {nhct}, nadir DO2i {ndo2i}, \
         below DO2i 272 {below}, max lactate {lactate}, PRBC {prbc} units\n\
         timeline    {events} events, {labs} lab samples\n",
        id = stored.id,
        status = stored.status.name(),
        version = stored.version,
        author = stored.author,
        date = case.date,
        procedure = case.procedure,
        category = case.category,
        urgency = case.urgency,
        kind = case.kind,
        identity = case.patient.identity.as_ref().map_or_else(
            || "de-identified, ".to_owned(),
            |id| format!("{} ({}), ", id.name, id.mrn)
        ),
        age = case.patient.age_years,
        height = case.patient.height_cm,
        weight = case.patient.weight_kg,
        hct = case.patient.hct_pct,
        team = team.join(", "),
        pump = record.circuit.pump,
        oxygenator = record.circuit.oxygenator,
        prime = plan.prime_volume_ml,
        bsa = plan.bsa_m2,
        flow = plan.target_flow_l_min,
        phct = plan.predicted_hct_pct,
        heparin = plan.heparin_dose_units,
        cpb = optional(ind.bypass_time_min, "min"),
        xc = optional(ind.cross_clamp_time_min, "min"),
        nhct = optional(ind.nadir_hct_pct, "%"),
        ndo2i = optional(ind.nadir_do2i_ml_min_m2, "mL/min/m2"),
        below = optional(ind.time_below_do2i_272_min, "min"),
        lactate = optional(ind.max_lactate_mmol_l, "mmol/L"),
        prbc = ind.prbc_units,
        events = record.timeline.len(),
        labs = record.labs.len(),
    )
}
