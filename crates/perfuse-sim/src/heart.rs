//! The heart: time-varying elastance ventricles (Suga & Sagawa 1974; Ursino 1998), beat timing,
//! the rhythm a monitor shows, and the myocardium of cardiac surgery — cardioplegic arrest that
//! washes out, ischaemia that accumulates under the cross-clamp at a rate set by temperature and
//! electrical activity, and the function the heart has after reperfusion.

use crate::action::CardioplegiaKind;
use crate::observe::Rhythm;
use crate::rng::SplitMix64;

/// One ventricle: P = φ·Emax·(V − V_u) + (1 − φ)·P0·(e^{kE·V} − 1), φ the activation
/// (Ursino M, Am J Physiol 1998;275:H1733).
#[derive(Clone, Debug)]
pub struct Ventricle {
    /// End-systolic elastance at normal sympathetic tone, mmHg/mL.
    pub emax_mmhg_ml: f64,
    /// Unstressed (dead) volume, mL.
    pub unstressed_ml: f64,
    /// Diastolic pressure scale P0, mmHg.
    pub p0_mmhg: f64,
    /// Diastolic stiffness kE, 1/mL.
    pub ke_per_ml: f64,
}

impl Ventricle {
    /// Pressure (mmHg) and its local slope dP/dV (mmHg/mL) at volume `v_ml`; `stiffness` scales
    /// the diastolic curve (1 = normal).
    pub fn pressure(
        &self,
        v_ml: f64,
        activation: f64,
        emax_factor: f64,
        stiffness: f64,
    ) -> (f64, f64) {
        let emax = self.emax_mmhg_ml * emax_factor;
        let p0 = self.p0_mmhg * stiffness;
        let passive = p0 * (self.ke_per_ml * v_ml).exp();
        let p =
            activation * emax * (v_ml - self.unstressed_ml) + (1.0 - activation) * (passive - p0);
        let e = activation * emax + (1.0 - activation) * passive * self.ke_per_ml;
        (p, e)
    }
}

/// Systole duration T_sys = T_sys0 − k_sys/T with T_sys0 = 0.5 s, k_sys = 0.075 s²
/// (Ursino 1998).
fn systole_s(period_s: f64) -> f64 {
    0.5 - 0.075 / period_s
}

/// Beat-to-beat period variability, ± fraction (heart-rate variability of anaesthetised
/// patients is a few per cent; assumption).
const PERIOD_JITTER: f64 = 0.01;

/// Escape rates, 1/min: junctional 40–60, ventricular escape in high-grade AV block 20–40
/// (Goldberger, *Clinical Electrocardiography*).
const JUNCTIONAL_BPM: f64 = 45.0;
const AV_BLOCK_ESCAPE_BPM: f64 = 35.0;

/// Serum potassium thresholds of conduction, mmol/L (Weisberg LS, Crit Care Med
/// 2008;36:3246: 6.5–7.5 PR prolongation and AV block, 7.0–8.0 QRS widening, above 8
/// sine-wave, ventricular fibrillation or asystole). Pacing no longer captures above 8.
const K_AV_BLOCK_MMOL_L: f64 = 6.5;
const K_ASYSTOLE_MMOL_L: f64 = 8.0;

/// Cardioplegia washout time at 37 °C, min: the time a full induction dose keeps the heart
/// arrested when the myocardium is normothermic: del Nido 60 (60–90 min; lidocaine and magnesium
/// prolong it; Matte GS, del Nido PJ, JECT 2012;44:98), 4:1 blood and crystalloid 20–30 min
/// (redosing every 15–30 min; Searles B et al., JECT 2021). The spec of scenario.md; cold
/// delivery lengthens them (a single cold del Nido dose lasts ≈ 90 min, Matte & del Nido 2012).
fn washout_37_min(kind: CardioplegiaKind) -> f64 {
    match kind {
        CardioplegiaKind::DelNido => 60.0,
        CardioplegiaKind::Blood4To1 => 25.0,
        CardioplegiaKind::Crystalloid => 25.0,
    }
}

