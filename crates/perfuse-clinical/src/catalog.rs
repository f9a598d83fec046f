//! The catalog: every calculation of `calc.md` described as data — name, unit, inputs with
//! their units, defaults and accepted ranges, formula and source — plus one `evaluate` that
//! checks inputs and computes.
//!
//! The CLI (`perfuse calc`), the docs (`docs/calc.md`) and, later, the web UI are all driven
//! from this one table, so a flag, a range or a citation is written exactly once.

use std::fmt;

use crate::{acid_base, anticoagulation, blood, body, flow, oxygen};

/// One clinical calculation.
#[derive(Debug)]
pub struct Calculation {
    /// Subcommand name, e.g. `bsa`.
    pub name: &'static str,
    /// Output unit, ASCII, exactly as in `calc.md` (`m2`, `L/min`, `dyn*s/cm5`).
    pub unit: &'static str,
    /// One line saying what it gives.
    pub summary: &'static str,
    /// The formula as written for people.
    pub formula: &'static str,
    /// Where the formula comes from.
    pub source: &'static str,
    /// Accepted inputs, in the order they are documented.
    pub inputs: &'static [Input],
    compute: fn(&Values) -> Result<f64, InputError>,
}

/// One input of a calculation.
#[derive(Debug)]
pub struct Input {
    /// Flag name without dashes, unit included: `height-cm`.
    pub flag: &'static str,
    /// Human-readable meaning.
    pub help: &'static str,
    /// What values it takes.
    pub kind: InputKind,
}

/// The values an input accepts.
#[derive(Debug)]
pub enum InputKind {
    /// A finite number within `range`, in `unit`; `default` when it may be omitted.
    Number {
        /// Unit as shown to users.
        unit: &'static str,
        /// Accepted values.
        range: Range,
        /// Value used when the input is not given.
        default: Option<f64>,
    },
    /// One of a list of names; `default` when it may be omitted.
    Choice {
        /// Accepted names, each with the source it stands for.
        choices: &'static [Choice],
        /// Value used when the input is not given.
        default: Option<&'static str>,
    },
}

/// A named alternative (a method, a sex) and the formula and source it stands for.
#[derive(Debug)]
pub struct Choice {
    /// The name, e.g. `mosteller`.
    pub name: &'static str,
    /// The formula or meaning of this alternative.
    pub formula: &'static str,
    /// Its source, short form (`Mosteller 1987`); empty when none is needed.
    pub source: &'static str,
}

/// An interval of accepted numbers; both ends optional, each inclusive or exclusive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Lower end.
    pub min: Bound,
    /// Upper end.
    pub max: Bound,
}

/// One end of a [`Range`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// The value itself is accepted.
    Inclusive(f64),
    /// Only values strictly beyond it are accepted.
    Exclusive(f64),
    /// No limit on this side (beyond being finite).
    Unbounded,
}

impl Range {
    const fn between(min: f64, max: f64) -> Range {
        Range {
            min: Bound::Inclusive(min),
            max: Bound::Inclusive(max),
        }
    }
    /// Body measures, volumes, flows and doses: strictly positive (calc.md).
    const POSITIVE: Range = Range {
        min: Bound::Exclusive(0.0),
        max: Bound::Unbounded,
    };
    /// Pressures and additions that may be zero (calc.md).
    const NON_NEGATIVE: Range = Range {
        min: Bound::Inclusive(0.0),
        max: Bound::Unbounded,
    };
    /// CVP may be negative down to −20 mmHg (calc.md).
    const CVP: Range = Range {
        min: Bound::Inclusive(-20.0),
        max: Bound::Unbounded,
    };
    const HEIGHT_CM: Range = Range::between(20.0, 272.0);
    const WEIGHT_KG: Range = Range::between(0.3, 650.0);
    const HCT_PCT: Range = Range::between(5.0, 80.0);
    /// Prime may be clear (0 %) or blood.
    const PRIME_HCT_PCT: Range = Range::between(0.0, 80.0);
    const SATURATION_PCT: Range = Range::between(0.0, 100.0);
    const PH: Range = Range::between(6.5, 8.0);
    const TEMP_C: Range = Range::between(10.0, 45.0);

    /// Whether `value` lies in the range (non-finite values never do).
    pub fn contains(&self, value: f64) -> bool {
        let above_min = match self.min {
            Bound::Inclusive(min) => value >= min,
            Bound::Exclusive(min) => value > min,
            Bound::Unbounded => true,
        };
        let below_max = match self.max {
            Bound::Inclusive(max) => value <= max,
            Bound::Exclusive(max) => value < max,
            Bound::Unbounded => true,
        };
        value.is_finite() && above_min && below_max
    }

    /// "between 0.3 and 650 kg", "greater than 0 mL", "at least -20 mmHg".
    pub fn describe(&self, unit: &str) -> String {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        match (self.min, self.max) {
            (Bound::Inclusive(min), Bound::Inclusive(max)) => {
                format!("between {min} and {max}{unit}")
            }
            (Bound::Exclusive(min), Bound::Unbounded) => format!("greater than {min}{unit}"),
            (Bound::Inclusive(min), Bound::Unbounded) => format!("at least {min}{unit}"),
            (min, max) => format!("within {min:?}..{max:?}{unit}"),
        }
    }
}

