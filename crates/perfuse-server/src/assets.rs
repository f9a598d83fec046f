//! Files embedded in the binary: the web front end (`web/`) and the shipped scenario library
//! (`scenarios/*.toml`, `scenarios/crises/*.toml`), so `perfuse serve` works from any directory.

use include_dir::{Dir, include_dir};

static WEB: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../web");
static SCENARIOS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../scenarios");

/// A web file by path (`""` is `index.html`) with its content type.
pub fn web_file(path: &str) -> Option<(&'static [u8], &'static str)> {
    let path = if path.is_empty() { "index.html" } else { path };
    let file = WEB.get_file(path)?;
    let content_type = match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    Some((file.contents(), content_type))
}

/// The crisis library (`scenarios/crises/`): `(name, text)`, name being the file stem.
pub fn crises() -> Vec<(&'static str, &'static str)> {
    let crises = SCENARIOS.get_dir("crises").into_iter().flat_map(Dir::files);
    let mut list: Vec<_> = crises
        .filter_map(|file| {
            let name = file.path().file_name()?.to_str()?.strip_suffix(".toml")?;
            Some((name, file.contents_utf8()?))
        })
        .collect();
    list.sort_by_key(|(name, _)| *name);
    list
}

/// Shipped scenarios, the crisis library (`scenarios/crises/`) included: `(id, file name,
/// text)`, id being the file stem, sorted by id.
pub fn scenarios() -> Vec<(&'static str, &'static str, &'static str)> {
    let crises = SCENARIOS.get_dir("crises").into_iter().flat_map(Dir::files);
    let mut list: Vec<_> = SCENARIOS
        .files()
        .chain(crises)
        .filter_map(|file| {
            let name = file.path().file_name()?.to_str()?;
            let id = name.strip_suffix(".toml")?;
            Some((id, name, file.contents_utf8()?))
        })
        .collect();
    list.sort_by_key(|(id, _, _)| *id);
    list
}
