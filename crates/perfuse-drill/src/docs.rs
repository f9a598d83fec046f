//! Tables of `docs/exam-practice.md`, generated from the item types (and the scenarios' own
//! `sections`, passed in) so the counts cannot drift from the code.

use crate::{ITEM_TYPES, Section};

/// The item types: name, section, chain of catalog calculations, what each drills.
pub fn item_types_markdown() -> String {
    let mut out = String::from(
        "| item type | section | calculations (in order) | drills |\n|---|---|---|---|\n",
    );
    for t in ITEM_TYPES {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            t.name,
            t.section.title(),
            t.calculations
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" → "),
            t.summary
        ));
    }
    out
}

/// Per section: how many item types and scenarios practise it, and which. `scenarios` holds
/// each scenario's file name and its `sections`.
pub fn coverage_markdown(scenarios: &[(String, Vec<Section>)]) -> String {
    let mut out = String::from(
        "| section (`--section`) | item types | scenarios | item types | scenario files |\n\
         |---|---|---|---|---|\n",
    );
    for section in Section::ALL {
        let types: Vec<String> = ITEM_TYPES
            .iter()
            .filter(|t| t.section == section)
            .map(|t| format!("`{}`", t.name))
            .collect();
        let files: Vec<String> = scenarios
            .iter()
            .filter(|(_, sections)| sections.contains(&section))
            .map(|(file, _)| format!("`{file}`"))
            .collect();
        out.push_str(&format!(
            "| {} (`{}`) | {} | {} | {} | {} |\n",
            section.title(),
            section.name(),
            types.len(),
            files.len(),
            types.join(", "),
            files.join(", ")
        ));
    }
    out.push_str(&format!(
        "| **total** | {} | {} | | |\n",
        ITEM_TYPES.len(),
        scenarios.len()
    ));
    out
}
