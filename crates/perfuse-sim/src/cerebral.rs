//! Cerebral oximetry: regional cerebral O2 saturation (near-infrared spectroscopy) from
//! cerebral blood flow — autoregulated by pressure, raised by CO2 and by anaemia — and cerebral
//! O2 consumption, which falls with temperature more steeply than the body's.
//!
//! rSO2 = 0.25·SaO2 + 0.75·SjvO2: NIRS samples a tissue volume whose blood is ≈ 25 % arterial
//! and 75 % venous (Watzman HM et al., Anesthesiology 2000;93:947).
//!
//! When the supply falls short (circulatory arrest, a stopped pump) the reading does not drop to
//! the new steady state at once: the blood standing in the brain desaturates at the rate
//! measured during deep hypothermic circulatory arrest (Fischer GW et al., Br J Anaesth
//! 2010;104:59), scaled to the brain's temperature by the cerebral Q10.

use crate::blood::{bohr_factor, o2_content_ml_dl, po2_from_content, so2_fraction};
use crate::config::by_age;

/// Cerebral blood flow at rest, mL/100 g/min, and O2 consumption at 37 °C, mL/100 g/min
/// (Kety–Schmidt values: 45–50 and 3.3; Guyton & Hall; 45 taken, the anaesthetised end).
const CBF0_ML_100G_MIN: f64 = 45.0;
const CMRO2_37_ML_100G_MIN: f64 = 3.3;
/// Q10 of cerebral O2 consumption (Croughwell N et al., Ann Thorac Surg 1992;53:827: 2.8 on
/// CPB).
const CEREBRAL_Q10: f64 = 2.8;
/// Desaturation of the cerebral oximeter while the brain's blood stands still, at 12–15 °C
/// (Fischer GW, Benni PB, Lin HM, et al. Mathematical model for describing cerebral oxygen
/// desaturation in patients undergoing deep hypothermic circulatory arrest. Br J Anaesth
/// 2010;104:59–66: 36 adults, ScO2(t) = 81.4 − (11.53 + 0.37·t)(1 − 0.88·e^(−0.17·t)), t in
/// min). Its drop from t = 0 is 10.15·(1 − e^(−0.17·t)) + 0.37·t·(1 − 0.88·e^(−0.17·t)); the
/// model keeps the two components, an initial exponential one of 10.15 points at 0.17/min and
/// a steady 0.37 points/min (within 0.8 points of the published curve over 0–30 min).
const STASIS_FAST_POINTS: f64 = 10.15;
const STASIS_FAST_PER_MIN: f64 = 0.17;
const STASIS_SLOW_POINTS_PER_MIN: f64 = 0.37;
/// Brain temperature of Fischer's arrests, °C (the middle of their 12–15 °C): the stasis rates
/// scale from it by [`CEREBRAL_Q10`], like the O2 consumption they come from (assumption beyond
/// the measured range: at 37 °C the fall is 11× faster, ≈ 24 points/min at first).
const STASIS_REFERENCE_C: f64 = 13.5;
/// Arterial/venous weighting of the NIRS signal (Watzman 2000).
const ARTERIAL_SHARE: f64 = 0.25;
/// Lower limit of autoregulation on bypass, mmHg: below it flow falls in proportion to
/// pressure (Joshi B et al., Anesth Analg 2012;114:503: mean 66 mmHg, range 40–90; adults.
/// Neonates and infants autoregulate down to a lower pressure, scaled with their resting MAP).
const LOWER_LIMIT_MMHG_ADULT: f64 = 60.0;
const ADULT_MAP_MMHG: f64 = 85.0;
/// CO2 reactivity, fraction of flow per mmHg of PaCO2 (3–4 %/mmHg between 20 and 60 mmHg;
/// Guyton; Murkin JM et al., Anesth Analg 1987;66:825 for bypass). Reported alpha-stat PaCO2
/// drives it, so pH-stat management raises flow (luxury perfusion).
const CO2_REACTIVITY_PER_MMHG: f64 = 0.03;
/// Hemodilution raises cerebral flow: flow × (CaO2,normal/CaO2)^0.5 (partial compensation for
/// the lower content and viscosity; Todd MM et al., Am J Physiol 1994;267:H2025; exponent fitted
/// to the 0.48 % rSO2 per Hct point of Apostolidou I et al., J Cardiothorac Vasc Anesth
/// 2012;26:1015).
const CONTENT_COMPENSATION: f64 = 0.5;

