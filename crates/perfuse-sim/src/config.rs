//! Patient and circuit configuration, with range validation that names the scenario-file key.

pub use perfuse_clinical::body::Sex;
use perfuse_clinical::body::{BsaMethod, bsa_m2, ebv_ml, ebv_ml_per_kg};

use crate::circuit::FULL_FLOW_INDEX_L_MIN_M2;
use crate::gas::RATED_FLOW_L_MIN_PER_M2;
use crate::names::named_enum;

named_enum! {
    /// Arterial pump head.
    pub enum PumpKind {
        /// Occlusive roller pump: flow = rpm × stroke volume, independent of afterload.
        Roller => "roller",
        /// Centrifugal pump: pressure–flow curve, afterload-dependent, retrograde when stopped.
        Centrifugal => "centrifugal",
    }
}

/// A rejected configuration or action value. `field` is the key as written in a scenario file
/// (e.g. "weight_kg", "flow_l_min"), `message` names the accepted range with its unit.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field} {value}: {message}")]
pub struct ConfigError {
    /// Scenario-file key of the offending value.
    pub field: &'static str,
    /// The rejected value.
    pub value: f64,
    /// Accepted range with its unit, e.g. "must be between 2 and 250 kg".
    pub message: String,
}

/// Checks `min <= value <= max` (NaN is rejected).
pub(crate) fn check_range(
    field: &'static str,
    value: f64,
    min: f64,
    max: f64,
    unit: &str,
) -> Result<(), ConfigError> {
    if value >= min && value <= max {
        Ok(())
    } else {
        Err(ConfigError {
            field,
            value,
            message: format!("must be between {min} and {max} {unit}"),
        })
    }
}

/// Checks `0 < value <= max` (an amount that must be given, e.g. a dose).
pub(crate) fn check_positive(
    field: &'static str,
    value: f64,
    max: f64,
    unit: &str,
) -> Result<(), ConfigError> {
    if value > 0.0 && value <= max {
        Ok(())
    } else {
        Err(ConfigError {
            field,
            value,
            message: format!("must be greater than 0 and at most {max} {unit}"),
        })
    }
}

/// Plausible body-mass index, kg/m² (premature neonates ≈ 8; WHO class III obesity starts at 40,
/// the heaviest recorded adults exceed 100 only in case reports).
const MIN_BMI: f64 = 7.0;
const MAX_BMI: f64 = 100.0;

/// Resting heart rate and mean arterial pressure by age (years, 1/min, mmHg), interpolated
/// linearly: HR from the median centiles of Fleming S et al., Lancet 2011;377:1011 (rounded);
/// MAP ≈ 55 + 1.5·age from 1 to 10 years (PALS 2020, 50th centile), 45 mmHg in a term
/// neonate, adult 85. What a scenario gets when it leaves `hr_bpm` or `map_mmhg` out, so a
/// 3 kg neonate does not start with an adult's 72/min and 85 mmHg.
const RESTING_BY_AGE: [(f64, f64, f64); 7] = [
    (0.0, 140.0, 45.0),
    (1.0, 125.0, 56.0),
    (2.0, 115.0, 58.0),
    (5.0, 100.0, 62.0),
    (10.0, 85.0, 70.0),
    (15.0, 78.0, 78.0),
    (18.0, 72.0, 85.0),
];

/// Resting (pre-bypass) heart rate for an age, 1/min.
pub fn resting_hr_bpm(age_years: f64) -> f64 {
    by_age(&RESTING_BY_AGE, age_years, |row| (row.0, row.1))
}

/// Resting (pre-bypass) mean arterial pressure for an age, mmHg.
pub fn resting_map_mmhg(age_years: f64) -> f64 {
    by_age(&RESTING_BY_AGE, age_years, |row| (row.0, row.2))
}

