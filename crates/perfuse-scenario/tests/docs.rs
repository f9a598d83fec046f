//! `docs/data-dictionary.md` and the action table of `docs/scenarios.md` are generated from the
//! code; these tests fail when they differ. Regenerate with
//! `UPDATE_DOCS=1 cargo test -p perfuse-scenario --test docs`.

use std::path::PathBuf;

use perfuse_scenario::docs;

fn doc_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs")
        .join(name)
}

fn check(name: &str, generated: &str) {
    let path = doc_path(name);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, generated).expect("write the doc");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/{name} is stale: run `UPDATE_DOCS=1 cargo test -p perfuse-scenario --test docs`"
    );
}

#[test]
fn data_dictionary_is_up_to_date() {
    check("data-dictionary.md", &docs::data_dictionary_markdown());
}

#[test]
fn action_table_is_up_to_date() {
    let text = std::fs::read_to_string(doc_path("scenarios.md")).expect("docs/scenarios.md");
    let generated =
        docs::splice(&text, "actions", &docs::actions_markdown()).expect("action markers");
    check("scenarios.md", &generated);
}
