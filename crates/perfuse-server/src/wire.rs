//! Transfer types of the HTTP and WebSocket API. The simulator's own types are not the wire
//! format: actions arrive as [`ActionRequest`] (the action names and fields of scenario files,
//! read through the one vocabulary of `perfuse_sim::ACTIONS`).

use perfuse_sim::{
    Action, ActionSpec, Actor, CannulationSite, CardioplegiaKind, CardioplegiaRoute, Drug,
    FaultKind, FieldSource, FluidKind,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// A JSON action request (`{"action": "set-flow", "flow_l_min": 4.5}`): one [`FieldSource`] of
/// the action vocabulary [`perfuse_sim::ACTIONS`], as scenario files are another, so the API accepts exactly
/// the actions, fields, defaults and ranges of scenario files.
pub struct ActionRequest {
    name: String,
    fields: serde_json::Map<String, serde_json::Value>,
    read: Vec<&'static str>,
}

impl ActionRequest {
    /// Takes the JSON object apart; the fields are read by [`ActionRequest::to_action`].
    pub fn from_json(value: serde_json::Value) -> Result<ActionRequest, ApiError> {
        let serde_json::Value::Object(mut fields) = value else {
            return Err(ApiError::bad_request(
                "action",
                "expected a JSON object such as {\"action\": \"set-flow\", \"flow_l_min\": 4.5}",
            ));
        };
        let name = match fields.remove("action") {
            Some(serde_json::Value::String(name)) => name,
            Some(other) => {
                return Err(ApiError::bad_request(
                    "action",
                    format!("{other}: expected an action name"),
                ));
            }
            None => return Err(ApiError::bad_request("action", "missing field `action`")),
        };
        Ok(ActionRequest {
            name,
            fields,
            read: Vec::new(),
        })
    }

    /// Whether only the instructor may send it (changes to the patient, faults).
    pub fn instructor_only(&self) -> bool {
        ActionSpec::find(&self.name).is_some_and(|spec| spec.actor == Actor::Instructor)
    }

    /// The simulator action, every field range-checked; unknown fields are refused by name.
    pub fn to_action(mut self) -> Result<Action, ApiError> {
        let name = std::mem::take(&mut self.name);
        let action = Action::from_fields(&name, &mut self)?;
        if let Some(extra) = self
            .fields
            .keys()
            .find(|k| !self.read.contains(&k.as_str()))
        {
            let expected: Vec<&str> = ActionSpec::find(&name)
                .map(|spec| spec.fields.iter().map(|f| f.name).collect())
                .unwrap_or_default();
            return Err(ApiError::bad_request(
                extra.as_str(),
                format!(
                    "unknown field for {name}; expected {}",
                    if expected.is_empty() {
                        "none".to_owned()
                    } else {
                        expected.join(", ")
                    }
                ),
            ));
        }
        Ok(action)
    }
}

impl FieldSource for ActionRequest {
    type Error = ApiError;

    fn number(&mut self, field: &'static str) -> Result<Option<f64>, ApiError> {
        self.read.push(field);
        match self.fields.get(field) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::Number(n)) => Ok(n.as_f64()),
            Some(other) => Err(ApiError::bad_request(
                field,
                format!("{other}: expected a number"),
            )),
        }
    }

    fn text(&mut self, field: &'static str) -> Result<Option<String>, ApiError> {
        self.read.push(field);
        match self.fields.get(field) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(ApiError::bad_request(
                field,
                format!("{other}: expected a name"),
            )),
        }
    }

    fn invalid(&self, field: &'static str, message: String) -> ApiError {
        ApiError::bad_request(field, message)
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
        Action::HandCrank { rpm: 0.0 } => "Hand crank stopped".to_owned(),
        Action::HandCrank { rpm } => format!("Hand-cranking {rpm:.0} turns/min"),
        Action::ChangeOxygenator => "Oxygenator changed".to_owned(),
        Action::GiveDantrolene { mg } => format!("Dantrolene {mg:.0} mg"),
        Action::GiveAntithrombin { iu } => format!("Antithrombin {iu:.0} IU"),
        Action::GiveBivalirudin { mg, rate_mg_kg_h } => {
            let bolus = (mg > 0.0).then(|| format!("Bivalirudin {mg:.0} mg"));
            let infusion = rate_mg_kg_h.map(|rate| match rate {
                0.0 => "bivalirudin infusion stopped".to_owned(),
                _ => format!("bivalirudin infusion {rate:.2} mg/kg/h"),
            });
            [bolus, infusion]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        }
        Action::CardioplegiaRoute(route) => format!("Cardioplegia route {}", route.name()),
        Action::Recannulate(site) => format!("Re-cannulated: {} artery", site.name()),
        Action::Fault(kind) => format!("FAULT injected: {}", kind.name()),
        Action::ClearFault(kind) => format!("Fault cleared: {}", kind.name()),
        Action::ResolveFault(kind) => format!("Fault fixed by the perfusionist: {}", kind.name()),
    }
}

