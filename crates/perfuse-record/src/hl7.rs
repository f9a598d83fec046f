//! HL7 v2 lab results in: ORU^R01 messages (MSH, PID, OBR, OBX) read into lab values in the
//! record's units, and the ACK (MSH + MSA + ERR) that answers each message.
//!
//! Parsing is structural, by the `hl7-parser` crate; what a field means is decided here:
//! LOINC codes (OBX-3) map to [`LabSample`] fields through [`ANALYTES`], units (OBX-6) are
//! converted with the factors there, values (OBX-5) are range-checked like any record's, and the
//! observation time (OBX-14, else OBR-7) is a local date and time that
//! [`crate::Store::attach_labs`] places on the matching record's timeline.
//!
//! A message is refused whole: `AR` when it is not a well-formed ORU^R01 (no MSH, unparsable,
//! another message type, no control id, no PID or OBX, too large), `AE` when it is one but
//! cannot be applied (unknown code or unit, a bad value, no time, no or several matching
//! records). No I/O here: the CLI reads files, the server speaks MLLP.

use hl7_parser::Message;
use hl7_parser::datetime::parse_timestamp;

use crate::model::LabSample;
use crate::time::{ClockTime, Date, LocalDateTime};
use crate::validate::check_lab_values;

/// Largest message accepted, bytes: an ABG panel is about 1 kB, so 1 MiB leaves room for
/// any real result message while bounding what one sender can make the receiver hold.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// The acknowledgment code of MSA-1 (HL7 table 0008).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckCode {
    /// `AA`: accepted and applied (or already applied).
    Accept,
    /// `AE`: a well-formed message that could not be applied; nothing was changed.
    Error,
    /// `AR`: rejected (malformed, not ORU^R01, too large); nothing was changed.
    Reject,
}

impl AckCode {
    /// The two-letter code.
    pub fn code(self) -> &'static str {
        match self {
            AckCode::Accept => "AA",
            AckCode::Error => "AE",
            AckCode::Reject => "AR",
        }
    }
}

/// Why a message was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hl7Error {
    /// `AE` or `AR`.
    pub ack: AckCode,
    /// The field at fault, e.g. `MSH-9`, `PID-3`, `OBX[2]-6`.
    pub field: String,
    /// What is wrong and what is accepted.
    pub message: String,
    /// HL7 table 0357 error code and text for ERR-3, e.g. `103^Table value not found`.
    pub error_code: &'static str,
}

impl std::fmt::Display for Hl7Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for Hl7Error {}

impl Hl7Error {
    /// An `AR` refusal by the receiver itself (size, rate, encoding), naming `field`.
    pub fn rejected(field: impl Into<String>, message: impl Into<String>) -> Hl7Error {
        reject(field, message, err::INTERNAL)
    }

    /// The HTTP-like status kept in the refusal log: 400 for `AR`, 422 for `AE`.
    pub fn status(&self) -> u16 {
        match self.ack {
            AckCode::Reject => 400,
            AckCode::Accept | AckCode::Error => 422,
        }
    }
}

/// HL7 table 0357 codes used in ERR-3.
mod err {
    pub const SEGMENT_SEQUENCE: &str = "100^Segment sequence error^HL70357";
    pub const REQUIRED_FIELD: &str = "101^Required field missing^HL70357";
    pub const DATA_TYPE: &str = "102^Data type error^HL70357";
    pub const TABLE_VALUE: &str = "103^Table value not found^HL70357";
    pub const UNSUPPORTED_TYPE: &str = "200^Unsupported message type^HL70357";
    pub const UNKNOWN_KEY: &str = "204^Unknown key identifier^HL70357";
    pub const INTERNAL: &str = "207^Application internal error^HL70357";
}

pub(crate) use err::{
    DATA_TYPE as ERR_DATA_TYPE, INTERNAL as ERR_INTERNAL, UNKNOWN_KEY as ERR_UNKNOWN_KEY,
};

fn reject(field: impl Into<String>, message: impl Into<String>, code: &'static str) -> Hl7Error {
    Hl7Error {
        ack: AckCode::Reject,
        field: field.into(),
        message: message.into(),
        error_code: code,
    }
}

