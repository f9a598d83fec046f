//! What can be observed at one instant: [`Observations`], [`Phase`] and [`Alarm`]s.

use crate::action::FaultKind;
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

/// Everything observable at one instant. Field names are the data-dictionary names of
/// `scenario.md`. `Option` = not applicable now (an empty CSV field).
#[derive(Clone, Debug, PartialEq)]
pub struct Observations {
    /// Simulated time, s.
    pub time_s: f64,
    /// Phase of the operation.
    pub phase: Phase,
    /// Heart rate, 1/min (0 when arrested).
    pub hr_bpm: f64,
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
    /// Post-oxygenator arterial line pressure, mmHg.
    pub arterial_line_pressure_mmhg: f64,
    /// Venous reservoir level, mL.
    pub reservoir_volume_ml: f64,
    /// Oxygenator gas flow, L/min.
    pub sweep_l_min: f64,
    /// Oxygenator FiO2 on bypass, ventilator FiO2 off bypass, %.
    pub fio2_pct: f64,
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
