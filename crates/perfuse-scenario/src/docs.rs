//! Generated reference tables: the action vocabulary (for `docs/scenarios.md`) and the data
//! dictionary (`docs/data-dictionary.md`), so the docs cannot drift from what the parser and the
//! simulator accept.

use std::fmt::Write;

use perfuse_sim::{ACTIONS, Actor, FieldKind, NumberDefault};

pub use crate::observations::markdown as data_dictionary_markdown;

/// The `[[events]]` action table: every action, its fields with unit, range and default, and
/// who may take it in a training session.
pub fn actions_markdown() -> String {
    let mut out = String::from("| action | fields | who | meaning |\n|---|---|---|---|\n");
    for spec in ACTIONS {
        let fields: Vec<String> = spec
            .fields
            .iter()
            .map(|f| match f.kind {
                FieldKind::Number {
                    unit,
                    range,
                    default,
                } => {
                    let open = if range.min_exclusive { "(" } else { "" };
                    let default = match default {
                        NumberDefault::Required => String::new(),
                        NumberDefault::Value(v) => format!(", default {v}"),
                        NumberDefault::Model => ", default by patient size".to_owned(),
                    };
                    format!(
                        "`{}` ({unit}, {open}{}–{}{default})",
                        f.name, range.min, range.max
                    )
                }
                FieldKind::Choice { names, default } => {
                    let names = names.join(", ");
                    match default {
                        Some(d) => format!("`{}` ({names}; default `{d}`)", f.name),
                        None => format!("`{}` ({names})", f.name),
                    }
                }
            })
            .collect();
        let fields = if fields.is_empty() {
            "—".to_owned()
        } else {
            fields.join("; ")
        };
        let who = match spec.actor {
            Actor::Perfusionist => "perfusionist",
            Actor::Instructor => "instructor",
        };
        let _ = writeln!(
            out,
            "| `{}` | {fields} | {who} | {} |",
            spec.name, spec.summary
        );
    }
    out
}

/// Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->` in `doc` with
/// `generated`; `None` when the markers are missing.
pub fn splice(doc: &str, name: &str, generated: &str) -> Option<String> {
    let begin = format!("<!-- {name}:begin -->\n");
    let end = format!("<!-- {name}:end -->");
    let start = doc.find(&begin)? + begin.len();
    let stop = doc[start..].find(&end)? + start;
    Some(format!("{}{generated}{}", &doc[..start], &doc[stop..]))
}
