//! `perfuse`: one binary for the clinical calculator, the simulator and the console.
//!
//! The binary is glue: it parses flags with clap, calls the library crates and maps
//! failures to the exit codes of `cli.md` (0 success, 2 bad input, 1 anything else).

mod calc;
mod cohort;
mod drill;
mod record;
mod run;
mod serve;
mod validate;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// perfuse — a heart-lung machine in software.
#[derive(Parser)]
#[command(name = "perfuse", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Clinical calculations (BSA, flows, hemodilution, gases, anticoagulation…), cited.
    Calc(calc::CalcArgs),
    /// Board-exam calculation drills (ABCP sections): seeded items, graded, with worked solutions.
    Drill(drill::DrillArgs),
    /// Run a virtual cohort: sampled patients × protocol arms, summaries as Parquet/CSV.
    Cohort(cohort::CohortArgs),
    /// Perfusion records, recertification case log, continuing education (SQLite or PostgreSQL).
    Record(record::RecordArgs),
    /// Run a scenario as fast as possible and write its observations (CSV / JSON lines).
    Run(run::RunArgs),
    /// Start the live console (pump console, instructor station, debrief) in the browser.
    Serve(serve::ServeArgs),
    /// Run the validation suite (validation/) and write the report (docs/validation.md).
    Validate(validate::ValidateArgs),
}

/// Why a command failed, and so which exit code it gets.
#[derive(Debug)]
enum Failure {
    /// Bad input: unknown flag, out-of-range value, invalid file. Exit 2.
    Input(String),
    /// Anything else (I/O, internal). Exit 1.
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure::Other(error)
    }
}

fn main() -> ExitCode {
    let command = calc::attach_calculations(Cli::command());
    let matches = command.get_matches();
    let result = Cli::from_arg_matches(&matches)
        .map_err(|e| e.exit())
        .and_then(|cli| match cli.command {
            Command::Calc(args) => calc::run(&args, &matches),
            Command::Drill(args) => drill::run(&args),
            Command::Cohort(args) => cohort::run(&args),
            Command::Record(args) => record::run(args),
            Command::Run(args) => run::run(&args),
            Command::Serve(args) => serve::run(&args),
            Command::Validate(args) => validate::run(&args),
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Other(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
