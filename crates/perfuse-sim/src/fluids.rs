//! Transcapillary fluid exchange: Starling filtration between plasma and an interstitial
//! compartment, plasma and interstitial protein with their colloid osmotic pressures, and lymph
//! returning fluid and protein. So crystalloid redistributes while albumin stays, plasma refills
//! after haemorrhage, and hemodilution on bypass moves water into the tissues.
//!
//! J_v = Kf·[(P_c − P_i) − σ·(π_p − π_i)] + offset (Starling 1896; Levick & Michel, Cardiovasc
//! Res 2010;87:198), protein J_s = PS·(C_p − C_i) + (1 − σ)·J_v·C_p (convective and diffusive
//! pathways of the two-pore theory, Rippe & Haraldsson 1994, lumped), lymph L(P_i).

/// Landis–Pappenheimer colloid osmotic pressure of a protein solution, mmHg, from total protein
/// in g/dL: 2.1·C + 0.16·C² + 0.009·C³ (Landis EM, Pappenheimer JR, Handbook of Physiology
/// 1963). 7 g/dL → 25.6 mmHg.
pub fn colloid_osmotic_mmhg(protein_g_dl: f64) -> f64 {
    let c = protein_g_dl.max(0.0);
    c * (2.1 + c * (0.16 + 0.009 * c))
}

/// Plasma total protein by age, g/dL: 5.5 at birth, 6.5 at one year, 7.0 from five years
/// (paediatric reference intervals, e.g. Nelson *Textbook of Pediatrics*; adult 6.0–8.0).
fn plasma_protein_g_dl(age_years: f64) -> f64 {
    if age_years < 1.0 {
        5.5 + age_years
    } else {
        (6.5 + 0.125 * (age_years - 1.0)).min(7.0)
    }
}

/// Extracellular fluid, L/kg, by age: 0.45 at birth, 0.27 at one year, 0.2 in adults
/// (Friis-Hansen B, Pediatrics 1961;28:169; Guyton & Hall), linear between, 0.2 from 15 years.
fn ecf_l_per_kg(age_years: f64) -> f64 {
    if age_years < 1.0 {
        0.45 - 0.18 * age_years
    } else {
        (0.27 - 0.005 * (age_years - 1.0)).max(0.2)
    }
}

/// Whole-body capillary filtration coefficient, mL/min/mmHg per 70 kg (Guyton & Hall:
/// ≈ 6.7 for the whole body).
const KF_ML_MIN_MMHG_PER_70_KG: f64 = 6.7;
/// Reflection coefficient of the capillary wall for plasma protein (Taylor AE, Granger DN 1984:
/// 0.9 for most beds).
const SIGMA: f64 = 0.9;
/// Resting lymph flow, mL/min per 70 kg (Guyton & Hall: 2–3 L/day ≈ 2 mL/min).
const LYMPH_ML_MIN_PER_70_KG: f64 = 2.0;
/// Interstitial pressure at rest, mmHg (Guyton: subatmospheric, ≈ −3).
const PI0_MMHG: f64 = -3.0;
/// Lymph flow rises ≈ 20-fold as interstitial pressure rises 6 mmHg to about 0 and then
/// plateaus (Guyton & Hall, the lymph-flow curve).
const LYMPH_MAX_FOLD: f64 = 20.0;
const LYMPH_RANGE_MMHG: f64 = 6.0;
/// Interstitial compliance, fraction of the resting volume per mmHg: stiff below 0 mmHg
/// (≈ 5 %/mmHg), ten times more compliant above 0 once the gel is swollen (edema; Guyton).
const ISF_COMPLIANCE_PER_MMHG: f64 = 0.05;
const ISF_EDEMA_COMPLIANCE_FACTOR: f64 = 10.0;
/// Interstitial protein at rest, g/dL (interstitial colloid osmotic pressure ≈ 8 mmHg; Guyton).
const ISF_PROTEIN_G_DL: f64 = 3.0;
/// Share of the arteriovenous pressure drop before the capillaries: pre-/post-capillary
/// resistance ≈ 4 (Pappenheimer JR, Soto-Rivera A, Am J Physiol 1948;152:471), so
/// P_c = P_v + 0.2·(P_a − P_v).
const CAPILLARY_FRACTION: f64 = 0.2;

/// Fixed coefficients for one patient.
#[derive(Clone, Debug)]
pub struct FluidParams {
    kf_ml_min_mmhg: f64,
    lymph0_ml_min: f64,
    isf0_ml: f64,
    ps_ml_min: f64,
    /// Starling residual at rest, so that filtration equals lymph flow at t = 0.
    offset_mmhg: f64,
}

