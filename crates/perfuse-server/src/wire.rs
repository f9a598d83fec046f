//! Transfer types of the HTTP and WebSocket API. The simulator's own types are not the wire
//! format: actions arrive as [`ActionRequest`] (the action names and fields of scenario files)
//! and are converted and range-checked by [`ActionRequest::to_action`].

use perfuse_sim::{Action, CardioplegiaKind, Drug, FaultKind, FluidKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, field_of_serde_error};

/// An action, spelled as in scenario files: `{"action": "set-flow", "flow_l_min": 4.5}`.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ActionRequest {
    /// Heparin bolus, U.
    Heparin {
        /// Dose, U.
        units: f64,
    },
    /// Protamine bolus, mg.
    Protamine {
        /// Dose, mg.
        mg: f64,
    },
    /// Go on bypass at this flow.
    StartBypass {
        /// Pump flow, L/min.
        flow_l_min: f64,
    },
    /// Arterial pump flow.
    SetFlow {
        /// Pump flow, L/min.
        flow_l_min: f64,
    },
    /// Pump head speed.
    SetRpm {
        /// Head speed, 1/min.
        rpm: f64,
    },
    /// Oxygenator gas flow.
    SetSweep {
        /// Sweep, L/min.
        l_min: f64,
    },
    /// Oxygenator FiO2.
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
        /// Suction, mmHg.
        mmhg: f64,
    },
    /// Aortic cross-clamp on.
    CrossClampOn,
    /// Aortic cross-clamp off.
    CrossClampOff,
    /// Cardioplegia dose.
    Cardioplegia {
        /// Volume, mL.
        ml: f64,
        /// `del-nido` (default), `blood-4-1` or `crystalloid`.
        kind: Option<String>,
    },
    /// Packed red cells.
    GiveRbc {
        /// Volume, mL.
        ml: f64,
    },
    /// Fluid.
    GiveFluid {
        /// Volume, mL.
        ml: f64,
        /// `crystalloid` (default) or `albumin`.
        kind: Option<String>,
    },
    /// Hemoconcentrator.
    Ultrafiltrate {
        /// Volume removed, mL.
        ml: f64,
    },
    /// Drug bolus.
    GiveDrug {
        /// Drug name (see `GET /api/catalog`).
        drug: String,
        /// Dose in the drug's unit.
        dose: f64,
    },
    /// Patient's vascular tone × baseline (instructor only).
    SetVascularTone {
        /// Factor on systemic vascular resistance, 0.2–3.
        factor: f64,
    },
    /// Patient's contractility × baseline (instructor only).
    SetContractility {
        /// Factor on ventricular elastance, 0.1–2.
        factor: f64,
    },
    /// Patient's metabolic rate × normal (instructor only).
    SetMetabolicRate {
        /// Factor on VO2 and VCO2, 0.3–3.
        factor: f64,
    },
    /// Surgical bleeding (instructor only).
    SetBleeding {
        /// Blood lost, mL/min (0 stops it).
        ml_min: f64,
    },
    /// Clamp the arterial line.
    ClampArterialLine,
    /// Unclamp the arterial line.
    UnclampArterialLine,
    /// Come off bypass.
    EndBypass,
    /// Inject a fault (instructor only).
    Fault {
        /// Fault name, e.g. `pump-failure`.
        kind: String,
    },
    /// Clear a fault (instructor only).
    ClearFault {
        /// Fault name.
        kind: String,
    },
}

fn named<T>(
    field: &str,
    value: &str,
    from_name: fn(&str) -> Option<T>,
    names: &[&str],
) -> Result<T, ApiError> {
    from_name(value).ok_or_else(|| {
        ApiError::bad_request(
            field,
            format!(
                "unknown {field} {value:?}; expected one of {}",
                names.join(", ")
            ),
        )
    })
}

impl ActionRequest {
    /// Parses a JSON action, naming the offending field on error.
    pub fn from_json(value: serde_json::Value) -> Result<ActionRequest, ApiError> {
        serde_json::from_value(value).map_err(|e| {
            let message = e.to_string();
            ApiError::bad_request(field_of_serde_error(&message, "action", "action"), message)
        })
    }

    /// Whether only the instructor may send it.
    pub fn instructor_only(&self) -> bool {
        matches!(
            self,
            ActionRequest::Fault { .. }
                | ActionRequest::ClearFault { .. }
                | ActionRequest::SetVascularTone { .. }
                | ActionRequest::SetContractility { .. }
                | ActionRequest::SetMetabolicRate { .. }
                | ActionRequest::SetBleeding { .. }
        )
    }

