//! O2 and CO2 transport, metabolism and lactate: the membrane oxygenator and the lungs load
//! blood that mixes in an arterial pool, tissues consume O2 (VO2 scaled by each compartment's
//! temperature, Q10 2)
//! from a venous pool, lactate rises when delivery falls below the critical DO2i, and pH
//! follows PaCO2 and the base deficit that lactate leaves.

use crate::blood::{
    BAROMETRIC_MMHG, CO2_SLOPE_ML_DL_MMHG, VENTILATION_CONSTANT, WATER_VAPOUR_MMHG, bohr_factor,
    co2_content_ml_dl, o2_content_ml_dl, pco2_from_content, ph_from_sbe, po2_from_content,
    so2_fraction,
};
use crate::thermal::PERIPHERY_FLOW_FRACTION;
use perfuse_clinical::acid_base::{hco3_mmol_l, pco2_at_temp_mmhg};
use perfuse_clinical::oxygen::{CRITICAL_DO2I_ML_MIN_M2, vo2_at_temp_ml_min};

/// O2 consumption of an anaesthetised adult at 37 °C, mL/min/m². Awake ≈ 130 (West/Guyton);
/// anaesthesia and CPB lower it (Hendrix RHJ et al., PLoS ONE 2019;14:e0225541 measured
/// 56 ± 8 on mildly hypothermic CPB); 90 chosen so that full flow at 37 °C gives SvO2 ≈ 70 %.
pub const VO2I_37_ML_MIN_M2: f64 = 90.0;
/// Q10 of tissue VO2 (≈ 7 %/°C; Michenfelder & Milde 1991; Gravlee; Fox LS et al., J Thorac
/// Cardiovasc Surg 1982;83:239 give ≈ 2 between 37 and 20 °C on bypass). Each thermal
/// compartment consumes at its own temperature: the periphery (its share of resting VO2 is its
/// share of flow, `PERIPHERY_FLOW_FRACTION`) lags the core on bypass (Rajek A et al.,
/// Anesthesiology 1998;88:1511: 29.8 °C in the limbs at a nasopharyngeal 27 °C), so
/// whole-body VO2 against core temperature falls less than Q10 2 predicts — Hickey & Hoar 1983
/// measured a ratio of 0.547 from control to 25 °C (an apparent Q10 ≈ 1.7). Lactate production
/// and clearance are metabolic too and scale with it.
const Q10: f64 = 2.0;
/// Respiratory quotient (West).
const RQ: f64 = 0.8;
/// Lactate formed per mL of O2 deficit, mmol (fit). The mass balance bounds it between
/// 2/134.4 (the deficit's own glucose fermented: 2 lactate per glucose, whose oxidation needs
/// 6 × 22.4 mL O2) and 36/134.4 (every missing ATP made anaerobically); 0.16 gives ≈ +1 mmol/L
/// in 30 min at DO2i 255 and ≈ +4 at 171 at 37 °C (80 kg) while normal delivery stays flat,
/// and production can never exceed what the tissues' whole O2 demand accounts for.
const LACTATE_MMOL_PER_ML_O2_DEFICIT: f64 = 0.16;
/// Largest O2 extraction of a tissue bed on bypass (fit, 0.45). Whole animals reach 0.6–0.7
/// (Cain SM, J Appl Physiol 1977;42:228); anaesthetised patients become supply-dependent at
/// extractions near 0.3–0.4 (Shibutani K et al., Crit Care Med 1983;11:640; Komatsu T et al.,
/// Crit Care Med 1987;15:194), SvO2 on bypass rarely falls below ≈ 55 %, and a hypermetabolic
/// patient must still be able to raise extraction.
const BED_MAX_EXTRACTION: f64 = 0.45;
/// Heterogeneity of the flow-to-demand ratio between tissue beds on bypass: log-normal with
/// this SD of the log (fit, 0.3). Non-pulsatile, hemodiluted flow is unevenly distributed, so
/// the most vulnerable beds run short while global extraction is still modest — lactate
/// appears below a global DO2i of ≈ 270 at 37 °C (Ranucci M et al., Ann Thorac Surg
/// 2005;80:2213; de Somer F et al., Crit Care 2011;15:R192: 262) with SvO2 still ≈ 68 %.
const FLOW_HETEROGENEITY: f64 = 0.3;
/// Lactate metabolic clearance, L/min per 75 kg (Crit Care 2020;24:61: 1.56 ± 0.39), and its
/// hepatic dependence: it falls in proportion to delivery below the critical level, to a fifth
/// at most (assumption).
const LACTATE_CLEARANCE_L_MIN_PER_75_KG: f64 = 1.56;
const LACTATE_CLEARANCE_FLOOR: f64 = 0.2;
/// Lactate distribution volume, L/kg (Woll & Record 1979: 270–300 mL/kg).
const LACTATE_VD_L_PER_KG: f64 = 0.27;
/// Venous saturation below which O2 consumption becomes supply-limited whatever the beds'
/// demand, and the one at which it stops (critical mixed-venous PO2 ≈ 20–25 mmHg; Nunn's
/// *Applied Respiratory Physiology*): a floor under the heterogeneity model.
const SVO2_SUPPLY_LIMIT: (f64, f64) = (0.35, 0.15);
/// Venous admixture under anaesthesia and ventilation, fraction (Nunn: ≈ 10 %).
const LUNG_SHUNT: f64 = 0.10;
/// Membrane O2 efficiency: outlet PO2 ≈ 0.62·PO2(gas) at low flow, falling 15 % at rated flow
/// (gives PaO2 150–300 at FiO2 50–70 %, Gravlee/clinical practice; assumption).
const MEMBRANE_O2_EFFICIENCY: f64 = 0.62;
/// Rated blood flow per m² of membrane, L/min/m² (Quadrox-i: 7 L/min on 1.8 m²; FDA K150267).
pub(crate) const RATED_FLOW_L_MIN_PER_M2: f64 = 3.9;
/// Maximum O2 transfer, mL/min per m² of membrane (Fried DW et al., Perfusion 1998;13:119:
/// Capiox SX18 340 mL/min on 1.8 m²).
const MAX_O2_TRANSFER_ML_MIN_M2: f64 = 189.0;
/// Membrane CO2 conductance, L/min of equilibrated gas per m² (fit: exhaust PCO2 within
/// ≈ 5 % of blood at gas:blood 0.7, giving the plateau at high sweep reported by
/// Karagiannidis 2019 and Hugo 2017; assumption).
const MEMBRANE_CO2_L_MIN_PER_M2: f64 = 5.5;
/// Fraction of the supplied O2 the membrane can transfer at most (assumption).
const MAX_O2_FROM_GAS: f64 = 0.9;

