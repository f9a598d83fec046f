//! Grading a typed answer: a number, then a unit, compared with the item's answer within its
//! tolerance. A wrong or missing unit is reported as such, not as wrong arithmetic.

use serde::Serialize;

use crate::Item;

/// How an answer was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Within tolerance, in the right unit (or one converted to it).
    Correct,
    /// A number in the right unit, outside the tolerance.
    Wrong,
    /// A unit that is not the answer's nor convertible to it.
    WrongUnit,
    /// No unit where one is needed.
    MissingUnit,
    /// No number could be read; ask again.
    NotANumber,
}

impl Outcome {
    /// The outcome's name as serialised and stored: `correct`, `wrong`, `wrong-unit`,
    /// `missing-unit`, `not-a-number`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Correct => "correct",
            Outcome::Wrong => "wrong",
            Outcome::WrongUnit => "wrong-unit",
            Outcome::MissingUnit => "missing-unit",
            Outcome::NotANumber => "not-a-number",
        }
    }
}

/// The verdict on one answer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Graded {
    /// The verdict.
    pub outcome: Outcome,
    /// The number read, converted to the answer's unit when the unit was understood.
    pub value: Option<f64>,
    /// Whether the number, taken in the answer's unit, is within tolerance: with a wrong or
    /// missing unit it tells a slip of the unit from wrong arithmetic.
    pub number_matches: bool,
}

/// Units an answer may be given in: (the catalog unit, [(spelling, factor to the catalog
/// unit)]). Spellings are compared lower-case with blanks removed and `²`/`^2` read as `2`.
const UNITS: &[(&str, &[(&str, f64)])] = &[
    ("m2", &[("m2", 1.0)]),
    ("L/min", &[("l/min", 1.0), ("lpm", 1.0), ("ml/min", 0.001)]),
    ("mL/min", &[("ml/min", 1.0), ("l/min", 1000.0)]),
    ("mL", &[("ml", 1.0), ("cc", 1.0), ("l", 1000.0)]),
    ("%", &[("%", 1.0), ("pct", 1.0)]),
    ("mL/min/m2", &[("ml/min/m2", 1.0)]),
    ("mL/dL", &[("ml/dl", 1.0), ("vol%", 1.0)]),
    // Every mmol/L answer here is a monovalent ion (HCO3, anion gap, SBE): 1 mEq = 1 mmol.
    ("mmol/L", &[("mmol/l", 1.0), ("meq/l", 1.0)]),
    // 1 kPa = 7.50062 mmHg (1 mmHg = 133.322 Pa, by definition).
    ("mmHg", &[("mmhg", 1.0), ("kpa", 7.500_62)]),
    (
        "units",
        &[("units", 1.0), ("unit", 1.0), ("u", 1.0), ("iu", 1.0)],
    ),
    ("mg", &[("mg", 1.0), ("g", 1000.0)]),
    // 1 Wood unit (mmHg·min/L) = 80 dyn·s/cm5 (the 80 of the catalog's svr formula).
    (
        "dyn*s/cm5",
        &[
            ("dyn*s/cm5", 1.0),
            ("dyn.s/cm5", 1.0),
            ("dyns/cm5", 1.0),
            ("dyn*s*cm-5", 1.0),
            ("dyn/s/cm5", 1.0),
            ("wu", 80.0),
            ("woodunits", 80.0),
        ],
    ),
    ("pH", &[("ph", 1.0)]),
];

/// Units whose answers are bare numbers: nothing to forget.
const DIMENSIONLESS: &[&str] = &["pH"];

/// Grades `answer` (e.g. "4.8 L/min", "480 mL/min", "4.8") against `item`.
pub fn grade(item: &Item, answer: &str) -> Graded {
    let Some((number, unit_text)) = split_number(answer) else {
        return Graded {
            outcome: Outcome::NotANumber,
            value: None,
            number_matches: false,
        };
    };
    let allowed = item.tolerance.allowed(item.answer);
    let number_matches = within(number, item.answer, allowed);
    let unit = normalise(unit_text);
    let factor = if unit.is_empty() {
        if !DIMENSIONLESS.contains(&item.unit) {
            return Graded {
                outcome: Outcome::MissingUnit,
                value: Some(number),
                number_matches,
            };
        }
        1.0
    } else {
        let spellings = UNITS
            .iter()
            .find(|(canonical, _)| *canonical == item.unit)
            .map_or(&[][..], |(_, spellings)| *spellings);
        match spellings.iter().find(|(spelling, _)| *spelling == unit) {
            Some(&(_, factor)) => factor,
            None => {
                return Graded {
                    outcome: Outcome::WrongUnit,
                    value: Some(number),
                    number_matches,
                };
            }
        }
    };
    let value = number * factor;
    let right = within(value, item.answer, allowed);
    Graded {
        outcome: if right {
            Outcome::Correct
        } else {
            Outcome::Wrong
        },
        value: Some(value),
        number_matches: right,
    }
}

/// Whether `value` is within `allowed` of `answer`, both ends included. The slack of 1e-9
/// relative absorbs the binary representation of decimal inputs (4.9 − 4.8 > 0.1 in f64), far
/// below any tolerance a perfusionist would state.
fn within(value: f64, answer: f64, allowed: f64) -> bool {
    let slack = 1e-9 * answer.abs().max(1.0);
    (value - answer).abs() <= allowed + slack
}

/// The leading number of `text` and the rest. Accepts a sign, decimals, and thousands
/// separators written as `1,500` (a comma followed by exactly three digits).
fn split_number(text: &str) -> Option<(f64, &str)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit() || c == '.' || c == ',' || (i == 0 && "+-−".contains(c)))
        })
        .map_or(text.len(), |(i, _)| i);
    let (number, rest) = text.split_at(end);
    let number = number.replace('−', "-");
    if number.contains(',') {
        let mut groups = number.split(',');
        let first = groups.next().unwrap_or_default();
        let grouped = !first.contains('.')
            && groups.all(|group| {
                let whole = group.split('.').next().unwrap_or_default();
                whole.len() == 3 && whole.bytes().all(|b| b.is_ascii_digit())
            });
        if !grouped {
            return None;
        }
    }
    let digits = number.replace(',', "");
    if !digits.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: f64 = digits.parse().ok()?;
    value.is_finite().then_some((value, rest))
}

/// Lower-case, no blanks, `²`/`^2` → `2`, `·`/`×` → `*`.
fn normalise(unit: &str) -> String {
    unit.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '²' => '2',
            '⁵' => '5',
            '⁻' => '-',
            '³' => '3',
            '·' | '×' => '*',
            c => c.to_ascii_lowercase(),
        })
        .filter(|&c| c != '^')
        .collect()
}