/// Hemoglobin the cerebral flow is normal at, g/dL (Hct ≈ 41 %): a chronically anaemic patient
/// already has a raised cerebral flow before bypass.
const NORMAL_HB_G_DL: f64 = 13.5;

/// Supine intracranial pressure by age (years, mmHg), the middle of each normal range: 1.5–6 in
/// term infants, 3–7 in children, 5–15 in adults (Ho AW, Weller M, in Atchabahian A, Gupta R,
/// *The Anesthesia Guide*, McGraw-Hill 2013, ch. 98). Linear between a one-year-old and a child
/// of 5 and between 12 and 18 years (assumption: the source gives ranges, not ages). The brain's
/// perfusion pressure is MAP − ICP, or MAP − CVP once the superior vena cava backs up above it
/// (a malpositioned or obstructed venous cannula), so a neonate's brain feels a congested SVC
/// from a CVP of ≈ 4 mmHg, an adult's from 10.
const ICP_BY_AGE: [(f64, f64); 4] = [(1.0, 3.75), (5.0, 5.0), (12.0, 5.0), (18.0, 10.0)];

/// Normal supine intracranial pressure for an age, mmHg ([`ICP_BY_AGE`]).
pub fn icp_mmhg(age_years: f64) -> f64 {
    by_age(&ICP_BY_AGE, age_years, |&row| row)
}

/// What cerebral oximetry depends on.
#[derive(Clone, Copy, Debug)]
pub struct CerebralInputs {
    /// Mean arterial pressure, mmHg.
    pub map_mmhg: f64,
    /// Central venous (superior vena cava) pressure, mmHg.
    pub cvp_mmhg: f64,
    /// Resting MAP of the patient (scales the lower limit of autoregulation), mmHg.
    pub resting_map_mmhg: f64,
    /// Intracranial pressure, mmHg ([`icp_mmhg`] for the patient's age).
    pub icp_mmhg: f64,
    /// Arterial PCO2 (alpha-stat), mmHg.
    pub paco2_mmhg: f64,
    /// Arterial pH.
    pub ph: f64,
    /// Arterial PO2, mmHg.
    pub pao2_mmhg: f64,
    /// Hemoglobin, g/dL.
    pub hb_g_dl: f64,
    /// Brain (≈ core) temperature, °C.
    pub brain_c: f64,
    /// Where the solve for the jugular venous PO2 starts, mmHg: the last result (only the
    /// number of iterations depends on it).
    pub jugular_po2_guess_mmhg: f64,
}

/// What the cerebral oximeter shows, and the jugular venous blood behind it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CerebralOximetry {
    /// Regional cerebral O2 saturation, %.
    pub rso2_pct: f64,
    /// Jugular bulb venous PO2, mmHg.
    pub jugular_po2_mmhg: f64,
}

