//! The report as one HTML file: no script, no external resource, the chart as inline SVG and
//! every text escaped. Its only stylesheet is one `<style>` element whose SHA-256 is
//! [`style_csp_hash`], so a server can allow exactly it under a Content-Security-Policy
//! without `'unsafe-inline'` (the chart uses presentation attributes, never `style=`).

use std::fmt::Write;

use crate::Paper;
use crate::content::{Block, Cell, Content, DASH, Table};
use crate::ranges::Flag;

/// The screen and print stylesheet, before its `@page` rule.
const STYLE: &str = "\
body{font-family:'DejaVu Sans Condensed','DejaVu Sans','Liberation Sans',Arial,sans-serif;\
font-size:10pt;color:#111;max-width:190mm;margin:1.5em auto;padding:0 1em;line-height:1.3}\
header.running{display:flex;justify-content:space-between;font-size:8.5pt;color:#444;\
border-bottom:1px solid #999;padding-bottom:2pt}\
h1{font-size:16pt;margin:8pt 0 4pt}\
h2{font-size:11pt;margin:12pt 0 4pt;border-bottom:1px solid #bbb;break-after:avoid}\
dl.fields{display:grid;grid-template-columns:repeat(3,1fr);gap:2pt 12pt;margin:0}\
dl.fields div{display:flex;gap:6pt}dt{font-weight:bold;font-size:8.5pt;color:#333;min-width:7.5em}\
dd{margin:0}\
table{border-collapse:collapse;width:100%;font-size:8.5pt;margin:4pt 0}\
th{background:#eee;text-align:left;font-weight:bold;padding:2pt 3pt;vertical-align:bottom}\
th .unit{display:block;font-weight:normal;color:#444;font-size:7.5pt}\
td{padding:1.5pt 3pt;border-bottom:1px solid #e4e4e4;vertical-align:top}\
.num{text-align:right}tr.total td{border-top:1px solid #666;font-weight:bold}\
td.flag{color:#b00000;font-weight:bold}\
figure.chart{margin:4pt 0}figure.chart svg{width:100%;height:auto}\
figcaption{font-size:8pt;color:#444}\
p.text{white-space:pre-wrap;margin:2pt 0}\
.sign{display:flex;gap:24pt;margin-top:28pt}.sign div{flex:1;border-top:1px solid #000;\
font-size:8.5pt;padding-top:2pt}\
footer{margin-top:16pt;font-size:8pt;color:#666}\
@media print{body{max-width:none;margin:0;padding:0;font-size:9pt}\
tr,figure,.sign,dl.fields div{break-inside:avoid}thead{display:table-header-group}}";

/// SHA-256 (base64) of the `<style>` element's text on A4 paper, for a CSP `style-src`.
const STYLE_HASH_A4: &str = "sha256-bMY5CJWtOaa8NXKn0O4sKC8GI2x/SJVR7pbMj31wHx0=";
/// The same on US Letter.
const STYLE_HASH_LETTER: &str = "sha256-yMUvGuxsVN+IiPHXBKIDjmNUQ8HlOZ50P5EMRK/S3ng=";

/// The stylesheet of a report on `paper`: [`STYLE`] and its page size and margins, with the
/// page number and the patient in the margins where the browser prints them.
pub(crate) fn style(paper: Paper) -> String {
    let size = match paper {
        Paper::A4 => "A4",
        Paper::Letter => "letter",
    };
    format!(
        "{STYLE}@page{{size:{size};margin:14mm 12mm 16mm;\
         @bottom-center{{content:'page ' counter(page) ' of ' counter(pages);font-size:8pt}}}}"
    )
}

/// The CSP source (`'sha256-…'` without the quotes) that allows the stylesheet of a report on
/// `paper` and nothing else.
pub fn style_csp_hash(paper: Paper) -> &'static str {
    match paper {
        Paper::A4 => STYLE_HASH_A4,
        Paper::Letter => STYLE_HASH_LETTER,
    }
}

