//! The heart-lung machine's state: what the perfusionist set (pump, occluder, gases, limits),
//! what its safety systems did (detectors, servo), and the slow transfers it is carrying out
//! (a cardioplegia dose, ultrafiltration, returning volume after bypass).

use crate::action::{CardioplegiaKind, CardioplegiaRoute};

/// How the arterial pump is commanded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PumpControl {
    /// Deliver this flow, L/min (a centrifugal head's speed follows the load).
    Flow(f64),
    /// Run at this speed, 1/min.
    Rpm(f64),
}

/// A level or bubble detector. A tripped detector keeps the pump stopped until the
/// perfusionist resets it, even when its cause has gone, as the safety devices of heart-lung
/// machines do (2019 EACTS/EACTA/EBCP CPB guideline, ICVTS 2020;30:161, safety features).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DetectorState {
    /// It stops the pump when it sees its condition.
    pub armed: bool,
    /// It has stopped the pump.
    pub tripped: bool,
}

impl Default for DetectorState {
    fn default() -> Self {
        DetectorState {
            armed: true,
            tripped: false,
        }
    }
}

/// A volume being moved at a rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transfer {
    /// Still to move, mL.
    pub remaining_ml: f64,
    /// Rate, mL/min.
    pub rate_ml_min: f64,
}

impl Transfer {
    /// Takes this step's share (at most what remains).
    pub fn take(&mut self, dt_s: f64) -> f64 {
        let ml = (self.rate_ml_min * dt_s / 60.0).min(self.remaining_ml);
        self.remaining_ml -= ml;
        ml
    }
}

/// A cardioplegia dose being delivered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Delivery {
    /// Solution.
    pub kind: CardioplegiaKind,
    /// Solution temperature, °C.
    pub temp_c: f64,
    /// Volume and rate.
    pub transfer: Transfer,
}

/// The machine.
#[derive(Clone, Debug)]
pub struct Machine {
    /// The arterial pump is running as part of bypass (until `end-bypass`).
    pub pump_on: bool,
    /// How the pump is commanded.
    pub control: PumpControl,
    /// Pump head speed, 1/min.
    pub rpm: f64,
    /// Pump forward flow, L/min (negative: retrograde through a stopped centrifugal head).
    pub flow_l_min: f64,
    /// Post-oxygenator (arterial line) pressure, mmHg.
    pub post_oxygenator_mmhg: f64,
    /// Oxygenator pressure drop, mmHg.
    pub oxygenator_dp_mmhg: f64,
    /// Arterial line pressure limit, mmHg.
    pub pressure_limit_mmhg: f64,
    /// The servo is holding the pump back now.
    pub servo_limiting: bool,
    /// Reservoir level detector.
    pub level: DetectorState,
    /// Arterial bubble detector.
    pub bubble: DetectorState,
    /// Arterial line clamped.
    pub arterial_clamped: bool,
    /// Hand-crank rate, turns/min (drives the roller only while its motor is down).
    pub hand_crank_rpm: f64,
    /// Venous line clamped (off bypass).
    pub venous_clamped: bool,
    /// Venous occluder, fraction closed (0 open, 1 clamped).
    pub venous_occlusion: f64,
    /// Vacuum on the reservoir, mmHg.
    pub vavd_mmhg: f64,
    /// Venous reservoir volume, mL.
    pub reservoir_ml: f64,
    /// Red cells in the circuit, mL.
    pub rbc_ml: f64,
    /// Sweep, L/min; whether the user set it.
    pub sweep_l_min: f64,
    /// The user has set the sweep (start-bypass then keeps it).
    pub sweep_set: bool,
    /// Oxygenator FiO2, fraction.
    pub fio2: f64,
    /// CO2 in the sweep, fraction.
    pub fico2: f64,
    /// Clot burden of the circuit, 0 (none) to 1 (oxygenator failing).
    pub clot: f64,
    /// Red-cell agglutination in the heat exchanger and oxygenator (cold agglutinins), 0 to 1.
    pub agglutination: f64,
    /// Where cardioplegia goes in.
    pub cardioplegia_route: CardioplegiaRoute,
    /// Air pumped into the patient so far, mL.
    pub air_to_patient_ml: f64,
    /// Air pumped into the patient since the last slow step, mL.
    pub air_recent_ml: f64,
    /// Cardioplegia being delivered.
    pub cardioplegia: Option<Delivery>,
    /// Delivered of the present or last dose, mL.
    pub cardioplegia_dose_ml: f64,
    /// Solution of the last dose.
    pub cardioplegia_kind: Option<CardioplegiaKind>,
    /// When the last dose finished, s.
    pub cardioplegia_done_at_s: Option<f64>,
    /// Ultrafiltration in progress.
    pub ultrafiltration: Option<Transfer>,
    /// Volume being returned to the patient after bypass.
    pub returning: Option<Transfer>,
}
