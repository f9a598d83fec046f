//! [`Simulation`]: the patient and the circuit stepped together at a fixed step, driven only by
//! [`Action`]s. Hemodynamics run every [`Simulation::DT_S`]; gases, temperatures, drugs, reflex
//! and alarms every [`SLOW_EVERY`] steps. Nothing depends on when or how often it is observed.

use crate::action::{Action, FaultKind};
use crate::alarms;
use crate::blood::HB_G_DL_PER_HCT_PCT;
use crate::circuit::{CircuitParams, FULL_FLOW_INDEX_L_MIN_M2, LINE_SERVO_MMHG};
use crate::circulation::{
    AORTIC, Circulation, CirculationParams, Drive, LV, N, PERIPHERAL, RA,
    REFERENCE_BLOOD_VOLUME_ML, RV, SA, SP, SV,
};
use crate::config::{CircuitConfig, ConfigError, PatientConfig, PumpKind};
use crate::gas::{Gas, GasInputs, Oxygenator};
use crate::heart::{ARREST_DOSE_ML_PER_KG, Heart};
use crate::observe::{Observations, Phase};
use crate::pharm::{Pharm, cardioplegia_crystalloid_fraction, cardioplegia_k_mmol_l};
use crate::reflex::Reflex;
use crate::thermal::{Thermal, ThermalInputs};
use perfuse_clinical::body::{BsaMethod, bsa_m2};

/// What the instructor (or a scenario) changed about the patient: multipliers on the patient's
/// own vascular tone, contractility and metabolic rate, and a surgical blood loss. All neutral
/// at start.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Conditions {
    vascular_tone: f64,
    contractility: f64,
    metabolic_rate: f64,
    bleeding_ml_min: f64,
}

impl Default for Conditions {
    fn default() -> Self {
        Conditions {
            vascular_tone: 1.0,
            contractility: 1.0,
            metabolic_rate: 1.0,
            bleeding_ml_min: 0.0,
        }
    }
}

/// Slow subsystems run every this many hemodynamic steps (0.1 s).
pub const SLOW_EVERY: u64 = 20;
/// The window for MAP, SBP, DBP, CVP and cardiac output closes at the first beat after
/// `WINDOW_MIN_STEPS` (1 s), so it holds whole beats, or after `WINDOW_MAX_STEPS` (3 s) when
/// the heart is slow; with the heart arrested the flow is the pump's, steady, and the window
/// is 1 s, like a monitor's non-pulsatile mean.
const WINDOW_MIN_STEPS: u32 = 200;
const WINDOW_MAX_STEPS: u32 = 600;
/// Time constant smoothing the flows seen by gases and temperatures, s (beat-to-beat
/// pulsatility removed; blood transit through the lungs and arteries takes a few seconds).
const FLOW_SMOOTHING_TAU_S: f64 = 3.0;
/// Resting cardiac index of an anaesthetised adult before bypass, L/min/m² (Gravlee: 2.5–3).
const RESTING_CI_L_MIN_M2: f64 = 2.6;
/// Native share of total flow below which bypass is "full" and ventilation stops (Gravlee,
/// *Cardiopulmonary Bypass*: ventilation is discontinued once full flow is reached and the
/// heart has emptied; the 10 % figure is an assumption).
const FULL_BYPASS_NATIVE_FRACTION: f64 = 0.1;
/// Ventilation stops at the latest this long after `start-bypass`, s, even if the heart still
/// ejects (assumption: within the first minutes of bypass, Gravlee).
const VENTILATION_STOP_MAX_S: f64 = 90.0;
/// Heparin's extravascular distribution space, mL/kg: with ≈ 42 mL/kg of plasma it gives the
/// 0.07 L/kg distribution volume of the FDA label (model-reference §7), and plasma levels of
/// 4–6 U/mL after 300–400 U/kg as anti-Xa assays measure before bypass.
const HEPARIN_EXTRAVASCULAR_ML_PER_KG: f64 = 30.0;
/// Hematocrit of packed red cells, % (scenario.md).
const PRBC_HCT_PCT: f64 = 60.0;
/// Ventilator FiO2 before bypass, fraction (assumption: typical intra-operative setting).
const VENTILATOR_FIO2: f64 = 0.5;
/// Sweep per unit of pump flow when bypass starts without a set sweep (gas:blood 0.7;
/// Perfusion 2002;17:353 reports 0.56–0.67 for normocapnia).
const DEFAULT_GAS_BLOOD_RATIO: f64 = 0.7;
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
/// Venous drainage ramp-down and maximal filling time during weaning, s (assumption).
const WEAN_CLAMP_S: f64 = 20.0;
const WEAN_MAX_S: f64 = 90.0;
/// Weaning stops filling from the reservoir at this multiple of its minimum level (300 mL in
/// the adult circuit; a margin that scales with the circuit, assumption).
const WEAN_RESERVOIR_STOP: f64 = 1.5;
/// Alarm thresholds (docs/model.md §11). Arterial line pressure, mmHg: Gravlee, *Cardiopulmonary
/// Bypass*, arterial line monitoring (alarm ≈ 300 mmHg, servo shortly above).
const LINE_ALARM_MMHG: f64 = 300.0;
/// PaO2 on bypass, mmHg: below 80 the arterial blood is no longer fully saturated (Severinghaus
/// curve; the EACTS 2019 CPB guideline targets normoxia). Assumption within that.
const LOW_PAO2_ALARM_MMHG: f64 = 80.0;
/// PaCO2 on bypass, mmHg: marked hypercapnia (normocapnia 35–45; EACTS 2019). Assumption.
const HIGH_PACO2_ALARM_MMHG: f64 = 55.0;
/// SvO2 on bypass, fraction: below 55 % O2 extraction exceeds ≈ 45 %, a sign of inadequate
/// delivery (Gravlee, monitoring on CPB; threshold an assumption).
const LOW_SVO2_ALARM: f64 = 0.55;
/// ACT on bypass, s: below 400 s anticoagulation is insufficient (Bull 1975; protocols target
/// ≥ 480 s and act by 400 s).
const LOW_ACT_ALARM_S: f64 = 400.0;
/// Plasma potassium, mmol/L: moderate hyperkalemia starts at 6.0 (UK Renal Association
/// hyperkalaemia guideline 2020).
const HYPERKALEMIA_ALARM_MMOL_L: f64 = 6.0;
/// Arterial outlet temperature, °C: Engelman R et al., J Extra Corpor Technol 2015;47:145
/// (temperature management guideline) caps it at 37 °C; 0.05 °C tolerance for display rounding.
const HIGH_ARTERIAL_TEMP_ALARM_C: f64 = 37.05;
/// Reservoir above this fraction of its capacity (risk of overflow; assumption).
const HIGH_LEVEL_ALARM_FRACTION: f64 = 0.95;
/// Arterial–venous temperature gradient, °C (Engelman 2015: ≤ 10 °C on cooling and rewarming).
const TEMP_GRADIENT_ALARM_C: f64 = 10.0;
/// Oxygenator failure multiplies its pressure drop (clotted fibres) and its O2/CO2 transfer
/// (docs/model.md §12; magnitudes assumed for a failure that needs a change-out).
const OXYGENATOR_FAILED_DP_FACTOR: f64 = 2.5;
const OXYGENATOR_FAILED_TRANSFER: f64 = 0.3;
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
    /// It made no sense in the present state and changed nothing, for this reason.
    Ignored(&'static str),
}

