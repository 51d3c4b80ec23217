//! Sweeps: a grid of configurations (M x B x S x target x DSP) through the FPGA flow, in parallel,
//! resumable (a configuration whose directory holds a `report.json` is not run again), and the
//! results as a CSV file, a Markdown table and plots.
//!
//! The spec is a TOML file (see `docs/fpga-flow.md`):
//!
//! ```toml
//! unit = "dot"              # any unit: dot, convert, mac, fp-mac, mixed, int-dot
//! mantissa = [4, 6, 8]
//! block = [16, 64]
//! stages = ["max"]          # numbers, or "max"
//! target = ["ecp5-85k"]
//! dsp = [true, false]
//! seeds = 3
//! yosys = "debian"          # or "yowasp"
//! ```

pub(crate) mod plot;
pub mod table;

use crate::error::{Error, Result};
use crate::synth::{synthesise, Design, Report, SynthOptions, Target, YosysFlavour};
use crate::unit::UnitKind;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
pub use table::{density_markdown, to_csv, to_markdown, Row};

/// The keys of a sweep spec that belong to the flow; every other key is a parameter of the unit.
const FLOW_KEYS: &str = "unit, target, dsp, seeds, yosys, freq";

/// What a sweep spec says of the flow, and the unit's parameters (every other key).
#[derive(Deserialize)]
struct SpecFile {
    unit: String,
    target: Vec<Target>,
    #[serde(default)]
    dsp: Vec<bool>,
    seeds: Option<u32>,
    yosys: Option<YosysFlavour>,
    freq: Option<f64>,
    #[serde(flatten)]
    params: toml::Table,
}

/// A sweep specification, as read from TOML: the unit (any in the registry, by its command-line
/// name), a list of values for each of its parameters (a single value is a list of one; an absent
/// parameter takes the unit's default), and the flow's targets, DSP settings, seeds, Yosys and
/// frequency.
#[derive(Clone)]
pub struct SweepSpec {
    /// The unit.
    pub unit: &'static dyn UnitKind,
    /// Each parameter's values, in the order the grid iterates them (outermost first).
    pub axes: Vec<(String, Vec<toml::Value>)>,
    /// Targets.
    pub target: Vec<Target>,
    /// DSP settings; the target's default when empty.
    pub dsp: Vec<bool>,
    /// Placement seeds per configuration (3 when absent).
    pub seeds: Option<u32>,
    /// Which Yosys (Debian's when absent).
    pub yosys: Option<YosysFlavour>,
    /// nextpnr's target frequency in MHz (the target's default when absent).
    pub freq: Option<f64>,
    /// Where the spec came from, for errors.
    pub source: PathBuf,
}

impl std::fmt::Debug for SweepSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SweepSpec")
            .field("unit", &self.unit.command())
            .field("axes", &self.axes)
            .field("target", &self.target)
            .finish()
    }
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
        Self::parse(&text, path).map_err(|message| Error::Config {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses a spec (`path` names it in the errors of its configurations).
    pub fn parse(text: &str, path: &Path) -> std::result::Result<Self, String> {
        let file: SpecFile = toml::from_str(text).map_err(|e| {
            crate::output::toml_message(
                text,
                &e,
                &format!("{FLOW_KEYS}, and the unit's parameters"),
            )
        })?;
        let unit = crate::units::find(&file.unit).ok_or_else(|| {
            format!(
                "`unit`: {:?} is not a unit; use one of {}",
                file.unit,
                crate::units::REGISTRY
                    .iter()
                    .map(|k| k.command())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let keys = unit.keys();
        for k in file.params.keys() {
            if !keys.contains(k) {
                return Err(format!(
                    "`{k}` is not a parameter of {}; its parameters are {}, and the flow's keys \
                     are {FLOW_KEYS}",
                    unit.kind(),
                    keys.join(", ")
                ));
            }
        }
        if file.target.is_empty() {
            return Err("`target` is empty; give at least one value".into());
        }
        let mut names: Vec<&String> = file.params.keys().collect();
        let rank = |k: &str| {
            unit.sweep_axes()
                .iter()
                .position(|a| *a == k)
                .unwrap_or(usize::MAX)
        };
        names.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
        let mut axes = Vec::new();
        for k in names {
            let values = match &file.params[k] {
                toml::Value::Array(v) => v.clone(),
                one => vec![one.clone()],
            };
            if values.is_empty() {
                return Err(format!("`{k}` is empty; give at least one value"));
            }
            axes.push((k.clone(), values));
        }
        Ok(SweepSpec {
            unit,
            axes,
            target: file.target,
            dsp: file.dsp,
            seeds: file.seeds,
            yosys: file.yosys,
            freq: file.freq,
            source: path.to_owned(),
        })
    }

    /// The designs of the grid (without target and DSP), in grid order: the first axis outermost.
    fn designs(&self) -> Result<Vec<Design>> {
        crate::unit::grid(&self.axes)
            .into_iter()
            .map(|t| self.unit.resolve_table(t, &self.source)?.design())
            .collect()
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
    written.extend(plot::write_plots(dir, rows)?);
    Ok(written)
}
