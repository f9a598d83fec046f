//! Hemodilution and blood management: on-bypass hematocrit, red cells and ultrafiltration
//! needed to reach a target.
//!
//! All three are red-cell mass balances: red-cell volume is conserved while plasma volume
//! changes (Gravlee, *Cardiopulmonary Bypass*, hemodilution chapter).

/// Predicted hematocrit (%) once the patient's blood mixes with the prime and added fluids:
/// (EBV·Hct + prime·primeHct)/(EBV + prime + fluids).
pub fn on_bypass_hct_pct(
    ebv_ml: f64,
    hct_pct: f64,
    prime_ml: f64,
    prime_hct_pct: f64,
    fluids_ml: f64,
) -> f64 {
    (ebv_ml * hct_pct + prime_ml * prime_hct_pct) / (ebv_ml + prime_ml + fluids_ml)
}

/// Packed red cells (mL) to raise the circulating hematocrit from `current` to `target`:
/// (EBV + prime)·(target − current)/(prbcHct − target), 0 when target ≤ current.
///
/// The transfused volume itself stays in the circulation, hence the denominator.
/// Callers must ensure `prbc_hct_pct > target_hct_pct` (otherwise the target is unreachable).
pub fn prbc_volume_ml(
    ebv_ml: f64,
    prime_ml: f64,
    current_hct_pct: f64,
    target_hct_pct: f64,
    prbc_hct_pct: f64,
) -> f64 {
    if target_hct_pct <= current_hct_pct {
        return 0.0;
    }
    (ebv_ml + prime_ml) * (target_hct_pct - current_hct_pct) / (prbc_hct_pct - target_hct_pct)
}

/// Plasma water (mL) to remove by ultrafiltration to raise Hct from `current` to `target`:
/// V·(1 − current/target), 0 when target ≤ current.
pub fn ultrafiltration_volume_ml(
    circulating_volume_ml: f64,
    current_hct_pct: f64,
    target_hct_pct: f64,
) -> f64 {
    if target_hct_pct <= current_hct_pct {
        return 0.0;
    }
    circulating_volume_ml * (1.0 - current_hct_pct / target_hct_pct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gravlee_adult_hemodilution() {
        // 70 kg, EBV 4.9 L, Hct 40 %, 1.5 L crystalloid prime → ≈ 30.6 % (model-reference §11 #4).
        let hct = on_bypass_hct_pct(4900.0, 40.0, 1500.0, 0.0, 0.0);
        assert!((hct - 30.625).abs() < 1e-9);
    }

    #[test]
    fn prbc_raises_hct_to_target() {
        // 5000 mL circulating at Hct 20; adding V of Hct-60 cells must land exactly on 25.
        let volume_ml = prbc_volume_ml(4000.0, 1000.0, 20.0, 25.0, 60.0);
        let after = (5000.0 * 20.0 + volume_ml * 60.0) / (5000.0 + volume_ml);
        assert!((after - 25.0).abs() < 1e-9);
        assert_eq!(prbc_volume_ml(4000.0, 1000.0, 26.0, 25.0, 60.0), 0.0);
    }

    #[test]
    fn ultrafiltration_conserves_red_cells() {
        // Removing plasma water from 5000 mL at Hct 20 to reach 25 leaves 4000 mL: remove 1000.
        assert!((ultrafiltration_volume_ml(5000.0, 20.0, 25.0) - 1000.0).abs() < 1e-9);
        assert_eq!(ultrafiltration_volume_ml(5000.0, 25.0, 20.0), 0.0);
    }
}