/// A full induction dose, mL/kg, and its ceiling, mL: del Nido 20 mL/kg up to 1000 mL
/// (Kachoueian N et al., JECT 2024;56:159); blood 4:1 and crystalloid 10–20 mL/kg in common
/// protocols (15 assumed), same ceiling.
pub fn full_dose_ml(kind: CardioplegiaKind, weight_kg: f64) -> f64 {
    let per_kg = match kind {
        CardioplegiaKind::DelNido => 20.0,
        CardioplegiaKind::Blood4To1 | CardioplegiaKind::Crystalloid => 15.0,
    };
    (per_kg * weight_kg).min(1000.0)
}

/// The usual solution temperature, °C: del Nido and crystalloid are given cold at ≈ 4 °C,
/// 4:1 blood cardioplegia cooled to 8–12 °C through the cardioplegia heat exchanger (Searles
/// 2021; assumption within those).
pub fn usual_temp_c(kind: CardioplegiaKind) -> f64 {
    match kind {
        CardioplegiaKind::DelNido | CardioplegiaKind::Crystalloid => 4.0,
        CardioplegiaKind::Blood4To1 => 10.0,
    }
}

/// Q10 of myocardial O2 demand (Buckberg GD et al., J Thorac Cardiovasc Surg 1977;73:87:
/// arrested-heart VO2 1.1 mL/100 g/min at 37 °C, 0.3 at 22 °C, Q10 ≈ 2.4; 2 taken).
const MYOCARDIAL_Q10: f64 = 2.0;
/// Q10 of cardioplegia washout: it is carried off mainly by non-coronary collateral flow, which
/// cooling slows less than metabolism (assumption: 1.3, so a cold dose lasts ≈ 1.4 times longer
/// at 25 °C than at 37 °C: ≈ 35 min for cold blood cardioplegia, redosed every 20 min, and
/// ≈ 85 min for a single cold del Nido dose, redosed after 90).
const WASHOUT_Q10: f64 = 1.3;

/// O2 demand relative to the beating empty heart (5.6 mL/100 g/min at 37 °C; Buckberg 1977):
/// cardioplegic arrest 1.1/5.6, fibrillation 6.5/5.6.
const ARRESTED_DEMAND: f64 = 0.2;
const VF_DEMAND: f64 = 1.16;

/// Myocardial mass as cardioplegia volume equivalent, mL/kg (heart ≈ 4.5 g/kg in adults; the
/// solution and the tissue have similar heat capacity): sets how fast delivery cools the
/// septum (≈ 10–15 °C after 2–3 min of cold cardioplegia; Gravlee, myocardial protection).
const MYOCARDIUM_ML_PER_KG: f64 = 4.5;
/// Myocardial rewarming time constant under the clamp (non-coronary collateral flow and
/// contact with the pericardium and blood), min; and with coronary flow after the clamp, min
/// (assumptions: after cold cardioplegia the septum stays well below body temperature for most
/// of an hour between doses, and takes the blood's temperature within minutes when perfused).
const REWARM_CLAMPED_MIN: f64 = 40.0;
const REWARM_PERFUSED_MIN: f64 = 2.0;
/// Washout of the arresting agent once the coronaries are perfused, min (the heart restarts
/// within a few minutes of clamp removal; Gravlee; assumption).
const REPERFUSED_WASHOUT_MIN: f64 = 2.0;

