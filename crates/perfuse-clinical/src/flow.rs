//! Flow, pressure and resistance: pump flow targets, mean arterial pressure, SVR.

/// Target pump flow (L/min) = BSA × cardiac index.
///
/// Standard CPB practice is a CI of 2.2–2.6 L/min/m² at normothermia (Gravlee,
/// *Cardiopulmonary Bypass*; 2019 EACTS/EACTA/EBCP guideline).
pub fn target_flow_l_min(bsa_m2: f64, cardiac_index_l_min_m2: f64) -> f64 {
    bsa_m2 * cardiac_index_l_min_m2
}

/// Weight-based pump flow (L/min) = weight × mL/kg/min / 1000.
///
/// Pediatric practice, e.g. 150 mL/kg/min for neonates, 100 for 10–20 kg children.
pub fn weight_flow_l_min(weight_kg: f64, ml_per_kg_min: f64) -> f64 {
    weight_kg * ml_per_kg_min / 1000.0
}

/// Roller-pump flow (L/min) = rpm × stroke volume per revolution (mL) / 1000.
///
/// Valid for a fully occlusive roller head (Gravlee ch. 3, blood pumps).
pub fn roller_pump_flow_l_min(rpm: f64, ml_per_rev: f64) -> f64 {
    rpm * ml_per_rev / 1000.0
}

/// Mean arterial pressure (mmHg) = (S + 2D)/3, the classic estimate at resting heart rates.
pub fn map_mmhg(systolic_mmhg: f64, diastolic_mmhg: f64) -> f64 {
    (systolic_mmhg + 2.0 * diastolic_mmhg) / 3.0
}

/// Conversion from Wood units (mmHg·min/L) to dyn·s/cm⁵.
pub const DYN_S_CM5_PER_WOOD_UNIT: f64 = 80.0;

/// Systemic vascular resistance (dyn·s/cm⁵) = 80·(MAP − CVP)/Q.
///
/// On full bypass Q is the pump flow; the factor 80 converts Wood units to dyn·s/cm⁵.
pub fn svr_dyn_s_cm5(map_mmhg: f64, cvp_mmhg: f64, flow_l_min: f64) -> f64 {
    DYN_S_CM5_PER_WOOD_UNIT * (map_mmhg - cvp_mmhg) / flow_l_min
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_examples() {
        // 2.0 m² at CI 2.4 → 4.8 L/min (Gravlee's adult example).
        assert!((target_flow_l_min(2.0, 2.4) - 4.8).abs() < 1e-12);
        // 3.2 kg neonate at 150 mL/kg/min → 0.48 L/min.
        assert!((weight_flow_l_min(3.2, 150.0) - 0.48).abs() < 1e-12);
        // 1/2″ boot, 60 mL/rev, 84 rpm ≈ 5 L/min (model-reference §5).
        assert!((roller_pump_flow_l_min(84.0, 60.0) - 5.04).abs() < 1e-12);
        // 120/80 → 93.3 mmHg (Guyton & Hall).
        assert!((map_mmhg(120.0, 80.0) - 93.333_333).abs() < 1e-5);
        // MAP 93, CVP 3, CO 5 L/min → 18 Wood units = 1440 dyn·s/cm⁵.
        assert!((svr_dyn_s_cm5(93.0, 3.0, 5.0) - 1440.0).abs() < 1e-9);
    }
}
