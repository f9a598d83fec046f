//! Blood chemistry used by the gas-transport model: O2 content and its inverse on the
//! Severinghaus curve, a linear CO2 content curve, and pH from base excess and PCO2.
//!
//! Gases are handled at 37 °C (alpha-stat reporting): contents are conserved when a sample is
//! warmed in the analyser, so the 37 °C curve converts contents to reported partial pressures.

use perfuse_clinical::acid_base::{
    CO2_SOLUBILITY_MMOL_L_MMHG, PKA_BICARBONATE, sbe_mmol_l, sbe_slope_per_ph,
};
use perfuse_clinical::oxygen::{HUFNER_ML_O2_PER_G_HB, O2_SOLUBILITY_ML_DL_MMHG, so2_standard_pct};
use std::f64::consts::LN_10;

/// Mean corpuscular hemoglobin concentration: Hb (g/dL) = Hct (%) × 0.33 (MCHC 33 g/dL;
/// Guyton & Hall, *Textbook of Medical Physiology*).
pub const HB_G_DL_PER_HCT_PCT: f64 = 0.33;

/// Arterial CO2 content at PCO2 40 mmHg, mL/dL (West, *Respiratory Physiology*).
const CO2_CONTENT_AT_40_ML_DL: f64 = 48.0;

/// Slope of the whole-blood CO2 dissociation curve at constant saturation, mL/dL/mmHg
/// (West, *Respiratory Physiology*, Fig. 6-7: ≈ 0.45 between PCO2 40 and 50 mmHg; the steeper
/// 0.67 of the a–v points includes the Haldane effect, which this model ignores).
pub const CO2_SLOPE_ML_DL_MMHG: f64 = 0.45;

/// Barometric pressure, mmHg (sea level).
pub const BAROMETRIC_MMHG: f64 = 760.0;

/// Water vapour pressure at 37 °C, mmHg (West).
pub const WATER_VAPOUR_MMHG: f64 = 47.0;

/// Converts VCO2 (mL/min STPD) and gas flow (L/min BTPS) to PCO2: P = 0.863·VCO2/V̇
/// (alveolar ventilation equation; West, *Respiratory Physiology*).
pub const VENTILATION_CONSTANT: f64 = 0.863;

/// Multiplier from pH and PCO2 to the Severinghaus "virtual" PO2 at 37 °C:
/// 10^(0.40·(pH − 7.40) + 0.06·log10(40/PCO2)) (Severinghaus JW, J Appl Physiol 1979;46:599),
/// computed as e^(0.40·ln 10·(pH − 7.40) + 0.06·ln(40/PCO2)): one exp and one ln, cheaper than
/// powf and log10 in the slow step.
pub fn bohr_factor(ph: f64, pco2_mmhg: f64) -> f64 {
    (0.40 * LN_10 * (ph - 7.40) + 0.06 * (40.0 / pco2_mmhg.max(1.0)).ln()).exp()
}

/// O2 saturation (fraction 0–1) at 37 °C from PO2 and the [`bohr_factor`].
pub fn so2_fraction(po2_mmhg: f64, bohr: f64) -> f64 {
    so2_standard_pct(po2_mmhg * bohr) / 100.0
}

/// O2 content, mL/dL: 1.34·Hb·SO2 + 0.003·PO2 (West).
pub fn o2_content_ml_dl(hb_g_dl: f64, po2_mmhg: f64, bohr: f64) -> f64 {
    HUFNER_ML_O2_PER_G_HB * hb_g_dl * so2_fraction(po2_mmhg, bohr)
        + O2_SOLUBILITY_ML_DL_MMHG * po2_mmhg
}

/// Highest PO2 the model reports, mmHg (100 % O2 at sea level, no shunt).
const PO2_MAX_MMHG: f64 = 720.0;

