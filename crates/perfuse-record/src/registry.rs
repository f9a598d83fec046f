//! Registry extracts: the perfusion fields of the STS Adult Cardiac Surgery Database (intra-op
//! and perfusion section) and PERForm-style fields (AmSECT's perfusion quality registry), one row
//! per record.
//!
//! Each field is written once, in [`Registry::fields`], with its unit and definition; the CSV,
//! the JSON and the data dictionary in `docs/records.md` ([`Registry::dictionary_markdown`]) come
//! from that table. A field the record does not hold is empty (CSV) or `null` (JSON), never
//! guessed: perfuse records no circulatory arrest or ultrafiltration, so those fields stay empty
//! until the record model has them, and the lowest temperature is empty without a vitals trend.
//! Yes/no fields and totals are read from the timeline, which is the record's complete account
//! of the case.

use serde_json::{Map, Value};

use crate::csv::write_rows;
use crate::model::Event;
use crate::store::StoredRecord;

/// Which registry's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registry {
    /// STS Adult Cardiac Surgery Database, intra-operative perfusion fields.
    Sts,
    /// AmSECT PERForm-style perfusion quality fields.
    Perform,
}

/// One value of a field.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A number in the field's unit.
    Number(f64),
    /// Text (codes such as `yes`/`no`, names, series).
    Text(String),
}

/// One registry field: name, unit, definition and how it is read from a stored record.
pub struct Field {
    /// Column name.
    pub name: &'static str,
    /// Unit (empty for text and codes).
    pub unit: &'static str,
    /// What it means and where it comes from.
    pub definition: &'static str,
    value: fn(&StoredRecord) -> Option<Cell>,
}

impl Field {
    /// The value of this field for one record; `None` when the record does not hold it.
    pub fn value(&self, stored: &StoredRecord) -> Option<Cell> {
        (self.value)(stored)
    }
}

fn number(value: Option<f64>) -> Option<Cell> {
    value.map(Cell::Number)
}

fn text(value: impl Into<String>) -> Option<Cell> {
    Some(Cell::Text(value.into()))
}

fn yes_no(value: bool) -> Option<Cell> {
    text(if value { "yes" } else { "no" })
}

fn events(stored: &StoredRecord) -> impl Iterator<Item = &Event> {
    stored.record.timeline.iter().map(|entry| &entry.event)
}

/// `time_s:value` pairs of a lab series, `;`-separated; `None` when nothing was measured.
fn series(
    stored: &StoredRecord,
    pick: fn(&crate::model::LabSample) -> Option<f64>,
) -> Option<Cell> {
    let pairs: Vec<String> = stored
        .record
        .labs
        .iter()
        .filter_map(|sample| pick(sample).map(|value| format!("{}:{value}", sample.time_s)))
        .collect();
    (!pairs.is_empty()).then(|| Cell::Text(pairs.join(";")))
}

/// Total dose of a drug given in `unit`, by name (case-insensitive); `None` when never given.
fn drug_total(stored: &StoredRecord, drug: &str, in_unit: &str) -> Option<Cell> {
    let doses: Vec<f64> = events(stored)
        .filter_map(|event| match event {
            Event::Drug { name, dose, unit }
                if name.eq_ignore_ascii_case(drug) && unit.eq_ignore_ascii_case(in_unit) =>
            {
                Some(*dose)
            }
            _ => None,
        })
        .collect();
    (!doses.is_empty()).then(|| Cell::Number(doses.iter().sum()))
}

fn fluid_total_ml(stored: &StoredRecord) -> f64 {
    events(stored)
        .map(|event| match event {
            Event::Fluid { volume_ml, .. } => *volume_ml,
            _ => 0.0,
        })
        .sum()
}

fn blood_total_ml(stored: &StoredRecord) -> f64 {
    events(stored)
        .map(|event| match event {
            Event::BloodProduct { volume_ml, .. } => *volume_ml,
            _ => 0.0,
        })
        .sum()
}

const COMMON: [Field; 3] = [
    Field {
        name: "record_id",
        unit: "",
        definition: "perfuse record id",
        value: |s| text(s.id.to_string()),
    },
    Field {
        name: "surgery_date",
        unit: "",
        definition: "date of the operation, YYYY-MM-DD",
        value: |s| text(s.record.case.date.to_string()),
    },
    Field {
        name: "status",
        unit: "",
        definition: "draft, final or amended (registries take final and amended records)",
        value: |s| text(s.status.name()),
    },
];

