//! Co-simulation of one configuration of any unit, as `hbfpgen cosim` runs it: the generated RTL
//! or the user's (`--rtl`, its module and ports checked against the manifest first), built into
//! the model cache, the unit's property suite under proptest, the exhaustive set where the unit
//! has a small one, an optional soak through the plain C++ loop, and optionally the generated
//! self-checking testbench under Icarus on the same random words.

use crate::compile::{self, BuildError, BuildOptions, Model};
use crate::props::{self, Bench, Pool, Saved};
use crate::sim::Sim;
use crate::stream::{self, Case, Subject};
use hbfpgen::ports::Direction;
use hbfpgen::unit::AnyUnit;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

/// Which simulators run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Simulator {
    /// The property suite on the Verilated model.
    Verilator,
    /// The generated self-checking testbench under Icarus.
    Icarus,
    /// Both.
    Both,
}

/// Options of a co-simulation run.
#[derive(Clone, Debug)]
pub struct CosimOptions {
    /// The user's RTL of this configuration instead of the generated one.
    pub rtl: Option<PathBuf>,
    /// Cases per property.
    pub cases: u32,
    /// Seed of the vector pool and of the properties' random streams.
    pub seed: u64,
    /// Words of the vector pool the cases are drawn from (and the Icarus run streams).
    pub pool: usize,
    /// Most result groups in one case.
    pub max_groups: usize,
    /// Words to stream through the C++ loop after the properties (a soak), if any.
    pub vectors: Option<u64>,
    /// Where failing cases and their waveforms go.
    pub failures: PathBuf,
    /// Which simulators run.
    pub simulator: Simulator,
    /// A saved case to replay (with a waveform) instead of the suite.
    pub replay: Option<PathBuf>,
    /// The model build's options.
    pub build: BuildOptions,
}

impl Default for CosimOptions {
    fn default() -> Self {
        CosimOptions {
            rtl: None,
            cases: 64,
            seed: 1,
            pool: 2048,
            max_groups: 24,
            vectors: None,
            failures: PathBuf::from("cosim-failures"),
            simulator: Simulator::Verilator,
            replay: None,
            build: BuildOptions::default(),
        }
    }
}

/// Bad input or a missing tool: nothing was checked (`hbfpgen cosim` exits 2).
#[derive(Debug, thiserror::Error)]
pub enum CosimError {
    /// The unit could not be generated.
    #[error(transparent)]
    Generator(#[from] hbfpgen::Error),
    /// The model could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The RTL given with `--rtl` does not fit the configuration.
    #[error("{0}")]
    Rtl(String),
    /// A replay file is unreadable or for another configuration.
    #[error("{0}")]
    Replay(String),
    /// The unit's vector words cannot be drawn or read back.
    #[error("the vectors of the unit: {0}")]
    Vectors(String),
    /// A tool is missing or failed to run.
    #[error("{0}")]
    Tool(String),
}

/// What a run reports as it goes.
pub trait Progress: Sync {
    /// A new phase, with the number of steps it takes (0: unknown).
    fn phase(&self, message: &str, steps: u64);
    /// One step of the current phase done.
    fn step(&self);
    /// A line of the final report.
    fn line(&self, message: &str);
}

/// A [`Progress`] that prints nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn phase(&self, _: &str, _: u64) {}
    fn step(&self) {}
    fn line(&self, _: &str) {}
}

/// The outcome of a run that checked something.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Properties, sets and runs that passed, one line each.
    pub passed: Vec<String>,
    /// What failed: a shrunk case with its waveform and replay command, or a simulator's report.
    pub failed: Vec<String>,
}

impl Outcome {
    /// Whether everything passed.
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
    }
}