/// Interstitial fluid and the protein of plasma and interstitium.
#[derive(Clone, Debug)]
pub struct Fluids {
    p: FluidParams,
    /// Interstitial fluid, mL.
    pub isf_ml: f64,
    /// Interstitial protein, g.
    pub isf_protein_g: f64,
    /// Protein in the patient's plasma, g.
    pub plasma_protein_g: f64,
    /// Protein in the circuit's plasma (the prime and what it gained on bypass), g.
    pub circuit_protein_g: f64,
}

/// Pressures and volumes the exchange sees (one slow step).
#[derive(Clone, Copy, Debug)]
pub struct Exchange {
    /// Mean arterial pressure, mmHg.
    pub arterial_mmhg: f64,
    /// Systemic venous pressure, mmHg.
    pub venous_mmhg: f64,
    /// Plasma whose protein the capillaries see (the patient's, plus the circuit's on bypass), mL.
    pub plasma_ml: f64,
    /// Protein in that plasma, g.
    pub plasma_protein_g: f64,
}

/// Capillary hydrostatic pressure, mmHg.
pub fn capillary_mmhg(arterial_mmhg: f64, venous_mmhg: f64) -> f64 {
    venous_mmhg + CAPILLARY_FRACTION * (arterial_mmhg - venous_mmhg)
}

impl Fluids {
    /// At rest for a patient of this age and weight with `plasma_ml` of plasma, and a prime
    /// holding `prime_protein_g` of protein; the balance of the capillaries is set by
    /// [`Fluids::calibrate`].
    pub fn new(age_years: f64, weight_kg: f64, plasma_ml: f64, prime_protein_g: f64) -> Self {
        let scale = weight_kg / 70.0;
        let isf0_ml =
            (ecf_l_per_kg(age_years) * 1000.0 * weight_kg - plasma_ml).max(0.5 * plasma_ml);
        let c_p = plasma_protein_g_dl(age_years) / 100.0;
        let c_i = ISF_PROTEIN_G_DL / 100.0;
        let lymph0 = LYMPH_ML_MIN_PER_70_KG * scale;
        // Protein balance at rest: lymph returns what the two pathways let out.
        let ps = lymph0 * (c_i - (1.0 - SIGMA) * c_p) / (c_p - c_i);
        Fluids {
            p: FluidParams {
                kf_ml_min_mmhg: KF_ML_MIN_MMHG_PER_70_KG * scale,
                lymph0_ml_min: lymph0,
                isf0_ml,
                ps_ml_min: ps.max(0.0),
                offset_mmhg: 0.0,
            },
            isf_ml: isf0_ml,
            isf_protein_g: c_i * isf0_ml,
            plasma_protein_g: c_p * plasma_ml,
            circuit_protein_g: prime_protein_g,
        }
    }

    /// Sets the Starling residual so that, at these pressures, filtration equals resting lymph
    /// flow (the model's capillary pressure is an estimate; the balance at rest is known).
    pub fn calibrate(&mut self, rest: &Exchange) {
        self.p.offset_mmhg = 0.0;
        let j = self.starling_ml_min(rest);
        self.p.offset_mmhg = (self.p.lymph0_ml_min - j) / self.p.kf_ml_min_mmhg;
    }

    /// Interstitial hydrostatic pressure, mmHg.
    pub fn interstitial_mmhg(&self) -> f64 {
        let dv = (self.isf_ml - self.p.isf0_ml) / self.p.isf0_ml;
        let stiff = dv / ISF_COMPLIANCE_PER_MMHG;
        let p = PI0_MMHG + stiff;
        if p <= 0.0 {
            p
        } else {
            // Past 0 mmHg the swollen interstitium is far more compliant.
            let at_zero = -PI0_MMHG * ISF_COMPLIANCE_PER_MMHG;
            (dv - at_zero) / (ISF_COMPLIANCE_PER_MMHG * ISF_EDEMA_COMPLIANCE_FACTOR)
        }
    }

    fn interstitial_cop_mmhg(&self) -> f64 {
        colloid_osmotic_mmhg(100.0 * self.isf_protein_g / self.isf_ml.max(1.0))
    }

    fn starling_ml_min(&self, e: &Exchange) -> f64 {
        let pc = capillary_mmhg(e.arterial_mmhg, e.venous_mmhg);
        let cop_p = colloid_osmotic_mmhg(100.0 * e.plasma_protein_g / e.plasma_ml.max(1.0));
        self.p.kf_ml_min_mmhg
            * ((pc - self.interstitial_mmhg()) - SIGMA * (cop_p - self.interstitial_cop_mmhg())
                + self.p.offset_mmhg)
    }

    /// Lymph flow, mL/min.
    fn lymph_ml_min(&self) -> f64 {
        let rise = ((self.interstitial_mmhg() - PI0_MMHG) / LYMPH_RANGE_MMHG).clamp(0.0, 1.0);
        self.p.lymph0_ml_min * (1.0 + (LYMPH_MAX_FOLD - 1.0) * rise)
    }

