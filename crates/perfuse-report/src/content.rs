//! What a report says, independent of how it is drawn: a title, the line repeated on every
//! page, and blocks (headings, label–value fields, tables, the chart, text, the signature).
//! Both renderers draw exactly this, so the HTML and the PDF cannot disagree.

use std::collections::BTreeMap;

use perfuse_record::indicators::{bypass_runs, sample_do2i};
use perfuse_record::model::{
    BloodProductKind, Category, Event, LabSample, PumpKind, RecordKind, Sex, TeamRole, Urgency,
};
use perfuse_record::{Indicators, Plan, Record};

use crate::chart::{self, Chart};
use crate::ranges::{self, Flag, Range};
use crate::{Provenance, ReportError};

/// Written wherever the record holds no value.
pub(crate) const DASH: &str = "—";

/// A whole report.
pub(crate) struct Content {
    /// "Perfusion record" or "Perfusion record — training session".
    pub title: String,
    /// Who the document is about, repeated on every page: name and MRN, or de-identified.
    pub running: String,
    /// The record's id, status and version, or "not stored".
    pub reference: String,
    /// The case date, `YYYY-MM-DD` (also the PDF's creation date).
    pub date: String,
    pub blocks: Vec<Block>,
}

pub(crate) enum Block {
    Heading(String),
    /// Label–value pairs, laid out in a grid.
    Fields(Vec<(String, String)>),
    Table(Table),
    Chart(Chart),
    /// A paragraph (free text keeps its line breaks).
    Text(String),
    /// The signature block: label–value pairs, then lines to sign on.
    Signature(Vec<(String, String)>),
}

pub(crate) struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows after this index are totals (drawn under a rule).
    pub totals_from: Option<usize>,
}

pub(crate) struct Column {
    pub title: &'static str,
    /// Unit, or the range a column is checked against; empty when none.
    pub unit: String,
    /// Share of the table width.
    pub weight: f32,
    /// Right-aligned (numbers).
    pub numeric: bool,
}

pub(crate) struct Cell {
    pub text: String,
    pub flag: Option<Flag>,
}

impl Cell {
    fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            flag: None,
        }
    }
}

fn column(title: &'static str, unit: impl Into<String>, weight: f32, numeric: bool) -> Column {
    Column {
        title,
        unit: unit.into(),
        weight,
        numeric,
    }
}

/// `value` with `decimals` places, or the dash.
fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| DASH.to_owned(), |value| format!("{value:.decimals$}"))
}

/// `hh:mm:ss` from the start of the record.
pub(crate) fn clock(time_s: f64) -> String {
    let total = time_s.round() as u64;
    format!(
        "{:02}:{:02}:{:02}",
        total / 3600,
        total / 60 % 60,
        total % 60
    )
}

fn product_name(product: BloodProductKind) -> &'static str {
    match product {
        BloodProductKind::Prbc => "packed red cells",
        BloodProductKind::Ffp => "fresh frozen plasma",
        BloodProductKind::Platelets => "platelets",
        BloodProductKind::Cryo => "cryoprecipitate",
        BloodProductKind::WholeBlood => "whole blood",
    }
}

fn category_name(category: Category) -> &'static str {
    match category {
        Category::Adult => "adult",
        Category::Pediatric => "pediatric",
        Category::Neonatal => "neonatal",
        Category::Ecmo => "ECMO",
        Category::Vad => "VAD",
        Category::Other => "other",
    }
}

fn urgency_name(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::Elective => "elective",
        Urgency::Urgent => "urgent",
        Urgency::Emergent => "emergent",
        Urgency::Salvage => "salvage",
    }
}