/// Why a calculation refused its inputs. Every variant names the flag it is about.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum InputError {
    /// A number outside its accepted range, or not finite.
    OutOfRange {
        /// Flag name.
        flag: &'static str,
        /// The value given.
        value: f64,
        /// The accepted range, described with its unit.
        accepted: String,
    },
    /// A required input was not given.
    Missing {
        /// Flag name.
        flag: &'static str,
    },
    /// A name that is not one of the choices.
    UnknownChoice {
        /// Flag name.
        flag: &'static str,
        /// The value given.
        value: String,
        /// The accepted names.
        choices: Vec<&'static str>,
    },
    /// An input this calculation does not take.
    UnknownInput {
        /// Flag name as given.
        flag: String,
    },
    /// Inputs valid one by one that contradict each other (diastolic above systolic…).
    Inconsistent {
        /// The flag blamed.
        flag: &'static str,
        /// Its value.
        value: f64,
        /// Why, naming the other flag.
        message: String,
    },
}

impl InputError {
    /// The flag this error is about, without dashes.
    pub fn flag(&self) -> &str {
        match self {
            InputError::OutOfRange { flag, .. }
            | InputError::Missing { flag }
            | InputError::UnknownChoice { flag, .. }
            | InputError::Inconsistent { flag, .. } => flag,
            InputError::UnknownInput { flag } => flag,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::OutOfRange {
                flag,
                value,
                accepted,
            } => {
                write!(f, "--{flag} {value}: must be {accepted}")
            }
            InputError::Missing { flag } => write!(f, "--{flag}: required but not given"),
            InputError::UnknownChoice {
                flag,
                value,
                choices,
            } => {
                write!(
                    f,
                    "--{flag} {value}: expected one of {}",
                    choices.join(", ")
                )
            }
            InputError::UnknownInput { flag } => {
                write!(f, "--{flag}: not an input of this calculation")
            }
            InputError::Inconsistent {
                flag,
                value,
                message,
            } => write!(f, "--{flag} {value}: {message}"),
        }
    }
}

impl std::error::Error for InputError {}

/// A given or defaulted input value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// A number in the input's unit.
    Number(f64),
    /// One of the input's choices.
    Choice(&'static str),
}

/// The inputs of one evaluation, after checking and defaults, in catalog order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Values {
    entries: Vec<(&'static str, Value)>,
}

impl Values {
    /// Every known input with its value, in catalog order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Value)> + '_ {
        self.entries.iter().copied()
    }

    fn get(&self, flag: &'static str) -> Option<Value> {
        self.entries
            .iter()
            .find(|(f, _)| *f == flag)
            .map(|(_, v)| *v)
    }

    fn num(&self, flag: &'static str) -> Result<f64, InputError> {
        match self.get(flag) {
            Some(Value::Number(value)) => Ok(value),
            _ => Err(InputError::Missing { flag }),
        }
    }

    fn choice(&self, flag: &'static str) -> Result<&'static str, InputError> {
        match self.get(flag) {
            Some(Value::Choice(name)) => Ok(name),
            _ => Err(InputError::Missing { flag }),
        }
    }
}

/// The inputs as given by a caller, before checking.
#[derive(Clone, Debug, Default)]
pub struct Given<'a> {
    numbers: Vec<(&'a str, f64)>,
    choices: Vec<(&'a str, &'a str)>,
}

impl<'a> Given<'a> {
    /// A number for `flag` (e.g. `"weight-kg"`).
    pub fn number(mut self, flag: &'a str, value: f64) -> Self {
        self.numbers.push((flag, value));
        self
    }
    /// A name for a choice input (e.g. `"method"`, `"mosteller"`).
    pub fn choice(mut self, flag: &'a str, value: &'a str) -> Self {
        self.choices.push((flag, value));
        self
    }
}

/// A successful evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The result, in the calculation's unit. Always finite.
    pub value: f64,
    /// Inputs used, with defaults filled in.
    pub inputs: Values,
    /// The method chosen, when the calculation has several.
    pub method: Option<&'static str>,
    /// Short source of the formula actually used.
    pub source: &'static str,
}