/// The ports of module `top` in `file`, as Verilator elaborates them: (name, direction, width).
pub fn rtl_ports(file: &Path, top: &str) -> Result<Vec<(String, Direction, u32)>, CosimError> {
    let v = compile::verilator()?;
    let dir = tempfile::tempdir().map_err(|e| CosimError::Tool(format!("no temp dir: {e}")))?;
    let out = Command::new(&v.exe)
        .args(["--xml-only", "--top-module", top, "--Mdir"])
        .arg(dir.path())
        .arg(file)
        .output()
        .map_err(|e| CosimError::Tool(format!("cannot run {}: {e}", v.exe.display())))?;
    if !out.status.success() {
        let log = String::from_utf8_lossy(&out.stderr);
        if log.contains("--top-module") && log.contains("not found") {
            return Err(CosimError::Rtl(format!(
                "{} has no module `{top}`: the configuration's module is called `{top}` (give \
                 the generator --name to match your module, or rename it)",
                file.display()
            )));
        }
        return Err(CosimError::Rtl(format!(
            "Verilator rejects {}:\n{log}",
            file.display()
        )));
    }
    let xml_path = dir.path().join(format!("V{top}.xml"));
    let xml = std::fs::read_to_string(&xml_path)
        .map_err(|e| CosimError::Tool(format!("no XML from Verilator: {e}")))?;
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        Some(tag[at..at + tag[at..].find('"')?].to_owned())
    };
    // the widths of the type table: id -> (left, right)
    let mut widths = std::collections::HashMap::new();
    for tag in xml.split('<').filter(|t| t.starts_with("basicdtype ")) {
        if let Some(id) = attr(tag, "id") {
            let l = attr(tag, "left")
                .and_then(|x| x.parse::<i64>().ok())
                .unwrap_or(0);
            let r = attr(tag, "right")
                .and_then(|x| x.parse::<i64>().ok())
                .unwrap_or(0);
            widths.insert(id, ((l - r).unsigned_abs() + 1) as u32);
        }
    }
    let start = xml
        .find("topModule=\"1\"")
        .ok_or_else(|| CosimError::Tool("Verilator's XML names no top module".into()))?;
    let body = &xml[start..start + xml[start..].find("</module>").unwrap_or(xml.len() - start)];
    let mut ports = Vec::new();
    for tag in body.split('<').filter(|t| t.starts_with("var ")) {
        // a module's ports carry a pin index; a function's arguments and result have a
        // direction but none
        let (Some(name), Some(dir), Some(_)) =
            (attr(tag, "name"), attr(tag, "dir"), attr(tag, "pinIndex"))
        else {
            continue;
        };
        let direction = match dir.as_str() {
            "input" => Direction::Input,
            "output" => Direction::Output,
            other => {
                return Err(CosimError::Rtl(format!(
                    "port {name} of {} is an {other}; the units have inputs and outputs only",
                    file.display()
                )))
            }
        };
        let width = attr(tag, "dtype_id")
            .and_then(|id| widths.get(&id).copied())
            .unwrap_or(1);
        ports.push((name, direction, width));
    }
    Ok(ports)
}

/// Checks that module `top` of `file` has exactly the unit's ports; the error names the first
/// port (in the manifest's order) that differs.
pub fn check_rtl(unit: &dyn AnyUnit, file: &Path) -> Result<String, CosimError> {
    let sv = std::fs::read_to_string(file)
        .map_err(|e| CosimError::Rtl(format!("cannot read {}: {e}", file.display())))?;
    let have = rtl_ports(file, unit.name())?;
    let dir = |d: Direction| match d {
        Direction::Input => "input",
        Direction::Output => "output",
    };
    for p in unit.ports() {
        match have.iter().find(|(n, ..)| *n == p.name) {
            None => {
                return Err(CosimError::Rtl(format!(
                    "{}: module {} has no port {} ({} of {} bits: {}), which the manifest \
                     declares",
                    file.display(),
                    unit.name(),
                    p.name,
                    dir(p.direction),
                    p.width,
                    p.description
                )))
            }
            Some((_, d, w)) if *d != p.direction || *w != p.width => {
                return Err(CosimError::Rtl(format!(
                    "{}: port {} is an {} of {w} bits; the manifest declares an {} of {} bits",
                    file.display(),
                    p.name,
                    dir(*d),
                    dir(p.direction),
                    p.width
                )))
            }
            _ => {}
        }
    }
    let ports = unit.ports();
    if let Some((n, d, w)) = have
        .iter()
        .find(|(n, ..)| !ports.iter().any(|p| p.name == *n))
    {
        return Err(CosimError::Rtl(format!(
            "{}: port {n} ({} of {w} bits) is not in the manifest of {}",
            file.display(),
            dir(*d),
            unit.name()
        )));
    }
    Ok(sv)
}

