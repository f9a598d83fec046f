//! Actions: the only input to a running [`crate::Simulation`], with state-independent validation.

use crate::config::{ConfigError, check_positive, check_range};
use crate::names::named_enum;

named_enum! {
    /// An injected equipment fault.
    pub enum FaultKind {
        /// Membrane failure (plasma leak/thrombosis): O2 and CO2 transfer fall, ΔP rises.
        OxygenatorFailure => "oxygenator-failure",
        /// Arterial pump stops (motor/drive failure).
        PumpFailure => "pump-failure",
        /// Air at the arterial bubble detector: the servo stops the pump.
        ArterialAir => "arterial-air",
        /// Air lock in the venous line: venous return stops.
        VenousAirlock => "venous-airlock",
        /// Console power lost: pump and heater-cooler stop (hand-cranking is not modelled).
        PowerLoss => "power-loss",
        /// Heater-cooler stops: water drifts towards room temperature.
        HeaterCoolerFailure => "heater-cooler-failure",
    }
}

named_enum! {
    /// Cardioplegia solution.
    pub enum CardioplegiaKind {
        /// del Nido: 1 part blood to 4 parts crystalloid, K⁺ ≈ 24 mmol/L delivered.
        DelNido => "del-nido",
        /// Buckberg-type 4:1 blood cardioplegia, K⁺ ≈ 20 mmol/L (induction).
        Blood4To1 => "blood-4-1",
        /// Crystalloid (St Thomas' No. 2 type), K⁺ 16 mmol/L.
        Crystalloid => "crystalloid",
    }
}

named_enum! {
    /// Volume added to the reservoir (on bypass) or given IV (off bypass).
    pub enum FluidKind {
        /// Balanced crystalloid.
        Crystalloid => "crystalloid",
        /// Albumin 5 %.
        Albumin => "albumin",
    }
}

/// The solution a `cardioplegia` action gives when it names none (scenario files and the API).
impl Default for CardioplegiaKind {
    fn default() -> Self {
        CardioplegiaKind::DelNido
    }
}

/// The fluid a `give-fluid` action gives when it names none.
impl Default for FluidKind {
    fn default() -> Self {
        FluidKind::Crystalloid
    }
}

named_enum! {
    /// Vasoactive and inotropic boluses. Units: see [`Drug::unit`].
    pub enum Drug {
        /// Phenylephrine bolus, mcg (α1 vasoconstrictor).
        Phenylephrine => "phenylephrine",
        /// Norepinephrine bolus, mcg (α1 + β1).
        Norepinephrine => "norepinephrine",
        /// Nitroglycerin bolus, mcg (venodilator, arterial dilator).
        Nitroglycerin => "nitroglycerin",
        /// Calcium chloride bolus, mg (inotrope).
        CalciumChloride => "calcium-chloride",
    }
}

impl Drug {
    /// Unit of the `dose` field of [`Action::GiveDrug`].
    pub fn unit(self) -> &'static str {
        match self {
            Drug::Phenylephrine | Drug::Norepinephrine | Drug::Nitroglycerin => "mcg",
            Drug::CalciumChloride => "mg",
        }
    }

    /// Largest accepted single bolus, in [`Drug::unit`].
    pub fn max_dose(self) -> f64 {
        match self {
            Drug::Phenylephrine => 2000.0,
            Drug::Norepinephrine => 200.0,
            Drug::Nitroglycerin => 2000.0,
            Drug::CalciumChloride => 2000.0,
        }
    }
}

