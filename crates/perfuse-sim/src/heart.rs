//! The heart: time-varying elastance ventricles (Suga & Sagawa 1974; Ursino 1998), beat
//! timing, and the rhythm states of cardiac surgery (beating, cardioplegic arrest, reperfusion).

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
    /// Pressure (mmHg) and its local slope dP/dV (mmHg/mL) at volume `v_ml`.
    pub fn pressure(&self, v_ml: f64, activation: f64, emax_factor: f64) -> (f64, f64) {
        let emax = self.emax_mmhg_ml * emax_factor;
        let passive = self.p0_mmhg * (self.ke_per_ml * v_ml).exp();
        let p = activation * emax * (v_ml - self.unstressed_ml)
            + (1.0 - activation) * (passive - self.p0_mmhg);
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

/// Cumulative cardioplegia since cross-clamp that arrests the heart, mL/kg (del Nido induction
/// is 20 mL/kg, Kachoueian 2024; half of it is taken as the arresting dose, assumption).
pub const ARREST_DOSE_ML_PER_KG: f64 = 10.0;
/// Time from an arresting dose to asystole, s (not sourced; "within 1–2 min" in practice).
const ARREST_DELAY_S: f64 = 60.0;
/// Time from cross-clamp removal to the return of a rhythm, s (Gravlee: usually within a few
/// minutes of reperfusion; 3 min assumed).
const REPERFUSION_DELAY_S: f64 = 180.0;
/// Contractility loss time constant under a cross-clamp without cardioplegia, s (assumption).
const ISCHAEMIA_TAU_S: f64 = 180.0;
/// Recovery time constant of stunned myocardium after reperfusion, s (assumption).
const STUNNING_RECOVERY_TAU_S: f64 = 600.0;

/// Rhythm and beat timing.
#[derive(Clone, Debug)]
pub struct Heart {
    /// Time since the current beat started, s.
    beat_time_s: f64,
    /// Period of the current beat, s.
    period_s: f64,
    /// True while arrested (HR 0).
    pub arrested: bool,
    /// Cardioplegia given since the cross-clamp went on, mL.
    cardioplegia_since_clamp_ml: f64,
    /// Countdown to arrest after an arresting dose, s.
    arrest_countdown_s: Option<f64>,
    /// Countdown to the return of a rhythm after reperfusion, s.
    reperfusion_countdown_s: Option<f64>,
    /// Contractility factor on Emax (1 = normal).
    pub contractility: f64,
    rng: SplitMix64,
}

impl Heart {
    /// A beating heart with the given initial period.
    pub fn new(period_s: f64, seed: u64) -> Self {
        Heart {
            beat_time_s: 0.0,
            period_s,
            arrested: false,
            cardioplegia_since_clamp_ml: 0.0,
            arrest_countdown_s: None,
            reperfusion_countdown_s: None,
            contractility: 1.0,
            rng: SplitMix64::new(seed),
        }
    }

    /// Advances the beat clock by `dt_s` and returns the activation φ ∈ [0, 1] —
    /// sin²(π·t/T_sys) in systole, 0 in diastole (Ursino 1998) — and whether a beat started.
    /// `next_period_s` is the reflex-demanded period for the next beat.
    pub fn advance(&mut self, dt_s: f64, next_period_s: f64) -> (f64, bool) {
        if self.arrested {
            return (0.0, false);
        }
        self.beat_time_s += dt_s;
        let new_beat = self.beat_time_s >= self.period_s;
        if new_beat {
            self.beat_time_s -= self.period_s;
            let jitter = 1.0 + PERIOD_JITTER * (2.0 * self.rng.next_f64() - 1.0);
            self.period_s = next_period_s * jitter;
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

    /// Current heart rate, 1/min (0 when arrested).
    pub fn hr_bpm(&self) -> f64 {
        if self.arrested {
            0.0
        } else {
            60.0 / self.period_s
        }
    }

    /// Cross-clamp applied: start counting cardioplegia.
    pub fn clamp_on(&mut self) {
        self.cardioplegia_since_clamp_ml = 0.0;
        self.reperfusion_countdown_s = None;
    }

    /// Cross-clamp removed: an arrested heart restarts after the reperfusion delay.
    pub fn clamp_off(&mut self) {
        self.arrest_countdown_s = None;
        if self.arrested {
            self.reperfusion_countdown_s = Some(REPERFUSION_DELAY_S);
        }
    }

    /// Cardioplegia delivered with the clamp on; arrests after an arresting dose.
    pub fn cardioplegia(&mut self, ml: f64, arrest_dose_ml: f64) {
        self.cardioplegia_since_clamp_ml += ml;
        if !self.arrested
            && self.arrest_countdown_s.is_none()
            && self.cardioplegia_since_clamp_ml >= arrest_dose_ml
        {
            self.arrest_countdown_s = Some(ARREST_DELAY_S);
        }
    }

    /// Slow update of rhythm state and contractility.
    pub fn update_rhythm(&mut self, dt_s: f64, clamp_on: bool) {
        if let Some(t) = self.arrest_countdown_s {
            if t <= dt_s {
                self.arrest_countdown_s = None;
                self.arrested = true;
            } else {
                self.arrest_countdown_s = Some(t - dt_s);
            }
        }
        if let Some(t) = self.reperfusion_countdown_s {
            if t <= dt_s {
                self.reperfusion_countdown_s = None;
                self.arrested = false;
                self.beat_time_s = 0.0;
                self.contractility = self.contractility.min(0.7);
            } else {
                self.reperfusion_countdown_s = Some(t - dt_s);
            }
        }
        if clamp_on && !self.arrested {
            self.contractility += (0.2 - self.contractility) * dt_s / ISCHAEMIA_TAU_S;
        } else if !clamp_on {
            self.contractility += (1.0 - self.contractility) * dt_s / STUNNING_RECOVERY_TAU_S;
        }
    }
}
