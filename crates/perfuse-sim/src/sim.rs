//! [`Simulation`]: the patient and the circuit stepped together at a fixed step, driven only by
//! [`Action`]s. Hemodynamics, drainage, the pump and its safety systems run every
//! [`Simulation::DT_S`] — or, while the ventricles are still, once every
//! [`STILL_HEART_STEPS`] steps with that many steps' time (multirate; docs/model.md,
//! numerics); gases, temperatures, drugs, fluids, the myocardium, reflex, labs and alarms every
//! [`SLOW_EVERY`] steps ([`SLOW_STILL_EVERY`] while the ventricles are still). Nothing depends on
//! when or how often it is observed.
//! `apply.rs` holds [`Simulation::apply`].

use crate::action::{CardioplegiaRoute, FaultKind};
use crate::alarms::{AlarmState, COUNT as ALARM_COUNT, Condition, id};
use crate::blood::HB_G_DL_PER_HCT_PCT;
use crate::cerebral::{CerebralInputs, CerebralStasis, cerebral_oximetry, icp_mmhg};
use crate::circuit::{CircuitParams, FULL_FLOW_INDEX_L_MIN_M2};
use crate::circulation::{
    AORTIC, Circulation, CirculationParams, Drive, LV, N, PERIPHERAL, PULMONARY, RA,
    REFERENCE_BLOOD_VOLUME_ML, RV, SA, SP, SV,
};
use crate::config::{CircuitConfig, ConfigError, PatientConfig, PumpKind, resting_ci_l_min_m2};
use crate::fluids::{Exchange, Fluids, colloid_osmotic_mmhg};
use crate::gas::{Gas, GasInputs, Oxygenator};
use crate::heart::{Heart, HeartInputs};
use crate::labs::Labs;
use crate::machine::{DetectorState, Machine, PumpControl};
use crate::observe::{BloodGas, Observations, Phase, Rhythm};
use crate::pharm::{Pharm, cardioplegia_crystalloid_fraction, cardioplegia_k_mmol_l};
use crate::reflex::Reflex;
use crate::thermal::{Thermal, ThermalInputs};
use perfuse_clinical::acid_base::{pco2_at_temp_mmhg, ph_at_temp, po2_at_temp_mmhg};
use perfuse_clinical::body::{BsaMethod, bsa_m2};

/// What the instructor (or a scenario) changed about the patient: multipliers on the patient's
/// own vascular tone, contractility and metabolic rate, and a surgical blood loss. All neutral
/// at start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Conditions {
    pub vascular_tone: f64,
    pub contractility: f64,
    pub metabolic_rate: f64,
    pub bleeding_ml_min: f64,
    /// Malignant hyperthermia's hypermetabolic drive, 0 (none) to 1 (fulminant).
    pub mh_drive: f64,
    /// A type III protamine reaction's pulmonary vasoconstriction, 0 (none) to 1 (full).
    pub pulmonary_constriction: f64,
    /// Dantrolene given, mg (its 12 h half-life makes it last the case).
    pub dantrolene_mg: f64,
    /// Antithrombin concentrate given, IU (its 2–3-day half-life makes it last the case).
    pub antithrombin_iu: f64,
}

impl Default for Conditions {
    fn default() -> Self {
        Conditions {
            vascular_tone: 1.0,
            contractility: 1.0,
            metabolic_rate: 1.0,
            bleeding_ml_min: 0.0,
            mh_drive: 0.0,
            pulmonary_constriction: 0.0,
            dantrolene_mg: 0.0,
            antithrombin_iu: 0.0,
        }
    }
}

/// Slow subsystems run every this many hemodynamic steps (0.1 s).
pub const SLOW_EVERY: u64 = 20;
/// While the ventricles are still they run every this many steps (0.5 s), on the same grid:
/// with no beat to follow, what they integrate — gas contents, temperatures, drugs, fluids,
/// the baroreflex — moves with time constants of seconds to hours (the fastest, the baroreflex's
/// pressure sensor, τ ≈ 2 s), and alarms still answer within half a second.
pub const SLOW_STILL_EVERY: u64 = 100;
/// While the ventricles are still (cardioplegic arrest, asystole, fibrillation) nothing in the
/// circulation beats: the hemodynamics of this many steps (50 ms) are integrated as one step,
/// at the end of each 50 ms of the step grid — before the slow step, which falls on the same
/// grid — or earlier when an action is applied. 50 ms is within the stability of the
/// linearised backward-Euler flows (docs/model.md, numerics: the stiffest still compartment,
/// the systemic arteries, relaxes with τ ≈ 17 ms and the flow through one resistance is
/// implicit in its two pressures), and the steady pump flow, drainage and vent are integrated
/// exactly over it.
pub const STILL_HEART_STEPS: u32 = 10;
const _: () = assert!(
    SLOW_EVERY % STILL_HEART_STEPS as u64 == 0
        && SLOW_STILL_EVERY % SLOW_EVERY == 0
        && WINDOW_MIN_STEPS % STILL_HEART_STEPS == 0
);
/// The window for MAP, SBP, DBP, CVP and cardiac output closes at the first beat after
/// `WINDOW_MIN_STEPS` (1 s), so it holds whole beats, or after `WINDOW_MAX_STEPS` (3 s) when
/// the heart is slow; with the heart still the flow is the pump's, steady, and the window
/// is 1 s, like a monitor's non-pulsatile mean.
const WINDOW_MIN_STEPS: u32 = 200;
const WINDOW_MAX_STEPS: u32 = 600;
/// Time constant smoothing the flows seen by gases and temperatures, s (beat-to-beat
/// pulsatility removed; blood transit through the lungs and arteries takes a few seconds).
const FLOW_SMOOTHING_TAU_S: f64 = 3.0;
/// Native share of total flow below which bypass is "full" and ventilation stops (Gravlee,
/// *Cardiopulmonary Bypass*: ventilation is discontinued once full flow is reached and the
/// heart has emptied; the 10 % figure is an assumption), and above which — the heart ejecting
/// again with the clamp off, as when weaning on partial bypass — the anaesthetist resumes it
/// (Gravlee, separation from bypass; 30 % an assumption).
const FULL_BYPASS_NATIVE_FRACTION: f64 = 0.1;
const VENTILATION_RESUME_NATIVE_FRACTION: f64 = 0.3;
/// Ventilation stops at the latest this long after `start-bypass`, s, even if the heart still
/// ejects (assumption: within the first minutes of bypass, Gravlee).
const VENTILATION_STOP_MAX_S: f64 = 90.0;
/// Heparin's extravascular distribution space, mL/kg: with ≈ 42 mL/kg of plasma it gives the
/// 0.07 L/kg distribution volume of the FDA label (model-reference §7), and plasma levels of
/// 4–6 U/mL after 300–400 U/kg as anti-Xa assays measure before bypass.
const HEPARIN_EXTRAVASCULAR_ML_PER_KG: f64 = 30.0;
/// Hematocrit of packed red cells, % (scenario.md).
pub(crate) const PRBC_HCT_PCT: f64 = 60.0;
/// Protein of 5 % albumin as plasma-protein equivalent, g/mL: the plasma-protein concentration
/// with the same colloid osmotic pressure. Albumin alone exerts π = 2.8C + 0.18C² + 0.012C³,
/// 20.0 mmHg at 5 g/dL; the plasma mix's 2.1C + 0.16C² + 0.009C³ reaches 20.0 mmHg at
/// 5.94 g/dL (Landis EM, Pappenheimer JR, Handbook of Physiology 1963), so each gram of albumin
/// counts 1.19 g. (Scaling the concentration by the 1.3 ratio of the linear terms overstated the
/// solution at 22.9 mmHg: the equation is convex.)
pub(crate) const ALBUMIN_5_G_ML: f64 = 0.0594;
/// Ventilator FiO2 before bypass, fraction (assumption: typical intra-operative setting).
const VENTILATOR_FIO2: f64 = 0.5;
/// Sweep per unit of pump flow when bypass starts without a set sweep (gas:blood 0.7;
/// Perfusion 2002;17:353 reports 0.56–0.67 for normocapnia).
pub(crate) const DEFAULT_GAS_BLOOD_RATIO: f64 = 0.7;
/// Whole-blood viscosity ∝ e^(0.025·Hct%) and +2 %/°C of cooling (empirical fits; SVR falls
/// ≈ 25 % at Hct 28 and rises with hypothermia, Gravlee hemodilution chapter).
const VISCOSITY_PER_HCT_PCT: f64 = 0.025;
const VISCOSITY_PER_C: f64 = 0.02;
/// Basal urine output, mL/kg/h at MAP ≥ 70 mmHg (Guyton; KDIGO oliguria is < 0.5).
const URINE_ML_KG_H: f64 = 1.0;
/// Time over which `start-bypass` brings the pump up to the set flow, s. Gravlee: flow is
/// increased to full over a short period as venous drainage establishes; 30 s (assumption)
/// gives the classic initiation dip (MAP ≈ 85 → 60 → 70 in the adult case) without the surge
/// that full flow into a still-ejecting heart would cause.
const INITIATION_RAMP_S: f64 = 30.0;
/// Left-ventricular vent while the aorta is cross-clamped: it keeps the arrested, clamped
/// heart empty (bronchial and Thebesian return, what a beating heart pumps into the lungs
/// before arrest) by returning to the reservoir up to this share of full flow (≈ 300 mL/min in
/// an adult; Gravlee, venting; assumption that a vent is always used with the clamp).
const VENT_FRACTION_OF_FULL_FLOW: f64 = 0.064;
/// Clotting of the circuit on bypass when the ACT is below 300 s: the clot burden grows at
/// 0.46/min × ((300 − ACT)/300)³, so with no heparin (ACT ≈ 120 s) the oxygenator fails within
/// ≈ 10 min, at ACT 200 s clots are visible within ≈ 6 min, and at 280 s they take hours.
/// Young JA et al. (Ann Thorac Surg 1978;26:231): fibrin monomer appears below ACT 400 s and
/// clots in the oxygenator below 300 s; the time course is an assumption.
const CLOT_ACT_THRESHOLD_S: f64 = 300.0;
const CLOT_RATE_PER_MIN: f64 = 0.46;
/// Heparin-induced thrombocytopenia: heparin activates the patient's platelets through the
/// antibodies, so the circuit clots whatever the ACT, at 0.05/min per U/mL of heparin — a
/// fully heparinised adult (≈ 4 U/mL) shows clot within a minute and fails the oxygenator
/// within ≈ 5 min (assumption; thrombosis on bypass in unrecognised HIT: Warkentin TE,
/// Greinacher A, Ann Thorac Surg 2003;76:2121).
const HIT_CLOT_RATE_PER_MIN_PER_U_ML: f64 = 0.05;
/// Stasis under bivalirudin: thrombin cleaves it in stagnant blood, so a circuit standing still
/// on bypass while bivalirudin (above 1 µg/mL, heparin below 0.5 U/mL) is the anticoagulant
/// clots at 0.05/min, visibly within ≈ 2 min (assumption; Koster A et al., Ann Thorac Surg
/// 2007;83:572: avoid stasis, keep the circuit recirculating).
const BIVALIRUDIN_STASIS_CLOT_PER_MIN: f64 = 0.05;
const BIVALIRUDIN_ANTICOAGULATED_UG_ML: f64 = 1.0;
const HEPARINISED_U_ML: f64 = 0.5;
/// Clot burden at which thrombus is visible in the circuit (the high alarm; assumption).
const CLOT_VISIBLE: f64 = 0.1;
/// A fully clotted circuit multiplies the oxygenator ΔP by 4 and leaves 30 % of its gas
/// transfer (assumption, of the order of oxygenator-failure change-out criteria).
const CLOT_DP_GAIN: f64 = 3.0;
const CLOT_TRANSFER_LOSS: f64 = 0.7;
/// Arterial air entrained while the `arterial-air` fault lasts, per L/min of pump flow,
/// mL/min (assumption: a vortexing reservoir or an open port entrains a few % of flow).
const ENTRAINED_AIR_ML_MIN_PER_L_MIN: f64 = 10.0;
/// Cardioplegia delivery rate for an adult, mL/min (Searles B et al., JECT 2021: 250–400
/// antegrade), scaled by BSA/1.9 m² for smaller patients.
const CARDIOPLEGIA_RATE_ML_MIN: f64 = 300.0;
/// Ultrafiltration rate for an adult, mL/min (issue default; hemoconcentrators 30–200), scaled
/// like cardioplegia.
const ULTRAFILTRATION_RATE_ML_MIN: f64 = 150.0;
const ADULT_BSA_M2: f64 = 1.9;
/// Returning volume after bypass, fraction of full flow per minute (≈ 100 mL per 5 s in an
/// adult; assumption).
const RETURN_RATE_FRACTION_OF_FULL_FLOW: f64 = 0.25;
/// Aortic root pressure during antegrade cardioplegia, mmHg per mL/min (60–100 mmHg at
/// 250–400 mL/min; Searles 2021), for an adult coronary bed (∝ 1/BSA).
const ROOT_MMHG_PER_ML_MIN: f64 = 0.25;

