//! The miss-ratio curve as an SVG plot (`--svg FILE`): frames on x, miss
//! ratio on y, one line per policy. Drawn with plotters' SVG backend only
//! (no fonts or system libraries: the SVG names a font and the viewer
//! renders the text).

use crate::policies::{PolicyName, RunResult};
use plotters::prelude::*;

/// Distinguishable colours, one per policy in `PolicyName::ALL` order.
const COLOURS: [RGBColor; 9] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(0, 0, 0),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

fn colour(p: PolicyName) -> RGBColor {
    let i = PolicyName::ALL.iter().position(|&q| q == p).unwrap_or(0);
    COLOURS[i % COLOURS.len()]
}

/// The SVG document for `results`, titled `title`.
pub fn svg(results: &[RunResult], title: &str) -> Result<String, String> {
    let mut out = String::new();
    draw(&mut out, results, title).map_err(|e| format!("drawing the plot: {e}"))?;
    Ok(out)
}

fn draw(
    out: &mut String,
    results: &[RunResult],
    title: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut policies: Vec<PolicyName> = Vec::new();
    for r in results {
        if !policies.contains(&r.policy) {
            policies.push(r.policy);
        }
    }
    let lo = results.iter().map(|r| r.frames).min().unwrap_or(1);
    let hi = results.iter().map(|r| r.frames).max().unwrap_or(1);
    // A single frame count still needs an x range to place its points.
    let (x0, x1) = if lo == hi {
        (lo.saturating_sub(1), hi + 1)
    } else {
        (lo, hi)
    };
    let ymax = results
        .iter()
        .map(|r| r.miss_ratio())
        .fold(0.0, f64::max)
        .max(0.01)
        * 1.05;

    let root = SVGBackend::with_string(out, (960, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(x0 as u64..x1 as u64, 0.0..ymax)?;
    chart
        .configure_mesh()
        .x_desc("frames")
        .y_desc("miss ratio")
        .y_label_formatter(&|y| format!("{y:.2}"))
        .draw()?;
    for p in policies {
        let c = colour(p);
        let mut pts: Vec<(u64, f64)> = results
            .iter()
            .filter(|r| r.policy == p)
            .map(|r| (r.frames as u64, r.miss_ratio()))
            .collect();
        pts.sort_by_key(|a| a.0);
        pts.dedup_by(|a, b| a.0 == b.0);
        let label = if p.simulator_only() {
            format!("{} (simulator-only)", p.name())
        } else {
            p.name().to_string()
        };
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2)));
        // Points too, so a curve of one frame count is visible.
        if pts.len() <= 64 {
            chart.draw_series(pts.iter().map(|&xy| Circle::new(xy, 3, c.filled())))?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