/// Awake resting cardiac index by age (years, L/min/m²), interpolated linearly.
/// - 0 and 1 year, 3.5: Alverson DC et al., J Ultrasound Med 1987;6:519 (Doppler left
///   ventricular output of 31 healthy infants followed from birth to 1 year: constant over the
///   first year, 3.48 ± 0.74 L/min/m², 204 ± 45 mL/kg/min). The first days run higher, 236–241
///   mL/kg/min (Alverson DC et al., Am J Perinatol 1984;1:148; Walther FJ et al., Pediatrics
///   1985), with ductal flow that falls as the ductus closes (Winberg P et al., Arch Dis
///   Child 1989;64:1374: 187 mL/kg/min by 24 h); the first-year value serves from birth.
/// - 10 years, 4.0: Guyton AC, Hall JE, Textbook of Medical Physiology, 13th ed. 2016, ch. 20
///   (the index rises to more than 4 L/min/m² at 10 years; 4 is the floor it states).
/// - 18 years and over, 3.0: Guyton & Hall, ch. 20 (resting adult about 3 L/min/m²). Their
///   decline to 2.4 at 80 years is left out: adults keep the one anaesthetised value the model
///   was calibrated and validated with.
///
/// Between 1 and 10 years and between 10 and 18 linear (assumption: Guyton gives only the
/// shape, a rapid rise to the peak at 10 years and a fall to the adult value).
const AWAKE_CI_BY_AGE: [(f64, f64); 4] = [(0.0, 3.5), (1.0, 3.5), (10.0, 4.0), (18.0, 3.0)];
/// Awake resting cardiac index of an adult, L/min/m² (Guyton & Hall, ch. 20).
const AWAKE_CI_ADULT_L_MIN_M2: f64 = 3.0;
/// Resting cardiac index of an anaesthetised adult before bypass, L/min/m² (Gravlee,
/// *Cardiopulmonary Bypass: Principles and Practice*: 2.5–3).
const ANAESTHETISED_CI_ADULT_L_MIN_M2: f64 = 2.6;

/// Resting (pre-bypass) cardiac index of an anaesthetised patient of an age, L/min/m²: the
/// awake index of `AWAKE_CI_BY_AGE` scaled by the adult's anaesthetised-to-awake ratio,
/// 2.6/3.0 = 0.87 (Gravlee; Guyton & Hall). In infants inhaled anaesthesia at 1 MAC keeps
/// 0.83 of the awake output with halothane or isoflurane (Murray DJ et al., Anesth Analg
/// 1992) and all of it with sevoflurane (Wodey E et al., Anesthesiology 1997;87:795), so
/// the adult ratio serves every age. 3.03 in the first year, 3.47 at 10 years, 2.6 from 18.
/// Anaesthetised, ventilated infants of 8 months measure 155 mL/kg/min, ≈ 3.3 L/min/m²
/// (Karlsson J et al., Anesth Analg 2022; validation target `cv-ci-infant-pre-bypass`).
/// The start-up calibration sets the resting cardiac output to this times the BSA.
pub fn resting_ci_l_min_m2(age_years: f64) -> f64 {
    let awake = by_age(&AWAKE_CI_BY_AGE, age_years, |&row| row);
    // Ratio first, so that an adult's index is exactly 2.6.
    awake / AWAKE_CI_ADULT_L_MIN_M2 * ANAESTHETISED_CI_ADULT_L_MIN_M2
}

/// The value of a by-age table at an age: linear between the rows (`point` gives a row's age and
/// value), the first row's value before it and the last's after it.
pub(crate) fn by_age<T>(table: &[T], age_years: f64, point: impl Fn(&T) -> (f64, f64)) -> f64 {
    for pair in table.windows(2) {
        let ((a0, v0), (a1, v1)) = (point(&pair[0]), point(&pair[1]));
        if age_years < a1 {
            let w = ((age_years - a0) / (a1 - a0)).clamp(0.0, 1.0);
            return v0 + w * (v1 - v0);
        }
    }
    point(&table[table.len() - 1]).1
}

/// The patient. `Default` is a 65-year-old, 80 kg, 175 cm man with Hct 40 %.
#[derive(Clone, Debug, PartialEq)]
pub struct PatientConfig {
    /// Biological sex.
    pub sex: Sex,
    /// Age, years.
    pub age_years: f64,
    /// Height, cm.
    pub height_cm: f64,
    /// Weight, kg (the model is scaled from 2 to 250 kg).
    pub weight_kg: f64,
    /// Pre-operative hematocrit, %.
    pub hct_pct: f64,
    /// Estimated blood volume per kg; `None` = the allowance for the age and sex
    /// ([`perfuse_clinical::body::ebv_ml_per_kg`]: 85 mL/kg at birth to 70/65 in adults).
    pub ebv_ml_per_kg: Option<f64>,
    /// Resting pre-bypass heart rate, 1/min (the baroreflex set point); normally
    /// [`resting_hr_bpm`] for the age.
    pub hr_bpm: f64,
    /// Resting pre-bypass mean arterial pressure, mmHg (the baroreflex set point); normally
    /// [`resting_map_mmhg`] for the age.
    pub map_mmhg: f64,
    /// Initial core temperature, °C.
    pub temp_c: f64,
    /// Initial arterial lactate, mmol/L.
    pub lactate_mmol_l: f64,
    /// Baseline ACT, s.
    pub act_s: f64,
    /// ACT slope multiplier: 1 = normal, < 1 = heparin resistance.
    pub heparin_sensitivity: f64,
    /// Initial plasma potassium, mmol/L.
    pub k_mmol_l: f64,
    /// Thermal amplitude of the patient's cold agglutinins, °C: the highest temperature at
    /// which they agglutinate red cells, once the `cold-agglutinins` fault says the patient
    /// has them. 30 °C by default (Agarwal SK et al., Ann Thorac Surg 1995;60:1143: usually
    /// below 30 °C); high-amplitude antibodies react up to 37 °C.
    pub cold_agglutinin_amplitude_c: f64,
}

