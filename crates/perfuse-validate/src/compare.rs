//! Errors and colours: how far a measured value is from what the source says.
//!
//! The relative error is a distance divided by a reference magnitude `D` — the target's
//! `scale` when it gives one, otherwise the magnitude of the reference value:
//! - `equal-to v ± t`: distance max(0, |m − v| − t), D = |v|;
//! - `range [lo, hi]`: 0 inside; below, lo − m; above, m − hi; D = |violated bound|;
//! - `less-than b`: max(0, m − b), D = |b|; `greater-than b`: max(0, b − m), D = |b|;
//! - `trends-to v`: |m_end − v|, D = |v|, and red whatever the distance if the value ended
//!   farther from v than it started;
//! - `is` / `is-not` text: 0 when it holds, red otherwise.
//!
//! Green is an error ≤ 10 %, yellow ≤ 30 %, red beyond (the Pulse engine's convention).

use crate::measure::Reading;
use crate::quantity::Value;
use crate::target::{Expect, Expectation};

/// Green at most this error, %.
pub const GREEN_MAX_PCT: f64 = 10.0;
/// Yellow at most this error, %.
pub const YELLOW_MAX_PCT: f64 = 30.0;

/// How well a measured value agrees with its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Colour {
    /// Error ≤ 10 %.
    Green,
    /// Error ≤ 30 %.
    Yellow,
    /// Error beyond 30 %, the wrong text, or no value.
    Red,
}

impl Colour {
    /// The colour of a relative error in percent.
    pub fn of_error(error_pct: f64) -> Colour {
        if error_pct <= GREEN_MAX_PCT {
            Colour::Green
        } else if error_pct <= YELLOW_MAX_PCT {
            Colour::Yellow
        } else {
            Colour::Red
        }
    }
}

/// The verdict on one measured value.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Relative error, % (`None` for text).
    pub error_pct: Option<f64>,
    /// Its colour.
    pub colour: Colour,
    /// Why it is red although the error alone would not say so.
    pub note: Option<String>,
}

/// Compares a reading with the expectation.
pub fn judge(expectation: &Expectation, reading: &Reading) -> Verdict {
    let scale = |reference: f64| expectation.scale.unwrap_or(reference.abs());
    let m = match (&expectation.expect, &reading.value) {
        (Expect::Is(want), Value::Text(got)) => return text_verdict(got == want),
        (Expect::IsNot(avoid), Value::Text(got)) => return text_verdict(got != avoid),
        (_, Value::Number(m)) => *m,
        (_, Value::Text(got)) => {
            return Verdict {
                error_pct: None,
                colour: Colour::Red,
                note: Some(format!("text {got:?} where a number was expected")),
            };
        }
    };
    let (distance, reference, mut note) = match expectation.expect {
        Expect::EqualTo { value, tolerance } => {
            (((m - value).abs() - tolerance).max(0.0), value, None)
        }
        Expect::Range(lo, _) if m < lo => (lo - m, lo, None),
        Expect::Range(_, hi) if m > hi => (m - hi, hi, None),
        Expect::Range(lo, _) => (0.0, lo, None),
        Expect::LessThan(b) => ((m - b).max(0.0), b, None),
        Expect::GreaterThan(b) => ((b - m).max(0.0), b, None),
        Expect::TrendsTo(v) => {
            let away = reading
                .start
                .filter(|start| (m - v).abs() > (start - v).abs())
                .map(|start| format!("moved away from {v} (from {start:.2} to {m:.2})"));
            ((m - v).abs(), v, away)
        }
        Expect::Is(_) | Expect::IsNot(_) => {
            return Verdict {
                error_pct: None,
                colour: Colour::Red,
                note: Some(format!("number {m} where text was expected")),
            };
        }
    };
    let error_pct = 100.0 * distance / scale(reference);
    let colour = if note.is_some() {
        Colour::Red
    } else {
        Colour::of_error(error_pct)
    };
    if colour != Colour::Red {
        note = None;
    }
    Verdict {
        error_pct: Some(error_pct),
        colour,
        note,
    }
}

