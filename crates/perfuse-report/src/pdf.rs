//! The report as a PDF. Laid out in two passes: the blocks are placed on pages as drawing
//! operations (tables split between rows, their header repeated; nothing else split except
//! text between lines), then each page is written with its running header (patient, record)
//! and footer ("page i of n"), which needs the page count.
//!
//! Text is DejaVu Sans Condensed (embedded and subset by krilla); headings and labels use a
//! Latin subset of the bold face, so record text is always drawn in the full regular face.

use std::sync::Arc;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla_svg::{SurfaceExt, SvgSettings};
use perfuse_record::Record;
use skrifa::instance::{LocationRef, Size as FontSize};
use skrifa::{FontRef, MetadataProvider};

use crate::content::{Block, Content, Table};
use crate::html::flag_suffix;
use crate::{Paper, ReportError, chart};

/// DejaVu Sans Condensed 2.37 (Bitstream Vera licence; `fonts/LICENSE`).
static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSansCondensed.ttf");
/// Its bold face, subset to Latin, Greek and punctuation (labels and headings only).
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSansCondensed-Bold-Latin.ttf");

/// Page margins, pt: sides, top (under the running header), bottom (above the footer).
const MARGIN_SIDE: f32 = 40.0;
const MARGIN_TOP: f32 = 58.0;
const MARGIN_BOTTOM: f32 = 50.0;

const BODY_PT: f32 = 9.0;
const TABLE_PT: f32 = 7.8;
const SMALL_PT: f32 = 7.0;
const BLACK: (u8, u8, u8) = (17, 17, 17);
const GREY: (u8, u8, u8) = (85, 85, 85);
const RED: (u8, u8, u8) = (176, 0, 0);

#[derive(Clone, Copy, PartialEq)]
enum Face {
    Regular,
    Bold,
}

/// One font: krilla's handle to draw with, skrifa's to measure with.
struct Typeface {
    font: Font,
    measure: FontRef<'static>,
    units_per_em: f32,
}

impl Typeface {
    fn new(data: &'static [u8]) -> Result<Typeface, ReportError> {
        let font = Font::new(data.into(), 0)
            .ok_or_else(|| ReportError("the embedded font could not be read".into()))?;
        let measure = FontRef::new(data)
            .map_err(|error| ReportError(format!("the embedded font: {error}")))?;
        let units_per_em = measure
            .metrics(FontSize::unscaled(), LocationRef::default())
            .units_per_em as f32;
        Ok(Typeface {
            font,
            measure,
            units_per_em,
        })
    }

    /// Advance width of `text` at `size`, pt (no kerning: within a fraction of a point).
    fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.measure.charmap();
        let metrics = self
            .measure
            .glyph_metrics(FontSize::unscaled(), LocationRef::default());
        let units: f32 = text
            .chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|glyph| metrics.advance_width(glyph))
                    .unwrap_or(self.units_per_em * 0.6)
            })
            .sum();
        units * size / self.units_per_em
    }
}

/// A drawing operation on a page; `y` grows downwards from the top edge.
enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        face: Face,
        color: (u8, u8, u8),
        text: String,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
        grey: u8,
    },
    Shade {
        rect: (f32, f32, f32, f32),
        grey: u8,
    },
    /// The chart `index` of the content, scaled into `rect`.
    Svg {
        rect: (f32, f32, f32, f32),
        index: usize,
    },
}

/// Places blocks on pages.
struct Layout<'a> {
    regular: &'a Typeface,
    bold: &'a Typeface,
    pages: Vec<Vec<Op>>,
    y: f32,
    left: f32,
    right: f32,
    bottom: f32,
}