/// Builds (or loads from the cache) the model of `unit`: its generated RTL, or the checked RTL of
/// `rtl`.
pub fn model(
    unit: &dyn AnyUnit,
    rtl: Option<&Path>,
    opts: &BuildOptions,
) -> Result<Arc<Model>, CosimError> {
    let (sv, origin) = match rtl {
        Some(f) => (check_rtl(unit, f)?, f.display().to_string()),
        None => (unit.sv()?, "the generated RTL".to_owned()),
    };
    Ok(Arc::new(compile::build(
        unit.name(),
        &sv,
        &origin,
        &unit.ports(),
        opts,
    )?))
}

/// Runs the co-simulation of `unit` with `opts`.
pub fn run(
    unit: &dyn AnyUnit,
    opts: &CosimOptions,
    progress: &dyn Progress,
) -> Result<Outcome, CosimError> {
    let subject = Subject::of(unit);
    let mut outcome = Outcome::default();
    if let Some(r) = &opts.rtl {
        if !r.is_file() {
            return Err(CosimError::Rtl(format!(
                "--rtl {}: no such file",
                r.display()
            )));
        }
    }
    let verilated = opts.simulator != Simulator::Icarus || opts.replay.is_some();
    let built = if verilated {
        progress.phase(
            &format!(
                "building the Verilator model of {} (once per RTL)",
                subject.name
            ),
            0,
        );
        let t = Instant::now();
        let m = model(unit, opts.rtl.as_deref(), &opts.build)?;
        progress.line(&format!(
            "model: {} ({:.1} s), {}",
            if m.cached { "from the cache" } else { "built" },
            t.elapsed().as_secs_f64(),
            m.dir.display()
        ));
        Some(m)
    } else {
        None
    };
    // absolute paths, so that the replay command works from anywhere
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let bench = built.map(|model| Bench {
        model,
        subject: &subject,
        rtl: opts.rtl.as_deref().map(absolute),
        failures: absolute(&opts.failures),
    });
    if let Some(file) = &opts.replay {
        let bench = bench.as_ref().expect("replay builds the model");
        return replay(bench, file, outcome);
    }
    let pool =
        Arc::new(Pool::new(unit, &subject, opts.pool, opts.seed).map_err(CosimError::Vectors)?);
    if let Some(bench) = &bench {
        properties(bench, &pool, opts, progress, &mut outcome);
        exhaustive(unit, bench, progress, &mut outcome);
        if let Some(n) = opts.vectors {
            soak(unit, bench, n, opts.seed, progress, &mut outcome)?;
        }
    }
    if opts.simulator != Simulator::Verilator {
        icarus(unit, opts, &pool, progress, &mut outcome)?;
    }
    Ok(outcome)
}

fn replay(bench: &Bench, file: &Path, mut outcome: Outcome) -> Result<Outcome, CosimError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CosimError::Replay(format!("cannot read {}: {e}", file.display())))?;
    let saved: Saved = serde_json::from_str(&text)
        .map_err(|e| CosimError::Replay(format!("{} is not a saved case: {e}", file.display())))?;
    if saved.unit != bench.subject.command {
        return Err(CosimError::Replay(format!(
            "{} was saved for `{}`, not `{}`",
            file.display(),
            saved.unit,
            bench.subject.command
        )));
    }
    let _ = std::fs::create_dir_all(&bench.failures);
    let stem = file
        .file_stem()
        .map_or("replay".into(), |s| s.to_string_lossy().into_owned());
    let vcd = bench
        .failures
        .join(format!("{stem}-replay.{}", bench.model.waves.extension()));
    match bench.play(&saved.case, Some(&vcd)) {
        Ok(r) => outcome.passed.push(format!(
            "replay of {}: passes ({} results in {} cycles); waveform {}",
            file.display(),
            r.results,
            r.cycles,
            vcd.display()
        )),
        Err(e) => outcome.failed.push(format!(
            "replay of {} (property `{}`): {e}\n  waveform: {}",
            file.display(),
            saved.property,
            vcd.display()
        )),
    }
    Ok(outcome)
}

