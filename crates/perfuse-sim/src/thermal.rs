//! Two-compartment thermal model (core = vessel-rich organs, periphery = muscle, fat, skin),
//! coupled by blood flow, with the heat exchanger setting arterial blood temperature on bypass
//! and a heater-cooler whose water follows its set point.

/// Body specific heat, kJ/kg/°C (Guyton & Hall).
const BODY_HEAT_KJ_KG_C: f64 = 3.5;
/// Blood heat capacity per L/min of flow, kJ/min/°C: 1.05 kg/L × 3.6 kJ/kg/°C (Guyton).
const BLOOD_HEAT_KJ_MIN_C_PER_L_MIN: f64 = 1.05 * 3.6;
/// Core share of body mass (assumption; two-compartment models use 0.5–0.66, Gravlee).
const CORE_MASS_FRACTION: f64 = 0.55;
/// Core share of systemic blood flow (vessel-rich group ≈ 75–80 % of cardiac output; Guyton).
pub const CORE_FLOW_FRACTION: f64 = 0.8;
/// Core–periphery conduction, kJ/min/°C per kg (assumption, small beside convection).
const CONDUCTION_KJ_MIN_C_PER_KG: f64 = 0.002;
/// Metabolic heat per mL O2, kJ (≈ 20.1 kJ/L O2, 4.8 kcal/L; Guyton).
pub const HEAT_KJ_PER_ML_O2: f64 = 0.0201;
/// Operating-room temperature, °C.
pub const ROOM_C: f64 = 21.0;
/// Heater-cooler water time constant towards its set point, s (assumption).
const WATER_TAU_S: f64 = 60.0;
/// Water drift time constant towards room temperature when the heater-cooler is off, s.
const WATER_OFF_TAU_S: f64 = 1200.0;

/// Temperatures and the fixed coefficients derived from body size.
#[derive(Clone, Debug)]
pub struct Thermal {
    /// Core temperature, °C.
    pub core_c: f64,
    /// Periphery temperature, °C.
    pub periphery_c: f64,
    /// Heater-cooler water temperature, °C.
    pub water_c: f64,
    /// Water set point, °C.
    pub water_set_c: f64,
    /// Arterial blood temperature, °C.
    pub arterial_c: f64,
    /// Mixed-venous blood temperature, °C.
    pub venous_c: f64,
    core_capacity_kj_c: f64,
    periphery_capacity_kj_c: f64,
    conduction_kj_min_c: f64,
    ambient_kj_min_c: f64,
}

/// Inputs of one thermal step.
#[derive(Clone, Copy, Debug)]
pub struct ThermalInputs {
    /// Systemic (tissue) blood flow, L/min.
    pub tissue_flow_l_min: f64,
    /// Pump forward flow through the heat exchanger, L/min.
    pub pump_flow_l_min: f64,
    /// Native cardiac output, L/min.
    pub native_flow_l_min: f64,
    /// O2 consumption, mL/min.
    pub vo2_ml_min: f64,
    /// Heater-cooler running.
    pub heater_on: bool,
    /// Heat-exchanger performance factor.
    pub pf: f64,
}

impl Thermal {
    /// A patient in thermal steady state at `core_c` with this flow and metabolism: the
    /// periphery sits below the core by the gradient that carries the metabolic heat out, and
    /// the ambient loss coefficient balances the total heat production.
    pub fn new(
        weight_kg: f64,
        core_c: f64,
        flow_l_min: f64,
        vo2_ml_min: f64,
        water_c: f64,
    ) -> Self {
        let heat = vo2_ml_min * HEAT_KJ_PER_ML_O2;
        let conduction = CONDUCTION_KJ_MIN_C_PER_KG * weight_kg;
        let blood = flow_l_min
            * BLOOD_HEAT_KJ_MIN_C_PER_L_MIN
            * CORE_FLOW_FRACTION
            * (1.0 - CORE_FLOW_FRACTION);
        let gradient = CORE_FLOW_FRACTION * heat / (blood + conduction);
        let periphery_c = core_c - gradient;
        let venous = mixed_venous_c(core_c, periphery_c);
        Thermal {
            core_c,
            periphery_c,
            water_c,
            water_set_c: water_c,
            arterial_c: venous,
            venous_c: venous,
            core_capacity_kj_c: CORE_MASS_FRACTION * weight_kg * BODY_HEAT_KJ_KG_C,
            periphery_capacity_kj_c: (1.0 - CORE_MASS_FRACTION) * weight_kg * BODY_HEAT_KJ_KG_C,
            conduction_kj_min_c: conduction,
            ambient_kj_min_c: heat / (periphery_c - ROOM_C).max(1.0),
        }
    }

    /// Advances by `dt_s`. The heat-exchanger outlet is T_v + PF·(T_water − T_v) (definition of
    /// the performance factor; Gravlee).
    pub fn update(&mut self, dt_s: f64, u: &ThermalInputs) {
        let (target, tau) = if u.heater_on {
            (self.water_set_c, WATER_TAU_S)
        } else {
            (ROOM_C, WATER_OFF_TAU_S)
        };
        self.water_c += (target - self.water_c) * dt_s / tau;
        self.venous_c = mixed_venous_c(self.core_c, self.periphery_c);
        let outlet = self.venous_c + u.pf * (self.water_c - self.venous_c);
        let into_aorta = u.pump_flow_l_min + u.native_flow_l_min;
        self.arterial_c = if into_aorta > 1e-6 {
            (u.pump_flow_l_min * outlet + u.native_flow_l_min * self.venous_c) / into_aorta
        } else {
            self.venous_c
        };
        let heat = u.vo2_ml_min * HEAT_KJ_PER_ML_O2;
        let blood = u.tissue_flow_l_min.max(0.0) * BLOOD_HEAT_KJ_MIN_C_PER_L_MIN;
        let conduction = self.conduction_kj_min_c * (self.periphery_c - self.core_c);
        let core_in = CORE_FLOW_FRACTION * blood * (self.arterial_c - self.core_c)
            + CORE_FLOW_FRACTION * heat
            + conduction;
        let periphery_in =
            (1.0 - CORE_FLOW_FRACTION) * blood * (self.arterial_c - self.periphery_c)
                + (1.0 - CORE_FLOW_FRACTION) * heat
                - conduction
                - self.ambient_kj_min_c * (self.periphery_c - ROOM_C);
        let dt_min = dt_s / 60.0;
        self.core_c += core_in * dt_min / self.core_capacity_kj_c;
        self.periphery_c += periphery_in * dt_min / self.periphery_capacity_kj_c;
    }
}

/// Mixed venous temperature: the compartments' blood, weighted by their share of flow.
fn mixed_venous_c(core_c: f64, periphery_c: f64) -> f64 {
    CORE_FLOW_FRACTION * core_c + (1.0 - CORE_FLOW_FRACTION) * periphery_c
}