impl Layout<'_> {
    fn face(&self, face: Face) -> &Typeface {
        match face {
            Face::Regular => self.regular,
            Face::Bold => self.bold,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    /// Starts a new page unless `height` still fits on this one.
    fn ensure(&mut self, height: f32) {
        if self.y + height > self.bottom {
            self.new_page();
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn text(
        &mut self,
        x: f32,
        baseline: f32,
        size: f32,
        face: Face,
        color: (u8, u8, u8),
        text: &str,
    ) {
        if !text.is_empty() {
            self.push(Op::Text {
                x,
                baseline,
                size,
                face,
                color,
                text: text.to_owned(),
            });
        }
    }

    /// `text` broken into lines no wider than `width` (at spaces; a word longer than a line
    /// is broken between characters). Line breaks in the text are kept.
    fn wrap(&self, text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
        let typeface = self.face(face);
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split(' ') {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if typeface.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    line.push(c);
                    if typeface.width(&line, size) > width && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    fn heading(&mut self, text: &str) {
        // Keep a heading with at least a few lines of what follows it (a table's header with its
        // units and two rows).
        self.ensure(90.0);
        self.y += 10.0;
        let (left, right) = (self.left, self.right);
        self.text(left, self.y + 10.0, 11.0, Face::Bold, BLACK, text);
        self.y += 14.0;
        self.push(Op::Rule {
            x1: left,
            x2: right,
            y: self.y,
            width: 0.5,
            grey: 170,
        });
        self.y += 4.0;
    }

    /// Label–value pairs in a grid of `columns`: a small grey label above each value.
    fn fields(&mut self, fields: &[(String, String)], columns: usize) {
        let gap = 10.0;
        let width = (self.right - self.left - gap * (columns - 1) as f32) / columns as f32;
        for row in fields.chunks(columns) {
            let wrapped: Vec<Vec<String>> = row
                .iter()
                .map(|(_, value)| self.wrap(value, Face::Regular, BODY_PT, width))
                .collect();
            let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
            let height = 9.0 + lines as f32 * 11.0 + 3.0;
            self.ensure(height);
            for (i, ((label, _), value_lines)) in row.iter().zip(&wrapped).enumerate() {
                let x = self.left + i as f32 * (width + gap);
                self.text(x, self.y + 7.0, SMALL_PT, Face::Bold, GREY, label);
                for (j, line) in value_lines.iter().enumerate() {
                    self.text(
                        x,
                        self.y + 18.0 + j as f32 * 11.0,
                        BODY_PT,
                        Face::Regular,
                        BLACK,
                        line,
                    );
                }
            }
            self.y += height;
        }
    }

    fn paragraph(&mut self, text: &str, size: f32, color: (u8, u8, u8)) {
        let line_height = size * 1.3;
        for line in self.wrap(text, Face::Regular, size, self.right - self.left) {
            self.ensure(line_height);
            let left = self.left;
            self.text(left, self.y + size, size, Face::Regular, color, &line);
            self.y += line_height;
        }
        self.y += 2.0;
    }

    fn table(&mut self, table: &Table) {
        let total_weight: f32 = table.columns.iter().map(|column| column.weight).sum();
        let width = self.right - self.left;
        let widths: Vec<f32> = table
            .columns
            .iter()
            .map(|column| column.weight / total_weight * width)
            .collect();
        let pad = 2.5;
        let line_height = TABLE_PT * 1.25;
        let has_units = table.columns.iter().any(|column| !column.unit.is_empty());
        let header_units: Vec<Vec<String>> = table
            .columns
            .iter()
            .zip(&widths)
            .map(|(column, width)| {
                self.wrap(
                    &column.unit,
                    Face::Regular,
                    SMALL_PT - 0.5,
                    width - 2.0 * pad,
                )
            })
            .collect();
        let unit_lines = if has_units {
            header_units.iter().map(Vec::len).max().unwrap_or(0)
        } else {
            0
        };
        let header_height = 4.0 + line_height + unit_lines as f32 * (SMALL_PT * 1.15) + 2.0;

        let rows: Vec<Vec<Vec<String>>> = table
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&widths)
                    .map(|(cell, width)| {
                        let text = format!("{}{}", cell.text, flag_suffix(cell));
                        self.wrap(&text, Face::Regular, TABLE_PT, width - 2.0 * pad)
                    })
                    .collect()
            })
            .collect();
        let row_height = |cells: &Vec<Vec<String>>| {
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_height + 3.0
        };

        let draw_header = |layout: &mut Layout| {
            let (left, right, top) = (layout.left, layout.right, layout.y);
            layout.push(Op::Shade {
                rect: (left, top, right - left, header_height),
                grey: 235,
            });
            let mut x = left;
            for ((column, width), units) in table.columns.iter().zip(&widths).zip(&header_units) {
                let title_width = layout.bold.width(column.title, TABLE_PT);
                let align = |text_width: f32| {
                    if column.numeric {
                        x + width - pad - text_width
                    } else {
                        x + pad
                    }
                };
                layout.text(
                    align(title_width),
                    top + 3.0 + TABLE_PT,
                    TABLE_PT,
                    Face::Bold,
                    BLACK,
                    column.title,
                );
                for (j, unit) in units.iter().enumerate() {
                    let unit_width = layout.regular.width(unit, SMALL_PT - 0.5);
                    let baseline = top + 4.0 + line_height + (j as f32 + 0.8) * SMALL_PT * 1.15;
                    layout.text(
                        align(unit_width),
                        baseline,
                        SMALL_PT - 0.5,
                        Face::Regular,
                        GREY,
                        unit,
                    );
                }
                x += width;
            }
            layout.y += header_height;
        };

        let first = rows.first().map_or(0.0, row_height);
        self.ensure(header_height + first);
        draw_header(self);
        for (i, (cells, row)) in rows.iter().zip(&table.rows).enumerate() {
            let height = row_height(cells);
            if self.y + height > self.bottom {
                self.new_page();
                draw_header(self);
            }
            let total = table.totals_from.is_some_and(|from| i >= from);
            let (left, right, top) = (self.left, self.right, self.y);
            if table.totals_from == Some(i) {
                self.push(Op::Rule {
                    x1: left,
                    x2: right,
                    y: top,
                    width: 0.8,
                    grey: 80,
                });
            }
            let mut x = left;
            for (((column, width), lines), cell) in
                table.columns.iter().zip(&widths).zip(cells).zip(row)
            {
                let color = if cell.flag.is_some() { RED } else { BLACK };
                for (j, line) in lines.iter().enumerate() {
                    let line_width = self.regular.width(line, TABLE_PT);
                    let lx = if column.numeric {
                        x + width - pad - line_width
                    } else {
                        x + pad
                    };
                    let baseline = top + 1.5 + TABLE_PT + j as f32 * line_height;
                    self.text(lx, baseline, TABLE_PT, Face::Regular, color, line);
                }
                x += width;
            }
            self.y += height;
            if !total {
                self.push(Op::Rule {
                    x1: left,
                    x2: right,
                    y: self.y,
                    width: 0.3,
                    grey: 215,
                });
            }
        }
        self.y += 4.0;
    }

    fn signature(&mut self, fields: &[(String, String)]) {
        self.ensure(110.0);
        self.fields(fields, 3);
        self.y += 34.0;
        let gap = 18.0;
        let width = (self.right - self.left - 2.0 * gap) / 3.0;
        for (i, label) in ["Signature", "Name", "Date / time"].iter().enumerate() {
            let x = self.left + i as f32 * (width + gap);
            self.push(Op::Rule {
                x1: x,
                x2: x + width,
                y: self.y,
                width: 0.8,
                grey: 0,
            });
            self.text(x, self.y + 9.0, SMALL_PT, Face::Bold, GREY, label);
        }
        self.y += 16.0;
    }
}

fn color((r, g, b): (u8, u8, u8)) -> krilla::paint::Paint {
    rgb::Color::new(r, g, b).into()
}

fn fill(color_rgb: (u8, u8, u8)) -> Fill {
    Fill {
        paint: color(color_rgb),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// The chart's SVG parsed with the report font as its sans-serif face.
fn svg_tree(svg: &str) -> Result<usvg::Tree, ReportError> {
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(REGULAR_TTF.to_vec());
    let family = fonts
        .faces()
        .next()
        .and_then(|face| face.families.first())
        .map(|(name, _)| name.clone())
        .ok_or_else(|| ReportError("the embedded font has no family name".into()))?;
    fonts.set_sans_serif_family(family.clone());
    let options = usvg::Options {
        font_family: family,
        fontdb: Arc::new(fonts),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|error| ReportError(format!("chart SVG: {error}")))
}

pub(crate) fn render(
    content: &Content,
    record: &Record,
    paper: Paper,
) -> Result<Vec<u8>, ReportError> {
    let regular = Typeface::new(REGULAR_TTF)?;
    let bold = Typeface::new(BOLD_TTF)?;
    let (page_width, page_height) = paper.size_pt();
    let mut layout = Layout {
        regular: &regular,
        bold: &bold,
        pages: Vec::new(),
        y: MARGIN_TOP,
        left: MARGIN_SIDE,
        right: page_width - MARGIN_SIDE,
        bottom: page_height - MARGIN_BOTTOM,
    };
    layout.new_page();
    layout.text(
        MARGIN_SIDE,
        layout.y + 16.0,
        16.0,
        Face::Bold,
        BLACK,
        &content.title,
    );
    layout.y += 26.0;

    let mut charts = Vec::new();
    for (i, block) in content.blocks.iter().enumerate() {
        match block {
            Block::Heading(text) => {
                // A heading stays on the page of the chart it introduces.
                if let Some(Block::Chart(chart)) = content.blocks.get(i + 1) {
                    let width = layout.right - layout.left;
                    layout.ensure(40.0 + width * chart.height as f32 / chart::WIDTH as f32);
                }
                layout.heading(text)
            }
            Block::Fields(fields) => layout.fields(fields, 3),
            Block::Table(table) => layout.table(table),
            Block::Text(text) => layout.paragraph(text, BODY_PT, BLACK),
            Block::Signature(fields) => layout.signature(fields),
            Block::Chart(chart) => {
                let width = layout.right - layout.left;
                let height = width * chart.height as f32 / chart::WIDTH as f32;
                layout.ensure(height + 24.0);
                layout.push(Op::Svg {
                    rect: (layout.left, layout.y, width, height),
                    index: charts.len(),
                });
                charts.push(svg_tree(&chart.svg)?);
                layout.y += height + 2.0;
                layout.paragraph(&chart.caption(), SMALL_PT, GREY);
            }
        }
    }
    let pages = layout.pages;

    let mut document = Document::new();
    let mut date = content
        .date
        .split('-')
        .map(|part| part.parse::<u16>().unwrap_or(1));
    let (year, month, day) = (
        date.next().unwrap_or(1970),
        date.next().unwrap_or(1),
        date.next().unwrap_or(1),
    );
    document.set_metadata(
        Metadata::new()
            .title(format!("{} — {}", content.title, content.running))
            .language("en".to_owned())
            .creator("perfuse".to_owned())
            .creation_date(DateTime::new(year).month(month as u8).day(day as u8)),
    );
    let count = pages.len();
    for (i, ops) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(page_width, page_height)
            .ok_or_else(|| ReportError("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        // Running header: the patient and the record on every page; the footer numbers it.
        let right = page_width - MARGIN_SIDE;
        let reference = format!("{} · {}", content.reference, content.date);
        draw_text(
            &mut surface,
            &regular,
            MARGIN_SIDE,
            34.0,
            SMALL_PT + 0.5,
            GREY,
            &content.running,
        );
        let width = regular.width(&reference, SMALL_PT + 0.5);
        draw_text(
            &mut surface,
            &regular,
            right - width,
            34.0,
            SMALL_PT + 0.5,
            GREY,
            &reference,
        );
        draw_rule(&mut surface, MARGIN_SIDE, right, 39.0, 0.5, 150);
        let footer_y = page_height - 28.0;
        draw_rule(&mut surface, MARGIN_SIDE, right, footer_y - 10.0, 0.5, 150);
        let footer = format!("{} · {}", content.title, record.case.procedure);
        draw_text(
            &mut surface,
            &regular,
            MARGIN_SIDE,
            footer_y,
            SMALL_PT,
            GREY,
            &footer,
        );
        let number = format!("page {} of {count}", i + 1);
        let width = bold.width(&number, SMALL_PT);
        draw_text(
            &mut surface,
            &bold,
            right - width,
            footer_y,
            SMALL_PT,
            GREY,
            &number,
        );
        for op in ops {
            match op {
                Op::Text {
                    x,
                    baseline,
                    size,
                    face,
                    color: rgb_color,
                    text,
                } => {
                    let typeface = if *face == Face::Bold { &bold } else { &regular };
                    draw_text(
                        &mut surface,
                        typeface,
                        *x,
                        *baseline,
                        *size,
                        *rgb_color,
                        text,
                    );
                }
                Op::Rule {
                    x1,
                    x2,
                    y,
                    width,
                    grey,
                } => draw_rule(&mut surface, *x1, *x2, *y, *width, *grey),
                Op::Shade {
                    rect: (x, y, w, h),
                    grey,
                } => {
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        let mut path = PathBuilder::new();
                        path.push_rect(rect);
                        if let Some(path) = path.finish() {
                            surface.set_stroke(None);
                            surface.set_fill(Some(fill((*grey, *grey, *grey))));
                            surface.draw_path(&path);
                        }
                    }
                }
                Op::Svg {
                    rect: (x, y, w, h),
                    index,
                } => {
                    let size =
                        Size::from_wh(*w, *h).ok_or_else(|| ReportError("chart size".into()))?;
                    surface.push_transform(&Transform::from_translate(*x, *y));
                    surface.draw_svg(&charts[*index], size, SvgSettings::default());
                    surface.pop();
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|error| ReportError(format!("PDF: {error:?}")))
}

fn draw_text(
    surface: &mut Surface,
    typeface: &Typeface,
    x: f32,
    baseline: f32,
    size: f32,
    rgb_color: (u8, u8, u8),
    text: &str,
) {
    surface.set_stroke(None);
    surface.set_fill(Some(fill(rgb_color)));
    surface.draw_text(
        Point::from_xy(x, baseline),
        typeface.font.clone(),
        size,
        text,
        false,
        TextDirection::Auto,
    );
}

fn draw_rule(surface: &mut Surface, x1: f32, x2: f32, y: f32, width: f32, grey: u8) {
    let mut path = PathBuilder::new();
    path.move_to(x1, y);
    path.line_to(x2, y);
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: color((grey, grey, grey)),
            width,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
    }
}
