//! The timeline chart: one panel per quantity the record holds — MAP, pump flow, temperatures,
//! Hct, DO2i — on a shared time axis (minutes from the start of the record), bypass runs shaded
//! and cross-clamp periods shaded darker, targets as grey lines. Drawn by `plotters` as SVG text
//! (presentation attributes only, no `style` attributes, so it renders under a
//! Content-Security-Policy without `'unsafe-inline'`).
//!
//! Lines are the monitored trend (the record's `vitals`); dots are lab samples (Hct as measured,
//! DO2i computed from each sample on bypass). Pump flow is the trend where the record has one,
//! else the flow settings of the timeline. A panel with more than one line names them in a
//! legend above it; a quantity the record holds no value of is named in the caption instead.

use perfuse_record::Record;
use perfuse_record::indicators::{bypass_runs, cross_clamp_runs, sample_do2i};
use perfuse_record::model::{Event, VitalsSample};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::ReportError;
use crate::ranges::{DO2I_ML_MIN_M2, HCT_PCT, MAP_MMHG, Range, TEMP_ARTERIAL_C};

/// Chart width, SVG user units (= PDF points when placed at its natural size).
pub const WIDTH: u32 = 510;
/// Height of one panel, its legend row included.
const PANEL_HEIGHT: u32 = 84;
/// Height of the legend row above a panel's plot.
const LEGEND_HEIGHT: u32 = 12;
/// Height of the time axis under the last panel.
const AXIS_HEIGHT: u32 = 30;
/// Width of the y-axis labels and description.
const Y_LABEL_WIDTH: u32 = 58;

/// Bypass shading (light blue) and cross-clamp shading (darker blue over it).
const BYPASS_FILL: RGBColor = RGBColor(222, 235, 247);
const CLAMP_FILL: RGBColor = RGBColor(189, 215, 238);
const GRID: RGBColor = RGBColor(225, 225, 225);
const THRESHOLD: RGBColor = RGBColor(150, 150, 150);

/// One line (or set of dots) in a panel.
struct Series {
    /// Legend text.
    name: &'static str,
    /// Line segments (a pump-flow setting ends with its bypass run).
    segments: Vec<Vec<(f64, f64)>>,
    /// Dots only (lab samples) rather than a line (the trend, settings).
    dots: bool,
    color: RGBColor,
}

impl Series {
    /// A line through one run of points (a trend).
    fn line(name: &'static str, points: Vec<(f64, f64)>, color: RGBColor) -> Series {
        Series {
            name,
            segments: vec![points],
            dots: false,
            color,
        }
    }

    /// Points drawn as dots (lab samples).
    fn dots(name: &'static str, points: Vec<(f64, f64)>, color: RGBColor) -> Series {
        Series {
            name,
            segments: vec![points],
            dots: true,
            color,
        }
    }
}

/// One quantity over time.
struct Panel {
    /// Axis label with its unit.
    label: &'static str,
    /// What is drawn; never empty.
    series: Vec<Series>,
    /// Axis range always shown (a clinically meaningful span, widened to fit the data).
    y_span: (f64, f64),
    /// Horizontal target lines with their labels.
    thresholds: Vec<(f64, String)>,
}

/// The chart of a record: its SVG text, height (the width is [`WIDTH`]) and the series the
/// record does not hold (for the caption).
pub struct Chart {
    /// The SVG document.
    pub svg: String,
    /// Height, SVG user units.
    pub height: u32,
    /// Quantities not drawn because the record holds none of their values.
    pub not_recorded: Vec<&'static str>,
    /// Whether pump flow is the trend (else the timeline's flow settings).
    flow_is_trend: bool,
}

impl Chart {
    /// The caption under the chart: what the shading, lines and dots are, and what is missing.
    pub fn caption(&self) -> String {
        let flow = if self.flow_is_trend {
            "pump flow as monitored"
        } else {
            "pump flow as set"
        };
        let mut caption = format!(
            "Shaded: bypass (light), cross-clamp (darker); lines: the monitored trend, {flow}; \
             dots: lab samples (DO2i computed from each sample on bypass); grey: targets."
        );
        if !self.not_recorded.is_empty() {
            caption.push_str(&format!(" Not recorded: {}.", self.not_recorded.join(", ")));
        }
        caption
    }
}

/// The trend of one vitals field as one line, in minutes.
fn trend(vitals: &[VitalsSample], value: fn(&VitalsSample) -> Option<f64>) -> Vec<(f64, f64)> {
    vitals
        .iter()
        .filter_map(|sample| Some((minutes(sample.time_s), value(sample)?)))
        .collect()
}

/// The series that hold at least one point.
fn present(series: impl IntoIterator<Item = Series>) -> Vec<Series> {
    series
        .into_iter()
        .filter(|series| series.segments.iter().any(|segment| !segment.is_empty()))
        .collect()
}