impl Calculation {
    /// Checks every given input against the catalog, fills defaults and computes.
    pub fn evaluate(&self, given: &Given<'_>) -> Result<Outcome, InputError> {
        for (flag, _) in &given.numbers {
            self.input(flag)?;
        }
        for (flag, _) in &given.choices {
            self.input(flag)?;
        }
        let mut values = Values::default();
        for input in self.inputs {
            let value = match &input.kind {
                InputKind::Number {
                    unit,
                    range,
                    default,
                } => match given.numbers.iter().find(|(f, _)| *f == input.flag) {
                    Some(&(_, value)) if range.contains(value) => Some(Value::Number(value)),
                    Some(&(_, value)) => {
                        return Err(InputError::OutOfRange {
                            flag: input.flag,
                            value,
                            accepted: range.describe(unit),
                        });
                    }
                    None => default.map(Value::Number),
                },
                InputKind::Choice { choices, default } => {
                    match given.choices.iter().find(|(f, _)| *f == input.flag) {
                        Some(&(_, name)) => match choices.iter().find(|c| c.name == name) {
                            Some(choice) => Some(Value::Choice(choice.name)),
                            None => {
                                return Err(InputError::UnknownChoice {
                                    flag: input.flag,
                                    value: name.to_owned(),
                                    choices: choices.iter().map(|c| c.name).collect(),
                                });
                            }
                        },
                        None => default.map(Value::Choice),
                    }
                }
            };
            if let Some(value) = value {
                values.entries.push((input.flag, value));
            }
        }
        let value = (self.compute)(&values)?;
        if !value.is_finite() {
            // Every input is finite and in range, so this is a formula singularity the
            // per-calculation checks missed; refuse rather than print NaN.
            let (flag, value) = values
                .iter()
                .find_map(|(f, v)| match v {
                    Value::Number(n) => Some((f, n)),
                    Value::Choice(_) => None,
                })
                .unwrap_or((self.name, value));
            return Err(InputError::Inconsistent {
                flag,
                value,
                message: format!("{} is undefined for these inputs", self.name),
            });
        }
        let chosen = self.inputs.iter().find_map(|input| match &input.kind {
            InputKind::Choice { choices, .. } if input.flag == "method" => {
                let name = values.choice("method").ok()?;
                choices.iter().find(|c| c.name == name)
            }
            _ => None,
        });
        Ok(Outcome {
            value,
            method: chosen.map(|c| c.name),
            source: chosen.map_or(self.source, |c| c.source),
            inputs: values,
        })
    }

    fn input(&self, flag: &str) -> Result<&'static Input, InputError> {
        self.inputs
            .iter()
            .find(|i| i.flag == flag)
            .ok_or_else(|| InputError::UnknownInput {
                flag: flag.to_owned(),
            })
    }
}

/// Every calculation, in the order of `calc.md`.
pub fn all() -> &'static [Calculation] {
    CALCULATIONS
}

/// The calculation called `name`.
pub fn find(name: &str) -> Option<&'static Calculation> {
    CALCULATIONS.iter().find(|c| c.name == name)
}

const fn number(flag: &'static str, unit: &'static str, range: Range, help: &'static str) -> Input {
    Input {
        flag,
        help,
        kind: InputKind::Number {
            unit,
            range,
            default: None,
        },
    }
}

const fn number_or(
    flag: &'static str,
    unit: &'static str,
    range: Range,
    default: f64,
    help: &'static str,
) -> Input {
    Input {
        flag,
        help,
        kind: InputKind::Number {
            unit,
            range,
            default: Some(default),
        },
    }
}

const HEIGHT: Input = number("height-cm", "cm", Range::HEIGHT_CM, "body height");
const WEIGHT: Input = number("weight-kg", "kg", Range::WEIGHT_KG, "body weight");
const BSA: Input = number("bsa-m2", "m2", Range::POSITIVE, "body-surface area");
const EBV: Input = number("ebv-ml", "mL", Range::POSITIVE, "estimated blood volume");
const PRIME: Input = number("prime-ml", "mL", Range::POSITIVE, "circuit prime volume");
const FLOW: Input = number(
    "flow-l-min",
    "L/min",
    Range::POSITIVE,
    "pump flow or cardiac output",
);
const HB: Input = number("hb-g-dl", "g/dL", Range::POSITIVE, "hemoglobin");
const SAO2: Input = number(
    "sao2-pct",
    "%",
    Range::SATURATION_PCT,
    "arterial O2 saturation",
);
const PAO2: Input = number("pao2-mmhg", "mmHg", Range::NON_NEGATIVE, "arterial PO2");
const SVO2: Input = number(
    "svo2-pct",
    "%",
    Range::SATURATION_PCT,
    "mixed-venous O2 saturation",
);
const PVO2: Input = number("pvo2-mmhg", "mmHg", Range::NON_NEGATIVE, "mixed-venous PO2");
const PH: Input = number("ph", "", Range::PH, "pH at 37 °C");
const TEMP: Input = number("temp-c", "°C", Range::TEMP_C, "patient temperature");
const CURRENT_HCT: Input = number("current-hct-pct", "%", Range::HCT_PCT, "hematocrit now");
const TARGET_HCT: Input = number("target-hct-pct", "%", Range::HCT_PCT, "hematocrit wanted");
const HCO3: Input = number("hco3-mmol-l", "mmol/L", Range::POSITIVE, "bicarbonate");
const SEXES: &[Choice] = &[
    Choice {
        name: "male",
        formula: "",
        source: "",
    },
    Choice {
        name: "female",
        formula: "",
        source: "",
    },
];

