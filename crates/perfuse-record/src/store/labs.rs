//! Lab results from HL7 ([`crate::hl7`]) attached to the record they belong to, through the
//! same audited write as any edit: a draft is updated, a finalised record amended, with the
//! message's control id as the reason; all results of a message in one transaction or none.
//!
//! The matching record: its MRN is PID-3, it has a `case.start_time`, and every observation
//! time of the message lies within [`MATCH_SPAN_S`] after its start (`case.date` +
//! `case.start_time`). No such record, or more than one, refuses the message.

use sqlx::Row;

use super::{Change, CurrentState, Status, Store, commit_change, current_state};
use crate::access::Actor;
use crate::error::{Error, Result};
use crate::hl7::{
    self, AckCode, ERR_DATA_TYPE, ERR_INTERNAL, ERR_UNKNOWN_KEY, Header, Hl7Error, LabMessage,
};
use crate::model::LabSample;
use crate::validate::{check_text, validate, validate_complete};

/// How long after its start a record takes results, s: 24 h, longer than any bypass case
/// (a longer ECMO run is several records, or results entered by hand).
pub const MATCH_SPAN_S: i64 = 86_400;

/// What a message changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attached {
    /// The record the results belong to.
    pub record_id: i64,
    /// Results in the message.
    pub values: usize,
    /// Results the record did not hold yet (0: the message was already applied; nothing was
    /// written).
    pub new_values: usize,
    /// The record's version now.
    pub version: i64,
}

/// A message received, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The message's header (none when it could not be read).
    pub header: Option<Header>,
    /// The attachment, or why the message was refused (nothing changed).
    pub outcome: std::result::Result<Attached, Hl7Error>,
}

impl Received {
    /// The ACK to send back; `now_hl7` is the current time as an HL7 DTM.
    pub fn ack(&self, now_hl7: &str) -> String {
        let note = match &self.outcome {
            Ok(attached) => Ok(format!(
                "record {}: {} new of {} value(s)",
                attached.record_id, attached.new_values, attached.values
            )),
            Err(refusal) => Err(refusal),
        };
        hl7::ack(
            self.header.as_ref(),
            note.as_ref()
                .map(String::as_str)
                .map_err(|refusal| *refusal),
            now_hl7,
        )
    }
}

impl Store {
    /// Reads an HL7 message and attaches its results to the matching record
    /// ([`Store::attach_labs`]); any refusal, whether of the message or of the attachment,
    /// comes back as the [`Hl7Error`] its ACK reports.
    pub async fn receive_hl7(&self, actor: &Actor, text: &str) -> Received {
        let header = hl7::read_header(text);
        let outcome = match hl7::parse_oru(text) {
            Err(refusal) => Err(refusal),
            Ok(message) => self
                .attach_labs(actor, &message)
                .await
                .map_err(application_error),
        };
        Received { header, outcome }
    }