/// Warm-equivalent ischaemic minutes under the clamp after which an unarrested heart
/// fibrillates (warm ischaemia: contractions cease and VF or ischaemic arrest follow within
/// minutes; assumption).
const ISCHAEMIC_VF_MIN: f64 = 5.0;
/// Reperfusion: ventricular fibrillation when the accumulated ischaemia reaches this many
/// warm-equivalent minutes — where irreversible injury begins — or the myocardium is still
/// colder than this (reperfusion VF is the rule after poor protection and after cold
/// reperfusion: 84 % needed defibrillation after cold cardioplegia, Kavanagh BP et al.,
/// Anesthesiology 1991). The lidocaine of del Nido solution exempts a cold heart (fewer
/// reperfusion arrhythmias; Matte & del Nido 2012). Thresholds are assumptions.
const REPERFUSION_VF_MIN: f64 = 15.0;
const REPERFUSION_VF_BELOW_C: f64 = 28.0;

/// Irreversible injury: fraction of the myocardium lost after D warm-equivalent minutes,
/// 0.75·(1 − e^{−(D − 15)/80}) — necrosis begins after ≈ 15–20 min of warm ischaemia
/// (Jennings RB et al., Am J Pathol 1960;70:68) and spreads as a wavefront: 28 % of the area
/// at risk at 40 min, 57 % at 3 h, 71 % at 6 h (Reimer KA et al., Circulation 1977;56:786;
/// fit).
fn infarct_fraction(ischaemia_min: f64) -> f64 {
    0.75 * (1.0 - (-(ischaemia_min - 15.0).max(0.0) / 80.0).exp())
}

/// Reversible dysfunction (stunning) right after reperfusion, fraction of function lost: D/60,
/// at most 0.6 (Braunwald E, Kloner RA, Circulation 1982;66:1146: 15 min of ischaemia stuns for
/// hours; magnitude an assumption), recovering with this time constant, min.
fn stunning_fraction(ischaemia_min: f64) -> f64 {
    (ischaemia_min / 60.0).min(0.6)
}
const STUNNING_RECOVERY_MIN: f64 = 120.0;
/// Diastolic stiffening per unit of function lost (see [`Heart::diastolic_stiffness`]).
const DIASTOLIC_STIFFENING: f64 = 2.0;

/// Internal defibrillation: energy that defibrillates, J — 0.5 J/kg, 10 J at most (internal
/// paddles 10–20 J in adults, 0.5–1 J/kg in children; Gravlee). Success per shock 0.8 when
/// warm and at least that energy (assumption), 0.2 below 30 °C (the cold myocardium
/// refibrillates; rewarm first) or below the energy.
const DEFIB_J_PER_KG: f64 = 0.5;
const DEFIB_MAX_THRESHOLD_J: f64 = 10.0;
const DEFIB_SUCCESS: f64 = 0.8;
const DEFIB_SUCCESS_POOR: f64 = 0.2;
const DEFIB_COLD_BELOW_C: f64 = 30.0;

/// What the heart sees each slow step.
#[derive(Clone, Copy, Debug)]
pub struct HeartInputs {
    /// Aortic cross-clamp on (no coronary flow).
    pub clamp_on: bool,
    /// Serum potassium, mmol/L.
    pub k_mmol_l: f64,
    /// Temperature of the blood perfusing the heart (arterial), °C.
    pub blood_c: f64,
    /// Core temperature, °C (the pericardium and the collateral flow under the clamp).
    pub core_c: f64,
}