fn error(field: impl Into<String>, message: impl Into<String>, code: &'static str) -> Hl7Error {
    Hl7Error {
        ack: AckCode::Error,
        field: field.into(),
        message: message.into(),
        error_code: code,
    }
}

/// A lab field of the record that results can fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabField {
    /// `ph`.
    Ph,
    /// `paco2_mmhg`.
    Paco2,
    /// `pao2_mmhg`.
    Pao2,
    /// `sao2_pct`.
    Sao2,
    /// `hb_g_dl`.
    Hb,
    /// `hct_pct`.
    Hct,
    /// `k_mmol_l`.
    K,
    /// `lactate_mmol_l`.
    Lactate,
    /// `act_s`.
    Act,
}

impl LabField {
    /// The field's name in a record's `labs`.
    pub fn name(self) -> &'static str {
        match self {
            LabField::Ph => "ph",
            LabField::Paco2 => "paco2_mmhg",
            LabField::Pao2 => "pao2_mmhg",
            LabField::Sao2 => "sao2_pct",
            LabField::Hb => "hb_g_dl",
            LabField::Hct => "hct_pct",
            LabField::K => "k_mmol_l",
            LabField::Lactate => "lactate_mmol_l",
            LabField::Act => "act_s",
        }
    }

    /// The value this field holds in `sample`, to read or fill.
    pub fn slot(self, sample: &mut LabSample) -> &mut Option<f64> {
        match self {
            LabField::Ph => &mut sample.ph,
            LabField::Paco2 => &mut sample.paco2_mmhg,
            LabField::Pao2 => &mut sample.pao2_mmhg,
            LabField::Sao2 => &mut sample.sao2_pct,
            LabField::Hb => &mut sample.hb_g_dl,
            LabField::Hct => &mut sample.hct_pct,
            LabField::K => &mut sample.k_mmol_l,
            LabField::Lactate => &mut sample.lactate_mmol_l,
            LabField::Act => &mut sample.act_s,
        }
    }
}

/// One accepted LOINC code: what it fills and the units it may come in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Analyte {
    /// LOINC code (OBX-3.1).
    pub loinc: &'static str,
    /// LOINC long common name.
    pub display: &'static str,
    /// The record field it fills.
    pub field: LabField,
    /// Accepted units (OBX-6.1, compared without case) and the conversion to the record's
    /// unit: multiply by the first number, divide by the second (so 82 g/L is exactly 8.2).
    pub units: &'static [(&'static str, f64, f64)],
}

/// kPa → mmHg: 1 standard atmosphere is 101.325 kPa and 760 mmHg by definition (BIPM, *The
/// International System of Units*, 9th ed. 2019, table 8 note; ISO 80000-4).
const PRESSURE_UNITS: &[(&str, f64, f64)] = &[
    ("mm[Hg]", 1.0, 1.0),
    ("mmHg", 1.0, 1.0),
    ("kPa", 760.0, 101.325),
];
/// mg/dL → mmol/L of lactate: molar mass of lactic acid C3H6O3 90.08 g/mol (IUPAC standard
/// atomic weights), so 1 mg/dL = 10 mg/L = 10/90.08 mmol/L (Burtis & Bruns, *Tietz
/// Fundamentals of Clinical Chemistry*, 7th ed. 2015: lactate mg/dL × 0.111 = mmol/L).
const LACTATE_UNITS: &[(&str, f64, f64)] = &[("mmol/L", 1.0, 1.0), ("mg/dL", 10.0, 90.08)];
/// Potassium is monovalent: 1 mEq = 1 mmol.
const POTASSIUM_UNITS: &[(&str, f64, f64)] = &[("mmol/L", 1.0, 1.0), ("mEq/L", 1.0, 1.0)];