    /// Attaches the results of `message` to the one record they match (see the module doc):
    /// new lab samples at the observation times, or values added to a sample already at that
    /// time. A value the record already holds is left as it is; a different one refuses the
    /// message (a correction is an amendment by hand). Needs the author's or a chief's role.
    pub async fn attach_labs(&self, actor: &Actor, message: &LabMessage) -> Result<Attached> {
        actor.require_writer()?;
        let times = message.results.iter().map(|result| result.observed_at);
        let (Some(first), Some(last)) = (times.clone().min(), times.max()) else {
            return Err(Error::invalid("OBX", "no result to record"));
        };
        let from = first.date.plus_days(-1).unwrap_or(first.date);
        let mut tx = self.begin().await?;
        let ids: Vec<i64> = sqlx::query(
            "SELECT id FROM records WHERE case_date >= $1 AND case_date <= $2 ORDER BY id",
        )
        .bind(from.to_string())
        .bind(last.date.to_string())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
        let mut same_patient: Vec<(i64, CurrentState)> = Vec::new();
        for id in ids {
            let state = current_state(&mut tx, id).await?;
            let mrn = state.record.case.patient.identity.as_ref().map(|i| &i.mrn);
            if mrn == Some(&message.mrn) {
                same_patient.push((id, state));
            }
        }
        if same_patient.is_empty() {
            return Err(Error::invalid(
                "PID-3",
                format!(
                    "no record of this patient (MRN) dated {from} or {}",
                    last.date
                ),
            ));
        }
        let spans = |state: &CurrentState| {
            state.record.start().is_some_and(|start| {
                message.results.iter().all(|result| {
                    (0..=MATCH_SPAN_S).contains(&result.observed_at.seconds_since(start))
                })
            })
        };
        let why_not: Vec<String> = same_patient
            .iter()
            .map(|(id, state)| match state.record.start() {
                None => format!("record {id} has no case.start_time"),
                Some(start) => format!("record {id} starts {start}"),
            })
            .collect();
        let mut matching: Vec<(i64, CurrentState)> = same_patient
            .into_iter()
            .filter(|(_, state)| spans(state))
            .collect();
        let (id, current) = match matching.len() {
            1 => matching.remove(0),
            0 => {
                return Err(Error::invalid(
                    "OBX-14",
                    format!(
                        "no record of this patient spans the observation times {first} to {last} \
                         (a record takes results for 24 h from case.date + case.start_time): {}",
                        why_not.join("; ")
                    ),
                ));
            }
            _ => {
                let ids: Vec<String> = matching.iter().map(|(id, _)| id.to_string()).collect();
                return Err(Error::invalid(
                    "PID-3",
                    format!(
                        "ambiguous: records {} of this patient all span the observation times; \
                         enter the results by hand",
                        ids.join(", ")
                    ),
                ));
            }
        };
        actor.require_owner_or_chief(&current.author, "attach lab results to this record")?;
        let start = current
            .record
            .start()
            .expect("a matching record has a start");
        let mut record = current.record.clone();
        let mut new_values = 0;
        for result in &message.results {
            let time_s = result.observed_at.seconds_since(start) as f64;
            let index = match record.labs.iter().position(|s| s.time_s == time_s) {
                Some(index) => index,
                None => {
                    record.labs.push(LabSample {
                        time_s,
                        ..LabSample::default()
                    });
                    record.labs.len() - 1
                }
            };
            let name = result.analyte.field.name();
            let slot = result.analyte.field.slot(&mut record.labs[index]);
            match *slot {
                None => {
                    *slot = Some(result.value);
                    new_values += 1;
                }
                Some(held) if held == result.value => {}
                Some(held) => {
                    return Err(Error::invalid(
                        format!("OBX[{}]-5", result.obx),
                        format!(
                            "record {id} already holds {name} = {held} at time_s {time_s}, the \
                             message says {}; a correction is an amendment by hand",
                            result.value
                        ),
                    ));
                }
            }
        }
        let values = message.results.len();
        if new_values == 0 {
            // Already applied (a resent message): nothing to write.
            return Ok(Attached {
                record_id: id,
                values,
                new_values,
                version: current.version,
            });
        }
        record.labs.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
        let header = &message.header;
        let reason = format!(
            "HL7 ORU^R01 {} from {}: {new_values} lab value(s)",
            header.control_id, header.sending_application
        );
        check_text("MSH-10", &reason)?;
        let (action, status) = match current.status {
            Status::Draft => {
                validate(&record)?;
                ("update", Status::Draft)
            }
            Status::Final | Status::Amended => {
                validate_complete(&record)?;
                ("amend", Status::Amended)
            }
        };
        let change = Change {
            action,
            status,
            record: &record,
            reason: Some(&reason),
        };
        commit_change(tx, actor, id, &current, change).await?;
        Ok(Attached {
            record_id: id,
            values,
            new_values,
            version: current.version + 1,
        })
    }
}

/// A store error as the `AE` of an ACK: the message was well formed but not applied.
fn application_error(error: Error) -> Hl7Error {
    let (field, code) = match &error {
        Error::Invalid { field, .. } if field == "PID-3" || field == "OBX-14" => {
            (field.clone(), ERR_UNKNOWN_KEY)
        }
        Error::Invalid { field, .. } => (field.clone(), ERR_DATA_TYPE),
        _ => ("record".to_owned(), ERR_INTERNAL),
    };
    let message = match error {
        Error::Invalid { message, .. } => message,
        other => other.to_string(),
    };
    Hl7Error {
        ack: AckCode::Error,
        field,
        message,
        error_code: code,
    }
}