    /// Advances by `dt_s`; returns the net fluid (mL) and protein (g) that left the plasma for
    /// the interstitium (negative: returned). `max_out_ml` is what the veins can give.
    pub fn exchange(&mut self, dt_s: f64, e: &Exchange, max_out_ml: f64) -> (f64, f64) {
        let dt_min = dt_s / 60.0;
        let filtered = self.starling_ml_min(e) * dt_min;
        let lymph = self.lymph_ml_min() * dt_min;
        let c_p = e.plasma_protein_g / e.plasma_ml.max(1.0);
        let c_i = self.isf_protein_g / self.isf_ml.max(1.0);
        let protein_out = (self.p.ps_ml_min * (c_p - c_i) * dt_min
            + (1.0 - SIGMA) * filtered.max(0.0) * c_p)
            .min(e.plasma_protein_g);
        let protein_back = (lymph * c_i).min(self.isf_protein_g + protein_out);
        // Never more out of the plasma than the veins hold, nor back than the tissues hold.
        let net_ml = (filtered - lymph).clamp(-(self.isf_ml * 0.5), max_out_ml.max(0.0));
        self.isf_ml += net_ml;
        let net_protein_g = protein_out - protein_back;
        self.isf_protein_g = (self.isf_protein_g + net_protein_g).max(0.0);
        (net_ml, net_protein_g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landis_pappenheimer_normal_plasma() {
        assert!((colloid_osmotic_mmhg(7.0) - 25.6).abs() < 0.1);
        assert!((colloid_osmotic_mmhg(3.0) - 8.0).abs() < 0.1);
    }

    /// 5 % albumin exerts 20.0 mmHg (Landis & Pappenheimer's albumin equation at 5 g/dL); its
    /// plasma-protein equivalent must give the same pressure through the plasma-mix equation.
    #[test]
    fn five_percent_albumin_is_iso_oncotic_at_20_mmhg() {
        let albumin_mmhg: f64 = 5.0 * (2.8 + 5.0 * (0.18 + 0.012 * 5.0));
        assert!((albumin_mmhg - 20.0).abs() < 1e-9);
        let equivalent = colloid_osmotic_mmhg(100.0 * crate::sim::ALBUMIN_5_G_ML);
        assert!((equivalent - albumin_mmhg).abs() < 0.05, "{equivalent}");
    }

    #[test]
    fn ecf_falls_with_age() {
        assert!((ecf_l_per_kg(0.0) - 0.45).abs() < 1e-9);
        assert!((ecf_l_per_kg(1.0) - 0.27).abs() < 1e-9);
        assert!((ecf_l_per_kg(40.0) - 0.2).abs() < 1e-9);
    }

    fn rest() -> (Fluids, Exchange) {
        let plasma = 3360.0;
        let mut f = Fluids::new(65.0, 80.0, plasma, 0.0);
        let e = Exchange {
            arterial_mmhg: 85.0,
            venous_mmhg: 6.0,
            plasma_ml: plasma,
            plasma_protein_g: f.plasma_protein_g,
        };
        f.calibrate(&e);
        (f, e)
    }

    #[test]
    fn at_rest_nothing_moves() {
        let (mut f, e) = rest();
        let (ml, g) = f.exchange(60.0, &e, 1e9);
        assert!(ml.abs() < 1e-9 && g.abs() < 1e-9, "{ml} mL, {g} g");
    }

    /// A litre of crystalloid mostly leaves the plasma within the hour, a litre of 5 % albumin
    /// mostly stays (Hahn RG, Anesthesiology 2010;113:470: 20–50 % vs ≈ 80 %).
    #[test]
    fn crystalloid_leaves_albumin_stays() {
        for (protein_g, low, high) in [(0.0, 0.15, 0.5), (50.0, 0.65, 1.0)] {
            let (mut f, e0) = rest();
            let mut e = Exchange {
                plasma_ml: e0.plasma_ml + 1000.0,
                plasma_protein_g: e0.plasma_protein_g + protein_g,
                venous_mmhg: e0.venous_mmhg + 2.0,
                ..e0
            };
            for _ in 0..600 {
                let (ml, g) = f.exchange(6.0, &e, 1e9);
                e.plasma_ml -= ml;
                e.plasma_protein_g -= g;
                // Venous pressure follows the extra plasma volume back down.
                e.venous_mmhg = e0.venous_mmhg + 2.0 * (e.plasma_ml - e0.plasma_ml) / 1000.0;
            }
            let retained = (e.plasma_ml - e0.plasma_ml) / 1000.0;
            assert!(
                (low..=high).contains(&retained),
                "{protein_g} g: {retained}"
            );
        }
    }
}
