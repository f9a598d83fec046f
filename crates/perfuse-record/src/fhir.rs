//! A finalised record as a FHIR R4 (4.0.1) `Bundle` of type `collection`: `Patient`,
//! `Encounter`, a `Procedure` for the operation and one for cardiopulmonary bypass (SNOMED CT),
//! LOINC-coded `Observation`s for the labs, text-coded `Observation`s for the quality indicators
//! (bypass and cross-clamp time, nadir Hct, nadir DO2i) and a `MedicationAdministration` per
//! `drug` event (heparin, protamine, others).
//!
//! The resources are our own `serde` structs, limited to the elements written here: the typed
//! FHIR crates (`fhir-sdk`/`fhir-model`, `fhir`, `fhirkit`) generate all 146 R4 resources, a
//! compile cost out of proportion for six of them. Field names and cardinalities follow the R4
//! specification; `tests/fhir.rs` checks the structure (required elements, references resolving
//! inside the bundle, primitive formats, codes).
//!
//! Codes (verified against published code tables): SNOMED CT 63697000 |Cardiopulmonary bypass
//! operation (procedure)| and 232717009 |Coronary artery bypass grafting (procedure)| (only when
//! the procedure is written `CABG…`); LOINC as in [`LAB_CODES`]. Venous saturation is sent as
//! text only (no LOINC code verified for it here).
//!
//! A record has a date and times from its start (`time_s`), no clock time: each timed resource
//! carries the case date and a `time-from-record-start` extension in seconds. Drafts are refused
//! ([`Error::Conflict`]): a FHIR exchange is of finalised records only. Output is deterministic:
//! ids are derived from the record id and version.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{Event, LabSample, Sex};
use crate::store::{Status, StoredRecord};

/// Extension carrying seconds from the start of the record.
pub const TIME_FROM_START_URL: &str = "urn:perfuse:fhir:StructureDefinition:time-from-record-start";
const SNOMED: &str = "http://snomed.info/sct";
const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";

/// A lab field with its LOINC code (code, display), UCUM unit and text.
pub struct LabCode {
    /// The record's lab field, e.g. `hct_pct`.
    pub field: &'static str,
    /// LOINC code and display; `None` when sent as text only.
    pub loinc: Option<(&'static str, &'static str)>,
    /// UCUM unit code.
    pub ucum: &'static str,
    /// Short text.
    pub text: &'static str,
    value: fn(&LabSample) -> Option<f64>,
}

macro_rules! lab {
    ($field:ident, $loinc:expr, $ucum:expr, $text:expr) => {
        LabCode {
            field: stringify!($field),
            loinc: $loinc,
            ucum: $ucum,
            text: $text,
            value: |sample| sample.$field,
        }
    };
}

/// Every lab field of a record as an Observation code.
pub const LAB_CODES: [LabCode; 11] = [
    lab!(ph, Some(("2744-1", "pH of Arterial blood")), "[pH]", "pH"),
    lab!(
        paco2_mmhg,
        Some((
            "2019-8",
            "Carbon dioxide [Partial pressure] in Arterial blood"
        )),
        "mm[Hg]",
        "PaCO2"
    ),
    lab!(
        pao2_mmhg,
        Some(("2703-7", "Oxygen [Partial pressure] in Arterial blood")),
        "mm[Hg]",
        "PaO2"
    ),
    lab!(
        sao2_pct,
        Some(("2708-6", "Oxygen saturation in Arterial blood")),
        "%",
        "SaO2"
    ),
    lab!(svo2_pct, None, "%", "Venous oxygen saturation (SvO2)"),
    lab!(
        hb_g_dl,
        Some(("718-7", "Hemoglobin [Mass/volume] in Blood")),
        "g/dL",
        "Hb"
    ),
    lab!(
        hct_pct,
        Some(("20570-8", "Hematocrit [Volume Fraction] of Blood")),
        "%",
        "Hct"
    ),
    lab!(
        k_mmol_l,
        Some(("6298-4", "Potassium [Moles/volume] in Blood")),
        "mmol/L",
        "K+"
    ),
    lab!(
        glucose_mmol_l,
        Some(("15074-8", "Glucose [Moles/volume] in Blood")),
        "mmol/L",
        "Glucose"
    ),
    lab!(
        lactate_mmol_l,
        Some(("32693-4", "Lactate [Moles/volume] in Blood")),
        "mmol/L",
        "Lactate"
    ),
    lab!(
        act_s,
        Some((
            "3184-9",
            "Activated clotting time in Blood by Coagulation assay"
        )),
        "s",
        "ACT"
    ),
];

/// `Bundle` (collection).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    resource_type: &'static str,
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: String,
    entry: Vec<Entry>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    full_url: String,
    resource: Resource,
}