/// Rhythm, beat timing and the myocardium.
#[derive(Clone, Debug)]
pub struct Heart {
    /// Time since the current beat started, s.
    beat_time_s: f64,
    /// Period of the current beat, s.
    period_s: f64,
    /// Rhythm now.
    pub rhythm: Rhythm,
    /// Myocardial (septal) temperature, °C.
    pub myocardium_c: f64,
    /// Arresting agent (myocardial K⁺, with lidocaine/Mg for del Nido), relative to the level
    /// that keeps the heart arrested: ≥ 1 arrested; e ≈ 2.72 after a full induction dose.
    arrest_agent: f64,
    /// Washout time at 37 °C of the last solution given, min.
    washout_37_min: f64,
    /// The last solution carried lidocaine (del Nido), which stabilises the reperfused
    /// myocardium against fibrillation.
    lidocaine: bool,
    /// Warm-equivalent ischaemic minutes accumulated under cross-clamps.
    pub ischaemia_min: f64,
    /// Ischaemic minutes of the present clamp.
    clamp_ischaemia_min: f64,
    /// Latched ventricular fibrillation (until defibrillated).
    fibrillating: bool,
    /// The heart was quiescent (arrested, asystolic) at the last update, so the next
    /// activity is a restart.
    quiescent: bool,
    /// Epicardial pacing rate, 1/min (0 = off).
    pacing_bpm: f64,
    /// Irreversibly lost fraction of function.
    infarct: f64,
    /// Reversibly lost fraction (stunning), recovering.
    stunning: f64,
    /// Beat-to-beat period jitter.
    jitter_rng: SplitMix64,
    /// Outcome of defibrillation shocks (a separate stream, so shocks leave the jitter alone).
    shock_rng: SplitMix64,
}

/// Why a defibrillation or pacing request did nothing.
pub type Refusal = &'static str;

impl Heart {
    /// A beating heart in sinus rhythm with the given initial period, at `core_c`.
    pub fn new(period_s: f64, core_c: f64, seed: u64) -> Self {
        Heart {
            beat_time_s: 0.0,
            period_s,
            rhythm: Rhythm::Sinus,
            myocardium_c: core_c,
            arrest_agent: 0.0,
            washout_37_min: washout_37_min(CardioplegiaKind::DelNido),
            lidocaine: false,
            ischaemia_min: 0.0,
            clamp_ischaemia_min: 0.0,
            fibrillating: false,
            quiescent: false,
            pacing_bpm: 0.0,
            infarct: 0.0,
            stunning: 0.0,
            jitter_rng: SplitMix64::new(seed),
            shock_rng: SplitMix64::new(seed ^ 0xD1FB_5EED_0000_0001),
        }
    }

    /// Whether the ventricles contract (sinus, escape, paced).
    pub fn beats(&self) -> bool {
        !matches!(self.rhythm, Rhythm::Asystole | Rhythm::Vf)
    }

    /// Whether the heart is arrested by cardioplegia now.
    pub fn cardioplegic_arrest(&self) -> bool {
        self.arrest_agent >= 1.0
    }

    /// Advances the beat clock by `dt_s` and returns the activation φ ∈ [0, 1] —
    /// sin²(π·t/T_sys) in systole, 0 in diastole (Ursino 1998) — and whether a beat started.
    /// `reflex_period_s` is the baroreflex's sinus period; escape and paced rhythms keep their
    /// own rate.
    pub fn advance(&mut self, dt_s: f64, reflex_period_s: f64) -> (f64, bool) {
        if !self.beats() {
            return (0.0, false);
        }
        self.beat_time_s += dt_s;
        let new_beat = self.beat_time_s >= self.period_s;
        if new_beat {
            self.beat_time_s -= self.period_s;
            let jitter = 1.0 + PERIOD_JITTER * (2.0 * self.jitter_rng.next_f64() - 1.0);
            self.period_s = self.rhythm_period_s(reflex_period_s) * jitter;
        }
        let t_sys = systole_s(self.period_s);
        let activation = if self.beat_time_s < t_sys {
            let s = (std::f64::consts::PI * self.beat_time_s / t_sys).sin();
            s * s
        } else {
            0.0
        };
        (activation, new_beat)
    }

    fn rhythm_period_s(&self, reflex_period_s: f64) -> f64 {
        match self.rhythm {
            Rhythm::Junctional => 60.0 / JUNCTIONAL_BPM,
            Rhythm::AvBlock => 60.0 / AV_BLOCK_ESCAPE_BPM,
            Rhythm::Paced => 60.0 / self.pacing_bpm,
            _ => reflex_period_s,
        }
    }

    /// Current heart rate, 1/min (0 in asystole or VF).
    pub fn hr_bpm(&self) -> f64 {
        if self.beats() {
            60.0 / self.period_s
        } else {
            0.0
        }
    }