const STS: [Field; 15] = [
    Field {
        name: "cpb_used",
        unit: "",
        definition: "yes when the timeline has a bypass_on, else no",
        value: |s| yes_no(events(s).any(|e| matches!(e, Event::BypassOn))),
    },
    Field {
        name: "perfusion_time_min",
        unit: "min",
        definition: "total bypass time, summed over runs (indicators)",
        value: |s| number(s.indicators.bypass_time_min),
    },
    Field {
        name: "cross_clamp_time_min",
        unit: "min",
        definition: "total aortic cross-clamp time, summed over clamp periods (indicators)",
        value: |s| number(s.indicators.cross_clamp_time_min),
    },
    Field {
        name: "circulatory_arrest",
        unit: "",
        definition: "not recorded by perfuse: always empty",
        value: |_| None,
    },
    Field {
        name: "circulatory_arrest_time_min",
        unit: "min",
        definition: "not recorded by perfuse: always empty",
        value: |_| None,
    },
    Field {
        name: "cannulation_sites",
        unit: "",
        definition: "every cannula site as written, `;`-separated; empty when none is listed",
        value: |s| {
            let sites: Vec<&str> = s
                .record
                .circuit
                .cannulae
                .iter()
                .map(|c| c.site.as_str())
                .collect();
            (!sites.is_empty()).then(|| Cell::Text(sites.join(";")))
        },
    },
    Field {
        name: "lowest_temperature_c",
        unit: "°C",
        definition: "lowest core (nasopharyngeal) temperature of the vitals trend",
        value: |s| {
            let lowest = s
                .record
                .vitals
                .iter()
                .filter_map(|sample| sample.temp_core_c)
                .reduce(f64::min);
            number(lowest)
        },
    },
    Field {
        name: "lowest_hct_pct",
        unit: "%",
        definition: "lowest haematocrit sampled on bypass (indicators)",
        value: |s| number(s.indicators.nadir_hct_pct),
    },
    Field {
        name: "cardioplegia",
        unit: "",
        definition: "yes when the timeline has a cardioplegia dose, else no",
        value: |s| yes_no(events(s).any(|e| matches!(e, Event::Cardioplegia { .. }))),
    },
    Field {
        name: "cardioplegia_solutions",
        unit: "",
        definition: "distinct cardioplegia solutions, in order given, `;`-separated",
        value: |s| {
            let mut names: Vec<&str> = Vec::new();
            for event in events(s) {
                match event {
                    Event::Cardioplegia { solution, .. } if !names.contains(&solution.as_str()) => {
                        names.push(solution)
                    }
                    _ => {}
                }
            }
            (!names.is_empty()).then(|| Cell::Text(names.join(";")))
        },
    },
    Field {
        name: "cardioplegia_volume_ml",
        unit: "mL",
        definition: "total cardioplegia volume (indicators)",
        value: |s| number(Some(s.indicators.cardioplegia_volume_ml)),
    },
    Field {
        name: "intraop_prbc_units",
        unit: "units",
        definition: "packed red cells from blood_product events",
        value: |s| number(Some(s.indicators.prbc_units)),
    },
    Field {
        name: "intraop_ffp_units",
        unit: "units",
        definition: "fresh frozen plasma from blood_product events",
        value: |s| number(Some(s.indicators.ffp_units)),
    },
    Field {
        name: "intraop_platelet_units",
        unit: "units",
        definition: "platelets from blood_product events",
        value: |s| number(Some(s.indicators.platelet_units)),
    },
    Field {
        name: "intraop_cryo_units",
        unit: "units",
        definition: "cryoprecipitate from blood_product events",
        value: |s| number(Some(s.indicators.cryo_units)),
    },
];