/// Messages a WebSocket client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ClientMessage {
    /// An action (`{"type": "action", "action": "set-flow", "flow_l_min": 4.5}`).
    Action {
        /// The action's name and fields, read by [`ActionRequest`].
        #[serde(flatten)]
        fields: serde_json::Map<String, serde_json::Value>,
    },
    /// Send a lab sample (`abg` or `act`).
    Sample {
        /// `abg` or `act`.
        kind: String,
    },
    /// An answer to the scenario question the session paused on.
    Answer {
        /// The question's number (from 1).
        question: usize,
        /// A number (its unit may follow) or the number of a choice.
        answer: String,
    },
    /// Keep-alive; answered by nothing (frames already flow).
    Ping,
}

#[cfg(test)]
mod tests {
    use perfuse_sim::{CardioplegiaKind, FluidKind};

    use super::*;

    fn parse(json: serde_json::Value) -> Result<Action, ApiError> {
        ActionRequest::from_json(json)?.to_action()
    }

    #[test]
    fn actions_parse_with_field_errors() {
        use serde_json::json;
        assert_eq!(
            parse(json!({"action": "set-flow", "flow_l_min": 4.5})).unwrap(),
            Action::SetFlow { flow_l_min: 4.5 }
        );
        assert_eq!(
            parse(json!({"action": "go-on-pump"})).unwrap_err().field,
            "action"
        );
        assert_eq!(
            parse(json!({"action": "set-flow"})).unwrap_err().field,
            "flow_l_min"
        );
        assert_eq!(
            parse(json!({"action": "set-fio2", "pct": 5}))
                .unwrap_err()
                .field,
            "pct"
        );
        assert_eq!(
            parse(json!({"action": "set-flow", "flow_l_min": "fast"}))
                .unwrap_err()
                .field,
            "flow_l_min"
        );
        let extra = parse(json!({"action": "set-flow", "flow_l_min": 4, "rpm": 9})).unwrap_err();
        assert_eq!(extra.field, "rpm");
        let fault = parse(json!({"action": "fault", "kind": "gremlins"})).unwrap_err();
        assert_eq!(fault.field, "kind");
        assert!(fault.message.contains("pump-failure"));
        // Changing the patient is the instructor's, like faults.
        let bleed =
            ActionRequest::from_json(json!({"action": "set-bleeding", "ml_min": 150})).unwrap();
        assert!(bleed.instructor_only());
        assert_eq!(
            bleed.to_action().unwrap(),
            Action::SetBleeding { ml_min: 150.0 }
        );
        assert_eq!(
            parse(json!({"action": "set-vascular-tone", "factor": 9}))
                .unwrap_err()
                .field,
            "factor"
        );
        let flow = ActionRequest::from_json(json!({"action": "set-flow", "flow_l_min": 4}));
        assert!(!flow.unwrap().instructor_only());
    }

