//! The RTL of `hbfp_convert` against its golden model: for a matrix of units (M x B x S, every
//! rounding mode, both exponent rules, FTZ, bf16 inputs, small exponents that clamp, tags), every
//! generated unit passes `verilator --lint-only -Wall` with no waivers and Yosys 0.23, and its
//! self-checking testbench passes under Icarus and under Verilator with random stalls on both
//! handshakes, on vectors from the golden model (corner values, then random blocks). For M = 4 and
//! B = 2 the vectors are exhaustive over the corner values: every pair of zeros of both signs,
//! subnormals, powers of two and their neighbours, rounding ties, the largest finite values, Inf
//! and NaN.
//!
//! These tests need verilator, iverilog and yosys (`make setup`), so they are `#[ignore]`d in a plain
//! `cargo test`; `make test` runs them with `--ignored`.

use hbfpgen::convert::{ConvertSpec, ConvertUnit, InputFormat, RoundingMode};
use hbfpgen::dot::Stages;
use hbfpgen::{convert_files, convert_vectors};

mod common;
use common::check_generated;

const VECTORS: usize = 300;

fn spec(m: u32, b: u32, s: Stages) -> ConvertSpec {
    ConvertSpec {
        mantissa: Some(m),
        block: Some(b),
        stages: Some(s),
        ..Default::default()
    }
}

/// Generates `u` with its testbench and vectors (`exhaustive`: every block of corner values), and
/// checks it with every tool.
fn check_unit(u: &ConvertUnit, exhaustive: bool) {
    let v = if exhaustive {
        convert_vectors::exhaustive_corners(u, 0x5eed)
    } else {
        convert_vectors::generate(u, VECTORS, 0x5eed)
    };
    check_generated(
        "convert-matrix",
        &u.name,
        &convert_files(u, true).unwrap(),
        &convert_vectors::to_text(u, &v, 0x5eed),
        v.len(),
    );
}

fn check_all_stages(m: u32, b: u32) {
    for s in [Stages::Count(0), Stages::Count(1), Stages::Max] {
        check_unit(&spec(m, b, s).resolve().unwrap(), false);
    }
}

macro_rules! matrix {
    ($($name:ident: $m:expr, $b:expr;)*) => {$(
        #[test]
        #[ignore = "needs verilator, iverilog and yosys: run by `make test`"]
        fn $name() {
            check_all_stages($m, $b);
        }
    )*};
}

matrix! {
    m4_b1: 4, 1;
    m4_b3: 4, 3;
    m4_b16: 4, 16;
    m4_b64: 4, 64;
    m6_b16: 6, 16;
    m8_b3: 8, 3;
    m8_b64: 8, 64;
}

/// The variants of the conversion, each on an odd block with a middle number of stages.
#[test]
#[ignore = "needs verilator, iverilog and yosys: run by `make test`"]
fn variants() {
    let base = spec(4, 5, Stages::Count(3));
    let variants = [
        ConvertSpec {
            rounding: Some(RoundingMode::Stochastic),
            ..base.clone()
        },
        ConvertSpec {
            rounding: Some(RoundingMode::Stochastic),
            random_bits: Some(3),
            mantissa: Some(6),
            stages: Some(Stages::Count(0)),
            ..base.clone()
        },
        ConvertSpec {
            rounding: Some(RoundingMode::Stochastic),
            random_bits: Some(32),
            block: Some(16),
            ..base.clone()
        },
        ConvertSpec {
            rounding: Some(RoundingMode::TowardZero),
            ..base.clone()
        },
        ConvertSpec {
            emulator_compat: Some(true),
            ..base.clone()
        },
        ConvertSpec {
            ftz: Some(true),
            ..base.clone()
        },
        ConvertSpec {
            input_format: Some(InputFormat::Bf16),
            block: Some(16),
            ..base.clone()
        },
        ConvertSpec {
            input_format: Some(InputFormat::Bf16),
            rounding: Some(RoundingMode::Stochastic),
            random_bits: Some(4),
            exp_bits: Some(5),
            ..base.clone()
        },
        // exponents that clamp: E = 8 (low end only), 6 and 4 (both ends), 2
        ConvertSpec {
            exp_bits: Some(8),
            ..base.clone()
        },
        ConvertSpec {
            exp_bits: Some(6),
            emulator_compat: Some(true),
            ..base.clone()
        },
        ConvertSpec {
            exp_bits: Some(4),
            rounding: Some(RoundingMode::TowardZero),
            ..base.clone()
        },
        ConvertSpec {
            exp_bits: Some(2),
            mantissa: Some(2),
            ..base.clone()
        },
        ConvertSpec {
            mantissa: Some(16),
            exp_bits: Some(16),
            tag_bits: Some(64),
            ..base.clone()
        },
        ConvertSpec {
            tag_bits: Some(7),
            stages: Some(Stages::Count(1)),
            ..base.clone()
        },
        ConvertSpec {
            tag_bits: Some(2),
            stages: Some(Stages::Count(0)),
            ..base
        },
    ];
    for v in variants {
        check_unit(&v.resolve().unwrap(), false);
    }
}

/// M = 4, B = 2, every pair of corner values, for every rounding, rule, FTZ and input format.
#[test]
#[ignore = "needs verilator, iverilog and yosys: run by `make test`"]
fn exhaustive_corners_m4_b2() {
    let base = spec(4, 2, Stages::Max);
    let variants = [
        base.clone(),
        ConvertSpec {
            rounding: Some(RoundingMode::Stochastic),
            random_bits: Some(2),
            ..base.clone()
        },
        ConvertSpec {
            rounding: Some(RoundingMode::TowardZero),
            ..base.clone()
        },
        ConvertSpec {
            emulator_compat: Some(true),
            ..base.clone()
        },
        ConvertSpec {
            ftz: Some(true),
            stages: Some(Stages::Count(0)),
            ..base.clone()
        },
        ConvertSpec {
            exp_bits: Some(6),
            ..base.clone()
        },
        ConvertSpec {
            input_format: Some(InputFormat::Bf16),
            ..base
        },
    ];
    for v in variants {
        check_unit(&v.resolve().unwrap(), true);
    }
}