/// Gas exchange through the oxygenator, given as inputs.
#[derive(Clone, Copy, Debug)]
pub struct Oxygenator {
    /// Membrane area, m².
    pub area_m2: f64,
    /// Sweep, L/min.
    pub sweep_l_min: f64,
    /// FiO2, fraction.
    pub fio2: f64,
    /// Transfer multiplier (1 intact, < 1 failing).
    pub transfer: f64,
    /// CO2 in the sweep, fraction.
    pub fico2: f64,
}

/// Flows and conditions for one gas step.
#[derive(Clone, Copy, Debug)]
pub struct GasInputs {
    /// Tissue (systemic) blood flow, L/min.
    pub tissue_flow_l_min: f64,
    /// Pump forward flow through the oxygenator, L/min.
    pub pump_flow_l_min: f64,
    /// Native left-ventricular output, L/min (its blood passed the lungs).
    pub native_flow_l_min: f64,
    /// Lungs ventilated.
    pub ventilated: bool,
    /// Ventilator FiO2, fraction.
    pub ventilator_fio2: f64,
    /// Hemoglobin of the blood, g/dL: arterial and venous pools share it (on bypass patient and
    /// circuit are one well-mixed pool).
    pub hb_g_dl: f64,
    /// Arterial blood volume, mL.
    pub arterial_volume_ml: f64,
    /// Venous pool volume (rest of the patient, plus the circuit on bypass), mL.
    pub venous_volume_ml: f64,
    /// Core temperature, °C.
    pub core_c: f64,
    /// Peripheral tissue temperature, °C.
    pub periphery_c: f64,
    /// Metabolic rate as a multiple of the normal for the temperature (1 = normal).
    pub metabolic_rate: f64,
    /// Blood temperature in the oxygenator (its outlet), °C: CO2 leaves at the partial
    /// pressure it has there.
    pub oxygenator_blood_c: f64,
    /// The oxygenator.
    pub oxygenator: Oxygenator,
}

