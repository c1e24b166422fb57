//! SVG charts (plotters): per buyer, served, demand and purchased rps over time, and the
//! fraction `f` under them, so a run reads without the table.

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