const BSA_METHODS: &[Choice] = &[
    Choice {
        name: "dubois",
        formula: "0.007184·W^0.425·H^0.725",
        source: "DuBois & DuBois 1916",
    },
    Choice {
        name: "mosteller",
        formula: "√(H·W/3600)",
        source: "Mosteller 1987",
    },
    Choice {
        name: "haycock",
        formula: "0.024265·W^0.5378·H^0.3964",
        source: "Haycock 1978",
    },
    Choice {
        name: "gehan-george",
        formula: "0.0235·W^0.51456·H^0.42246",
        source: "Gehan & George 1970",
    },
    Choice {
        name: "boyd",
        formula: "0.0003207·H^0.3·G^(0.7285−0.0188·log10 G), G = weight in grams",
        source: "Boyd 1935",
    },
];

const EBV_METHODS: &[Choice] = &[
    Choice {
        name: "per-kg",
        formula: "W·k",
        source: "Gravlee, Cardiopulmonary Bypass",
    },
    Choice {
        name: "nadler",
        formula: "male 0.3669·h³+0.03219·W+0.6041 L, female 0.3561·h³+0.03308·W+0.1833 L (h in m)",
        source: "Nadler 1962",
    },
];

fn bsa_method(name: &str) -> body::BsaMethod {
    body::BsaMethod::from_name(name).unwrap_or_default()
}