/// Every LOINC code accepted, with its units (docs/records.md lists them with their sources).
pub const ANALYTES: &[Analyte] = &[
    Analyte {
        loinc: "2744-1",
        display: "pH of Arterial blood",
        field: LabField::Ph,
        units: &[("", 1.0, 1.0), ("[pH]", 1.0, 1.0), ("pH", 1.0, 1.0)],
    },
    Analyte {
        loinc: "2019-8",
        display: "Carbon dioxide [Partial pressure] in Arterial blood",
        field: LabField::Paco2,
        units: PRESSURE_UNITS,
    },
    Analyte {
        loinc: "2703-7",
        display: "Oxygen [Partial pressure] in Arterial blood",
        field: LabField::Pao2,
        units: PRESSURE_UNITS,
    },
    Analyte {
        loinc: "2708-6",
        display: "Oxygen saturation in Arterial blood",
        field: LabField::Sao2,
        units: &[("%", 1.0, 1.0)],
    },
    Analyte {
        loinc: "718-7",
        display: "Hemoglobin [Mass/volume] in Blood",
        field: LabField::Hb,
        units: &[("g/dL", 1.0, 1.0), ("g/L", 1.0, 10.0)],
    },
    Analyte {
        loinc: "20570-8",
        display: "Hematocrit [Volume Fraction] of Blood",
        field: LabField::Hct,
        units: &[("%", 1.0, 1.0), ("L/L", 100.0, 1.0)],
    },
    Analyte {
        loinc: "6298-4",
        display: "Potassium [Moles/volume] in Blood",
        field: LabField::K,
        units: POTASSIUM_UNITS,
    },
    Analyte {
        loinc: "2823-3",
        display: "Potassium [Moles/volume] in Serum or Plasma",
        field: LabField::K,
        units: POTASSIUM_UNITS,
    },
    Analyte {
        loinc: "32693-4",
        display: "Lactate [Moles/volume] in Blood",
        field: LabField::Lactate,
        units: LACTATE_UNITS,
    },
    Analyte {
        loinc: "2524-7",
        display: "Lactate [Moles/volume] in Serum or Plasma",
        field: LabField::Lactate,
        units: LACTATE_UNITS,
    },
    Analyte {
        loinc: "59032-3",
        display: "Lactate [Mass/volume] in Blood",
        field: LabField::Lactate,
        units: LACTATE_UNITS,
    },
    Analyte {
        loinc: "3184-9",
        display: "Activated clotting time (ACT) of Blood by Coagulation assay",
        field: LabField::Act,
        units: &[("s", 1.0, 1.0), ("sec", 1.0, 1.0)],
    },
];

/// The MSH fields an ACK needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// MSH-3.
    pub sending_application: String,
    /// MSH-4.
    pub sending_facility: String,
    /// MSH-10, echoed in MSA-2.
    pub control_id: String,
    /// MSH-12.
    pub version: String,
}

/// One result (OBX) in the record's unit.
#[derive(Clone, Debug, PartialEq)]
pub struct LabResult {
    /// Position of the OBX in the message, from 1.
    pub obx: usize,
    /// The analyte its code names.
    pub analyte: Analyte,
    /// The value converted to the field's unit.
    pub value: f64,
    /// OBX-14, else OBR-7.
    pub observed_at: LocalDateTime,
}

/// A well-formed ORU^R01 message read into lab results.
#[derive(Clone, Debug, PartialEq)]
pub struct LabMessage {
    /// Its header.
    pub header: Header,
    /// The patient's MRN (PID-3, first identifier).
    pub mrn: String,
    /// Every OBX, in order.
    pub results: Vec<LabResult>,
}

/// Splits text that holds one or more messages: MLLP framing bytes (0x0B start, 0x1C end)
/// bound messages, and a segment starting `MSH` starts a new one; segments may be separated by
/// CR, LF or CRLF. Each message comes back with its segments joined by CR; text before the
/// first `MSH` comes back as a message of its own (to be refused, not dropped).
pub fn split_messages(text: &str) -> Vec<String> {
    let mut messages = Vec::new();
    for block in text.split(['\u{0b}', '\u{1c}']) {
        let mut current: Vec<&str> = Vec::new();
        for segment in block.split(['\r', '\n']).filter(|s| !s.trim().is_empty()) {
            if segment.starts_with("MSH") && !current.is_empty() {
                messages.push(current.join("\r"));
                current.clear();
            }
            current.push(segment);
        }
        if !current.is_empty() {
            messages.push(current.join("\r"));
        }
    }
    messages
}