fn properties(
    bench: &Bench,
    pool: &Arc<Pool>,
    opts: &CosimOptions,
    progress: &dyn Progress,
    outcome: &mut Outcome,
) {
    let s = bench.subject;
    let max = opts.max_groups;
    type Prop = (
        &'static str,
        &'static str,
        proptest::strategy::BoxedStrategy<Case>,
    );
    let mut list: Vec<Prop> = Vec::new();
    if s.handshake() {
        list.push((
            "stream",
            "results bit-exact and in order under input gaps and output stalls; held results stable",
            props::stream(pool, max),
        ));
        list.push((
            "unstalled",
            "latency exact and one word per cycle without back-pressure",
            props::unstalled(pool, max),
        ));
        if s.resettable() {
            list.push((
                "reset",
                "a reset mid-stream leaves no stale or duplicated result",
                props::with_resets(pool, max, s.latency.1),
            ));
        }
    } else {
        list.push((
            "stream",
            "results bit-exact, one word per cycle, exactly the latency later",
            props::unstalled(pool, max),
        ));
    }
    progress.phase(
        &format!("{} properties x {} cases", list.len(), opts.cases),
        list.len() as u64 * opts.cases as u64,
    );
    let tick = || progress.step();
    for (name, law, strategy) in list {
        match bench.check(name, strategy, opts.cases, opts.seed, &tick) {
            Ok(()) => outcome.passed.push(format!(
                "property {name}: {} cases pass ({law})",
                opts.cases
            )),
            Err(f) => {
                outcome.failed.push(f.to_string());
            }
        }
    }
}

/// Every word of the unit's exhaustive set, streamed without stalls, where it has a set of at most
/// a million words.
fn exhaustive(unit: &dyn AnyUnit, bench: &Bench, progress: &dyn Progress, outcome: &mut Outcome) {
    let Ok((n, text)) = unit.vectors(0, 1, true) else {
        return;
    };
    if n > 1 << 20 {
        return;
    }
    let Ok(pool) = Pool::of_text(bench.subject, &text) else {
        return;
    };
    let chunks: Vec<&[std::ops::Range<usize>]> = pool.groups.chunks(4096).collect();
    progress.phase(
        &format!("the exhaustive set: {n} words"),
        chunks.len() as u64,
    );
    let mut sim = Sim::new(bench.model.clone());
    for groups in chunks {
        let ops: Vec<String> = groups
            .iter()
            .flat_map(|g| pool.words[g.clone()].iter().cloned())
            .collect();
        let case = Case {
            ops,
            gaps: Vec::new(),
            ready: Vec::new(),
            resets: Vec::new(),
            contexts: Vec::new(),
        };
        if let Err(f) = stream::run(&mut sim, bench.subject, &case) {
            // the failing group alone, saved with its waveform
            let group =
                f.op.and_then(|k| {
                    let mut at = 0;
                    groups.iter().find(|g| {
                        at += g.len();
                        k < at
                    })
                })
                .map(|g| pool.words[g.clone()].to_vec())
                .unwrap_or(case.ops.clone());
            let one = Case { ops: group, ..case };
            let failed = bench.record("exhaustive", &one, f.to_string());
            outcome.failed.push(failed.to_string());
            return;
        }
        sim = Sim::new(bench.model.clone());
        progress.step();
    }
    outcome
        .passed
        .push(format!("exhaustive set: {n} words pass"));
}

/// Streams `n` words through the plain C++ loop, cycling a pool of up to 65536 distinct words.
fn soak(
    unit: &dyn AnyUnit,
    bench: &Bench,
    n: u64,
    seed: u64,
    progress: &dyn Progress,
    outcome: &mut Outcome,
) -> Result<(), CosimError> {
    let size = n.clamp(1, 1 << 16) as usize;
    let pool = Pool::new(unit, bench.subject, size, seed ^ 0x5eed).map_err(CosimError::Vectors)?;
    let words: Vec<stream::Word> = pool
        .stream
        .iter()
        .map(|w| bench.subject.decode(w))
        .collect::<Result<_, _>>()
        .map_err(CosimError::Vectors)?;
    let (ins, expect) = stream::packed(bench.subject, &words);
    let mut sim = Sim::after_reset(bench.model.clone());
    let mut state = [0u64, 0, bench.subject.latency.0 as u64, 0];
    let chunk = 1u64 << 18;
    progress.phase(
        &format!("soak: {n} words through the C++ loop"),
        n.div_ceil(chunk),
    );
    let t = Instant::now();
    let mut bad = 0;
    while state[3] < n {
        let before = state[3];
        bad += sim.cxx_loop(&ins, &expect, chunk.min(n - state[3]).max(1), &mut state);
        if state[3] == before && state[0] > 64 * (bench.subject.max_latency as u64 + 8) {
            bad += 1;
            break;
        }
        progress.step();
    }
    // the results still in flight
    bad += sim.cxx_loop(
        &ins,
        &expect,
        bench.subject.max_latency as u64 + 2,
        &mut state,
    );
    let secs = t.elapsed().as_secs_f64();
    let line = format!(
        "soak: {} words, {} results in {} cycles, {:.2} M words/s ({} distinct words cycled)",
        state[3],
        state[1],
        state[0],
        state[3] as f64 / secs / 1e6,
        pool.words.len()
    );
    if bad == 0 {
        outcome.passed.push(line);
    } else {
        // find the first failing group with the checking harness, and save it
        let case = Case {
            ops: pool.words.clone(),
            gaps: Vec::new(),
            ready: Vec::new(),
            resets: Vec::new(),
            contexts: Vec::new(),
        };
        let reason = match bench.play(&case, None) {
            Err(e) => e,
            Ok(_) => "the C++ loop saw mismatches that the harness does not reproduce".into(),
        };
        let failed = bench.record("soak", &case, reason);
        outcome
            .failed
            .push(format!("{line}: {bad} mismatches\n{failed}"));
    }
    Ok(())
}