/// The target lines of `range`, labelled with its ends.
fn targets(range: &Range, text: impl Fn(f64) -> String) -> Vec<(f64, String)> {
    range
        .low
        .into_iter()
        .chain(range.high)
        .map(|value| (value, text(value)))
        .collect()
}

/// Draws the chart of `record`; `None` when the record holds none of the charted quantities.
pub fn chart(record: &Record) -> Result<Option<Chart>, ReportError> {
    let bypass = bypass_runs(record);
    let clamp = cross_clamp_runs(record);
    let vitals = &record.vitals;
    let record_end_s = record
        .timeline
        .iter()
        .map(|entry| entry.time_s)
        .chain(record.labs.iter().map(|sample| sample.time_s))
        .chain(vitals.iter().map(|sample| sample.time_s))
        .fold(0.0, f64::max);
    let mut candidates = Vec::new();

    candidates.push(Panel {
        label: "MAP (mmHg)",
        series: present([Series::line(
            "MAP",
            trend(vitals, |sample| sample.map_mmhg),
            RGBColor(192, 0, 0),
        )]),
        y_span: (40.0, 100.0),
        thresholds: targets(&MAP_MMHG, |value| format!("{value}")),
    });

    let flow_trend = trend(vitals, |sample| sample.flow_l_min);
    let flow_is_trend = !flow_trend.is_empty();
    let flow_segments = if flow_is_trend {
        vec![flow_trend]
    } else {
        flow_settings(record, &bypass, record_end_s)
    };
    candidates.push(Panel {
        label: "pump flow (L/min)",
        series: present([Series {
            name: "pump flow",
            segments: flow_segments,
            dots: false,
            color: RGBColor(31, 78, 121),
        }]),
        y_span: (0.0, 6.0),
        thresholds: Vec::new(),
    });

    candidates.push(Panel {
        label: "temperatures (°C)",
        series: present([
            Series::line(
                "arterial outlet",
                trend(vitals, |sample| sample.temp_arterial_c),
                RGBColor(214, 96, 0),
            ),
            Series::line(
                "venous",
                trend(vitals, |sample| sample.temp_venous_c),
                RGBColor(0, 128, 128),
            ),
            Series::line(
                "core (nasopharyngeal)",
                trend(vitals, |sample| sample.temp_core_c),
                RGBColor(90, 90, 90),
            ),
        ]),
        y_span: (30.0, 38.0),
        thresholds: targets(&TEMP_ARTERIAL_C, |value| format!("{value} arterial")),
    });

    let hct_labs: Vec<(f64, f64)> = record
        .labs
        .iter()
        .filter_map(|sample| Some((minutes(sample.time_s), sample.hct_pct?)))
        .collect();
    candidates.push(Panel {
        label: "Hct (%)",
        series: present([
            Series::line(
                "trend",
                trend(vitals, |sample| sample.hct_pct),
                RGBColor(112, 48, 160),
            ),
            Series::dots("lab samples", hct_labs, RGBColor(112, 48, 160)),
        ]),
        y_span: (15.0, 45.0),
        thresholds: targets(&HCT_PCT, |value| format!("{value} %")),
    });

    let do2i_labs: Vec<(f64, f64)> = record
        .labs
        .iter()
        .filter(|sample| {
            bypass
                .iter()
                .any(|&(on, off)| (on..=off).contains(&sample.time_s))
        })
        .filter_map(|sample| Some((minutes(sample.time_s), sample_do2i(record, sample)?)))
        .collect();
    candidates.push(Panel {
        label: "DO2i (mL/min/m²)",
        series: present([
            Series::line(
                "trend",
                trend(vitals, |sample| sample.do2i_ml_min_m2),
                RGBColor(56, 118, 29),
            ),
            Series::dots("from lab samples", do2i_labs, RGBColor(56, 118, 29)),
        ]),
        y_span: (0.0, 500.0),
        thresholds: targets(&DO2I_ML_MIN_M2, |value| format!("{value} (Ranucci 2005)")),
    });

    let (panels, missing): (Vec<Panel>, Vec<Panel>) = candidates
        .into_iter()
        .partition(|panel| !panel.series.is_empty());
    if panels.is_empty() {
        return Ok(None);
    }
    let end_min = minutes(record_end_s).max(1.0);
    let height = PANEL_HEIGHT * panels.len() as u32 + AXIS_HEIGHT;
    let mut svg = String::new();
    draw(&mut svg, &panels, &bypass, &clamp, end_min, height)
        .map_err(|error| ReportError(format!("chart: {error}")))?;
    Ok(Some(Chart {
        svg,
        height,
        not_recorded: missing.iter().map(|panel| panel.label).collect(),
        flow_is_trend,
    }))
}

