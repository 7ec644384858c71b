//! `--plot PATH.svg`: what an operator would rather look at than read — saves/s, flush lag
//! and queue depth over time, and the latency of saves and loads by percentile.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::progress::Timeline;
use super::report::Curve;
use crate::error::Error;

const SIZE: (u32, u32) = (1200, 800);
const COLORS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
];

pub(super) fn draw(path: &Path, timeline: &Timeline, latencies: &[Curve]) -> Result<(), Error> {
    let failed =
        |err: &dyn std::fmt::Display| Error::Failed(format!("drawing {}: {err}", path.display()));
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let panels = root.split_evenly((2, 2));
    let points = &timeline.points;
    let seconds = points
        .iter()
        .map(|p| p.at)
        .chain(timeline.saves_per_s.iter().map(|(at, _)| at + 0.5))
        .fold(1.0, f64::max);
    over_time(
        &panels[0],
        "saves per second",
        seconds,
        // Each whole second's count, drawn at its middle.
        &[("saves/s", timeline.saves_per_s.clone())],
    )
    .map_err(|e| failed(&e))?;
    over_time(
        &panels[1],
        "flush lag (ms)",
        seconds,
        &[
            (
                "oldest unflushed save",
                points.iter().map(|p| (p.at, p.flush_lag_ms)).collect(),
            ),
            (
                "flush round p99",
                points.iter().map(|p| (p.at, p.flush_p99_ms)).collect(),
            ),
        ],
    )
    .map_err(|e| failed(&e))?;
    over_time(
        &panels[2],
        "write-behind queue depth (rows)",
        seconds,
        &[(
            "depth",
            points
                .iter()
                .map(|p| (p.at, p.queue_depth as f64))
                .collect(),
        )],
    )
    .map_err(|e| failed(&e))?;
    by_percentile(&panels[3], latencies).map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))?;
    Ok(())
}

type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// Lines over the run's seconds.
fn over_time(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    seconds: f64,
    lines: &[(&str, Vec<(f64, f64)>)],
) -> Drawn {
    let top = lines
        .iter()
        .flat_map(|(_, points)| points.iter().map(|(_, y)| *y))
        .fold(0.0f64, f64::max)
        .max(1.0)
        * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..seconds, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("seconds")
        .light_line_style(WHITE)
        .draw()?;
    for ((name, points), color) in lines.iter().zip(COLORS) {
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2)));
    }
    if lines.len() > 1 {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    Ok(())
}

/// Latency (µs, log scale) by percentile, one line per kind of call.
fn by_percentile(area: &DrawingArea<SVGBackend<'_>, Shift>, curves: &[Curve]) -> Drawn {
    let values = curves
        .iter()
        .flat_map(|(_, points)| points.iter().map(|(_, us)| *us))
        .filter(|us| *us > 0.0);
    let (low, high) = values.fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (low, high) = if high > 0.0 {
        (low * 0.8, high * 1.25)
    } else {
        (0.1, 10.0)
    };
    let mut chart = ChartBuilder::on(area)
        .caption("latency by percentile (µs, log scale)", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..100.0, (low..high).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .light_line_style(WHITE)
        .draw()?;
    for ((name, points), color) in curves.iter().zip(COLORS) {
        let points: Vec<(f64, f64)> = points.iter().copied().filter(|(_, us)| *us > 0.0).collect();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
