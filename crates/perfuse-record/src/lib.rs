//! Perfusion records, the recertification case log and the audit trail, stored in SQLite (the
//! embedded default) or PostgreSQL (a department server).
//!
//! # Brief overview
//! - [`model`]: the record document (case, patient, team, circuit, plan settings, timeline, labs),
//!   read from TOML or JSON ([`Record::from_file_text`]) and validated field by field
//!   ([`validate`]).
//! - [`plan`] and [`indicators`]: numbers derived from a record with `perfuse-clinical`
//!   (BSA, target flow, predicted Hct, heparin; bypass/clamp times, nadir Hct and DO2i, time
//!   below DO2i 272, max lactate, transfusions).
//! - [`observations`]: a finished simulator session (observation rows) as a training record.
//! - [`store`]: the service API. Every call takes the acting [`Actor`]; [`access`] says what each
//!   role may do. Writes are transactional and audited; finalised records are only amended.
//! - [`csv`]: registry extract, case log and continuing-education exports.
//! - [`fhir`]: a finalised record as a FHIR R4 bundle.
//! - [`hl7`]: HL7 v2 ORU^R01 lab results in (LOINC codes, unit conversion, ACKs);
//!   [`Store::receive_hl7`] attaches them to the matching record.
//! - [`registry`]: STS ACSD perfusion and PERForm-style extracts with their data dictionary.
//!
//! **Architecture invariant:** the crate knows nothing about HTTP or the command line; errors
//! are typed ([`Error`]) and map to an exit code or an HTTP status without string matching.
//!
//! # Example
//! ```no_run
//! # async fn demo(text: &str) -> perfuse_record::Result<()> {
//! use perfuse_record::{Actor, Record, Role, Store};
//! let store = Store::open("perfuse.db").await?;
//! let me = Actor::new("A. Perfusionist", Role::Perfusionist)?;
//! let id = store.create(&me, &Record::from_toml_str(text)?).await?;
//! store.finalise(&me, id, None).await?;
//! println!("{:?}", store.get(&me, id).await?.indicators);
//! # Ok(()) }
//! ```

pub mod access;
pub mod csv;
pub mod error;
pub mod fhir;
pub mod hl7;
pub mod indicators;
mod io;
pub mod model;
pub mod observations;
pub mod plan;
pub mod registry;
pub mod store;
pub mod time;
pub mod validate;

pub use access::{Actor, Role};
pub use error::{Error, Result};
pub use indicators::Indicators;
pub use model::Record;
pub use plan::Plan;
pub use store::{Backend, ListFilter, Status, Store, StoredRecord};
pub use time::Date;
