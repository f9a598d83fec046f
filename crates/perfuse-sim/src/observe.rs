//! What can be observed at one instant: [`Observations`], [`Phase`] and [`Alarm`]s.

use crate::action::{CardioplegiaKind, FaultKind};
use crate::names::named_enum;

named_enum! {
    /// Phase of the operation.
    pub enum Phase {
        /// Before the first `start-bypass`.
        PreBypass => "pre-bypass",
        /// On cardiopulmonary bypass.
        Bypass => "bypass",
        /// After `end-bypass`.
        PostBypass => "post-bypass",
    }
}

named_enum! {
    /// Cardiac rhythm as a monitor reads it.
    pub enum Rhythm {
        /// Sinus rhythm at the rate the baroreflex sets.
        Sinus => "sinus",
        /// Junctional escape rhythm (≈ 45/min).
        Junctional => "junctional",
        /// High-grade AV block with a ventricular escape (≈ 35/min): hyperkalemia, ischaemia.
        AvBlock => "av-block",
        /// No electrical activity: cardioplegic arrest or hyperkalemic asystole.
        Asystole => "asystole",
        /// Ventricular fibrillation: no output until defibrillated.
        Vf => "vf",
        /// Captured by the epicardial pacemaker.
        Paced => "paced",
    }
}

named_enum! {
    /// Alarm priority (IEC 60601-1-8), ordered `Low < Medium < High`.
    pub enum Priority {
        /// Low priority: operator awareness.
        Low => "low",
        /// Medium priority: prompt response.
        Medium => "medium",
        /// High priority: immediate response.
        High => "high",
    }
}

/// An active alarm: priority and a stable kebab-case code such as `"arterial-air"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alarm {
    /// IEC 60601-1-8 priority.
    pub priority: Priority,
    /// Stable code, e.g. `"low-level"`, `"high-line-pressure"`.
    pub code: &'static str,
}

/// A blood-gas result as the analyser reports it (alpha-stat, 37 °C), with when it was drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BloodGas {
    /// When the sample was drawn, s.
    pub drawn_at_s: f64,
    /// pH.
    pub ph: f64,
    /// PaO2, mmHg.
    pub pao2_mmhg: f64,
    /// PaCO2, mmHg.
    pub paco2_mmhg: f64,
    /// Bicarbonate, mmol/L.
    pub hco3_mmol_l: f64,
    /// Standard base excess, mmol/L.
    pub sbe_mmol_l: f64,
    /// SaO2, %.
    pub sao2_pct: f64,
    /// Hematocrit, %.
    pub hct_pct: f64,
    /// Hemoglobin, g/dL.
    pub hb_g_dl: f64,
    /// Potassium, mmol/L.
    pub k_mmol_l: f64,
    /// Lactate, mmol/L.
    pub lactate_mmol_l: f64,
    /// Patient temperature the analyser was given, °C.
    pub temp_c: f64,
}