impl Default for PatientConfig {
    fn default() -> Self {
        PatientConfig {
            sex: Sex::Male,
            age_years: 65.0,
            height_cm: 175.0,
            weight_kg: 80.0,
            hct_pct: 40.0,
            ebv_ml_per_kg: None,
            hr_bpm: resting_hr_bpm(65.0),
            map_mmhg: resting_map_mmhg(65.0),
            temp_c: 36.5,
            lactate_mmol_l: 1.0,
            act_s: 120.0,
            heparin_sensitivity: 1.0,
            k_mmol_l: 4.0,
            cold_agglutinin_amplitude_c: 30.0,
        }
    }
}

impl PatientConfig {
    /// Rejects values outside the ranges the model is built for.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_range("age_years", self.age_years, 0.0, 120.0, "years")?;
        check_range("height_cm", self.height_cm, 40.0, 250.0, "cm")?;
        check_range("weight_kg", self.weight_kg, 2.0, 250.0, "kg")?;
        // Height and weight each in range can still describe no one (a 2 kg, 167 cm patient).
        // BMI 7–100 kg/m² spans premature neonates (≈ 8) to extreme obesity; outside it the
        // pair is a typo, and the allometric scaling of the model would not hold.
        let bmi = self.weight_kg / (self.height_cm / 100.0).powi(2);
        if !(MIN_BMI..=MAX_BMI).contains(&bmi) {
            return Err(ConfigError {
                field: "weight_kg",
                value: self.weight_kg,
                message: format!(
                    "with height_cm {} gives a BMI of {bmi:.1} kg/m2; height and weight must give {MIN_BMI}–{MAX_BMI}",
                    self.height_cm
                ),
            });
        }
        check_range("hct_pct", self.hct_pct, 15.0, 65.0, "%")?;
        if let Some(ebv) = self.ebv_ml_per_kg {
            check_range("ebv_ml_per_kg", ebv, 50.0, 110.0, "mL/kg")?;
        }
        check_range("hr_bpm", self.hr_bpm, 30.0, 200.0, "1/min")?;
        check_range("map_mmhg", self.map_mmhg, 40.0, 150.0, "mmHg")?;
        check_range("temp_c", self.temp_c, 30.0, 40.0, "°C")?;
        check_range("lactate_mmol_l", self.lactate_mmol_l, 0.2, 20.0, "mmol/L")?;
        check_range("act_s", self.act_s, 60.0, 300.0, "s")?;
        check_range(
            "heparin_sensitivity",
            self.heparin_sensitivity,
            0.1,
            3.0,
            "(ratio)",
        )?;
        check_range("k_mmol_l", self.k_mmol_l, 2.0, 8.0, "mmol/L")?;
        check_range(
            "cold_agglutinin_amplitude_c",
            self.cold_agglutinin_amplitude_c,
            10.0,
            37.0,
            "°C",
        )
    }

    /// Estimated blood volume, mL: `ebv_ml_per_kg`, or the allowance for the age and sex.
    pub fn ebv_ml(&self) -> f64 {
        let per_kg = self
            .ebv_ml_per_kg
            .unwrap_or_else(|| ebv_ml_per_kg(self.sex, self.age_years));
        ebv_ml(self.weight_kg, per_kg)
    }
}

