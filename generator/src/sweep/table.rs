//! The tables of a sweep: one [`Row`] per configuration, as CSV, as Markdown, and the density
//! table of the accumulating units.

use crate::synth::{Report, Target};
use std::fmt::Write as _;

/// The columns of every results table, in order.
pub const COLUMNS: [&str; 18] = [
    "id",
    "unit",
    "mantissa",
    "block",
    "stages",
    "target",
    "dsp",
    "status",
    "luts",
    "luts_per_lane",
    "ffs",
    "dsps",
    "carries",
    "fmax_median_mhz",
    "fmax_min_mhz",
    "fmax_max_mhz",
    "floor_luts",
    "lut_overhead_pct",
];

/// One row of the results table.
#[derive(Clone, Debug)]
pub struct Row {
    /// The configuration's directory name.
    pub id: String,
    /// The kind of unit (`hbfp_dot`, `int_dot`, `hbfp_mac`, `fp_mac`).
    pub unit: String,
    /// The accumulator preset (mac and fp-mac; empty otherwise).
    pub acc: String,
    /// The operand format (fp-mac; empty otherwise).
    pub operand: String,
    /// Mantissa width.
    pub mantissa: u32,
    /// Block size.
    pub block: u32,
    /// Pipeline stages.
    pub stages: u32,
    /// The target.
    pub target: Target,
    /// DSPs used.
    pub dsp: bool,
    /// The outcome's report, if any.
    pub report: Option<Report>,
    /// `ok`, `does not fit`, `failed` or `missing`.
    pub status: &'static str,
}

fn cells(r: &Row) -> Vec<String> {
    let mut v = vec![
        r.id.clone(),
        r.report.as_ref().map_or("".into(), |x| x.unit.clone()),
        r.mantissa.to_string(),
        r.block.to_string(),
        r.stages.to_string(),
        r.target.to_string(),
        if r.dsp { "yes" } else { "no" }.to_string(),
        r.status.to_string(),
    ];
    match &r.report {
        Some(x) => {
            let f = x.floor.as_ref();
            v.extend([
                x.luts.to_string(),
                format!("{:.1}", x.luts as f64 / r.block.max(1) as f64),
                x.ffs.to_string(),
                x.dsps.to_string(),
                x.carries.to_string(),
                format!("{:.1}", x.fmax_mhz.median),
                format!("{:.1}", x.fmax_mhz.min),
                format!("{:.1}", x.fmax_mhz.max),
                f.map_or("".into(), |f| f.area.luts.to_string()),
                f.map_or("".into(), |f| format!("{:+.1}", f.lut_overhead_pct)),
            ]);
        }
        None => v.extend(std::iter::repeat(String::new()).take(COLUMNS.len() - 8)),
    }
    v
}

/// The columns of a table of `rows`: [`COLUMNS`], and `acc` and `operand` when a row has an
/// accumulator (so that the tables of dot-product sweeps keep their form).
fn columns(rows: &[Row]) -> Vec<&'static str> {
    let mut c = COLUMNS.to_vec();
    if rows.iter().any(|r| !r.acc.is_empty()) {
        c.extend(["acc", "operand"]);
    }
    c
}

/// The cells of `r` for the columns `n` of [`columns`].
fn cells_for(r: &Row, n: usize) -> Vec<String> {
    let mut v = cells(r);
    if n > COLUMNS.len() {
        v.extend([r.acc.clone(), r.operand.clone()]);
    }
    v
}

/// The results as CSV (a header line, then one line per configuration).
pub fn to_csv(rows: &[Row]) -> String {
    let cols = columns(rows);
    let mut s = cols.join(",");
    s.push('\n');
    for r in rows {
        s.push_str(&cells_for(r, cols.len()).join(","));
        s.push('\n');
    }
    s
}

/// The results as a Markdown table.
pub fn to_markdown(rows: &[Row]) -> String {
    let cols = columns(rows);
    let mut s = format!("| {} |\n", cols.join(" | "));
    s.push_str(&format!("|{}\n", "---|".repeat(cols.len())));
    for r in rows {
        s.push_str(&format!("| {} |\n", cells_for(r, cols.len()).join(" | ")));
    }
    s
}

