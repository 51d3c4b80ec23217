//! Sweeps: a grid of configurations (M x B x S x target x DSP) through the FPGA flow, in parallel,
//! resumable (a configuration whose directory holds a `report.json` is not run again), and the
//! results as a CSV file, a Markdown table and plots.
//!
//! The spec is a TOML file (see `docs/fpga-flow.md`):
//!
//! ```toml
//! unit = "dot"              # dot or int-dot
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
}

/// A sweep specification, as read from TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// The unit.
    pub unit: SweepUnit,
    /// Mantissa widths.
    pub mantissa: Vec<u32>,
    /// Block sizes.
    pub block: Vec<u32>,
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
                "unit, mantissa, block, stages, target, dsp, exp_bits, seeds, yosys, freq",
            )
        })?;
        for (name, empty) in [
            ("mantissa", spec.mantissa.is_empty()),
            ("block", spec.block.is_empty()),
            ("stages", spec.stages.is_empty()),
            ("target", spec.target.is_empty()),
        ] {
            if empty {
                return Err(format!("`{name}` is empty; give at least one value"));
            }
        }
        Ok(spec)
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
                for &m in &self.mantissa {
                    for &b in &self.block {
                        for &s in &self.stages {
                            let dot = DotSpec {
                                mantissa: Some(m),
                                block: Some(b),
                                exp_bits: self.exp_bits,
                                stages: Some(s),
                                ..Default::default()
                            }
                            .resolve()?;
                            let design = match self.unit {
                                SweepUnit::Dot => Design::dot(&dot)?,
                                SweepUnit::IntDot => Design::int_dot(&IntDotUnit::of(&dot, None)?)?,
                            };
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
            Row {
                id: c.id.clone(),
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

/// The results as CSV (a header line, then one line per configuration).
pub fn to_csv(rows: &[Row]) -> String {
    let mut s = COLUMNS.join(",");
    s.push('\n');
    for r in rows {
        s.push_str(&cells(r).join(","));
        s.push('\n');
    }
    s
}

/// The results as a Markdown table.
pub fn to_markdown(rows: &[Row]) -> String {
    let mut s = format!("| {} |\n", COLUMNS.join(" | "));
    s.push_str(&format!("|{}\n", "---|".repeat(COLUMNS.len())));
    for r in rows {
        s.push_str(&format!("| {} |\n", cells(r).join(" | ")));
    }
    s
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
    written.extend(crate::plot::write_plots(dir, rows)?);
    Ok(written)
}