/// The bypass circuit. `Default` is an adult roller-pump circuit with a 1.8 m² oxygenator.
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitConfig {
    /// Arterial pump head.
    pub pump: PumpKind,
    /// Total prime volume (reservoir + tubing + oxygenator), mL.
    pub prime_ml: f64,
    /// Hematocrit of the prime, % (0 = crystalloid).
    pub prime_hct_pct: f64,
    /// Protein in the prime's fluid as plasma-protein equivalent, g/L (0 = crystalloid; fresh
    /// frozen plasma ≈ 60; 5 % albumin ≈ 59, the plasma-protein concentration with its 20 mmHg
    /// colloid osmotic pressure, as `give-fluid` counts it). Sets the colloid osmotic pressure
    /// the patient's plasma is diluted with.
    pub prime_protein_g_l: f64,
    /// Venous reservoir capacity, mL.
    pub reservoir_capacity_ml: f64,
    /// Level-detector threshold, mL (alarm below).
    pub reservoir_min_ml: f64,
    /// Roller stroke volume, mL per revolution (60 for a 1/2″ boot).
    pub roller_ml_per_rev: f64,
    /// Height of the table above the reservoir inlet, cm (gravity siphon).
    pub siphon_height_cm: f64,
    /// Vacuum-assisted venous drainage, mmHg of suction (0 = gravity only).
    pub vavd_mmhg: f64,
    /// Oxygenator membrane area, m².
    pub oxygenator_area_m2: f64,
    /// Heat-exchanger performance factor (0–1).
    pub heat_exchanger_pf: f64,
    /// Sweep set when bypass starts, L/min; 0 = a gas:blood ratio of 0.7 of the start flow.
    pub initial_sweep_l_min: f64,
    /// Oxygenator FiO2 when bypass starts, %.
    pub initial_fio2_pct: f64,
    /// Heater-cooler water temperature at t = 0, °C.
    pub initial_water_temp_c: f64,
}

impl Default for CircuitConfig {
    fn default() -> Self {
        CircuitConfig::sized_for(1500.0, &PatientConfig::default())
    }
}

/// Circuit components by size, chosen from the prime volume (the one size a scenario must
/// give): (smallest prime, mL; roller stroke volume, mL/rev). Stroke volumes of a 150 mm roller
/// head: 1/2″ boot ≈ 60, 3/8″ ≈ 27, 1/4″ ≈ 12, 3/16″ ≈ 7 mL/rev (Gravlee ch. 3; manufacturer
/// calibration tables, rounded).
const ROLLER_BOOT_BY_PRIME: [(f64, f64); 4] =
    [(1200.0, 60.0), (500.0, 27.0), (300.0, 12.0), (0.0, 7.0)];

impl CircuitConfig {
    /// A circuit built for this prime and patient: reservoir, level detector and pump boot
    /// scale with the prime, the membrane with the patient's full flow, so a 250 mL neonatal
    /// circuit does not get an adult's 200 mL minimum level or 1.8 m² membrane. Adult
    /// reference at 1500 mL (assumptions, in proportion): reservoir 4000 mL (hard-shell adult
    /// reservoir), minimum level 200 mL. Membrane rated for 1.5 × full flow (2.4 L/min/m²),
    /// i.e. Quadrox-i adult 1.8 m² / 7 L/min for a 2 m² adult, within 0.25–1.8 m².
    pub fn sized_for(prime_ml: f64, patient: &PatientConfig) -> Self {
        let scale = prime_ml / 1500.0;
        let bsa_m2 = bsa_m2(BsaMethod::DuBois, patient.height_cm, patient.weight_kg);
        let rated_l_min = 1.5 * FULL_FLOW_INDEX_L_MIN_M2 * bsa_m2;
        CircuitConfig {
            pump: PumpKind::Roller,
            prime_ml,
            prime_hct_pct: 0.0,
            prime_protein_g_l: 0.0,
            reservoir_capacity_ml: (4000.0 * scale).clamp(400.0, 4000.0),
            reservoir_min_ml: (200.0 * scale).clamp(20.0, 200.0),
            roller_ml_per_rev: ROLLER_BOOT_BY_PRIME
                .iter()
                .find(|(min_prime_ml, _)| prime_ml >= *min_prime_ml)
                .map_or(7.0, |&(_, ml_per_rev)| ml_per_rev),
            siphon_height_cm: 50.0,
            vavd_mmhg: 0.0,
            oxygenator_area_m2: (rated_l_min / RATED_FLOW_L_MIN_PER_M2).clamp(0.25, 1.8),
            heat_exchanger_pf: 0.5,
            initial_sweep_l_min: 0.0,
            initial_fio2_pct: 60.0,
            initial_water_temp_c: 37.0,
        }
    }