/// Something the perfusionist, anaesthetist, surgeon or instructor does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action {
    /// IV heparin bolus (into the circuit on bypass), units.
    Heparin {
        /// Dose, U.
        units: f64,
    },
    /// Protamine bolus, mg.
    Protamine {
        /// Dose, mg.
        mg: f64,
    },
    /// Open the venous line and start the arterial pump at this flow; ventilation stops.
    StartBypass {
        /// Pump flow, L/min.
        flow_l_min: f64,
    },
    /// Arterial pump flow (a centrifugal pump's speed follows to keep this flow).
    SetFlow {
        /// Pump flow, L/min.
        flow_l_min: f64,
    },
    /// Pump head speed directly (a centrifugal pump's flow then depends on afterload).
    SetRpm {
        /// Head speed, 1/min.
        rpm: f64,
    },
    /// Oxygenator gas flow.
    SetSweep {
        /// Sweep, L/min.
        l_min: f64,
    },
    /// Oxygenator FiO2 on bypass, ventilator FiO2 off bypass.
    SetFio2 {
        /// FiO2, %.
        pct: f64,
    },
    /// Heater-cooler water temperature.
    SetWaterTemp {
        /// Water temperature, °C.
        temp_c: f64,
    },
    /// Vacuum-assisted venous drainage.
    SetVavd {
        /// Suction, mmHg (positive number).
        mmhg: f64,
    },
    /// Aortic cross-clamp on: the heart is ischaemic (arrested only with cardioplegia).
    CrossClampOn,
    /// Aortic cross-clamp off: reperfusion, the heart resumes beating after a delay.
    CrossClampOff,
    /// Cardioplegia dose into the aortic root.
    Cardioplegia {
        /// Volume, mL.
        ml: f64,
        /// Solution.
        kind: CardioplegiaKind,
    },
    /// Packed red cells (Hct 60 %), into the reservoir on bypass or IV off bypass.
    GiveRbc {
        /// Volume, mL.
        ml: f64,
    },
    /// Fluid, into the reservoir on bypass or IV off bypass.
    GiveFluid {
        /// Volume, mL.
        ml: f64,
        /// Fluid.
        kind: FluidKind,
    },
    /// Remove plasma water through the hemoconcentrator (on bypass only).
    Ultrafiltrate {
        /// Volume, mL.
        ml: f64,
    },
    /// Drug bolus; `dose` in [`Drug::unit`].
    GiveDrug {
        /// Drug.
        drug: Drug,
        /// Dose, mcg or mg (see [`Drug::unit`]).
        dose: f64,
    },
    /// Systemic vascular tone as a multiple of the patient's own: < 1 vasoplegia (sepsis,
    /// anaphylaxis, protamine reaction), > 1 vasoconstriction. Stays until set again.
    SetVascularTone {
        /// Factor on systemic peripheral resistance (1 = baseline).
        factor: f64,
    },
    /// Ventricular contractility as a multiple of the patient's own: < 1 stunned or failing
    /// heart (hard to wean), > 1 inotropy. Stays until set again.
    SetContractility {
        /// Factor on end-systolic elastance (1 = baseline).
        factor: f64,
    },
    /// Metabolic rate as a multiple of the normal for the temperature: > 1 light anaesthesia,
    /// shivering, sepsis, malignant hyperthermia; < 1 deep anaesthesia. Stays until set again.
    SetMetabolicRate {
        /// Factor on VO2 and VCO2 (1 = normal).
        factor: f64,
    },
    /// Continuous surgical blood loss from the patient, not returned to the circuit (0 stops it).
    SetBleeding {
        /// Blood lost, mL/min.
        ml_min: f64,
    },
    /// Clamp the arterial line.
    ClampArterialLine,
    /// Unclamp the arterial line.
    UnclampArterialLine,
    /// Wean: fill the heart from the reservoir, stop the pump, clamp the lines; ventilation resumes.
    EndBypass,
    /// Inject a fault.
    Fault(FaultKind),
    /// End a fault.
    ClearFault(FaultKind),
}