impl Content {
    /// The content of the report of `record`.
    pub fn of(record: &Record, provenance: &Provenance) -> Result<Content, ReportError> {
        let case = &record.case;
        let patient = &case.patient;
        let plan = Plan::of(record);
        let indicators = Indicators::of(record);
        let training = case.kind == RecordKind::Training;

        let running = match &patient.identity {
            Some(identity) => format!("{} · MRN {}", identity.name, identity.mrn),
            None => "de-identified".to_owned(),
        };
        let reference = match provenance.stored {
            Some((id, status, version)) => {
                format!("record {id} · {} · version {version}", status.name())
            }
            None => "not stored".to_owned(),
        };
        let mut blocks = Vec::new();

        let identity = &patient.identity;
        blocks.push(Block::Fields(vec![
            (
                "Patient".into(),
                identity
                    .as_ref()
                    .map_or("de-identified".to_owned(), |identity| identity.name.clone()),
            ),
            (
                "MRN".into(),
                identity
                    .as_ref()
                    .map_or(DASH.to_owned(), |identity| identity.mrn.clone()),
            ),
            (
                "Date of birth".into(),
                identity
                    .as_ref()
                    .map_or(DASH.to_owned(), |identity| identity.birth_date.to_string()),
            ),
            ("Age".into(), format!("{} years", patient.age_years)),
            (
                "Sex".into(),
                match patient.sex {
                    Some(Sex::Male) => "male".to_owned(),
                    Some(Sex::Female) => "female".to_owned(),
                    None => DASH.to_owned(),
                },
            ),
            ("Height".into(), format!("{} cm", patient.height_cm)),
            ("Weight".into(), format!("{} kg", patient.weight_kg)),
            ("BSA (DuBois)".into(), format!("{:.2} m²", plan.bsa_m2)),
            ("Pre-bypass Hct".into(), format!("{} %", patient.hct_pct)),
            ("Procedure".into(), case.procedure.clone()),
            ("Category".into(), category_name(case.category).to_owned()),
            ("Urgency".into(), urgency_name(case.urgency).to_owned()),
            ("Date".into(), case.date.to_string()),
            (
                "Kind".into(),
                if training {
                    "training (simulator)"
                } else {
                    "clinical"
                }
                .to_owned(),
            ),
            ("Record".into(), reference.clone()),
        ]));

        blocks.push(Block::Heading("Team".into()));
        blocks.push(Block::Table(Table {
            columns: vec![
                column("Name", "", 3.0, false),
                column("Role", "", 2.0, false),
            ],
            rows: record
                .team
                .iter()
                .map(|member| vec![Cell::text(&member.name), Cell::text(member.role.name())])
                .collect(),
            totals_from: None,
        }));

        blocks.push(Block::Heading("Circuit and prime".into()));
        let circuit = &record.circuit;
        let cannulae = if circuit.cannulae.is_empty() {
            DASH.to_owned()
        } else {
            circuit
                .cannulae
                .iter()
                .map(|cannula| format!("{} {} Fr", cannula.site, cannula.size_fr))
                .collect::<Vec<_>>()
                .join("; ")
        };
        blocks.push(Block::Fields(vec![
            (
                "Arterial pump".into(),
                match circuit.pump {
                    PumpKind::Roller => "roller",
                    PumpKind::Centrifugal => "centrifugal",
                }
                .to_owned(),
            ),
            (
                "Console".into(),
                circuit
                    .pump_model
                    .clone()
                    .unwrap_or_else(|| DASH.to_owned()),
            ),
            ("Oxygenator".into(), circuit.oxygenator.clone()),
            ("Cannulae".into(), cannulae),
            ("Prime Hct".into(), format!("{} %", circuit.prime_hct_pct)),
        ]));
        let mut prime_rows: Vec<Vec<Cell>> = circuit
            .prime
            .iter()
            .map(|component| {
                vec![
                    Cell::text(&component.name),
                    Cell::text(format!("{:.0}", component.volume_ml)),
                ]
            })
            .collect();
        let prime_totals = prime_rows.len();
        prime_rows.push(vec![
            Cell::text("prime volume"),
            Cell::text(format!("{:.0}", plan.prime_volume_ml)),
        ]);
        blocks.push(Block::Table(Table {
            columns: vec![
                column("Prime component", "", 4.0, false),
                column("Volume", "mL", 1.0, true),
            ],
            rows: prime_rows,
            totals_from: Some(prime_totals),
        }));

        blocks.push(Block::Heading("Plan".into()));
        let settings = &record.plan;
        blocks.push(Block::Fields(vec![
            (
                "Target flow".into(),
                format!(
                    "{:.2} L/min ({} L/min/m² × {:.2} m²)",
                    plan.target_flow_l_min, settings.cardiac_index_l_min_m2, plan.bsa_m2
                ),
            ),
            (
                "Estimated blood volume".into(),
                format!("{:.0} mL ({} mL/kg)", plan.ebv_ml, settings.ebv_ml_per_kg),
            ),
            (
                "Heparin dose".into(),
                format!(
                    "{:.0} units ({} units/kg)",
                    plan.heparin_dose_units, settings.heparin_units_per_kg
                ),
            ),
            (
                "Prime volume".into(),
                format!("{:.0} mL", plan.prime_volume_ml),
            ),
            (
                "Predicted Hct on bypass".into(),
                format!("{:.1} %", plan.predicted_hct_pct),
            ),
            (
                "Planned fluids besides prime".into(),
                format!("{:.0} mL", settings.planned_fluids_ml),
            ),
        ]));

        blocks.push(Block::Heading("Timeline".into()));
        match chart::chart(record)? {
            Some(chart) => blocks.push(Block::Chart(chart)),
            None => blocks.push(Block::Text(format!(
                "{DASH} no MAP, pump flow, temperatures, Hct or DO2i recorded"
            ))),
        }
        blocks.push(events(record));

        blocks.push(Block::Heading("Labs".into()));
        blocks.push(labs(record));

        blocks.push(Block::Heading("Drugs".into()));
        blocks.push(drugs(record));
        blocks.push(Block::Heading(
            "Fluids, cardioplegia and blood products".into(),
        ));
        blocks.push(fluids(record));

        blocks.push(Block::Heading("Quality indicators".into()));
        blocks.push(quality(&indicators));

        blocks.push(Block::Heading("Notes".into()));
        blocks.push(Block::Text(
            record.notes.clone().unwrap_or_else(|| DASH.to_owned()),
        ));

        blocks.push(Block::Heading("Amendments".into()));
        if provenance.amendments.is_empty() {
            blocks.push(Block::Text(DASH.to_owned()));
        } else {
            blocks.push(Block::Table(Table {
                columns: vec![
                    column("When (UTC)", "", 2.0, false),
                    column("By", "", 2.0, false),
                    column("Role", "", 1.2, false),
                    column("Reason", "", 5.0, false),
                ],
                rows: provenance
                    .amendments
                    .iter()
                    .map(|amendment| {
                        vec![
                            Cell::text(&amendment.at),
                            Cell::text(&amendment.by),
                            Cell::text(&amendment.role),
                            Cell::text(&amendment.reason),
                        ]
                    })
                    .collect(),
                totals_from: None,
            }));
        }

        blocks.push(Block::Heading("Signature".into()));
        let primary = record.primary_perfusionist().unwrap_or(DASH).to_owned();
        let finalised = provenance.finalised.as_ref().map_or_else(
            || format!("{DASH} (not finalised)"),
            |signoff| format!("{} by {}", signoff.at, signoff.by),
        );
        let mut signature = vec![
            ("Perfusionist".into(), primary),
            ("Finalised".into(), finalised),
        ];
        if training {
            let supervisors: Vec<&str> = record.team_with_role(TeamRole::Supervising).collect();
            signature.push((
                "Supervisor".into(),
                if supervisors.is_empty() {
                    DASH.to_owned()
                } else {
                    supervisors.join(", ")
                },
            ));
        }
        blocks.push(Block::Signature(signature));

        Ok(Content {
            title: if training {
                "Perfusion record — training session".to_owned()
            } else {
                "Perfusion record".to_owned()
            },
            running,
            reference,
            date: case.date.to_string(),
            blocks,
        })
    }
}