/// PO2 (mmHg) whose O2 content is `content_ml_dl`: the inverse of [`o2_content_ml_dl`] by a
/// bracketed Newton iteration (content is strictly increasing in PO2). `guess_mmhg` speeds
/// convergence; the result does not depend on it beyond 1e-6 mmHg.
pub fn po2_from_content(content_ml_dl: f64, hb_g_dl: f64, bohr: f64, guess_mmhg: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, PO2_MAX_MMHG);
    if content_ml_dl <= 0.0 {
        return 0.0;
    }
    let mut p = guess_mmhg.clamp(1.0, hi - 1.0);
    for _ in 0..60 {
        let f = o2_content_ml_dl(hb_g_dl, p, bohr) - content_ml_dl;
        if f > 0.0 {
            hi = p;
        } else {
            lo = p;
            // Above the top of the range only when the iterate is already near it (rare): the
            // ceiling is checked then, not on every call.
            if p > 0.5 * PO2_MAX_MMHG
                && content_ml_dl >= o2_content_ml_dl(hb_g_dl, PO2_MAX_MMHG, bohr)
            {
                return PO2_MAX_MMHG;
            }
        }
        // d(content)/dPO2 from the Severinghaus form S = x/(x + 23400), x = v³ + 150·v.
        let v = p * bohr;
        let x = v * v * v + 150.0 * v;
        let ds_dp = 23400.0 / ((x + 23400.0) * (x + 23400.0)) * (3.0 * v * v + 150.0) * bohr;
        let slope = HUFNER_ML_O2_PER_G_HB * hb_g_dl * ds_dp + O2_SOLUBILITY_ML_DL_MMHG;
        let mut next = p - f / slope;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - p).abs() < 1e-7 {
            return next;
        }
        p = next;
    }
    p
}

/// Whole-blood CO2 content, mL/dL, linear around PCO2 40 mmHg (West).
pub fn co2_content_ml_dl(pco2_mmhg: f64) -> f64 {
    CO2_CONTENT_AT_40_ML_DL + CO2_SLOPE_ML_DL_MMHG * (pco2_mmhg - 40.0)
}

/// Inverse of [`co2_content_ml_dl`], mmHg (never below 1 mmHg).
pub fn pco2_from_content(content_ml_dl: f64) -> f64 {
    (40.0 + (content_ml_dl - CO2_CONTENT_AT_40_ML_DL) / CO2_SLOPE_ML_DL_MMHG).max(1.0)
}

/// pH at 37 °C from standard base excess and PCO2: solves the Van Slyke equation
/// SBE = 0.93·(HCO3 − 24.4 + 14.8·(pH − 7.4)) with Henderson–Hasselbalch
/// HCO3 = 0.0307·PCO2·10^(pH − 6.1) for pH by Newton's method (convex, increasing: from
/// any start the iterates fall monotonically onto the root after the first step; started at a
/// normal 7.4 they need three or four steps, from the last result one or two, and 10^x is taken
/// as e^(x·ln 10)).
pub fn ph_from_sbe(base_excess_mmol_l: f64, pco2_mmhg: f64, guess_ph: f64) -> f64 {
    let pco2 = pco2_mmhg.max(1.0);
    let mut ph = guess_ph;
    for _ in 0..30 {
        let hco3 = CO2_SOLUBILITY_MMOL_L_MMHG * pco2 * ((ph - PKA_BICARBONATE) * LN_10).exp();
        let f = sbe_mmol_l(ph, hco3) - base_excess_mmol_l;
        let slope = sbe_slope_per_ph(hco3);
        let step = f / slope;
        ph -= step;
        if step.abs() < 1e-9 {
            break;
        }
    }
    ph.clamp(6.3, 8.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn o2_content_inverse_round_trips() {
        let bohr = bohr_factor(7.40, 40.0);
        for &p in &[5.0, 27.0, 40.0, 60.0, 100.0, 250.0, 600.0] {
            let c = o2_content_ml_dl(9.0, p, bohr);
            let back = po2_from_content(c, 9.0, bohr, 90.0);
            assert!((back - p).abs() < 1e-3, "{p} -> {c} -> {back}");
        }
    }

    #[test]
    fn severinghaus_checkpoints() {
        // Severinghaus 1979 Table 1: 40 → 74.7 %, 100 → 97.5 %.
        let bohr = bohr_factor(7.40, 40.0);
        assert!((so2_fraction(40.0, bohr) - 0.747).abs() < 0.006);
        assert!((so2_fraction(100.0, bohr) - 0.975).abs() < 0.006);
    }

    #[test]
    fn ph_from_sbe_matches_normal_values() {
        assert!((ph_from_sbe(0.0, 40.0, 7.4) - 7.40).abs() < 0.005);
        let acid = ph_from_sbe(-10.0, 40.0, 7.4);
        assert!(acid < 7.30 && acid > 7.15, "{acid}");
    }
}