/// Reads the MSH of a message, for an ACK (a message too broken to parse has none).
pub fn read_header(text: &str) -> Option<Header> {
    let normalised = normalise(text);
    let message = Message::parse(&normalised).ok()?;
    let msh = message.segment("MSH")?;
    let field = |n: usize| {
        msh.field(n)
            .and_then(|field| field.component(1))
            .map(|component| message.separators.decode(component.raw_value()).to_string())
            .unwrap_or_default()
    };
    Some(Header {
        sending_application: field(3),
        sending_facility: field(4),
        control_id: field(10),
        version: field(12),
    })
}

/// Segments joined by CR, blank lines dropped.
fn normalise(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|segment| !segment.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\r")
}

/// Reads an ORU^R01 message into lab results in the record's units; any fault refuses the
/// whole message.
pub fn parse_oru(text: &str) -> Result<LabMessage, Hl7Error> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(reject(
            "MSH",
            format!(
                "message of {} bytes: at most {MAX_MESSAGE_BYTES} bytes are accepted",
                text.len()
            ),
            err::INTERNAL,
        ));
    }
    let normalised = normalise(text);
    if !normalised.starts_with("MSH") {
        return Err(reject(
            "MSH",
            "no MSH segment: a message starts with MSH",
            err::SEGMENT_SEQUENCE,
        ));
    }
    let message = Message::parse(&normalised).map_err(|e| {
        reject(
            "MSH",
            format!("not a well-formed HL7 v2 message: {e}"),
            err::SEGMENT_SEQUENCE,
        )
    })?;
    let decode = |raw: &str| message.separators.decode(raw).to_string();
    // Component `c` of field `f` of a segment, decoded; empty when absent.
    let get = |segment: &hl7_parser::message::Segment, f: usize, c: usize| {
        segment
            .field(f)
            .and_then(|field| field.component(c))
            .map(|component| decode(component.raw_value()).trim().to_owned())
            .unwrap_or_default()
    };
    let msh = message.segment("MSH").expect("the text starts with MSH");
    let (kind, trigger) = (get(msh, 9, 1), get(msh, 9, 2));
    if (kind.as_str(), trigger.as_str()) != ("ORU", "R01") {
        return Err(reject(
            "MSH-9",
            format!("{kind}^{trigger}: this receiver takes lab results, ORU^R01, only"),
            err::UNSUPPORTED_TYPE,
        ));
    }
    let header = Header {
        sending_application: get(msh, 3, 1),
        sending_facility: get(msh, 4, 1),
        control_id: get(msh, 10, 1),
        version: get(msh, 12, 1),
    };
    if header.control_id.is_empty() {
        return Err(reject(
            "MSH-10",
            "no message control id",
            err::REQUIRED_FIELD,
        ));
    }
    let pid = match message.segment_count("PID") {
        1 => message.segment("PID").expect("counted"),
        0 => {
            return Err(reject(
                "PID",
                "no PID segment: the patient is needed to find the record",
                err::REQUIRED_FIELD,
            ));
        }
        n => {
            return Err(reject(
                "PID",
                format!("{n} PID segments: one patient per message"),
                err::SEGMENT_SEQUENCE,
            ));
        }
    };
    let mrn = get(pid, 3, 1);
    if mrn.is_empty() {
        return Err(reject(
            "PID-3",
            "no patient identifier (MRN)",
            err::REQUIRED_FIELD,
        ));
    }
    let obr_time = message
        .segment("OBR")
        .map(|obr| get(obr, 7, 1))
        .unwrap_or_default();
    let mut results = Vec::new();
    for (i, obx) in message
        .segments()
        .filter(|segment| segment.name == "OBX")
        .enumerate()
    {
        results.push(read_obx(i + 1, &|f, c| get(obx, f, c), &obr_time)?);
    }
    if results.is_empty() {
        return Err(reject(
            "OBX",
            "no OBX segment: no result to record",
            err::REQUIRED_FIELD,
        ));
    }
    for (i, result) in results.iter().enumerate() {
        let twin = results[..i].iter().find(|earlier| {
            earlier.analyte.field == result.analyte.field
                && earlier.observed_at == result.observed_at
        });
        if let Some(twin) = twin {
            return Err(error(
                format!("OBX[{}]-3", result.obx),
                format!(
                    "{} at {} is also given by OBX[{}]: one value per field and time",
                    result.analyte.field.name(),
                    result.observed_at,
                    twin.obx
                ),
                err::DATA_TYPE,
            ));
        }
    }
    Ok(LabMessage {
        header,
        mrn,
        results,
    })
}