fn text_verdict(holds: bool) -> Verdict {
    Verdict {
        error_pct: None,
        colour: if holds { Colour::Green } else { Colour::Red },
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(expect: Expect, scale: Option<f64>, m: f64) -> Verdict {
        judge(
            &Expectation { expect, scale },
            &Reading {
                value: Value::Number(m),
                start: None,
            },
        )
    }

    #[test]
    fn equal_to_counts_only_the_distance_beyond_the_tolerance() {
        let v = verdict(
            Expect::EqualTo {
                value: 45.6,
                tolerance: 9.6,
            },
            None,
            40.0,
        );
        assert_eq!(v.error_pct, Some(0.0));
        let v = verdict(
            Expect::EqualTo {
                value: 45.6,
                tolerance: 9.6,
            },
            None,
            25.0,
        );
        assert!((v.error_pct.unwrap() - 100.0 * 11.0 / 45.6).abs() < 1e-9);
        assert_eq!(v.colour, Colour::Yellow);
    }

    #[test]
    fn range_error_is_relative_to_the_violated_bound() {
        assert_eq!(
            verdict(Expect::Range(50.0, 80.0), None, 65.0).error_pct,
            Some(0.0)
        );
        let low = verdict(Expect::Range(50.0, 80.0), None, 40.0);
        assert!((low.error_pct.unwrap() - 20.0).abs() < 1e-9);
        let high = verdict(Expect::Range(50.0, 80.0), None, 120.0);
        assert!((high.error_pct.unwrap() - 50.0).abs() < 1e-9);
        assert_eq!(high.colour, Colour::Red);
    }

    #[test]
    fn one_sided_bounds_and_scale() {
        assert_eq!(
            verdict(Expect::LessThan(0.5), None, 0.2).colour,
            Colour::Green
        );
        let v = verdict(Expect::LessThan(0.5), None, 2.6);
        assert!((v.error_pct.unwrap() - 420.0).abs() < 1e-9);
        let v = verdict(Expect::GreaterThan(0.0), Some(100.0), -50.0);
        assert!((v.error_pct.unwrap() - 50.0).abs() < 1e-9);
    }

    #[test]
    fn trends_to_is_red_when_moving_away() {
        let expectation = Expectation {
            expect: Expect::TrendsTo(36.5),
            scale: None,
        };
        let reading = |start: f64, end: f64| Reading {
            value: Value::Number(end),
            start: Some(start),
        };
        let toward = judge(&expectation, &reading(37.0, 36.6));
        assert_eq!(toward.colour, Colour::Green);
        let away = judge(&expectation, &reading(37.0, 37.5));
        assert_eq!(away.colour, Colour::Red, "1.4 % off but moving away");
        assert!(away.note.is_some());
    }

    #[test]
    fn text_expectations() {
        let text = |s: &str| Reading {
            value: Value::Text(s.into()),
            start: None,
        };
        let is_vf = Expectation {
            expect: Expect::Is("vf".into()),
            scale: None,
        };
        assert_eq!(judge(&is_vf, &text("vf")).colour, Colour::Green);
        assert_eq!(judge(&is_vf, &text("sinus")).colour, Colour::Red);
        let not_sinus = Expectation {
            expect: Expect::IsNot("sinus".into()),
            scale: None,
        };
        assert_eq!(judge(&not_sinus, &text("asystole")).colour, Colour::Green);
    }

    #[test]
    fn colour_thresholds_are_inclusive() {
        assert_eq!(Colour::of_error(10.0), Colour::Green);
        assert_eq!(Colour::of_error(10.01), Colour::Yellow);
        assert_eq!(Colour::of_error(30.0), Colour::Yellow);
        assert_eq!(Colour::of_error(30.01), Colour::Red);
    }
}
