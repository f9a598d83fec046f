//! Oxygen and carbon dioxide: content, delivery, consumption, the dissociation curve, sweep.

/// Hüfner's constant: mL O2 bound per g of fully saturated hemoglobin (1.34; 1.36–1.39 are
/// also quoted). West, *Respiratory Physiology: The Essentials*.
pub const HUFNER_ML_O2_PER_G_HB: f64 = 1.34;

/// Solubility of O2 in blood, mL O2 per dL per mmHg at 37 °C. West, *Respiratory Physiology*.
pub const O2_SOLUBILITY_ML_DL_MMHG: f64 = 0.003;

/// Oxygen content (mL O2/dL) = 1.34·Hb·SO2/100 + 0.003·PO2 (bound + dissolved).
pub fn o2_content_ml_dl(hb_g_dl: f64, so2_pct: f64, po2_mmhg: f64) -> f64 {
    HUFNER_ML_O2_PER_G_HB * hb_g_dl * so2_pct / 100.0 + O2_SOLUBILITY_ML_DL_MMHG * po2_mmhg
}

/// Critical indexed oxygen delivery on bypass, mL/min/m² (Ranucci M et al., Ann Thorac Surg
/// 2005;80:2213; de Somer F et al., Crit Care 2011;15:R192 found 262). The quality indicator of
/// records and the simulator's lactate threshold.
pub const CRITICAL_DO2I_ML_MIN_M2: f64 = 272.0;

/// Indexed oxygen delivery (mL/min/m²) = CaO2·10·Q/BSA (×10 converts mL/dL to mL/L).
///
/// The critical value on bypass is [`CRITICAL_DO2I_ML_MIN_M2`].
pub fn do2i_ml_min_m2(
    hb_g_dl: f64,
    sao2_pct: f64,
    pao2_mmhg: f64,
    flow_l_min: f64,
    bsa_m2: f64,
) -> f64 {
    o2_content_ml_dl(hb_g_dl, sao2_pct, pao2_mmhg) * 10.0 * flow_l_min / bsa_m2
}

/// Indexed oxygen consumption (mL/min/m²) by the Fick principle: (CaO2 − CvO2)·10·Q/BSA.
pub fn vo2i_ml_min_m2(
    hb_g_dl: f64,
    sao2_pct: f64,
    pao2_mmhg: f64,
    svo2_pct: f64,
    pvo2_mmhg: f64,
    flow_l_min: f64,
    bsa_m2: f64,
) -> f64 {
    let cao2 = o2_content_ml_dl(hb_g_dl, sao2_pct, pao2_mmhg);
    let cvo2 = o2_content_ml_dl(hb_g_dl, svo2_pct, pvo2_mmhg);
    (cao2 - cvo2) * 10.0 * flow_l_min / bsa_m2
}

/// Oxygen extraction ratio (%) = (CaO2 − CvO2)/CaO2·100. Undefined (NaN) when CaO2 = 0;
/// callers must reject that input.
pub fn o2er_pct(hb_g_dl: f64, sao2_pct: f64, pao2_mmhg: f64, svo2_pct: f64, pvo2_mmhg: f64) -> f64 {
    let cao2 = o2_content_ml_dl(hb_g_dl, sao2_pct, pao2_mmhg);
    let cvo2 = o2_content_ml_dl(hb_g_dl, svo2_pct, pvo2_mmhg);
    (cao2 - cvo2) / cao2 * 100.0
}

/// Indexed CO2 production measured at the oxygenator exhaust (mL/min/m²):
/// sweep·1000·PeCO2/Pb/BSA. DO2i/VCO2i < 5 predicts lactate (Ranucci 2005).
pub fn vco2i_ml_min_m2(
    sweep_l_min: f64,
    exhaust_co2_mmhg: f64,
    bsa_m2: f64,
    barometric_mmhg: f64,
) -> f64 {
    sweep_l_min * 1000.0 * exhaust_co2_mmhg / barometric_mmhg / bsa_m2
}

/// Hemoglobin O2 saturation (%) from PO2 by Severinghaus's equation
/// 100/(23400/(P³ + 150·P) + 1), applied to the virtual PO2 corrected to 37 °C, pH 7.40 and
/// PCO2 40 mmHg: P = PO2·10^(0.024·(37 − T) + 0.40·(pH − 7.40) + 0.06·log10(40/PCO2)).
///
/// Severinghaus JW. Simple, accurate equations for human blood O2 dissociation computations.
/// J Appl Physiol 1979;46:599–602. Reproduces his table to < 0.6 % (PO2 40 → 74.7 %, 100 → 97.5 %).
pub fn so2_pct(po2_mmhg: f64, temp_c: f64, ph: f64, pco2_mmhg: f64) -> f64 {
    let exponent = 0.024 * (37.0 - temp_c) + 0.40 * (ph - 7.40) + 0.06 * (40.0 / pco2_mmhg).log10();
    so2_standard_pct(po2_mmhg * 10f64.powf(exponent))
}

