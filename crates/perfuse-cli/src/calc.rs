//! `perfuse calc`: the clap front of `perfuse_clinical::catalog`.
//!
//! Every subcommand, flag, unit, default and range comes from the catalog, so this file
//! never names a calculation.

use std::io::Write;

use clap::{Arg, ArgAction, ArgMatches, Command, builder::PossibleValuesParser, value_parser};
use perfuse_clinical::catalog::{self, Calculation, Given, InputKind, Outcome, Value};
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::Failure;

#[derive(clap::Args)]
#[command(
    subcommand_required = false,
    arg_required_else_help = true,
    after_help = "Every calculation also takes --json. Sources and formulas: docs/calc.md."
)]
pub struct CalcArgs {
    /// List every calculation with its unit.
    #[arg(long)]
    list: bool,
    /// With --list: print the list as JSON.
    #[arg(long, requires = "list")]
    json: bool,
}

/// Adds one subcommand per catalog entry under `calc`.
pub fn attach_calculations(cli: Command) -> Command {
    cli.mut_subcommand("calc", |calc| {
        catalog::all().iter().fold(calc, |calc, calculation| {
            calc.subcommand(subcommand(calculation))
        })
    })
}

fn subcommand(calculation: &Calculation) -> Command {
    let command = Command::new(calculation.name)
        .about(format!("{} ({})", calculation.summary, calculation.unit))
        .long_about(format!(
            "{} ({})\n\n{} = {}\nSource: {}",
            calculation.summary,
            calculation.unit,
            calculation.name,
            calculation.formula,
            calculation.source
        ))
        .arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .help("Print one JSON object (cli.md contract)"),
        );
    calculation.inputs.iter().fold(command, |command, input| {
        let arg = Arg::new(input.flag).long(input.flag);
        let arg = match &input.kind {
            InputKind::Number {
                unit,
                range,
                default,
            } => {
                let requirement = match default {
                    Some(default) => format!("default {default}"),
                    None => "required".to_owned(),
                };
                arg.value_name(if unit.is_empty() { "NUMBER" } else { unit })
                    .value_parser(value_parser!(f64))
                    .allow_hyphen_values(true)
                    .help(format!(
                        "{}; {}; {}",
                        input.help,
                        range.describe(unit),
                        requirement
                    ))
            }
            InputKind::Choice { choices, default } => {
                let names: Vec<&str> = choices.iter().map(|c| c.name).collect();
                let arg = arg
                    .value_parser(PossibleValuesParser::new(names))
                    .help(input.help);
                match default {
                    Some(default) => arg.default_value(*default),
                    None => arg,
                }
            }
        };
        command.arg(arg)
    })
}

pub fn run(args: &CalcArgs, matches: &ArgMatches) -> Result<(), Failure> {
    let calc_matches = matches
        .subcommand_matches("calc")
        .expect("clap routed us here");
    let Some((name, sub_matches)) = calc_matches.subcommand() else {
        return list(args.json);
    };
    let calculation = catalog::find(name).expect("subcommands are built from the catalog");
    let mut given = Given::default();
    for input in calculation.inputs {
        match &input.kind {
            InputKind::Number { .. } => {
                if let Some(&value) = sub_matches.get_one::<f64>(input.flag) {
                    given = given.number(input.flag, value);
                }
            }
            InputKind::Choice { .. } => {
                // Defaults come from the catalog, not from clap, so only explicit values go in.
                if sub_matches.value_source(input.flag)
                    == Some(clap::parser::ValueSource::CommandLine)
                {
                    if let Some(value) = sub_matches.get_one::<String>(input.flag) {
                        given = given.choice(input.flag, value);
                    }
                }
            }
        }
    }
    let outcome = calculation.evaluate(&given).map_err(|e| {
        Failure::Input(format!(
            "{e}\n  see `perfuse calc {name} --help` for its inputs"
        ))
    })?;
    let line = if sub_matches.get_flag("json") {
        serde_json::to_string(&Report {
            calculation,
            outcome: &outcome,
        })
        .map_err(anyhow::Error::from)?
    } else {
        format!(
            "{} = {} {} ({})",
            calculation.name,
            readable(outcome.value),
            calculation.unit,
            outcome.source
        )
    };
    print_line(&line)
}

fn list(json: bool) -> Result<(), Failure> {
    let all = catalog::all();
    let text = if json {
        let entries: Vec<_> = all
            .iter()
            .map(|c| serde_json::json!({"name": c.name, "unit": c.unit, "summary": c.summary}))
            .collect();
        serde_json::to_string(&entries).map_err(anyhow::Error::from)?
    } else {
        let width = all.iter().map(|c| c.name.len()).max().unwrap_or(0);
        all.iter()
            .map(|c| format!("{:width$}  {:10}  {}", c.name, c.unit, c.summary))
            .collect::<Vec<_>>()
            .join("\n")
    };
    print_line(&text)
}

fn print_line(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}").map_err(|e| Failure::Other(e.into()))
}

/// Four significant digits, never fewer than the integer digits: 1.956, 904.1, 44200.
fn readable(value: f64) -> String {
    let magnitude = if value == 0.0 {
        0
    } else {
        value.abs().log10().floor() as i32
    };
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
    format!("{value:.decimals$}")
}

/// The `--json` object of `cli.md`: quantity, value, unit, then method, source and inputs.
struct Report<'a> {
    calculation: &'a Calculation,
    outcome: &'a Outcome,
}

impl Serialize for Report<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("quantity", self.calculation.name)?;
        map.serialize_entry("value", &self.outcome.value)?;
        map.serialize_entry("unit", self.calculation.unit)?;
        if let Some(method) = self.outcome.method {
            map.serialize_entry("method", method)?;
        }
        map.serialize_entry("source", self.outcome.source)?;
        map.serialize_entry("inputs", &Inputs(self.outcome))?;
        map.end()
    }
}

struct Inputs<'a>(&'a Outcome);

impl Serialize for Inputs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (flag, value) in self.0.inputs.iter().filter(|(flag, _)| *flag != "method") {
            let key = flag.replace('-', "_");
            match value {
                // Whole numbers print as integers (`"weight_kg":80`), as in cli.md's example.
                Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                    map.serialize_entry(&key, &(n as i64))?
                }
                Value::Number(n) => map.serialize_entry(&key, &n)?,
                Value::Choice(name) => map.serialize_entry(&key, name)?,
            }
        }
        map.end()
    }
}