static CALCULATIONS: &[Calculation] = &[
    Calculation {
        name: "bsa",
        unit: "m2",
        summary: "body-surface area",
        formula: "by --method (see methods)",
        source: "DuBois & DuBois 1916; Mosteller 1987; Haycock 1978; Gehan & George 1970; Boyd 1935",
        inputs: &[
            HEIGHT,
            WEIGHT,
            Input {
                flag: "method",
                help: "formula",
                kind: InputKind::Choice {
                    choices: BSA_METHODS,
                    default: Some("dubois"),
                },
            },
        ],
        compute: |v| {
            Ok(body::bsa_m2(
                bsa_method(v.choice("method")?),
                v.num("height-cm")?,
                v.num("weight-kg")?,
            ))
        },
    },
    Calculation {
        name: "ebv",
        unit: "mL",
        summary: "estimated blood volume",
        formula: "per-kg: W·k; nadler: male 0.3669·h³+0.03219·W+0.6041 L, female 0.3561·h³+0.03308·W+0.1833 L (h in m), in mL",
        source: "Nadler 1962",
        inputs: &[
            WEIGHT,
            number_or(
                "ml-per-kg",
                "mL/kg",
                Range::POSITIVE,
                70.0,
                "blood volume per kg (per-kg method)",
            ),
            Input {
                flag: "method",
                help: "formula",
                kind: InputKind::Choice {
                    choices: EBV_METHODS,
                    default: Some("per-kg"),
                },
            },
            Input {
                flag: "sex",
                help: "sex (nadler method)",
                kind: InputKind::Choice {
                    choices: SEXES,
                    default: None,
                },
            },
            Input {
                flag: "height-cm",
                help: "body height (nadler method)",
                ..HEIGHT
            },
        ],
        compute: |v| match v.choice("method")? {
            "nadler" => {
                let sex = body::Sex::from_name(v.choice("sex")?).unwrap_or(body::Sex::Male);
                Ok(body::ebv_nadler_ml(
                    sex,
                    v.num("height-cm")?,
                    v.num("weight-kg")?,
                ))
            }
            _ => Ok(body::ebv_ml(v.num("weight-kg")?, v.num("ml-per-kg")?)),
        },
    },
    Calculation {
        name: "tubing-volume",
        unit: "mL",
        summary: "volume of a length of tubing",
        formula: "π·(d·2.54/2)²·L",
        source: "geometry",
        inputs: &[
            number("inner-diameter-in", "in", Range::POSITIVE, "inner diameter"),
            number("length-cm", "cm", Range::POSITIVE, "length"),
        ],
        compute: |v| {
            Ok(body::tubing_volume_ml(
                v.num("inner-diameter-in")?,
                v.num("length-cm")?,
            ))
        },
    },
    Calculation {
        name: "target-flow",
        unit: "L/min",
        summary: "pump flow for a cardiac index",
        formula: "BSA·CI",
        source: "standard CPB practice (CI 2.2–2.6 at normothermia)",
        inputs: &[
            BSA,
            number(
                "cardiac-index-l-min-m2",
                "L/min/m2",
                Range::POSITIVE,
                "cardiac index",
            ),
        ],
        compute: |v| {
            Ok(flow::target_flow_l_min(
                v.num("bsa-m2")?,
                v.num("cardiac-index-l-min-m2")?,
            ))
        },
    },
    Calculation {
        name: "weight-flow",
        unit: "L/min",
        summary: "pump flow per kg (pediatrics)",
        formula: "W·q/1000",
        source: "pediatric practice (e.g. 150 mL/kg/min neonates)",
        inputs: &[
            WEIGHT,
            number("ml-per-kg-min", "mL/kg/min", Range::POSITIVE, "flow per kg"),
        ],
        compute: |v| {
            Ok(flow::weight_flow_l_min(
                v.num("weight-kg")?,
                v.num("ml-per-kg-min")?,
            ))
        },
    },
    Calculation {
        name: "roller-pump-flow",
        unit: "L/min",
        summary: "roller-pump flow from head speed",
        formula: "rpm·v/1000",
        source: "pump geometry",
        inputs: &[
            number("rpm", "1/min", Range::POSITIVE, "head speed"),
            number(
                "ml-per-rev",
                "mL",
                Range::POSITIVE,
                "stroke volume per revolution",
            ),
        ],
        compute: |v| {
            Ok(flow::roller_pump_flow_l_min(
                v.num("rpm")?,
                v.num("ml-per-rev")?,
            ))
        },
    },
    Calculation {
        name: "map",
        unit: "mmHg",
        summary: "mean arterial pressure",
        formula: "(S+2D)/3",
        source: "Guyton & Hall, Textbook of Medical Physiology",
        inputs: &[
            number(
                "systolic-mmhg",
                "mmHg",
                Range::NON_NEGATIVE,
                "systolic pressure",
            ),
            number(
                "diastolic-mmhg",
                "mmHg",
                Range::NON_NEGATIVE,
                "diastolic pressure",
            ),
        ],
        compute: |v| {
            let (systolic, diastolic) = (v.num("systolic-mmhg")?, v.num("diastolic-mmhg")?);
            if diastolic > systolic {
                return Err(InputError::Inconsistent {
                    flag: "diastolic-mmhg",
                    value: diastolic,
                    message: format!("must not exceed --systolic-mmhg ({systolic})"),
                });
            }
            Ok(flow::map_mmhg(systolic, diastolic))
        },
    },
    Calculation {
        name: "svr",
        unit: "dyn*s/cm5",
        summary: "systemic vascular resistance",
        formula: "80·(MAP−CVP)/Q",
        source: "Guyton & Hall; 80 converts mmHg·min/L to dyn·s/cm5",
        inputs: &[
            number(
                "map-mmhg",
                "mmHg",
                Range::NON_NEGATIVE,
                "mean arterial pressure",
            ),
            number("cvp-mmhg", "mmHg", Range::CVP, "central venous pressure"),
            FLOW,
        ],
        compute: |v| {
            Ok(flow::svr_dyn_s_cm5(
                v.num("map-mmhg")?,
                v.num("cvp-mmhg")?,
                v.num("flow-l-min")?,
            ))
        },
    },
    Calculation {
        name: "on-bypass-hct",
        unit: "%",
        summary: "predicted hematocrit on bypass",
        formula: "(EBV·Hct + prime·primeHct)/(EBV + prime + fluids)",
        source: "mass balance of red cells",
        inputs: &[
            EBV,
            number("hct-pct", "%", Range::HCT_PCT, "patient hematocrit"),
            PRIME,
            number_or(
                "prime-hct-pct",
                "%",
                Range::PRIME_HCT_PCT,
                0.0,
                "prime hematocrit (0 = clear prime)",
            ),
            number_or(
                "fluids-ml",
                "mL",
                Range::NON_NEGATIVE,
                0.0,
                "other fluids added",
            ),
        ],
        compute: |v| {
            Ok(blood::on_bypass_hct_pct(
                v.num("ebv-ml")?,
                v.num("hct-pct")?,
                v.num("prime-ml")?,
                v.num("prime-hct-pct")?,
                v.num("fluids-ml")?,
            ))
        },
    },
    Calculation {
        name: "prbc-volume",
        unit: "mL",
        summary: "packed red cells to reach a target hematocrit",
        formula: "(EBV+prime)·(target−current)/(prbc−target); 0 when target ≤ current",
        source: "red-cell mass balance with volume added",
        inputs: &[
            EBV,
            PRIME,
            CURRENT_HCT,
            TARGET_HCT,
            number_or(
                "prbc-hct-pct",
                "%",
                Range::HCT_PCT,
                60.0,
                "hematocrit of the packed cells",
            ),
        ],
        compute: |v| {
            let (current, target, prbc) = (
                v.num("current-hct-pct")?,
                v.num("target-hct-pct")?,
                v.num("prbc-hct-pct")?,
            );
            if target > current && prbc <= target {
                return Err(InputError::Inconsistent {
                    flag: "prbc-hct-pct",
                    value: prbc,
                    message: format!(
                        "must exceed --target-hct-pct ({target}) for the target to be reachable"
                    ),
                });
            }
            Ok(blood::prbc_volume_ml(
                v.num("ebv-ml")?,
                v.num("prime-ml")?,
                current,
                target,
                prbc,
            ))
        },
    },
    Calculation {
        name: "ultrafiltration-volume",
        unit: "mL",
        summary: "plasma water to remove to reach a target hematocrit",
        formula: "V·(1 − current/target); 0 when target ≤ current",
        source: "plasma-water removal",
        inputs: &[
            number(
                "circulating-volume-ml",
                "mL",
                Range::POSITIVE,
                "patient + circuit volume",
            ),
            CURRENT_HCT,
            TARGET_HCT,
        ],
        compute: |v| {
            Ok(blood::ultrafiltration_volume_ml(
                v.num("circulating-volume-ml")?,
                v.num("current-hct-pct")?,
                v.num("target-hct-pct")?,
            ))
        },
    },
    Calculation {
        name: "o2-content",
        unit: "mL/dL",
        summary: "blood oxygen content",
        formula: "1.34·Hb·SO2/100 + 0.003·PO2",
        source: "Hüfner constant 1.34; O2 solubility 0.003 mL/dL/mmHg (West)",
        inputs: &[
            HB,
            number("so2-pct", "%", Range::SATURATION_PCT, "O2 saturation"),
            number("po2-mmhg", "mmHg", Range::NON_NEGATIVE, "PO2"),
        ],
        compute: |v| {
            Ok(oxygen::o2_content_ml_dl(
                v.num("hb-g-dl")?,
                v.num("so2-pct")?,
                v.num("po2-mmhg")?,
            ))
        },
    },
    Calculation {
        name: "do2i",
        unit: "mL/min/m2",
        summary: "indexed oxygen delivery",
        formula: "CaO2·10·Q/BSA",
        source: "Ranucci 2005 (critical ≈ 272); de Somer 2011",
        inputs: &[HB, SAO2, PAO2, FLOW, BSA],
        compute: |v| {
            Ok(oxygen::do2i_ml_min_m2(
                v.num("hb-g-dl")?,
                v.num("sao2-pct")?,
                v.num("pao2-mmhg")?,
                v.num("flow-l-min")?,
                v.num("bsa-m2")?,
            ))
        },
    },
    Calculation {
        name: "vo2i",
        unit: "mL/min/m2",
        summary: "indexed oxygen consumption (Fick)",
        formula: "(CaO2−CvO2)·10·Q/BSA",
        source: "Fick principle",
        inputs: &[HB, SAO2, PAO2, SVO2, PVO2, FLOW, BSA],
        compute: |v| {
            Ok(oxygen::vo2i_ml_min_m2(
                v.num("hb-g-dl")?,
                v.num("sao2-pct")?,
                v.num("pao2-mmhg")?,
                v.num("svo2-pct")?,
                v.num("pvo2-mmhg")?,
                v.num("flow-l-min")?,
                v.num("bsa-m2")?,
            ))
        },
    },
    Calculation {
        name: "o2er",
        unit: "%",
        summary: "oxygen extraction ratio",
        formula: "(CaO2−CvO2)/CaO2·100",
        source: "Fick principle",
        inputs: &[HB, SAO2, PAO2, SVO2, PVO2],
        compute: |v| {
            let (sao2, pao2) = (v.num("sao2-pct")?, v.num("pao2-mmhg")?);
            if sao2 == 0.0 && pao2 == 0.0 {
                return Err(InputError::Inconsistent {
                    flag: "pao2-mmhg",
                    value: pao2,
                    message:
                        "arterial O2 content is zero with --sao2-pct 0; extraction is undefined"
                            .into(),
                });
            }
            Ok(oxygen::o2er_pct(
                v.num("hb-g-dl")?,
                sao2,
                pao2,
                v.num("svo2-pct")?,
                v.num("pvo2-mmhg")?,
            ))
        },
    },
    Calculation {
        name: "vco2i",
        unit: "mL/min/m2",
        summary: "indexed CO2 production from oxygenator exhaust",
        formula: "sweep·1000·PeCO2/Pb/BSA",
        source: "Ranucci 2005 (DO2i/VCO2i < 5 predicts lactate)",
        inputs: &[
            number(
                "sweep-l-min",
                "L/min",
                Range::POSITIVE,
                "oxygenator gas flow",
            ),
            number(
                "exhaust-co2-mmhg",
                "mmHg",
                Range::NON_NEGATIVE,
                "exhaust-gas PCO2",
            ),
            BSA,
            number_or(
                "barometric-mmhg",
                "mmHg",
                Range::POSITIVE,
                760.0,
                "barometric pressure",
            ),
        ],
        compute: |v| {
            Ok(oxygen::vco2i_ml_min_m2(
                v.num("sweep-l-min")?,
                v.num("exhaust-co2-mmhg")?,
                v.num("bsa-m2")?,
                v.num("barometric-mmhg")?,
            ))
        },
    },
    Calculation {
        name: "so2",
        unit: "%",
        summary: "hemoglobin O2 saturation from PO2",
        formula: "Severinghaus: 100/(23400/(P³+150·P)+1) on the virtual P = PO2·10^(0.024·(37−T) + 0.40·(pH−7.40) + 0.06·log10(40/PCO2))",
        source: "Severinghaus 1979",
        inputs: &[
            number("po2-mmhg", "mmHg", Range::NON_NEGATIVE, "PO2"),
            number_or("temp-c", "°C", Range::TEMP_C, 37.0, "blood temperature"),
            number_or("ph", "", Range::PH, 7.40, "pH"),
            number_or("pco2-mmhg", "mmHg", Range::POSITIVE, 40.0, "PCO2"),
        ],
        compute: |v| {
            Ok(oxygen::so2_pct(
                v.num("po2-mmhg")?,
                v.num("temp-c")?,
                v.num("ph")?,
                v.num("pco2-mmhg")?,
            ))
        },
    },
    Calculation {
        name: "sweep-for-paco2",
        unit: "L/min",
        summary: "sweep to reach a target PaCO2",
        formula: "sweep·PaCO2/target",
        source: "CO2 removal ∝ sweep",
        inputs: &[
            number("sweep-l-min", "L/min", Range::POSITIVE, "current sweep"),
            number("paco2-mmhg", "mmHg", Range::NON_NEGATIVE, "current PaCO2"),
            number("target-paco2-mmhg", "mmHg", Range::POSITIVE, "PaCO2 wanted"),
        ],
        compute: |v| {
            Ok(oxygen::sweep_for_paco2_l_min(
                v.num("sweep-l-min")?,
                v.num("paco2-mmhg")?,
                v.num("target-paco2-mmhg")?,
            ))
        },
    },
    Calculation {
        name: "vo2-at-temp",
        unit: "mL/min",
        summary: "oxygen consumption at a temperature",
        formula: "VO2·Q10^((T−37)/10)",
        source: "van 't Hoff Q10",
        inputs: &[
            number("vo2-ml-min", "mL/min", Range::POSITIVE, "VO2 at 37 °C"),
            TEMP,
            number_or("q10", "", Range::POSITIVE, 2.0, "temperature coefficient"),
        ],
        compute: |v| {
            Ok(oxygen::vo2_at_temp_ml_min(
                v.num("vo2-ml-min")?,
                v.num("temp-c")?,
                v.num("q10")?,
            ))
        },
    },
    Calculation {
        name: "ph-at-temp",
        unit: "pH",
        summary: "pH corrected to patient temperature",
        formula: "pH37 + 0.0147·(37−T)",
        source: "Rosenthal 1948",
        inputs: &[PH, TEMP],
        compute: |v| Ok(acid_base::ph_at_temp(v.num("ph")?, v.num("temp-c")?)),
    },
    Calculation {
        name: "pco2-at-temp",
        unit: "mmHg",
        summary: "PCO2 corrected to patient temperature",
        formula: "PCO2 · 10^(0.019·(T−37))",
        source: "Bradley/Severinghaus (alpha-stat vs pH-stat)",
        inputs: &[
            number("pco2-mmhg", "mmHg", Range::NON_NEGATIVE, "PCO2 at 37 °C"),
            TEMP,
        ],
        compute: |v| {
            Ok(acid_base::pco2_at_temp_mmhg(
                v.num("pco2-mmhg")?,
                v.num("temp-c")?,
            ))
        },
    },
    Calculation {
        name: "hco3",
        unit: "mmol/L",
        summary: "bicarbonate from pH and PCO2",
        formula: "0.0307·PCO2·10^(pH−6.1)",
        source: "Henderson–Hasselbalch",
        inputs: &[PH, number("pco2-mmhg", "mmHg", Range::NON_NEGATIVE, "PCO2")],
        compute: |v| Ok(acid_base::hco3_mmol_l(v.num("ph")?, v.num("pco2-mmhg")?)),
    },
    Calculation {
        name: "sbe",
        unit: "mmol/L",
        summary: "standard base excess",
        formula: "0.93·(HCO3 − 24.4 + 14.8·(pH − 7.4))",
        source: "Van Slyke (CLSI C46)",
        inputs: &[PH, HCO3],
        compute: |v| Ok(acid_base::sbe_mmol_l(v.num("ph")?, v.num("hco3-mmol-l")?)),
    },
    Calculation {
        name: "anion-gap",
        unit: "mmol/L",
        summary: "anion gap",
        formula: "Na + K − Cl − HCO3",
        source: "Emmett & Narins, Medicine 1977;56:38",
        inputs: &[
            number("na-mmol-l", "mmol/L", Range::POSITIVE, "sodium"),
            number("cl-mmol-l", "mmol/L", Range::POSITIVE, "chloride"),
            HCO3,
            number_or(
                "k-mmol-l",
                "mmol/L",
                Range::NON_NEGATIVE,
                0.0,
                "potassium (0 = leave out)",
            ),
        ],
        compute: |v| {
            Ok(acid_base::anion_gap_mmol_l(
                v.num("na-mmol-l")?,
                v.num("cl-mmol-l")?,
                v.num("hco3-mmol-l")?,
                v.num("k-mmol-l")?,
            ))
        },
    },
    Calculation {
        name: "heparin-dose",
        unit: "units",
        summary: "heparin loading dose",
        formula: "W·u",
        source: "300–400 U/kg for CPB (Bull 1975)",
        inputs: &[
            WEIGHT,
            number_or(
                "units-per-kg",
                "U/kg",
                Range::POSITIVE,
                400.0,
                "dose per kg",
            ),
        ],
        compute: |v| {
            Ok(anticoagulation::heparin_dose_units(
                v.num("weight-kg")?,
                v.num("units-per-kg")?,
            ))
        },
    },
    Calculation {
        name: "heparin-additional",
        unit: "units",
        summary: "extra heparin to reach a target ACT",
        formula: "slope = (measured−baseline)/dose; (target−measured)/slope; 0 when measured ≥ target",
        source: "Bull 1975 dose–response",
        inputs: &[
            number("baseline-act-s", "s", Range::POSITIVE, "ACT before heparin"),
            number("measured-act-s", "s", Range::POSITIVE, "ACT after the dose"),
            number("dose-units", "units", Range::POSITIVE, "heparin given"),
            number("target-act-s", "s", Range::POSITIVE, "ACT wanted"),
        ],
        compute: |v| {
            let (baseline, measured, target) = (
                v.num("baseline-act-s")?,
                v.num("measured-act-s")?,
                v.num("target-act-s")?,
            );
            if measured < target && measured <= baseline {
                return Err(InputError::Inconsistent {
                    flag: "measured-act-s",
                    value: measured,
                    message: format!(
                        "must exceed --baseline-act-s ({baseline}) to extrapolate a dose-response (heparin resistance?)"
                    ),
                });
            }
            Ok(anticoagulation::heparin_additional_units(
                baseline,
                measured,
                v.num("dose-units")?,
                target,
            ))
        },
    },
    Calculation {
        name: "protamine-dose",
        unit: "mg",
        summary: "protamine to neutralise heparin",
        formula: "heparin/100·r",
        source: "1 mg per 100 U (JECT 2023;55:105; Gravlee)",
        inputs: &[
            number(
                "heparin-units",
                "units",
                Range::POSITIVE,
                "heparin to neutralise",
            ),
            number_or(
                "mg-per-100-units",
                "mg",
                Range::POSITIVE,
                1.0,
                "protamine per 100 U heparin",
            ),
        ],
        compute: |v| {
            Ok(anticoagulation::protamine_dose_mg(
                v.num("heparin-units")?,
                v.num("mg-per-100-units")?,
            ))
        },
    },
    Calculation {
        name: "delnido-dose",
        unit: "mL",
        summary: "del Nido cardioplegia arresting dose",
        formula: "min(W·k, max)",
        source: "del Nido cardioplegia, 20 mL/kg, max 1 L (Matte & del Nido 2012)",
        inputs: &[
            WEIGHT,
            number_or("ml-per-kg", "mL/kg", Range::POSITIVE, 20.0, "dose per kg"),
            number_or("max-ml", "mL", Range::POSITIVE, 1000.0, "maximum dose"),
        ],
        compute: |v| {
            Ok(anticoagulation::delnido_dose_ml(
                v.num("weight-kg")?,
                v.num("ml-per-kg")?,
                v.num("max-ml")?,
            ))
        },
    },
];