/// Reads OBX number `n` (`get(field, component)` reads its fields; `obr_time` is OBR-7).
fn read_obx(
    n: usize,
    get: &dyn Fn(usize, usize) -> String,
    obr_time: &str,
) -> Result<LabResult, Hl7Error> {
    let at = |field: usize| format!("OBX[{n}]-{field}");
    let value_type = get(2, 1);
    if value_type != "NM" {
        return Err(error(
            at(2),
            format!("value type {value_type:?}: numeric results (NM) only"),
            err::DATA_TYPE,
        ));
    }
    let (code, system) = (get(3, 1), get(3, 3));
    if !system.is_empty() && system != "LN" {
        return Err(error(
            at(3),
            format!("coding system {system:?}: LOINC (LN) codes only"),
            err::TABLE_VALUE,
        ));
    }
    let Some(analyte) = ANALYTES.iter().find(|analyte| analyte.loinc == code) else {
        let known: Vec<&str> = ANALYTES.iter().map(|analyte| analyte.loinc).collect();
        return Err(error(
            at(3),
            format!(
                "LOINC {code:?} is not a result this receiver records; accepted: {}",
                known.join(", ")
            ),
            err::TABLE_VALUE,
        ));
    };
    let status = get(11, 1);
    if !matches!(status.as_str(), "F" | "C") {
        return Err(error(
            at(11),
            format!(
                "result status {status:?}: only final (F) or corrected (C) results are recorded"
            ),
            err::TABLE_VALUE,
        ));
    }
    let raw = get(5, 1);
    let number: f64 = raw
        .parse()
        .ok()
        .filter(|value: &f64| value.is_finite() && !raw.starts_with('+'))
        .ok_or_else(|| {
            error(
                at(5),
                format!("{raw:?}: not a number (a plain decimal such as 7.38)"),
                err::DATA_TYPE,
            )
        })?;
    let unit = get(6, 1);
    let Some((_, multiply, divide)) = analyte
        .units
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(&unit))
    else {
        let accepted: Vec<String> = analyte
            .units
            .iter()
            .map(|(name, _, _)| format!("{name:?}"))
            .collect();
        return Err(error(
            at(6),
            format!(
                "unit {unit:?} for {} ({}): accepted {}",
                analyte.loinc,
                analyte.field.name(),
                accepted.join(", ")
            ),
            err::TABLE_VALUE,
        ));
    };
    let value = number * multiply / divide;
    let mut sample = LabSample::default();
    *analyte.field.slot(&mut sample) = Some(value);
    check_lab_values(&sample, |name| format!("{} ({name})", at(5))).map_err(|e| match e {
        crate::Error::Invalid { field, message } => error(field, message, err::DATA_TYPE),
        other => error(at(5), other.to_string(), err::DATA_TYPE),
    })?;
    let own_time = get(14, 1);
    let (time_text, time_field) = if own_time.is_empty() {
        (obr_time.to_owned(), "OBR-7".to_owned())
    } else {
        (own_time, at(14))
    };
    let observed_at = read_time(&time_text).map_err(|message| {
        error(
            if time_text.is_empty() {
                at(14)
            } else {
                time_field
            },
            message,
            if time_text.is_empty() {
                err::REQUIRED_FIELD
            } else {
                err::DATA_TYPE
            },
        )
    })?;
    Ok(LabResult {
        obx: n,
        analyte: *analyte,
        value,
        observed_at,
    })
}