/// `text` with the five HTML-special characters escaped (for element text and attributes).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn render(content: &Content, paper: Paper) -> String {
    let mut html = String::new();
    let title = format!("{} — {} — {}", content.title, content.running, content.date);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{}</style>\n</head>\n<body>\n\
         <header class=\"running\"><span>{}</span><span>{} · {}</span></header>\n<h1>{}</h1>\n",
        escape(&title),
        style(paper),
        escape(&content.running),
        escape(&content.reference),
        escape(&content.date),
        escape(&content.title),
    );
    for block in &content.blocks {
        match block {
            Block::Heading(text) => {
                let _ = writeln!(html, "<h2>{}</h2>", escape(text));
            }
            Block::Fields(fields) => fields_html(&mut html, fields),
            Block::Table(table) => table_html(&mut html, table),
            Block::Chart(chart) => {
                let _ = writeln!(
                    html,
                    "<figure class=\"chart\">{}<figcaption>{}</figcaption></figure>",
                    chart.svg,
                    escape(&chart.caption())
                );
            }
            Block::Text(text) => {
                let _ = writeln!(html, "<p class=\"text\">{}</p>", escape(text));
            }
            Block::Signature(fields) => {
                fields_html(&mut html, fields);
                html.push_str(
                    "<div class=\"sign\"><div>Signature</div><div>Name</div>\
                     <div>Date / time</div></div>\n",
                );
            }
        }
    }
    let _ = write!(
        html,
        "<footer>Times are from the start of the record (hh:mm:ss). {DASH} = not recorded. \
         Generated by perfuse from the stored record.</footer>\n</body>\n</html>\n"
    );
    html
}

/// Label–value pairs as a definition list.
fn fields_html(html: &mut String, fields: &[(String, String)]) {
    html.push_str("<dl class=\"fields\">");
    for (label, value) in fields {
        let _ = write!(
            html,
            "<div><dt>{}</dt><dd>{}</dd></div>",
            escape(label),
            escape(value)
        );
    }
    html.push_str("</dl>\n");
}

fn table_html(html: &mut String, table: &Table) {
    html.push_str("<table>\n<thead><tr>");
    for column in &table.columns {
        let class = if column.numeric { " class=\"num\"" } else { "" };
        let unit = if column.unit.is_empty() {
            String::new()
        } else {
            format!("<span class=\"unit\">{}</span>", escape(&column.unit))
        };
        let _ = write!(html, "<th{class}>{}{unit}</th>", escape(column.title));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for (i, row) in table.rows.iter().enumerate() {
        let total = table.totals_from.is_some_and(|from| i >= from);
        html.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for (column, cell) in table.columns.iter().zip(row) {
            let _ = write!(html, "{}", cell_html(cell, column.numeric));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody></table>\n");
}

fn cell_html(cell: &Cell, numeric: bool) -> String {
    let mut classes = Vec::new();
    if numeric {
        classes.push("num");
    }
    if cell.flag.is_some() {
        classes.push("flag");
    }
    let suffix = flag_suffix(cell);
    let class = if classes.is_empty() {
        String::new()
    } else {
        format!(" class=\"{}\"", classes.join(" "))
    };
    format!("<td{class}>{}{suffix}</td>", escape(&cell.text))
}

/// ` L` / ` H` after a flagged number (a "not met" status needs none).
pub(crate) fn flag_suffix(cell: &Cell) -> &'static str {
    match cell.flag {
        Some(_) if cell.text == "not met" => "",
        Some(Flag::Low) => " L",
        Some(Flag::High) => " H",
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_hashes_are_those_of_the_stylesheets() {
        use base64::Engine;
        use sha2::{Digest, Sha256};
        for paper in [Paper::A4, Paper::Letter] {
            let digest = Sha256::digest(style(paper).as_bytes());
            let hash = format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            );
            assert_eq!(style_csp_hash(paper), hash, "{paper:?}");
        }
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}