/// The timeline's flow settings as steps: a setting holds until the next one or the end of its
/// bypass run.
fn flow_settings(
    record: &Record,
    bypass: &[(f64, f64)],
    record_end_s: f64,
) -> Vec<Vec<(f64, f64)>> {
    let flows: Vec<(f64, f64)> = record
        .timeline
        .iter()
        .filter_map(|entry| match entry.event {
            Event::PumpFlow { flow_l_min } => Some((entry.time_s, flow_l_min)),
            _ => None,
        })
        .collect();
    flows
        .iter()
        .enumerate()
        .map(|(i, &(time_s, flow))| {
            let run_end = bypass
                .iter()
                .find(|&&(on, off)| (on..=off).contains(&time_s))
                .map_or(record_end_s, |&(_, off)| off);
            let next = flows.get(i + 1).map_or(f64::INFINITY, |next| next.0);
            let until_s = run_end.min(next);
            vec![(minutes(time_s), flow), (minutes(until_s), flow)]
        })
        .collect()
}

fn minutes(time_s: f64) -> f64 {
    time_s / 60.0
}

fn draw(
    svg: &mut String,
    panels: &[Panel],
    bypass: &[(f64, f64)],
    clamp: &[(f64, f64)],
    end_min: f64,
    height: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let last = panels.len() - 1;
    let mut rest = root.clone();
    for (i, panel) in panels.iter().enumerate() {
        // Every panel has the same plot height; the last one also carries the time axis.
        let area = if i == last {
            rest.clone()
        } else {
            let (area, below) = rest.split_vertically(PANEL_HEIGHT);
            rest = below;
            area
        };
        let (legend, area) = area.split_vertically(LEGEND_HEIGHT);
        if panel.series.len() > 1 {
            draw_legend(&legend, &panel.series)?;
        }
        let values = panel
            .series
            .iter()
            .flat_map(|series| series.segments.iter().flatten())
            .map(|&(_, value)| value);
        let (low, high) = values.fold(panel.y_span, |(low, high), value| {
            (low.min(value), high.max(value))
        });
        let pad = (high - low) * 0.05;
        let low = if low < panel.y_span.0 { low - pad } else { low };
        let high = if high > panel.y_span.1 {
            high + pad
        } else {
            high
        };
        let mut chart = ChartBuilder::on(&area)
            .margin_top(2)
            .margin_right(12)
            .x_label_area_size(if i == last { AXIS_HEIGHT } else { 0 })
            .y_label_area_size(Y_LABEL_WIDTH)
            .build_cartesian_2d(0.0..end_min, low..high)?;
        let shade = |spans: &[(f64, f64)], color: RGBColor| {
            spans
                .iter()
                .map(move |&(on, off)| {
                    Rectangle::new([(minutes(on), low), (minutes(off), high)], color.filled())
                })
                .collect::<Vec<_>>()
        };
        chart.draw_series(shade(bypass, BYPASS_FILL))?;
        chart.draw_series(shade(clamp, CLAMP_FILL))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID)
            .max_light_lines(0)
            .y_labels(4)
            .y_desc(panel.label)
            .x_labels(10)
            .x_desc("time from the start of the record (min)")
            .x_label_formatter(&|minute| format!("{minute:.0}"))
            // Ticks as written (`35`, `2.5`), without plotters' trailing `.0`.
            .y_label_formatter(&|value| format!("{}", (value * 100.0).round() / 100.0))
            .axis_desc_style(("sans-serif", 9))
            .label_style(("sans-serif", 8))
            .draw()?;
        for (value, text) in &panel.thresholds {
            chart.draw_series(LineSeries::new(
                [(0.0, *value), (end_min, *value)],
                THRESHOLD.stroke_width(1),
            ))?;
            chart.draw_series(std::iter::once(Text::new(
                text.clone(),
                (end_min * 0.005, *value),
                ("sans-serif", 8).into_font().color(&THRESHOLD),
            )))?;
        }
        for series in &panel.series {
            if series.dots {
                chart.draw_series(
                    series
                        .segments
                        .iter()
                        .flatten()
                        .map(|&point| Circle::new(point, 2, series.color.filled())),
                )?;
            } else {
                for segment in &series.segments {
                    chart.draw_series(LineSeries::new(
                        segment.iter().copied(),
                        series.color.stroke_width(2),
                    ))?;
                }
            }
        }
    }
    root.present()?;
    Ok(())
}

/// The legend row above a panel: a short line (or a dot) and the name of each series, left to
/// right from the plot's left edge.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[Series],
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let style = ("sans-serif", 8)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let middle = LEGEND_HEIGHT as i32 / 2 + 1;
    let mut x = Y_LABEL_WIDTH as i32 + 4;
    for entry in series {
        if entry.dots {
            area.draw(&Circle::new((x + 6, middle), 2, entry.color.filled()))?;
        } else {
            area.draw(&PathElement::new(
                [(x, middle), (x + 12, middle)],
                entry.color.stroke_width(2),
            ))?;
        }
        x += 16;
        area.draw(&Text::new(entry.name, (x, middle), style.clone()))?;
        let (width, _) = area.estimate_text_size(entry.name, &style)?;
        x += width as i32 + 12;
    }
    Ok(())
}