#[derive(Serialize)]
#[serde(tag = "resourceType")]
#[allow(clippy::large_enum_variant)] // serialised once, never stored
enum Resource {
    Patient(Patient),
    Encounter(Encounter),
    Procedure(Procedure),
    Observation(Observation),
    MedicationAdministration(MedicationAdministration),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Patient {
    id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    identifier: Vec<Identifier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    name: Vec<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gender: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<String>,
}

#[derive(Serialize)]
struct Identifier {
    #[serde(rename = "type")]
    kind: CodeableConcept,
    system: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Coding {
    system: &'static str,
    code: &'static str,
    display: &'static str,
}

#[derive(Serialize)]
struct CodeableConcept {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coding: Vec<Coding>,
    text: String,
}

#[derive(Serialize)]
struct Reference {
    reference: String,
}

#[derive(Serialize)]
struct Period {
    start: String,
    end: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Encounter {
    id: String,
    status: &'static str,
    class: Coding,
    subject: Reference,
    period: Period,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Procedure {
    id: String,
    status: &'static str,
    code: CodeableConcept,
    subject: Reference,
    encounter: Reference,
    performed_date_time: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    performer: Vec<Performer>,
}

#[derive(Serialize)]
struct Performer {
    function: CodeableConcept,
    actor: Display,
}

/// A reference by display only: team members are not `Practitioner` resources here.
#[derive(Serialize)]
struct Display {
    display: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Quantity {
    value: f64,
    unit: &'static str,
    system: &'static str,
    code: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Extension {
    url: &'static str,
    value_quantity: Quantity,
}

fn time_from_start(time_s: f64) -> Vec<Extension> {
    vec![Extension {
        url: TIME_FROM_START_URL,
        value_quantity: Quantity {
            value: time_s,
            unit: "s",
            system: UCUM,
            code: "s",
        },
    }]
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Observation {
    id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    extension: Vec<Extension>,
    status: &'static str,
    category: Vec<CodeableConcept>,
    code: CodeableConcept,
    subject: Reference,
    encounter: Reference,
    effective_date_time: String,
    value_quantity: Quantity,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MedicationAdministration {
    id: String,
    extension: Vec<Extension>,
    status: &'static str,
    medication_codeable_concept: CodeableConcept,
    subject: Reference,
    context: Reference,
    effective_date_time: String,
    dosage: Dosage,
}

#[derive(Serialize)]
struct Dosage {
    dose: FreeQuantity,
}

/// A quantity whose unit is as written in the record (not necessarily UCUM).
#[derive(Serialize)]
struct FreeQuantity {
    value: f64,
    unit: String,
}

fn category(code: &'static str, display: &'static str) -> Vec<CodeableConcept> {
    vec![CodeableConcept {
        coding: vec![Coding {
            system: "http://terminology.hl7.org/CodeSystem/observation-category",
            code,
            display,
        }],
        text: display.to_owned(),
    }]
}

/// Deterministic UUID-shaped id from the record, its version and a resource's ordinal.
fn uuid(stored: &StoredRecord, ordinal: usize) -> String {
    let digest = Sha256::digest(format!(
        "perfuse:{}:{}:{ordinal}",
        stored.id, stored.version
    ));
    let hex = hex::encode(&digest[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The record as a FHIR R4 bundle; drafts are refused.
pub fn bundle(stored: &StoredRecord) -> Result<Bundle> {
    if stored.status == Status::Draft {
        return Err(Error::Conflict(format!(
            "record {} is a draft; finalise it before exchanging it as FHIR",
            stored.id
        )));
    }
    let record = &stored.record;
    let case = &record.case;
    let date = case.date.to_string();
    let mut entries: Vec<Entry> = Vec::new();
    let mut ordinal = 0;
    let mut id = || {
        ordinal += 1;
        uuid(stored, ordinal)
    };
    let patient_id = id();
    let encounter_id = id();
    let subject = || Reference {
        reference: format!("urn:uuid:{patient_id}"),
    };
    let encounter = || Reference {
        reference: format!("urn:uuid:{encounter_id}"),
    };
    let identity = case.patient.identity.as_ref();
    let mut push = |id: String, resource: Resource| {
        entries.push(Entry {
            full_url: format!("urn:uuid:{id}"),
            resource,
        })
    };
    push(
        patient_id.clone(),
        Resource::Patient(Patient {
            id: patient_id.clone(),
            identifier: identity
                .map(|identity| Identifier {
                    kind: CodeableConcept {
                        coding: vec![Coding {
                            system: "http://terminology.hl7.org/CodeSystem/v2-0203",
                            code: "MR",
                            display: "Medical record number",
                        }],
                        text: "MRN".to_owned(),
                    },
                    system: "urn:perfuse:mrn",
                    value: identity.mrn.clone(),
                })
                .into_iter()
                .collect(),
            name: identity
                .map(|identity| Text {
                    text: identity.name.clone(),
                })
                .into_iter()
                .collect(),
            gender: case.patient.sex.map(|sex| match sex {
                Sex::Male => "male",
                Sex::Female => "female",
            }),
            birth_date: identity.map(|identity| identity.birth_date.to_string()),
        }),
    );
    push(
        encounter_id.clone(),
        Resource::Encounter(Encounter {
            id: encounter_id.clone(),
            status: "finished",
            class: Coding {
                system: "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                code: "IMP",
                display: "inpatient encounter",
            },
            subject: subject(),
            period: Period {
                start: date.clone(),
                end: date.clone(),
            },
        }),
    );
    let performers: Vec<Performer> = record
        .team
        .iter()
        .map(|member| Performer {
            function: CodeableConcept {
                coding: Vec::new(),
                text: format!("{} perfusionist", member.role.name()),
            },
            actor: Display {
                display: member.name.clone(),
            },
        })
        .collect();
    let cabg = case
        .procedure
        .trim_start()
        .to_ascii_uppercase()
        .starts_with("CABG");
    let operation_id = id();
    push(
        operation_id.clone(),
        Resource::Procedure(Procedure {
            id: operation_id,
            status: "completed",
            code: CodeableConcept {
                coding: cabg
                    .then_some(Coding {
                        system: SNOMED,
                        code: "232717009",
                        display: "Coronary artery bypass grafting (procedure)",
                    })
                    .into_iter()
                    .collect(),
                text: case.procedure.clone(),
            },
            subject: subject(),
            encounter: encounter(),
            performed_date_time: date.clone(),
            performer: Vec::new(),
        }),
    );
    if record
        .timeline
        .iter()
        .any(|entry| matches!(entry.event, Event::BypassOn))
    {
        let cpb_id = id();
        push(
            cpb_id.clone(),
            Resource::Procedure(Procedure {
                id: cpb_id,
                status: "completed",
                code: CodeableConcept {
                    coding: vec![Coding {
                        system: SNOMED,
                        code: "63697000",
                        display: "Cardiopulmonary bypass operation (procedure)",
                    }],
                    text: "Cardiopulmonary bypass".to_owned(),
                },
                subject: subject(),
                encounter: encounter(),
                performed_date_time: date.clone(),
                performer: performers,
            }),
        );
    }
    for sample in &record.labs {
        for lab in &LAB_CODES {
            let Some(value) = (lab.value)(sample) else {
                continue;
            };
            let LabCode {
                loinc, ucum, text, ..
            } = *lab;
            let observation_id = id();
            push(
                observation_id.clone(),
                Resource::Observation(Observation {
                    id: observation_id,
                    extension: time_from_start(sample.time_s),
                    status: "final",
                    category: category("laboratory", "Laboratory"),
                    code: CodeableConcept {
                        coding: loinc
                            .map(|(code, display)| Coding {
                                system: LOINC,
                                code,
                                display,
                            })
                            .into_iter()
                            .collect(),
                        text: text.to_owned(),
                    },
                    subject: subject(),
                    encounter: encounter(),
                    effective_date_time: date.clone(),
                    value_quantity: Quantity {
                        value,
                        unit: ucum,
                        system: UCUM,
                        code: ucum,
                    },
                }),
            );
        }
    }
    let indicators = &stored.indicators;
    let indicator_rows = [
        (
            "Cardiopulmonary bypass time",
            indicators.bypass_time_min,
            "min",
        ),
        (
            "Aortic cross-clamp time",
            indicators.cross_clamp_time_min,
            "min",
        ),
        ("Nadir haematocrit on bypass", indicators.nadir_hct_pct, "%"),
        (
            "Nadir oxygen delivery index (DO2i) on bypass",
            indicators.nadir_do2i_ml_min_m2,
            "mL/min/m2",
        ),
    ];
    for (text, value, ucum) in indicator_rows {
        let Some(value) = value else { continue };
        let observation_id = id();
        push(
            observation_id.clone(),
            Resource::Observation(Observation {
                id: observation_id,
                extension: Vec::new(),
                status: "final",
                category: category("procedure", "Procedure"),
                code: CodeableConcept {
                    coding: Vec::new(),
                    text: text.to_owned(),
                },
                subject: subject(),
                encounter: encounter(),
                effective_date_time: date.clone(),
                value_quantity: Quantity {
                    value,
                    unit: ucum,
                    system: UCUM,
                    code: ucum,
                },
            }),
        );
    }
    for entry in &record.timeline {
        let Event::Drug { name, dose, unit } = &entry.event else {
            continue;
        };
        let administration_id = id();
        push(
            administration_id.clone(),
            Resource::MedicationAdministration(MedicationAdministration {
                id: administration_id,
                extension: time_from_start(entry.time_s),
                status: "completed",
                medication_codeable_concept: CodeableConcept {
                    coding: Vec::new(),
                    text: name.clone(),
                },
                subject: subject(),
                context: encounter(),
                effective_date_time: date.clone(),
                dosage: Dosage {
                    dose: FreeQuantity {
                        value: *dose,
                        unit: unit.clone(),
                    },
                },
            }),
        );
    }
    Ok(Bundle {
        resource_type: "Bundle",
        id: uuid(stored, 0),
        kind: "collection",
        timestamp: stored.updated_at.clone(),
        entry: entries,
    })
}