    /// Rejects values outside the ranges the model is built for.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_range("prime_ml", self.prime_ml, 100.0, 5000.0, "mL")?;
        check_range("prime_hct_pct", self.prime_hct_pct, 0.0, 60.0, "%")?;
        check_range(
            "prime_protein_g_l",
            self.prime_protein_g_l,
            0.0,
            70.0,
            "g/L",
        )?;
        check_range(
            "reservoir_capacity_ml",
            self.reservoir_capacity_ml,
            200.0,
            10000.0,
            "mL",
        )?;
        check_range(
            "reservoir_min_ml",
            self.reservoir_min_ml,
            10.0,
            self.reservoir_capacity_ml / 2.0,
            "mL",
        )?;
        check_range(
            "roller_ml_per_rev",
            self.roller_ml_per_rev,
            1.0,
            120.0,
            "mL",
        )?;
        check_range("siphon_height_cm", self.siphon_height_cm, 0.0, 150.0, "cm")?;
        check_range("vavd_mmhg", self.vavd_mmhg, 0.0, 80.0, "mmHg")?;
        check_range(
            "oxygenator_area_m2",
            self.oxygenator_area_m2,
            0.2,
            3.5,
            "m2",
        )?;
        check_range(
            "heat_exchanger_pf",
            self.heat_exchanger_pf,
            0.05,
            1.0,
            "(fraction)",
        )?;
        check_range("sweep_l_min", self.initial_sweep_l_min, 0.0, 15.0, "L/min")?;
        check_range("fio2_pct", self.initial_fio2_pct, 21.0, 100.0, "%")?;
        check_range("water_temp_c", self.initial_water_temp_c, 2.0, 42.0, "°C")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resting_vitals_follow_age() {
        assert_eq!((resting_hr_bpm(65.0), resting_map_mmhg(65.0)), (72.0, 85.0));
        assert_eq!((resting_hr_bpm(0.0), resting_map_mmhg(0.0)), (140.0, 45.0));
        // Linear between the tabulated ages: 1.5 y lies halfway between 1 and 2 y.
        assert_eq!(resting_hr_bpm(1.5), 120.0);
        let ages = (0..=240).map(|i| f64::from(i) / 10.0);
        let vitals: Vec<_> = ages
            .map(|a| (resting_hr_bpm(a), resting_map_mmhg(a)))
            .collect();
        for pair in vitals.windows(2) {
            assert!(pair[1].0 <= pair[0].0, "HR falls with age");
            assert!(pair[1].1 >= pair[0].1, "MAP rises with age");
        }
    }

    #[test]
    fn resting_cardiac_index_follows_age() {
        // Gravlee's anaesthetised adult, unchanged for every adult age.
        assert_eq!(resting_ci_l_min_m2(18.0), 2.6);
        assert_eq!(resting_ci_l_min_m2(65.0), 2.6);
        // Awake indices (Alverson 1987: 3.48 in the first year; Guyton & Hall: > 4 at 10 years)
        // times the adult's anaesthetised-to-awake ratio 2.6/3.0.
        let ratio = 2.6 / 3.0;
        assert!((resting_ci_l_min_m2(0.0) - 3.5 * ratio).abs() < 1e-12);
        assert!((resting_ci_l_min_m2(0.5) - 3.5 * ratio).abs() < 1e-12);
        assert!((resting_ci_l_min_m2(10.0) - 4.0 * ratio).abs() < 1e-12);
        // Peak at 10 years: rising before, falling after.
        let ci: Vec<_> = (0..=240)
            .map(|i| resting_ci_l_min_m2(f64::from(i) / 10.0))
            .collect();
        for (i, pair) in ci.windows(2).enumerate() {
            if i < 100 {
                assert!(pair[1] >= pair[0], "CI rises to 10 years");
            } else {
                assert!(pair[1] <= pair[0], "CI falls from 10 years");
            }
        }
    }

    #[test]
    fn circuit_is_sized_for_prime_and_patient() {
        let adult = CircuitConfig::sized_for(1500.0, &PatientConfig::default());
        assert_eq!(adult, CircuitConfig::default());
        assert_eq!(
            (
                adult.reservoir_min_ml,
                adult.roller_ml_per_rev,
                adult.oxygenator_area_m2
            ),
            (200.0, 60.0, 1.8)
        );
        let neonate = PatientConfig {
            age_years: 0.0,
            height_cm: 50.0,
            weight_kg: 3.2,
            ..PatientConfig::default()
        };
        let small = CircuitConfig::sized_for(250.0, &neonate);
        assert!(small.reservoir_min_ml < 40.0 && small.roller_ml_per_rev <= 12.0);
        assert!((0.25..=0.4).contains(&small.oxygenator_area_m2));
        assert!(small.validate().is_ok());
    }
}
