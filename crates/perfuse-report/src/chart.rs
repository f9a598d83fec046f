//! The timeline chart: one panel per quantity the record holds, on a shared time axis
//! (minutes from the start of the record), bypass runs shaded and cross-clamp periods shaded
//! darker. Drawn by `plotters` as SVG text (presentation attributes only, no `style`
//! attributes, so it renders under a Content-Security-Policy without `'unsafe-inline'`).
//!
//! The record holds pump flow (events), Hct and the values DO2i is computed from (labs); it
//! holds no arterial pressure or temperatures, so those are named as not recorded rather than
//! drawn.

use perfuse_record::Record;
use perfuse_record::indicators::{bypass_runs, cross_clamp_runs, sample_do2i};
use perfuse_record::model::Event;
use plotters::prelude::*;

use crate::ReportError;
use crate::ranges::{DO2I_ML_MIN_M2, HCT_PCT};

/// Chart width, SVG user units (= PDF points when placed at its natural size).
pub const WIDTH: u32 = 510;
/// Height of one panel.
const PANEL_HEIGHT: u32 = 80;
/// Height of the time axis under the last panel.
const AXIS_HEIGHT: u32 = 30;

/// Bypass shading (light blue) and cross-clamp shading (darker blue over it).
const BYPASS_FILL: RGBColor = RGBColor(222, 235, 247);
const CLAMP_FILL: RGBColor = RGBColor(189, 215, 238);
const GRID: RGBColor = RGBColor(225, 225, 225);
const THRESHOLD: RGBColor = RGBColor(150, 150, 150);

/// One quantity over time.
struct Panel {
    /// Axis label with its unit.
    label: &'static str,
    /// Line segments (a pump-flow step ends with its bypass run).
    segments: Vec<Vec<(f64, f64)>>,
    /// Mark each point (sampled values) or not (set values).
    marks: bool,
    /// Axis range always shown (a clinically meaningful span, widened to fit the data).
    y_span: (f64, f64),
    /// A horizontal target line with its label.
    threshold: Option<(f64, String)>,
    color: RGBColor,
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
}

/// Draws the chart of `record`; `None` when the record holds none of the charted quantities.
pub fn chart(record: &Record) -> Result<Option<Chart>, ReportError> {
    let bypass = bypass_runs(record);
    let clamp = cross_clamp_runs(record);
    let mut panels = Vec::new();
    let mut not_recorded = vec!["MAP (mmHg)", "temperatures (°C)"];

    let flows: Vec<(f64, f64)> = record
        .timeline
        .iter()
        .filter_map(|entry| match entry.event {
            Event::PumpFlow { flow_l_min } => Some((entry.time_s, flow_l_min)),
            _ => None,
        })
        .collect();
    let record_end_s = record
        .timeline
        .iter()
        .map(|entry| entry.time_s)
        .chain(record.labs.iter().map(|sample| sample.time_s))
        .fold(0.0, f64::max);
    if flows.is_empty() {
        not_recorded.push("pump flow (L/min)");
    } else {
        // A set flow holds until the next setting or the end of its bypass run.
        let segments = flows
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
            .collect();
        panels.push(Panel {
            label: "pump flow (L/min)",
            segments,
            marks: false,
            y_span: (0.0, 6.0),
            threshold: None,
            color: RGBColor(31, 78, 121),
        });
    }

    let hct: Vec<(f64, f64)> = record
        .labs
        .iter()
        .filter_map(|sample| Some((minutes(sample.time_s), sample.hct_pct?)))
        .collect();
    if hct.is_empty() {
        not_recorded.push("Hct (%)");
    } else {
        let low = HCT_PCT.low.unwrap_or_default();
        panels.push(Panel {
            label: "Hct (%)",
            segments: vec![hct],
            marks: true,
            y_span: (15.0, 45.0),
            threshold: Some((low, format!("{low} %"))),
            color: RGBColor(112, 48, 160),
        });
    }

    let do2i: Vec<(f64, f64)> = record
        .labs
        .iter()
        .filter(|sample| {
            bypass
                .iter()
                .any(|&(on, off)| (on..=off).contains(&sample.time_s))
        })
        .filter_map(|sample| Some((minutes(sample.time_s), sample_do2i(record, sample)?)))
        .collect();
    if do2i.is_empty() {
        not_recorded.push("DO2i (mL/min/m²)");
    } else {
        let critical = DO2I_ML_MIN_M2.low.unwrap_or_default();
        panels.push(Panel {
            label: "DO2i (mL/min/m²)",
            segments: vec![do2i],
            marks: true,
            y_span: (0.0, 500.0),
            threshold: Some((critical, format!("{critical} (Ranucci 2005)"))),
            color: RGBColor(56, 118, 29),
        });
    }

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
        not_recorded,
    }))
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
        let values = panel.segments.iter().flatten().map(|&(_, value)| value);
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
            .margin_top(6)
            .margin_right(12)
            .x_label_area_size(if i == last { AXIS_HEIGHT } else { 0 })
            .y_label_area_size(58)
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
            .axis_desc_style(("sans-serif", 9))
            .label_style(("sans-serif", 8))
            .draw()?;
        if let Some((value, text)) = &panel.threshold {
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
        for segment in &panel.segments {
            chart.draw_series(LineSeries::new(
                segment.iter().copied(),
                panel.color.stroke_width(2),
            ))?;
        }
        if panel.marks {
            chart.draw_series(
                panel
                    .segments
                    .iter()
                    .flatten()
                    .map(|&point| Circle::new(point, 2, panel.color.filled())),
            )?;
        }
    }
    root.present()?;
    Ok(())
}