    /// Contractility factor on Emax after ischaemia (1 = the patient's own).
    pub fn contractility(&self) -> f64 {
        (1.0 - self.infarct) * (1.0 - self.stunning)
    }

    /// Diastolic stiffness after ischaemia (1 = normal): the injured ventricle relaxes and fills
    /// poorly as well as contracting poorly — its diastolic pressure curve rises in proportion
    /// to the function lost, doubled at half the function (post-ischaemic diastolic
    /// dysfunction; Braunwald & Kloner 1982; magnitude an assumption), so a poorly protected
    /// heart weans to a lower output at a higher filling pressure.
    pub fn diastolic_stiffness(&self) -> f64 {
        1.0 + DIASTOLIC_STIFFENING * (1.0 - self.contractility())
    }

    /// Cross-clamp applied: coronary flow stops.
    pub fn clamp_on(&mut self) {
        self.clamp_ischaemia_min = 0.0;
    }

    /// Cross-clamp removed: reperfusion. Function is now set by the ischaemia accumulated.
    pub fn clamp_off(&mut self) {
        self.infarct = self.infarct.max(infarct_fraction(self.ischaemia_min));
        self.stunning = self.stunning.max(stunning_fraction(self.ischaemia_min));
    }

    /// Cardioplegia reaching the myocardium over `dt_s` at `rate_ml_min` of a solution at
    /// `temp_c`, for a patient of `weight_kg`: the arresting agent rises (a full dose brings it
    /// to e) and the septum cools towards the solution.
    pub fn perfuse_cardioplegia(
        &mut self,
        dt_s: f64,
        rate_ml_min: f64,
        kind: CardioplegiaKind,
        temp_c: f64,
        weight_kg: f64,
    ) {
        let ml = rate_ml_min * dt_s / 60.0;
        // More than a full dose saturates the myocardium; the excess runs off through the
        // coronary sinus.
        self.arrest_agent = (self.arrest_agent
            + std::f64::consts::E * ml / full_dose_ml(kind, weight_kg))
        .min(std::f64::consts::E);
        self.washout_37_min = washout_37_min(kind);
        self.lidocaine = kind == CardioplegiaKind::DelNido;
        let mixing = (ml / (MYOCARDIUM_ML_PER_KG * weight_kg)).min(1.0);
        self.myocardium_c += (temp_c - self.myocardium_c) * mixing;
    }

    /// Epicardial pacing at `rate_bpm` (0 stops it).
    pub fn pace(&mut self, rate_bpm: f64) {
        self.pacing_bpm = rate_bpm;
    }

    /// Pacing rate set, 1/min (0 = off).
    pub fn pacing_bpm(&self) -> f64 {
        self.pacing_bpm
    }

    /// A defibrillation shock of `joules` for a patient of `weight_kg`; `Err` when there is
    /// no fibrillation to treat.
    pub fn defibrillate(&mut self, joules: f64, weight_kg: f64) -> Result<bool, Refusal> {
        if self.rhythm != Rhythm::Vf {
            return Err("the heart is not fibrillating");
        }
        let threshold_j = (DEFIB_J_PER_KG * weight_kg).min(DEFIB_MAX_THRESHOLD_J);
        let p = if joules >= threshold_j && self.myocardium_c >= DEFIB_COLD_BELOW_C {
            DEFIB_SUCCESS
        } else {
            DEFIB_SUCCESS_POOR
        };
        let success = self.shock_rng.next_f64() < p;
        if success {
            self.fibrillating = false;
            self.rhythm = Rhythm::Sinus;
            self.beat_time_s = 0.0;
        }
        Ok(success)
    }

