//! [`Simulation::apply`]: what each action does to the patient and the machine, and why an
//! action that makes no sense now is refused.

use crate::action::{Action, Detector, FaultKind, FluidKind};
use crate::heart::usual_temp_c;
use crate::machine::{Delivery, PumpControl, Transfer};
use crate::observe::Phase;
use crate::sim::{
    ALBUMIN_5_G_ML, Applied, DEFAULT_GAS_BLOOD_RATIO, PRBC_HCT_PCT, Simulation, fault_bit,
};

/// Below this pump flow the circuit may be opened (oxygenator, raceway, cannula), L/min: a
/// roller at rest or a centrifugal head held against a clamp.
const PUMP_STOPPED_L_MIN: f64 = 0.05;

/// Cardioplegia with no cross-clamp perfuses the whole body, not the heart.
const SYSTEMIC_CARDIOPLEGIA: &str =
    "cardioplegia without a cross-clamp goes to the whole body: systemic potassium, no arrest";

impl Simulation {
    /// Applies an action. Never fails for a validated action; one that makes no sense in the
    /// present state (ending bypass before it started, resetting a detector that has not
    /// tripped) changes nothing and says why, so scenario authors and students are told rather
    /// than ignored.
    pub fn apply(&mut self, action: &Action) -> Applied {
        if let Err(reason) = self.refusal(action) {
            return Applied::Ignored(reason);
        }
        // The still heart's pending hemodynamics run with the state before the action.
        self.catch_up();
        let on_bypass = self.phase == Phase::Bypass;
        let now_s = self.time_s();
        match *action {
            Action::Heparin { units } => self.pharm.heparin_u += units,
            Action::Protamine { mg } => self.pharm.protamine_mg += mg,
            Action::StartBypass { flow_l_min } => {
                if !on_bypass {
                    self.phase = Phase::Bypass;
                    self.bypass_start_step = (now_s / Self::DT_S).round() as u64;
                    let m = &mut self.machine;
                    m.pump_on = true;
                    m.venous_clamped = false;
                    m.venous_occlusion = 0.0;
                    m.arterial_clamped = false;
                    m.returning = None;
                    if !m.sweep_set {
                        m.sweep_l_min = if self.p.initial_sweep_l_min > 0.0 {
                            self.p.initial_sweep_l_min
                        } else {
                            DEFAULT_GAS_BLOOD_RATIO * flow_l_min
                        };
                    }
                    // Back on bypass after weaning: the circuit's heparin rejoins the patient's.
                    self.pharm.heparin_u += std::mem::take(&mut self.circuit_heparin_u);
                }
                self.machine.control = PumpControl::Flow(flow_l_min);
            }
            Action::SetFlow { flow_l_min } => self.machine.control = PumpControl::Flow(flow_l_min),
            Action::SetRpm { rpm } => self.machine.control = PumpControl::Rpm(rpm),
            Action::SetSweep { l_min } => {
                self.machine.sweep_l_min = l_min;
                self.machine.sweep_set = true;
            }
            Action::SetFio2 { pct } => {
                if on_bypass {
                    self.machine.fio2 = pct / 100.0;
                } else {
                    self.ventilator_fio2 = pct / 100.0;
                }
            }
            Action::SetSweepCo2 { pct } => self.machine.fico2 = pct / 100.0,
            Action::SetWaterTemp { temp_c } => self.thermal.water_set_c = temp_c,
            Action::SetVavd { mmhg } => self.machine.vavd_mmhg = mmhg,
            Action::CrossClampOn => {
                self.clamp_on = true;
                self.heart.clamp_on();
            }
            Action::CrossClampOff => {
                self.clamp_on = false;
                self.heart.clamp_off();
            }
            Action::Cardioplegia {
                ml,
                kind,
                rate_ml_min,
                temp_c,
            } => {
                let rate_ml_min = rate_ml_min.unwrap_or(self.default_cardioplegia_rate_ml_min());
                let m = &mut self.machine;
                match m.cardioplegia.as_mut() {
                    // More of the same dose: the perfusionist extends it.
                    Some(d) => {
                        d.transfer.remaining_ml += ml;
                        d.transfer.rate_ml_min = rate_ml_min;
                    }
                    None => {
                        m.cardioplegia = Some(Delivery {
                            kind,
                            temp_c: temp_c.unwrap_or(usual_temp_c(kind)),
                            transfer: Transfer {
                                remaining_ml: ml,
                                rate_ml_min,
                            },
                        });
                        m.cardioplegia_dose_ml = 0.0;
                        m.cardioplegia_kind = Some(kind);
                    }
                }
                if !self.clamp_on {
                    return Applied::Warning(SYSTEMIC_CARDIOPLEGIA);
                }
            }
            Action::GiveRbc { ml } => self.add_volume(ml, ml * PRBC_HCT_PCT / 100.0, 0.0),
            Action::GiveFluid { ml, kind } => {
                let protein_g = match kind {
                    FluidKind::Crystalloid => 0.0,
                    FluidKind::Albumin => ml * ALBUMIN_5_G_ML,
                };
                self.add_volume(ml, 0.0, protein_g);
            }
            Action::Ultrafiltrate { ml, rate_ml_min } => {
                let rate_ml_min = rate_ml_min.unwrap_or(self.default_ultrafiltration_rate_ml_min());
                let uf = self.machine.ultrafiltration.get_or_insert(Transfer {
                    remaining_ml: 0.0,
                    rate_ml_min,
                });
                uf.remaining_ml += ml;
                uf.rate_ml_min = rate_ml_min;
            }
            Action::ReturnVolume { ml, rate_ml_min } => {
                let rate_ml_min = rate_ml_min.unwrap_or(self.default_return_rate_ml_min());
                let t = self.machine.returning.get_or_insert(Transfer {
                    remaining_ml: 0.0,
                    rate_ml_min,
                });
                t.remaining_ml += ml;
                t.rate_ml_min = rate_ml_min;
            }
            Action::GiveDrug { drug, dose } => self.pharm.give(drug, dose),
            Action::SetVascularTone { factor } => self.conditions.vascular_tone = factor,
            Action::SetContractility { factor } => self.conditions.contractility = factor,
            Action::SetMetabolicRate { factor } => self.conditions.metabolic_rate = factor,
            Action::SetBleeding { ml_min } => self.conditions.bleeding_ml_min = ml_min,
            Action::ClampArterialLine => self.machine.arterial_clamped = true,
            Action::UnclampArterialLine => self.machine.arterial_clamped = false,
            Action::EndBypass => self.end_bypass(),
            Action::SetPressureLimit { mmhg } => self.machine.pressure_limit_mmhg = mmhg,
            Action::SetVenousOcclusion { pct } => self.machine.venous_occlusion = pct / 100.0,
            Action::ArmDetector(kind) => self.detector(kind).armed = true,
            Action::DisarmDetector(kind) => {
                let d = self.detector(kind);
                d.armed = false;
                d.tripped = false;
            }
            Action::ResetDetector(kind) => self.detector(kind).tripped = false,
            Action::DrawAct => {
                let act_s = self.act_s();
                if let Err(reason) = self.labs.draw_act(now_s, act_s) {
                    return Applied::Ignored(reason);
                }
            }
            Action::SendAbg => {
                let gas = self.blood_gas_now();
                if let Err(reason) = self.labs.send_abg(now_s, gas) {
                    return Applied::Ignored(reason);
                }
            }
            Action::Defibrillate { joules } => {
                if let Err(reason) = self.heart.defibrillate(joules, self.p.weight_kg) {
                    return Applied::Ignored(reason);
                }
            }
            Action::Pace { rate_bpm } => self.heart.pace(rate_bpm),
            Action::HandCrank { rpm } => self.machine.hand_crank_rpm = rpm,
            Action::ChangeOxygenator => {
                self.faults &= !fault_bit(FaultKind::OxygenatorFailure);
                self.machine.clot = 0.0;
                self.machine.agglutination = 0.0;
            }
            Action::GiveDantrolene { mg } => self.conditions.dantrolene_mg += mg,
            Action::GiveAntithrombin { iu } => self.conditions.antithrombin_iu += iu,
            Action::GiveBivalirudin { mg, rate_mg_kg_h } => {
                self.pharm.bivalirudin_mg += mg;
                if let Some(rate) = rate_mg_kg_h {
                    self.pharm.bivalirudin_mg_min = rate * self.p.weight_kg / 60.0;
                }
            }
            Action::CardioplegiaRoute(route) => self.machine.cardioplegia_route = route,
            Action::Recannulate(_) => self.faults &= !fault_bit(FaultKind::AorticDissection),
            Action::Fault(kind) => self.faults |= fault_bit(kind),
            Action::ClearFault(kind) | Action::ResolveFault(kind) => {
                self.faults &= !fault_bit(kind)
            }
        }
        Applied::Done
    }