/// Severinghaus's curve at standard conditions (37 °C, pH 7.40, PCO2 40 mmHg).
pub fn so2_standard_pct(po2_mmhg: f64) -> f64 {
    let p = po2_mmhg.max(0.0);
    100.0 / (23400.0 / (p * p * p + 150.0 * p) + 1.0)
}

/// Sweep (L/min) to bring PaCO2 to a target, assuming CO2 removal ∝ sweep: sweep·PaCO2/target.
pub fn sweep_for_paco2_l_min(sweep_l_min: f64, paco2_mmhg: f64, target_paco2_mmhg: f64) -> f64 {
    sweep_l_min * paco2_mmhg / target_paco2_mmhg
}

/// Oxygen consumption (mL/min) at a temperature from its 37 °C value: VO2·Q10^((T − 37)/10).
///
/// van 't Hoff's Q10; Q10 ≈ 2 (≈ 7 %/°C) for the whole body on CPB (Gravlee; Michenfelder &
/// Milde, Anesthesiology 1991;75:130 for the brain, ≈ 2.2).
pub fn vo2_at_temp_ml_min(vo2_ml_min: f64, temp_c: f64, q10: f64) -> f64 {
    vo2_ml_min * q10.powf((temp_c - 37.0) / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severinghaus_table_checkpoints() {
        // Severinghaus 1979 Table 1: PO2 40 → 74.7 %, 60 → 90.9 %, 100 → 97.5 %; the paper
        // states the equation's largest error against the table as 0.55 % saturation.
        for (po2, so2) in [(40.0, 74.7), (60.0, 90.9), (100.0, 97.5)] {
            assert!((so2_standard_pct(po2) - so2).abs() <= 0.55, "PO2 {po2}");
        }
        // P50 of adult blood is 26.8 mmHg (the curve gives 50 % within half a percent).
        assert!((so2_standard_pct(26.8) - 50.0).abs() < 0.6);
    }

    #[test]
    fn standard_conditions_need_no_correction() {
        assert_eq!(so2_pct(80.0, 37.0, 7.40, 40.0), so2_standard_pct(80.0));
    }

    #[test]
    fn bohr_and_temperature_shifts() {
        // Acidosis and fever shift the curve right (lower SO2); hypothermia shifts it left.
        let normal = so2_pct(40.0, 37.0, 7.40, 40.0);
        assert!(so2_pct(40.0, 37.0, 7.20, 40.0) < normal);
        assert!(so2_pct(40.0, 39.0, 7.40, 40.0) < normal);
        assert!(so2_pct(40.0, 28.0, 7.40, 40.0) > normal);
    }

    #[test]
    fn west_arterial_content() {
        // Hb 15, SO2 97.5 %, PO2 100 → 19.6 + 0.3 = 19.9 mL/dL (West).
        assert!((o2_content_ml_dl(15.0, 97.5, 100.0) - 19.8975).abs() < 1e-9);
    }

    #[test]
    fn ranucci_threshold_example() {
        // Hb 8, SaO2 100 %, PaO2 200, flow 2.4 L/min/m² → DO2i ≈ 272 (model-reference §11 #3).
        let do2i = do2i_ml_min_m2(8.0, 100.0, 200.0, 2.4, 1.0);
        assert!((do2i - 271.68).abs() < 1e-9);
    }

    #[test]
    fn fick_textbook_and_identity() {
        // Resting adult: CaO2 ≈ 20, CvO2 ≈ 15 mL/dL, O2ER ≈ 25 % (West; Guyton & Hall).
        let o2er = o2er_pct(15.0, 97.5, 100.0, 75.0, 40.0);
        assert!((20.0..30.0).contains(&o2er), "{o2er}");
        // Fick: VO2i = DO2i × O2ER.
        let do2i = do2i_ml_min_m2(9.0, 100.0, 250.0, 4.5, 1.9);
        let vo2i = vo2i_ml_min_m2(9.0, 100.0, 250.0, 78.0, 45.0, 4.5, 1.9);
        let o2er = o2er_pct(9.0, 100.0, 250.0, 78.0, 45.0);
        assert!((vo2i - do2i * o2er / 100.0).abs() < 1e-9);
    }

    #[test]
    fn q10_two_is_seven_percent_per_degree() {
        let ratio = vo2_at_temp_ml_min(250.0, 36.0, 2.0) / 250.0;
        assert!((ratio - 0.933).abs() < 1e-3);
        // 10 °C colder halves VO2 at Q10 = 2.
        assert!((vo2_at_temp_ml_min(250.0, 27.0, 2.0) - 125.0).abs() < 1e-9);
    }

    #[test]
    fn exhaust_vco2() {
        // Sweep 3 L/min, PeCO2 25 mmHg at 760 → 98.7 mL/min; over 2 m² → 49.3.
        assert!((vco2i_ml_min_m2(3.0, 25.0, 2.0, 760.0) - 49.342).abs() < 1e-3);
        // Halving sweep at constant PaCO2 target doubles needed… inverse proportionality.
        assert!((sweep_for_paco2_l_min(2.0, 50.0, 40.0) - 2.5).abs() < 1e-12);
    }
}