    /// Every action of the vocabulary, v2 machine actions included, is reachable over the API.
    #[test]
    fn the_whole_vocabulary_is_accepted() {
        use serde_json::json;
        assert_eq!(
            parse(json!({"action": "set-venous-occlusion", "pct": 50})).unwrap(),
            Action::SetVenousOcclusion { pct: 50.0 }
        );
        assert!(parse(json!({"action": "reset-detector", "kind": "bubble"})).is_ok());
        assert!(parse(json!({"action": "return-volume", "ml": 300})).is_ok());
        assert!(parse(json!({"action": "defibrillate", "joules": 20})).is_ok());
    }

    /// As in scenario files, a cardioplegia or fluid without a kind is del Nido or crystalloid.
    #[test]
    fn kinds_default_as_in_scenario_files() {
        let action = |json| parse(json).unwrap();
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

/// A drug a client may give, with its dose unit.
#[derive(Clone, Serialize, ToSchema)]
pub struct DrugInfo {
    /// Name, e.g. `phenylephrine`.
    name: &'static str,
    /// Dose unit (`mcg`, `mg`).
    unit: &'static str,
    /// Largest single bolus.
    max_dose: f64,
}

/// An ABCP knowledge-base section.
#[derive(Clone, Serialize, ToSchema)]
pub struct SectionInfo {
    /// Name, e.g. `clinical-management`.
    name: &'static str,
    /// Title, e.g. `Clinical Management`.
    title: &'static str,
}

/// The names clients need to build their controls.
#[derive(Clone, Serialize, ToSchema)]
pub struct Catalog {
    /// Injectable faults.
    faults: Vec<&'static str>,
    /// Faults the perfusionist ends with `resolve-fault` (the others are managed by their own
    /// actions: dantrolene, re-cannulation, warming, bivalirudin, heparin and bypass).
    fixable_faults: Vec<&'static str>,
    /// Routes of cardioplegia (`cardioplegia-route`).
    cardioplegia_routes: Vec<&'static str>,
    /// Arteries for `recannulate`.
    cannulation_sites: Vec<&'static str>,
    /// Drugs.
    drugs: Vec<DrugInfo>,
    /// Cardioplegia solutions.
    cardioplegia_kinds: Vec<&'static str>,
    /// Fluids.
    fluid_kinds: Vec<&'static str>,
    /// Accepted speeds (× real time).
    speeds: Vec<u32>,
    /// Simulated delay of a blood-gas result, s.
    abg_delay_s: f64,
    /// Simulated delay of an ACT result, s.
    act_delay_s: f64,
    /// ABCP knowledge-base sections (names of scenario `sections` and `perfuse drill --section`).
    sections: Vec<SectionInfo>,
}

/// The catalog of names.
pub fn catalog() -> Catalog {
    Catalog {
        faults: FaultKind::NAMES.to_vec(),
        fixable_faults: FaultKind::ALL
            .iter()
            .filter(|kind| kind.not_resolvable().is_none())
            .map(|kind| kind.name())
            .collect(),
        cardioplegia_routes: CardioplegiaRoute::NAMES.to_vec(),
        cannulation_sites: CannulationSite::NAMES.to_vec(),
        drugs: Drug::ALL
            .iter()
            .map(|d| DrugInfo {
                name: d.name(),
                unit: d.unit(),
                max_dose: d.max_dose(),
            })
            .collect(),
        cardioplegia_kinds: CardioplegiaKind::NAMES.to_vec(),
        fluid_kinds: FluidKind::NAMES.to_vec(),
        speeds: crate::session::SPEEDS.to_vec(),
        abg_delay_s: crate::session::ABG_DELAY_S,
        act_delay_s: crate::session::ACT_DELAY_S,
        sections: perfuse_drill::Section::ALL
            .iter()
            .map(|s| SectionInfo {
                name: s.name(),
                title: s.title(),
            })
            .collect(),
    }
}
