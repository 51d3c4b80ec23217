//! The plot of `hbfpgen compare-formats --plot`: each format's relative error (log scale) against
//! the LUTs per lane of its dot unit, one colour per distribution, each point named.

use crate::error::{Error, Result};
use plotters::prelude::*;
use std::path::Path;

/// One point: format, distribution, LUTs per lane, relative error.
pub type Point = (String, String, f64, f64);

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    points: &[Point],
) -> std::result::Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let x1 = points.iter().map(|p| p.2).fold(0.0, f64::max) * 1.1;
    let (lo, hi) = points
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), p| (lo.min(p.3), hi.max(p.3)));
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Relative error of y = A x against LUTs per lane of the dot unit",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..x1, (lo / 2.0..hi * 2.0).log_scale())
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("LUT4 per lane (ECP5-85k, 64 lanes, no DSP)")
        .y_desc("relative error")
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()
        .map_err(e)?;
    let mut dists: Vec<&str> = points.iter().map(|p| p.1.as_str()).collect();
    dists.dedup();
    for (k, d) in dists.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        let mine: Vec<&Point> = points.iter().filter(|p| p.1 == *d).collect();
        chart
            .draw_series(
                mine.iter()
                    .map(|p| Circle::new((p.2, p.3), 4, color.filled())),
            )
            .map_err(e)?
            .label(*d)
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        if k == 0 {
            chart
                .draw_series(
                    mine.iter().map(|p| {
                        Text::new(p.0.clone(), (p.2, p.3), ("sans-serif", 12).into_font())
                    }),
                )
                .map_err(e)?;
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)?;
    Ok(())
}

/// Writes the plot of `points` to `path`: SVG, or PNG when the name ends in `.png`.
pub fn write(path: &Path, points: &[Point]) -> Result<()> {
    if points.is_empty() {
        return Err(Error::Operand(
            "no format has a recorded LUTs-per-lane figure to plot (see --results)".into(),
        ));
    }
    crate::sweep::plot::register_font()?;
    let fail = |m: String| Error::Write {
        path: path.to_owned(),
        source: std::io::Error::other(m),
    };
    if path.extension().is_some_and(|x| x == "png") {
        let tmp = path.with_extension("hbfpgen-tmp.png");
        draw(
            BitMapBackend::new(&tmp, (900, 600)).into_drawing_area(),
            points,
        )
        .map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(|source| Error::Write {
            path: path.to_owned(),
            source,
        })
    } else {
        let mut svg = String::new();
        draw(
            SVGBackend::with_string(&mut svg, (900, 600)).into_drawing_area(),
            points,
        )
        .map_err(fail)?;
        crate::output::write_one(path, &svg)
    }
}
