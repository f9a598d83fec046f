//! The report of the README's sample record (`docs/examples/case.toml`) as HTML and PDF.

use lopdf::{Document, Object};
use perfuse_record::model::{Event, TimelineEntry};
use perfuse_record::{Indicators, Record};
use perfuse_report::{Amendment, Paper, Provenance, Signoff, html, pdf};

fn case() -> Record {
    let text = include_str!("../../../docs/examples/case.toml");
    Record::from_toml_str(text).expect("the sample record is valid")
}

fn provenance() -> Provenance {
    Provenance {
        stored: Some((7, perfuse_record::Status::Amended, 3)),
        finalised: Some(Signoff {
            at: "2026-03-14T18:02:00.000Z".into(),
            by: "A. Perfusionist".into(),
        }),
        amendments: vec![Amendment {
            at: "2026-03-15T09:00:00.000Z".into(),
            by: "A. Perfusionist".into(),
            role: "perfusionist".into(),
            reason: "urine volume <b>mis-keyed</b>".into(),
        }],
    }
}

fn parse(bytes: &[u8]) -> Document {
    Document::load_mem(bytes).expect("a PDF lopdf can read")
}

/// `[x0 y0 x1 y1]` of every page's MediaBox, in points.
fn media_boxes(document: &Document) -> Vec<Vec<f32>> {
    document
        .get_pages()
        .values()
        .map(|&id| {
            let page = document.get_dictionary(id).expect("page dictionary");
            page.get(b"MediaBox")
                .and_then(Object::as_array)
                .expect("every page has its MediaBox")
                .iter()
                .map(|value| value.as_float().expect("a number"))
                .collect()
        })
        .collect()
}

#[test]
fn pdf_pages_are_a4_or_letter() {
    for (paper, size) in [(Paper::A4, [595.0, 842.0]), (Paper::Letter, [612.0, 792.0])] {
        let bytes = pdf(&case(), &provenance(), paper).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{paper:?}");
        let document = parse(&bytes);
        let boxes = media_boxes(&document);
        assert!(!boxes.is_empty());
        for media_box in boxes {
            assert_eq!(media_box, vec![0.0, 0.0, size[0], size[1]], "{paper:?}");
        }
    }
}

#[test]
fn pdf_embeds_its_fonts() {
    let document = parse(&pdf(&case(), &provenance(), Paper::A4).unwrap());
    let embedded = document
        .objects
        .values()
        .filter_map(|object| object.as_dict().ok())
        .filter(|dict| dict.has(b"FontFile2") || dict.has(b"FontFile3"))
        .count();
    // The regular and the bold face at least (the chart's labels may add another subset).
    assert!(embedded >= 2, "{embedded} embedded font files");
    let unembedded = document
        .objects
        .values()
        .filter_map(|object| object.as_dict().ok())
        .filter(|dict| dict.has(b"FontName") && !(dict.has(b"FontFile2") || dict.has(b"FontFile3")))
        .count();
    assert_eq!(unembedded, 0, "every font descriptor carries its font file");
}

#[test]
fn pdf_text_names_the_patient_on_every_page() {
    let mut record = case();
    add_notes(&mut record, 200);
    let document = parse(&pdf(&record, &provenance(), Paper::A4).unwrap());
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    assert!(pages.len() >= 3);
    let count = pages.len();
    for page in pages {
        let text = document.extract_text(&[page]).expect("text of the page");
        assert!(text.contains("Demo Patient"), "page {page}: {text}");
        assert!(text.contains("DEMO-0000001"), "page {page}");
        assert!(
            text.contains(&format!("page {page} of {count}")),
            "page {page}"
        );
    }
}

fn add_notes(record: &mut Record, count: usize) {
    let end_s = record.timeline.last().map_or(0.0, |entry| entry.time_s);
    for i in 0..count {
        record.timeline.push(TimelineEntry {
            time_s: end_s + 60.0 * (i + 1) as f64,
            event: Event::Note {
                text: format!("observation {i}: patient stable, no change"),
            },
        });
    }
}

#[test]
fn a_longer_timeline_takes_more_pages() {
    let pages = |notes: usize| {
        let mut record = case();
        add_notes(&mut record, notes);
        parse(&pdf(&record, &provenance(), Paper::A4).unwrap())
            .get_pages()
            .len()
    };
    let (short, long, longer) = (pages(0), pages(150), pages(400));
    assert!(short < long && long < longer, "{short} {long} {longer}");
}

#[test]
fn same_record_same_bytes() {
    let record = case();
    for paper in [Paper::A4, Paper::Letter] {
        assert_eq!(
            pdf(&record, &provenance(), paper).unwrap(),
            pdf(&record, &provenance(), paper).unwrap()
        );
        assert_eq!(
            html(&record, &provenance(), paper).unwrap(),
            html(&record, &provenance(), paper).unwrap()
        );
    }
}