/// Alarm thresholds (docs/model.md §11). Arterial line pressure limit by default, mmHg:
/// Gravlee, arterial line monitoring (alarm/servo ≈ 300 mmHg).
pub(crate) const DEFAULT_PRESSURE_LIMIT_MMHG: f64 = 300.0;
/// Clear band of the line-pressure alarm, mmHg (clears 10 mmHg below the limit).
const LINE_PRESSURE_BAND_MMHG: f64 = 10.0;
/// PaO2 on bypass, mmHg: below 80 the arterial blood is no longer fully saturated (Severinghaus
/// curve; the EACTS 2019 CPB guideline targets normoxia). Assumption within that.
const LOW_PAO2_ALARM_MMHG: f64 = 80.0;
/// PaCO2 on bypass, mmHg: marked hypercapnia (normocapnia 35–45; EACTS 2019). Assumption.
const HIGH_PACO2_ALARM_MMHG: f64 = 55.0;
/// SvO2 on bypass, fraction: below 55 % O2 extraction exceeds ≈ 45 %, a sign of inadequate
/// delivery (Gravlee, monitoring on CPB; threshold an assumption).
const LOW_SVO2_ALARM: f64 = 0.55;
/// rSO2: below 50 % or 80 % of the patient's baseline, whichever is higher (Murkin JM et al.,
/// Anesth Analg 2007;104:51 intervention thresholds).
const LOW_RSO2_ALARM_PCT: f64 = 50.0;
const LOW_RSO2_ALARM_OF_BASELINE: f64 = 0.8;
/// Measured ACT on bypass, s: below 400 s anticoagulation is insufficient (Bull 1975; Young
/// 1978; protocols target ≥ 480 s and act by 400 s).
const LOW_ACT_ALARM_S: f64 = 400.0;
/// An ACT is due when none was drawn in the last 30 min on bypass (common protocols: every
/// 20–30 min; Gravlee, anticoagulation monitoring).
const ACT_INTERVAL_S: f64 = 1800.0;
/// Plasma potassium, mmol/L: moderate hyperkalemia starts at 6.0 (UK Renal Association
/// hyperkalaemia guideline 2020).
const HYPERKALEMIA_ALARM_MMOL_L: f64 = 6.0;
/// Arterial outlet temperature, °C: Engelman R et al., J Extra Corpor Technol 2015;47:145
/// (temperature management guideline) caps it at 37 °C; 0.05 °C tolerance for display
/// rounding, cleared 0.2 °C below.
const HIGH_ARTERIAL_TEMP_ALARM_C: f64 = 37.05;
/// Reservoir above this fraction of its capacity (risk of overflow; assumption).
const HIGH_LEVEL_ALARM_FRACTION: f64 = 0.95;
/// Arterial–venous temperature gradient, °C (Engelman 2015: ≤ 10 °C on cooling and rewarming).
const TEMP_GRADIENT_ALARM_C: f64 = 10.0;
/// Oxygenator failure multiplies its pressure drop (clotted fibres) and its O2/CO2 transfer
/// (docs/model.md §12; magnitudes assumed for a failure that needs a change-out).
const OXYGENATOR_FAILED_DP_FACTOR: f64 = 2.5;
const OXYGENATOR_FAILED_TRANSFER: f64 = 0.3;
/// Protamine given in error on bypass runs in at 0.3 mg/kg/min — a full 3 mg/kg reversal dose
/// in 10 min (assumption: an infusion meant for after bypass). Protamine-induced circuit
/// clotting is among the commonest perfusion incidents (Jenkins OF et al., Perfusion
/// 1997;12:279: reported by 20 % of respondents).
const PROTAMINE_ERROR_MG_KG_MIN: f64 = 0.3;
/// A split raceway loses this share of what the roller pumps (assumption: a tear in the
/// boot sprays a large part of each stroke). Kurusz M, Mills NL, "Management of unusual
/// problems encountered in initiating and maintaining cardiopulmonary bypass", in Gravlee GP
/// et al., *Cardiopulmonary Bypass: Principles and Practice*, 2nd ed. 2000: a ruptured line
/// is stopped, clamped and replaced.
const RACEWAY_LOSS_FRACTION: f64 = 0.5;
/// Iatrogenic dissection at the arterial cannula (Still RJ et al., Ann Thorac Surg
/// 1992;53:374, intraoperative aortic dissection; the signs — high line pressure, low radial
/// pressure, a blue, bulging aorta — as Kurusz & Mills teach them): the false lumen multiplies the cannula's resistance by 3 and takes half of
/// the pump's flow out of the circulation (both assumptions, sized so that full flow meets the
/// 300 mmHg servo limit and the reservoir empties within minutes).
const DISSECTION_LINE_FACTOR: f64 = 3.0;
const DISSECTION_LOSS_FRACTION: f64 = 0.5;
/// Malignant hyperthermia: the drive rises towards 1 with τ = 10 min and the metabolic demand
/// (O2, CO2, heat) doubles at full drive — fulminant MH doubles to triples CO2 production
/// (Rosenberg H et al., Orphanet J Rare Dis 2015;10:93; the lower end assumed, since on bypass
/// the fixed O2 delivery caps what the muscle can use and the rest is an O2 debt, lactate).
/// Muscle releases potassium at 0.03 mmol/kg/min at full drive, ≈ +2.5 mmol/L at equilibrium
/// in an adult (assumption; K⁺ > 6 scores in Larach MG et al., Anesthesiology 1994;80:771).
const MH_RISE_TAU_MIN: f64 = 10.0;
const MH_METABOLIC_GAIN: f64 = 1.0;
const MH_K_MMOL_KG_MIN: f64 = 0.03;
/// Antithrombin activity gained per IU/kg of concentrate, % (Thrombate III label).
const AT_PCT_PER_IU_KG: f64 = 1.4;
/// Dantrolene 2.5 mg/kg stops the calcium release (Glahn KPE et al., Br J Anaesth
/// 2010;105:417, EMHG: 2–2.5 mg/kg repeated every 10 min; MHAUS: 2.5 mg/kg); a smaller dose
/// does so in proportion. The drive then falls with τ = 5 min (assumption: end-tidal CO2 falls
/// within minutes of an effective dose).
const DANTROLENE_MG_KG: f64 = 2.5;
const MH_RESOLVE_TAU_MIN: f64 = 5.0;
/// Type III protamine reaction (Kimmel SE et al., Anesth Analg 1998;86:1168 — catastrophic
/// pulmonary vasoconstriction; Lowenstein E et al., Anesthesiology 1983;59:470: pulmonary
/// artery pressure doubled or more with right-ventricular failure): the pulmonary resistances
/// rise 26-fold at full constriction, reached with τ 1 min, and wane with τ 5 min once the
/// cause ends (magnitudes and times assumed, sized so that an adult's cardiac output halves and
/// the MAP falls by a third or more within 2 min).
const PULMONARY_CONSTRICTION_GAIN: f64 = 25.0;
const PULMONARY_CONSTRICTION_RISE_TAU_MIN: f64 = 1.0;
const PULMONARY_CONSTRICTION_WANE_TAU_MIN: f64 = 5.0;
/// Cold agglutinins: below the patient's thermal amplitude
/// (`PatientConfig::cold_agglutinin_amplitude_c`), red cells agglutinate in the heat
/// exchanger and oxygenator at 0.03/min per °C below it; above it they disperse with τ = 5 min
/// (assumptions: agglutination is reversible on warming, Barbara DW et al., J Thorac
/// Cardiovasc Surg 2013;146:668). Agglutinates act on the membrane as clot does.
const AGGLUTINATION_RATE_PER_MIN_C: f64 = 0.03;
const AGGLUTINATION_DISPERSE_TAU_MIN: f64 = 5.0;
/// A malpositioned venous cannula drains 40 % of what it should (assumption: a two-stage
/// cannula in the IVC or a hepatic vein drains little of the SVC's return, about a third of
/// venous return; Kurusz & Mills in Gravlee 2000: inadequate drainage and SVC obstruction
/// from cannula position).
const MALPOSITION_DRAINAGE_FRACTION: f64 = 0.4;
/// An occluded antegrade line holds the cardioplegia pump at its over-pressure stop, mmHg
/// (assumption; delivery systems alarm and stop at ≈ 300 mmHg line pressure).
const CARDIOPLEGIA_OCCLUDED_MMHG: f64 = 300.0;
/// Retrograde cardioplegia: 100–225 mL/min at a coronary-sinus pressure of 30–50 mmHg (Searles
/// B et al., JECT 2021), so the dose runs at most 200 mL/min, 0.2 mmHg per mL/min for an adult;
/// both scale with BSA for a child (the ceiling ∝ BSA, the pressure per mL/min ∝ 1/BSA).
const RETROGRADE_MAX_ML_MIN: f64 = 200.0;
const RETROGRADE_MMHG_PER_ML_MIN: f64 = 0.2;
/// Low-MAP alarm for an adult (resting MAP 85); scaled to the patient's resting MAP, so a
/// neonate (45) alarms below 19 mmHg, not at the 25–35 mmHg that is normal on neonatal bypass
/// (Gravlee, pediatric CPB).
const LOW_MAP_ALARM_MMHG: f64 = 35.0;
const LOW_MAP_ALARM_REFERENCE_MMHG: f64 = 85.0;

