//! Simplified arterial baroreflex after Ursino (Am J Physiol 1998;275:H1733): a sigmoidal
//! carotid-sinus afferent and first-order effectors on heart period, peripheral resistance,
//! venous unstressed volume and contractility. Delays are omitted; the set point is the
//! patient's resting MAP. On bypass with the heart arrested it acts only through resistance
//! and venous capacity, so its volume shifts appear as reservoir-level changes.

/// Afferent slope k_a, mmHg (Ursino 1998: 11.758).
const SLOPE_MMHG: f64 = 11.758;
/// Time constant of the pressure filter standing in for Ursino's lead–lag, s (τ_p 2.076 s).
const PRESSURE_TAU_S: f64 = 2.076;
/// Heart-period change over the full sympathetic range, s (Ursino 1998 gains −0.13 s
/// sympathetic and +0.09 s vagal over their firing ranges ≈ 0.63 s in total).
const PERIOD_SPAN_S: f64 = 0.63;
/// Peripheral-resistance change over the full range, fraction (±30 %; Ursino's gains roughly
/// double resistance, reduced here for the reflex blunted by anaesthesia: dogs bled 30 mL/kg
/// raised iliac resistance 142 % awake but 42 % under pentobarbital; Zimpfer et al., Am J
/// Physiol 1982;243:H713). Humoral vasoconstriction (angiotensin, vasopressin) is not modelled.
const RESISTANCE_SPAN: f64 = 0.6;
/// Venous unstressed-volume change over the full range, mL per 5300 mL of blood volume
/// (Ursino 1998: −265.4 splanchnic − 132.5 extrasplanchnic).
const VENOUS_SPAN_ML: f64 = 398.0;
/// Emax change over the full range, fraction (Ursino: 0.475 on 2.95 mmHg/mL ≈ ±20 %).
const EMAX_SPAN: f64 = 0.4;
/// Effector time constants, s (Ursino 1998: period 2, resistance 6, volume 20, Emax 8).
const TAU_PERIOD_S: f64 = 2.0;
const TAU_RESISTANCE_S: f64 = 6.0;
const TAU_VOLUME_S: f64 = 20.0;
const TAU_EMAX_S: f64 = 8.0;

/// Reflex state: filtered pressure and four effector offsets.
#[derive(Clone, Debug)]
pub struct Reflex {
    /// Filtered arterial pressure, mmHg.
    pressure_mmhg: f64,
    /// Heart-period offset, s.
    pub period_offset_s: f64,
    /// Peripheral-resistance offset, fraction.
    pub resistance_offset: f64,
    /// Venous unstressed-volume offset, mL.
    pub venous_offset_ml: f64,
    /// Emax offset, fraction.
    pub emax_offset: f64,
}

impl Reflex {
    /// A reflex at rest at pressure `set_point_mmhg`.
    pub fn new(set_point_mmhg: f64) -> Self {
        Reflex {
            pressure_mmhg: set_point_mmhg,
            period_offset_s: 0.0,
            resistance_offset: 0.0,
            venous_offset_ml: 0.0,
            emax_offset: 0.0,
        }
    }

    /// Advances by `dt_s` given the mean arterial pressure over that interval.
    pub fn update(&mut self, dt_s: f64, map_mmhg: f64, set_point_mmhg: f64, volume_scale: f64) {
        self.pressure_mmhg += (map_mmhg - self.pressure_mmhg) * dt_s / PRESSURE_TAU_S;
        // Sympathetic drive, centred: +0.5 at zero pressure, −0.5 at very high pressure.
        let drive = 1.0 / (1.0 + ((self.pressure_mmhg - set_point_mmhg) / SLOPE_MMHG).exp()) - 0.5;
        let relax = |x: &mut f64, target: f64, tau: f64| *x += (target - *x) * dt_s / tau;
        relax(
            &mut self.period_offset_s,
            -PERIOD_SPAN_S * drive,
            TAU_PERIOD_S,
        );
        relax(
            &mut self.resistance_offset,
            RESISTANCE_SPAN * drive,
            TAU_RESISTANCE_S,
        );
        relax(
            &mut self.venous_offset_ml,
            -VENOUS_SPAN_ML * volume_scale * drive,
            TAU_VOLUME_S,
        );
        relax(&mut self.emax_offset, EMAX_SPAN * drive, TAU_EMAX_S);
    }
}
