//! Sweeps: a grid of configurations (M x B x S x target x DSP) through the FPGA flow, in parallel,
//! resumable (a configuration whose directory holds a `report.json` is not run again), and the
//! results as a CSV file, a Markdown table and plots.
//!
//! The spec is a TOML file (see `docs/fpga-flow.md`):
//!
//! ```toml
//! unit = "dot"              # dot, int-dot, mac, fp-mac or mixed
//! mantissa = [4, 6, 8]
//! block = [16, 64]
//! stages = ["max"]          # numbers, or "max"
//! target = ["ecp5-85k"]
//! dsp = [true, false]
//! seeds = 3
//! yosys = "debian"          # or "yowasp"
//! ```

use crate::dot::{DotSpec, IntDotUnit, Stages};
use crate::error::{Error, Result};
use crate::synth::{synthesise, Design, Report, SynthOptions, Target, YosysFlavour};
use serde::Deserialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Which unit a sweep synthesises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum SweepUnit {
    /// `hbfp_dot`, with its `int_dot` floor.
    #[serde(rename = "dot")]
    Dot,
    /// `int_dot` alone.
    #[serde(rename = "int-dot")]
    IntDot,
    /// `hbfp_mac`: the dot product with an accumulator of each of `acc`.
    #[serde(rename = "mac")]
    Mac,
    /// `fp_mac`: one floating-point lane for each of `operand` x `acc` (`mantissa` and `block`
    /// are not used).
    #[serde(rename = "fp-mac")]
    FpMac,
    /// `hbfp_mixed_dot` for each set of `modes` (`mantissa` is not used), with the `int_dot` of
    /// its 4-bit datapath as the floor.
    #[serde(rename = "mixed")]
    Mixed,
}

/// A sweep specification, as read from TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// The unit.
    pub unit: SweepUnit,
    /// Mantissa widths (not used by fp-mac).
    #[serde(default)]
    pub mantissa: Vec<u32>,
    /// Block sizes (not used by fp-mac).
    #[serde(default)]
    pub block: Vec<u32>,
    /// Accumulator presets of mac and fp-mac (`["fp32"]` when absent).
    #[serde(default = "default_fp32")]
    pub acc: Vec<String>,
    /// Operand formats of fp-mac (`["fp32"]` when absent).
    #[serde(default = "default_fp32")]
    pub operand: Vec<String>,
    /// Sets of modes of mixed, e.g. `[[4, 6], [4, 6, 8]]` (`[[4, 6, 8]]` when absent).
    #[serde(default = "default_modes")]
    pub modes: Vec<Vec<u32>>,
    /// Pipeline stages (a number or `max`); [`Stages::Max`] when absent.
    #[serde(default = "default_stages")]
    pub stages: Vec<Stages>,
    /// Targets.
    pub target: Vec<Target>,
    /// DSP settings; the target's default when absent.
    #[serde(default)]
    pub dsp: Vec<bool>,
    /// Exponent width of `hbfp_dot` (10 when absent).
    pub exp_bits: Option<u32>,
    /// Placement seeds per configuration (3 when absent).
    pub seeds: Option<u32>,
    /// Which Yosys (Debian's when absent).
    pub yosys: Option<YosysFlavour>,
    /// nextpnr's target frequency in MHz (the target's default when absent).
    pub freq: Option<f64>,
}

fn default_fp32() -> Vec<String> {
    vec!["fp32".into()]
}

fn default_modes() -> Vec<Vec<u32>> {
    vec![crate::mixed::MODES_DEFAULT.to_vec()]
}

fn default_stages() -> Vec<Stages> {
    vec![Stages::Max]
}

/// One point of the grid.
#[derive(Clone, Debug)]
pub struct Config {
    /// The design.
    pub design: Design,
    /// The flow's options.
    pub options: SynthOptions,
    /// The directory name of this configuration in the sweep's output.
    pub id: String,
}

