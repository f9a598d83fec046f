//! Drugs: heparin pharmacokinetics and the ACT, protamine neutralisation, bivalirudin (the
//! anticoagulant of heparin-induced thrombocytopenia), vasoactive boluses, and the potassium
//! load of cardioplegia.

use crate::action::{CardioplegiaKind, Drug};

/// Heparin half-life, min, as a function of its concentration (U/mL): 30 + 21.6·c. Fits the
/// dose-dependent half-lives 100 U/kg ≈ 60 min and 400 U/kg ≈ 150 min (25 U/kg: 37 vs ≈ 30;
/// Hirsh, ACCP; saturable + linear clearance, de Swart CA et al., Blood 1982;60:1251) in a
/// 72 mL/kg distribution volume.
fn heparin_half_life_min(conc_u_ml: f64) -> f64 {
    30.0 + 21.6 * conc_u_ml
}

/// ACT rise per U/mL of heparin, s. Bull BS et al. (J Thorac Cardiovasc Surg 1975;69:685):
/// linear dose–response; 300 U/kg (≈ 4.2 U/mL) gives 308–520 s. Set in the upper half of
/// Bull's spread so that the standard 300–400 U/kg loading dose reaches the clinical target of
/// ACT > 480 s from a 100–140 s baseline, as the protocols built on it expect (Gravlee;
/// model-reference §7 derives ≈ 75 for a mid-spread patient); resistant patients have
/// `heparin_sensitivity` < 1.
const ACT_S_PER_U_ML: f64 = 110.0;
/// Fractional ACT prolongation per unit of clotting-factor dilution (hemodilution prolongs
/// the ACT; Gravlee, anticoagulation chapter; coefficient assumed).
const ACT_DILUTION_GAIN: f64 = 0.6;
/// Protamine neutralises 100 U of heparin per mg (1 mg : 100 U; JECT 2023;55:105).
const UNITS_PER_MG_PROTAMINE: f64 = 100.0;
/// Heparin–protamine binding time constant, s (ionic complexation is almost immediate; assumed).
const BINDING_TAU_S: f64 = 5.0;
/// Free protamine half-life, min (Butterworth J et al., Ann Thorac Surg 2002;74:1589: 4.5 min).
const PROTAMINE_HALF_LIFE_MIN: f64 = 4.5;
/// Time constant of potassium redistribution and renal loss, min (assumption; a cardioplegia
/// K⁺ load clears over tens of minutes).
const POTASSIUM_TAU_MIN: f64 = 20.0;
/// Heparin elimination slows with cooling and stops near 25 °C (Cohen JA et al., Anesth Analg
/// 1977;56:564: plasma heparin stable during hypothermic bypass at ≈ 25 °C): the rate is scaled
/// by (T − 25)/12, linear up to 37 °C (fit).
const HEPARIN_ELIMINATION_STOPS_C: f64 = 25.0;

/// Bivalirudin half-life, min: 25 with normal renal function, 80 % of it cleared by proteolysis
/// (thrombin) and 20 % by the kidney (Warkentin TE, Koster A, Expert Opin Pharmacother
/// 2005;6:1349; Angiomax label). Hypothermia's effect on it is not modelled.
const BIVALIRUDIN_HALF_LIFE_MIN: f64 = 25.0;
/// ACT rise per µg/mL of bivalirudin, s (assumption, calibrated so that the CHOOSE-ON /
/// EVOLUTION-ON regimen — 1 mg/kg bolus, 50 mg in the prime, 2.5 mg/kg/h — holds an adult's
/// ACT at the trials' target of ≥ 2.5 × baseline on bypass; Dyke CM et al., J Thorac Cardiovasc
/// Surg 2006;131:533; Koster A et al., Ann Thorac Surg 2007;83:572). Its distribution volume is
/// the extracellular fluid, ≈ 0.2 L/kg (label).
const ACT_S_PER_UG_ML_BIVALIRUDIN: f64 = 25.0;

/// Potassium delivered with each cardioplegia, mmol/L: del Nido ≈ 24 after 1:4 mixing with
/// blood (Kachoueian 2024; derived), Buckberg 4:1 induction 20 (Anesthesiol Clin 2019;37:769),
/// St Thomas' No. 2 16 mmol/L.
pub fn cardioplegia_k_mmol_l(kind: CardioplegiaKind) -> f64 {
    match kind {
        CardioplegiaKind::DelNido => 24.0,
        CardioplegiaKind::Blood4To1 => 20.0,
        CardioplegiaKind::Crystalloid => 16.0,
    }
}

