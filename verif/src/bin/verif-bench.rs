//! Co-simulation throughput of HBFP4 x 64 and HBFP8 x 64 (`hbfp_dot`, every stage): block dot
//! products per second through the Rust harness (one FFI call per cycle, every result compared
//! with the golden model's on its data outputs) and through the plain C++ loop of the same model
//! doing the same comparison (what `hbfpgen cosim --vectors` runs). One core. Then, with
//! `--options`, the C++ loop's speed under each build option of the model (Verilator and compiler
//! flags), each model built into the cache once.
//!
//! Usage: verif-bench [SECONDS] [--options]   (time per measurement, default 2)

use hbfp_verif::compile::{self, BuildOptions};
use hbfp_verif::props::Pool;
use hbfp_verif::sim::Sim;
use hbfp_verif::stream::{packed, same, Subject, Word};
use hbfpgen::dot::{DotSpec, DotUnit};
use hbfpgen::unit::AnyUnit;
use std::sync::Arc;
use std::time::{Duration, Instant};

const OPS: usize = 4096;

fn unit(m: u32) -> DotUnit {
    DotSpec {
        mantissa: Some(m),
        block: Some(64),
        ..Default::default()
    }
    .resolve()
    .expect("a valid unit")
}

struct Stream {
    subject: Subject,
    words: Vec<Word>,
    ins: Vec<u32>,
    want: Vec<u32>,
}

fn stream(u: &DotUnit) -> Stream {
    let subject = Subject::of(u);
    let pool = Pool::new(u, &subject, OPS, 7).expect("vectors");
    let words: Vec<Word> = pool
        .words
        .iter()
        .map(|w| subject.decode(w).expect("a word"))
        .collect();
    let (ins, want) = packed(&subject, &words);
    Stream {
        subject,
        words,
        ins,
        want,
    }
}

fn fresh(model: &Arc<compile::Model>) -> Sim {
    Sim::after_reset(model.clone())
}

/// Results per second of the Rust harness.
fn rust_rate(model: &Arc<compile::Model>, s: &Stream, budget: Duration) -> f64 {
    let mut sim = fresh(model);
    let iw = s.subject.layout.in_words.max(1);
    let mask = s.subject.mask();
    let valid = s
        .subject
        .layout
        .slot("out_valid_o")
        .expect("a handshake")
        .word;
    let expected: Vec<&Vec<u32>> = s.words.iter().filter_map(|w| w.expected.as_ref()).collect();
    let (mut seen, mut bad, mut cycles) = (0usize, 0u64, 0usize);
    let start = Instant::now();
    while start.elapsed() < budget {
        for _ in 0..4096 {
            let inp = &s.ins[(cycles % s.words.len()) * iw..][..iw];
            let out = sim.step_words(inp);
            cycles += 1;
            if out[valid] & 1 == 1 {
                bad += !same(out, expected[seen % expected.len()], &mask) as u64;
                seen += 1;
            }
        }
    }
    assert_eq!(bad, 0, "the Rust harness saw mismatches");
    seen as f64 / start.elapsed().as_secs_f64()
}

/// Results per second of the C++ loop.
fn cxx_rate(model: &Arc<compile::Model>, s: &Stream, budget: Duration) -> f64 {
    let mut sim = fresh(model);
    let mut state = [0u64; 4];
    let mut bad = 0;
    let start = Instant::now();
    while start.elapsed() < budget {
        bad += sim.cxx_loop(&s.ins, &s.want, 1 << 16, &mut state);
    }
    assert_eq!(bad, 0, "the C++ loop saw mismatches");
    state[1] as f64 / start.elapsed().as_secs_f64()
}

fn build(u: &DotUnit, opts: &BuildOptions) -> Arc<compile::Model> {
    let sv = u.sv().expect("renders");
    Arc::new(
        compile::build(u.name(), &sv, "the generated RTL", &u.ports(), opts)
            .unwrap_or_else(|e| panic!("{e}")),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: f64 = args.iter().find_map(|s| s.parse().ok()).unwrap_or(2.0);
    let options = args.iter().any(|a| a == "--options");
    let budget = Duration::from_secs_f64(seconds);
    let v = compile::verilator().unwrap_or_else(|e| panic!("{e}"));
    println!("# {}; {seconds} s per measurement, one thread", v.version);
    let base = BuildOptions::default();
    for (m, label) in [(4, "HBFP4x64"), (8, "HBFP8x64")] {
        let u = unit(m);
        let s = stream(&u);
        let model = build(&u, &base);
        let (rust, cxx) = (rust_rate(&model, &s, budget), cxx_rate(&model, &s, budget));
        println!(
            "cosim {label} ({}): {:.2} M dot/s, C++ loop {:.2} M dot/s, ratio {:.2}",
            u.name(),
            rust / 1e6,
            cxx / 1e6,
            rust / cxx
        );
    }
    if !options {
        return;
    }
    println!("# the C++ loop under each build option of the model (M dot/s)");
    let variants: Vec<(&str, BuildOptions)> = vec![
        ("default: -O2, Verilator -O3 --x-assign fast", base.clone()),
        (
            "C++ -O1",
            BuildOptions {
                opt_level: 1,
                ..base.clone()
            },
        ),
        (
            "C++ -O3",
            BuildOptions {
                opt_level: 3,
                ..base.clone()
            },
        ),
        (
            "-march=native",
            BuildOptions {
                cxx_flags: vec!["-march=native".into()],
                ..base.clone()
            },
        ),
        (
            "Verilator --x-initial fast",
            BuildOptions {
                verilator_flags: vec!["--x-initial".into(), "fast".into()],
                ..base.clone()
            },
        ),
        (
            "Verilator --noassert -fno-dfg",
            BuildOptions {
                verilator_flags: vec!["--noassert".into(), "-fno-dfg".into()],
                ..base.clone()
            },
        ),
    ];
    for (what, opts) in variants {
        let mut line = format!("{what:48}");
        for m in [4, 8] {
            let u = unit(m);
            let s = stream(&u);
            let model = build(&u, &opts);
            line.push_str(&format!(
                " HBFP{m}x64 {:6.2}",
                cxx_rate(&model, &s, budget) / 1e6
            ));
        }
        println!("{line}");
    }
}