/// Regional cerebral saturation and jugular venous PO2.
pub fn cerebral_oximetry(u: &CerebralInputs) -> CerebralOximetry {
    let bohr = bohr_factor(u.ph, u.paco2_mmhg);
    let ca = o2_content_ml_dl(u.hb_g_dl, u.pao2_mmhg, bohr);
    let ca0 = o2_content_ml_dl(NORMAL_HB_G_DL, 95.0, 1.0);
    let lower_limit = LOWER_LIMIT_MMHG_ADULT * (u.resting_map_mmhg / ADULT_MAP_MMHG).min(1.0);
    // The lower limit is a MAP measured with a normal ICP; venous congestion beyond it takes
    // its excess off the perfusion pressure.
    let congestion = (u.cvp_mmhg - u.icp_mmhg).max(0.0);
    let pressure = ((u.map_mmhg - congestion) / lower_limit).clamp(0.0, 1.0);
    let co2 = (1.0 + CO2_REACTIVITY_PER_MMHG * (u.paco2_mmhg - 40.0)).clamp(0.3, 2.0);
    let content = (ca0 / ca.max(1.0)).powf(CONTENT_COMPENSATION).min(2.0);
    // Autoregulation holds flow independent of pressure (and of pump flow) above the lower
    // limit; below it flow follows pressure.
    let cbf = CBF0_ML_100G_MIN * pressure * co2 * content;
    let cmro2 = CMRO2_37_ML_100G_MIN * CEREBRAL_Q10.powf((u.brain_c - 37.0) / 10.0);
    // Venous content: arterial minus what the brain extracts (never below 0; anaerobic then).
    let cv = (ca - 100.0 * cmro2 / cbf.max(1e-3)).max(0.0);
    let pv = po2_from_content(cv, u.hb_g_dl, bohr, u.jugular_po2_guess_mmhg);
    let sjvo2 = so2_fraction(pv, bohr);
    let sao2 = so2_fraction(u.pao2_mmhg, bohr);
    CerebralOximetry {
        rso2_pct: 100.0 * (ARTERIAL_SHARE * sao2 + (1.0 - ARTERIAL_SHARE) * sjvo2),
        jugular_po2_mmhg: pv,
    }
}

/// The oximeter's reading in stagnant or scarce flow: how far the fall from the last reading has
/// gone.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CerebralStasis {
    /// Progress of the initial exponential fall, 0 (none yet) to 1 (spent).
    fast_progress: f64,
}