/// Gas-transport state and the derived blood gases.
#[derive(Clone, Debug)]
pub struct Gas {
    /// Arterial O2 content, mL/dL.
    ca_o2: f64,
    /// Arterial CO2 content, mL/dL.
    ca_co2: f64,
    /// Venous O2 content, mL/dL.
    cv_o2: f64,
    /// Venous CO2 content, mL/dL.
    cv_co2: f64,
    /// Hemoglobin the O2 contents were computed with, g/dL.
    hb_prev_g_dl: f64,
    /// Alveolar ventilation, L/min (set at start-up for PaCO2 40).
    alveolar_ventilation_l_min: f64,
    /// BSA, m².
    bsa_m2: f64,
    /// Lactate clearance (intact), L/min; distribution volume, L; basal production, mmol/min.
    lactate_clearance_l_min: f64,
    lactate_vd_l: f64,
    lactate_basal_mmol_min: f64,
    /// Baseline lactate (its SBE is 0), mmol/L.
    lactate0_mmol_l: f64,
    /// Arterial lactate, mmol/L.
    pub lactate_mmol_l: f64,
    /// Arterial PO2, mmHg.
    pub pao2_mmhg: f64,
    /// Venous PO2, mmHg.
    pub pvo2_mmhg: f64,
    /// Arterial PCO2, mmHg.
    pub paco2_mmhg: f64,
    /// Arterial pH.
    pub ph: f64,
    /// Mixed venous pH (the Bohr shift of the venous blood; also the next solve's start).
    pub ph_venous: f64,
    /// Arterial SO2, fraction.
    pub sao2: f64,
    /// Venous SO2, fraction.
    pub svo2: f64,
    /// Standard base excess, mmol/L.
    pub sbe_mmol_l: f64,
    /// O2 delivery, mL/min.
    pub do2_ml_min: f64,
    /// O2 consumption, mL/min.
    pub vo2_ml_min: f64,
    /// CO2 eliminated (oxygenator exhaust + lungs), mL/min.
    pub vco2_ml_min: f64,
}

/// An exchanger of CO2 between blood and gas (membrane or alveoli).
#[derive(Clone, Copy, Debug)]
struct Exchanger {
    /// Blood flow, L/min.
    flow_l_min: f64,
    /// Effective gas flow, L/min.
    gas_l_min: f64,
    /// Blood temperature, °C: the gas equilibrates with the blood's actual PCO2 there, which is
    /// the 37 °C value × 10^(0.019·(T − 37)) (Bradley AF et al., J Appl Physiol 1956;9:201).
    blood_c: f64,
    /// PCO2 of the incoming gas, mmHg.
    inspired_pco2_mmhg: f64,
}

impl Exchanger {
    /// Outlet PCO2 at 37 °C (mmHg) for blood of inlet CO2 content `cv_ml_dl`, and the CO2 the
    /// gas carries away (mL/min): mass balance 10·Q·(Cv − C(P)) = G·(f·P − P_in)/0.863 with the
    /// linear content curve C(P) = c0 + s·P and f the temperature factor.
    fn exchange(&self, cv_ml_dl: f64) -> (f64, f64) {
        let c0 = co2_content_ml_dl(0.0);
        let f = pco2_at_temp_mmhg(1.0, self.blood_c);
        let g = self.gas_l_min / VENTILATION_CONSTANT;
        let p = (10.0 * self.flow_l_min * (cv_ml_dl - c0) + g * self.inspired_pco2_mmhg)
            / (g * f + 10.0 * CO2_SLOPE_ML_DL_MMHG * self.flow_l_min);
        let p = p.max(0.0);
        (p, g * (f * p - self.inspired_pco2_mmhg))
    }
}

/// Standard normal cumulative distribution Φ(z), from erfc by Abramowitz & Stegun 7.1.26
/// (|error| < 1.5·10⁻⁷).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-x * x).exp();
    if z >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// Fraction of the tissues' O2 demand that goes unmet when delivery is `do2_per_demand` times
