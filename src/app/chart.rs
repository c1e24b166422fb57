//! SVG charts (plotters): per buyer, served, demand and purchased rps over time, and the
//! fraction `f` under them, so a run of `simulate` or a `report usage` reads without the table.

use std::path::Path;

use plotters::prelude::*;

use crate::simulate::IntervalRow;

const WIDTH: u32 = 1000;

/// A line: its legend, colour, and value per interval.
type Series = (&'static str, RGBColor, fn(&IntervalRow) -> f64);
const PANEL: u32 = 420;

/// Draws `buyers`' intervals to an SVG file at `path`.
pub fn draw(path: &Path, intervals: &[IntervalRow], buyers: &[&str]) -> anyhow::Result<()> {
    let height = PANEL * buyers.len().max(1) as u32;
    let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    for (panel, buyer) in root.split_evenly((buyers.len().max(1), 1)).iter().zip(buyers) {
        let rows: Vec<&IntervalRow> = intervals.iter().filter(|r| r.buyer == *buyer).collect();
        draw_buyer(panel, buyer, &rows)?;
    }
    root.present()?;
    Ok(())
}

fn draw_buyer(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    buyer: &str,
    rows: &[&IntervalRow],
) -> anyhow::Result<()> {
    let minutes = |r: &IntervalRow| r.start_s as f64 / 60.0;
    let end = rows.last().map_or(1.0, |r| (r.start_s + r.seconds) as f64 / 60.0);
    let top = rows.iter().map(|r| r.demand_rps.max(r.served_rps).max(r.purchased_rps)).fold(1.0, f64::max) * 1.05;
    let (upper, lower) = area.split_vertically(PANEL * 2 / 3);
    let mut rps = ChartBuilder::on(&upper)
        .caption(format!("{buyer}: requests per second"), ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end, 0.0..top)?;
    rps.configure_mesh().x_desc("minutes").y_desc("rps").draw()?;
    let series: [Series; 3] = [
        ("demand", RGBColor(150, 150, 150), |r| r.demand_rps),
        ("purchased", RGBColor(200, 30, 30), |r| r.purchased_rps),
        ("served", RGBColor(30, 90, 200), |r| r.served_rps),
    ];
    for (name, color, get) in series {
        rps.draw_series(LineSeries::new(rows.iter().map(|r| (minutes(r), get(r))), color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    rps.configure_series_labels().border_style(BLACK).background_style(WHITE.mix(0.8)).draw()?;
    let mut f = ChartBuilder::on(&lower)
        .caption("f: fraction of answers to proxies", ("sans-serif", 14))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end, 0.0..1.0)?;
    f.configure_mesh().x_desc("minutes").draw()?;
    f.draw_series(LineSeries::new(rows.iter().map(|r| (minutes(r), r.f)), RGBColor(20, 140, 60).stroke_width(2)))?
        .label("f");
    Ok(())
}

/// One minute or 5 minutes of a buyer's usage report; `None` where nothing was measured (a gap,
/// drawn as a break in the line, never as zero).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UsagePoint {
    /// Hours since the report's start.
    pub hours: f64,
    pub served_rps: Option<f64>,
    pub purchased_rps: f64,
    pub fraction: Option<f64>,
}

/// Draws each buyer's served and purchased rps and its fraction to an SVG file at `path`.
pub fn draw_usage(path: &Path, buyers: &[(&str, Vec<UsagePoint>)], start: &str, step: i64) -> anyhow::Result<()> {
    let height = PANEL * buyers.len().max(1) as u32;
    let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    for (panel, (buyer, points)) in root.split_evenly((buyers.len().max(1), 1)).iter().zip(buyers) {
        draw_usage_buyer(panel, buyer, points, start, step)?;
    }
    root.present()?;
    Ok(())
}

/// The runs of consecutive points that have a value.
fn segments(points: &[UsagePoint], get: fn(&UsagePoint) -> Option<f64>) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for p in points {
        match get(p) {
            Some(v) => runs.last_mut().expect("never empty").push((p.hours, v)),
            None if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
            None => {}
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn draw_usage_buyer(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    buyer: &str,
    points: &[UsagePoint],
    start: &str,
    step: i64,
) -> anyhow::Result<()> {
    let end = points.last().map_or(1.0, |p| p.hours + step as f64 / 3600.0);
    let means = if step == 60 { "minute" } else { "5-minute" };
    let top = points.iter().map(|p| p.served_rps.unwrap_or(0.0).max(p.purchased_rps)).fold(1.0, f64::max) * 1.05;
    let (upper, lower) = area.split_vertically(PANEL * 2 / 3);
    let mut rps = ChartBuilder::on(&upper)
        .caption(format!("{buyer}: requests per second ({means} means)"), ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end, 0.0..top)?;
    rps.configure_mesh().x_desc(format!("hours from {start}")).y_desc("rps").draw()?;
    let purchased = RGBColor(200, 30, 30);
    rps.draw_series(LineSeries::new(points.iter().map(|p| (p.hours, p.purchased_rps)), purchased.stroke_width(2)))?
        .label("purchased")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], purchased.stroke_width(2)));
    let served = RGBColor(30, 90, 200);
    for (i, run) in segments(points, |p| p.served_rps).into_iter().enumerate() {
        let drawn = rps.draw_series(LineSeries::new(run, served.stroke_width(2)))?;
        if i == 0 {
            drawn
                .label("served")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], served.stroke_width(2)));
        }
    }
    rps.configure_series_labels().border_style(BLACK).background_style(WHITE.mix(0.8)).draw()?;
    let mut f = ChartBuilder::on(&lower)
        .caption("f: fraction of answers to proxies", ("sans-serif", 14))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end, 0.0..1.0)?;
    f.configure_mesh().x_desc(format!("hours from {start}")).draw()?;
    for run in segments(points, |p| p.fraction) {
        f.draw_series(LineSeries::new(run, RGBColor(20, 140, 60).stroke_width(2)))?;
    }
    Ok(())
}