/// How the arterial pump is commanded.
#[derive(Clone, Copy, Debug, PartialEq)]
enum PumpControl {
    /// Deliver this flow, L/min (a centrifugal head's speed follows the load).
    Flow(f64),
    /// Run at this speed, 1/min.
    Rpm(f64),
}

/// Fixed parameters derived from the configuration (and start-up calibration).
#[derive(Clone, Debug)]
struct Params {
    weight_kg: f64,
    bsa_m2: f64,
    ebv_ml: f64,
    volume_scale: f64,
    circulation: CirculationParams,
    circuit: CircuitParams,
    oxygenator_area_m2: f64,
    map_set_mmhg: f64,
    period_set_s: f64,
    peripheral_resistance_basal: f64,
    venous_unstressed_basal_ml: f64,
    hct0_pct: f64,
    temp0_c: f64,
    act0_s: f64,
    heparin_sensitivity: f64,
    k0_mmol_l: f64,
    initial_sweep_l_min: f64,
    plasma0_ml: f64,
    cvp_baseline_mmhg: f64,
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
    p: Params,
    circ: Circulation,
    heart: Heart,
    reflex: Reflex,
    gas: Gas,
    thermal: Thermal,
    pharm: Pharm,
    conditions: Conditions,
    drive: Drive,
    period_s: f64,
    phase: Phase,
    pump_on: bool,
    control: PumpControl,
    pump_rpm: f64,
    pump_flow_l_min: f64,
    line_pressure_mmhg: f64,
    level_servo_stop: bool,
    arterial_clamped: bool,
    venous_open: f64,
    weaning_s: Option<f64>,
    /// Step at which bypass last started (for the initiation ramp).
    bypass_start_step: u64,
    reservoir_ml: f64,
    rbc_patient_ml: f64,
    rbc_circuit_ml: f64,
    sweep_l_min: f64,
    sweep_set: bool,
    oxygenator_fio2: f64,
    ventilator_fio2: f64,
    /// The lungs are ventilated: off bypass, and on bypass until it is full (latched).
    lungs_ventilated: bool,
    vavd_mmhg: f64,
    clamp_on: bool,
    faults: u32,
    step_count: u64,
    bypass_steps: u64,
    clamp_steps: u64,
    urine_ml: f64,
    cardioplegia_ml: f64,
    /// Fluid balance since t = 0: volume given (fluids, red cells, cardioplegia crystalloid) and
    /// lost (urine, ultrafiltrate, bleeding), mL. Patient + circuit volume changes by exactly
    /// their difference.
    fluid_in_ml: f64,
    fluid_out_ml: f64,
    window: Window,
    display: Display,
    sums: SlowSums,
    flows: SmoothFlows,
    alarms: u32,
    alarms_raised_total: u32,
}