/// The analytic area ratios of the Accuracy Booster paper's model (arXiv 2211.10737), per
/// multiply-accumulate: (mantissa bits, FP32 / HBFP, bfloat16 / HBFP).
pub const PAPER_RATIOS: [(u32, f64, f64); 3] = [(4, 21.3, 4.4), (6, 12.7, 2.62), (8, 8.28, 1.71)];

/// The density table of a sweep that holds `hbfp_mac` and `fp_mac` results: LUTs and DSPs per
/// multiply-accumulate lane (an `hbfp_mac`'s figures over its B lanes, the accumulator amortised)
/// against the fp32 and bf16 `fp_mac` lanes with an fp32 accumulator, beside the paper's analytic
/// ratios; then the cost of each accumulator. `None` when the sweep has no such results.
pub fn density_markdown(rows: &[Row]) -> Option<String> {
    let done: Vec<&Row> = rows.iter().filter(|r| r.report.is_some()).collect();
    let area = |r: &Row| r.report.as_ref().map_or((0, 0), |x| (x.luts, x.dsps));
    let mut groups: Vec<(Target, bool)> = Vec::new();
    for r in &done {
        if !groups.contains(&(r.target, r.dsp)) {
            groups.push((r.target, r.dsp));
        }
    }
    let mut s = String::new();
    for (target, dsp) in groups {
        let here: Vec<&&Row> = done
            .iter()
            .filter(|r| r.target == target && r.dsp == dsp)
            .collect();
        let lane = |op: &str| {
            here.iter()
                .find(|r| r.unit == "fp_mac" && r.operand == op && r.acc == "fp32")
                .map(|r| area(r))
        };
        let macs: Vec<&&&Row> = here
            .iter()
            .filter(|r| r.unit == "hbfp_mac" && r.acc == "fp32")
            .collect();
        if macs.is_empty() || (lane("fp32").is_none() && lane("bf16").is_none()) {
            continue;
        }
        let _ = writeln!(
            s,
            "### {target}, {}\n",
            if dsp { "with DSPs" } else { "without DSPs" }
        );
        for op in ["fp32", "bf16"] {
            if let Some((l, d)) = lane(op) {
                let _ = writeln!(s, "- `fp_mac` {op} x {op} + fp32 lane: {l} LUTs, {d} DSPs");
            }
        }
        let _ = writeln!(
            s,
            "\n| unit | B | LUTs | DSPs | LUTs per lane | DSPs per lane | fp32 lane / HBFP lane (LUTs) | paper | bf16 lane / HBFP lane (LUTs) | paper |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
        for r in macs {
            let (l, d) = area(r);
            let per = l as f64 / f64::from(r.block.max(1));
            let ratio = |op: &str| {
                lane(op).map_or("".to_owned(), |(fl, _)| format!("{:.1}x", fl as f64 / per))
            };
            let paper = PAPER_RATIOS.iter().find(|p| p.0 == r.mantissa);
            let _ = writeln!(
                s,
                "| HBFP{} | {} | {l} | {d} | {per:.1} | {:.2} | {} | {} | {} | {} |",
                r.mantissa,
                r.block,
                f64::from(d as u32) / f64::from(r.block.max(1)),
                ratio("fp32"),
                paper.map_or("".into(), |p| format!("{}x", p.1)),
                ratio("bf16"),
                paper.map_or("".into(), |p| format!("{}x", p.2)),
            );
        }
        let accs: Vec<&&&Row> = here.iter().filter(|r| r.unit == "hbfp_mac").collect();
        let shapes: std::collections::BTreeSet<(u32, u32)> =
            accs.iter().map(|r| (r.mantissa, r.block)).collect();
        for (m, b) in shapes {
            let of_shape: Vec<&&&&Row> = accs
                .iter()
                .filter(|r| r.mantissa == m && r.block == b)
                .collect();
            if of_shape.len() < 2 {
                continue;
            }
            let _ = writeln!(s, "\nAccumulator cost, HBFP{m} x {b}:\n");
            let _ = writeln!(s, "| accumulator | LUTs | FFs | DSPs | Fmax MHz (median) |");
            let _ = writeln!(s, "|---|---|---|---|---|");
            for r in of_shape {
                if let Some(x) = &r.report {
                    let _ = writeln!(
                        s,
                        "| {} | {} | {} | {} | {:.1} |",
                        r.acc, x.luts, x.ffs, x.dsps, x.fmax_mhz.median
                    );
                }
            }
        }
        s.push('\n');
    }
    (!s.is_empty()).then_some(s)
}
