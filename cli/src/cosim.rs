//! `hbfpgen cosim <unit>`: co-simulation of one configuration (the generated RTL or the user's)
//! against the golden model, through the verification crate (`hbfp_verif::cosim`).

use clap::Args;
use hbfp_verif::compile::{BuildOptions, Waves};
use hbfp_verif::cosim::{self, CosimOptions, Progress, Simulator};
use hbfpgen::unit::AnyUnit;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

/// Options of `hbfpgen cosim <unit>`.
#[derive(Args)]
pub struct CosimArgs {
    /// Check this SystemVerilog file (your own or a hand-edited implementation of the
    /// configuration) instead of the generated RTL. Its module must have the configuration's name
    /// (see --name) and exactly the manifest's ports.
    #[arg(long, value_name = "FILE.sv")]
    rtl: Option<PathBuf>,
    /// Random cases per property (each a stream of up to 24 results with random gaps, stalls and
    /// resets).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    cases: u32,
    /// Seed of the vector pool and of the random cases: the same seed gives the same run.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// After the properties, stream N words through the model at full speed in a plain C++ loop
    /// (a soak; the words cycle through a pool of up to 65536 distinct random ones).
    #[arg(long, value_name = "N")]
    vectors: Option<u64>,
    /// Where failing cases (JSON) and their waveforms go.
    #[arg(long, value_name = "DIR", default_value = "cosim-failures")]
    waves: PathBuf,
    /// The waveforms' format: fst (needs zlib's header, which `make setup` installs; else the
    /// model falls back to vcd) or vcd. Part of the cache key.
    #[arg(long, value_name = "FORMAT", default_value = "fst")]
    wave_format: Waves,
    /// verilator: the property suite on the Verilated model; icarus: the generated self-checking
    /// testbench under Icarus on the same random words; both.
    #[arg(long, value_name = "SIM", default_value = "verilator")]
    simulator: Simulator,
    /// Replay a saved failing case (the JSON a failure names) with a waveform, instead of the
    /// suite.
    #[arg(long, value_name = "CASE.json")]
    replay: Option<PathBuf>,
    /// Vector words in the pool the cases are drawn from (each unit's corner cases first).
    #[arg(long, value_name = "N", default_value_t = 2048, value_parser = parse_pool)]
    pool: usize,
    /// Optimisation level of the model's C++ (-O0 to -O3): part of the cache key.
    #[arg(long, value_name = "0-3", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=3))]
    cxx_opt: u32,
}

fn parse_pool(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=1 << 20).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a pool size from 1 to 1048576 words")),
    }
}

/// A progress bar on a terminal, phase lines otherwise.
struct Bar {
    bar: Mutex<Option<ProgressBar>>,
    tty: bool,
}

impl Progress for Bar {
    fn phase(&self, message: &str, steps: u64) {
        let mut b = self.bar.lock().unwrap();
        if let Some(old) = b.take() {
            old.finish_and_clear();
        }
        if !self.tty {
            eprintln!("cosim: {message}");
            return;
        }
        let bar = if steps > 0 {
            let p = ProgressBar::new(steps);
            p.set_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            p
        } else {
            let p = ProgressBar::new_spinner();
            p.enable_steady_tick(std::time::Duration::from_millis(200));
            p
        };
        bar.set_message(message.to_owned());
        *b = Some(bar);
    }
    fn step(&self) {
        if let Some(b) = self.bar.lock().unwrap().as_ref() {
            b.inc(1);
        }
    }
    fn line(&self, message: &str) {
        match self.bar.lock().unwrap().as_ref() {
            Some(b) => b.println(message),
            None => eprintln!("{message}"),
        }
    }
}

/// Runs `hbfpgen cosim` on `unit`: exit 0 when everything passes, 1 on a mismatch or a protocol
/// violation, 2 on bad input or a missing tool.
pub fn run(unit: &dyn AnyUnit, a: CosimArgs) -> ExitCode {
    let opts = CosimOptions {
        rtl: a.rtl,
        cases: a.cases,
        seed: a.seed,
        pool: a.pool,
        vectors: a.vectors,
        failures: a.waves,
        simulator: a.simulator,
        replay: a.replay,
        build: BuildOptions {
            opt_level: a.cxx_opt,
            waves: a.wave_format,
            ..BuildOptions::default()
        },
        ..CosimOptions::default()
    };
    let bar = Bar {
        bar: Mutex::new(None),
        tty: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    eprintln!(
        "cosim {}: {}",
        unit.name(),
        match &opts.rtl {
            Some(f) => format!("{} against the golden model", f.display()),
            None => "the generated RTL against the golden model".into(),
        }
    );
    let result = cosim::run(unit, &opts, &bar);
    if let Some(b) = bar.bar.lock().unwrap().take() {
        b.finish_and_clear();
    }
    match result {
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Ok(outcome) => {
            for line in &outcome.passed {
                println!("pass  {line}");
            }
            for f in &outcome.failed {
                println!("FAIL  {f}");
            }
            if outcome.ok() {
                println!("{}: every check passes", unit.name());
                ExitCode::SUCCESS
            } else {
                println!("{}: {} check(s) fail", unit.name(), outcome.failed.len());
                ExitCode::from(1)
            }
        }
    }
}