const PERFORM: [Field; 18] = [
    Field {
        name: "bsa_m2",
        unit: "m²",
        definition: "body surface area, DuBois (plan)",
        value: |s| number(Some(s.plan.bsa_m2)),
    },
    Field {
        name: "prime_volume_ml",
        unit: "mL",
        definition: "sum of the prime components",
        value: |s| number(Some(s.record.circuit.prime_volume_ml())),
    },
    Field {
        name: "prime_components",
        unit: "",
        definition: "`name:volume_ml` of each prime component, `;`-separated",
        value: |s| {
            let parts: Vec<String> = s
                .record
                .circuit
                .prime
                .iter()
                .map(|p| format!("{}:{}", p.name, p.volume_ml))
                .collect();
            (!parts.is_empty()).then(|| Cell::Text(parts.join(";")))
        },
    },
    Field {
        name: "prime_hct_pct",
        unit: "%",
        definition: "haematocrit of the prime (0 for a clear prime)",
        value: |s| number(Some(s.record.circuit.prime_hct_pct)),
    },
    Field {
        name: "ultrafiltration_ml",
        unit: "mL",
        definition: "not recorded by perfuse: always empty",
        value: |_| None,
    },
    Field {
        name: "heparin_units",
        unit: "units",
        definition: "total of `drug` events named heparin with unit `units`",
        value: |s| drug_total(s, "heparin", "units"),
    },
    Field {
        name: "protamine_mg",
        unit: "mg",
        definition: "total of `drug` events named protamine with unit `mg`",
        value: |s| drug_total(s, "protamine", "mg"),
    },
    Field {
        name: "act_series_s",
        unit: "s",
        definition: "ACT samples as `time_s:value`, `;`-separated",
        value: |s| series(s, |l| l.act_s),
    },
    Field {
        name: "hct_series_pct",
        unit: "%",
        definition: "haematocrit samples as `time_s:value`, `;`-separated",
        value: |s| series(s, |l| l.hct_pct),
    },
    Field {
        name: "lactate_series_mmol_l",
        unit: "mmol/L",
        definition: "lactate samples as `time_s:value`, `;`-separated",
        value: |s| series(s, |l| l.lactate_mmol_l),
    },
    Field {
        name: "nadir_do2i_ml_min_m2",
        unit: "mL/min/m²",
        definition: "lowest DO2i on bypass (indicators)",
        value: |s| number(s.indicators.nadir_do2i_ml_min_m2),
    },
    Field {
        name: "time_below_do2i_272_min",
        unit: "min",
        definition: "time on bypass with DO2i below 272 mL/min/m² (Ranucci 2005; indicators)",
        value: |s| number(s.indicators.time_below_do2i_272_min),
    },
    Field {
        name: "max_lactate_mmol_l",
        unit: "mmol/L",
        definition: "highest lactate of the record (indicators)",
        value: |s| number(s.indicators.max_lactate_mmol_l),
    },
    Field {
        name: "crystalloid_ml",
        unit: "mL",
        definition: "sum of `fluid` events (besides the prime)",
        value: |s| number(Some(fluid_total_ml(s))),
    },
    Field {
        name: "blood_products_ml",
        unit: "mL",
        definition: "sum of `blood_product` volumes",
        value: |s| number(Some(blood_total_ml(s))),
    },
    Field {
        name: "urine_ml",
        unit: "mL",
        definition: "sum of `urine` events (indicators)",
        value: |s| number(Some(s.indicators.urine_volume_ml)),
    },
    Field {
        name: "fluid_in_ml",
        unit: "mL",
        definition: "prime + crystalloid + cardioplegia + blood products",
        value: |s| {
            number(Some(
                s.record.circuit.prime_volume_ml()
                    + fluid_total_ml(s)
                    + s.indicators.cardioplegia_volume_ml
                    + blood_total_ml(s),
            ))
        },
    },
    Field {
        name: "fluid_balance_ml",
        unit: "mL",
        definition: "fluid_in_ml − urine_ml; blood loss and ultrafiltration are not recorded, so not subtracted",
        value: |s| {
            number(Some(
                s.record.circuit.prime_volume_ml()
                    + fluid_total_ml(s)
                    + s.indicators.cardioplegia_volume_ml
                    + blood_total_ml(s)
                    - s.indicators.urine_volume_ml,
            ))
        },
    },
];

impl Registry {
    /// Parses `sts` or `perform`.
    pub fn from_name(name: &str) -> Option<Registry> {
        match name {
            "sts" => Some(Registry::Sts),
            "perform" => Some(Registry::Perform),
            _ => None,
        }
    }

    /// The registry's fields after the common ones (record id, date, status), in column order.
    pub fn fields(self) -> impl Iterator<Item = &'static Field> {
        let own: &'static [Field] = match self {
            Registry::Sts => &STS,
            Registry::Perform => &PERFORM,
        };
        COMMON.iter().chain(own)
    }

    /// One CSV row per record (RFC 4180, header first; empty where the record holds nothing).
    pub fn csv(self, records: &[StoredRecord]) -> String {
        let header: Vec<&str> = self.fields().map(|field| field.name).collect();
        write_rows(
            &header,
            records.iter().map(|stored| {
                self.fields()
                    .map(|field| match field.value(stored) {
                        Some(Cell::Number(value)) => value.to_string(),
                        Some(Cell::Text(text)) => text,
                        None => String::new(),
                    })
                    .collect()
            }),
        )
    }

    /// One JSON object per record keyed by field name, `null` where the record holds nothing.
    pub fn json(self, records: &[StoredRecord]) -> Value {
        records
            .iter()
            .map(|stored| {
                let object: Map<String, Value> = self
                    .fields()
                    .map(|field| {
                        let value = match field.value(stored) {
                            Some(Cell::Number(value)) => Value::from(value),
                            Some(Cell::Text(text)) => Value::from(text),
                            None => Value::Null,
                        };
                        (field.name.to_owned(), value)
                    })
                    .collect();
                Value::Object(object)
            })
            .collect()
    }

    /// The data dictionary as a Markdown table (kept in `docs/records.md`; a test checks it).
    pub fn dictionary_markdown(self) -> String {
        let mut text = String::from("| field | unit | definition |\n|---|---|---|\n");
        for field in self.fields() {
            text.push_str(&format!(
                "| `{}` | {} | {} |\n",
                field.name, field.unit, field.definition
            ));
        }
        text
    }
}