    /// The simulator action, range-checked by [`Action::validate`].
    pub fn to_action(&self) -> Result<Action, ApiError> {
        let action = match self {
            ActionRequest::Heparin { units } => Action::Heparin { units: *units },
            ActionRequest::Protamine { mg } => Action::Protamine { mg: *mg },
            ActionRequest::StartBypass { flow_l_min } => Action::StartBypass {
                flow_l_min: *flow_l_min,
            },
            ActionRequest::SetFlow { flow_l_min } => Action::SetFlow {
                flow_l_min: *flow_l_min,
            },
            ActionRequest::SetRpm { rpm } => Action::SetRpm { rpm: *rpm },
            ActionRequest::SetSweep { l_min } => Action::SetSweep { l_min: *l_min },
            ActionRequest::SetFio2 { pct } => Action::SetFio2 { pct: *pct },
            ActionRequest::SetWaterTemp { temp_c } => Action::SetWaterTemp { temp_c: *temp_c },
            ActionRequest::SetVavd { mmhg } => Action::SetVavd { mmhg: *mmhg },
            ActionRequest::CrossClampOn => Action::CrossClampOn,
            ActionRequest::CrossClampOff => Action::CrossClampOff,
            ActionRequest::Cardioplegia { ml, kind } => Action::Cardioplegia {
                rate_ml_min: None,
                temp_c: None,
                ml: *ml,
                kind: kind
                    .as_deref()
                    .map(|kind| {
                        named(
                            "kind",
                            kind,
                            CardioplegiaKind::from_name,
                            CardioplegiaKind::NAMES,
                        )
                    })
                    .transpose()?
                    .unwrap_or_default(),
            },
            ActionRequest::GiveRbc { ml } => Action::GiveRbc { ml: *ml },
            ActionRequest::GiveFluid { ml, kind } => Action::GiveFluid {
                ml: *ml,
                kind: kind
                    .as_deref()
                    .map(|kind| named("kind", kind, FluidKind::from_name, FluidKind::NAMES))
                    .transpose()?
                    .unwrap_or_default(),
            },
            ActionRequest::Ultrafiltrate { ml } => Action::Ultrafiltrate {
                ml: *ml,
                rate_ml_min: None,
            },
            ActionRequest::GiveDrug { drug, dose } => Action::GiveDrug {
                drug: named("drug", drug, Drug::from_name, Drug::NAMES)?,
                dose: *dose,
            },
            ActionRequest::SetVascularTone { factor } => {
                Action::SetVascularTone { factor: *factor }
            }
            ActionRequest::SetContractility { factor } => {
                Action::SetContractility { factor: *factor }
            }
            ActionRequest::SetMetabolicRate { factor } => {
                Action::SetMetabolicRate { factor: *factor }
            }
            ActionRequest::SetBleeding { ml_min } => Action::SetBleeding { ml_min: *ml_min },
            ActionRequest::ClampArterialLine => Action::ClampArterialLine,
            ActionRequest::UnclampArterialLine => Action::UnclampArterialLine,
            ActionRequest::EndBypass => Action::EndBypass,
            ActionRequest::Fault { kind } => {
                Action::Fault(named("kind", kind, FaultKind::from_name, FaultKind::NAMES)?)
            }
            ActionRequest::ClearFault { kind } => {
                Action::ClearFault(named("kind", kind, FaultKind::from_name, FaultKind::NAMES)?)
            }
        };
        action.validate().map_err(|e| {
            ApiError::bad_request(e.field, format!("{} {}: {}", e.field, e.value, e.message))
        })?;
        Ok(action)
    }
}