/// the demand: each bed consumes min(demand, 0.6 × its delivery), beds' delivery-to-demand
/// ratios log-normal around the mean (SD of the log [`FLOW_HETEROGENEITY`]). With a = 0.6·x
/// and r the bed ratio, E[(1 − a·r)⁺] = Φ(z) − a·Φ(z − σ), z = (σ²/2 − ln a)/σ. Never above 1:
/// the deficit can never exceed the demand.
pub fn o2_deficit_fraction(do2_per_demand: f64) -> f64 {
    let a = BED_MAX_EXTRACTION * do2_per_demand;
    if a <= 1e-12 {
        return 1.0;
    }
    let sigma = FLOW_HETEROGENEITY;
    let z = (0.5 * sigma * sigma - a.ln()) / sigma;
    (normal_cdf(z) - a * normal_cdf(z - sigma)).clamp(0.0, 1.0)
}

/// First-order mixing of a pool's content towards an inflow, plus a source (mL/min).
fn mix(
    content: &mut f64,
    flow_l_min: f64,
    inflow: f64,
    source_ml_min: f64,
    volume_ml: f64,
    dt_min: f64,
) {
    let volume_dl = volume_ml.max(100.0) / 100.0;
    let rate = flow_l_min.max(0.0) * 10.0 / volume_dl;
    // Exact exponential approach for the flow term keeps large flows stable.
    let k = 1.0 - (-rate * dt_min).exp();
    *content += (inflow - *content) * k + source_ml_min * dt_min / volume_dl;
}

/// Whole-body VO2 as a fraction of its value with both compartments at 37 °C: core and
/// periphery each scaled by Q10 at their own temperature, weighted by their share of resting VO2.
fn metabolic_temperature_factor(core_c: f64, periphery_c: f64) -> f64 {
    (1.0 - PERIPHERY_FLOW_FRACTION) * vo2_at_temp_ml_min(1.0, core_c, Q10)
        + PERIPHERY_FLOW_FRACTION * vo2_at_temp_ml_min(1.0, periphery_c, Q10)
}

