//! Bounded distributions of patient parameters, sampled deterministically.
//!
//! Every distribution has finite bounds, so a sampled value can always be checked against the
//! simulator's ranges when the spec is read rather than when a patient fails. Normal and
//! lognormal are truncated by rejection; the window must overlap mean ± 2 SD (truncation cuts
//! tails, it does not select one), which keeps the acceptance rate above ≈ 2 %. An empirical
//! distribution (a table of observed values, optionally weighted) is bounded by its table.

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Uniform};

/// A distribution with finite bounds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always this value.
    Fixed(f64),
    /// Uniform on [min, max].
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal(mean, sd) truncated to [min, max].
    Normal {
        /// Mean before truncation.
        mean: f64,
        /// Standard deviation before truncation (> 0).
        sd: f64,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Lognormal with this median and geometric SD, truncated to [min, max].
    LogNormal {
        /// Median (e^μ).
        median: f64,
        /// Geometric standard deviation (e^σ, > 1).
        gsd: f64,
        /// Lower bound (> 0).
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// One of a table of values, drawn with probability proportional to its weight (a
    /// registry extract, a published histogram).
    Empirical {
        /// The values, in table order.
        values: Vec<f64>,
        /// Running sums of the weights, so a draw is one uniform number and a search.
        cumulative_weights: Vec<f64>,
    },
}

/// A distribution that cannot be built; `field` is the key within the distribution's table
/// (empty for the table as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistError {
    /// Offending key (`sd`, `min`…), or empty.
    pub field: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

fn error(field: &str, message: impl Into<String>) -> DistError {
    DistError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The keys each kind takes, in the order messages list them.
const KINDS: [(&str, &[&str]); 4] = [
    ("fixed", &["value"]),
    ("uniform", &["min", "max"]),
    ("normal", &["mean", "sd", "min", "max"]),
    ("lognormal", &["median", "gsd", "min", "max"]),
];

/// Attempts before a draw gives up; with the ≥ 2 % acceptance guaranteed by the checks, the
/// chance of reaching it is below e⁻²⁰⁰.
const MAX_ATTEMPTS: u32 = 10_000;

impl Dist {
    /// Builds a distribution of `kind` from the keys given (`None` = absent), checking that
    /// every needed key is there, no other is, and the numbers make sense.
    pub fn new(kind: &str, keys: &[(&str, Option<f64>)]) -> Result<Dist, DistError> {
        let Some(&(_, needed)) = KINDS.iter().find(|(name, _)| *name == kind) else {
            let names: Vec<_> = KINDS
                .iter()
                .map(|(n, _)| *n)
                .chain([EMPIRICAL])
                .map(|n| format!("{n:?}"))
                .collect();
            return Err(error(
                "dist",
                format!(
                    "unknown distribution {kind:?}; expected one of {}",
                    names.join(", ")
                ),
            ));
        };
        let mut values = [0.0; 4];
        for (slot, key) in values.iter_mut().zip(needed) {
            let value = keys
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| *v)
                .ok_or_else(|| error(key, format!("required by dist = {kind:?}")))?;
            if !value.is_finite() {
                return Err(error(key, format!("{value} is not a finite number")));
            }
            *slot = value;
        }
        if let Some((key, _)) = keys
            .iter()
            .find(|(k, v)| v.is_some() && !needed.contains(k))
        {
            return Err(error(
                key,
                format!(
                    "not a parameter of dist = {kind:?}; it takes {}",
                    needed.join(", ")
                ),
            ));
        }
        let [a, b, min, max] = values;
        let bounded = |min: f64, max: f64| {
            if min > max {
                Err(error("min", format!("{min} is above max {max}")))
            } else {
                Ok(())
            }
        };
        match kind {
            "fixed" => Ok(Dist::Fixed(a)),
            "uniform" => {
                // The two keys of a uniform are min and max, read into a and b.
                bounded(a, b)?;
                Ok(Dist::Uniform { min: a, max: b })
            }
            "normal" => {
                if b <= 0.0 {
                    return Err(error("sd", format!("{b}: must be greater than 0")));
                }
                bounded(min, max)?;
                overlaps_core(a, b, min, max, "mean", "sd")?;
                Ok(Dist::Normal {
                    mean: a,
                    sd: b,
                    min,
                    max,
                })
            }
            _ => {
                if a <= 0.0 {
                    return Err(error("median", format!("{a}: must be greater than 0")));
                }
                if b <= 1.0 {
                    return Err(error("gsd", format!("{b}: must be greater than 1")));
                }
                if min <= 0.0 {
                    return Err(error(
                        "min",
                        format!("{min}: a lognormal's bounds must be greater than 0"),
                    ));
                }
                bounded(min, max)?;
                overlaps_core(a.ln(), b.ln(), min.ln(), max.ln(), "median", "gsd")?;
                Ok(Dist::LogNormal {
                    median: a,
                    gsd: b,
                    min,
                    max,
                })
            }
        }
    }

    /// An empirical distribution: `values` drawn with probability proportional to `weights`
    /// (all equal when `None`). Refuses an empty table, a non-finite value, a weight count
    /// that differs from the value count, a negative or non-finite weight, and weights that
    /// are all zero; `field` is then `values` or `weights`, and the message names the entry.
    pub fn empirical(values: Vec<f64>, weights: Option<&[f64]>) -> Result<Dist, DistError> {
        if values.is_empty() {
            return Err(error("values", "needs at least one value"));
        }
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(error("values", format!("[{i}] {v}: not a finite number")));
        }
        let ones = vec![1.0; values.len()];
        let weights = weights.unwrap_or(&ones);
        if weights.len() != values.len() {
            return Err(error(
                "weights",
                format!(
                    "{} weights for {} values: give one weight per value",
                    weights.len(),
                    values.len()
                ),
            ));
        }
        if let Some((i, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(error(
                "weights",
                format!("[{i}] {w}: must be a finite number ≥ 0"),
            ));
        }
        let cumulative_weights: Vec<f64> = weights
            .iter()
            .scan(0.0, |sum, w| {
                *sum += w;
                Some(*sum)
            })
            .collect();
        if cumulative_weights.last().is_none_or(|total| *total <= 0.0) {
            return Err(error("weights", "are all 0: at least one must be positive"));
        }
        Ok(Dist::Empirical {
            values,
            cumulative_weights,
        })
    }

    /// The smallest and largest value it can draw.
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Dist::Fixed(v) => (*v, *v),
            Dist::Uniform { min, max }
            | Dist::Normal { min, max, .. }
            | Dist::LogNormal { min, max, .. } => (*min, *max),
            Dist::Empirical {
                values,
                cumulative_weights,
            } => {
                // Only values that can be drawn (positive weight) bound the draws.
                let mut previous = 0.0;
                let mut bounds = (f64::INFINITY, f64::NEG_INFINITY);
                for (v, sum) in values.iter().zip(cumulative_weights) {
                    if *sum > previous {
                        bounds = (bounds.0.min(*v), bounds.1.max(*v));
                    }
                    previous = *sum;
                }
                bounds
            }
        }
    }

    /// One draw; `None` only if rejection sampling ran out of attempts (see [`MAX_ATTEMPTS`]).
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> Option<f64> {
        match self {
            Dist::Fixed(v) => Some(*v),
            Dist::Uniform { min, max } => Some(uniform(rng, *min, *max)),
            Dist::Normal { mean, sd, min, max } => truncated_normal(rng, *mean, *sd, *min, *max),
            Dist::LogNormal {
                median,
                gsd,
                min,
                max,
            } => truncated_normal(rng, median.ln(), gsd.ln(), min.ln(), max.ln())
                .map(f64::exp)
                .map(|v| v.clamp(*min, *max)),
            Dist::Empirical {
                values,
                cumulative_weights,
            } => {
                let total = *cumulative_weights.last()?;
                // Uniform on [0, total): the value whose weight interval holds it. A zero
                // weight is an empty interval, never drawn.
                let x = Uniform::new(0.0, total).ok()?.sample(rng);
                let i = cumulative_weights.partition_point(|sum| *sum <= x);
                values.get(i.min(values.len() - 1)).copied()
            }
        }
    }
}