/// Everything observable at one instant. Field names are the data-dictionary names of
/// `scenario.md`. `Option` = not applicable now (an empty CSV field).
#[derive(Clone, Debug, PartialEq)]
pub struct Observations {
    /// Simulated time, s.
    pub time_s: f64,
    /// Phase of the operation.
    pub phase: Phase,
    /// Heart rate, 1/min (0 in asystole or VF).
    pub hr_bpm: f64,
    /// Cardiac rhythm.
    pub rhythm: Rhythm,
    /// Epicardial pacing rate set, 1/min (0 = off).
    pub pacing_bpm: f64,
    /// Mean arterial pressure over the last 2 s window, mmHg.
    pub map_mmhg: f64,
    /// Systolic (maximum) arterial pressure over the last 2 s window, mmHg.
    pub sbp_mmhg: f64,
    /// Diastolic (minimum) arterial pressure over the last 2 s window, mmHg.
    pub dbp_mmhg: f64,
    /// Instantaneous systemic arterial pressure, mmHg (for waveforms).
    pub arterial_pressure_mmhg: f64,
    /// Central venous (right atrial) pressure, mmHg.
    pub cvp_mmhg: f64,
    /// Native left-ventricular output over the last 2 s window, L/min.
    pub cardiac_output_l_min: f64,
    /// Arterial pump flow, L/min (negative = retrograde).
    pub pump_flow_l_min: f64,
    /// Pump head speed, 1/min.
    pub pump_rpm: f64,
    /// Post-oxygenator arterial line pressure ("line pressure"), mmHg.
    pub arterial_line_pressure_mmhg: f64,
    /// Pre-oxygenator (system) pressure between pump and oxygenator, mmHg.
    pub pre_oxygenator_pressure_mmhg: f64,
    /// Pressure drop across the oxygenator, mmHg (rises with clotting or failure).
    pub oxygenator_dp_mmhg: f64,
    /// Arterial line pressure limit of the pump servo, mmHg.
    pub pressure_limit_mmhg: f64,
    /// Whether the pressure servo is holding the pump back now.
    pub servo_limiting: bool,
    /// Venous line occlusion, % (100 while the venous line is clamped).
    pub venous_occlusion_pct: f64,
    /// Level detector armed.
    pub level_detector_armed: bool,
    /// Level detector tripped (pump stopped until reset).
    pub level_detector_tripped: bool,
    /// Bubble detector armed.
    pub bubble_detector_armed: bool,
    /// Bubble detector tripped (pump stopped until reset).
    pub bubble_detector_tripped: bool,
    /// Cumulative air pumped into the patient, mL (a neurological-injury counter).
    pub air_to_patient_ml: f64,
    /// Venous reservoir level, mL.
    pub reservoir_volume_ml: f64,
    /// Oxygenator gas flow, L/min.
    pub sweep_l_min: f64,
    /// Oxygenator FiO2 on bypass, ventilator FiO2 off bypass, %.
    pub fio2_pct: f64,
    /// CO2 added to the sweep, %.
    pub sweep_co2_pct: f64,
    /// Arterial hematocrit, %.
    pub hct_pct: f64,
    /// Hemoglobin, g/dL.
    pub hb_g_dl: f64,
    /// Arterial PO2 (37 °C, alpha-stat), mmHg.
    pub pao2_mmhg: f64,
    /// Arterial PCO2 (37 °C, alpha-stat), mmHg.
    pub paco2_mmhg: f64,
    /// Arterial pH (37 °C).
    pub ph: f64,
    /// Arterial PO2 corrected to the patient's core temperature, mmHg.
    pub pao2_tc_mmhg: f64,
    /// Arterial PCO2 corrected to the patient's core temperature, mmHg.
    pub paco2_tc_mmhg: f64,
    /// Arterial pH corrected to the patient's core temperature.
    pub ph_tc: f64,
    /// Bicarbonate, mmol/L.
    pub hco3_mmol_l: f64,
    /// Standard base excess, mmol/L.
    pub sbe_mmol_l: f64,
    /// Arterial O2 saturation, %.
    pub sao2_pct: f64,
    /// Mixed-venous O2 saturation (in-line venous monitor, on bypass), %.
    pub svo2_pct: Option<f64>,
    /// Arterial lactate, mmol/L.
    pub lactate_mmol_l: f64,
    /// Regional cerebral O2 saturation (near-infrared spectroscopy), %.
    pub rso2_pct: f64,
    /// Plasma potassium, mmol/L.
    pub k_mmol_l: f64,
    /// Activated clotting time, s.
    pub act_s: f64,
    /// Plasma heparin concentration, U/mL.
    pub heparin_u_ml: f64,
    /// Core (nasopharyngeal) temperature, °C.
    pub temp_core_c: f64,
    /// Arterial blood temperature (heat-exchanger outlet on bypass), °C.
    pub temp_arterial_c: f64,
    /// Mixed-venous blood temperature, °C.
    pub temp_venous_c: f64,
    /// Peripheral (muscle, skin) temperature, °C.
    pub temp_periphery_c: f64,
    /// Myocardial (septal) temperature, °C.
    pub temp_myocardium_c: f64,
    /// Heater-cooler water temperature, °C.
    pub temp_water_c: Option<f64>,
    /// Indexed O2 delivery, mL/min/m².
    pub do2i_ml_min_m2: f64,
    /// Indexed O2 consumption, mL/min/m².
    pub vo2i_ml_min_m2: f64,
    /// Indexed CO2 elimination (oxygenator exhaust on bypass, lungs off bypass), mL/min/m².
    pub vco2i_ml_min_m2: f64,
    /// Cumulative urine, mL.
    pub urine_ml: f64,
    /// Cumulative cardioplegia delivered, mL.
    pub cardioplegia_ml: f64,
    /// Solution of the last cardioplegia dose.
    pub cardioplegia_kind: Option<CardioplegiaKind>,
    /// Delivered so far of the present (or last) dose, mL.
    pub cardioplegia_dose_ml: f64,
    /// Cardioplegia delivery rate now, mL/min (0 when not delivering).
    pub cardioplegia_rate_ml_min: f64,
    /// Aortic root pressure during delivery, mmHg (0 when not delivering).
    pub cardioplegia_pressure_mmhg: f64,
    /// Minutes since the last cardioplegia dose finished (`None` before the first).
    pub minutes_since_cardioplegia: Option<f64>,
    /// Cumulative ultrafiltrate removed, mL.
    pub ultrafiltrate_ml: f64,
    /// Plasma colloid osmotic pressure (Landis–Pappenheimer), mmHg.
    pub colloid_osmotic_mmhg: f64,
    /// The patient's plasma volume, mL.
    pub plasma_volume_ml: f64,
    /// The patient's interstitial fluid volume, mL.
    pub interstitial_ml: f64,
    /// Ventricular contractility after ischaemia, % of the patient's own.
    pub contractility_pct: f64,
    /// Last ACT result, s (`None` until one comes back).
    pub measured_act_s: Option<f64>,
    /// Last blood-gas result (`None` until one comes back).
    pub measured_abg: Option<BloodGas>,
    /// Cumulative volume given: fluids, red cells, the crystalloid part of cardioplegia, mL.
    pub fluid_in_ml: f64,
    /// Cumulative volume lost: urine, ultrafiltrate, bleeding, mL.
    pub fluid_out_ml: f64,
    /// Cumulative bypass time, s.
    pub bypass_time_s: f64,
    /// Cumulative cross-clamp time, s.
    pub cross_clamp_time_s: f64,
    /// Active alarms, highest priority first.
    pub alarms: Vec<Alarm>,
    /// Cumulative count of alarm onsets since t = 0.
    pub alarms_raised_total: u32,
    /// Active injected faults.
    pub active_faults: Vec<FaultKind>,
}
