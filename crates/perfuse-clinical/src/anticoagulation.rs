//! Anticoagulation and cardioplegia doses: heparin, protamine, del Nido.

/// Heparin loading dose (units) = weight × units/kg; 300–400 U/kg for CPB (Bull BS et al.
/// J Thorac Cardiovasc Surg 1975;69:685).
pub fn heparin_dose_units(weight_kg: f64, units_per_kg: f64) -> f64 {
    weight_kg * units_per_kg
}

/// Additional heparin (units) to reach a target ACT by Bull's linear dose–response:
/// slope = (measured − baseline)/dose, extra = (target − measured)/slope; 0 when measured ≥ target.
///
/// Bull BS et al. J Thorac Cardiovasc Surg 1975;69:674 and 685. Callers must ensure
/// measured > baseline (otherwise there is no response to extrapolate).
pub fn heparin_additional_units(
    baseline_act_s: f64,
    measured_act_s: f64,
    dose_units: f64,
    target_act_s: f64,
) -> f64 {
    if measured_act_s >= target_act_s {
        return 0.0;
    }
    let slope_s_per_unit = (measured_act_s - baseline_act_s) / dose_units;
    (target_act_s - measured_act_s) / slope_s_per_unit
}

/// Protamine (mg) to neutralise heparin: heparin/100 × mg per 100 U (classically 1.0;
/// 0.6–0.8 is adequate in recent studies, JECT 2023;55:105).
pub fn protamine_dose_mg(heparin_units: f64, mg_per_100_units: f64) -> f64 {
    heparin_units / 100.0 * mg_per_100_units
}

/// del Nido cardioplegia arresting dose (mL) = min(weight × mL/kg, maximum); 20 mL/kg up to
/// 1 L (Matte GS, del Nido PJ. J Extra Corpor Technol 2012;44:98).
pub fn delnido_dose_ml(weight_kg: f64, ml_per_kg: f64, max_ml: f64) -> f64 {
    (weight_kg * ml_per_kg).min(max_ml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adult_doses() {
        // 80 kg at 400 U/kg → 32,000 U, neutralised by 320 mg protamine at 1:1.
        assert_eq!(heparin_dose_units(80.0, 400.0), 32_000.0);
        assert_eq!(protamine_dose_mg(32_000.0, 1.0), 320.0);
        // del Nido: 12 kg child gets 240 mL; a 70 kg adult is capped at 1 L.
        assert_eq!(delnido_dose_ml(12.0, 20.0, 1000.0), 240.0);
        assert_eq!(delnido_dose_ml(70.0, 20.0, 1000.0), 1000.0);
    }

    #[test]
    fn bull_extrapolation() {
        // 30,000 U took ACT 120 → 420 s (10 ms/U): 80 s more needs 8,000 U.
        let extra = heparin_additional_units(120.0, 420.0, 30_000.0, 500.0);
        assert!((extra - 8_000.0).abs() < 1e-6);
        assert_eq!(heparin_additional_units(120.0, 520.0, 30_000.0, 480.0), 0.0);
    }
}
