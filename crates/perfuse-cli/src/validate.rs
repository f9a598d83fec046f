//! `perfuse validate`: reads the suite's files, runs it with `perfuse-validate`, writes
//! `docs/validation.md` (or, with `--check`, fails when the file on disk differs).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use perfuse_validate::{Colour, SourceFile};

use crate::Failure;

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// The suite: `targets/*.toml` and `scenarios/*.toml` under this directory.
    #[arg(long, value_name = "DIR", default_value = "validation")]
    dir: PathBuf,
    /// Where the report goes.
    #[arg(long, value_name = "FILE", default_value = "docs/validation.md")]
    out: PathBuf,
    /// Write nothing; exit 1 when FILE is not what the suite produces now.
    #[arg(long)]
    check: bool,
}

/// The `.toml` files of a directory, sorted by name so the report's order is stable.
fn toml_files(dir: &Path) -> Result<Vec<SourceFile>, Failure> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::Input(format!("--dir {}: {e}", dir.display())))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
            Ok(SourceFile {
                path: path.display().to_string(),
                text,
            })
        })
        .collect()
}

pub fn run(args: &ValidateArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let targets = toml_files(&args.dir.join("targets"))?;
    let scenarios = toml_files(&args.dir.join("scenarios"))?;
    let suite =
        perfuse_validate::load(&targets, &scenarios).map_err(|e| Failure::Input(e.to_string()))?;
    let report = perfuse_validate::run(&suite);
    let markdown = perfuse_validate::markdown(&report);

    let count = |colour: Option<Colour>| {
        report
            .results
            .iter()
            .filter(|(_, outcome)| outcome.colour() == colour)
            .count()
    };
    let summary = format!(
        "{} targets: {} green, {} yellow, {} red, {} not yet measurable ({:.1} s)",
        report.results.len(),
        count(Some(Colour::Green)),
        count(Some(Colour::Yellow)),
        count(Some(Colour::Red)),
        count(None),
        started.elapsed().as_secs_f64()
    );
    if args.check {
        let on_disk = std::fs::read_to_string(&args.out).unwrap_or_default();
        if on_disk != markdown {
            return Err(Failure::Other(anyhow::anyhow!(
                "{} is stale: run `perfuse validate --out {}`",
                args.out.display(),
                args.out.display()
            )));
        }
        eprintln!("{summary}; {} is up to date", args.out.display());
    } else {
        std::fs::write(&args.out, markdown)
            .with_context(|| format!("cannot write {}", args.out.display()))?;
        eprintln!("{summary}; wrote {}", args.out.display());
    }
    Ok(())
}
