//! The RTL of `hbfp_mixed_dot` against its golden model (`hbfp_dot` of the mode's width): for a
//! matrix of units (every set of modes, B from 1 to 64, S = 0, 1 and max, tags, E = 2), every
//! generated unit passes `verilator --lint-only -Wall` with no waivers and Yosys 0.23, and its
//! self-checking testbench passes under Icarus and under Verilator with random stalls on both
//! handshakes while the mode changes at random from one operation to the next (unbuilt mode codes,
//! NaN and zero blocks and extreme codes included, and random bits above a narrow mode's width).
//! At B = 1 the 6-bit mode is checked exhaustively: every pair of 6-bit codes.
//!
//! These tests need verilator, iverilog and yosys (`make setup`), so they are `#[ignore]`d in a plain
//! `cargo test`; `make test` runs them with `--ignored`.

use hbfpgen::dot::Stages;
use hbfpgen::mixed::{MixedSpec, MixedUnit};
use hbfpgen::{mixed_files, mixed_vectors};

mod common;
use common::check_generated;

const OPS: usize = 400;

fn spec(modes: &[u32], b: u32, s: Stages) -> MixedSpec {
    MixedSpec {
        modes: Some(modes.to_vec()),
        block: Some(b),
        stages: Some(s),
        ..Default::default()
    }
}

/// Generates `u` with its testbench and `v`, and checks it with every tool.
fn check_with(u: &MixedUnit, v: &[mixed_vectors::MixedVector]) {
    check_generated(
        "mixed-matrix",
        &u.name,
        &mixed_files(u, true).unwrap(),
        &mixed_vectors::to_text(u, v, 0x5eed),
        v.len(),
    );
}

fn check_unit(u: &MixedUnit) {
    check_with(u, &mixed_vectors::generate(u, OPS, 0x5eed));
}

fn check_all_stages(modes: &[u32], b: u32) {
    for s in [Stages::Count(0), Stages::Count(1), Stages::Max] {
        check_unit(&spec(modes, b, s).resolve().unwrap());
    }
}

macro_rules! matrix {
    ($($name:ident: $modes:expr, $b:expr;)*) => {$(
        #[test]
        #[ignore = "needs verilator, iverilog and yosys: run by `make test`"]
        fn $name() {
            check_all_stages(&$modes, $b);
        }
    )*};
}

matrix! {
    m468_b1: [4, 6, 8], 1;
    m468_b3: [4, 6, 8], 3;
    m468_b16: [4, 6, 8], 16;
    m46_b5: [4, 6], 5;
    m46_b64: [4, 6], 64;
    m48_b7: [4, 8], 7;
    m68_b2: [6, 8], 2;
}

/// Single modes, tags, the narrowest exponent, and a wide unit.
#[test]
#[ignore = "needs verilator, iverilog and yosys: run by `make test`"]
fn shapes() {
    let variants = [
        spec(&[4], 4, Stages::Count(2)),
        spec(&[6], 3, Stages::Max),
        spec(&[8], 2, Stages::Count(1)),
        MixedSpec {
            tag_bits: Some(7),
            exp_bits: Some(2),
            ..spec(&[4, 6, 8], 6, Stages::Count(3))
        },
        MixedSpec {
            tag_bits: Some(64),
            exp_bits: Some(16),
            ..spec(&[4, 6], 9, Stages::Count(0))
        },
        spec(&[4, 6, 8], 64, Stages::Count(4)),
    ];
    for v in variants {
        check_unit(&v.resolve().unwrap());
    }
}

/// Law: in 6-bit mode at B = 1, every pair of codes (4096 operations) gives hbfp_dot's result, in
/// a unit built for 4, 6 and 8 bits (random bits above the code) and in one built for 4 and 6.
#[test]
#[ignore = "needs verilator, iverilog and yosys: run by `make test`"]
fn exhaustive_m6_b1() {
    for modes in [[4, 6, 8].as_slice(), &[4, 6]] {
        let u = spec(modes, 1, Stages::Max).resolve().unwrap();
        let v = mixed_vectors::exhaustive(&u, 6, 9).unwrap();
        assert_eq!(v.len(), 4096);
        check_with(&u, &v);
    }
}