/// The `dist` of a table of values ([`Dist::empirical`]).
pub const EMPIRICAL: &str = "empirical";

/// Refuses a truncation window that misses mean ± 2 SD.
fn overlaps_core(
    mean: f64,
    sd: f64,
    min: f64,
    max: f64,
    centre: &str,
    spread: &str,
) -> Result<(), DistError> {
    if max < mean - 2.0 * sd || min > mean + 2.0 * sd {
        Err(error(
            "min",
            format!(
                "the window min–max lies beyond 2 {spread} of the {centre}: truncation may cut tails, not pick one; use dist = \"uniform\" for that"
            ),
        ))
    } else {
        Ok(())
    }
}

fn uniform(rng: &mut ChaCha8Rng, min: f64, max: f64) -> f64 {
    if min == max {
        return min;
    }
    // `Uniform::new_inclusive` only fails for min > max or non-finite bounds, excluded above.
    Uniform::new_inclusive(min, max).map_or(min, |u| u.sample(rng))
}

/// Normal(mean, sd) restricted to [min, max]: proposals from the normal when the window is
/// wide (≥ 4 SD), else uniform proposals accepted with the normal's density relative to its
/// largest value in the window. Both are exact rejection samplers.
fn truncated_normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64, min: f64, max: f64) -> Option<f64> {
    if min == max {
        return Some(min);
    }
    let normal = Normal::new(mean, sd).ok()?;
    let wide = max - min >= 4.0 * sd;
    let peak = mean.clamp(min, max);
    let log_density = |x: f64| -((x - mean) / sd).powi(2) / 2.0;
    for _ in 0..MAX_ATTEMPTS {
        if wide {
            let x = normal.sample(rng);
            if (min..=max).contains(&x) {
                return Some(x);
            }
        } else {
            let x = uniform(rng, min, max);
            let accept = (log_density(x) - log_density(peak)).exp();
            if uniform(rng, 0.0, 1.0) < accept {
                return Some(x);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use rand_chacha::rand_core::SeedableRng;

    use super::*;

    fn dist(kind: &str, keys: &[(&str, f64)]) -> Result<Dist, DistError> {
        let keys: Vec<_> = keys.iter().map(|&(k, v)| (k, Some(v))).collect();
        Dist::new(kind, &keys)
    }

    fn moments(d: &Dist, n: usize) -> (f64, f64, f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng).unwrap()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (mean, var.sqrt(), min, max)
    }

    #[test]
    fn untruncated_normal_keeps_its_moments() {
        // A window of ± 6 SD truncates nothing measurable.
        let d = dist(
            "normal",
            &[("mean", 170.0), ("sd", 7.0), ("min", 128.0), ("max", 212.0)],
        )
        .unwrap();
        let (mean, sd, _, _) = moments(&d, 20_000);
        assert!((mean - 170.0).abs() < 0.2, "{mean}");
        assert!((sd - 7.0).abs() < 0.15, "{sd}");
    }

    #[test]
    fn truncated_normal_matches_the_textbook_moments() {
        // Standard normal truncated to [0, ∞) — here [0, 8] — is the half-normal: mean
        // √(2/π) = 0.7979, SD √(1 − 2/π) = 0.6028 (Johnson, Kotz & Balakrishnan 1994, ch. 13).
        let d = dist(
            "normal",
            &[("mean", 0.0), ("sd", 1.0), ("min", 0.0), ("max", 8.0)],
        )
        .unwrap();
        let (mean, sd, min, _) = moments(&d, 40_000);
        assert!((mean - 0.7979).abs() < 0.01, "{mean}");
        assert!((sd - 0.6028).abs() < 0.01, "{sd}");
        assert!(min >= 0.0);
        // A narrow window (uniform proposals): [−0.5, 0.5] of a standard normal is nearly
        // flat, mean 0 by symmetry, SD just below the uniform's 1/√12 = 0.2887 (0.2841).
        let d = dist(
            "normal",
            &[("mean", 0.0), ("sd", 1.0), ("min", -0.5), ("max", 0.5)],
        )
        .unwrap();
        let (mean, sd, min, max) = moments(&d, 40_000);
        assert!(
            mean.abs() < 0.01 && (sd - 0.2841).abs() < 0.005,
            "{mean} {sd}"
        );
        assert!(min >= -0.5 && max <= 0.5);
    }

    #[test]
    fn lognormal_median_is_the_median() {
        let d = dist(
            "lognormal",
            &[("median", 27.0), ("gsd", 1.2), ("min", 10.0), ("max", 80.0)],
        )
        .unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut xs: Vec<f64> = (0..20_001).map(|_| d.sample(&mut rng).unwrap()).collect();
        xs.sort_by(f64::total_cmp);
        assert!((xs[10_000] - 27.0).abs() < 0.3, "{}", xs[10_000]);
    }

    #[test]
    fn impossible_distributions_name_the_key() {
        let e = dist("uniform", &[("min", 5.0), ("max", 1.0)]).unwrap_err();
        assert_eq!(e.field, "min");
        assert!(e.message.contains("above max"), "{}", e.message);
        let e = dist(
            "normal",
            &[("mean", 1.0), ("sd", -1.0), ("min", 0.0), ("max", 2.0)],
        )
        .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("sd", "-1: must be greater than 0")
        );
        let e = dist("normal", &[("mean", 1.0), ("sd", 1.0)]).unwrap_err();
        assert_eq!(e.field, "min");
        let e = dist("fixed", &[("value", 1.0), ("sd", 1.0)]).unwrap_err();
        assert_eq!(e.field, "sd");
        let e = dist("gamma", &[]).unwrap_err();
        assert!(e.message.contains("\"lognormal\""), "{}", e.message);
        let e = dist(
            "normal",
            &[("mean", 0.0), ("sd", 1.0), ("min", 3.0), ("max", 9.0)],
        )
        .unwrap_err();
        assert!(e.message.contains("2 sd"), "{}", e.message);
    }

    #[test]
    fn empirical_draws_follow_the_weights() {
        // Weights 1:3 → frequencies 25 % and 75 % (binomial SD at n = 40,000: 0.22 %).
        let d = Dist::empirical(vec![50.0, 70.0, 90.0], Some(&[1.0, 0.0, 3.0])).unwrap();
        assert_eq!(d.bounds(), (50.0, 90.0));
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 40_000;
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng).unwrap()).collect();
        let share = xs.iter().filter(|x| **x == 90.0).count() as f64 / n as f64;
        assert!((share - 0.75).abs() < 0.01, "{share}");
        assert!(!xs.contains(&70.0), "a zero weight is never drawn");
        // Unweighted: every value equally likely, and only the table's values.
        let d = Dist::empirical(vec![1.0, 2.0], None).unwrap();
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng).unwrap()).collect();
        let ones = xs.iter().filter(|x| **x == 1.0).count() as f64 / n as f64;
        assert!((ones - 0.5).abs() < 0.01, "{ones}");
        assert!(xs.iter().all(|x| *x == 1.0 || *x == 2.0));
    }

    #[test]
    fn impossible_empirical_tables_name_the_key() {
        let e = Dist::empirical(vec![], None).unwrap_err();
        assert_eq!(e.field, "values");
        let e = Dist::empirical(vec![1.0, 2.0], Some(&[1.0])).unwrap_err();
        assert_eq!(e.field, "weights");
        assert!(
            e.message.contains("1 weights for 2 values"),
            "{}",
            e.message
        );
        let e = Dist::empirical(vec![1.0, 2.0], Some(&[1.0, -1.0])).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("weights", "[1] -1: must be a finite number ≥ 0")
        );
        let e = Dist::empirical(vec![1.0, 2.0], Some(&[0.0, 0.0])).unwrap_err();
        assert!(e.message.contains("all 0"), "{}", e.message);
        let e = Dist::empirical(vec![1.0, f64::NAN], None).unwrap_err();
        assert_eq!(e.field, "values");
    }

    #[test]
    fn draws_are_deterministic_and_within_bounds() {
        let d = dist(
            "lognormal",
            &[("median", 1.0), ("gsd", 1.5), ("min", 0.5), ("max", 1.2)],
        )
        .unwrap();
        let draw = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..1000)
                .map(|_| d.sample(&mut rng).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(11), draw(11));
        assert!(draw(12).iter().all(|x| (0.5..=1.2).contains(x)));
    }
}