/// The reference page `docs/calc.md`, generated from this catalog so it cannot drift.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Clinical calculations\n\n\
         <!-- Generated from crates/perfuse-clinical/src/catalog.rs by \
         `UPDATE_DOCS=1 cargo test -p perfuse-clinical --test docs`. Do not edit by hand. -->\n\n\
         Every calculation is `perfuse calc <name> [flags] [--json]` and a pure function in \
         `perfuse-clinical`. Conventions: Hct, saturations and FiO2 in percent; Hb in g/dL; \
         pressures in mmHg; flows in L/min; volumes in mL; temperatures in °C. \
         Out-of-range, non-finite, missing or unknown inputs exit with status 2 and a message \
         naming the flag, the value and the accepted range.\n\n\
         | name | unit | formula | source |\n|---|---|---|---|\n",
    );
    for c in CALCULATIONS {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} | {3} |\n",
            c.name, c.unit, c.formula, c.source
        ));
    }
    for c in CALCULATIONS {
        out.push_str(&format!(
            "\n## {}\n\n{} ({}). `{} = {}` — {}.\n\n| flag | accepts | default | meaning |\n|---|---|---|---|\n",
            c.name, c.summary, c.unit, c.name, c.formula, c.source
        ));
        for input in c.inputs {
            let (accepts, default) = match &input.kind {
                InputKind::Number {
                    unit,
                    range,
                    default,
                } => (
                    range.describe(unit),
                    default.map_or("required".to_owned(), |d| d.to_string()),
                ),
                InputKind::Choice { choices, default } => (
                    choices
                        .iter()
                        .map(|c| format!("`{}`", c.name))
                        .collect::<Vec<_>>()
                        .join(", "),
                    default.map_or("required".to_owned(), |d| format!("`{d}`")),
                ),
            };
            out.push_str(&format!(
                "| `--{}` | {} | {} | {} |\n",
                input.flag, accepts, default, input.help
            ));
        }
        for input in c.inputs {
            if let InputKind::Choice { choices, .. } = &input.kind {
                for choice in choices.iter().filter(|choice| !choice.formula.is_empty()) {
                    out.push_str(&format!(
                        "\n- `--{} {}`: {} ({})",
                        input.flag, choice.name, choice.formula, choice.source
                    ));
                }
                if choices.iter().any(|choice| !choice.formula.is_empty()) {
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The choice tables spell what the enums parse: a typo would silently fall back to the
    /// default (`unwrap_or`) instead of failing.
    #[test]
    fn choice_tables_match_the_enums() {
        for choice in SEXES {
            assert!(
                body::Sex::from_name(choice.name).is_some(),
                "{}",
                choice.name
            );
        }
        for choice in BSA_METHODS {
            assert!(
                body::BsaMethod::from_name(choice.name).is_some(),
                "{}",
                choice.name
            );
        }
        assert_eq!(SEXES.len(), body::Sex::NAMES.len());
    }
}
