//! The RTL of `hbfp_mac` against its golden model: for a matrix of units (M x B x S with an fp32
//! accumulator, and every accumulator preset, saturation, the widest and narrowest formats, tags and
//! extreme block formats), every generated unit passes `verilator --lint-only -Wall` with no waivers
//! and Yosys 0.23, and its self-checking testbench passes under Icarus and under Verilator with
//! random stalls on both handshakes, on long dot products from the golden model whose values reach
//! the accumulator's subnormals, overflow, exact cancellation, NaN and zero blocks.
//!
//! These tests need verilator, iverilog and yosys (`make setup`), so they are `#[ignore]`d in a plain
//! `cargo test`; `make test` runs them with `--ignored`.

use hbfpgen::dot::Stages;
use hbfpgen::mac::{MacSpec, MacUnit};
use hbfpgen::{mac_files, mac_vectors};

mod common;
use common::check_generated;

const PAIRS: usize = 400;

fn spec(m: u32, b: u32, s: Stages) -> MacSpec {
    MacSpec {
        mantissa: Some(m),
        block: Some(b),
        stages: Some(s),
        ..Default::default()
    }
}

/// Generates `u` with its testbench and vectors, and checks it with every tool.
fn check_unit(u: &MacUnit) {
    let v = mac_vectors::generate(u, PAIRS, 0x5eed);
    let outputs = v.iter().filter(|x| x.last).count();
    check_generated(
        "mac-matrix",
        &u.name,
        &mac_files(u, true).unwrap(),
        &mac_vectors::to_text(u, &v, 0x5eed),
        outputs,
    );
}

fn check_all_stages(m: u32, b: u32) {
    for s in [Stages::Count(0), Stages::Count(1), Stages::Max] {
        check_unit(&spec(m, b, s).resolve().unwrap());
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
    m8_b64: 8, 64;
}

/// Every accumulator preset, custom formats, saturation, tags and extreme block formats.
#[test]
#[ignore = "needs verilator, iverilog and yosys: run by `make test`"]
fn accumulators_and_shapes() {
    let base = spec(4, 5, Stages::Count(3));
    let preset = |p: &str, sat: bool| MacSpec {
        acc: Some(p.into()),
        saturate: Some(sat),
        ..base.clone()
    };
    let custom = |e: u32, m: u32| MacSpec {
        acc_exp_bits: Some(e),
        acc_man_bits: Some(m),
        ..base.clone()
    };
    let variants = [
        preset("fp32", true),
        preset("bf16", false),
        preset("bf16", true),
        preset("fp16", false),
        preset("fp16", true),
        preset("fp12", false),
        preset("fp12", true),
        custom(11, 52),
        custom(3, 2),
        custom(6, 3),
        MacSpec {
            acc: Some("fp16".into()),
            mantissa: Some(8),
            block: Some(64),
            stages: Some(Stages::Count(4)),
            ..base.clone()
        },
        MacSpec {
            mantissa: Some(16),
            exp_bits: Some(16),
            acc: Some("fp12".into()),
            tag_bits: Some(64),
            ..base.clone()
        },
        MacSpec {
            mantissa: Some(2),
            exp_bits: Some(2),
            block: Some(2),
            ..custom(3, 2)
        },
        MacSpec {
            tag_bits: Some(5),
            stages: Some(Stages::Count(0)),
            ..base
        },
    ];
    for v in variants {
        check_unit(&v.resolve().unwrap());
    }
}

/// `fp_mac`, the floating-point baseline: every operand format, every accumulator preset, with and
/// without saturation, and every number of stages, against the golden model (IEEE 754's
/// fusedMultiplyAdd into the accumulator format).
#[test]
#[ignore = "needs verilator, iverilog and yosys: run by `make test`"]
fn fp_mac_units() {
    use hbfpgen::mac::FpMacSpec;
    use hbfpgen::{fp_mac_files, mac_vectors};
    let cases = [
        ("fp32", "fp32", false, 0),
        ("fp32", "fp32", false, 3),
        ("fp32", "fp32", true, 1),
        ("bf16", "fp32", false, 2),
        ("bf16", "bf16", true, 3),
        ("bf16", "fp12", false, 0),
        ("fp16", "fp16", false, 3),
        ("fp16", "fp12", true, 2),
        ("fp32", "fp16", false, 3),
    ];
    for (op, acc, sat, s) in cases {
        let u = FpMacSpec {
            operand: Some(op.into()),
            acc: Some(acc.into()),
            saturate: Some(sat),
            stages: Some(Stages::Count(s)),
            tag_bits: Some(if s == 2 { 9 } else { 0 }),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let v = mac_vectors::generate_fp(&u, 600, 0x5eed);
        let outputs = v.iter().filter(|x| x.last).count();
        check_generated(
            "fp-mac-matrix",
            &u.name,
            &fp_mac_files(&u, true).unwrap(),
            &mac_vectors::fp_to_text(&u, &v, 0x5eed),
            outputs,
        );
    }
}