impl Action {
    /// The action's name in scenario files and the console (`start-bypass`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Heparin { .. } => "heparin",
            Action::Protamine { .. } => "protamine",
            Action::StartBypass { .. } => "start-bypass",
            Action::SetFlow { .. } => "set-flow",
            Action::SetRpm { .. } => "set-rpm",
            Action::SetSweep { .. } => "set-sweep",
            Action::SetFio2 { .. } => "set-fio2",
            Action::SetWaterTemp { .. } => "set-water-temp",
            Action::SetVavd { .. } => "set-vavd",
            Action::CrossClampOn => "cross-clamp-on",
            Action::CrossClampOff => "cross-clamp-off",
            Action::Cardioplegia { .. } => "cardioplegia",
            Action::GiveRbc { .. } => "give-rbc",
            Action::GiveFluid { .. } => "give-fluid",
            Action::Ultrafiltrate { .. } => "ultrafiltrate",
            Action::GiveDrug { .. } => "give-drug",
            Action::SetVascularTone { .. } => "set-vascular-tone",
            Action::SetContractility { .. } => "set-contractility",
            Action::SetMetabolicRate { .. } => "set-metabolic-rate",
            Action::SetBleeding { .. } => "set-bleeding",
            Action::ClampArterialLine => "clamp-arterial-line",
            Action::UnclampArterialLine => "unclamp-arterial-line",
            Action::EndBypass => "end-bypass",
            Action::Fault(_) => "fault",
            Action::ClearFault(_) => "clear-fault",
        }
    }

    /// Range checks independent of state, so a scenario can be rejected before it runs.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match *self {
            Action::Heparin { units } => check_positive("units", units, 100_000.0, "U"),
            Action::Protamine { mg } => check_positive("mg", mg, 1000.0, "mg"),
            Action::StartBypass { flow_l_min } | Action::SetFlow { flow_l_min } => {
                check_range("flow_l_min", flow_l_min, 0.0, 8.0, "L/min")
            }
            Action::SetRpm { rpm } => check_range("rpm", rpm, 0.0, 5000.0, "1/min"),
            Action::SetSweep { l_min } => check_range("l_min", l_min, 0.0, 15.0, "L/min"),
            Action::SetFio2 { pct } => check_range("pct", pct, 21.0, 100.0, "%"),
            Action::SetWaterTemp { temp_c } => check_range("temp_c", temp_c, 2.0, 42.0, "°C"),
            Action::SetVavd { mmhg } => check_range("mmhg", mmhg, 0.0, 80.0, "mmHg"),
            Action::Cardioplegia { ml, .. } => check_positive("ml", ml, 3000.0, "mL"),
            Action::GiveRbc { ml } => check_positive("ml", ml, 3000.0, "mL"),
            Action::GiveFluid { ml, .. } | Action::Ultrafiltrate { ml } => {
                check_positive("ml", ml, 5000.0, "mL")
            }
            Action::GiveDrug { drug, dose } => {
                check_positive("dose", dose, drug.max_dose(), drug.unit())
            }
            Action::SetVascularTone { factor } => {
                check_range("factor", factor, 0.2, 3.0, "× baseline")
            }
            Action::SetContractility { factor } => {
                check_range("factor", factor, 0.1, 2.0, "× baseline")
            }
            Action::SetMetabolicRate { factor } => {
                check_range("factor", factor, 0.3, 3.0, "× normal")
            }
            Action::SetBleeding { ml_min } => check_range("ml_min", ml_min, 0.0, 1000.0, "mL/min"),
            Action::CrossClampOn
            | Action::CrossClampOff
            | Action::ClampArterialLine
            | Action::UnclampArterialLine
            | Action::EndBypass
            | Action::Fault(_)
            | Action::ClearFault(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in FaultKind::ALL {
            assert_eq!(FaultKind::from_name(f.name()), Some(*f));
        }
        assert_eq!(FaultKind::PumpFailure.name(), "pump-failure");
        assert_eq!(CardioplegiaKind::Blood4To1.name(), "blood-4-1");
        assert_eq!(Drug::from_name("nitroglycerin"), Some(Drug::Nitroglycerin));
        assert_eq!(FluidKind::from_name("saline"), None);
    }

    #[test]
    fn validation_names_the_field() {
        let err = Action::SetFio2 { pct: 10.0 }.validate().unwrap_err();
        assert_eq!(err.field, "pct");
        assert!(
            Action::SetFlow {
                flow_l_min: f64::NAN
            }
            .validate()
            .is_err()
        );
        assert!(Action::Heparin { units: 32000.0 }.validate().is_ok());
    }
}