/// Every timeline event: time, event, details.
fn events(record: &Record) -> Block {
    let rows: Vec<Vec<Cell>> = record
        .timeline
        .iter()
        .map(|entry| {
            let (event, details) = match &entry.event {
                Event::BypassOn => ("bypass on", String::new()),
                Event::BypassOff => ("bypass off", String::new()),
                Event::CrossClampOn => ("cross-clamp on", String::new()),
                Event::CrossClampOff => ("cross-clamp off", String::new()),
                Event::PumpFlow { flow_l_min } => ("pump flow", format!("{flow_l_min:.2} L/min")),
                Event::Cardioplegia {
                    solution,
                    volume_ml,
                    route,
                } => (
                    "cardioplegia",
                    format!("{solution}, {volume_ml:.0} mL, {route}"),
                ),
                Event::Drug { name, dose, unit } => ("drug", format!("{name} {dose} {unit}")),
                Event::Fluid { name, volume_ml } => ("fluid", format!("{name} {volume_ml:.0} mL")),
                Event::BloodProduct {
                    product,
                    units,
                    volume_ml,
                } => (
                    "blood product",
                    format!(
                        "{} {units} unit(s), {volume_ml:.0} mL",
                        product_name(*product)
                    ),
                ),
                Event::Urine { volume_ml } => ("urine", format!("{volume_ml:.0} mL")),
                Event::Note { text } => ("note", text.clone()),
            };
            vec![
                Cell::text(clock(entry.time_s)),
                Cell::text(event),
                Cell::text(details),
            ]
        })
        .collect();
    if rows.is_empty() {
        return Block::Text(format!("{DASH} no events recorded"));
    }
    Block::Table(Table {
        columns: vec![
            column("Time", "hh:mm:ss", 1.1, false),
            column("Event", "", 1.6, false),
            column("Details", "", 6.0, false),
        ],
        rows,
        totals_from: None,
    })
}

