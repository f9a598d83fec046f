//! Invariants of the formulas over their whole accepted input space (proptest).

use perfuse_clinical::catalog::{self, Bound, Given, InputError, InputKind};
use perfuse_clinical::{blood, body, oxygen};
use proptest::prelude::*;

proptest! {
    /// Taller or heavier never means a smaller body surface, whatever the formula.
    #[test]
    fn bsa_is_monotone(height_cm in 20.0..272.0f64, weight_kg in 0.3..650.0f64, dh in 0.0..20.0f64, dw in 0.0..50.0f64) {
        for method in body::BsaMethod::ALL {
            let base = body::bsa_m2(method, height_cm, weight_kg);
            prop_assert!(base > 0.0 && base.is_finite());
            prop_assert!(body::bsa_m2(method, (height_cm + dh).min(272.0), weight_kg) >= base);
            prop_assert!(body::bsa_m2(method, height_cm, (weight_kg + dw).min(650.0)) >= base);
        }
    }

    /// Mixing blood with prime lands between the two hematocrits; extra fluid only lowers it.
    #[test]
    fn on_bypass_hct_lies_between_prime_and_patient(ebv_ml in 100.0..10000.0f64, hct_pct in 5.0..80.0f64,
            prime_ml in 50.0..3000.0f64, prime_hct_pct in 0.0..80.0f64, fluids_ml in 0.0..3000.0f64) {
        let mixed = blood::on_bypass_hct_pct(ebv_ml, hct_pct, prime_ml, prime_hct_pct, 0.0);
        prop_assert!(mixed >= hct_pct.min(prime_hct_pct) - 1e-9);
        prop_assert!(mixed <= hct_pct.max(prime_hct_pct) + 1e-9);
        prop_assert!(blood::on_bypass_hct_pct(ebv_ml, hct_pct, prime_ml, prime_hct_pct, fluids_ml) <= mixed + 1e-9);
    }

    /// Saturation stays within 0–100 % and rises with PO2 for any temperature, pH and PCO2.
    #[test]
    fn saturation_is_bounded_and_monotone(po2 in 0.0..800.0f64, dp in 0.0..50.0f64, temp_c in 10.0..45.0f64,
            ph in 6.5..8.0f64, pco2 in 5.0..150.0f64) {
        let so2 = oxygen::so2_pct(po2, temp_c, ph, pco2);
        prop_assert!((0.0..=100.0).contains(&so2));
        prop_assert!(oxygen::so2_pct(po2 + dp, temp_c, ph, pco2) >= so2);
    }

    /// Any in-range input to any calculation gives a finite value or a named refusal — never
    /// NaN, infinity or a panic.
    #[test]
    fn every_calculation_is_total_on_its_accepted_inputs(seed in proptest::collection::vec(0.0..1.0f64, 8), pick in any::<prop::sample::Index>()) {
        let calculation = &catalog::all()[pick.index(catalog::all().len())];
        let mut given = Given::default();
        for (input, u) in calculation.inputs.iter().zip(seed.iter().cycle()) {
            match &input.kind {
                InputKind::Number { range, .. } => {
                    let low = match range.min { Bound::Inclusive(v) => v, Bound::Exclusive(v) => v + 1e-3, Bound::Unbounded => -1e3 };
                    let high = match range.max { Bound::Inclusive(v) | Bound::Exclusive(v) => v, Bound::Unbounded => low.max(0.0) + 1e4 };
                    given = given.number(input.flag, low + u * (high - low));
                }
                InputKind::Choice { choices, .. } => {
                    given = given.choice(input.flag, choices[(u * choices.len() as f64) as usize % choices.len()].name);
                }
            }
        }
        match calculation.evaluate(&given) {
            Ok(outcome) => prop_assert!(outcome.value.is_finite(), "{} gave {}", calculation.name, outcome.value),
            Err(InputError::Inconsistent { .. }) => {}
            Err(other) => prop_assert!(false, "{}: in-range input refused: {other}", calculation.name),
        }
    }
}