/// Crystalloid fraction of each cardioplegia (the blood part comes from the circuit, so only
/// this fraction adds volume): del Nido 4/5, 4:1 blood 1/5, crystalloid 1.
pub fn cardioplegia_crystalloid_fraction(kind: CardioplegiaKind) -> f64 {
    match kind {
        CardioplegiaKind::DelNido => 0.8,
        CardioplegiaKind::Blood4To1 => 0.2,
        CardioplegiaKind::Crystalloid => 1.0,
    }
}

/// Bolus effect model: effect = max·A/(A + ED50·weight/80 kg), with the amount A decaying at
/// the effect half-life. (resistance max, Emax max, venous capacity max as fraction of blood
/// volume, ED50 for 80 kg, half-life min). Magnitudes from Stoelting's *Pharmacology and
/// Physiology in Anesthetic Practice* (phenylephrine 50–100 mcg raises MAP 10–20 % for 5–10
/// min; norepinephrine 4–8 mcg similar with inotropy; nitroglycerin 50–100 mcg venodilates
/// for a few minutes; CaCl2 0.5–1 g modest inotropy) — ⚠ approximate.
struct DrugModel {
    resistance: f64,
    emax: f64,
    venous_fraction: f64,
    ed50: f64,
    half_life_min: f64,
}

fn drug_model(drug: Drug) -> DrugModel {
    match drug {
        // α1 agonists also constrict the capacitance veins, recruiting unstressed (mostly
        // splanchnic) volume: on bypass the reservoir level rises (Gelman S, Anesthesiology
        // 2008;108:735; magnitude ≈ 12 % of blood volume at full effect, fitted so that 100 µg on
        // bypass raises the reservoir by a few hundred mL, an assumption).
        Drug::Phenylephrine => DrugModel {
            resistance: 1.0,
            emax: 0.0,
            venous_fraction: -0.12,
            ed50: 100.0,
            half_life_min: 5.0,
        },
        Drug::Norepinephrine => DrugModel {
            resistance: 0.6,
            emax: 0.3,
            venous_fraction: -0.08,
            ed50: 8.0,
            half_life_min: 2.5,
        },
        Drug::Nitroglycerin => DrugModel {
            resistance: -0.25,
            emax: 0.0,
            venous_fraction: 0.05,
            ed50: 100.0,
            half_life_min: 3.0,
        },
        Drug::CalciumChloride => DrugModel {
            resistance: 0.1,
            emax: 0.15,
            venous_fraction: 0.0,
            ed50: 500.0,
            half_life_min: 10.0,
        },
    }
}

/// Combined hemodynamic drug effects.
#[derive(Clone, Copy, Debug, Default)]
pub struct DrugEffect {
    /// Multiplier − 1 on peripheral resistance.
    pub resistance: f64,
    /// Multiplier − 1 on Emax.
    pub emax: f64,
    /// Added venous unstressed volume, fraction of blood volume.
    pub venous_fraction: f64,
}

/// Drug amounts and potassium.
#[derive(Clone, Debug)]
pub struct Pharm {
    /// Heparin in the connected plasma, U.
    pub heparin_u: f64,
    /// Free protamine, mg.
    pub protamine_mg: f64,
    /// Bivalirudin in the extracellular fluid, mg.
    pub bivalirudin_mg: f64,
    /// Bivalirudin infusion, mg/min.
    pub bivalirudin_mg_min: f64,
    /// Effect-site amount per drug (index = position in [`Drug::ALL`]).
    drug_amount: [f64; 4],
    /// Potassium above baseline in the ECF, mmol.
    pub k_excess_mmol: f64,
}

impl Pharm {
    /// No drugs given.
    pub fn new() -> Self {
        Pharm {
            heparin_u: 0.0,
            protamine_mg: 0.0,
            bivalirudin_mg: 0.0,
            bivalirudin_mg_min: 0.0,
            drug_amount: [0.0; 4],
            k_excess_mmol: 0.0,
        }
    }

    /// A vasoactive bolus.
    pub fn give(&mut self, drug: Drug, dose: f64) {
        self.drug_amount[drug_index(drug)] += dose;
    }

