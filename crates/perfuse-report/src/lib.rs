//! The perfusion record as a printable, signable document: one self-contained HTML file or a
//! PDF (A4 or US Letter), with the timeline chart drawn as vectors.
//!
//! # Brief overview
//! - `content`: what the report says, built once from a [`Record`] and its [`Provenance`]:
//!   header, circuit and prime, plan, chart, events, labs with out-of-range flags, drugs,
//!   fluids and blood products with totals, quality indicators with their targets,
//!   amendments and the signature block. Missing data is written `—`, never guessed.
//! - [`chart`]: the timeline chart (MAP, pump flow, temperatures, Hct, DO2i over time, bypass
//!   and cross-clamp shaded, targets drawn) as SVG text drawn by `plotters`.
//! - [`ranges`]: the cited lab, vitals and indicator targets the flags and the chart use.
//! - `html` and `pdf`: the two renderings of the same content. The PDF is laid out by hand
//!   (tables split over pages with their header repeated, "page i of n" and the patient on
//!   every page) and written by `krilla` with the DejaVu Sans Condensed font embedded; the
//!   chart's SVG is placed with `krilla-svg`, so it stays vector.
//!
//! **Architecture invariant:** no I/O and no clock. The same record and provenance give the
//! same bytes (the PDF's creation date is the case date).

pub mod chart;
mod content;
mod html;
mod pdf;
pub mod ranges;

use perfuse_record::Record;
use perfuse_record::store::{AuditEntry, Status, StoredRecord};

pub use html::style_csp_hash;

/// The paper a report is laid out for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Paper {
    /// ISO 216 A4, 210 × 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

impl Paper {
    /// Every paper, as named on the command line.
    pub const NAMES: [&'static str; 2] = ["a4", "letter"];

    /// The paper named `a4` or `letter`.
    pub fn from_name(name: &str) -> Option<Paper> {
        match name {
            "a4" => Some(Paper::A4),
            "letter" => Some(Paper::Letter),
            _ => None,
        }
    }

    /// The name used on the command line and in CSS `@page`.
    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }

    /// Width and height, PostScript points (1/72 in): A4 595 × 842 (210 × 297 mm rounded to
    /// the point, as PDF writers use), Letter 612 × 792.
    pub fn size_pt(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.0, 842.0),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// Who did what to a stored record, from its audit trail: what the report says besides the
/// record document. Empty for a record that was never stored (a live training session).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Provenance {
    /// Database id, life-cycle state and version.
    pub stored: Option<(i64, Status, i64)>,
    /// Finalisation: when (RFC 3339 UTC) and by whom.
    pub finalised: Option<Signoff>,
    /// Amendments, oldest first.
    pub amendments: Vec<Amendment>,
}

/// A finalisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Signoff {
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Who.
    pub by: String,
}

/// One amendment of a finalised record.
#[derive(Clone, Debug, PartialEq)]
pub struct Amendment {
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Who amended it.
    pub by: String,
    /// Their role at the time.
    pub role: String,
    /// The reason given (required by the store).
    pub reason: String,
}

impl Provenance {
    /// The provenance of a stored record from its audit trail (oldest entry first).
    pub fn of(stored: &StoredRecord, trail: &[AuditEntry]) -> Provenance {
        let finalised = trail
            .iter()
            .find(|entry| entry.action == "finalise")
            .map(|entry| Signoff {
                at: entry.at.clone(),
                by: entry.actor.clone(),
            });
        let amendments = trail
            .iter()
            .filter(|entry| entry.action == "amend")
            .map(|entry| Amendment {
                at: entry.at.clone(),
                by: entry.actor.clone(),
                role: entry.actor_role.clone(),
                reason: entry.reason.clone().unwrap_or_default(),
            })
            .collect();
        Provenance {
            stored: Some((stored.id, stored.status, stored.version)),
            finalised,
            amendments,
        }
    }
}

/// A report that could not be drawn (a chart or PDF writer failure; not expected for a
/// validated record).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportError(pub String);

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "report: {}", self.0)
    }
}

impl std::error::Error for ReportError {}

/// The report as one self-contained HTML file (inline SVG chart, one `<style>` block whose
/// hash is [`style_csp_hash`], a print stylesheet for `paper`, no script).
pub fn html(record: &Record, provenance: &Provenance, paper: Paper) -> Result<String, ReportError> {
    let content = content::Content::of(record, provenance)?;
    Ok(html::render(&content, paper))
}

/// The report as a PDF on `paper`, fonts embedded.
pub fn pdf(record: &Record, provenance: &Provenance, paper: Paper) -> Result<Vec<u8>, ReportError> {
    let content = content::Content::of(record, provenance)?;
    pdf::render(&content, record, paper)
}
