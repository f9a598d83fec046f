//! `perfuse drill --report`: a learner's stored answers per section (weakest first) and per
//! day, and an SVG line chart of accuracy per day. The chart is plain SVG text written here: a
//! handful of lines, no plotting dependency.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;
use perfuse_drill::Section;
use perfuse_record::Store;
use perfuse_record::store::drill::{DayProgress, SectionProgress};

use crate::Failure;
use crate::record::from_record_error;

/// Prints the progress of `learner` from the store at `db`; writes the chart to `svg` if given.
pub fn run(db: &str, learner: &str, svg: Option<&Path>) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (sections, days) = runtime.block_on(async {
        let store = Store::open(db)
            .await
            .map_err(|error| from_record_error(error, "--db"))?;
        let progress = async {
            Ok::<_, perfuse_record::Error>((
                store.drill_progress_by_section(learner).await?,
                store.drill_progress_by_day(learner).await?,
            ))
        }
        .await;
        store.close().await;
        progress.map_err(|error| from_record_error(error, "--learner"))
    })?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    out.write_all(text(learner, &sections, &days).as_bytes())
        .context("writing the report")?;
    if let Some(path) = svg {
        std::fs::write(path, chart(learner, &days))
            .with_context(|| format!("--svg {}: cannot write", path.display()))?;
    }
    Ok(())
}

/// A section's title from its stored name (the name itself if no longer known).
fn title(section: &str) -> &str {
    match Section::from_name(section) {
        Some(known) => known.title(),
        None => section,
    }
}

fn pct(accuracy: f64) -> String {
    format!("{:.0} %", accuracy * 100.0)
}

/// The report as text.
fn text(learner: &str, sections: &[SectionProgress], days: &[DayProgress]) -> String {
    let mut text = String::new();
    let answered: i64 = sections.iter().map(|s| s.answered).sum();
    if answered == 0 {
        let _ = writeln!(
            text,
            "No drill answers stored for {learner:?}. Answer some with: perfuse drill --learner {learner:?}"
        );
        return text;
    }
    let correct: i64 = sections.iter().map(|s| s.correct).sum();
    let _ = writeln!(
        text,
        "Drill progress of {learner}: {correct}/{answered} correct ({}).\n",
        pct(correct as f64 / answered as f64)
    );
    let _ = writeln!(
        text,
        "{:<38} {:>8} {:>8} {:>8} {:>10}",
        "section (weakest first)", "answered", "correct", "accuracy", "mean time"
    );
    for s in sections {
        let _ = writeln!(
            text,
            "{:<38} {:>8} {:>8} {:>8} {:>8.0} s",
            title(&s.section),
            s.answered,
            s.correct,
            pct(s.accuracy),
            s.mean_seconds
        );
    }
    let _ = writeln!(
        text,
        "\n{:<38} {:>8} {:>8} {:>8} {:>10}",
        "day (UTC)", "answered", "correct", "accuracy", "mean time"
    );
    for d in days {
        let _ = writeln!(
            text,
            "{:<38} {:>8} {:>8} {:>8} {:>8.0} s",
            d.day,
            d.answered,
            d.correct,
            pct(d.accuracy),
            d.mean_seconds
        );
    }
    text
}

/// Chart size and plot margins, in SVG user units.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 48.0;

/// Escapes text for SVG content.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Accuracy (0–100 %) per practice day as an SVG line chart; days are evenly spaced, in order.
fn chart(learner: &str, days: &[DayProgress]) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| match days.len() {
        0 | 1 => LEFT + plot_w / 2.0,
        n => LEFT + plot_w * i as f64 / (n - 1) as f64,
    };
    let y = |accuracy: f64| TOP + plot_h * (1.0 - accuracy);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r#"<title>Drill accuracy per day: {}</title>"#,
        escape(learner)
    );
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="24" font-size="14">Drill accuracy per day: {}</text>"#,
        escape(learner)
    );
    for pct in [0, 25, 50, 75, 100] {
        let gy = y(f64::from(pct) / 100.0);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{gy}" x2="{}" y2="{gy}" stroke="#ccc"/><text x="{}" y="{}" text-anchor="end">{pct} %</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            gy + 4.0
        );
    }
    let points: Vec<String> = days
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{:.1},{:.1}", x(i), y(d.accuracy)))
        .collect();
    let _ = writeln!(
        svg,
        r##"<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{}"/>"##,
        points.join(" ")
    );
    // Label at most about eight days so the dates do not overlap.
    let label_every = days.len().div_ceil(8).max(1);
    for (i, d) in days.iter().enumerate() {
        let _ = writeln!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#1f5fa8"><title>{}: {}/{} correct</title></circle>"##,
            x(i),
            y(d.accuracy),
            d.day,
            d.correct,
            d.answered
        );
        if i % label_every == 0 || i + 1 == days.len() {
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x(i),
                HEIGHT - BOTTOM + 18.0,
                d.day
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(day: &str, answered: i64, correct: i64) -> DayProgress {
        DayProgress {
            day: day.to_owned(),
            answered,
            correct,
            accuracy: correct as f64 / answered as f64,
            mean_seconds: 30.0,
        }
    }

    #[test]
    fn chart_puts_full_marks_at_the_top_and_none_at_the_bottom() {
        let svg = chart("A & B", &[day("2026-12-01", 4, 0), day("2026-12-02", 4, 4)]);
        // 0 % at the bottom of the plot (TOP + plot height), 100 % at its top, first day at
        // the left edge, last at the right.
        let bottom = HEIGHT - BOTTOM;
        assert!(
            svg.contains(&format!(
                r#"points="{LEFT:.1},{bottom:.1} {:.1},{TOP:.1}""#,
                WIDTH - RIGHT
            )),
            "{svg}"
        );
        assert!(svg.contains("A &amp; B") && !svg.contains("A & B"));
        assert!(svg.contains(">2026-12-01<") && svg.contains(">2026-12-02<"));
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
    }
}