#[test]
fn html_escapes_free_text() {
    let mut record = case();
    record.notes = Some("<script>alert('x')</script>\nsecond line".into());
    record.case.procedure = "CABG x3 <img src=x onerror=alert(1)>".into();
    let page = html(&record, &provenance(), Paper::A4).unwrap();
    assert!(!page.contains("<script"), "no script element");
    assert!(!page.contains("<img"), "no injected element");
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(page.contains("urine volume &lt;b&gt;mis-keyed&lt;/b&gt;"));
}

#[test]
fn html_chart_is_inline_svg_with_units() {
    let page = html(&case(), &provenance(), Paper::A4).unwrap();
    let start = page.find("<svg").expect("an inline SVG chart");
    let end = page.find("</svg>").expect("closed");
    let svg = &page[start..end];
    for label in CHART_LABELS {
        assert!(svg.contains(label), "{label}");
    }
    // Presentation attributes only: renders under style-src without 'unsafe-inline'.
    assert!(!page.contains(" style="));
    assert!(!page.contains("<script"));
    assert!(!page.contains("Not recorded"));
    assert!(page.contains("lines: the monitored trend, pump flow as monitored;"));
}

/// The axis descriptions and legend entries of the sample's chart (it charts every panel).
const CHART_LABELS: [&str; 11] = [
    "MAP (mmHg)",
    "pump flow (L/min)",
    "temperatures (°C)",
    "arterial outlet",
    "venous",
    "core (nasopharyngeal)",
    "Hct (%)",
    "lab samples",
    "DO2i (mL/min/m²)",
    "from lab samples",
    "time from the start of the record (min)",
];

#[test]
fn pdf_chart_keeps_its_labels_as_text() {
    let document = parse(&pdf(&case(), &provenance(), Paper::A4).unwrap());
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text: String = pages
        .iter()
        .map(|&page| document.extract_text(&[page]).expect("text of the page"))
        .collect();
    for label in CHART_LABELS {
        // Extraction may break a label where the SVG text runs are split.
        let words: String = label.split_whitespace().collect();
        let found: String = text.split_whitespace().collect();
        assert!(found.contains(&words), "{label}");
    }
}

#[test]
fn a_record_without_vitals_charts_flow_settings_and_labs() {
    let mut record = case();
    record.vitals.clear();
    let page = html(&record, &provenance(), Paper::A4).unwrap();
    assert!(page.contains("lines: the monitored trend, pump flow as set;"));
    assert!(page.contains("Not recorded: MAP (mmHg), temperatures (°C)."));
    // One line per remaining panel: no legend.
    assert!(!page.contains("arterial outlet"));
    assert!(!page.contains(">lab samples<"));
}

#[test]
fn html_flags_out_of_range_values_and_unmet_targets() {
    let record = case();
    let page = html(&record, &provenance(), Paper::A4).unwrap();
    // Lactate 3.1 mmol/L is above 3 (Ranucci 2006).
    assert!(page.contains("<td class=\"num flag\">3.1 H</td>"));
    // The nadir DO2i on bypass (Hb 7.0 at 40 min) is below 272: flagged where sampled.
    let nadir = Indicators::of(&record).nadir_do2i_ml_min_m2.unwrap();
    assert!(nadir < 272.0);
    assert!(page.contains(&format!("<td class=\"num flag\">{nadir:.0} L</td>")));
    // A pre-heparin ACT and a Hct taken after bypass are not findings.
    assert!(page.contains("<td class=\"num\">520</td>"));
    assert!(page.contains("<td class=\"num\">19</td>"));
    assert!(page.contains("not met"));
    assert!(page.contains("@page{size:A4"));
    assert!(
        html(&record, &provenance(), Paper::Letter)
            .unwrap()
            .contains("@page{size:letter")
    );
}

#[test]
fn missing_data_is_a_dash() {
    let mut record = case();
    record.case.patient.deidentify();
    record.labs.clear();
    record.vitals.clear();
    let page = html(&record, &Provenance::default(), Paper::A4).unwrap();
    assert!(page.contains("<dt>Patient</dt><dd>de-identified</dd>"));
    assert!(page.contains("<dt>MRN</dt><dd>—</dd>"));
    assert!(page.contains("— no lab samples recorded"));
    assert!(page.contains("<dt>Finalised</dt><dd>— (not finalised)</dd>"));
    assert!(page.contains("<h2>Amendments</h2>\n<p class=\"text\">—</p>"));
    assert!(
        page.contains("Not recorded: MAP (mmHg), temperatures (°C), Hct (%), DO2i (mL/min/m²).")
    );
    assert!(!page.contains("DEMO-0000001"));
    let bytes = pdf(&record, &Provenance::default(), Paper::A4).unwrap();
    let document = parse(&bytes);
    let text = document.extract_text(&[1]).unwrap();
    assert!(text.contains("de-identified"));
}