/// A human-readable line for the event log, e.g. `set-flow 4.5 L/min`.
pub fn describe(action: &Action) -> String {
    match *action {
        Action::Heparin { units } => format!("Heparin {units:.0} U"),
        Action::Protamine { mg } => format!("Protamine {mg:.0} mg"),
        Action::StartBypass { flow_l_min } => format!("Go on bypass at {flow_l_min:.2} L/min"),
        Action::SetFlow { flow_l_min } => format!("Pump flow {flow_l_min:.2} L/min"),
        Action::SetRpm { rpm } => format!("Pump speed {rpm:.0} rpm"),
        Action::SetSweep { l_min } => format!("Sweep {l_min:.1} L/min"),
        Action::SetFio2 { pct } => format!("FiO2 {pct:.0} %"),
        Action::SetWaterTemp { temp_c } => format!("Water temperature {temp_c:.1} °C"),
        Action::SetVavd { mmhg } => format!("VAVD −{mmhg:.0} mmHg"),
        Action::CrossClampOn => "Cross-clamp ON".to_owned(),
        Action::CrossClampOff => "Cross-clamp OFF".to_owned(),
        Action::Cardioplegia { ml, kind, .. } => {
            format!("Cardioplegia {ml:.0} mL {}", kind.name())
        }
        Action::GiveRbc { ml } => format!("Packed red cells {ml:.0} mL"),
        Action::GiveFluid { ml, kind } => format!("{} {ml:.0} mL", kind.name()),
        Action::Ultrafiltrate { ml, .. } => format!("Ultrafiltration {ml:.0} mL"),
        Action::GiveDrug { drug, dose } => format!("{} {dose} {}", drug.name(), drug.unit()),
        Action::SetVascularTone { factor } => format!("Patient vascular tone × {factor:.2}"),
        Action::SetContractility { factor } => format!("Patient contractility × {factor:.2}"),
        Action::SetMetabolicRate { factor } => format!("Patient metabolic rate × {factor:.2}"),
        Action::SetBleeding { ml_min } => format!("Surgical bleeding {ml_min:.0} mL/min"),
        Action::ClampArterialLine => "Arterial line clamped".to_owned(),
        Action::UnclampArterialLine => "Arterial line unclamped".to_owned(),
        Action::EndBypass => "Come off bypass".to_owned(),
        Action::SetPressureLimit { mmhg } => format!("Line pressure limit {mmhg:.0} mmHg"),
        Action::SetVenousOcclusion { pct } => format!("Venous occluder {pct:.0} %"),
        Action::ArmDetector(kind) => format!("{} detector armed", kind.name()),
        Action::DisarmDetector(kind) => format!("{} detector DISARMED", kind.name()),
        Action::ResetDetector(kind) => format!("{} detector reset", kind.name()),
        Action::ReturnVolume { ml, .. } => format!("Return {ml:.0} mL to the patient"),
        Action::DrawAct => "ACT drawn".to_owned(),
        Action::SendAbg => "Blood gas sent".to_owned(),
        Action::SetSweepCo2 { pct } => format!("Sweep CO2 {pct:.1} %"),
        Action::Defibrillate { joules } => format!("Defibrillate {joules:.0} J"),
        Action::Pace { rate_bpm: 0.0 } => "Pacing off".to_owned(),
        Action::Pace { rate_bpm } => format!("Pacing {rate_bpm:.0}/min"),
        Action::Fault(kind) => format!("FAULT injected: {}", kind.name()),
        Action::ClearFault(kind) => format!("Fault cleared: {}", kind.name()),
    }
}

/// Messages a WebSocket client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ClientMessage {
    /// An action (`{"type": "action", "action": "set-flow", "flow_l_min": 4.5}`).
    Action {
        /// The action fields, parsed by [`ActionRequest::from_json`].
        #[serde(flatten)]
        fields: serde_json::Map<String, serde_json::Value>,
    },
    /// Send a lab sample (`abg` or `act`).
    Sample {
        /// `abg` or `act`.
        kind: String,
    },
    /// Keep-alive; answered by nothing (frames already flow).
    Ping,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_parse_with_field_errors() {
        let ok =
            ActionRequest::from_json(serde_json::json!({"action": "set-flow", "flow_l_min": 4.5}))
                .unwrap();
        assert_eq!(ok.to_action().unwrap(), Action::SetFlow { flow_l_min: 4.5 });
        let err =
            ActionRequest::from_json(serde_json::json!({"action": "go-on-pump"})).unwrap_err();
        assert_eq!(err.field, "action");
        let err = ActionRequest::from_json(serde_json::json!({"action": "set-flow"})).unwrap_err();
        assert_eq!(err.field, "flow_l_min");
        let err = ActionRequest::SetFio2 { pct: 5.0 }.to_action().unwrap_err();
        assert_eq!(err.field, "pct");
        let err = ActionRequest::Fault {
            kind: "gremlins".into(),
        }
        .to_action()
        .unwrap_err();
        assert_eq!(err.field, "kind");
        assert!(err.message.contains("pump-failure"));
        // Changing the patient is the instructor's, like faults.
        let bleed =
            ActionRequest::from_json(serde_json::json!({"action": "set-bleeding", "ml_min": 150}))
                .unwrap();
        assert!(bleed.instructor_only());
        assert_eq!(
            bleed.to_action().unwrap(),
            Action::SetBleeding { ml_min: 150.0 }
        );
        let tone = ActionRequest::SetVascularTone { factor: 9.0 }
            .to_action()
            .unwrap_err();
        assert_eq!(tone.field, "factor");
        assert!(!ActionRequest::SetFlow { flow_l_min: 4.0 }.instructor_only());
    }

    /// As in scenario files, a cardioplegia or fluid without a kind is del Nido or crystalloid.
    #[test]
    fn kinds_default_as_in_scenario_files() {
        let action = |json| ActionRequest::from_json(json).unwrap().to_action().unwrap();
        assert_eq!(
            action(serde_json::json!({"action": "cardioplegia", "ml": 1000})),
            Action::Cardioplegia {
                ml: 1000.0,
                kind: CardioplegiaKind::DelNido,
                rate_ml_min: None,
                temp_c: None,
            }
        );
        assert_eq!(
            action(serde_json::json!({"action": "give-fluid", "ml": 250, "kind": "albumin"})),
            Action::GiveFluid {
                ml: 250.0,
                kind: FluidKind::Albumin
            }
        );
        assert_eq!(
            action(serde_json::json!({"action": "give-fluid", "ml": 250})),
            Action::GiveFluid {
                ml: 250.0,
                kind: FluidKind::Crystalloid
            }
        );
    }
}