    /// Slow update (every 0.1 s): washout, temperature, ischaemia, stunning recovery, rhythm.
    pub fn update(&mut self, dt_s: f64, u: &HeartInputs) {
        let dt_min = dt_s / 60.0;
        // Temperature: under the clamp the septum drifts towards the body; perfused, it takes
        // the blood's temperature within minutes.
        let (towards_c, rewarm_min) = if u.clamp_on {
            (u.core_c, REWARM_CLAMPED_MIN)
        } else {
            (u.blood_c, REWARM_PERFUSED_MIN)
        };
        self.myocardium_c += (towards_c - self.myocardium_c) * (dt_min / rewarm_min).min(1.0);
        let q = MYOCARDIAL_Q10.powf((self.myocardium_c - 37.0) / 10.0);

        // Washout: slowed by cold under the clamp, fast once the coronaries are perfused.
        let washout_min = if u.clamp_on {
            self.washout_37_min / WASHOUT_Q10.powf((self.myocardium_c - 37.0) / 10.0)
        } else {
            REPERFUSED_WASHOUT_MIN
        };
        self.arrest_agent *= (-dt_min / washout_min).exp();

        // Rhythm.
        let arrested = self.cardioplegic_arrest();
        let by_potassium = if u.k_mmol_l >= K_ASYSTOLE_MMOL_L {
            Rhythm::Asystole
        } else if u.k_mmol_l >= K_AV_BLOCK_MMOL_L {
            Rhythm::AvBlock
        } else {
            Rhythm::Sinus
        };
        if u.clamp_on {
            if !arrested && self.clamp_ischaemia_min >= ISCHAEMIC_VF_MIN {
                self.fibrillating = true;
            }
        } else if self.quiescent && !arrested && by_potassium != Rhythm::Asystole {
            // The heart restarts after reperfusion (or after hyperkalemia resolves): it
            // fibrillates if it was poorly protected or is still cold.
            if self.ischaemia_min >= REPERFUSION_VF_MIN
                || (self.myocardium_c < REPERFUSION_VF_BELOW_C && !self.lidocaine)
            {
                self.fibrillating = true;
            }
        }
        let mut rhythm = if arrested {
            Rhythm::Asystole
        } else if self.fibrillating {
            Rhythm::Vf
        } else {
            by_potassium
        };
        let captures = !arrested && !self.fibrillating && u.k_mmol_l < K_ASYSTOLE_MMOL_L;
        if self.pacing_bpm > 0.0 && captures && !u.clamp_on {
            let intrinsic_bpm = match rhythm {
                Rhythm::Sinus => 60.0 / self.period_s,
                Rhythm::Junctional => JUNCTIONAL_BPM,
                Rhythm::AvBlock => AV_BLOCK_ESCAPE_BPM,
                _ => 0.0,
            };
            if self.pacing_bpm > intrinsic_bpm {
                rhythm = Rhythm::Paced;
            }
        }
        if rhythm != self.rhythm && !self.beats() {
            // A beat starts with the new rhythm rather than mid-cycle.
            self.beat_time_s = 0.0;
        }
        self.rhythm = rhythm;
        self.quiescent = matches!(rhythm, Rhythm::Asystole);

        // Ischaemia under the clamp, at the rate the myocardium's O2 demand sets.
        if u.clamp_on {
            let demand = match rhythm {
                Rhythm::Asystole => ARRESTED_DEMAND,
                Rhythm::Vf => VF_DEMAND,
                _ => 1.0,
            };
            let dose = demand * q * dt_min;
            self.ischaemia_min += dose;
            self.clamp_ischaemia_min += dose;
        }
        self.stunning *= (-dt_min / STUNNING_RECOVERY_MIN).exp();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(clamp_on: bool, k: f64, c: f64) -> HeartInputs {
        HeartInputs {
            clamp_on,
            k_mmol_l: k,
            blood_c: c,
            core_c: c,
        }
    }

    fn run(heart: &mut Heart, minutes: f64, u: &HeartInputs) {
        for _ in 0..(minutes * 600.0) as usize {
            heart.update(0.1, u);
        }
    }

    fn dose(heart: &mut Heart, kind: CardioplegiaKind, ml: f64, temp_c: f64) {
        // 300 mL/min for an 80 kg patient.
        for _ in 0..(ml / 300.0 * 600.0) as usize {
            heart.perfuse_cardioplegia(0.1, 300.0, kind, temp_c, 80.0);
        }
    }

    #[test]
    fn a_full_warm_dose_lasts_its_washout_time() {
        for (kind, minutes) in [
            (CardioplegiaKind::DelNido, 60.0),
            (CardioplegiaKind::Blood4To1, 25.0),
        ] {
            let mut heart = Heart::new(0.8, 37.0, 1);
            heart.clamp_on();
            dose(&mut heart, kind, full_dose_ml(kind, 80.0), 37.0);
            run(&mut heart, 0.5, &inputs(true, 4.0, 37.0));
            assert_eq!(heart.rhythm, Rhythm::Asystole);
            run(&mut heart, minutes - 5.0, &inputs(true, 4.0, 37.0));
            assert_eq!(heart.rhythm, Rhythm::Asystole, "{kind:?}");
            run(&mut heart, 10.0, &inputs(true, 4.0, 37.0));
            assert_ne!(heart.rhythm, Rhythm::Asystole, "{kind:?} wears off");
        }
    }

    #[test]
    fn cold_delivery_lasts_longer_and_protects() {
        let mut heart = Heart::new(0.8, 34.0, 1);
        heart.clamp_on();
        dose(&mut heart, CardioplegiaKind::DelNido, 1000.0, 4.0);
        assert!(heart.myocardium_c < 18.0, "{}", heart.myocardium_c);
        // Longer than the 60 min of a warm dose.
        run(&mut heart, 70.0, &inputs(true, 4.0, 34.0));
        assert_eq!(heart.rhythm, Rhythm::Asystole);
        heart.clamp_off();
        assert!(heart.contractility() > 0.85, "{}", heart.contractility());
    }

    #[test]
    fn unprotected_warm_ischaemia_fibrillates_and_stuns() {
        let mut heart = Heart::new(0.8, 37.0, 1);
        heart.clamp_on();
        run(&mut heart, 60.0, &inputs(true, 4.0, 37.0));
        assert_eq!(heart.rhythm, Rhythm::Vf);
        heart.clamp_off();
        assert!(heart.contractility() < 0.45, "{}", heart.contractility());
        run(&mut heart, 3.0, &inputs(false, 4.0, 37.0));
        assert_eq!(heart.rhythm, Rhythm::Vf, "until defibrillated");
        // A 20 J internal shock converts a warm heart with p = 0.8: within five shocks.
        let converted = (0..5).any(|_| heart.defibrillate(20.0, 80.0) == Ok(true));
        assert!(converted && heart.rhythm == Rhythm::Sinus);
        assert!(
            heart.defibrillate(20.0, 80.0).is_err(),
            "nothing to shock now"
        );
    }

    #[test]
    fn potassium_blocks_conduction_and_pacing_captures_below_8() {
        let mut heart = Heart::new(0.8, 37.0, 1);
        run(&mut heart, 0.1, &inputs(false, 8.2, 37.0));
        assert_eq!(heart.rhythm, Rhythm::Asystole);
        heart.pace(80.0);
        run(&mut heart, 0.1, &inputs(false, 8.2, 37.0));
        assert_eq!(heart.rhythm, Rhythm::Asystole, "no capture above 8");
        run(&mut heart, 0.1, &inputs(false, 7.0, 37.0));
        assert_eq!(heart.rhythm, Rhythm::Paced);
        heart.pace(0.0);
        run(&mut heart, 0.1, &inputs(false, 7.0, 37.0));
        assert_eq!(heart.rhythm, Rhythm::AvBlock);
        run(&mut heart, 0.1, &inputs(false, 4.5, 37.0));
        assert_eq!(heart.rhythm, Rhythm::Sinus);
    }
}