/// One lab column: title, unit, decimals, value, range.
type LabColumn = (
    &'static str,
    &'static str,
    usize,
    fn(&LabSample) -> Option<f64>,
    Option<Range>,
);

const LAB_COLUMNS: [LabColumn; 11] = [
    ("pH", "", 2, |s| s.ph, Some(ranges::PH)),
    ("PaO2", "mmHg", 0, |s| s.pao2_mmhg, None),
    (
        "PaCO2",
        "mmHg",
        0,
        |s| s.paco2_mmhg,
        Some(ranges::PACO2_MMHG),
    ),
    ("SaO2", "%", 0, |s| s.sao2_pct, None),
    ("SvO2", "%", 0, |s| s.svo2_pct, None),
    ("Hb", "g/dL", 1, |s| s.hb_g_dl, None),
    ("Hct", "%", 0, |s| s.hct_pct, Some(ranges::HCT_PCT)),
    ("K+", "mmol/L", 1, |s| s.k_mmol_l, Some(ranges::K_MMOL_L)),
    (
        "Glucose",
        "mmol/L",
        1,
        |s| s.glucose_mmol_l,
        Some(ranges::GLUCOSE_MMOL_L),
    ),
    (
        "Lactate",
        "mmol/L",
        1,
        |s| s.lactate_mmol_l,
        Some(ranges::LACTATE_MMOL_L),
    ),
    ("ACT", "s", 0, |s| s.act_s, Some(ranges::ACT_S)),
];

/// The lab samples with their DO2i on bypass, values outside their range flagged.
fn labs(record: &Record) -> Block {
    if record.labs.is_empty() {
        return Block::Text(format!("{DASH} no lab samples recorded"));
    }
    let runs = bypass_runs(record);
    let mut columns = vec![column("Time", "hh:mm:ss", 1.5, false)];
    for (title, unit, _, _, range) in LAB_COLUMNS {
        let unit = match range {
            Some(range) => format!("{unit} {}", range.text()).trim().to_owned(),
            None => unit.to_owned(),
        };
        columns.push(column(title, unit, 1.0, true));
    }
    columns.push(column(
        "DO2i",
        format!("mL/min/m² {}", ranges::DO2I_ML_MIN_M2.text()),
        1.4,
        true,
    ));
    let rows = record
        .labs
        .iter()
        .map(|sample| {
            let on_bypass = runs
                .iter()
                .any(|&(on, off)| (on..=off).contains(&sample.time_s));
            let value_cell = |value: Option<f64>, decimals: usize, range: Option<Range>| Cell {
                text: number(value, decimals),
                flag: value.zip(range).and_then(|(v, r)| r.flag(v, on_bypass)),
            };
            let mut row = vec![Cell::text(clock(sample.time_s))];
            for (_, _, decimals, value, range) in LAB_COLUMNS {
                row.push(value_cell(value(sample), decimals, range));
            }
            let do2i = on_bypass.then(|| sample_do2i(record, sample)).flatten();
            row.push(value_cell(do2i, 0, Some(ranges::DO2I_ML_MIN_M2)));
            row
        })
        .collect();
    Block::Table(Table {
        columns,
        rows,
        totals_from: None,
    })
}