/// The generated self-checking testbench under Icarus on the pool's words.
fn icarus(
    unit: &dyn AnyUnit,
    opts: &CosimOptions,
    pool: &Pool,
    progress: &dyn Progress,
    outcome: &mut Outcome,
) -> Result<(), CosimError> {
    let Some(tb) = unit.testbench() else {
        return Err(CosimError::Tool(format!(
            "{} has no handshake and so no self-checking testbench: use --simulator verilator",
            unit.kind()
        )));
    };
    let tb = tb?;
    progress.phase("Icarus: the generated testbench on the same words", 0);
    let dir = tempfile::tempdir().map_err(|e| CosimError::Tool(format!("no temp dir: {e}")))?;
    let name = unit.name();
    let rtl = match &opts.rtl {
        Some(f) => f.clone(),
        None => {
            let f = dir.path().join(format!("{name}.sv"));
            std::fs::write(&f, unit.sv()?).map_err(|e| CosimError::Tool(e.to_string()))?;
            f
        }
    };
    let (_, text) = unit.vectors(opts.pool, opts.seed, false)?;
    let vec_file = dir.path().join(format!("{name}.vec"));
    let tb_file = dir.path().join(format!("{name}_tb.sv"));
    for (f, t) in [(&vec_file, &text), (&tb_file, &tb)] {
        std::fs::write(f, t).map_err(|e| CosimError::Tool(e.to_string()))?;
    }
    let vvp = dir.path().join("tb.vvp");
    let tool = |cmd: &mut Command, what: &str| {
        cmd.output().map_err(|e| {
            CosimError::Tool(format!(
                "cannot run {what}: {e}; `make setup` installs Icarus Verilog"
            ))
        })
    };
    let out = tool(
        Command::new("iverilog")
            .args(["-g2012", "-o"])
            .arg(&vvp)
            .arg(&tb_file)
            .arg(&rtl),
        "iverilog",
    )?;
    if !out.status.success() {
        return Err(CosimError::Rtl(format!(
            "Icarus rejects {}:\n{}",
            rtl.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let out = tool(
        Command::new("vvp")
            .arg("-n")
            .arg(&vvp)
            .arg(format!("+vectors={}", vec_file.display()))
            .arg(format!("+seed={}", opts.seed)),
        "vvp",
    )?;
    let log = String::from_utf8_lossy(&out.stdout);
    let summary = log
        .lines()
        .rev()
        .find(|l| l.ends_with(" failed") && l.contains(" passed, "))
        .unwrap_or("no summary line")
        .to_owned();
    let expected = format!("{} passed, 0 failed", pool.groups.len());
    if out.status.success() && summary == expected {
        outcome.passed.push(format!(
            "Icarus: the generated testbench passes on the same {} words ({summary})",
            pool.words.len()
        ));
    } else {
        let fails: Vec<&str> = log
            .lines()
            .filter(|l| l.starts_with("FAIL"))
            .take(5)
            .collect();
        outcome.failed.push(format!(
            "Icarus: the generated testbench fails ({summary}; exit {}):\n  {}",
            out.status.code().unwrap_or(-1),
            fails.join("\n  ")
        ));
    }
    Ok(())
}