impl SweepSpec {
    /// Reads a spec from a TOML file.
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = crate::output::read_text(path)?;
        Self::from_toml_str(&text).map_err(|message| Error::Config {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses a spec.
    pub fn from_toml_str(text: &str) -> std::result::Result<Self, String> {
        let spec: SweepSpec = toml::from_str(text).map_err(|e| {
            crate::output::toml_message(
                text,
                &e,
                "unit, mantissa, block, acc, operand, modes, stages, target, dsp, exp_bits, seeds, \
                 yosys, freq",
            )
        })?;
        let fp = spec.unit == SweepUnit::FpMac;
        let mixed = spec.unit == SweepUnit::Mixed;
        for (name, empty) in [
            ("mantissa", spec.mantissa.is_empty() && !fp && !mixed),
            ("modes", spec.modes.is_empty()),
            ("block", spec.block.is_empty() && !fp),
            ("acc", spec.acc.is_empty()),
            ("operand", spec.operand.is_empty()),
            ("stages", spec.stages.is_empty()),
            ("target", spec.target.is_empty()),
        ] {
            if empty {
                return Err(format!("`{name}` is empty; give at least one value"));
            }
        }
        Ok(spec)
    }

    /// The designs of the grid (without target and DSP), in grid order.
    fn designs(&self) -> Result<Vec<Design>> {
        let mut out = Vec::new();
        if self.unit == SweepUnit::FpMac {
            for op in &self.operand {
                for acc in &self.acc {
                    for &s in &self.stages {
                        let unit = crate::mac::FpMacSpec {
                            operand: Some(op.clone()),
                            acc: Some(acc.clone()),
                            stages: Some(s),
                            ..Default::default()
                        }
                        .resolve()?;
                        out.push(Design::fp_mac(&unit)?);
                    }
                }
            }
            return Ok(out);
        }
        if self.unit == SweepUnit::Mixed {
            for modes in &self.modes {
                for &b in &self.block {
                    for &s in &self.stages {
                        let unit = crate::mixed::MixedSpec {
                            modes: Some(modes.clone()),
                            block: Some(b),
                            exp_bits: self.exp_bits,
                            stages: Some(s),
                            ..Default::default()
                        }
                        .resolve()?;
                        out.push(Design::mixed(&unit)?);
                    }
                }
            }
            return Ok(out);
        }
        for &m in &self.mantissa {
            for &b in &self.block {
                for &s in &self.stages {
                    if self.unit == SweepUnit::Mac {
                        for acc in &self.acc {
                            let unit = crate::mac::MacSpec {
                                mantissa: Some(m),
                                block: Some(b),
                                exp_bits: self.exp_bits,
                                acc: Some(acc.clone()),
                                stages: Some(s),
                                ..Default::default()
                            }
                            .resolve()?;
                            out.push(Design::mac(&unit)?);
                        }
                        continue;
                    }
                    let dot = DotSpec {
                        mantissa: Some(m),
                        block: Some(b),
                        exp_bits: self.exp_bits,
                        stages: Some(s),
                        ..Default::default()
                    }
                    .resolve()?;
                    out.push(match self.unit {
                        SweepUnit::IntDot => Design::int_dot(&IntDotUnit::of(&dot, None)?)?,
                        _ => Design::dot(&dot)?,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Every configuration of the grid, validated; an invalid combination is an error that names it.
    pub fn configs(&self) -> Result<Vec<Config>> {
        let mut out = Vec::new();
        for &target in &self.target {
            let dsps = if self.dsp.is_empty() {
                vec![target.dsp_by_default()]
            } else {
                self.dsp.clone()
            };
            for &dsp in &dsps {
                for design in self.designs()? {
                    let mut options = SynthOptions::new(target);
                    options.dsp = dsp;
                    options.seeds = self.seeds.unwrap_or(3);
                    options.yosys = self.yosys.unwrap_or_default();
                    if let Some(f) = self.freq {
                        options.freq_mhz = f;
                    }
                    options.validate()?;
                    let id = format!(
                        "{}-{}-{}-{}",
                        design.module,
                        target,
                        if dsp { "dsp" } else { "nodsp" },
                        match options.yosys {
                            YosysFlavour::Debian => "yosys023",
                            YosysFlavour::Yowasp => "yosys070",
                        }
                    );
                    out.push(Config {
                        design,
                        options,
                        id,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// What happened to one configuration.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Synthesised now or earlier (its report).
    Done(Box<Report>),
    /// The design does not fit the device (the message).
    DoesNotFit(String),
    /// The flow failed (the message).
    Failed(String),
    /// Not run: another shard's, or a report that is missing in tables-only mode.
    Missing,
}

/// How a sweep runs.
#[derive(Clone, Debug)]
pub struct SweepRun {
    /// Output directory; each configuration in its own subdirectory.
    pub dir: PathBuf,
    /// Parallel configurations.
    pub jobs: usize,
    /// Run only configurations whose index i (0-based) has i % count == index - 1: (index, count).
    pub shard: (usize, usize),
    /// Only collect the existing reports into tables and plots; run nothing.
    pub tables_only: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// Runs the sweep: every configuration of this shard without a report, `jobs` at a time.
/// Returns every configuration with its outcome, in grid order.
pub fn run(configs: Vec<Config>, run: &SweepRun) -> Vec<(Config, Outcome)> {
    let (index, count) = run.shard;
    let mut outcomes: Vec<Option<Outcome>> = vec![None; configs.len()];
    let mut todo = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let report = run.dir.join(&c.id).join("report.json");
        if report.is_file() {
            outcomes[i] = Some(match Report::read(&report) {
                Ok(r) => Outcome::Done(Box::new(r)),
                Err(e) => {
                    Outcome::Failed(format!("{e}; delete {} to run it again", report.display()))
                }
            });
        } else if run.tables_only || i % count != index - 1 {
            outcomes[i] = Some(Outcome::Missing);
        } else {
            todo.push(i);
        }
    }
    let bar = if run.progress && !todo.is_empty() {
        let b = indicatif::ProgressBar::new(todo.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} configurations, ETA {eta} {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let queue = Mutex::new(todo.into_iter());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..run.jobs.max(1) {
            s.spawn(|| loop {
                let Some(i) = queue.lock().expect("queue").next() else {
                    break;
                };
                let c = &configs[i];
                bar.set_message(c.id.clone());
                let outcome = match synthesise(&c.design, &c.options, &run.dir.join(&c.id)) {
                    Ok(r) => Outcome::Done(Box::new(r)),
                    Err(e @ Error::DoesNotFit { .. }) => Outcome::DoesNotFit(e.to_string()),
                    Err(e) => Outcome::Failed(e.to_string()),
                };
                if let Outcome::Failed(m) = &outcome {
                    bar.println(format!("{}: failed: {m}", c.id));
                }
                bar.inc(1);
                results.lock().expect("results").push((i, outcome));
            });
        }
    });
    bar.finish_and_clear();
    for (i, o) in results.into_inner().expect("results") {
        outcomes[i] = Some(o);
    }
    configs
        .into_iter()
        .zip(outcomes)
        .map(|(c, o)| (c, o.expect("every configuration has an outcome")))
        .collect()
}

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

/// The rows of a finished sweep.
pub fn rows(results: &[(Config, Outcome)]) -> Vec<Row> {
    results
        .iter()
        .map(|(c, o)| {
            let p = |n: &str| {
                c.design
                    .parameters
                    .get(n)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0) as u32
            };
            let (report, status) = match o {
                Outcome::Done(r) => (Some((**r).clone()), "ok"),
                Outcome::DoesNotFit(_) => (None, "does not fit"),
                Outcome::Failed(_) => (None, "failed"),
                Outcome::Missing => (None, "missing"),
            };
            let text = |n: &str| {
                c.design
                    .parameters
                    .get(n)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            Row {
                id: c.id.clone(),
                unit: c.design.unit.clone(),
                acc: text("acc"),
                operand: text("operand"),
                mantissa: p("mantissa"),
                block: p("block"),
                stages: p("stages"),
                target: c.options.target,
                dsp: c.options.dsp,
                report,
                status,
            }
        })
        .collect()
}

const COLUMNS: [&str; 18] = [
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

/// Writes `results.csv`, `results.md` and the plots into `dir`; returns the paths written.
pub fn write_outputs(dir: &Path, rows: &[Row]) -> Result<Vec<PathBuf>> {
    let mut written = crate::output::write_all(
        dir,
        &[
            ("results.csv".to_owned(), to_csv(rows)),
            ("results.md".to_owned(), to_markdown(rows)),
        ],
    )?;
    if let Some(d) = density_markdown(rows) {
        written.extend(crate::output::write_all(
            dir,
            &[("density.md".to_owned(), d)],
        )?);
    }
    written.extend(crate::plot::write_plots(dir, rows)?);
    Ok(written)
}