/// Drug doses in order, then the total of each drug and unit.
fn drugs(record: &Record) -> Block {
    let mut rows = Vec::new();
    let mut totals: BTreeMap<(String, String), f64> = BTreeMap::new();
    for entry in &record.timeline {
        if let Event::Drug { name, dose, unit } = &entry.event {
            rows.push(vec![
                Cell::text(clock(entry.time_s)),
                Cell::text(name),
                Cell::text(format!("{dose}")),
                Cell::text(unit),
            ]);
            *totals.entry((name.clone(), unit.clone())).or_default() += dose;
        }
    }
    if rows.is_empty() {
        return Block::Text(format!("{DASH} no drugs recorded"));
    }
    let totals_from = rows.len();
    for ((name, unit), total) in totals {
        rows.push(vec![
            Cell::text("total"),
            Cell::text(name),
            Cell::text(format!("{total}")),
            Cell::text(unit),
        ]);
    }
    Block::Table(Table {
        columns: vec![
            column("Time", "hh:mm:ss", 1.2, false),
            column("Drug", "", 4.0, false),
            column("Dose", "", 1.2, true),
            column("Unit", "", 1.2, false),
        ],
        rows,
        totals_from: Some(totals_from),
    })
}

/// Fluids, cardioplegia, blood products and urine in order, then totals per kind.
fn fluids(record: &Record) -> Block {
    let mut rows = Vec::new();
    let mut totals: BTreeMap<&'static str, (f64, f64)> = BTreeMap::new();
    for entry in &record.timeline {
        let (kind, what, units, volume_ml) = match &entry.event {
            Event::Fluid { name, volume_ml } => ("fluid", name.clone(), None, *volume_ml),
            Event::Cardioplegia {
                solution,
                volume_ml,
                route,
            } => (
                "cardioplegia",
                format!("{solution}, {route}"),
                None,
                *volume_ml,
            ),
            Event::BloodProduct {
                product,
                units,
                volume_ml,
            } => (
                product_name(*product),
                product_name(*product).to_owned(),
                Some(*units),
                *volume_ml,
            ),
            Event::Urine { volume_ml } => ("urine (out)", "urine".to_owned(), None, *volume_ml),
            _ => continue,
        };
        rows.push(vec![
            Cell::text(clock(entry.time_s)),
            Cell::text(what),
            Cell::text(number(units, 0)),
            Cell::text(format!("{volume_ml:.0}")),
        ]);
        let total = totals.entry(kind).or_default();
        total.0 += units.unwrap_or_default();
        total.1 += volume_ml;
    }
    if rows.is_empty() {
        return Block::Text(format!(
            "{DASH} no fluids, cardioplegia or blood products recorded"
        ));
    }
    let totals_from = rows.len();
    for (kind, (units, volume_ml)) in totals {
        let is_product = !matches!(kind, "fluid" | "cardioplegia" | "urine (out)");
        rows.push(vec![
            Cell::text("total"),
            Cell::text(kind),
            Cell::text(if is_product {
                format!("{units}")
            } else {
                DASH.to_owned()
            }),
            Cell::text(format!("{volume_ml:.0}")),
        ]);
    }
    Block::Table(Table {
        columns: vec![
            column("Time", "hh:mm:ss", 1.2, false),
            column("What", "", 4.0, false),
            column("Units", "", 1.0, true),
            column("Volume", "mL", 1.2, true),
        ],
        rows,
        totals_from: Some(totals_from),
    })
}