impl CerebralStasis {
    /// The reading after `dt_min` minutes, from the last reading `rso2_pct` and the steady state
    /// `steady_pct` the present flow would give. A reading at or below the steady state takes it
    /// at once (blood crosses the brain in seconds) and the fall starts afresh; above it, the
    /// reading falls towards it no faster than the stagnant brain desaturates at `brain_c`.
    pub fn follow(&mut self, rso2_pct: f64, steady_pct: f64, brain_c: f64, dt_min: f64) -> f64 {
        if steady_pct >= rso2_pct {
            self.fast_progress = 0.0;
            return steady_pct;
        }
        let q = CEREBRAL_Q10.powf((brain_c - STASIS_REFERENCE_C) / 10.0);
        let fast_rate = q * STASIS_FAST_PER_MIN;
        let remaining = 1.0 - self.fast_progress;
        // Exact integral of the exponential component over the step.
        let spent = remaining * (1.0 - (-fast_rate * dt_min).exp());
        self.fast_progress += spent;
        let fall = STASIS_FAST_POINTS * spent + q * STASIS_SLOW_POINTS_PER_MIN * dt_min;
        (rso2_pct - fall).max(steady_pct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn awake() -> CerebralInputs {
        CerebralInputs {
            map_mmhg: 85.0,
            cvp_mmhg: 6.0,
            icp_mmhg: icp_mmhg(40.0),
            resting_map_mmhg: 85.0,
            paco2_mmhg: 40.0,
            ph: 7.40,
            pao2_mmhg: 95.0,
            hb_g_dl: 13.2,
            brain_c: 37.0,
            jugular_po2_guess_mmhg: 30.0,
        }
    }

    fn rso2_pct(u: &CerebralInputs) -> f64 {
        cerebral_oximetry(u).rso2_pct
    }

    /// Baseline 60–75 % (Murkin JM, Arango M, Br J Anaesth 2009;103:i3); falls with low
    /// pressure, hypocapnia and anaemia; rises with cooling.
    #[test]
    fn baseline_and_directions() {
        let base = rso2_pct(&awake());
        assert!((60.0..=75.0).contains(&base), "{base}");
        let low_map = rso2_pct(&CerebralInputs {
            map_mmhg: 35.0,
            ..awake()
        });
        let hypocapnia = rso2_pct(&CerebralInputs {
            paco2_mmhg: 25.0,
            ..awake()
        });
        let anaemia = rso2_pct(&CerebralInputs {
            hb_g_dl: 6.0,
            ..awake()
        });
        let cold = rso2_pct(&CerebralInputs {
            brain_c: 28.0,
            ..awake()
        });
        assert!(low_map < base - 10.0, "{low_map}");
        assert!(hypocapnia < base - 5.0, "{hypocapnia}");
        assert!(anaemia < base - 5.0, "{anaemia}");
        assert!(cold > base + 5.0, "{cold}");
        // SVC obstruction on bypass: MAP 60 with a CVP of 30 perfuses the brain like a MAP of
        // 40; a CVP under the ICP changes nothing.
        let bypass = CerebralInputs {
            map_mmhg: 60.0,
            cvp_mmhg: 3.0,
            ..awake()
        };
        let congested = rso2_pct(&CerebralInputs {
            cvp_mmhg: 30.0,
            ..bypass
        });
        let as_low_map = rso2_pct(&CerebralInputs {
            map_mmhg: 40.0,
            ..bypass
        });
        assert!(
            (congested - as_low_map).abs() < 1e-9,
            "{congested} {as_low_map}"
        );
        assert!(congested < rso2_pct(&bypass) - 5.0, "{congested}");
        let normal_cvp = rso2_pct(&CerebralInputs {
            cvp_mmhg: 9.0,
            ..bypass
        });
        assert_eq!(normal_cvp, rso2_pct(&bypass));
    }

    /// Normal ICP by age (The Anesthesia Guide 2013: term infants 1.5–6, children 3–7, adults
    /// 5–15 mmHg): a neonate's brain feels an SVC pressure of 8 mmHg, an adult's does not.
    #[test]
    fn icp_follows_age_and_sets_where_congestion_starts() {
        assert_eq!(icp_mmhg(0.0), 3.75);
        assert_eq!(icp_mmhg(8.0), 5.0);
        assert_eq!(icp_mmhg(65.0), 10.0);
        assert!(icp_mmhg(15.0) > 5.0 && icp_mmhg(15.0) < 10.0);
        let at_cvp = |age: f64, cvp_mmhg: f64| {
            rso2_pct(&CerebralInputs {
                map_mmhg: 30.0,
                resting_map_mmhg: 85.0,
                cvp_mmhg,
                icp_mmhg: icp_mmhg(age),
                ..awake()
            })
        };
        assert!(at_cvp(0.0, 8.0) < at_cvp(0.0, 2.0) - 1.0);
        assert_eq!(at_cvp(65.0, 8.0), at_cvp(65.0, 2.0));
    }

    /// Circulatory arrest at 13.5 °C: the reading follows Fischer 2010's mean curve (from 80.0
    /// at t = 0: 65.5 at 15 min, 58.9 at 30 min) within a point, and recovers at once when the
    /// flow returns.
    #[test]
    fn stasis_follows_fischer_curve() {
        let fischer = |t: f64| 81.4 - (11.53 + 0.37 * t) * (1.0 - 0.88 * (-0.17 * t).exp());
        let mut stasis = CerebralStasis::default();
        let mut rso2 = fischer(0.0);
        let dt_min = 0.01;
        for step in 1..=3000 {
            rso2 = stasis.follow(rso2, 25.0, STASIS_REFERENCE_C, dt_min);
            let t = f64::from(step) * dt_min;
            if step % 500 == 0 {
                assert!(
                    (rso2 - fischer(t)).abs() < 1.0,
                    "{t} min: {rso2} vs {}",
                    fischer(t)
                );
            }
        }
        assert!((rso2 - 58.9).abs() < 1.0, "{rso2}");
        assert_eq!(stasis.follow(rso2, 95.0, STASIS_REFERENCE_C, dt_min), 95.0);
        // Warmer brains desaturate faster: 10 °C warmer, the steady fall (20–30 min, the
        // exponential component spent) is 2.8× the cold one (Q10 2.8).
        let fall_20_to_30 = |brain_c: f64| {
            let mut stasis = CerebralStasis::default();
            let at_20 = (0..2000).fold(80.0, |r, _| stasis.follow(r, 25.0, brain_c, dt_min));
            let at_30 = (0..1000).fold(at_20, |r, _| stasis.follow(r, 25.0, brain_c, dt_min));
            at_20 - at_30
        };
        let ratio = fall_20_to_30(23.5) / fall_20_to_30(13.5);
        assert!((2.5..2.9).contains(&ratio), "{ratio}");
    }
}