    /// Why `action` makes no sense now, if it does not.
    fn refusal(&self, action: &Action) -> Result<(), &'static str> {
        let on_bypass = self.phase == Phase::Bypass;
        let m = &self.machine;
        let refuse = |yes: bool, reason| if yes { Err(reason) } else { Ok(()) };
        let pump_moving = m.flow_l_min.abs() > PUMP_STOPPED_L_MIN;
        match *action {
            Action::EndBypass | Action::Ultrafiltrate { .. } => refuse(!on_bypass, "not on bypass"),
            Action::CrossClampOn => refuse(self.clamp_on, "the cross-clamp is already on"),
            Action::CrossClampOff => refuse(!self.clamp_on, "the cross-clamp is not on"),
            Action::Fault(kind) => refuse(self.has_fault(kind), "that fault is already active"),
            Action::ClearFault(kind) => refuse(!self.has_fault(kind), "that fault is not active"),
            Action::ResolveFault(kind) => {
                refuse(!self.has_fault(kind), "that fault is not active")?;
                if let Some(reason) = kind.not_resolvable() {
                    return Err(reason);
                }
                match kind.fix_needs_pump_stopped() {
                    Some(reason) => refuse(pump_moving, reason),
                    None => Ok(()),
                }
            }
            Action::ChangeOxygenator => refuse(
                pump_moving,
                "stop the pump and clamp the lines before changing the oxygenator",
            ),
            Action::Recannulate(_) => refuse(
                pump_moving,
                "stop the pump before moving the arterial cannula",
            ),
            Action::Cardioplegia { kind, .. } => refuse(
                m.cardioplegia.is_some_and(|d| d.kind != kind),
                "a dose of another solution is still being delivered",
            ),
            Action::HandCrank { rpm } => refuse(
                rpm > 0.0 && self.p.circuit.pump != crate::config::PumpKind::Roller,
                "a centrifugal head is turned by its emergency drive unit, not a crank (not modelled)",
            ),
            Action::ReturnVolume { .. } => {
                refuse(
                    self.phase != Phase::PostBypass,
                    "volume is returned after bypass; on bypass, raise the flow",
                )?;
                refuse(
                    m.reservoir_ml <= self.p.circuit.reservoir_floor_ml,
                    "the reservoir is empty",
                )
            }
            Action::ArmDetector(kind) => refuse(
                self.detector_state(kind).armed,
                "that detector is already armed",
            ),
            Action::DisarmDetector(kind) => refuse(
                !self.detector_state(kind).armed,
                "that detector is not armed",
            ),
            Action::ResetDetector(kind) => refuse(
                !self.detector_state(kind).tripped,
                "that detector has not tripped",
            ),
            _ => Ok(()),
        }
    }

    fn detector_state(&self, kind: Detector) -> crate::machine::DetectorState {
        match kind {
            Detector::Level => self.machine.level,
            Detector::Bubble => self.machine.bubble,
        }
    }

    fn detector(&mut self, kind: Detector) -> &mut crate::machine::DetectorState {
        match kind {
            Detector::Level => &mut self.machine.level,
            Detector::Bubble => &mut self.machine.bubble,
        }
    }

    /// Comes off bypass: the pump stops, both lines are clamped (the arterial one opens only
    /// to return volume), ventilation resumes. What the circuit holds — its blood, and the
    /// heparin and potassium in its plasma — stays in it until returned.
    fn end_bypass(&mut self) {
        let circuit_plasma = self.circuit_plasma_ml();
        let share = circuit_plasma / (self.heparin_space_ml()).max(1.0);
        let heparin = self.pharm.heparin_u * share;
        self.pharm.heparin_u -= heparin;
        self.circuit_heparin_u += heparin;
        let ecf_share = circuit_plasma
            / (circuit_plasma + self.patient_plasma_ml() + self.fluids.isf_ml).max(1.0);
        self.pharm.k_excess_mmol *= 1.0 - ecf_share;
        self.phase = Phase::PostBypass;
        self.lungs_ventilated = true;
        let m = &mut self.machine;
        m.pump_on = false;
        m.venous_clamped = true;
        m.arterial_clamped = true;
        m.ultrafiltration = None;
    }

    /// Adds volume with `rbc_ml` of red cells and `protein_g` of protein: into the reservoir on
    /// bypass, IV otherwise.
    fn add_volume(&mut self, ml: f64, rbc_ml: f64, protein_g: f64) {
        self.fluid_in_ml += ml;
        if self.phase == Phase::Bypass {
            self.machine.reservoir_ml += ml;
            self.machine.rbc_ml += rbc_ml;
            self.fluids.circuit_protein_g += protein_g;
        } else {
            self.circ.volume_ml[crate::circulation::SV] += ml;
            self.rbc_patient_ml += rbc_ml;
            self.fluids.plasma_protein_g += protein_g;
        }
    }
}