/// An HL7 `DTM` to at least the minute, as a local date and time. A zone offset, when given,
/// is not applied: the results and the record are on the hospital's wall clock.
fn read_time(text: &str) -> Result<LocalDateTime, String> {
    if text.is_empty() {
        return Err("no observation time (OBX-14, or OBR-7 for the whole order)".to_owned());
    }
    let expected = || format!("{text:?}: expected an observation time YYYYMMDDHHMM[SS]");
    let stamp = parse_timestamp(text, false).map_err(|_| expected())?;
    let (Some(month), Some(day), Some(hour), Some(minute)) =
        (stamp.month, stamp.day, stamp.hour, stamp.minute)
    else {
        return Err(expected());
    };
    let date = Date::new(i32::from(stamp.year), month, day)
        .ok_or_else(|| format!("{text:?}: no such date (years 1900 to 2199)"))?;
    let time = ClockTime::new(hour, minute, stamp.second.unwrap_or(0))
        .ok_or_else(|| format!("{text:?}: no such time of day"))?;
    Ok(LocalDateTime { date, time })
}

/// Escapes text for an HL7 field (the default delimiters `|^~\&`); control characters become
/// spaces so the reason cannot break the ACK's segments.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\E\\"),
            '|' => out.push_str("\\F\\"),
            '^' => out.push_str("\\S\\"),
            '&' => out.push_str("\\T\\"),
            '~' => out.push_str("\\R\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes `text` and cuts it to `max` characters.
fn escape_cut(text: &str, max: usize) -> String {
    escape(&text.chars().take(max).collect::<String>())
}

/// The ACK of a message: MSH, MSA (code, MSA-2 = the message's control id, MSA-3 the reason)
/// and, when refused, ERR (table 0357 code, severity E, the reason in ERR-8). `header` is the
/// message's (none when it was too broken to read); `now_hl7` the current time as an HL7 DTM.
pub fn ack(header: Option<&Header>, outcome: Result<&str, &Hl7Error>, now_hl7: &str) -> String {
    let header = header.cloned().unwrap_or_default();
    let version = if header.version.is_empty() {
        "2.5".to_owned()
    } else {
        header.version.clone()
    };
    let control = escape_cut(&header.control_id, 20);
    let mut text = format!(
        "MSH|^~\\&|PERFUSE|PERFUSE|{}|{}|{now_hl7}||ACK^R01^ACK|ACK{control}|P|{}\r",
        escape_cut(&header.sending_application, 180),
        escape_cut(&header.sending_facility, 180),
        escape_cut(&version, 10),
    );
    match outcome {
        Ok(note) => text.push_str(&format!("MSA|AA|{control}|{}\r", escape_cut(note, 80))),
        Err(refusal) => {
            let reason = format!("{}: {}", refusal.field, refusal.message);
            text.push_str(&format!(
                "MSA|{}|{control}|{}\rERR|||{}|E||||{}\r",
                refusal.ack.code(),
                escape_cut(&reason, 80),
                refusal.error_code,
                escape_cut(&reason, 250)
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABG: &str = "MSH|^~\\&|LAB|HOSP|PERFUSE|OR|20240314093000||ORU^R01^ORU_R01|MSG0001|P|2.5\r\
PID|1||MRN-0012345^^^HOSP^MR||Doe^Jane\r\
OBR|1||ABG1|24336-0^Gas panel^LN|||20240314092500\r\
OBX|1|NM|2744-1^pH^LN||7.36|[pH]|||||F\r\
OBX|2|NM|2019-8^pCO2^LN||5.6|kPa|||||F\r\
OBX|3|NM|32693-4^Lactate^LN||18|mg/dL|||||F|||20240314092700\r";

    #[test]
    fn reads_results_in_the_record_units() {
        let message = parse_oru(ABG).unwrap();
        assert_eq!(message.mrn, "MRN-0012345");
        assert_eq!(message.header.control_id, "MSG0001");
        let values: Vec<f64> = message.results.iter().map(|r| r.value).collect();
        assert_eq!(values[0], 7.36);
        // 5.6 kPa × 760/101.325 = 42.0 mmHg; 18 mg/dL × 10/90.08 = 2.0 mmol/L.
        assert!((values[1] - 42.003).abs() < 1e-3, "{}", values[1]);
        assert!((values[2] - 1.998).abs() < 1e-3, "{}", values[2]);
        assert_eq!(
            message.results[0].observed_at.to_string(),
            "2024-03-14 09:25:00"
        );
        assert_eq!(
            message.results[2].observed_at.to_string(),
            "2024-03-14 09:27:00"
        );
    }

    #[test]
    fn newline_variants_and_framing_split_into_the_same_messages() {
        let lf = ABG.replace('\r', "\n");
        let crlf = ABG.replace('\r', "\r\n");
        let framed = format!("\u{0b}{ABG}\u{1c}\r\u{0b}{ABG}\u{1c}\r");
        assert_eq!(split_messages(&lf), vec![ABG.trim_end().to_owned()]);
        assert_eq!(split_messages(&crlf), split_messages(&lf));
        assert_eq!(split_messages(&format!("{lf}\n{crlf}")).len(), 2);
        assert_eq!(split_messages(&framed).len(), 2);
        for text in split_messages(&framed) {
            assert_eq!(parse_oru(&text).unwrap().results.len(), 3);
        }
    }

    #[test]
    fn refusals_name_the_field() {
        let refuse = |text: &str| parse_oru(text).unwrap_err();
        let no_msh = refuse("PID|1||X\rOBX|1|NM|2744-1^^LN||7.4||||||F");
        assert_eq!(
            (no_msh.ack, no_msh.field.as_str()),
            (AckCode::Reject, "MSH")
        );
        let adt = refuse(&ABG.replace("ORU^R01^ORU_R01", "ADT^A01"));
        assert_eq!((adt.ack, adt.field.as_str()), (AckCode::Reject, "MSH-9"));
        let bad_value = refuse(&ABG.replace("|7.36|", "|7,36|"));
        assert_eq!(
            (bad_value.ack, bad_value.field.as_str()),
            (AckCode::Error, "OBX[1]-5")
        );
        let unknown_code = refuse(&ABG.replace("2019-8", "1234-5"));
        assert_eq!(unknown_code.field, "OBX[2]-3");
        let unknown_unit = refuse(&ABG.replace("|kPa|", "|psi|"));
        assert_eq!(unknown_unit.field, "OBX[2]-6");
        assert!(
            unknown_unit.message.contains("\"kPa\""),
            "{}",
            unknown_unit.message
        );
        let out_of_range = refuse(&ABG.replace("|7.36|", "|9.1|"));
        assert_eq!(out_of_range.field, "OBX[1]-5 (ph)");
        let no_time = refuse(&ABG.replace("|||20240314092500", "|||"));
        assert_eq!(no_time.field, "OBX[1]-14");
        let preliminary = refuse(&ABG.replace("|[pH]|||||F", "|[pH]|||||P"));
        assert_eq!(preliminary.field, "OBX[1]-11");
    }

    #[test]
    fn ack_echoes_the_control_id_and_escapes_the_reason() {
        let header = read_header(ABG).unwrap();
        let accepted = ack(Some(&header), Ok("3 values"), "20240314093001+0000");
        assert!(accepted.starts_with(
            "MSH|^~\\&|PERFUSE|PERFUSE|LAB|HOSP|20240314093001+0000||ACK^R01^ACK|ACKMSG0001|P|2.5\r"
        ));
        assert!(accepted.ends_with("MSA|AA|MSG0001|3 values\r"));
        let refusal = error("OBX[1]-6", "unit \"a|b\"", err::TABLE_VALUE);
        let refused = ack(Some(&header), Err(&refusal), "20240314093001+0000");
        assert!(
            refused.contains("MSA|AE|MSG0001|OBX[1]-6: unit \"a\\F\\b\"\r"),
            "{refused}"
        );
        assert!(refused.contains("ERR|||103^Table value not found^HL70357|E|"));
        assert_eq!(refused.matches('\r').count(), 3);
    }
}
