//! Acid–base and temperature correction of blood gases (alpha-stat vs pH-stat arithmetic).

/// pH corrected from 37 °C to the patient's temperature: pH37 + 0.0147·(37 − T).
///
/// Rosenthal TB. J Biol Chem 1948;173:25.
pub fn ph_at_temp(ph: f64, temp_c: f64) -> f64 {
    ph + 0.0147 * (37.0 - temp_c)
}

/// PCO2 corrected from 37 °C to the patient's temperature: PCO2·10^(0.019·(T − 37)).
///
/// Bradley AF, Stupfel M, Severinghaus JW. J Appl Physiol 1956;9:201.
pub fn pco2_at_temp_mmhg(pco2_mmhg: f64, temp_c: f64) -> f64 {
    pco2_mmhg * 10f64.powf(0.019 * (temp_c - 37.0))
}

/// PO2 corrected from 37 °C to the patient's temperature: PO2·e^{k·(T − 37)} with the
/// saturation-dependent coefficient k = 0.058/((0.243·PO2/100)^3.88 + 1) + 0.013 per °C, which
/// is large on the steep part of the dissociation curve and small where O2 is dissolved.
///
/// Severinghaus JW. J Appl Physiol 1979;46:599, equation 3 (Hedley-Whyte & Laver 1964 measured
/// 0.0052 per °C in log10 for fully saturated blood, 0.032 at 83 %).
pub fn po2_at_temp_mmhg(po2_mmhg: f64, temp_c: f64) -> f64 {
    let k = 0.058 / ((0.243 * po2_mmhg.max(0.0) / 100.0).powf(3.88) + 1.0) + 0.013;
    po2_mmhg * (k * (temp_c - 37.0)).exp()
}

/// CO2 solubility in plasma, mmol/L per mmHg at 37 °C (Henderson–Hasselbalch; the value of
/// CLSI C46-A2, *Blood Gas and pH Analysis*, 2009).
pub const CO2_SOLUBILITY_MMOL_L_MMHG: f64 = 0.0307;

/// pKa′ of the bicarbonate buffer in plasma at 37 °C (Henderson–Hasselbalch; CLSI C46-A2).
pub const PKA_BICARBONATE: f64 = 6.1;

/// Bicarbonate (mmol/L) by Henderson–Hasselbalch: 0.0307·PCO2·10^(pH − 6.1).
pub fn hco3_mmol_l(ph: f64, pco2_mmhg: f64) -> f64 {
    CO2_SOLUBILITY_MMOL_L_MMHG * pco2_mmhg * 10f64.powf(ph - PKA_BICARBONATE)
}

/// pH from bicarbonate and PCO2 (Henderson–Hasselbalch, the inverse of [`hco3_mmol_l`]).
pub fn ph_from_hco3(hco3_mmol_l: f64, pco2_mmhg: f64) -> f64 {
    PKA_BICARBONATE + (hco3_mmol_l / (CO2_SOLUBILITY_MMOL_L_MMHG * pco2_mmhg)).log10()
}

/// Van Slyke equation coefficients of CLSI C46-A2: the extracellular-fluid factor, normal
/// bicarbonate (mmol/L) and the non-bicarbonate buffer value (mmol/L per pH unit).
const VAN_SLYKE_ECF_FACTOR: f64 = 0.93;
const VAN_SLYKE_HCO3_MMOL_L: f64 = 24.4;
const VAN_SLYKE_BUFFER_MMOL_L_PER_PH: f64 = 14.8;

/// Standard base excess (mmol/L), Van Slyke equation as in CLSI C46-A2:
/// 0.93·(HCO3 − 24.4 + 14.8·(pH − 7.4)).
pub fn sbe_mmol_l(ph: f64, hco3_mmol_l: f64) -> f64 {
    VAN_SLYKE_ECF_FACTOR
        * (hco3_mmol_l - VAN_SLYKE_HCO3_MMOL_L + VAN_SLYKE_BUFFER_MMOL_L_PER_PH * (ph - 7.4))
}

/// d(SBE)/d(pH) at constant PCO2, where HCO3 follows pH by Henderson–Hasselbalch
/// (d HCO3/d pH = HCO3·ln 10), mmol/L per pH unit: the slope a Newton solve for pH needs.
pub fn sbe_slope_per_ph(hco3_mmol_l: f64) -> f64 {
    VAN_SLYKE_ECF_FACTOR * (hco3_mmol_l * std::f64::consts::LN_10 + VAN_SLYKE_BUFFER_MMOL_L_PER_PH)
}

/// Anion gap (mmol/L) = Na + K − Cl − HCO3 (pass K = 0 for the common form without potassium).
pub fn anion_gap_mmol_l(na_mmol_l: f64, cl_mmol_l: f64, hco3_mmol_l: f64, k_mmol_l: f64) -> f64 {
    na_mmol_l + k_mmol_l - cl_mmol_l - hco3_mmol_l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn po2_temperature_correction_depends_on_saturation() {
        // Towards full saturation the coefficient falls to that of dissolved O2, ≈ 0.0052
        // log10 units per °C (Hedley-Whyte & Laver 1964); at 600 mmHg it is on its way there.
        let high = po2_at_temp_mmhg(600.0, 27.0);
        let per_c = (600.0 / high).log10() / 10.0;
        assert!((0.0056..0.012).contains(&per_c), "{per_c}");
        // Venous blood: much steeper, ≈ 0.031 per °C.
        let low = po2_at_temp_mmhg(40.0, 27.0);
        let per_c = (40.0 / low).log10() / 10.0;
        assert!((0.026..0.034).contains(&per_c), "{per_c}");
        assert_eq!(po2_at_temp_mmhg(95.0, 37.0), 95.0);
    }

    #[test]
    fn normal_blood_gas() {
        // pH 7.40, PCO2 40 → HCO3 24.4 mmol/L and SBE 0 (West; CLSI C46).
        let hco3 = hco3_mmol_l(7.40, 40.0);
        assert!((hco3 - 24.46).abs() < 0.05, "{hco3}");
        assert!(sbe_mmol_l(7.40, 24.4).abs() < 1e-12);
        // Away from normal every coefficient counts: 0.93·(18 − 24.4 + 14.8·(−0.2)) = −8.7048.
        assert!((sbe_mmol_l(7.20, 18.0) + 8.7048).abs() < 1e-9);
        assert!((ph_from_hco3(hco3, 40.0) - 7.40).abs() < 1e-12);
    }

    #[test]
    fn alpha_stat_correction_at_28_c() {
        // At 28 °C an alpha-stat 7.40/40 sample reads ≈ 7.53 and ≈ 27 mmHg in the patient.
        assert!((ph_at_temp(7.40, 28.0) - 7.5323).abs() < 1e-9);
        assert!((pco2_at_temp_mmhg(40.0, 28.0) - 26.98).abs() < 0.05);
    }

    #[test]
    fn anion_gap_textbook() {
        // Na 140, Cl 104, HCO3 24 → 12 mmol/L.
        assert_eq!(anion_gap_mmol_l(140.0, 104.0, 24.0, 0.0), 12.0);
    }
}
