//! Drawing one patient of a population, reproducibly from the cohort seed and the patient's
//! number alone (never from the patients before it), so patient 417 is the same patient in a
//! cohort of 500 or of 10,000, alone or in a shard.

use perfuse_clinical::body::{BsaMethod, Sex, bsa_m2};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_distr::{Distribution, Uniform};

use crate::spec::{Param, Population};

/// Streams of random numbers derived from one (cohort seed, patient) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The patient's characteristics.
    Patient = 1,
    /// The simulator's own randomness (beat-to-beat variability, defibrillation).
    Simulation = 2,
    /// The bootstrap of the summary (the patient number is unused: 0).
    Bootstrap = 3,
}

/// The seed of `stream` for `patient` of a cohort seeded with `seed`: SplitMix64 finalisers
/// chained over the three numbers (Steele, Lea & Flood 2014), so nearby inputs give
/// unrelated seeds.
pub fn derive_seed(seed: u64, patient: u32, stream: Stream) -> u64 {
    let mix = |z: u64| {
        let z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    mix(mix(mix(seed) ^ u64::from(patient)) ^ stream as u64)
}

/// A drawn patient.
#[derive(Clone, Debug, PartialEq)]
pub struct Patient {
    /// 0-based number in the cohort.
    pub id: u32,
    /// Seed of the draw ([`Stream::Patient`]).
    pub seed: u64,
    /// Whole-patient redraws needed to get a weight the simulator accepts.
    pub redraws: u32,
    /// Sex.
    pub sex: Sex,
    /// One value per [`Param::ALL`] entry (the default for parameters the spec leaves out).
    pub values: [f64; 8],
}

/// Weight the simulator accepts, kg (`PatientConfig::validate`).
const WEIGHT_RANGE_KG: (f64, f64) = (2.0, 250.0);

/// Redraws of a whole patient before giving up (a population whose BMI × height² misses
/// 2–250 kg that often is a mistake in the spec).
pub const MAX_REDRAWS: u32 = 100;

impl Patient {
    /// Draws patient `id`. A patient whose weight (BMI × height²) falls outside the
    /// simulator's 2–250 kg is redrawn whole from the same stream, up to [`MAX_REDRAWS`]
    /// times; the count is kept. Every other value is within range by construction (the
    /// spec's bounds are checked against the simulator's).
    pub fn draw(population: &Population, seed: u64, id: u32) -> Result<Patient, String> {
        let patient_seed = derive_seed(seed, id, Stream::Patient);
        let mut rng = ChaCha8Rng::seed_from_u64(patient_seed);
        for redraws in 0..=MAX_REDRAWS {
            let female = Uniform::new(0.0, 100.0).map_or(0.0, |u| u.sample(&mut rng))
                < population.female_pct;
            let sex = if female { Sex::Female } else { Sex::Male };
            let mut values = [0.0; 8];
            for ((param, dist), value) in Param::ALL
                .into_iter()
                .zip(&population.params)
                .zip(&mut values)
            {
                *value = match dist {
                    None => param.default_value(),
                    Some(by_sex) => {
                        let dist = if female { &by_sex.female } else { &by_sex.male };
                        let drawn = dist.sample(&mut rng).ok_or_else(|| {
                            format!(
                                "population.{}: no draw within its bounds in 10000 attempts",
                                param.key()
                            )
                        })?;
                        round(drawn, param.decimals())
                    }
                };
            }
            let patient = Patient {
                id,
                seed: patient_seed,
                redraws,
                sex,
                values,
            };
            let (lo, hi) = WEIGHT_RANGE_KG;
            if (lo..=hi).contains(&patient.weight_kg()) {
                return Ok(patient);
            }
        }
        Err(format!(
            "no patient with a weight within 2–250 kg (BMI × height²) in {} draws",
            MAX_REDRAWS + 1
        ))
    }

    /// A parameter's value.
    pub fn get(&self, param: Param) -> f64 {
        self.values[param as usize]
    }

    /// Weight from BMI and height, kg (0.1 kg).
    pub fn weight_kg(&self) -> f64 {
        round(
            self.get(Param::BmiKgM2) * (self.get(Param::HeightCm) / 100.0).powi(2),
            1,
        )
    }

    /// Body-surface area (DuBois, as the simulator uses), m².
    pub fn bsa_m2(&self) -> f64 {
        bsa_m2(
            BsaMethod::DuBois,
            self.get(Param::HeightCm),
            self.weight_kg(),
        )
    }
}

/// `value` rounded to `decimals` places (half away from zero).
fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::spec::BySex;

    fn population(female_pct: f64) -> Population {
        let both = |d: Dist| {
            Some(BySex {
                male: d.clone(),
                female: d,
            })
        };
        let mut params: [Option<BySex>; 8] = Default::default();
        params[Param::AgeYears as usize] = both(Dist::Uniform {
            min: 60.0,
            max: 80.0,
        });
        params[Param::HeightCm as usize] = Some(BySex {
            male: Dist::Fixed(180.0),
            female: Dist::Fixed(160.0),
        });
        params[Param::BmiKgM2 as usize] = both(Dist::Fixed(25.0));
        params[Param::HctPct as usize] = both(Dist::Fixed(35.0));
        Population { female_pct, params }
    }

    #[test]
    fn a_patient_depends_on_the_seed_and_its_number_only() {
        let p = population(40.0);
        assert_eq!(Patient::draw(&p, 9, 417), Patient::draw(&p, 9, 417));
        assert_ne!(Patient::draw(&p, 9, 417), Patient::draw(&p, 9, 418));
        assert_ne!(Patient::draw(&p, 9, 417), Patient::draw(&p, 10, 417));
        assert_ne!(
            derive_seed(9, 417, Stream::Patient),
            derive_seed(9, 417, Stream::Simulation)
        );
    }

    #[test]
    fn weight_follows_height_and_sex() {
        // BMI 25: 180 cm → 81.0 kg, 160 cm → 64.0 kg.
        let p = population(50.0);
        let patients: Vec<_> = (0..400).map(|i| Patient::draw(&p, 1, i).unwrap()).collect();
        let women = patients.iter().filter(|p| p.sex == Sex::Female).count();
        assert!((160..=240).contains(&women), "{women} of 400 female");
        for patient in &patients {
            let expected = if patient.sex == Sex::Female {
                64.0
            } else {
                81.0
            };
            assert_eq!(patient.weight_kg(), expected);
            assert!((60.0..=80.0).contains(&patient.get(Param::AgeYears)));
            assert_eq!(patient.get(Param::Contractility), 1.0);
        }
    }

    #[test]
    fn impossible_weights_are_redrawn_then_refused() {
        let mut p = population(0.0);
        // BMI 100 at 180 cm is 324 kg: never accepted.
        p.params[Param::BmiKgM2 as usize] = Some(BySex {
            male: Dist::Fixed(100.0),
            female: Dist::Fixed(100.0),
        });
        let e = Patient::draw(&p, 1, 0).unwrap_err();
        assert!(e.contains("2–250 kg"), "{e}");
        // BMI 70–100: 227–324 kg, about 1 draw in 7 is accepted, after some redraws.
        p.params[Param::BmiKgM2 as usize] = Some(BySex {
            male: Dist::Uniform {
                min: 70.0,
                max: 100.0,
            },
            female: Dist::Fixed(100.0),
        });
        let drawn: Vec<_> = (0..50).map(|i| Patient::draw(&p, 1, i).unwrap()).collect();
        assert!(drawn.iter().all(|d| d.weight_kg() <= 250.0));
        assert!(drawn.iter().any(|d| d.redraws > 0));
    }
}
