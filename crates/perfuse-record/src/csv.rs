//! CSV exports: the registry-style record extract, the case log and continuing education.
//!
//! RFC 4180: comma-separated, header row first, fields with a comma, quote or line break quoted;
//! numbers in plain decimal; an absent value is an empty field.

use crate::store::{CaseLogEntry, CeEntry, RecordSummary};

fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn number(value: Option<f64>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

pub(crate) fn write_rows(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push('\n');
    for row in rows {
        out.push_str(
            &row.iter()
                .map(|text| field(text))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

/// One row per record with its columns and quality indicators (registry extract).
pub fn records_csv(records: &[RecordSummary]) -> String {
    let header = [
        "id",
        "status",
        "kind",
        "case_date",
        "procedure",
        "category",
        "urgency",
        "primary_perfusionist",
        "author",
        "bypass_time_min",
        "cross_clamp_time_min",
        "nadir_hct_pct",
        "nadir_do2i_ml_min_m2",
        "time_below_do2i_272_min",
        "max_lactate_mmol_l",
        "prbc_units",
        "transfused",
    ];
    write_rows(
        &header,
        records.iter().map(|r| {
            vec![
                r.id.to_string(),
                r.status.name().to_owned(),
                r.kind.clone(),
                r.case_date.clone(),
                r.procedure.clone(),
                r.category.clone(),
                r.urgency.clone(),
                r.primary_perfusionist.clone().unwrap_or_default(),
                r.author.clone(),
                number(r.bypass_time_min),
                number(r.cross_clamp_time_min),
                number(r.nadir_hct_pct),
                number(r.nadir_do2i_ml_min_m2),
                number(r.time_below_do2i_272_min),
                number(r.max_lactate_mmol_l),
                r.prbc_units.to_string(),
                r.transfused.to_string(),
            ]
        }),
    )
}

/// One row per case and perfusionist (what a recertification body asks for).
pub fn case_log_csv(entries: &[CaseLogEntry]) -> String {
    let header = [
        "case_date",
        "record_id",
        "perfusionist",
        "role",
        "category",
        "kind",
        "procedure",
        "urgency",
        "bypass_time_min",
        "cross_clamp_time_min",
        "confirmation",
    ];
    write_rows(
        &header,
        entries.iter().map(|e| {
            vec![
                e.case_date.clone(),
                e.record_id.to_string(),
                e.perfusionist.clone(),
                e.role.clone(),
                e.category.clone(),
                e.kind.clone(),
                e.procedure.clone(),
                e.urgency.clone(),
                number(e.bypass_time_min),
                number(e.cross_clamp_time_min),
                if e.confirmed { "confirmed" } else { "pending" }.to_owned(),
            ]
        }),
    )
}

/// One row per continuing-education entry.
pub fn ce_csv(entries: &[CeEntry]) -> String {
    write_rows(
        &["date", "perfusionist", "title", "provider", "units"],
        entries.iter().map(|e| {
            vec![
                e.date.to_string(),
                e.perfusionist.clone(),
                e.title.clone(),
                e.provider.clone(),
                e.units.to_string(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(field("CABG x3"), "CABG x3");
        assert_eq!(field("AVR, MVR"), "\"AVR, MVR\"");
        assert_eq!(field("the \"big\" one"), "\"the \"\"big\"\" one\"");
    }
}
