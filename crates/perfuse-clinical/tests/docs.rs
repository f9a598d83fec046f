//! `docs/calc.md` is generated from the catalog; this test fails when they differ.
//! Regenerate with `UPDATE_DOCS=1 cargo test -p perfuse-clinical --test docs`.

#[test]
fn calc_reference_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/calc.md");
    let generated = perfuse_clinical::catalog::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/calc.md");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/calc.md is stale: run `UPDATE_DOCS=1 cargo test -p perfuse-clinical --test docs`"
    );
}