/// What [`Simulation::apply`] did with an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// It took effect.
    Done,
    /// It took effect, and the user should know something about it (cardioplegia with no
    /// cross-clamp went to the whole body).
    Warning(&'static str),
    /// It made no sense in the present state and changed nothing, for this reason.
    Ignored(&'static str),
}

/// Fixed parameters derived from the configuration (and start-up calibration).
#[derive(Clone, Debug)]
pub(crate) struct Params {
    pub weight_kg: f64,
    pub bsa_m2: f64,
    pub ebv_ml: f64,
    pub volume_scale: f64,
    pub circulation: CirculationParams,
    pub circuit: CircuitParams,
    pub oxygenator_area_m2: f64,
    pub map_set_mmhg: f64,
    /// Intracranial pressure for the age, mmHg (`cerebral::icp_mmhg`).
    pub icp_mmhg: f64,
    pub period_set_s: f64,
    pub peripheral_resistance_basal: f64,
    pub venous_unstressed_basal_ml: f64,
    pub hct0_pct: f64,
    pub temp0_c: f64,
    pub act0_s: f64,
    pub heparin_sensitivity: f64,
    pub cold_agglutinin_amplitude_c: f64,
    pub k0_mmol_l: f64,
    pub initial_sweep_l_min: f64,
    pub plasma0_ml: f64,
    pub rso2_baseline_pct: f64,
    /// The pulmonary resistances (arterial, arteriolar) before any constriction, mmHg·s/mL.
    pub pulmonary_resistance_basal: [f64; 2],
}

/// Running sums over the display window.
#[derive(Clone, Debug, Default)]
struct Window {
    steps: u32,
    sa_sum: f64,
    sa_max: f64,
    sa_min: f64,
    ra_sum: f64,
    ejected_ml: f64,
}

/// Values shown for the last complete window.
#[derive(Clone, Debug, Default)]
struct Display {
    map_mmhg: f64,
    sbp_mmhg: f64,
    dbp_mmhg: f64,
    cvp_mmhg: f64,
    cardiac_output_l_min: f64,
}

/// Flow sums over one slow interval, mL, and the pressure sum, mmHg·steps.
#[derive(Clone, Debug, Default)]
struct SlowSums {
    /// Steps summed (the slow step's interval).
    steps: u32,
    tissue_ml: f64,
    pump_ml: f64,
    ejected_ml: f64,
    sa_sum: f64,
}

/// Smoothed flows, L/min, seen by gases and temperatures.
#[derive(Clone, Debug, Default)]
struct SmoothFlows {
    tissue_l_min: f64,
    pump_l_min: f64,
    native_l_min: f64,
}

/// The simulator: plain data, cheap to clone; nothing allocates while stepping.
#[derive(Clone, Debug)]
pub struct Simulation {
    pub(crate) p: Params,
    pub(crate) circ: Circulation,
    pub(crate) heart: Heart,
    reflex: Reflex,
    pub(crate) gas: Gas,
    pub(crate) thermal: Thermal,
    pub(crate) pharm: Pharm,
    pub(crate) fluids: Fluids,
    /// Transcapillary exchange runs (off during start-up settling).
    fluid_exchange: bool,
    pub(crate) labs: Labs,
    pub(crate) conditions: Conditions,
    drive: Drive,
    period_s: f64,
    pub(crate) phase: Phase,
    pub(crate) machine: Machine,
    /// Red cells in the patient, mL.
    pub(crate) rbc_patient_ml: f64,
    /// Heparin left in the circuit after bypass, U (returned with its plasma).
    pub(crate) circuit_heparin_u: f64,
    /// Step at which bypass last started (for the initiation ramp).
    pub(crate) bypass_start_step: u64,
    pub(crate) ventilator_fio2: f64,
    /// The lungs are ventilated.
    pub(crate) lungs_ventilated: bool,
    pub(crate) clamp_on: bool,
    pub(crate) faults: u32,
    step_count: u64,
    /// Steps counted in `step_count` whose hemodynamics are not integrated yet (fewer than
    /// [`STILL_HEART_STEPS`], only while the ventricles are still).
    pending_steps: u32,
    bypass_steps: u64,
    clamp_steps: u64,
    urine_ml: f64,
    pub(crate) cardioplegia_ml: f64,
    pub(crate) ultrafiltrate_ml: f64,
    /// Fluid balance since t = 0: volume given (fluids, red cells, cardioplegia crystalloid) and
    /// lost (urine, ultrafiltrate, bleeding), mL. Patient + circuit + interstitium change by
    /// exactly their difference.
    pub(crate) fluid_in_ml: f64,
    pub(crate) fluid_out_ml: f64,
    rso2_pct: f64,
    /// How far the reading has fallen while the brain's blood stood still.
    cerebral_stasis: CerebralStasis,
    /// Jugular venous PO2 behind the rSO2, mmHg (where its next solve starts).
    jugular_po2_mmhg: f64,
    window: Window,
    display: Display,
    sums: SlowSums,
    flows: SmoothFlows,
    alarms: AlarmState,
}

/// A saved moment of a [`Simulation`]: a plain copy of its state (a few kB).
#[derive(Clone, Debug)]
pub struct Snapshot {
    sim: Simulation,
}

/// The fault's bit in [`Simulation::faults`]: its declaration index (the enum's discriminant),
/// checked in the hot path, so no search.
pub(crate) fn fault_bit(kind: FaultKind) -> u32 {
    1 << kind as u32
}
const _: () = assert!(FaultKind::ALL.len() <= 32, "faults are bits of a u32");

impl Simulation {
    /// Fixed internal step, seconds (hemodynamics).
    pub const DT_S: f64 = 0.005;

    /// Builds the patient and circuit, then lets the patient settle for a few simulated minutes
    /// (calibrating peripheral resistance and venous tone to the configured MAP and the resting
    /// cardiac index for the age, [`resting_ci_l_min_m2`]: 2.6 L/min/m² in adults) before t = 0.
    pub fn new(
        patient: &PatientConfig,
        circuit: &CircuitConfig,
        seed: u64,
    ) -> Result<Simulation, ConfigError> {
        patient.validate()?;
        circuit.validate()?;
        let ebv = patient.ebv_ml();
        let bsa = bsa_m2(BsaMethod::DuBois, patient.height_cm, patient.weight_kg);
        let volume_scale = ebv / REFERENCE_BLOOD_VOLUME_ML;
        let circulation = CirculationParams::scaled(ebv, bsa);
        let circuit_params = CircuitParams::new(circuit, bsa);
        let co_l_min = resting_ci_l_min_m2(patient.age_years) * bsa;
        let hct0 = patient.hct_pct;
        let hb0 = hct0 * HB_G_DL_PER_HCT_PCT;

        // Initial volumes from typical pressures; the systemic veins take the remainder of EBV.
        let guess_mmhg = [
            patient.map_mmhg,
            patient.map_mmhg - 5.0,
            6.0,
            4.0,
            0.0,
            15.0,
            12.0,
            8.0,
            7.0,
            0.0,
        ];
        let mut volume = [0.0; N];
        for i in 0..N {
            volume[i] =
                circulation.unstressed_ml[i] + circulation.compliance_ml_mmhg[i] * guess_mmhg[i];
        }
        volume[LV] = 120.0 * volume_scale;
        volume[RV] = 130.0 * volume_scale;
        volume[SV] = 0.0;
        volume[SV] = ebv - volume.iter().sum::<f64>();
        let venous_unstressed = volume[SV] - circulation.compliance_ml_mmhg[SV] * guess_mmhg[SV];
        let peripheral_resistance = (patient.map_mmhg - 6.0) / (co_l_min * 1000.0 / 60.0);
        let period = 60.0 / patient.hr_bpm;

        let prime_static = circuit_params.static_volume_ml;
        let plasma0 = ebv * (1.0 - hct0 / 100.0);
        let pulmonary_resistance_basal = PULMONARY.map(|k| circulation.resistance[k]);
        let p = Params {
            weight_kg: patient.weight_kg,
            bsa_m2: bsa,
            ebv_ml: ebv,
            volume_scale,
            circulation,
            circuit: circuit_params,
            oxygenator_area_m2: circuit.oxygenator_area_m2,
            map_set_mmhg: patient.map_mmhg,
            icp_mmhg: icp_mmhg(patient.age_years),
            period_set_s: period,
            peripheral_resistance_basal: peripheral_resistance,
            venous_unstressed_basal_ml: venous_unstressed,
            hct0_pct: hct0,
            temp0_c: patient.temp_c,
            act0_s: patient.act_s,
            heparin_sensitivity: patient.heparin_sensitivity,
            k0_mmol_l: patient.k_mmol_l,
            cold_agglutinin_amplitude_c: patient.cold_agglutinin_amplitude_c,
            initial_sweep_l_min: circuit.initial_sweep_l_min,
            plasma0_ml: plasma0,
            rso2_baseline_pct: 0.0,
            pulmonary_resistance_basal,
        };
        // The periphery's steady temperature depends on the metabolic heat, and VO2 on the
        // periphery's temperature: two passes settle both (the second changes VO2 by < 0.1 %).
        let settle = |periphery_c: f64| {
            let gas = Gas::new(
                bsa,
                patient.weight_kg,
                patient.lactate_mmol_l,
                patient.temp_c,
                periphery_c,
                co_l_min,
                hb0,
                VENTILATOR_FIO2,
            );
            let thermal = Thermal::new(
                patient.weight_kg,
                patient.temp_c,
                co_l_min,
                gas.vo2_ml_min,
                circuit.initial_water_temp_c,
            );
            (gas, thermal)
        };
        let (_, first) = settle(patient.temp_c);
        let (gas, thermal) = settle(first.periphery_c);
        let machine = Machine {
            pump_on: false,
            control: PumpControl::Flow(0.0),
            rpm: 0.0,
            flow_l_min: 0.0,
            post_oxygenator_mmhg: 0.0,
            oxygenator_dp_mmhg: 0.0,
            pressure_limit_mmhg: DEFAULT_PRESSURE_LIMIT_MMHG,
            servo_limiting: false,
            level: DetectorState::default(),
            bubble: DetectorState::default(),
            arterial_clamped: false,
            hand_crank_rpm: 0.0,
            venous_clamped: true,
            venous_occlusion: 0.0,
            vavd_mmhg: circuit.vavd_mmhg,
            reservoir_ml: circuit.prime_ml - prime_static,
            rbc_ml: circuit.prime_ml * circuit.prime_hct_pct / 100.0,
            sweep_l_min: 0.0,
            sweep_set: false,
            fio2: circuit.initial_fio2_pct / 100.0,
            fico2: 0.0,
            clot: 0.0,
            agglutination: 0.0,
            cardioplegia_route: CardioplegiaRoute::Antegrade,
            air_to_patient_ml: 0.0,
            air_recent_ml: 0.0,
            cardioplegia: None,
            cardioplegia_dose_ml: 0.0,
            cardioplegia_kind: None,
            cardioplegia_done_at_s: None,
            ultrafiltration: None,
            returning: None,
        };
        let mut sim = Simulation {
            circ: Circulation { volume_ml: volume },
            heart: Heart::new(period, patient.temp_c, seed),
            reflex: Reflex::new(patient.map_mmhg),
            gas,
            thermal,
            pharm: Pharm::new(),
            fluids: Fluids::new(
                patient.age_years,
                patient.weight_kg,
                plasma0,
                circuit.prime_ml
                    * (1.0 - circuit.prime_hct_pct / 100.0)
                    * circuit.prime_protein_g_l
                    / 1000.0,
            ),
            fluid_exchange: false,
            labs: Labs::default(),
            conditions: Conditions::default(),
            drive: Drive {
                activation: 0.0,
                emax_factor: 1.0,
                diastolic_stiffness: 1.0,
                peripheral_resistance,
                venous_unstressed_ml: venous_unstressed,
                aortic_open: true,
            },
            period_s: period,
            phase: Phase::PreBypass,
            machine,
            rbc_patient_ml: ebv * hct0 / 100.0,
            circuit_heparin_u: 0.0,
            bypass_start_step: 0,
            ventilator_fio2: VENTILATOR_FIO2,
            lungs_ventilated: true,
            clamp_on: false,
            faults: 0,
            step_count: 0,
            pending_steps: 0,
            bypass_steps: 0,
            clamp_steps: 0,
            urine_ml: 0.0,
            cardioplegia_ml: 0.0,
            ultrafiltrate_ml: 0.0,
            fluid_in_ml: 0.0,
            fluid_out_ml: 0.0,
            rso2_pct: 0.0,
            cerebral_stasis: CerebralStasis::default(),
            jugular_po2_mmhg: 30.0,
            window: Window::default(),
            display: Display::default(),
            sums: SlowSums::default(),
            flows: SmoothFlows {
                tissue_l_min: co_l_min,
                pump_l_min: 0.0,
                native_l_min: co_l_min,
            },
            alarms: AlarmState::default(),
            p,
        };
        sim.calibrate(co_l_min);
        Ok(sim)
    }

    /// Settles the patient: adjusts basal peripheral resistance to the configured MAP and venous
    /// unstressed volume to the resting cardiac output, then sets the capillaries at rest and
    /// resets clocks and counters.
    fn calibrate(&mut self, co_target_l_min: f64) {
        const WINDOWS: u32 = 150;
        for w in 0..WINDOWS + 30 {
            for _ in 0..WINDOW_MAX_STEPS {
                self.step();
            }
            if w < WINDOWS {
                let map = self.display.map_mmhg.max(1.0);
                let co = self.display.cardiac_output_l_min;
                self.p.peripheral_resistance_basal *= (self.p.map_set_mmhg / map).powf(0.3);
                self.p.venous_unstressed_basal_ml +=
                    60.0 * self.p.volume_scale * (co - co_target_l_min) / co_target_l_min * 5.0;
            }
        }
        let rest = self.exchange_inputs();
        self.fluids.calibrate(&rest);
        self.fluid_exchange = true;
        self.p.rso2_baseline_pct = self.rso2_pct;
        self.step_count = 0;
        self.urine_ml = 0.0;
        self.fluid_out_ml = 0.0;
        self.alarms.reset_count();
    }

    /// One internal step of [`Self::DT_S`]. While the ventricles are still, its hemodynamics
    /// wait for the end of the [`STILL_HEART_STEPS`] grid interval (or the next action).
    pub fn step(&mut self) {
        self.count_steps(1);
        if self.heart.beats() || self.step_count % u64::from(STILL_HEART_STEPS) == 0 {
            self.catch_up();
        }
        if self.step_count % SLOW_EVERY == 0
            && (self.heart.beats() || self.step_count % SLOW_STILL_EVERY == 0)
        {
            self.slow_step();
        }
    }

    /// Integrates the hemodynamics of the pending steps as one step.
    pub(crate) fn catch_up(&mut self) {
        if self.pending_steps > 0 {
            self.hemodynamics(self.pending_steps);
            self.pending_steps = 0;
        }
    }

    /// Hemodynamics, drainage, the pump and its safety systems over `steps` steps of
    /// [`Self::DT_S`] taken as one (1 while the heart beats).
    fn hemodynamics(&mut self, steps: u32) {
        let dt = f64::from(steps) * Self::DT_S;
        let (activation, new_beat) = self.heart.advance(dt, self.period_s);
        self.drive.activation = activation;
        self.drive.aortic_open = !self.clamp_on;
        let (pressure, elastance) = self.circ.pressures(&self.p.circulation, &self.drive);

        // Reversed lines drain the aorta and return into the right atrium.
        let (drain_from, return_to) = if self.has_fault(FaultKind::ReversedCannulation) {
            (SA, RA)
        } else {
            (RA, SA)
        };
        let drainage_ml_s =
            if self.machine.venous_clamped || self.has_fault(FaultKind::VenousAirlock) {
                0.0
            } else {
                let malposition = if self.has_fault(FaultKind::CannulaMalposition) {
                    MALPOSITION_DRAINAGE_FRACTION
                } else {
                    1.0
                };
                malposition
                    * (1.0 - self.machine.venous_occlusion)
                    * self
                        .p
                        .circuit
                        .drainage_ml_s(pressure[drain_from], self.machine.vavd_mmhg)
            };
        self.update_pump(pressure[return_to]);
        let q = if steps == 1 {
            Circulation::flows(&self.p.circulation, &self.drive, &pressure, &elastance, dt)
        } else {
            // What the circuit adds and takes meanwhile: the pump into the aorta, drainage
            // from the right atrium (the other way round when the lines are reversed), the
            // vent from the left ventricle.
            let mut source_ml_s = [0.0; N];
            source_ml_s[return_to] =
                self.machine.flow_l_min * 1000.0 / 60.0 * (1.0 - self.pump_loss_fraction());
            source_ml_s[drain_from] -= drainage_ml_s;
            if self.clamp_on {
                let excess_ml = self.circ.volume_ml[LV] - self.p.circulation.lv.unstressed_ml;
                source_ml_s[LV] = -(self.vent_ml_s().min(excess_ml.max(0.0) / dt));
            }
            Circulation::still_flows(
                &self.p.circulation,
                &self.drive,
                &pressure,
                &elastance,
                &source_ml_s,
                Self::DT_S,
                dt,
            )
        };
        self.circ.advance(&q, dt);
        // Neither side can give more blood than it holds: drainage is limited by the right
        // atrium, the vent by the left ventricle, forward pumping by the reservoir, retrograde
        // flow by the aorta.
        let drain_ml = (drainage_ml_s * dt).min(self.circ.volume_ml[drain_from].max(0.0));
        let vent_ml = if self.clamp_on {
            let excess = self.circ.volume_ml[LV] - self.p.circulation.lv.unstressed_ml;
            (self.vent_ml_s() * dt).min(excess.max(0.0))
        } else {
            0.0
        };
        let demanded_ml = self.machine.flow_l_min * 1000.0 / 60.0 * dt;
        let available_ml = self.machine.reservoir_ml + drain_ml + vent_ml;
        let pump_ml = demanded_ml
            .min(available_ml)
            .max(-self.circ.volume_ml[return_to].max(0.0));
        // Air entrained into the arterial line reaches the patient past a disarmed detector.
        let entrained_ml =
            if self.faults & fault_bit(FaultKind::ArterialAir) != 0 && !self.machine.bubble.armed {
                self.entrained_air_ml_min() / 60.0 * dt
            } else {
                0.0
            };
        // What a split raceway sprays out or a dissection pumps into the false lumen never
        // reaches the circulation: it leaves as a loss, with its red cells.
        let lost_ml = pump_ml.max(0.0) * self.pump_loss_fraction();
        self.fluid_out_ml += lost_ml;
        let m = &mut self.machine;
        m.air_to_patient_ml += entrained_ml;
        m.air_recent_ml += entrained_ml;
        // A pump still turning on an empty reservoir pumps air; an armed bubble detector stops
        // it at once, a disarmed one lets it into the patient.
        if demanded_ml > available_ml && demanded_ml > 0.0 {
            if m.bubble.armed {
                m.bubble.tripped = true;
            } else {
                let air_ml = demanded_ml - available_ml.max(0.0);
                m.air_to_patient_ml += air_ml;
                m.air_recent_ml += air_ml;
            }
        }
        if let Some(t) = m.returning.as_mut() {
            t.remaining_ml -= pump_ml.max(0.0);
            if t.remaining_ml <= 0.0 {
                m.returning = None;
            }
        }
        self.circ.volume_ml[drain_from] -= drain_ml;
        self.circ.volume_ml[LV] -= vent_ml;
        self.circ.volume_ml[return_to] += pump_ml - lost_ml;
        m.reservoir_ml += drain_ml + vent_ml - pump_ml;
        // Red cells travel with the blood: drained at the patient's Hct, pumped at the circuit's
        // (retrograde flow carries the patient's). Nothing moves off bypass: skip the divisions.
        let into_circuit_ml = drain_ml + vent_ml;
        if into_circuit_ml != 0.0 || pump_ml != 0.0 {
            let patient_ml = self.circ.total_ml().max(1.0);
            let hct_patient = self.rbc_patient_ml / patient_ml;
            let hct_circuit =
                m.rbc_ml / (self.p.circuit.static_volume_ml + m.reservoir_ml).max(1.0);
            let pumped_rbc = pump_ml
                * if pump_ml >= 0.0 {
                    hct_circuit
                } else {
                    hct_patient
                };
            let moved = into_circuit_ml * hct_patient - pumped_rbc;
            let lost_rbc = if pump_ml > 0.0 {
                pumped_rbc * lost_ml / pump_ml
            } else {
                0.0
            };
            self.rbc_patient_ml -= moved + lost_rbc;
            m.rbc_ml += moved;
        }
        m.reservoir_ml = m.reservoir_ml.max(0.0);
        m.rbc_ml = m.rbc_ml.max(0.0);
        self.rbc_patient_ml = self.rbc_patient_ml.max(0.0);

        let sa = pressure[SA];
        let w = &mut self.window;
        let window_max = if self.heart.beats() {
            WINDOW_MAX_STEPS
        } else {
            WINDOW_MIN_STEPS
        };
        if (new_beat && w.steps >= WINDOW_MIN_STEPS) || w.steps >= window_max {
            let n = f64::from(w.steps);
            self.display = Display {
                map_mmhg: w.sa_sum / n,
                sbp_mmhg: w.sa_max,
                dbp_mmhg: w.sa_min,
                cvp_mmhg: w.ra_sum / n,
                cardiac_output_l_min: w.ejected_ml / (n * Self::DT_S) * 60.0 / 1000.0,
            };
            *w = Window::default();
        }
        if w.steps == 0 {
            w.sa_max = sa;
            w.sa_min = sa;
        }
        // Sums of pressures count every step the pressures stand for.
        let weight = f64::from(steps);
        w.steps += steps;
        self.sums.steps += steps;
        w.sa_sum += sa * weight;
        w.sa_max = w.sa_max.max(sa);
        w.sa_min = w.sa_min.min(sa);
        w.ra_sum += pressure[RA] * weight;
        w.ejected_ml += q[AORTIC] * dt;
        let s = &mut self.sums;
        s.tissue_ml += q[PERIPHERAL] * dt;
        // Reversed lines pump into the right atrium: that blood reaches the arteries (and its
        // oxygen the tissues) only through the heart, as native flow.
        if return_to == SA {
            s.pump_ml += pump_ml.max(0.0) - lost_ml;
        }
        s.ejected_ml += q[AORTIC] * dt;
        s.sa_sum += sa * weight;
    }
}

impl Simulation {
    /// The left-ventricular vent's rate while the aorta is cross-clamped, mL/s.
    fn vent_ml_s(&self) -> f64 {
        self.full_flow_l_min() * VENT_FRACTION_OF_FULL_FLOW * 1000.0 / 60.0
    }

    /// Pump speed, flow and pressures for this step: detectors, faults, the initiation ramp and
    /// the pressure servo.
    fn update_pump(&mut self, sa_mmhg: f64) {
        let on_bypass = self.phase == Phase::Bypass;
        let dp_factor = self.oxygenator_condition().0;
        let air_entrained = self.has_fault(FaultKind::ArterialAir);
        let stopped_by_fault =
            self.has_fault(FaultKind::PumpFailure) || self.has_fault(FaultKind::PowerLoss);
        let ramp = self.initiation_ramp();
        // A false lumen raises the cannula's resistance; a split raceway lets only part of
        // the roller's flow on through the oxygenator and the line.
        let line_factor = if self.has_fault(FaultKind::AorticDissection) {
            DISSECTION_LINE_FACTOR
        } else {
            1.0
        };
        let forward = if self.has_fault(FaultKind::RacewayRupture) {
            1.0 - RACEWAY_LOSS_FRACTION
        } else {
            1.0
        };
        let c = &self.p.circuit;
        let m = &mut self.machine;
        if m.level.armed && on_bypass && m.reservoir_ml < c.reservoir_floor_ml {
            m.level.tripped = true;
        }
        if m.bubble.armed && air_entrained && m.flow_l_min > 0.0 {
            m.bubble.tripped = true;
        }
        let returning = self.phase == Phase::PostBypass && m.returning.is_some();
        // A hand-cranked roller turns whatever the console says: no servo, no detector stops it.
        let cranking =
            stopped_by_fault && on_bypass && m.hand_crank_rpm > 0.0 && c.pump == PumpKind::Roller;
        let running = cranking
            || ((m.pump_on || returning)
                && !stopped_by_fault
                && !m.level.tripped
                && !m.bubble.tripped);
        let control = match (m.pump_on, m.returning) {
            _ if cranking => PumpControl::Rpm(m.hand_crank_rpm),
            (true, _) => match m.control {
                PumpControl::Flow(f) => PumpControl::Flow(f * ramp),
                rpm => rpm,
            },
            (false, Some(t)) => PumpControl::Flow(t.rate_ml_min / 1000.0),
            (false, None) => PumpControl::Flow(0.0),
        };
        let connected = self.phase != Phase::PreBypass
            && (!m.arterial_clamped || returning)
            && self.faults & fault_bit(FaultKind::ArterialLineKink) == 0;
        m.servo_limiting = false;
        if self.phase == Phase::PreBypass {
            m.rpm = 0.0;
            m.flow_l_min = 0.0;
            m.post_oxygenator_mmhg = 0.0;
            m.oxygenator_dp_mmhg = 0.0;
            return;
        }
        if !connected {
            // Against the clamp: an occlusive roller is held stopped by the servo at the limit,
            // a centrifugal head spins no faster than the limit allows; nothing flows.
            m.flow_l_min = 0.0;
            m.oxygenator_dp_mmhg = 0.0;
            let (rpm, pressure) = if !running {
                (0.0, 0.0)
            } else {
                match c.pump {
                    PumpKind::Roller => (0.0, m.pressure_limit_mmhg),
                    PumpKind::Centrifugal => {
                        let wanted = match control {
                            PumpControl::Flow(f) => c.centrifugal_rpm(f, sa_mmhg, dp_factor),
                            PumpControl::Rpm(r) => r,
                        };
                        let rpm = wanted.min(c.centrifugal_rpm_for_shutoff(m.pressure_limit_mmhg));
                        (rpm, c.centrifugal_shutoff_mmhg(rpm))
                    }
                }
            };
            m.servo_limiting = running && pressure >= m.pressure_limit_mmhg - 1e-9;
            m.rpm = rpm;
            m.post_oxygenator_mmhg = pressure;
            return;
        }
        // The flow at which the post-oxygenator pressure reaches the limit.
        let q_max = c.flow_at_post_oxygenator_mmhg(m.pressure_limit_mmhg, sa_mmhg)
            / line_factor.sqrt()
            / forward;
        let flow = if !running {
            match c.pump {
                PumpKind::Roller => 0.0,
                // A stopped centrifugal head on an open line lets the patient bleed back.
                PumpKind::Centrifugal => c.centrifugal_flow_l_min(0.0, sa_mmhg, dp_factor),
            }
        } else {
            let wanted = match (c.pump, control) {
                (_, PumpControl::Flow(f)) => f,
                (PumpKind::Roller, PumpControl::Rpm(r)) => c.roller_flow_l_min(r),
                (PumpKind::Centrifugal, PumpControl::Rpm(r)) => {
                    c.centrifugal_flow_l_min(r, sa_mmhg, dp_factor)
                }
            };
            if wanted > q_max && !cranking {
                m.servo_limiting = true;
                q_max
            } else {
                wanted
            }
        };
        m.flow_l_min = flow;
        m.rpm = match c.pump {
            _ if !running => 0.0,
            PumpKind::Roller => c.roller_rpm(flow),
            PumpKind::Centrifugal => c.centrifugal_rpm(flow, sa_mmhg, dp_factor),
        };
        m.post_oxygenator_mmhg =
            sa_mmhg + (c.post_oxygenator_mmhg(sa_mmhg, flow * forward) - sa_mmhg) * line_factor;
        m.oxygenator_dp_mmhg = c.oxygenator_dp_mmhg(flow * forward, dp_factor);
    }

    /// Fraction of the set flow the pump delivers while coming up on bypass: the perfusionist
    /// raises flow as venous return establishes, rather than adding full flow to a still-full,
    /// still-ejecting heart.
    fn initiation_ramp(&self) -> f64 {
        if self.phase != Phase::Bypass {
            return 1.0;
        }
        (self.on_pump_s() / INITIATION_RAMP_S).min(1.0)
    }

    /// Time since bypass last started, s, at the start of the steps being integrated.
    fn on_pump_s(&self) -> f64 {
        (self.step_count - u64::from(self.pending_steps) - self.bypass_start_step) as f64
            * Self::DT_S
    }

    pub(crate) fn has_fault(&self, kind: FaultKind) -> bool {
        self.faults & fault_bit(kind) != 0
    }

    /// Share of the pumped blood that never reaches the patient's circulation.
    fn pump_loss_fraction(&self) -> f64 {
        if self.has_fault(FaultKind::RacewayRupture) {
            RACEWAY_LOSS_FRACTION
        } else if self.has_fault(FaultKind::AorticDissection) {
            DISSECTION_LOSS_FRACTION
        } else {
            0.0
        }
    }

    /// Oxygenator pressure-drop factor and gas-transfer factor (1, 1 when intact): failure,
    /// clot and agglutinated red cells all act on the membrane.
    fn oxygenator_condition(&self) -> (f64, f64) {
        let (dp, transfer) = if self.has_fault(FaultKind::OxygenatorFailure) {
            (OXYGENATOR_FAILED_DP_FACTOR, OXYGENATOR_FAILED_TRANSFER)
        } else {
            (1.0, 1.0)
        };
        let burden = (self.machine.clot + self.machine.agglutination).min(1.0);
        (
            dp * (1.0 + CLOT_DP_GAIN * burden),
            transfer * (1.0 - CLOT_TRANSFER_LOSS * burden),
        )
    }

    pub(crate) fn circuit_volume_ml(&self) -> f64 {
        self.p.circuit.static_volume_ml + self.machine.reservoir_ml
    }

    fn patient_hct_pct(&self) -> f64 {
        100.0 * self.rbc_patient_ml / self.circ.total_ml().max(1.0)
    }

    /// Hct of the blood the patient is perfused with: on bypass the patient's and the circuit's
    /// blood are one well-mixed pool (the gas model uses the same Hb), otherwise the patient's.
    /// Reading the reservoir alone would show the clear prime (Hct 0) at the instant bypass
    /// starts, which no blood gas or in-line monitor reports.
    fn arterial_hct_pct(&self) -> f64 {
        if self.phase == Phase::Bypass {
            let total_ml = self.circ.total_ml() + self.circuit_volume_ml();
            100.0 * (self.rbc_patient_ml + self.machine.rbc_ml) / total_ml.max(1.0)
        } else {
            self.patient_hct_pct()
        }
    }

    /// The patient's own plasma, mL.
    pub(crate) fn patient_plasma_ml(&self) -> f64 {
        self.circ.total_ml() - self.rbc_patient_ml
    }

    /// The circuit's plasma, mL.
    pub(crate) fn circuit_plasma_ml(&self) -> f64 {
        (self.circuit_volume_ml() - self.machine.rbc_ml).max(0.0)
    }

    /// Plasma that shares the patient's drugs and protein, mL: the circuit's too on bypass.
    fn connected_plasma_ml(&self) -> f64 {
        let patient = self.patient_plasma_ml();
        if self.phase == Phase::Bypass {
            patient + self.circuit_plasma_ml()
        } else {
            patient
        }
        .max(100.0)
    }

    /// Protein in the connected plasma, g.
    fn connected_protein_g(&self) -> f64 {
        let patient = self.fluids.plasma_protein_g;
        if self.phase == Phase::Bypass {
            patient + self.fluids.circuit_protein_g
        } else {
            patient
        }
    }

    /// Extracellular fluid the potassium excess spreads over, mL: the patient's plasma and
    /// interstitium, and the prime while connected.
    fn ecf_ml(&self) -> f64 {
        self.connected_plasma_ml() + self.fluids.isf_ml
    }

    /// Heparin's extravascular (endothelial-binding) space, mL.
    pub(crate) fn heparin_extravascular_ml(&self) -> f64 {
        HEPARIN_EXTRAVASCULAR_ML_PER_KG * self.p.weight_kg
    }

    /// Heparin's distribution volume, mL: the connected plasma plus the extravascular space,
    /// ≈ 70 mL/kg before bypass.
    pub(crate) fn heparin_space_ml(&self) -> f64 {
        self.connected_plasma_ml() + self.heparin_extravascular_ml()
    }

    pub(crate) fn heater_on(&self) -> bool {
        !self.has_fault(FaultKind::PowerLoss) && !self.has_fault(FaultKind::HeaterCoolerFailure)
    }

    /// What the capillaries see now. Arteriolar constriction (reflex, drugs, tone) raises the
    /// resistance before the capillaries, not after them: the arterial pressure the
    /// capillaries feel is scaled back by the basal over the present resistance, so capillary
    /// pressure follows flow, not the MAP a vasopressor buys.
    fn exchange_inputs(&self) -> Exchange {
        let c = &self.p.circulation;
        let venous_mmhg = (self.circ.volume_ml[SV] - self.drive.venous_unstressed_ml)
            * c.elastance_mmhg_per_ml[SV];
        let arteriolar = self.p.peripheral_resistance_basal / self.drive.peripheral_resistance;
        Exchange {
            arterial_mmhg: venous_mmhg + (self.display.map_mmhg - venous_mmhg) * arteriolar,
            venous_mmhg,
            plasma_ml: self.connected_plasma_ml(),
            plasma_protein_g: self.connected_protein_g(),
        }
    }

    /// Gases, temperatures, drugs, fluids, the myocardium, reflex, urine, labs and alarms.
    fn slow_step(&mut self) {
        let sums = std::mem::take(&mut self.sums);
        let dt = Self::DT_S * f64::from(sums.steps);
        let dt_min = dt / 60.0;
        let per_min = 60.0 / (dt * 1000.0);
        let k = 1.0 - (-dt / FLOW_SMOOTHING_TAU_S).exp();
        let f = &mut self.flows;
        f.tissue_l_min += (sums.tissue_ml * per_min - f.tissue_l_min) * k;
        f.pump_l_min += (sums.pump_ml * per_min - f.pump_l_min) * k;
        f.native_l_min += (sums.ejected_ml * per_min - f.native_l_min) * k;
        let (tissue_l_min, pump_l_min, native_l_min) =
            (f.tissue_l_min, f.pump_l_min, f.native_l_min);
        let map_interval = sums.sa_sum / f64::from(sums.steps);
        let on_bypass = self.phase == Phase::Bypass;
        let now_s = self.time_s();

        if self.phase == Phase::PostBypass && sums.pump_ml > 0.0 {
            self.returned_from_circuit(sums.pump_ml);
        }
        self.reflex
            .update(dt, map_interval, self.p.map_set_mmhg, self.p.volume_scale);
        self.labs.update(now_s);
        self.deliver_cardioplegia(dt);
        self.heart.update(
            dt,
            &HeartInputs {
                clamp_on: self.clamp_on,
                k_mmol_l: self.k_mmol_l(),
                blood_c: self.thermal.arterial_c,
                core_c: self.thermal.core_c,
            },
        );
        let drug = self.pharm.effect(self.p.weight_kg);
        let hct_patient = self.patient_hct_pct();
        let viscosity = (VISCOSITY_PER_HCT_PCT * (hct_patient - self.p.hct0_pct)).exp()
            * (1.0 + VISCOSITY_PER_C * (self.p.temp0_c - self.thermal.core_c)).max(0.5);
        self.drive.peripheral_resistance = self.p.peripheral_resistance_basal
            * viscosity
            * (1.0 + self.reflex.resistance_offset)
            * (1.0 + drug.resistance).max(0.2)
            * self.conditions.vascular_tone;
        self.drive.venous_unstressed_ml = self.p.venous_unstressed_basal_ml
            + self.reflex.venous_offset_ml
            + drug.venous_fraction * self.p.ebv_ml;
        self.drive.diastolic_stiffness = self.heart.diastolic_stiffness();
        self.drive.emax_factor = self.heart.contractility()
            * (1.0 + self.reflex.emax_offset)
            * (1.0 + drug.emax)
            * self.conditions.contractility;
        self.period_s = (self.p.period_set_s + self.reflex.period_offset_s).clamp(0.3, 2.0);

        // While the heart still ejects a real share of the flow (the first seconds on the
        // pump) its blood must still be oxygenated; ventilation stops once bypass is full —
        // native output below 10 % of the total — or 90 s after going on, and resumes when the
        // heart ejects again with the clamp off (partial bypass while weaning; Gravlee).
        if on_bypass {
            let total = (native_l_min + pump_l_min).max(1e-9);
            let native_share = native_l_min / total;
            if self.lungs_ventilated {
                let full = native_share <= FULL_BYPASS_NATIVE_FRACTION;
                let initiated = self.on_pump_s() >= VENTILATION_STOP_MAX_S
                    && native_share < VENTILATION_RESUME_NATIVE_FRACTION;
                self.lungs_ventilated = !(full || initiated);
            } else if !self.clamp_on && native_share >= VENTILATION_RESUME_NATIVE_FRACTION {
                self.lungs_ventilated = true;
            }
        }
        let patient_ml = self.circ.total_ml();
        let arterial_ml = self.circ.volume_ml[SA] + self.circ.volume_ml[SP];
        let hb_g_dl = self.arterial_hct_pct() * HB_G_DL_PER_HCT_PCT;
        let venous_ml = if on_bypass {
            patient_ml + self.circuit_volume_ml() - arterial_ml
        } else {
            patient_ml - arterial_ml
        };
        let (_, transfer) = self.oxygenator_condition();
        self.gas.update(
            dt,
            &GasInputs {
                tissue_flow_l_min: tissue_l_min,
                pump_flow_l_min: pump_l_min,
                native_flow_l_min: native_l_min,
                ventilated: self.lungs_ventilated,
                ventilator_fio2: self.ventilator_fio2,
                hb_g_dl,
                arterial_volume_ml: arterial_ml,
                venous_volume_ml: venous_ml,
                core_c: self.thermal.core_c,
                periphery_c: self.thermal.periphery_c,
                metabolic_rate: self.metabolic_rate(),
                oxygenator_blood_c: self.thermal.arterial_c,
                oxygenator: Oxygenator {
                    area_m2: self.p.oxygenator_area_m2,
                    sweep_l_min: if self.has_fault(FaultKind::GasSupplyFailure) {
                        0.0
                    } else {
                        self.machine.sweep_l_min
                    },
                    fio2: self.machine.fio2,
                    transfer,
                    fico2: self.machine.fico2,
                },
            },
        );
        self.thermal.update(
            dt,
            &ThermalInputs {
                tissue_flow_l_min: tissue_l_min,
                pump_flow_l_min: pump_l_min,
                native_flow_l_min: native_l_min,
                vo2_ml_min: self.gas.vo2_ml_min,
                heater_on: self.heater_on(),
                pf: self.p.circuit.heat_exchanger_pf,
                on_bypass,
            },
        );
        self.pharm
            .update(dt, self.heparin_space_ml(), self.thermal.core_c);

        // Transcapillary exchange: the systemic veins give plasma to the interstitium (or take
        // it back), with the protein that crosses.
        if self.fluid_exchange {
            let e = self.exchange_inputs();
            let max_out = 0.5 * self.circ.volume_ml[SV].max(0.0);
            let (ml, protein_g) = self.fluids.exchange(dt, &e, max_out);
            self.circ.volume_ml[SV] -= ml;
            self.fluids.plasma_protein_g -= protein_g;
        }
        // On bypass the patient's and the circuit's plasma mix: protein shares the pool.
        if on_bypass {
            let patient = self.patient_plasma_ml().max(0.0);
            let total_plasma = patient + self.circuit_plasma_ml();
            let total_protein = self.fluids.plasma_protein_g + self.fluids.circuit_protein_g;
            if total_plasma > 1.0 {
                self.fluids.plasma_protein_g = total_protein * patient / total_plasma;
                self.fluids.circuit_protein_g = total_protein - self.fluids.plasma_protein_g;
            }
        }
        self.fluids.plasma_protein_g = self.fluids.plasma_protein_g.max(0.0);

        // Urine: basal rate, pressure-dependent below MAP 70 (renal autoregulation), none < 40.
        let urine = URINE_ML_KG_H * self.p.weight_kg / 3600.0
            * ((self.display.map_mmhg - 40.0) / 30.0).clamp(0.0, 1.0)
            * dt;
        let urine = urine.min(self.circ.volume_ml[SV].max(0.0));
        self.circ.volume_ml[SV] -= urine;
        self.urine_ml += urine;
        self.fluid_out_ml += urine;

        // Surgical bleeding: whole blood at the patient's Hct leaves the systemic veins, with
        // its plasma protein.
        let lost_ml =
            (self.conditions.bleeding_ml_min * dt_min).min(self.circ.volume_ml[SV].max(0.0));
        if lost_ml > 0.0 {
            let rbc_lost = (lost_ml * hct_patient / 100.0).min(self.rbc_patient_ml);
            let plasma = self.patient_plasma_ml().max(1.0);
            self.fluids.plasma_protein_g -=
                self.fluids.plasma_protein_g * ((lost_ml - rbc_lost) / plasma).min(1.0);
            self.rbc_patient_ml -= rbc_lost;
            self.circ.volume_ml[SV] -= lost_ml;
            self.fluid_out_ml += lost_ml;
        }

        // Ultrafiltration: plasma water out of the reservoir at the set rate, down to the
        // minimum level; the protein stays (it concentrates).
        if let Some(mut uf) = self.machine.ultrafiltration.filter(|_| on_bypass) {
            let removable = (self.machine.reservoir_ml - self.p.circuit.reservoir_min_ml).max(0.0);
            let ml = (uf.rate_ml_min * dt_min)
                .min(uf.remaining_ml)
                .min(removable);
            uf.remaining_ml -= ml;
            self.machine.reservoir_ml -= ml;
            self.ultrafiltrate_ml += ml;
            // Bivalirudin (2.2 kDa) passes the filter freely with the plasma water (sieving
            // coefficient ≈ 1; Koster 2007: haemofiltration clears it at the end of bypass).
            let cleared = (ml / self.ecf_ml()).min(1.0);
            self.pharm.bivalirudin_mg *= 1.0 - cleared;
            self.fluid_out_ml += ml;
            self.machine.ultrafiltration = (uf.remaining_ml > 1e-9).then_some(uf);
        } else {
            self.machine.ultrafiltration = None;
        }

        self.update_crises(dt_min);

        // Clotting of the circuit: when the blood in it is not anticoagulated, when heparin
        // meets HIT antibodies, and when it stands still on bivalirudin.
        if on_bypass {
            let flowing = self.machine.flow_l_min > 0.0;
            let mut rate_per_min = 0.0;
            if flowing {
                let shortfall =
                    ((CLOT_ACT_THRESHOLD_S - self.act_s()) / CLOT_ACT_THRESHOLD_S).max(0.0);
                rate_per_min += CLOT_RATE_PER_MIN * shortfall.powi(3);
            }
            let heparin_u_ml = self.heparin_u_ml();
            if self.has_fault(FaultKind::HitAntibodies) {
                rate_per_min += HIT_CLOT_RATE_PER_MIN_PER_U_ML * heparin_u_ml;
            }
            if !flowing
                && heparin_u_ml < HEPARINISED_U_ML
                && self.pharm.bivalirudin_ug_ml(self.ecf_ml()) > BIVALIRUDIN_ANTICOAGULATED_UG_ML
            {
                rate_per_min += BIVALIRUDIN_STASIS_CLOT_PER_MIN;
            }
            self.machine.clot = (self.machine.clot + rate_per_min * dt_min).min(1.0);
        }

        let oximetry = cerebral_oximetry(&CerebralInputs {
            map_mmhg: self.display.map_mmhg,
            cvp_mmhg: self.display.cvp_mmhg,
            resting_map_mmhg: self.p.map_set_mmhg,
            icp_mmhg: self.p.icp_mmhg,
            paco2_mmhg: self.gas.paco2_mmhg,
            ph: self.gas.ph,
            pao2_mmhg: self.gas.pao2_mmhg,
            hb_g_dl,
            brain_c: self.thermal.core_c,
            jugular_po2_guess_mmhg: self.jugular_po2_mmhg,
        });
        self.rso2_pct = self.cerebral_stasis.follow(
            self.rso2_pct,
            oximetry.rso2_pct,
            self.thermal.core_c,
            dt_min,
        );
        self.jugular_po2_mmhg = oximetry.jugular_po2_mmhg;
        self.update_alarms(dt);
        self.machine.air_recent_ml = 0.0;
    }

    /// The patient crises' slow course: protamine running in error, malignant hyperthermia's
    /// drive and its potassium, cold agglutination in the circuit.
    fn update_crises(&mut self, dt_min: f64) {
        let weight_kg = self.p.weight_kg;
        if self.has_fault(FaultKind::ProtamineInError) {
            self.pharm.protamine_mg += PROTAMINE_ERROR_MG_KG_MIN * weight_kg * dt_min;
        }
        let c = &mut self.conditions;
        let blocked = (c.dantrolene_mg / (DANTROLENE_MG_KG * weight_kg)).min(1.0);
        let triggered = self.faults & fault_bit(FaultKind::MalignantHyperthermia) != 0;
        let target = if triggered { 1.0 - blocked } else { 0.0 };
        let tau_min = if target > c.mh_drive {
            MH_RISE_TAU_MIN
        } else {
            MH_RESOLVE_TAU_MIN
        };
        c.mh_drive += (target - c.mh_drive) * (dt_min / tau_min).min(1.0);
        self.pharm.k_excess_mmol += MH_K_MMOL_KG_MIN * weight_kg * c.mh_drive * dt_min;
        let constricted = self.faults & fault_bit(FaultKind::PulmonaryVasoconstriction) != 0;
        let (target, tau_min) = if constricted {
            (1.0, PULMONARY_CONSTRICTION_RISE_TAU_MIN)
        } else {
            (0.0, PULMONARY_CONSTRICTION_WANE_TAU_MIN)
        };
        c.pulmonary_constriction +=
            (target - c.pulmonary_constriction) * (dt_min / tau_min).min(1.0);
        let factor = 1.0 + PULMONARY_CONSTRICTION_GAIN * c.pulmonary_constriction;
        for (k, basal) in PULMONARY.into_iter().zip(self.p.pulmonary_resistance_basal) {
            self.p.circulation.resistance[k] = basal * factor;
        }

        let m = &mut self.machine;
        let below_c = self.p.cold_agglutinin_amplitude_c - self.thermal.arterial_c;
        if self.faults & fault_bit(FaultKind::ColdAgglutinins) != 0
            && self.phase == Phase::Bypass
            && below_c > 0.0
        {
            m.agglutination =
                (m.agglutination + AGGLUTINATION_RATE_PER_MIN_C * below_c * dt_min).min(1.0);
        } else {
            m.agglutination *= (-dt_min / AGGLUTINATION_DISPERSE_TAU_MIN).exp();
        }
    }

    /// Metabolic rate × normal: the instructor's setting and malignant hyperthermia.
    fn metabolic_rate(&self) -> f64 {
        self.conditions.metabolic_rate * (1.0 + MH_METABOLIC_GAIN * self.conditions.mh_drive)
    }

    /// Moves the share of the circuit's heparin and protein that went back to the patient with
    /// `ml` of blood after bypass.
    fn returned_from_circuit(&mut self, ml: f64) {
        let share = (ml / (self.circuit_volume_ml() + ml).max(1.0)).min(1.0);
        let heparin = self.circuit_heparin_u * share;
        self.circuit_heparin_u -= heparin;
        self.pharm.heparin_u += heparin;
        let protein = self.fluids.circuit_protein_g * share;
        self.fluids.circuit_protein_g -= protein;
        self.fluids.plasma_protein_g += protein;
    }

    /// The cardioplegia dose in progress reaches the heart (arresting it only behind a
    /// cross-clamp) and, through the coronary sinus, the circulation: its crystalloid part
    /// returns to the reservoir on bypass, its potassium to the body.
    fn deliver_cardioplegia(&mut self, dt_s: f64) {
        let Some(mut delivery) = self.machine.cardioplegia else {
            return;
        };
        if self.cardioplegia_occluded() {
            return;
        }
        if self.machine.cardioplegia_route == CardioplegiaRoute::Retrograde {
            delivery.transfer.rate_ml_min = delivery
                .transfer
                .rate_ml_min
                .min(RETROGRADE_MAX_ML_MIN * self.adult_size_fraction());
        }
        let ml = delivery.transfer.take(dt_s);
        let kind = delivery.kind;
        self.cardioplegia_ml += ml;
        self.machine.cardioplegia_dose_ml += ml;
        let crystalloid_ml = ml * cardioplegia_crystalloid_fraction(kind);
        self.fluid_in_ml += crystalloid_ml;
        self.pharm.k_excess_mmol += ml / 1000.0 * cardioplegia_k_mmol_l(kind);
        if self.clamp_on {
            self.heart.perfuse_cardioplegia(
                dt_s,
                delivery.transfer.rate_ml_min,
                kind,
                delivery.temp_c,
                self.p.weight_kg,
            );
            if self.phase == Phase::Bypass {
                self.machine.reservoir_ml += crystalloid_ml;
            } else {
                self.circ.volume_ml[RA] += crystalloid_ml;
            }
        } else {
            self.circ.volume_ml[SV] += crystalloid_ml;
        }
        if delivery.transfer.remaining_ml <= 1e-9 {
            self.machine.cardioplegia = None;
            self.machine.cardioplegia_done_at_s = Some(self.time_s());
        } else {
            self.machine.cardioplegia = Some(delivery);
        }
    }

    /// The antegrade line is occluded and cardioplegia is going that way: nothing flows.
    fn cardioplegia_occluded(&self) -> bool {
        self.machine.cardioplegia_route == CardioplegiaRoute::Antegrade
            && self.has_fault(FaultKind::CardioplegiaLineOcclusion)
    }

    /// Pressure at the cardioplegia line's transducer now, mmHg: the root (antegrade) or the
    /// coronary sinus (retrograde) at the delivery rate for an adult coronary bed (∝ 1/BSA),
    /// the pump's stop against an occluded line, 0 with no dose running.
    fn cardioplegia_pressure_mmhg(&self) -> f64 {
        let Some(d) = self.machine.cardioplegia else {
            return 0.0;
        };
        if self.cardioplegia_occluded() {
            return CARDIOPLEGIA_OCCLUDED_MMHG;
        }
        let per_ml_min = match self.machine.cardioplegia_route {
            CardioplegiaRoute::Antegrade => ROOT_MMHG_PER_ML_MIN,
            CardioplegiaRoute::Retrograde => RETROGRADE_MMHG_PER_ML_MIN,
        };
        per_ml_min * d.transfer.rate_ml_min * ADULT_BSA_M2 / self.p.bsa_m2
    }

    /// Every alarm condition now, with its limit and clear band.
    fn update_alarms(&mut self, dt_s: f64) {
        let on_bypass = self.phase == Phase::Bypass;
        let c = &self.p.circuit;
        let m = &self.machine;
        let mut cond = [Condition::Clear; ALARM_COUNT];
        cond[id::ARTERIAL_AIR] = Condition::flag(m.bubble.tripped);
        cond[id::AIR_EMBOLISM] = Condition::flag(m.air_recent_ml > 0.0);
        cond[id::RESERVOIR_EMPTY] = Condition::flag(
            m.level.tripped || (on_bypass && m.reservoir_ml < c.reservoir_floor_ml),
        );
        cond[id::PUMP_FAILURE] = Condition::flag(self.has_fault(FaultKind::PumpFailure));
        cond[id::POWER_LOSS] = Condition::flag(self.has_fault(FaultKind::PowerLoss));
        cond[id::HIGH_LINE_PRESSURE] = if m.servo_limiting {
            Condition::Raise
        } else {
            Condition::above(
                m.post_oxygenator_mmhg,
                m.pressure_limit_mmhg,
                LINE_PRESSURE_BAND_MMHG,
            )
        };
        cond[id::CIRCUIT_THROMBOSIS] = Condition::flag(m.clot >= CLOT_VISIBLE);
        let low_map_mmhg =
            LOW_MAP_ALARM_MMHG * (self.p.map_set_mmhg / LOW_MAP_ALARM_REFERENCE_MMHG).min(1.0);
        cond[id::LOW_MAP] = Condition::below(self.display.map_mmhg, low_map_mmhg, 5.0);
        cond[id::LOW_PAO2] =
            Condition::below(self.gas.pao2_mmhg, LOW_PAO2_ALARM_MMHG, 10.0).when(on_bypass);
        cond[id::VF] = Condition::flag(self.heart.rhythm == Rhythm::Vf);
        cond[id::ASYSTOLE] = Condition::flag(self.heart.rhythm == Rhythm::Asystole && !on_bypass);
        cond[id::LOW_LEVEL] = Condition::below(
            m.reservoir_ml,
            c.reservoir_min_ml,
            0.25 * c.reservoir_min_ml,
        )
        .when(on_bypass);
        cond[id::HIGH_PACO2] =
            Condition::above(self.gas.paco2_mmhg, HIGH_PACO2_ALARM_MMHG, 3.0).when(on_bypass);
        cond[id::LOW_SVO2] = Condition::below(self.gas.svo2, LOW_SVO2_ALARM, 0.03).when(on_bypass);
        let rso2_limit =
            LOW_RSO2_ALARM_PCT.max(LOW_RSO2_ALARM_OF_BASELINE * self.p.rso2_baseline_pct);
        cond[id::LOW_RSO2] = Condition::below(self.rso2_pct, rso2_limit, 3.0);
        cond[id::LOW_ACT] =
            Condition::flag(on_bypass && self.labs.act_s.is_some_and(|act| act < LOW_ACT_ALARM_S));
        cond[id::ACT_DUE] = Condition::flag(
            on_bypass
                && self
                    .labs
                    .since_act_drawn_s(self.time_s())
                    .is_none_or(|s| s > ACT_INTERVAL_S),
        );
        cond[id::HYPERKALEMIA] = Condition::above(self.k_mmol_l(), HYPERKALEMIA_ALARM_MMOL_L, 0.2);
        cond[id::HIGH_ARTERIAL_TEMP] =
            Condition::above(self.thermal.arterial_c, HIGH_ARTERIAL_TEMP_ALARM_C, 0.2)
                .when(on_bypass);
        cond[id::HEATER_COOLER_OFF] = Condition::flag(!self.heater_on());
        cond[id::HIGH_LEVEL] = Condition::above(
            m.reservoir_ml,
            HIGH_LEVEL_ALARM_FRACTION * c.reservoir_capacity_ml,
            0.02 * c.reservoir_capacity_ml,
        );
        cond[id::HIGH_TEMP_GRADIENT] = Condition::above(
            (self.thermal.arterial_c - self.thermal.venous_c).abs(),
            TEMP_GRADIENT_ALARM_C,
            0.5,
        )
        .when(on_bypass);
        cond[id::DETECTOR_DISARMED] = Condition::flag(!m.level.armed || !m.bubble.armed);
        self.alarms.update(dt_s, &cond);
    }

    /// True ACT of the patient's blood, s (what a drawn sample will read).
    pub(crate) fn act_s(&self) -> f64 {
        let dilution = (1.0 - self.p.plasma0_ml / self.connected_plasma_ml()).clamp(0.0, 0.8);
        self.pharm.act_s(
            self.p.act0_s,
            self.heparin_sensitivity(),
            self.heparin_space_ml(),
            self.ecf_ml(),
            dilution,
        )
    }

    /// Plasma heparin, U/mL.
    fn heparin_u_ml(&self) -> f64 {
        self.pharm.heparin_u / self.heparin_space_ml()
    }

    /// Heparin sensitivity with the antithrombin given: taken to follow antithrombin activity,
    /// which 1 IU/kg raises by 1.4 % (Thrombate III label: dose = (target − baseline %) × kg /
    /// 1.4), up to normal and no further (assumption: supranormal antithrombin adds little;
    /// Avidan MS et al., J Thorac Cardiovasc Surg 2005;130:107 — 75 IU/kg restored the response
    /// to heparin in most resistant patients).
    fn heparin_sensitivity(&self) -> f64 {
        let own = self.p.heparin_sensitivity;
        let raised =
            own + AT_PCT_PER_IU_KG / 100.0 * self.conditions.antithrombin_iu / self.p.weight_kg;
        raised.min(own.max(1.0))
    }

    /// Plasma potassium, mmol/L.
    pub(crate) fn k_mmol_l(&self) -> f64 {
        self.pharm.k_mmol_l(self.p.k0_mmol_l, self.ecf_ml())
    }

    /// Steps while `step_count · DT_S < time_s` (integer step counter, no drift).
    pub fn run_until(&mut self, time_s: f64) {
        while (self.step_count as f64) * Self::DT_S < time_s {
            if !self.heart.beats() && self.count_still_steps(time_s) > 0 {
                continue;
            }
            self.step();
        }
    }

    /// While the heart is still, counts at once the steps that only wait for the next
    /// [`STILL_HEART_STEPS`] grid point (none of them runs anything) and that `run_until`
    /// would take before `time_s`, and returns how many; the grid step itself is left to
    /// [`Self::step`].
    fn count_still_steps(&mut self, time_s: f64) -> u64 {
        let grid = u64::from(STILL_HEART_STEPS);
        let waiting = grid - 1 - self.step_count % grid;
        let mut n = 0;
        while n < waiting && ((self.step_count + n) as f64) * Self::DT_S < time_s {
            n += 1;
        }
        self.count_steps(n);
        n
    }

    /// Counts `n` steps taken (their hemodynamics pending) on the clocks of the run, of bypass
    /// and of the cross-clamp.
    fn count_steps(&mut self, n: u64) {
        self.pending_steps += n as u32;
        self.step_count += n;
        if self.phase == Phase::Bypass {
            self.bypass_steps += n;
        }
        if self.clamp_on {
            self.clamp_steps += n;
        }
    }

    /// Simulated time, s.
    pub fn time_s(&self) -> f64 {
        self.step_count as f64 * Self::DT_S
    }

    /// Everything observable now. Pure: observing never changes the trajectory.
    pub fn observe(&self) -> Observations {
        let hct = self.arterial_hct_pct();
        let on_bypass = self.phase == Phase::Bypass;
        let bsa = self.p.bsa_m2;
        let (pressure, _) = self.circ.pressures(&self.p.circulation, &self.drive);
        let m = &self.machine;
        let core_c = self.thermal.core_c;
        let now_s = self.time_s();
        Observations {
            time_s: now_s,
            phase: self.phase,
            hr_bpm: self.heart.hr_bpm(),
            rhythm: self.heart.rhythm,
            pacing_bpm: self.heart.pacing_bpm(),
            map_mmhg: self.display.map_mmhg,
            sbp_mmhg: self.display.sbp_mmhg,
            dbp_mmhg: self.display.dbp_mmhg,
            arterial_pressure_mmhg: pressure[SA],
            cvp_mmhg: self.display.cvp_mmhg,
            cardiac_output_l_min: self.display.cardiac_output_l_min,
            pump_flow_l_min: m.flow_l_min,
            pump_rpm: m.rpm,
            arterial_line_pressure_mmhg: m.post_oxygenator_mmhg,
            pre_oxygenator_pressure_mmhg: m.post_oxygenator_mmhg + m.oxygenator_dp_mmhg,
            oxygenator_dp_mmhg: m.oxygenator_dp_mmhg,
            pressure_limit_mmhg: m.pressure_limit_mmhg,
            servo_limiting: m.servo_limiting,
            venous_occlusion_pct: if m.venous_clamped {
                100.0
            } else {
                100.0 * m.venous_occlusion
            },
            level_detector_armed: m.level.armed,
            level_detector_tripped: m.level.tripped,
            bubble_detector_armed: m.bubble.armed,
            bubble_detector_tripped: m.bubble.tripped,
            air_to_patient_ml: m.air_to_patient_ml,
            reservoir_volume_ml: m.reservoir_ml,
            sweep_l_min: m.sweep_l_min,
            fio2_pct: 100.0
                * if on_bypass {
                    m.fio2
                } else {
                    self.ventilator_fio2
                },
            sweep_co2_pct: 100.0 * m.fico2,
            hct_pct: hct,
            hb_g_dl: hct * HB_G_DL_PER_HCT_PCT,
            pao2_mmhg: self.gas.pao2_mmhg,
            paco2_mmhg: self.gas.paco2_mmhg,
            ph: self.gas.ph,
            pao2_tc_mmhg: po2_at_temp_mmhg(self.gas.pao2_mmhg, core_c),
            paco2_tc_mmhg: pco2_at_temp_mmhg(self.gas.paco2_mmhg, core_c),
            ph_tc: ph_at_temp(self.gas.ph, core_c),
            hco3_mmol_l: self.gas.hco3_mmol_l(),
            sbe_mmol_l: self.gas.sbe_mmol_l,
            sao2_pct: 100.0 * self.gas.sao2,
            // The venous-line oximeter reads what the line drains: the aorta's blood when the
            // lines are reversed.
            svo2_pct: on_bypass.then_some(
                100.0
                    * if self.has_fault(FaultKind::ReversedCannulation) {
                        self.gas.sao2
                    } else {
                        self.gas.svo2
                    },
            ),
            lactate_mmol_l: self.gas.lactate_mmol_l,
            rso2_pct: self.rso2_pct,
            k_mmol_l: self.k_mmol_l(),
            act_s: self.act_s(),
            heparin_u_ml: self.heparin_u_ml(),
            temp_core_c: core_c,
            temp_arterial_c: self.thermal.arterial_c,
            temp_venous_c: self.thermal.venous_c,
            temp_periphery_c: self.thermal.periphery_c,
            temp_myocardium_c: self.heart.myocardium_c,
            temp_water_c: Some(self.thermal.water_c),
            do2i_ml_min_m2: self.gas.do2_ml_min / bsa,
            vo2i_ml_min_m2: self.gas.vo2_ml_min / bsa,
            vco2i_ml_min_m2: self.gas.vco2_ml_min / bsa,
            urine_ml: self.urine_ml,
            fluid_in_ml: self.fluid_in_ml,
            fluid_out_ml: self.fluid_out_ml,
            cardioplegia_ml: self.cardioplegia_ml,
            cardioplegia_kind: m.cardioplegia_kind,
            cardioplegia_dose_ml: m.cardioplegia_dose_ml,
            cardioplegia_rate_ml_min: m.cardioplegia.map_or(0.0, |d| d.transfer.rate_ml_min),
            cardioplegia_pressure_mmhg: self.cardioplegia_pressure_mmhg(),
            minutes_since_cardioplegia: if m.cardioplegia.is_some() {
                Some(0.0)
            } else {
                m.cardioplegia_done_at_s.map(|t| (now_s - t) / 60.0)
            },
            ultrafiltrate_ml: self.ultrafiltrate_ml,
            colloid_osmotic_mmhg: colloid_osmotic_mmhg(
                100.0 * self.connected_protein_g() / self.connected_plasma_ml(),
            ),
            plasma_volume_ml: self.patient_plasma_ml(),
            interstitial_ml: self.fluids.isf_ml,
            contractility_pct: 100.0 * self.heart.contractility() * self.conditions.contractility,
            measured_act_s: self.labs.act_s,
            measured_abg: self.labs.abg,
            bypass_time_s: self.bypass_steps as f64 * Self::DT_S,
            cross_clamp_time_s: self.clamp_steps as f64 * Self::DT_S,
            alarms: self.alarms.list(),
            alarms_raised_total: self.alarms.raised_total(),
            active_faults: FaultKind::ALL
                .iter()
                .copied()
                .filter(|k| self.has_fault(*k))
                .collect(),
        }
    }

    /// A copy of the whole state (< 64 KiB).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot { sim: self.clone() }
    }

    /// Returns to a saved moment.
    pub fn restore(&mut self, snapshot: &Snapshot) {
        self.clone_from(&snapshot.sim);
    }

    /// Body-surface area (DuBois), m².
    pub fn bsa_m2(&self) -> f64 {
        self.p.bsa_m2
    }

    /// Estimated blood volume, mL.
    pub fn ebv_ml(&self) -> f64 {
        self.p.ebv_ml
    }

    /// Volume in the patient's circulation plus the circuit (prime, reservoir), mL.
    pub fn blood_volume_ml(&self) -> f64 {
        self.circ.total_ml() + self.circuit_volume_ml()
    }

    /// Blood volume plus the interstitial fluid, mL: changes only by
    /// `fluid_in_ml − fluid_out_ml` of [`Observations`] (the invariant the tests check).
    pub fn fluid_volume_ml(&self) -> f64 {
        self.blood_volume_ml() + self.fluids.isf_ml
    }

    /// Full bypass flow for this patient (2.4 L/min/m²), L/min.
    pub fn full_flow_l_min(&self) -> f64 {
        FULL_FLOW_INDEX_L_MIN_M2 * self.p.bsa_m2
    }

    /// BSA over an adult's (1.9 m²), at most 1: how the circuit's adult rates (cardioplegia,
    /// ultrafiltration, the retrograde ceiling) scale down for a child.
    fn adult_size_fraction(&self) -> f64 {
        (self.p.bsa_m2 / ADULT_BSA_M2).min(1.0)
    }

    /// Default cardioplegia delivery rate for this patient, mL/min.
    pub(crate) fn default_cardioplegia_rate_ml_min(&self) -> f64 {
        CARDIOPLEGIA_RATE_ML_MIN * self.adult_size_fraction()
    }

    /// Default ultrafiltration rate for this patient, mL/min.
    pub(crate) fn default_ultrafiltration_rate_ml_min(&self) -> f64 {
        ULTRAFILTRATION_RATE_ML_MIN * self.adult_size_fraction()
    }

    /// Default rate of returning volume after bypass, mL/min.
    pub(crate) fn default_return_rate_ml_min(&self) -> f64 {
        RETURN_RATE_FRACTION_OF_FULL_FLOW * self.full_flow_l_min() * 1000.0
    }

    /// The blood gas an analyser would report for a sample drawn now.
    pub(crate) fn blood_gas_now(&self) -> BloodGas {
        let hct = self.arterial_hct_pct();
        BloodGas {
            drawn_at_s: self.time_s(),
            ph: self.gas.ph,
            pao2_mmhg: self.gas.pao2_mmhg,
            paco2_mmhg: self.gas.paco2_mmhg,
            hco3_mmol_l: self.gas.hco3_mmol_l(),
            sbe_mmol_l: self.gas.sbe_mmol_l,
            sao2_pct: 100.0 * self.gas.sao2,
            hct_pct: hct,
            hb_g_dl: hct * HB_G_DL_PER_HCT_PCT,
            k_mmol_l: self.k_mmol_l(),
            lactate_mmol_l: self.gas.lactate_mmol_l,
            temp_c: self.thermal.core_c,
        }
    }

    /// Arterial air entrained now, mL/min (the `arterial-air` fault with the pump running).
    pub(crate) fn entrained_air_ml_min(&self) -> f64 {
        ENTRAINED_AIR_ML_MIN_PER_L_MIN * self.machine.flow_l_min.max(0.0)
    }
}