impl Gas {
    /// Steady state before bypass for a ventilated patient at `core_c` (periphery at
    /// `periphery_c`) with this cardiac output, Hb and ventilator FiO2.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        bsa_m2: f64,
        weight_kg: f64,
        lactate_mmol_l: f64,
        core_c: f64,
        periphery_c: f64,
        flow_l_min: f64,
        hb: f64,
        fio2: f64,
    ) -> Self {
        let vo2 = VO2I_37_ML_MIN_M2 * bsa_m2 * metabolic_temperature_factor(core_c, periphery_c);
        let clearance = LACTATE_CLEARANCE_L_MIN_PER_75_KG * weight_kg / 75.0;
        let paco2 = 40.0;
        let bohr = bohr_factor(7.40, paco2);
        // Alveolar gas equilibrates with the blood's PCO2 at body temperature.
        let alveolar_pco2 = pco2_at_temp_mmhg(paco2, core_c);
        let pao2_cap = fio2 * (BAROMETRIC_MMHG - WATER_VAPOUR_MMHG) - paco2 / RQ;
        let c_cap = o2_content_ml_dl(hb, pao2_cap, bohr);
        // Arterial = capillary − shunt; venous = arterial − VO2/Q; solve the shunt mixture.
        let extraction = vo2 / (10.0 * flow_l_min);
        let ca = c_cap - LUNG_SHUNT / (1.0 - LUNG_SHUNT) * extraction;
        let cv = ca - extraction;
        let vco2 = RQ * vo2;
        let mut gas = Gas {
            ca_o2: ca,
            ca_co2: co2_content_ml_dl(paco2),
            cv_o2: cv,
            cv_co2: co2_content_ml_dl(paco2) + vco2 / (10.0 * flow_l_min),
            hb_prev_g_dl: hb,
            alveolar_ventilation_l_min: VENTILATION_CONSTANT * vco2 / alveolar_pco2,
            bsa_m2,
            lactate_clearance_l_min: clearance,
            lactate_vd_l: LACTATE_VD_L_PER_KG * weight_kg,
            lactate_basal_mmol_min: clearance * lactate_mmol_l,
            lactate0_mmol_l: lactate_mmol_l,
            lactate_mmol_l,
            pao2_mmhg: pao2_cap,
            pvo2_mmhg: 40.0,
            paco2_mmhg: paco2,
            ph: 7.40,
            ph_venous: 7.37,
            sao2: 0.98,
            svo2: 0.75,
            sbe_mmol_l: 0.0,
            do2_ml_min: 10.0 * flow_l_min * ca,
            vo2_ml_min: vo2,
            vco2_ml_min: vco2,
        };
        gas.derive(hb);
        gas
    }

    /// Advances by `dt_s`.
    pub fn update(&mut self, dt_s: f64, u: &GasInputs) {
        let dt_min = dt_s / 60.0;
        // Contents follow hemoglobin when the blood is diluted or concentrated.
        let hb_ratio = ratio(u.hb_g_dl, self.hb_prev_g_dl);
        self.ca_o2 *= hb_ratio;
        self.cv_o2 *= hb_ratio;
        self.hb_prev_g_dl = u.hb_g_dl;

        // Oxygenator.
        let ox = &u.oxygenator;
        let q_pump = u.pump_flow_l_min.max(0.0);
        let venous_bohr = bohr_factor(self.ph, pco2_from_content(self.cv_co2));
        let gas_po2 = ox.fio2 * (BAROMETRIC_MMHG - WATER_VAPOUR_MMHG);
        let rated = RATED_FLOW_L_MIN_PER_M2 * ox.area_m2;
        let target_po2 = (MEMBRANE_O2_EFFICIENCY
            * ox.transfer
            * (1.0 - 0.15 * (q_pump / rated).min(1.5))
            * gas_po2)
            .max(self.pvo2_mmhg);
        let (mut ox_o2, mut ox_co2, mut ox_vco2) = (self.cv_o2, self.cv_co2, 0.0);
        if q_pump > 1e-6 {
            let needed =
                10.0 * q_pump * (o2_content_ml_dl(u.hb_g_dl, target_po2, venous_bohr) - self.cv_o2);
            let limit = (MAX_O2_TRANSFER_ML_MIN_M2 * ox.area_m2 * ox.transfer)
                .min(MAX_O2_FROM_GAS * ox.sweep_l_min * ox.fio2 * 1000.0);
            ox_o2 = self.cv_o2 + needed.clamp(0.0, limit) / (10.0 * q_pump);
            let ka = MEMBRANE_CO2_L_MIN_PER_M2 * ox.area_m2 * ox.transfer;
            let effective_gas = if ox.sweep_l_min > 1e-9 {
                ox.sweep_l_min * (1.0 - (-ka / ox.sweep_l_min).exp())
            } else {
                0.0
            };
            let (p, vco2) = Exchanger {
                flow_l_min: q_pump,
                gas_l_min: effective_gas,
                blood_c: u.oxygenator_blood_c,
                inspired_pco2_mmhg: ox.fico2 * (BAROMETRIC_MMHG - WATER_VAPOUR_MMHG),
            }
            .exchange(self.cv_co2);
            ox_co2 = co2_content_ml_dl(p);
            ox_vco2 = vco2;
        }

        // Lungs: end-capillary blood equilibrates with alveolar gas, mixed with 10 % shunt.
        let q_native = u.native_flow_l_min.max(0.0);
        let (mut lung_o2, mut lung_co2, mut lung_vco2) = (self.cv_o2, self.cv_co2, 0.0);
        if u.ventilated && q_native > 1e-6 {
            let q_cap = q_native * (1.0 - LUNG_SHUNT);
            let (p_co2, vco2) = Exchanger {
                flow_l_min: q_cap,
                gas_l_min: self.alveolar_ventilation_l_min,
                blood_c: u.core_c,
                inspired_pco2_mmhg: 0.0,
            }
            .exchange(self.cv_co2);
            lung_vco2 = vco2;
            let pao2_alv =
                (u.ventilator_fio2 * (BAROMETRIC_MMHG - WATER_VAPOUR_MMHG) - p_co2 / RQ).max(0.0);
            let cap_o2 = o2_content_ml_dl(u.hb_g_dl, pao2_alv, bohr_factor(self.ph, p_co2));
            lung_o2 = (1.0 - LUNG_SHUNT) * cap_o2 + LUNG_SHUNT * self.cv_o2;
            lung_co2 = (1.0 - LUNG_SHUNT) * co2_content_ml_dl(p_co2) + LUNG_SHUNT * self.cv_co2;
        }
        self.vco2_ml_min = ox_vco2 + lung_vco2;

        // Arterial pool: inflow from the pump and the left ventricle.
        let q_in = q_pump + q_native;
        if q_in > 1e-6 {
            let c_o2 = (q_pump * ox_o2 + q_native * lung_o2) / q_in;
            let c_co2 = (q_pump * ox_co2 + q_native * lung_co2) / q_in;
            mix(
                &mut self.ca_o2,
                q_in,
                c_o2,
                0.0,
                u.arterial_volume_ml,
                dt_min,
            );
            mix(
                &mut self.ca_co2,
                q_in,
                c_co2,
                0.0,
                u.arterial_volume_ml,
                dt_min,
            );
        }

        // Tissues: demand scaled by Q10; what the beds cannot extract from the blood they get
        // goes unmet (flow heterogeneity), and nothing more once venous blood is exhausted.
        let q_tissue = u.tissue_flow_l_min.max(0.0);
        let metabolic_q10 = metabolic_temperature_factor(u.core_c, u.periphery_c);
        let demand = VO2I_37_ML_MIN_M2 * self.bsa_m2 * metabolic_q10 * u.metabolic_rate;
        let tissue_do2_per_demand = 10.0 * q_tissue * self.ca_o2 / demand.max(1e-9);
        let (high, low) = SVO2_SUPPLY_LIMIT;
        let venous_floor = ((self.svo2 - low) / (high - low)).clamp(0.0, 1.0);
        self.vo2_ml_min =
            demand * (1.0 - o2_deficit_fraction(tissue_do2_per_demand)) * venous_floor;
        mix(
            &mut self.cv_o2,
            q_tissue,
            self.ca_o2,
            -self.vo2_ml_min,
            u.venous_volume_ml,
            dt_min,
        );
        self.cv_o2 = self.cv_o2.max(0.0);
        mix(
            &mut self.cv_co2,
            q_tissue,
            self.ca_co2,
            RQ * self.vo2_ml_min,
            u.venous_volume_ml,
            dt_min,
        );

        // Lactate: basal turnover scaled by temperature, plus what the O2 deficit ferments;
        // the liver clears less when its own delivery falls below the critical level.
        self.do2_ml_min = 10.0 * q_in * self.ca_o2;
        let deficit_ml_min = demand - self.vo2_ml_min;
        let production = metabolic_q10 * self.lactate_basal_mmol_min
            + LACTATE_MMOL_PER_ML_O2_DEFICIT * deficit_ml_min;
        let critical_do2_per_demand = CRITICAL_DO2I_ML_MIN_M2 / VO2I_37_ML_MIN_M2;
        let hepatic =
            (tissue_do2_per_demand / critical_do2_per_demand).clamp(LACTATE_CLEARANCE_FLOOR, 1.0);
        let clearance = self.lactate_clearance_l_min * metabolic_q10 * hepatic;
        self.lactate_mmol_l +=
            (production - clearance * self.lactate_mmol_l) * dt_min / self.lactate_vd_l;
        self.lactate_mmol_l = self.lactate_mmol_l.max(0.0);
        self.sbe_mmol_l = -(self.lactate_mmol_l - self.lactate0_mmol_l);

        self.derive(u.hb_g_dl);
    }

    /// Partial pressures, saturations and pH from the contents.
    fn derive(&mut self, hb_g_dl: f64) {
        self.paco2_mmhg = pco2_from_content(self.ca_co2);
        self.ph = ph_from_sbe(self.sbe_mmol_l, self.paco2_mmhg, self.ph);
        let bohr_a = bohr_factor(self.ph, self.paco2_mmhg);
        self.pao2_mmhg = po2_from_content(self.ca_o2, hb_g_dl, bohr_a, self.pao2_mmhg);
        self.sao2 = so2_fraction(self.pao2_mmhg, bohr_a);
        let pvco2 = pco2_from_content(self.cv_co2);
        self.ph_venous = ph_from_sbe(self.sbe_mmol_l, pvco2, self.ph_venous);
        let bohr_v = bohr_factor(self.ph_venous, pvco2);
        self.pvo2_mmhg = po2_from_content(self.cv_o2, hb_g_dl, bohr_v, self.pvo2_mmhg);
        self.svo2 = so2_fraction(self.pvo2_mmhg, bohr_v);
    }

    /// Bicarbonate, mmol/L.
    pub fn hco3_mmol_l(&self) -> f64 {
        hco3_mmol_l(self.ph, self.paco2_mmhg)
    }
}

fn ratio(new: f64, old: f64) -> f64 {
    if old > 1e-9 { new / old } else { 1.0 }
}
