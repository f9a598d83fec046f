//! The per-arm summary of a cohort (`summary.md`): median and interquartile range of each
//! metric per arm, and each arm's paired difference from the first arm with a seeded
//! percentile-bootstrap 95 % confidence interval (Efron & Tibshirani 1993, ch. 13).

use std::fmt::Write;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_distr::{Distribution, Uniform};

use crate::population::{Stream, derive_seed};
use crate::spec::Spec;
use crate::table::{Cell, Kind, SUMMARY_COLUMNS};

/// Bootstrap resamples.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;

/// The metrics summarised, by `summary` column.
const METRICS: [&str; 8] = [
    "nadir_hct_pct",
    "nadir_do2i_ml_min_m2",
    "minutes_do2i_below_272",
    "peak_lactate_mmol_l",
    "final_lactate_mmol_l",
    "min_map_bypass_mmhg",
    "objectives_met",
    "alarms_raised",
];

/// The `q` quantile (0–1) of sorted `xs`, linearly interpolated (Hyndman & Fan 1996,
/// definition 7, R's default). `None` for no data.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = q.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Mean of the paired differences and its percentile-bootstrap 95 % CI, resampling patients
/// with `rng`. `None` for no pairs.
pub fn paired_bootstrap(
    differences: &[f64],
    resamples: usize,
    rng: &mut ChaCha8Rng,
) -> Option<(f64, f64, f64)> {
    let n = differences.len();
    if n == 0 {
        return None;
    }
    let mean = |xs: &mut dyn Iterator<Item = f64>| xs.sum::<f64>() / n as f64;
    let estimate = mean(&mut differences.iter().copied());
    let pick = Uniform::new(0, n).ok()?;
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| mean(&mut (0..n).map(|_| differences[pick.sample(rng)])))
        .collect();
    means.sort_by(f64::total_cmp);
    Some((estimate, quantile(&means, 0.025)?, quantile(&means, 0.975)?))
}

/// What `summary.md` needs of a cohort's `summary` rows, kept as they stream past: the
/// [`METRICS`] of each run by arm and patient (8 numbers, 64 bytes a run; the rows themselves,
/// ≈ 1 kB each with their text, go to disk) and the count of failed runs.
pub struct MetricTable {
    arm_names: Vec<String>,
    arms: usize,
    patients: usize,
    /// `values[(metric · arms + arm) · patients + patient]`; NaN where there is no value.
    values: Vec<f64>,
    failed: usize,
    columns: Columns,
}

/// Where the summary table keeps what [`MetricTable`] reads.
struct Columns {
    patient: usize,
    arm: usize,
    error: usize,
    metrics: [usize; METRICS.len()],
}

impl Columns {
    fn new() -> Option<Self> {
        let index = |name: &str| SUMMARY_COLUMNS.iter().position(|c| c.name == name);
        let mut metrics = [0; METRICS.len()];
        for (slot, name) in metrics.iter_mut().zip(METRICS) {
            *slot = index(name)?;
        }
        Some(Columns {
            patient: index("patient_id")?,
            arm: index("arm")?,
            error: index("error")?,
            metrics,
        })
    }
}

impl MetricTable {
    /// Room for `patients` patients in each of the spec's arms.
    pub fn new(spec: &Spec, patients: u32) -> Self {
        let (arms, patients) = (spec.arms.len(), patients as usize);
        MetricTable {
            arm_names: spec.arms.iter().map(|a| a.name.clone()).collect(),
            arms,
            patients,
            values: vec![f64::NAN; METRICS.len() * arms * patients],
            failed: 0,
            columns: Columns::new().expect("SUMMARY_COLUMNS has every summarised metric"),
        }
    }

    /// Takes what is summarised from one `summary` row.
    pub fn add(&mut self, row: &[Cell]) {
        let c = &self.columns;
        if row[c.error] != Cell::Null {
            self.failed += 1;
        }
        let arm = match &row[c.arm] {
            Cell::Text(name) => self.arm_names.iter().position(|a| a == name),
            _ => None,
        };
        let (Some(arm), Cell::Int(patient)) = (arm, &row[c.patient]) else {
            return;
        };
        let Ok(patient) = usize::try_from(*patient) else {
            return;
        };
        if patient >= self.patients {
            return;
        }
        for (m, &col) in c.metrics.iter().enumerate() {
            let at = (m * self.arms + arm) * self.patients + patient;
            self.values[at] = row[col].number().unwrap_or(f64::NAN);
        }
    }

    /// One metric's values in one arm, by patient (NaN: none).
    fn arm(&self, metric: usize, arm: usize) -> &[f64] {
        let start = (metric * self.arms + arm) * self.patients;
        &self.values[start..start + self.patients]
    }
}