    /// Advances by `dt_s` with heparin distributed in `space_ml`, the body at `core_c`.
    pub fn update(&mut self, dt_s: f64, space_ml: f64, core_c: f64) {
        let dt_min = dt_s / 60.0;
        let bound = (self
            .heparin_u
            .min(self.protamine_mg * UNITS_PER_MG_PROTAMINE))
            * (1.0 - (-dt_s / BINDING_TAU_S).exp());
        self.heparin_u -= bound;
        self.protamine_mg -= bound / UNITS_PER_MG_PROTAMINE;
        let conc = self.heparin_u / space_ml;
        let ln2 = std::f64::consts::LN_2;
        let cold = ((core_c - HEPARIN_ELIMINATION_STOPS_C) / (37.0 - HEPARIN_ELIMINATION_STOPS_C))
            .clamp(0.0, 1.0);
        self.heparin_u *= (-ln2 * dt_min * cold / heparin_half_life_min(conc)).exp();
        self.protamine_mg *= (-ln2 * dt_min / PROTAMINE_HALF_LIFE_MIN).exp();
        self.bivalirudin_mg = (self.bivalirudin_mg + self.bivalirudin_mg_min * dt_min)
            * (-ln2 * dt_min / BIVALIRUDIN_HALF_LIFE_MIN).exp();
        for (amount, drug) in self.drug_amount.iter_mut().zip(Drug::ALL) {
            *amount *= (-ln2 * dt_min / drug_model(*drug).half_life_min).exp();
        }
        self.k_excess_mmol *= (-dt_min / POTASSIUM_TAU_MIN).exp();
    }

    /// ACT (s) = (ACT0 + sensitivity·110·[heparin] + 25·[bivalirudin]) × (1 + 0.6·dilution),
    /// with heparin (U) distributed in `space_ml`, bivalirudin (mg) in `ecf_ml`, and dilution
    /// the fraction of plasma that is not the patient's. Heparin sensitivity is antithrombin's;
    /// bivalirudin inhibits thrombin directly and does not depend on it.
    pub fn act_s(
        &self,
        act0_s: f64,
        sensitivity: f64,
        space_ml: f64,
        ecf_ml: f64,
        dilution: f64,
    ) -> f64 {
        (act0_s
            + sensitivity * ACT_S_PER_U_ML * self.heparin_u / space_ml
            + ACT_S_PER_UG_ML_BIVALIRUDIN * self.bivalirudin_ug_ml(ecf_ml))
            * (1.0 + ACT_DILUTION_GAIN * dilution)
    }

    /// Bivalirudin concentration, µg/mL, in `ecf_ml` of extracellular fluid.
    pub fn bivalirudin_ug_ml(&self, ecf_ml: f64) -> f64 {
        1000.0 * self.bivalirudin_mg / ecf_ml.max(100.0)
    }

    /// Plasma potassium, mmol/L, with the excess spread over `ecf_ml` of extracellular fluid
    /// (the patient's plasma and interstitium, and the circuit's prime while connected).
    pub fn k_mmol_l(&self, k0_mmol_l: f64, ecf_ml: f64) -> f64 {
        k0_mmol_l + self.k_excess_mmol / (ecf_ml.max(100.0) / 1000.0)
    }

    /// Present hemodynamic effect of all boluses for a patient of `weight_kg`.
    pub fn effect(&self, weight_kg: f64) -> DrugEffect {
        let mut e = DrugEffect::default();
        for (amount, drug) in self.drug_amount.iter().zip(Drug::ALL) {
            let m = drug_model(*drug);
            let occupancy = amount / (amount + m.ed50 * weight_kg / 80.0);
            e.resistance += m.resistance * occupancy;
            e.emax += m.emax * occupancy;
            e.venous_fraction += m.venous_fraction * occupancy;
        }
        e
    }
}

fn drug_index(drug: Drug) -> usize {
    Drug::ALL.iter().position(|d| *d == drug).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protamine_neutralises_heparin() {
        let mut p = Pharm::new();
        p.heparin_u = 32000.0;
        p.protamine_mg = 320.0;
        for _ in 0..1200 {
            p.update(0.1, 3400.0, 37.0);
        }
        assert!(p.heparin_u < 0.03 * 32000.0, "{}", p.heparin_u);
    }

    /// Cohen 1977: heparin is hardly eliminated near 25 °C.
    #[test]
    fn heparin_clearance_slows_with_cold() {
        let after_hour = |core_c: f64| {
            let mut p = Pharm::new();
            p.heparin_u = 24000.0;
            for _ in 0..36000 {
                p.update(0.1, 5600.0, core_c);
            }
            p.heparin_u / 24000.0
        };
        let (warm, cool, cold) = (after_hour(37.0), after_hour(28.0), after_hour(25.0));
        assert!(
            warm < 0.75 && cool > warm + 0.15 && cold > 0.999,
            "{warm} {cool} {cold}"
        );
    }
}
