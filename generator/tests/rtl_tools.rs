//! The RTL matrix: for M in {4, 6, 8} x B in {1, 3, 16, 64, 256} x S in {0, 1, max} (and a tagged
//! unit), every generated unit passes `verilator --lint-only -Wall` with no waivers, Yosys 0.23
//! `read_verilog -sv; hierarchy -check; proc; check -assert`, and its self-checking testbench under
//! Icarus and under Verilator, on vectors from the golden model.
//!
//! These tests need verilator, iverilog and yosys (`make setup`), so they are `#[ignore]`d in a plain
//! `cargo test`; `make test` runs them with `--ignored`.

use hbfpgen::dot::{DotSpec, DotUnit, Stages};
use hbfpgen::{dot_files, vectors};

const VECTORS: usize = 200;

mod common;
use common::check_generated;

fn unit(m: u32, b: u32, s: Stages, t: u32) -> DotUnit {
    DotSpec {
        mantissa: Some(m),
        block: Some(b),
        stages: Some(s),
        tag_bits: Some(t),
        ..Default::default()
    }
    .resolve()
    .unwrap()
}

/// Generates `u` with its testbench and vectors, and checks it with every tool.
fn check_unit(u: &DotUnit) {
    let v = vectors::generate(u, VECTORS, 0x5eed);
    check_generated(
        "rtl-matrix",
        &u.name,
        &dot_files(u, true).unwrap(),
        &vectors::to_text(u, &v, 0x5eed),
        VECTORS,
    );
}

fn check_all_stages(m: u32, b: u32) {
    for s in [Stages::Count(0), Stages::Count(1), Stages::Max] {
        check_unit(&unit(m, b, s, 0));
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
    m4_b256: 4, 256;
    m6_b1: 6, 1;
    m6_b3: 6, 3;
    m6_b16: 6, 16;
    m6_b64: 6, 64;
    m6_b256: 6, 256;
    m8_b1: 8, 1;
    m8_b3: 8, 3;
    m8_b16: 8, 16;
    m8_b64: 8, 64;
    m8_b256: 8, 256;
}

#[test]
#[ignore = "needs verilator, iverilog and yosys: run by `make test`"]
fn tagged_and_odd_shapes() {
    check_unit(&unit(4, 5, Stages::Count(2), 7));
    check_unit(&unit(4, 5, Stages::Count(0), 3));
    check_unit(&unit(2, 2, Stages::Max, 64));
    check_unit(&unit(16, 9, Stages::Count(3), 1));
    let e2 = DotSpec {
        mantissa: Some(3),
        block: Some(6),
        exp_bits: Some(2),
        ..Default::default()
    };
    check_unit(&e2.resolve().unwrap());
}
