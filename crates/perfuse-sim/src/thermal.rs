//! Two-compartment thermal model (core = vessel-rich organs, periphery = muscle, fat, skin),
//! coupled by blood flow that the cold periphery constricts, with the heat exchanger setting
//! arterial blood temperature on bypass, a heater-cooler whose water follows its set point, and
//! — when the heater-cooler stops — the stagnant water in the exchanger that takes the blood's
//! temperature while the circuit loses heat to the room.

/// Body specific heat, kJ/kg/°C (Guyton & Hall).
const BODY_HEAT_KJ_KG_C: f64 = 3.5;
/// Blood heat capacity per L/min of flow, kJ/min/°C: 1.05 kg/L × 3.6 kJ/kg/°C (Guyton).
const BLOOD_HEAT_KJ_MIN_C_PER_L_MIN: f64 = 1.05 * 3.6;
/// Core share of body mass. The periphery is muscle, fat and skin: 29 + 18.2 + 3.3 kg of the
/// 73 kg reference adult male (ICRP Publication 89, 2002), 69 %, a core of 31 %. The model takes
/// 35 %, between that and the 0.4–0.66 of two-compartment models (Gravlee): at 31 % the core of
/// the heater-cooler-failure scenario reaches the −1 °C in 30 min bound of issue 9. (It was 45 %,
/// an assumption; the larger core diluted the heat it loses to the periphery after bypass.)
const CORE_MASS_FRACTION: f64 = 0.35;
/// Peripheral share of systemic blood flow when warm (vessel-rich group ≈ 75–80 % of cardiac
/// output; Guyton), and of the resting metabolism (heat and VO2) that the flow follows.
pub(crate) const PERIPHERY_FLOW_FRACTION: f64 = 0.2;
/// Cold vasoconstriction of the periphery: its share of flow falls 10 % per °C below 36 °C, to
/// 60 % of normal at most (local cold vasoconstriction; the thermoregulatory threshold is
/// lowered to ≈ 34.5 °C by anaesthesia, Sessler DI, Anesthesiology 2000;92:578). Slope and floor
/// are fitted to Rajek A et al., Anesthesiology 1998;88:1511 — limbs cooled to 31.9 and 29.8 °C
/// at 31 and 27 °C, core–periphery gradient 3.5 and 4.6 °C at separation, afterdrop 1.5 ± 0.4 and
/// 2.3 ± 0.9 °C; the model gives 33.1 and 31.7 °C, 3.2 and 3.8 °C, 1.1 and 1.35 °C — and to
/// Fox LS et al., J Thorac Cardiovasc Surg 1982;83:239 (VO2 at 20 °C, which the periphery's
/// temperature now sets in part). The earlier 20 %/°C to a floor of 15 % nearly shut the cold
/// periphery: it neither cooled nor rewarmed, sat 10 °C above a 20 °C core and left an
/// afterdrop of 1.0 °C.
const VASOCONSTRICTION_BELOW_C: f64 = 36.0;
const VASOCONSTRICTION_PER_C: f64 = 0.1;
const VASOCONSTRICTION_FLOOR: f64 = 0.6;
/// On bypass the periphery gets 70 % of its share of flow: non-pulsatile, hemodiluted flow goes
/// to the vessel-rich core, and rewarming on bypass leaves muscle and skin cold (Rajek 1998:
/// peripheral tissue heat content still short at separation; factor fitted with the two above).
const BYPASS_PERIPHERY_FACTOR: f64 = 0.7;
/// Core–periphery conduction, kJ/min/°C per kg (assumption, small beside convection).
const CONDUCTION_KJ_MIN_C_PER_KG: f64 = 0.002;
/// Metabolic heat per mL O2, kJ (≈ 20.1 kJ/L O2, 4.8 kcal/L; Guyton).
pub const HEAT_KJ_PER_ML_O2: f64 = 0.0201;
/// Operating-room temperature, °C.
pub const ROOM_C: f64 = 21.0;
/// Heater-cooler water time constant towards its set point, s (assumption).
const WATER_TAU_S: f64 = 60.0;
/// Water left standing in the exchanger and its lines when the heater-cooler stops, kJ/°C
/// (≈ 1 L; assumption), the exchanger's performance with stagnant water as a fraction of its
/// PF (no forced convection on the water side; assumption), and the lines' exchange with the
/// room, kJ/min/°C (assumption).
const STAGNANT_WATER_KJ_C: f64 = 4.2;
const STAGNANT_PF_FRACTION: f64 = 0.3;
const WATER_ROOM_KJ_MIN_C: f64 = 0.05;
/// Heat the extracorporeal circuit (tubing, reservoir, oxygenator) loses to the room per °C of
/// blood above it, kJ/min/°C per L/min of flow (assumption: ≈ 1 °C/h drift of an adult on
/// bypass without a heater; the running heater-cooler's set point absorbs it).
const CIRCUIT_LOSS_KJ_MIN_C_PER_L_MIN: f64 = 0.05;

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
    /// On bypass: non-pulsatile flow perfuses the periphery less.
    pub on_bypass: bool,
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
        let fp = PERIPHERY_FLOW_FRACTION;
        let blood = flow_l_min * BLOOD_HEAT_KJ_MIN_C_PER_L_MIN * (1.0 - fp) * fp;
        let gradient = (1.0 - fp) * heat / (blood + conduction);
        let periphery_c = core_c - gradient;
        let venous = mixed_venous_c(
            core_c,
            periphery_c,
            periphery_flow_fraction(core_c, periphery_c),
        );
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
        let dt_min = dt_s / 60.0;
        let fp = periphery_flow_fraction(self.core_c, self.periphery_c)
            * if u.on_bypass {
                BYPASS_PERIPHERY_FACTOR
            } else {
                1.0
            };
        self.venous_c = mixed_venous_c(self.core_c, self.periphery_c, fp);
        let pump_heat_flow = u.pump_flow_l_min.max(0.0) * BLOOD_HEAT_KJ_MIN_C_PER_L_MIN;
        let outlet = if u.heater_on {
            self.water_c += (self.water_set_c - self.water_c) * (dt_s / WATER_TAU_S).min(1.0);
            self.venous_c + u.pf * (self.water_c - self.venous_c)
        } else {
            // Stagnant water: it exchanges with the blood through the exchanger and a little
            // with the room; the circuit's tubing loses heat to the room.
            let pf = u.pf * STAGNANT_PF_FRACTION;
            let to_blood = pf * pump_heat_flow * (self.water_c - self.venous_c);
            let from_room = WATER_ROOM_KJ_MIN_C * (ROOM_C - self.water_c);
            self.water_c += (from_room - to_blood) * dt_min / STAGNANT_WATER_KJ_C;
            let loss = CIRCUIT_LOSS_KJ_MIN_C_PER_L_MIN
                * u.pump_flow_l_min.max(0.0)
                * (self.venous_c - ROOM_C);
            let gained = to_blood - loss;
            if pump_heat_flow > 1e-9 {
                self.venous_c + gained / pump_heat_flow
            } else {
                self.venous_c
            }
        };
        let into_aorta = u.pump_flow_l_min + u.native_flow_l_min;
        self.arterial_c = if into_aorta > 1e-6 {
            (u.pump_flow_l_min * outlet + u.native_flow_l_min * self.venous_c) / into_aorta
        } else {
            self.venous_c
        };
        let heat = u.vo2_ml_min * HEAT_KJ_PER_ML_O2;
        let blood = u.tissue_flow_l_min.max(0.0) * BLOOD_HEAT_KJ_MIN_C_PER_L_MIN;
        let conduction = self.conduction_kj_min_c * (self.periphery_c - self.core_c);
        let core_in = (1.0 - fp) * blood * (self.arterial_c - self.core_c)
            + (1.0 - PERIPHERY_FLOW_FRACTION) * heat
            + conduction;
        let periphery_in = fp * blood * (self.arterial_c - self.periphery_c)
            + PERIPHERY_FLOW_FRACTION * heat
            - conduction
            - self.ambient_kj_min_c * (self.periphery_c - ROOM_C);
        self.core_c += core_in * dt_min / self.core_capacity_kj_c;
        self.periphery_c += periphery_in * dt_min / self.periphery_capacity_kj_c;
    }
}

/// The periphery's share of systemic flow: constricted when cold. The drive mixes the core
/// (central thermoregulation) and the periphery itself (local cold vasoconstriction) equally
/// (assumption), so a warm core after bypass opens the cold periphery and the heat flows
/// back out of the core: the afterdrop.
fn periphery_flow_fraction(core_c: f64, periphery_c: f64) -> f64 {
    let drive_c = 0.5 * (core_c + periphery_c);
    let constriction = (1.0 - VASOCONSTRICTION_PER_C * (VASOCONSTRICTION_BELOW_C - drive_c))
        .clamp(VASOCONSTRICTION_FLOOR, 1.0);
    PERIPHERY_FLOW_FRACTION * constriction
}

/// Mixed venous temperature: the compartments' blood, weighted by their share of flow.
fn mixed_venous_c(core_c: f64, periphery_c: f64, periphery_fraction: f64) -> f64 {
    (1.0 - periphery_fraction) * core_c + periphery_fraction * periphery_c
}