/// The quality indicators with their targets; "met" only where a target is published.
fn quality(indicators: &Indicators) -> Block {
    // A count or volume reported without a published target.
    let untargeted = |label, value, unit| (label, value, unit, DASH.to_owned(), DASH.to_owned());
    let met = |value: Option<f64>, range: &Range| match value {
        None => DASH.to_owned(),
        Some(value) => match range.flag(value, true) {
            None => "met".to_owned(),
            Some(_) => "not met".to_owned(),
        },
    };
    let below = indicators.time_below_do2i_272_min;
    let rows = vec![
        (
            "Bypass time",
            number(indicators.bypass_time_min, 0),
            "min",
            DASH.to_owned(),
            DASH.to_owned(),
        ),
        (
            "Cross-clamp time",
            number(indicators.cross_clamp_time_min, 0),
            "min",
            DASH.to_owned(),
            DASH.to_owned(),
        ),
        (
            "Nadir Hct on bypass",
            number(indicators.nadir_hct_pct, 0),
            "%",
            format!("{} ({})", ranges::HCT_PCT.text(), ranges::HCT_PCT.source),
            met(indicators.nadir_hct_pct, &ranges::HCT_PCT),
        ),
        (
            "Nadir DO2i on bypass",
            number(indicators.nadir_do2i_ml_min_m2, 0),
            "mL/min/m²",
            format!(
                "{} ({})",
                ranges::DO2I_ML_MIN_M2.text(),
                ranges::DO2I_ML_MIN_M2.source
            ),
            met(indicators.nadir_do2i_ml_min_m2, &ranges::DO2I_ML_MIN_M2),
        ),
        (
            "Time below DO2i 272",
            number(below, 0),
            "min",
            "0 (Ranucci 2005)".to_owned(),
            below.map_or(DASH.to_owned(), |minutes| {
                if minutes > 0.0 {
                    "not met".to_owned()
                } else {
                    "met".to_owned()
                }
            }),
        ),
        (
            "Max lactate",
            number(indicators.max_lactate_mmol_l, 1),
            "mmol/L",
            format!(
                "{} ({})",
                ranges::LACTATE_MMOL_L.text(),
                ranges::LACTATE_MMOL_L.source
            ),
            met(indicators.max_lactate_mmol_l, &ranges::LACTATE_MMOL_L),
        ),
        untargeted(
            "Packed red cells",
            format!("{}", indicators.prbc_units),
            "units",
        ),
        untargeted(
            "Fresh frozen plasma",
            format!("{}", indicators.ffp_units),
            "units",
        ),
        untargeted(
            "Platelets",
            format!("{}", indicators.platelet_units),
            "units",
        ),
        untargeted(
            "Cryoprecipitate",
            format!("{}", indicators.cryo_units),
            "units",
        ),
        untargeted(
            "Whole blood",
            format!("{}", indicators.whole_blood_units),
            "units",
        ),
        untargeted(
            "Cardioplegia volume",
            format!("{:.0}", indicators.cardioplegia_volume_ml),
            "mL",
        ),
        untargeted("Urine", format!("{:.0}", indicators.urine_volume_ml), "mL"),
    ];
    Block::Table(Table {
        columns: vec![
            column("Indicator", "", 3.0, false),
            column("Value", "", 1.2, true),
            column("Unit", "", 1.3, false),
            column("Target", "", 4.5, false),
            column("", "", 1.2, false),
        ],
        rows: rows
            .into_iter()
            .map(|(name, value, unit, target, status)| {
                vec![
                    Cell::text(name),
                    Cell::text(value),
                    Cell::text(unit),
                    Cell::text(target),
                    Cell {
                        flag: (status == "not met").then_some(Flag::Low),
                        text: status,
                    },
                ]
            })
            .collect(),
        totals_from: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_hours_minutes_seconds_from_the_start() {
        assert_eq!(clock(0.0), "00:00:00");
        assert_eq!(clock(5450.0), "01:30:50");
        assert_eq!(clock(90_061.0), "25:01:01");
    }
}
