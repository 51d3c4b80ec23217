//! Plots of a sweep's results, in PNG and SVG: LUTs per lane against mantissa width (one series per
//! block size, target and DSP setting) and Fmax against pipeline stages (median, with the range over
//! seeds as error bars).

use super::table::Row;
use crate::error::{Error, Result};
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Fonts tried in turn when `HBFPGEN_FONT` is not set (Debian's fonts-dejavu-core, which
/// `make setup` installs, comes first).
const FONTS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
];

/// Registers the plots' font once (`HBFPGEN_FONT`, else the first of [`FONTS`] found).
pub(crate) fn register_font() -> Result<()> {
    static DONE: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let candidates: Vec<PathBuf> = match std::env::var_os("HBFPGEN_FONT") {
            Some(p) => vec![PathBuf::from(p)],
            None => FONTS.iter().map(PathBuf::from).collect(),
        };
        for p in &candidates {
            if let Ok(bytes) = std::fs::read(p) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                return plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                    .map_err(|_| format!("{} is not a TrueType font", p.display()));
            }
        }
        Err(format!(
            "no font for the plots: tried {}; install fonts-dejavu-core (`make setup`) or set \
             HBFPGEN_FONT to a .ttf file",
            candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
    .clone()
    .map_err(|message| Error::ToolMissing {
        tool: "font".into(),
        message,
    })
}

/// A series: its label and points (x, y, y_min, y_max).
type Series = BTreeMap<String, Vec<(f64, f64, f64, f64)>>;

fn luts_per_lane(rows: &[Row]) -> Series {
    let mut s = Series::new();
    // an fp_mac lane has no mantissa width to plot against; it is in the density table
    for r in rows.iter().filter(|r| r.unit != "fp_mac") {
        if let Some(x) = &r.report {
            let y = x.luts as f64 / r.block.max(1) as f64;
            let acc = if r.acc.is_empty() {
                String::new()
            } else {
                format!("{} ", r.acc)
            };
            s.entry(format!(
                "{acc}B={} {} {}",
                r.block,
                r.target,
                if r.dsp { "DSP" } else { "no DSP" }
            ))
            .or_default()
            .push((r.mantissa as f64, y, y, y));
        }
    }
    s
}

fn fmax_by_stages(rows: &[Row]) -> Series {
    let mut s = Series::new();
    for r in rows {
        if let Some(x) = &r.report {
            s.entry(format!(
                "M={} B={} {} {}",
                r.mantissa,
                r.block,
                r.target,
                if r.dsp { "DSP" } else { "no DSP" }
            ))
            .or_default()
            .push((
                r.stages as f64,
                x.fmax_mhz.median,
                x.fmax_mhz.min,
                x.fmax_mhz.max,
            ));
        }
    }
    s
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &Series,
) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let pts = series.values().flatten();
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for &(x, _, _, hi) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y1 = y1.max(hi);
    }
    if x0 == x1 {
        x0 -= 1.0;
        x1 += 1.0;
    }
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(x0 - 0.5..x1 + 0.5, 0.0..y1 * 1.15)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_labels(((x1 - x0) as usize + 2).min(12))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(e)?;
    for (k, (label, points)) in series.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        let mut p = points.clone();
        p.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart
            .draw_series(LineSeries::new(
                p.iter().map(|&(x, y, _, _)| (x, y)),
                color.stroke_width(2),
            ))
            .map_err(e)?
            .label(label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart
            .draw_series(
                p.iter()
                    .map(|&(x, y, _, _)| Circle::new((x, y), 4, color.filled())),
            )
            .map_err(e)?;
        chart
            .draw_series(
                p.iter()
                    .filter(|&&(_, _, lo, hi)| hi > lo)
                    .map(|&(x, _, lo, hi)| {
                        ErrorBar::new_vertical(x, lo, (lo + hi) / 2.0, hi, color, 8)
                    }),
            )
            .map_err(e)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)?;
    Ok(())
}

fn plot(
    dir: &Path,
    stem: &str,
    title: &str,
    xl: &str,
    yl: &str,
    s: &Series,
) -> Result<Vec<PathBuf>> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    register_font()?;
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    let fail = |path: &Path, m: String| Error::Write {
        path: path.to_owned(),
        source: std::io::Error::other(m),
    };
    let tmp_png = dir.join(format!(".{stem}.hbfpgen-tmp.png"));
    draw(
        BitMapBackend::new(&tmp_png, (900, 600)).into_drawing_area(),
        title,
        xl,
        yl,
        s,
    )
    .map_err(|m| fail(&png, m))?;
    let mut svg_text = String::new();
    draw(
        SVGBackend::with_string(&mut svg_text, (900, 600)).into_drawing_area(),
        title,
        xl,
        yl,
        s,
    )
    .map_err(|m| fail(&svg, m))?;
    std::fs::rename(&tmp_png, &png).map_err(|source| Error::Write {
        path: png.clone(),
        source,
    })?;
    crate::output::write_one(&svg, &svg_text)?;
    Ok(vec![png, svg])
}

/// Writes `luts_per_lane.{png,svg}` and `fmax_vs_stages.{png,svg}` for the finished rows into
/// `dir` (a plot with no data is not written). Returns the paths written.
pub fn write_plots(dir: &Path, rows: &[Row]) -> Result<Vec<PathBuf>> {
    let mut out = plot(
        dir,
        "luts_per_lane",
        "LUTs per lane against mantissa width",
        "mantissa width M (bits)",
        "LUT4 per lane",
        &luts_per_lane(rows),
    )?;
    out.extend(plot(
        dir,
        "fmax_vs_stages",
        "Fmax against pipeline stages (median; bars: range over seeds)",
        "pipeline stages S",
        "Fmax (MHz)",
        &fmax_by_stages(rows),
    )?);
    Ok(out)
}