/// `summary.md` for a whole cohort.
pub fn markdown(spec: &Spec, patients: u32, metrics: &MetricTable) -> String {
    let index = |name: &str| SUMMARY_COLUMNS.iter().position(|c| c.name == name);
    let present = |xs: &[f64]| -> Vec<f64> { xs.iter().copied().filter(|v| !v.is_nan()).collect() };
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", spec.name);
    let _ = writeln!(
        out,
        "{patients} patients × {} arms, seed {}, base scenario `{}`. Runs that failed: {} \
         (their reasons are in the `error` column of summary).\n",
        spec.arms.len(),
        spec.seed,
        spec.scenario,
        metrics.failed
    );
    let mut header = String::from("| metric |");
    let mut rule = String::from("|---|");
    for arm in &spec.arms {
        let _ = write!(header, " {} |", arm.name);
        rule.push_str("---|");
    }
    let _ = writeln!(
        out,
        "## Per arm: median [interquartile range]\n\n{header}\n{rule}"
    );
    let decimals_of = |metric: &str| {
        index(metric).map_or(0, |c| match SUMMARY_COLUMNS[c].kind {
            Kind::Float(d) => d,
            _ => 0,
        })
    };
    for (m, metric) in METRICS.iter().enumerate() {
        let decimals = decimals_of(metric);
        let _ = write!(out, "| {metric} |");
        for arm in 0..spec.arms.len() {
            let mut xs = present(metrics.arm(m, arm));
            xs.sort_by(f64::total_cmp);
            match (quantile(&xs, 0.5), quantile(&xs, 0.25), quantile(&xs, 0.75)) {
                (Some(m), Some(q1), Some(q3)) => {
                    let _ = write!(out, " {m:.decimals$} [{q1:.decimals$}–{q3:.decimals$}] |");
                }
                _ => out.push_str(" – |"),
            }
        }
        out.push('\n');
    }
    // Share of patients under the critical DO2i, the exposure of Ranucci 2005 and de Somer 2011.
    if let Some(do2i) = METRICS.iter().position(|m| *m == "nadir_do2i_ml_min_m2") {
        out.push_str("| patients with nadir DO2i < 272 mL/min/m² |");
        for arm in 0..spec.arms.len() {
            let ran = present(metrics.arm(do2i, arm));
            let below = ran.iter().filter(|&&v| v < 272.0).count();
            if ran.is_empty() {
                out.push_str(" – |");
            } else {
                let _ = write!(out, " {below}/{} |", ran.len());
            }
        }
        out.push('\n');
    }
    if spec.arms.len() > 1 {
        let mut rng = ChaCha8Rng::seed_from_u64(derive_seed(spec.seed, 0, Stream::Bootstrap));
        let _ = writeln!(
            out,
            "\n## Paired difference from {} (mean, bootstrap 95 % CI, {BOOTSTRAP_RESAMPLES} resamples of patients)\n",
            spec.arms[0].name
        );
        let mut header = String::from("| metric |");
        let mut rule = String::from("|---|");
        for arm in &spec.arms[1..] {
            let _ = write!(header, " {} − {} |", arm.name, spec.arms[0].name);
            rule.push_str("---|");
        }
        let _ = writeln!(out, "{header}\n{rule}");
        for (m, metric) in METRICS.iter().enumerate() {
            let decimals = index(metric).map_or(2, |c| match SUMMARY_COLUMNS[c].kind {
                Kind::Float(d) => d + 1,
                _ => 2,
            });
            let _ = write!(out, "| {metric} |");
            for arm in 1..spec.arms.len() {
                let differences: Vec<f64> = metrics
                    .arm(m, arm)
                    .iter()
                    .zip(metrics.arm(m, 0))
                    .map(|(b, a)| b - a)
                    .filter(|d| !d.is_nan())
                    .collect();
                match paired_bootstrap(&differences, BOOTSTRAP_RESAMPLES, &mut rng) {
                    Some((d, lo, hi)) => {
                        let _ = write!(
                            out,
                            " {d:+.decimals$} ({lo:+.decimals$} to {hi:+.decimals$}), n = {} |",
                            differences.len()
                        );
                    }
                    None => out.push_str(" – |"),
                }
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_hyndman_fan_7() {
        // R: quantile(1:10, c(.25, .5, .75)) = 3.25, 5.5, 7.75.
        let xs: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile(&xs, 0.25), Some(3.25));
        assert_eq!(quantile(&xs, 0.5), Some(5.5));
        assert_eq!(quantile(&xs, 0.75), Some(7.75));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn bootstrap_interval_covers_the_mean_and_is_reproducible() {
        // Differences 0..99 − 49.5: mean 0, SD 29.0, standard error 2.9; the 95 % interval
        // is ≈ ± 1.96 × 2.9 = ± 5.7.
        let d: Vec<f64> = (0..100).map(|i| f64::from(i) - 49.5).collect();
        let run = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            paired_bootstrap(&d, 2000, &mut rng).unwrap()
        };
        let (mean, lo, hi) = run(1);
        assert_eq!(mean, 0.0);
        assert!(
            (-6.5..-4.9).contains(&lo) && (4.9..6.5).contains(&hi),
            "{lo} {hi}"
        );
        assert_eq!(run(1), run(1));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(paired_bootstrap(&[], 10, &mut rng), None);
    }
}
