//! Co-simulation throughput: block dot products per second through the Rust harness (packing done
//! ahead, one FFI call per cycle, every result decoded and compared with the golden model) and
//! through a plain C++ loop over the same Verilated model doing the same comparison. One core.
//!
//! Usage: verif-bench [SECONDS]   (time per measurement, default 2)

use hbfp_verif::dut::{Controls, Dut};
use hbfp_verif::{ModelInfo, VERILATOR_VERSION};
use hbfpgen::model::{dot_unchecked, Block};
use std::time::{Duration, Instant};

const OPS: usize = 1024;

/// Deterministic operands (xorshift) covering the whole code range.
fn operands(info: &ModelInfo) -> Vec<(Block, Block)> {
    let f = info.unit().format;
    let (lo, hi) = (f.element.min_code(), f.element.max_code());
    let (elo, ehi) = (f.scale.min_exp(), f.scale.max_exp());
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |lo: i64, hi: i64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        lo + (x % (hi - lo + 1) as u64) as i64
    };
    (0..OPS)
        .map(|_| {
            let mut block = || Block {
                exp: next(elo, ehi),
                man: (0..f.block).map(|_| next(lo, hi)).collect(),
            };
            (block(), block())
        })
        .collect()
}

/// A new instance of the model, out of reset.
fn fresh(info: &'static ModelInfo) -> Dut {
    let mut dut = Dut::new(info);
    let reset = Controls {
        reset: true,
        ..Default::default()
    };
    dut.step(None, reset);
    dut
}

fn measure(info: &'static ModelInfo, seconds: f64) -> (f64, f64) {
    let unit = info.unit();
    let ops = operands(info);
    let expected: Vec<_> = ops
        .iter()
        .map(|(a, b)| dot_unchecked(unit.format, a, b))
        .collect();
    let go = Controls {
        in_valid: true,
        out_ready: true,
        reset: false,
    };
    // Rust harness
    let mut dut = fresh(info);
    let packed: Vec<Vec<u32>> = ops.iter().map(|(a, b)| dut.pack(a, b, 0)).collect();
    let budget = Duration::from_secs_f64(seconds);
    let (mut seen, mut bad, mut cycles) = (0u64, 0u64, 0u64);
    let start = Instant::now();
    while start.elapsed() < budget {
        for _ in 0..4096 {
            let o = dut.step(Some(&packed[(cycles % OPS as u64) as usize]), go);
            cycles += 1;
            if o.out_valid {
                bad += !o.matches(&expected[(seen % OPS as u64) as usize], 0) as u64;
                seen += 1;
            }
        }
    }
    let rust = seen as f64 / start.elapsed().as_secs_f64();
    assert_eq!(bad, 0, "{}: the Rust harness saw mismatches", info.name);
    // C++ loop over the same model
    let mut dut = fresh(info);
    let mut ins = Vec::new();
    let mut want = Vec::new();
    for ((a, b), r) in ops.iter().zip(&expected) {
        let mut w = dut.pack(a, b, 0);
        dut.set_controls(&mut w, go);
        ins.extend(w);
        want.extend(dut.encode_result(r, 0));
    }
    let per_call = (rust * 0.25).max(10_000.0) as u64;
    let (mut state, mut bad) = ([0u64; 2], 0u64);
    let start = Instant::now();
    while start.elapsed() < budget {
        bad += dut.cxx_loop(&ins, &want, OPS, per_call, &mut state);
    }
    let cxx = state[1] as f64 / start.elapsed().as_secs_f64();
    assert_eq!(bad, 0, "{}: the C++ loop saw mismatches", info.name);
    (rust, cxx)
}

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    println!("# {VERILATOR_VERSION}; {seconds} s per measurement, one thread");
    for (m, label) in [(4, "HBFP4x64"), (8, "HBFP8x64")] {
        let info = ModelInfo::correct()
            .find(|x| {
                x.mantissa == m
                    && x.block == 64
                    && x.exp_bits == 10
                    && x.tag_bits == 0
                    && x.stages == x.unit().max_stages()
            })
            .expect("the matrix holds the B = 64 units");
        let (rust, cxx) = measure(info, seconds);
        println!(
            "cosim {label} ({}): {:.2} M dot/s, C++ loop {:.2} M dot/s, ratio {:.2}",
            info.name,
            rust / 1e6,
            cxx / 1e6,
            rust / cxx
        );
    }
}