/// A saved moment of a [`Simulation`]: a plain copy of its state (a few kB).
#[derive(Clone, Debug)]
pub struct Snapshot {
    sim: Simulation,
}

fn fault_bit(kind: FaultKind) -> u32 {
    1 << FaultKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl Simulation {
    /// Fixed internal step, seconds (hemodynamics).
    pub const DT_S: f64 = 0.005;

    /// Builds the patient and circuit, then lets the patient settle for a few simulated minutes
    /// (calibrating peripheral resistance and venous tone to the configured MAP and a resting
    /// cardiac index of 2.6 L/min/m²) before t = 0.
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
        let co_l_min = RESTING_CI_L_MIN_M2 * bsa;
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
        let reservoir = circuit.prime_ml - prime_static;
        let p = Params {
            weight_kg: patient.weight_kg,
            bsa_m2: bsa,
            ebv_ml: ebv,
            volume_scale,
            circulation,
            circuit: circuit_params,
            oxygenator_area_m2: circuit.oxygenator_area_m2,
            map_set_mmhg: patient.map_mmhg,
            period_set_s: period,
            peripheral_resistance_basal: peripheral_resistance,
            venous_unstressed_basal_ml: venous_unstressed,
            hct0_pct: hct0,
            temp0_c: patient.temp_c,
            act0_s: patient.act_s,
            heparin_sensitivity: patient.heparin_sensitivity,
            k0_mmol_l: patient.k_mmol_l,
            initial_sweep_l_min: circuit.initial_sweep_l_min,
            plasma0_ml: ebv * (1.0 - hct0 / 100.0),
            cvp_baseline_mmhg: 4.0,
        };
        let gas = Gas::new(
            bsa,
            patient.weight_kg,
            patient.lactate_mmol_l,
            patient.temp_c,
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
        let mut sim = Simulation {
            circ: Circulation { volume_ml: volume },
            heart: Heart::new(period, seed),
            reflex: Reflex::new(patient.map_mmhg),
            gas,
            thermal,
            pharm: Pharm::new(),
            conditions: Conditions::default(),
            drive: Drive {
                activation: 0.0,
                emax_factor: 1.0,
                peripheral_resistance,
                venous_unstressed_ml: venous_unstressed,
                aortic_open: true,
            },
            period_s: period,
            phase: Phase::PreBypass,
            pump_on: false,
            control: PumpControl::Flow(0.0),
            pump_rpm: 0.0,
            pump_flow_l_min: 0.0,
            line_pressure_mmhg: 0.0,
            level_servo_stop: false,
            arterial_clamped: false,
            venous_open: 0.0,
            weaning_s: None,
            bypass_start_step: 0,
            reservoir_ml: reservoir,
            rbc_patient_ml: ebv * hct0 / 100.0,
            rbc_circuit_ml: circuit.prime_ml * circuit.prime_hct_pct / 100.0,
            sweep_l_min: 0.0,
            sweep_set: false,
            oxygenator_fio2: circuit.initial_fio2_pct / 100.0,
            ventilator_fio2: VENTILATOR_FIO2,
            lungs_ventilated: true,
            vavd_mmhg: circuit.vavd_mmhg,
            clamp_on: false,
            faults: 0,
            step_count: 0,
            bypass_steps: 0,
            clamp_steps: 0,
            urine_ml: 0.0,
            cardioplegia_ml: 0.0,
            fluid_in_ml: 0.0,
            fluid_out_ml: 0.0,
            window: Window::default(),
            display: Display::default(),
            sums: SlowSums::default(),
            flows: SmoothFlows {
                tissue_l_min: co_l_min,
                pump_l_min: 0.0,
                native_l_min: co_l_min,
            },
            alarms: 0,
            alarms_raised_total: 0,
            p,
        };
        sim.calibrate(co_l_min);
        Ok(sim)
    }

    /// Settles the patient: adjusts basal peripheral resistance to the configured MAP and venous
    /// unstressed volume to the resting cardiac output, then resets clocks and counters.
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
        self.p.cvp_baseline_mmhg = self.display.cvp_mmhg;
        self.step_count = 0;
        self.urine_ml = 0.0;
        self.fluid_out_ml = 0.0;
        self.alarms_raised_total = 0;
    }

    /// One internal step of [`Self::DT_S`].
    pub fn step(&mut self) {
        let dt = Self::DT_S;
        let (activation, new_beat) = self.heart.advance(dt, self.period_s);
        self.drive.activation = activation;
        self.drive.aortic_open = !self.clamp_on;
        let (pressure, elastance) = self.circ.pressures(&self.p.circulation, &self.drive);
        let q = Circulation::flows(&self.p.circulation, &self.drive, &pressure, &elastance, dt);

        let drainage_ml_s = if self.venous_open > 0.0 && !self.has_fault(FaultKind::VenousAirlock) {
            self.venous_open * self.p.circuit.drainage_ml_s(pressure[RA], self.vavd_mmhg)
        } else {
            0.0
        };
        self.update_pump(pressure[SA]);
        self.circ.advance(&q, dt);
        // Neither side can give more blood than it holds: drainage is limited by the right
        // atrium, forward pumping by the reservoir, retrograde flow by the aorta.
        let drain_ml = (drainage_ml_s * dt).min(self.circ.volume_ml[RA].max(0.0));
        let pump_ml = (self.pump_flow_l_min * 1000.0 / 60.0 * dt)
            .min(self.reservoir_ml + drain_ml)
            .max(-self.circ.volume_ml[SA].max(0.0));
        self.circ.volume_ml[RA] -= drain_ml;
        self.circ.volume_ml[SA] += pump_ml;
        self.reservoir_ml += drain_ml - pump_ml;
        // Red cells travel with the blood: drained at the patient's Hct, pumped at the circuit's
        // (retrograde flow carries the patient's). Nothing moves off bypass: skip the divisions.
        if drain_ml != 0.0 || pump_ml != 0.0 {
            let hct_patient = self.rbc_patient_ml / self.circ.total_ml().max(1.0);
            let hct_circuit = self.rbc_circuit_ml / self.circuit_volume_ml().max(1.0);
            let pumped_rbc = pump_ml
                * if pump_ml >= 0.0 {
                    hct_circuit
                } else {
                    hct_patient
                };
            let moved = drain_ml * hct_patient - pumped_rbc;
            self.rbc_patient_ml -= moved;
            self.rbc_circuit_ml += moved;
        }
        self.reservoir_ml = self.reservoir_ml.max(0.0);
        self.rbc_circuit_ml = self.rbc_circuit_ml.max(0.0);
        self.rbc_patient_ml = self.rbc_patient_ml.max(0.0);

        let sa = pressure[SA];
        let w = &mut self.window;
        let window_max = if self.heart.arrested {
            WINDOW_MIN_STEPS
        } else {
            WINDOW_MAX_STEPS
        };
        if (new_beat && w.steps >= WINDOW_MIN_STEPS) || w.steps >= window_max {
            let n = f64::from(w.steps);
            self.display = Display {
                map_mmhg: w.sa_sum / n,
                sbp_mmhg: w.sa_max,
                dbp_mmhg: w.sa_min,
                cvp_mmhg: w.ra_sum / n,
                cardiac_output_l_min: w.ejected_ml / (n * dt) * 60.0 / 1000.0,
            };
            *w = Window::default();
        }
        if w.steps == 0 {
            w.sa_max = sa;
            w.sa_min = sa;
        }
        w.steps += 1;
        w.sa_sum += sa;
        w.sa_max = w.sa_max.max(sa);
        w.sa_min = w.sa_min.min(sa);
        w.ra_sum += pressure[RA];
        w.ejected_ml += q[AORTIC] * dt;
        let s = &mut self.sums;
        s.tissue_ml += q[PERIPHERAL] * dt;
        s.pump_ml += pump_ml.max(0.0);
        s.ejected_ml += q[AORTIC] * dt;
        s.sa_sum += sa;

        self.step_count += 1;
        if self.phase == Phase::Bypass {
            self.bypass_steps += 1;
        }
        if self.clamp_on {
            self.clamp_steps += 1;
        }
        if self.step_count % SLOW_EVERY == 0 {
            self.slow_step();
        }
    }

    /// Pump speed, flow and line pressure for this step.
    fn update_pump(&mut self, sa_mmhg: f64) {
        let c = &self.p.circuit;
        if self.phase == Phase::Bypass && self.reservoir_ml < c.reservoir_floor_ml {
            self.level_servo_stop = true;
        } else if self.level_servo_stop && self.reservoir_ml > c.reservoir_min_ml {
            self.level_servo_stop = false;
        }
        let stopped_by_fault = [
            FaultKind::PumpFailure,
            FaultKind::PowerLoss,
            FaultKind::ArterialAir,
        ]
        .into_iter()
        .any(|kind| self.has_fault(kind));
        let running = self.pump_on && !stopped_by_fault && !self.level_servo_stop;
        let dp = self.oxygenator_condition().0;
        let connected = self.phase != Phase::PreBypass && !self.arterial_clamped;
        let ramp = self.initiation_ramp();
        match c.pump {
            PumpKind::Roller => {
                self.pump_rpm = match (running, self.control) {
                    (false, _) => 0.0,
                    (true, PumpControl::Flow(f)) => c.roller_rpm(f * ramp),
                    (true, PumpControl::Rpm(r)) => r,
                };
                if self.arterial_clamped && self.pump_rpm > 0.0 {
                    // Occlusive pump against a clamp: the pressure servo holds it stopped.
                    self.pump_flow_l_min = 0.0;
                    self.line_pressure_mmhg = LINE_SERVO_MMHG;
                    return;
                }
                self.pump_flow_l_min = if connected {
                    c.roller_flow_l_min(self.pump_rpm)
                } else {
                    0.0
                };
            }
            PumpKind::Centrifugal => {
                self.pump_rpm = match (running, self.control) {
                    (false, _) => 0.0,
                    (true, PumpControl::Flow(f)) => c.centrifugal_rpm(f * ramp, sa_mmhg, dp),
                    (true, PumpControl::Rpm(r)) => r,
                };
                if !connected {
                    self.pump_flow_l_min = 0.0;
                    self.line_pressure_mmhg = if self.arterial_clamped {
                        c.centrifugal_shutoff_mmhg(self.pump_rpm)
                    } else {
                        0.0
                    };
                    return;
                }
                self.pump_flow_l_min = c.centrifugal_flow_l_min(self.pump_rpm, sa_mmhg, dp);
            }
        }
        self.line_pressure_mmhg = if connected {
            c.line_pressure_mmhg(sa_mmhg, self.pump_flow_l_min, dp)
        } else {
            0.0
        };
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

    /// Time since bypass last started, s.
    fn on_pump_s(&self) -> f64 {
        (self.step_count - self.bypass_start_step) as f64 * Self::DT_S
    }

    fn has_fault(&self, kind: FaultKind) -> bool {
        self.faults & fault_bit(kind) != 0
    }

    /// Oxygenator pressure-drop factor and gas-transfer factor (1, 1 when intact).
    fn oxygenator_condition(&self) -> (f64, f64) {
        if self.has_fault(FaultKind::OxygenatorFailure) {
            (OXYGENATOR_FAILED_DP_FACTOR, OXYGENATOR_FAILED_TRANSFER)
        } else {
            (1.0, 1.0)
        }
    }

    fn circuit_volume_ml(&self) -> f64 {
        self.p.circuit.static_volume_ml + self.reservoir_ml
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
            100.0 * (self.rbc_patient_ml + self.rbc_circuit_ml) / total_ml.max(1.0)
        } else {
            self.patient_hct_pct()
        }
    }

    /// Plasma that shares the patient's drugs, mL: the circuit's too while it is connected (on
    /// bypass and while weaning returns the reservoir's blood).
    fn connected_plasma_ml(&self) -> f64 {
        let patient = self.patient_plasma_ml();
        if self.phase == Phase::Bypass || self.weaning_s.is_some() {
            patient + self.circuit_volume_ml() - self.rbc_circuit_ml
        } else {
            patient
        }
        .max(100.0)
    }

    /// The patient's own plasma, mL.
    fn patient_plasma_ml(&self) -> f64 {
        self.circ.total_ml() - self.rbc_patient_ml
    }

    /// Heparin's extravascular (endothelial-binding) space, mL.
    fn heparin_extravascular_ml(&self) -> f64 {
        HEPARIN_EXTRAVASCULAR_ML_PER_KG * self.p.weight_kg
    }

    /// Heparin's distribution volume, mL: the connected plasma plus the extravascular space,
    /// ≈ 70 mL/kg before bypass.
    fn heparin_space_ml(&self) -> f64 {
        self.connected_plasma_ml() + self.heparin_extravascular_ml()
    }

    fn heater_on(&self) -> bool {
        !self.has_fault(FaultKind::PowerLoss) && !self.has_fault(FaultKind::HeaterCoolerFailure)
    }

    /// Gases, temperatures, drugs, reflex, rhythm, urine, weaning and alarms.
    fn slow_step(&mut self) {
        let dt = Self::DT_S * SLOW_EVERY as f64;
        let per_min = 60.0 / (dt * 1000.0);
        let sums = std::mem::take(&mut self.sums);
        let k = 1.0 - (-dt / FLOW_SMOOTHING_TAU_S).exp();
        let f = &mut self.flows;
        f.tissue_l_min += (sums.tissue_ml * per_min - f.tissue_l_min) * k;
        f.pump_l_min += (sums.pump_ml * per_min - f.pump_l_min) * k;
        f.native_l_min += (sums.ejected_ml * per_min - f.native_l_min) * k;
        let (tissue_l_min, pump_l_min, native_l_min) =
            (f.tissue_l_min, f.pump_l_min, f.native_l_min);
        let map_interval = sums.sa_sum / SLOW_EVERY as f64;

        self.reflex
            .update(dt, map_interval, self.p.map_set_mmhg, self.p.volume_scale);
        self.heart.update_rhythm(dt, self.clamp_on);
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
        self.drive.emax_factor = self.heart.contractility
            * (1.0 + self.reflex.emax_offset)
            * (1.0 + drug.emax)
            * self.conditions.contractility;
        self.period_s = (self.p.period_set_s + self.reflex.period_offset_s).clamp(0.3, 2.0);

        let on_bypass = self.phase == Phase::Bypass;
        // While the heart still ejects a real share of the flow (the first seconds on the
        // pump) its blood must still be oxygenated; ventilation stops once bypass is full —
        // native output below 10 % of the total — or 90 s after going on, and stays off until
        // weaning (Gravlee, initiation of CPB).
        if on_bypass && self.lungs_ventilated {
            let on_pump_s = self.on_pump_s();
            let full = native_l_min <= FULL_BYPASS_NATIVE_FRACTION * (native_l_min + pump_l_min);
            self.lungs_ventilated = !(full || on_pump_s >= VENTILATION_STOP_MAX_S);
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
                metabolic_rate: self.conditions.metabolic_rate,
                oxygenator: Oxygenator {
                    area_m2: self.p.oxygenator_area_m2,
                    sweep_l_min: self.sweep_l_min,
                    fio2: self.oxygenator_fio2,
                    transfer,
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
            },
        );
        self.pharm.update(dt, self.heparin_space_ml());

        // Urine: basal rate, pressure-dependent below MAP 70 (renal autoregulation), none < 40.
        let urine = URINE_ML_KG_H * self.p.weight_kg / 3600.0
            * ((self.display.map_mmhg - 40.0) / 30.0).clamp(0.0, 1.0)
            * dt;
        let urine = urine.min(self.circ.volume_ml[SV].max(0.0));
        self.circ.volume_ml[SV] -= urine;
        self.urine_ml += urine;
        self.fluid_out_ml += urine;

        // Surgical bleeding: whole blood at the patient's Hct leaves the systemic veins.
        let lost_ml =
            (self.conditions.bleeding_ml_min * dt / 60.0).min(self.circ.volume_ml[SV].max(0.0));
        if lost_ml > 0.0 {
            self.rbc_patient_ml -= (lost_ml * hct_patient / 100.0).min(self.rbc_patient_ml);
            self.circ.volume_ml[SV] -= lost_ml;
            self.fluid_out_ml += lost_ml;
        }

        if let Some(t) = self.weaning_s {
            let t = t + dt;
            self.venous_open = (1.0 - t / WEAN_CLAMP_S).max(0.0);
            let full = self.display.cvp_mmhg >= self.p.cvp_baseline_mmhg + 2.0
                || self.reservoir_ml <= WEAN_RESERVOIR_STOP * self.p.circuit.reservoir_min_ml;
            if t >= WEAN_CLAMP_S && (full || t >= WEAN_MAX_S) {
                // The circuit is disconnected: the heparin and protamine in its plasma stay
                // behind (what weaning pumped back carried its share to the patient).
                let share = (self.patient_plasma_ml() + self.heparin_extravascular_ml())
                    / self.heparin_space_ml();
                self.pharm.heparin_u *= share;
                self.pharm.protamine_mg *= share;
                self.pump_on = false;
                self.arterial_clamped = true;
                self.venous_open = 0.0;
                self.weaning_s = None;
            } else {
                self.weaning_s = Some(t);
            }
        }
        self.update_alarms();
    }

    fn update_alarms(&mut self) {
        use alarms::*;
        let on_bypass = self.phase == Phase::Bypass;
        let c = &self.p.circuit;
        let mut m = 0;
        let mut set = |cond: bool, bit: u32| {
            if cond {
                m |= bit;
            }
        };
        set(self.has_fault(FaultKind::ArterialAir), ARTERIAL_AIR);
        set(
            on_bypass && self.reservoir_ml < c.reservoir_floor_ml,
            RESERVOIR_EMPTY,
        );
        set(self.has_fault(FaultKind::PumpFailure), PUMP_FAILURE);
        set(self.has_fault(FaultKind::PowerLoss), POWER_LOSS);
        set(
            self.line_pressure_mmhg > LINE_ALARM_MMHG,
            HIGH_LINE_PRESSURE,
        );
        let low_map_mmhg =
            LOW_MAP_ALARM_MMHG * (self.p.map_set_mmhg / LOW_MAP_ALARM_REFERENCE_MMHG).min(1.0);
        set(self.display.map_mmhg < low_map_mmhg, LOW_MAP);
        set(
            on_bypass && self.gas.pao2_mmhg < LOW_PAO2_ALARM_MMHG,
            LOW_PAO2,
        );
        set(
            on_bypass && self.reservoir_ml < c.reservoir_min_ml,
            LOW_LEVEL,
        );
        set(
            on_bypass && self.gas.paco2_mmhg > HIGH_PACO2_ALARM_MMHG,
            HIGH_PACO2,
        );
        set(on_bypass && self.gas.svo2 < LOW_SVO2_ALARM, LOW_SVO2);
        set(on_bypass && self.act_s() < LOW_ACT_ALARM_S, LOW_ACT);
        set(self.k_mmol_l() > HYPERKALEMIA_ALARM_MMOL_L, HYPERKALEMIA);
        set(
            on_bypass && self.thermal.arterial_c > HIGH_ARTERIAL_TEMP_ALARM_C,
            HIGH_ARTERIAL_TEMP,
        );
        set(!self.heater_on(), HEATER_COOLER_OFF);
        set(
            self.reservoir_ml > HIGH_LEVEL_ALARM_FRACTION * c.reservoir_capacity_ml,
            HIGH_LEVEL,
        );
        set(
            on_bypass
                && (self.thermal.arterial_c - self.thermal.venous_c).abs() > TEMP_GRADIENT_ALARM_C,
            HIGH_TEMP_GRADIENT,
        );
        self.alarms_raised_total += (m & !self.alarms).count_ones();
        self.alarms = m;
    }

    fn act_s(&self) -> f64 {
        let dilution = (1.0 - self.p.plasma0_ml / self.connected_plasma_ml()).clamp(0.0, 0.8);
        self.pharm.act_s(
            self.p.act0_s,
            self.p.heparin_sensitivity,
            self.heparin_space_ml(),
            dilution,
        )
    }

    fn k_mmol_l(&self) -> f64 {
        self.pharm.k_mmol_l(self.p.k0_mmol_l, self.p.weight_kg)
    }

    /// Steps while `step_count · DT_S < time_s` (integer step counter, no drift).
    pub fn run_until(&mut self, time_s: f64) {
        while (self.step_count as f64) * Self::DT_S < time_s {
            self.step();
        }
    }

    /// Simulated time, s.
    pub fn time_s(&self) -> f64 {
        self.step_count as f64 * Self::DT_S
    }

    /// Applies an action. Never fails for a validated action; one that makes no sense in the
    /// present state (ending bypass before it started, ultrafiltration off bypass) changes
    /// nothing and says why, so scenario authors and students are told rather than ignored.
    pub fn apply(&mut self, action: &Action) -> Applied {
        let on_bypass = self.phase == Phase::Bypass;
        match *action {
            Action::EndBypass | Action::Ultrafiltrate { .. } if !on_bypass => {
                return Applied::Ignored("not on bypass");
            }
            Action::CrossClampOn if self.clamp_on => {
                return Applied::Ignored("the cross-clamp is already on");
            }
            Action::CrossClampOff if !self.clamp_on => {
                return Applied::Ignored("the cross-clamp is not on");
            }
            Action::Fault(kind) if self.has_fault(kind) => {
                return Applied::Ignored("that fault is already active");
            }
            Action::ClearFault(kind) if !self.has_fault(kind) => {
                return Applied::Ignored("that fault is not active");
            }
            _ => {}
        }
        match *action {
            Action::Heparin { units } => self.pharm.heparin_u += units,
            Action::Protamine { mg } => self.pharm.protamine_mg += mg,
            Action::StartBypass { flow_l_min } => {
                if !on_bypass {
                    self.phase = Phase::Bypass;
                    self.bypass_start_step = self.step_count;
                    self.pump_on = true;
                    self.venous_open = 1.0;
                    self.arterial_clamped = false;
                    self.weaning_s = None;
                    if !self.sweep_set {
                        self.sweep_l_min = if self.p.initial_sweep_l_min > 0.0 {
                            self.p.initial_sweep_l_min
                        } else {
                            DEFAULT_GAS_BLOOD_RATIO * flow_l_min
                        };
                    }
                }
                self.control = PumpControl::Flow(flow_l_min);
            }
            Action::SetFlow { flow_l_min } => self.control = PumpControl::Flow(flow_l_min),
            Action::SetRpm { rpm } => self.control = PumpControl::Rpm(rpm),
            Action::SetSweep { l_min } => {
                self.sweep_l_min = l_min;
                self.sweep_set = true;
            }
            Action::SetFio2 { pct } => {
                if on_bypass {
                    self.oxygenator_fio2 = pct / 100.0;
                } else {
                    self.ventilator_fio2 = pct / 100.0;
                }
            }
            Action::SetWaterTemp { temp_c } => self.thermal.water_set_c = temp_c,
            Action::SetVavd { mmhg } => self.vavd_mmhg = mmhg,
            Action::CrossClampOn => {
                self.clamp_on = true;
                self.heart.clamp_on();
            }
            Action::CrossClampOff => {
                self.clamp_on = false;
                self.heart.clamp_off();
            }
            Action::Cardioplegia { ml, kind } => {
                self.cardioplegia_ml += ml;
                // The blood part comes from the circuit and returns via the coronary sinus.
                let crystalloid_ml = ml * cardioplegia_crystalloid_fraction(kind);
                self.circ.volume_ml[RA] += crystalloid_ml;
                self.fluid_in_ml += crystalloid_ml;
                self.pharm.k_excess_mmol += ml / 1000.0 * cardioplegia_k_mmol_l(kind);
                if self.clamp_on {
                    self.heart
                        .cardioplegia(ml, ARREST_DOSE_ML_PER_KG * self.p.weight_kg);
                }
            }
            Action::GiveRbc { ml } => self.add_volume(ml, ml * PRBC_HCT_PCT / 100.0),
            Action::GiveFluid { ml, .. } => self.add_volume(ml, 0.0),
            Action::Ultrafiltrate { ml } => {
                let removable = (self.reservoir_ml - self.p.circuit.reservoir_min_ml).max(0.0);
                self.reservoir_ml -= ml.min(removable);
                self.fluid_out_ml += ml.min(removable);
            }
            Action::GiveDrug { drug, dose } => self.pharm.give(drug, dose),
            Action::SetVascularTone { factor } => self.conditions.vascular_tone = factor,
            Action::SetContractility { factor } => self.conditions.contractility = factor,
            Action::SetMetabolicRate { factor } => self.conditions.metabolic_rate = factor,
            Action::SetBleeding { ml_min } => self.conditions.bleeding_ml_min = ml_min,
            Action::ClampArterialLine => self.arterial_clamped = true,
            Action::UnclampArterialLine => self.arterial_clamped = false,
            Action::EndBypass => {
                self.phase = Phase::PostBypass;
                self.lungs_ventilated = true;
                self.weaning_s = Some(0.0);
            }
            Action::Fault(kind) => self.faults |= fault_bit(kind),
            Action::ClearFault(kind) => self.faults &= !fault_bit(kind),
        }
        Applied::Done
    }

    /// Adds volume with `rbc_ml` of red cells: into the reservoir on bypass, IV otherwise.
    fn add_volume(&mut self, ml: f64, rbc_ml: f64) {
        self.fluid_in_ml += ml;
        if self.phase == Phase::Bypass {
            self.reservoir_ml += ml;
            self.rbc_circuit_ml += rbc_ml;
        } else {
            self.circ.volume_ml[SV] += ml;
            self.rbc_patient_ml += rbc_ml;
        }
    }

    /// Everything observable now. Pure: observing never changes the trajectory.
    pub fn observe(&self) -> Observations {
        let hct = self.arterial_hct_pct();
        let on_bypass = self.phase == Phase::Bypass;
        let bsa = self.p.bsa_m2;
        let (pressure, _) = self.circ.pressures(&self.p.circulation, &self.drive);
        Observations {
            time_s: self.time_s(),
            phase: self.phase,
            hr_bpm: self.heart.hr_bpm(),
            map_mmhg: self.display.map_mmhg,
            sbp_mmhg: self.display.sbp_mmhg,
            dbp_mmhg: self.display.dbp_mmhg,
            arterial_pressure_mmhg: pressure[SA],
            cvp_mmhg: self.display.cvp_mmhg,
            cardiac_output_l_min: self.display.cardiac_output_l_min,
            pump_flow_l_min: self.pump_flow_l_min,
            pump_rpm: self.pump_rpm,
            arterial_line_pressure_mmhg: self.line_pressure_mmhg,
            reservoir_volume_ml: self.reservoir_ml,
            sweep_l_min: self.sweep_l_min,
            fio2_pct: 100.0
                * if on_bypass {
                    self.oxygenator_fio2
                } else {
                    self.ventilator_fio2
                },
            hct_pct: hct,
            hb_g_dl: hct * HB_G_DL_PER_HCT_PCT,
            pao2_mmhg: self.gas.pao2_mmhg,
            paco2_mmhg: self.gas.paco2_mmhg,
            ph: self.gas.ph,
            hco3_mmol_l: self.gas.hco3_mmol_l(),
            sbe_mmol_l: self.gas.sbe_mmol_l,
            sao2_pct: 100.0 * self.gas.sao2,
            svo2_pct: on_bypass.then_some(100.0 * self.gas.svo2),
            lactate_mmol_l: self.gas.lactate_mmol_l,
            k_mmol_l: self.k_mmol_l(),
            act_s: self.act_s(),
            heparin_u_ml: self.pharm.heparin_u / self.heparin_space_ml(),
            temp_core_c: self.thermal.core_c,
            temp_arterial_c: self.thermal.arterial_c,
            temp_venous_c: self.thermal.venous_c,
            temp_water_c: Some(self.thermal.water_c),
            do2i_ml_min_m2: self.gas.do2_ml_min / bsa,
            vo2i_ml_min_m2: self.gas.vo2_ml_min / bsa,
            vco2i_ml_min_m2: self.gas.vco2_ml_min / bsa,
            urine_ml: self.urine_ml,
            fluid_in_ml: self.fluid_in_ml,
            fluid_out_ml: self.fluid_out_ml,
            cardioplegia_ml: self.cardioplegia_ml,
            bypass_time_s: self.bypass_steps as f64 * Self::DT_S,
            cross_clamp_time_s: self.clamp_steps as f64 * Self::DT_S,
            alarms: alarms::list(self.alarms),
            alarms_raised_total: self.alarms_raised_total,
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

    /// Volume in the patient's circulation plus the circuit (prime, reservoir), mL: changes only
    /// by `fluid_in_ml − fluid_out_ml` of [`Observations`].
    pub fn blood_volume_ml(&self) -> f64 {
        self.circ.total_ml() + self.circuit_volume_ml()
    }

    /// Full bypass flow for this patient (2.4 L/min/m²), L/min.
    pub fn full_flow_l_min(&self) -> f64 {
        FULL_FLOW_INDEX_L_MIN_M2 * self.p.bsa_m2
    }
}
