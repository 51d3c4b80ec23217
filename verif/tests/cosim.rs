//! Co-simulation of the matrix `verif/matrix.toml` on the engine of `hbfpgen cosim`: every
//! configuration of every unit, driven through its Verilator model, agrees with the golden model
//! bit for bit and obeys the handshake, latency and reset laws of `docs/verification.md`. Cases
//! per property: a set's `cases`, else `PROPTEST_CASES`, else 32 (`make soak` raises it). A
//! failure prints the shrunk case, its waveform and the command that replays it.
//!
//! The models build `VERIF_JOBS` at a time (default: the number of cores) into the model cache
//! (`HBFPGEN_CACHE`); a progress line is printed as each configuration finishes.

use hbfp_verif::compile::{self, BuildOptions, Waves};
use hbfp_verif::cosim::{self, CosimOptions, Quiet};
use hbfp_verif::matrix;
use hbfp_verif::props::{self, Bench, Pool};
use hbfp_verif::sim::Sim;
use hbfp_verif::stream::{run, Case, Subject};
use hbfpgen::dot::emit::{self as rtl, Fault};
use hbfpgen::dot::vectors::{to_text, Vector};
use hbfpgen::dot::{DotSpec, DotUnit, Stages};
use hbfpgen::model::{dot_unchecked, Block};
use hbfpgen::unit::Unit;
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Test builds compile the models' C++ at -O1 (compiling a hundred and fifty models is most of the
/// time; -O0 compiled a large model 15% faster, but the matrix took longer: 320 s against 293 s),
/// with VCD waveforms, whose text the tests read.
fn build_options() -> BuildOptions {
    BuildOptions {
        opt_level: 1,
        waves: Waves::Vcd,
        ..BuildOptions::default()
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn failures_dir() -> std::path::PathBuf {
    props::default_failure_dir()
}

/// Law: every configuration of `verif/matrix.toml` passes the whole property suite of `hbfpgen
/// cosim` (results bit-exact and in order under gaps and stalls, exact latency and full rate
/// without back-pressure, mid-stream resets, and the exhaustive set where the unit has one).
#[test]
#[ignore = "needs verilator and a C++ compiler: run by `make test`"]
fn the_matrix_passes_every_property() {
    let configs = matrix::read(&matrix::path()).unwrap_or_else(|e| panic!("{e}"));
    let jobs = std::env::var("VERIF_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let total = configs.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = configs.get(i) else { break };
                let opts = CosimOptions {
                    cases: c.cases.unwrap_or_else(|| cases(32)),
                    failures: failures_dir(),
                    build: build_options(),
                    ..CosimOptions::default()
                };
                let t = Instant::now();
                let verdict = match cosim::run(c.unit.as_ref(), &opts, &Quiet) {
                    Ok(o) if o.ok() => format!("pass ({} checks)", o.passed.len()),
                    Ok(o) => {
                        failures.lock().unwrap().extend(o.failed);
                        "FAIL".into()
                    }
                    Err(e) => {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{}: {e}", c.unit.name()));
                        "ERROR".into()
                    }
                };
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                let _ = writeln!(
                    std::io::stderr(),
                    "cosim matrix: {n}/{total} {} {verdict} in {:.1} s ({:.0} s so far)",
                    c.unit.name(),
                    t.elapsed().as_secs_f64(),
                    start.elapsed().as_secs_f64()
                );
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// Law: the configurations of `make test` cover every unit of the registry, and the matrix file
/// holds the `hbfp_dot` matrix of issue 3: M {4, 6, 8} x B {1, 3, 16, 64} x S {0, 1, max} x
/// E {8, 10}, B = 256 for M = 4 and 8, and tagged units (the E = 8 half and B = 256 at S = 0 and 1
/// in `make soak`, the rest in `make test`).
#[test]
fn the_matrix_is_complete() {
    let configs = matrix::read(&matrix::path()).unwrap_or_else(|e| panic!("{e}"));
    for k in hbfpgen::units::REGISTRY {
        assert!(
            configs.iter().any(|c| c.unit.kind() == k.kind()),
            "verif/matrix.toml has no {} outside make soak",
            k.kind()
        );
    }
    // every set of the file, those of make soak included
    let all = hbfpgen::matrix::read(&matrix::path(), &["cases"]).unwrap_or_else(|e| panic!("{e}"));
    let dots: Vec<DotUnit> = all
        .iter()
        .filter(|c| c.unit.kind() == "hbfp_dot")
        .map(|c| dot_of(c.unit.manifest()))
        .collect();
    let has = |m: u32, b: u32, e: u32, s: Option<u32>| {
        dots.iter().any(|x| {
            x.mantissa_bits() == m
                && x.block() == b
                && x.exp_bits() == e
                && x.tag_bits == 0
                && s.map_or(x.stages == x.max_stages(), |s| x.stages == s)
        })
    };
    for m in [4, 6, 8] {
        for b in [1, 3, 16, 64] {
            for e in [8, 10] {
                for s in [Some(0), Some(1), None] {
                    assert!(has(m, b, e, s), "M{m} B{b} E{e} S{s:?} missing");
                }
            }
        }
    }
    for m in [4, 8] {
        assert!(has(m, 256, 10, None) && has(m, 256, 10, Some(0)));
    }
    assert!(dots.iter().any(|x| x.tag_bits > 0 && x.stages > 0));
    assert!(dots.iter().any(|x| x.tag_bits == 64));
}

/// The `hbfp_dot` unit a manifest describes.
fn dot_of(manifest: String) -> DotUnit {
    let v: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let p = &v["parameters"];
    let n = |k: &str| p[k].as_u64().unwrap_or_else(|| panic!("{k} in {p}")) as u32;
    dot(
        n("mantissa"),
        n("block"),
        n("exp_bits"),
        Stages::Count(n("stages")),
        n("tag_bits"),
    )
}

fn dot(m: u32, b: u32, e: u32, s: Stages, t: u32) -> DotUnit {
    DotSpec {
        mantissa: Some(m),
        block: Some(b),
        exp_bits: Some(e),
        stages: Some(s),
        tag_bits: Some(t),
        datapath: None,
        name: None,
    }
    .resolve()
    .expect("a valid unit")
}

/// Every element code pair of lanes x exponents (both extremes, the NaN code and the middle).
fn exhaustive_pairs(unit: &DotUnit) -> Vec<(Block, Block)> {
    let f = unit.format;
    let (lo, hi) = (f.element.min_code(), f.element.max_code());
    let (emin, emax) = (f.scale.min_exp(), f.scale.max_exp());
    let b = f.block as usize;
    let exps: Vec<(i64, i64)> = if b == 1 {
        let x = [emin, emin + 1, 0, emax - 1, emax];
        x.iter()
            .flat_map(|&p| x.iter().map(move |&q| (p, q)))
            .collect()
    } else {
        vec![
            (emin, emin),
            (emin, emax - 1),
            (emax - 1, emax - 1),
            (0, 0),
            (emax, emin),
            (emin + 1, emax),
        ]
    };
    let codes = (hi - lo + 1) as usize;
    let combos = codes.pow(2 * b as u32);
    let mut out = Vec::with_capacity(combos * exps.len());
    for &(ea, eb) in &exps {
        for k in 0..combos {
            let mut r = k;
            let mut lane = || {
                let q = lo + (r % codes) as i64;
                r /= codes;
                q
            };
            let a: Vec<i64> = (0..b).map(|_| lane()).collect();
            let bb: Vec<i64> = (0..b).map(|_| lane()).collect();
            out.push((Block { exp: ea, man: a }, Block { exp: eb, man: bb }));
        }
    }
    out
}

/// Law: for M = 4 with B = 1 and B = 2, every mantissa combination, with exponents at both
/// extremes and in the middle, gives the golden model's result, at every pipeline depth.
#[test]
#[ignore = "needs verilator and a C++ compiler: run by `make test`"]
fn exhaustive_m4_b1_and_b2() {
    for b in [1, 2] {
        for s in [Stages::Count(0), Stages::Count(1), Stages::Max] {
            let unit = dot(4, b, 10, s, 0);
            let vectors: Vec<Vector> = exhaustive_pairs(&unit)
                .into_iter()
                .map(|(a, bb)| Vector {
                    expected: dot_unchecked(unit.format, &a, &bb),
                    a,
                    b: bb,
                    tag: 0,
                })
                .collect();
            let subject = Subject::of(&unit);
            let pool = Pool::of_text(&subject, &to_text(&unit, &vectors, 0)).unwrap();
            let model = cosim::model(&unit, None, &build_options()).unwrap();
            let bench = Bench {
                model: model.clone(),
                subject: &subject,
                rtl: None,
                failures: failures_dir(),
            };
            let mut results = 0;
            for chunk in pool.words.chunks(8192) {
                let case = Case {
                    ops: chunk.to_vec(),
                    gaps: Vec::new(),
                    ready: Vec::new(),
                    resets: Vec::new(),
                    contexts: Vec::new(),
                };
                let mut sim = Sim::new(model.clone());
                match run(&mut sim, &subject, &case) {
                    Ok(r) => results += r.results,
                    Err(f) => {
                        let one = Case {
                            ops: f
                                .op
                                .map(|k| vec![chunk[k].clone()])
                                .unwrap_or(case.ops.clone()),
                            ..case
                        };
                        panic!("{}", bench.record("exhaustive", &one, f.to_string()));
                    }
                }
            }
            assert_eq!(results as usize, vectors.len(), "{}", unit.name);
        }
    }
}

/// Law: the checks can fail. Each `hbfp_dot` built with a deliberate fault (one lane's product,
/// one exponent bit, the NaN flag, or the output ignoring back-pressure) is caught, and the failure
/// leaves a VCD waveform of the shrunk case and a command that replays it.
#[test]
#[ignore = "needs verilator and a C++ compiler: run by `make test`"]
fn deliberately_broken_units_are_caught_with_a_waveform() {
    let faulty = [
        (4, 16, Stages::Max, Fault::LaneProduct(5)),
        (8, 3, Stages::Count(0), Fault::LaneProduct(2)),
        (4, 16, Stages::Max, Fault::IgnoreBackpressure),
        (6, 3, Stages::Count(0), Fault::IgnoreBackpressure),
        (6, 64, Stages::Count(2), Fault::ExponentBit),
        (4, 1, Stages::Max, Fault::NanFromAOnly),
    ];
    for (m, b, s, fault) in faulty {
        let unit = dot(m, b, 10, s, 0);
        let sv = rtl::sv_with_fault(&unit, fault).unwrap();
        let model = Arc::new(
            compile::build(
                &unit.name,
                &sv,
                "a faulty RTL",
                &Unit::ports(&unit),
                &build_options(),
            )
            .unwrap_or_else(|e| panic!("{e}")),
        );
        let subject = Subject::of(&unit);
        let pool = Arc::new(Pool::new(&unit, &subject, 2048, 1).unwrap());
        let bench = Bench {
            model,
            subject: &subject,
            rtl: None,
            failures: failures_dir().join(format!("fault-{fault:?}").replace(['(', ')'], "")),
        };
        let failed = bench
            .check("stream", props::stream(&pool, 24), 64, 1, &|| {})
            .expect_err(&format!(
                "{}: the fault {fault:?} went unnoticed",
                unit.name
            ));
        let vcd = std::fs::read_to_string(&failed.waveform)
            .unwrap_or_else(|e| panic!("{}: no waveform: {e}\n{failed}", unit.name));
        assert!(
            vcd.contains("$enddefinitions") && vcd.contains("sum_o"),
            "{}: the waveform lacks the unit's signals",
            unit.name
        );
        assert!(failed.case_file.is_file(), "{failed}");
        assert!(failed.command.contains("--replay"), "{failed}");
        match fault {
            Fault::IgnoreBackpressure => assert!(
                failed.reason.contains("held result changed")
                    || failed.reason.contains("fell before")
                    || failed.reason.contains("lost")
                    || failed.reason.contains("RTL"),
                "{failed}"
            ),
            _ => assert!(failed.reason.contains("RTL"), "{failed}"),
        }
        // shrinking leaves a case small enough to read in the waveform
        assert!(failed.ops <= 12, "{failed}");
    }
}
