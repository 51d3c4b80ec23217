//! The RTL matrix: for M in {4, 6, 8} x B in {1, 3, 16, 64, 256} x S in {0, 1, max} (and a tagged
//! unit), every generated unit passes `verilator --lint-only -Wall` with no waivers, Yosys 0.23
//! `read_verilog -sv; hierarchy -check; proc; check -assert`, and its self-checking testbench under
//! Icarus and under Verilator, on vectors from the golden model.
//!
//! These tests need verilator, iverilog and yosys (`make setup`), so they are `#[ignore]`d in a plain
//! `cargo test`; `make test` runs them with `--ignored`.

use hbfpgen::dot::{DotSpec, DotUnit, Stages};
use hbfpgen::{dot_files, output, vectors};
use std::path::Path;

const VECTORS: usize = 200;

mod common;
use common::run;

/// The closing line of a testbench run, as (passed, failed).
fn summary(log: &str) -> (usize, usize) {
    let line = log
        .lines()
        .rev()
        .find(|l| l.ends_with(" failed") && l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no `N passed, N failed` line in:\n{log}"));
    let n: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (n[0], n[1])
}

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
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("rtl-matrix")
        .join(&u.name);
    let _ = std::fs::remove_dir_all(&dir);
    output::write_all(&dir, &dot_files(u, true).unwrap()).unwrap();
    let v = vectors::generate(u, VECTORS, 0x5eed);
    let vec_name = format!("{}.vec", u.name);
    output::write_one(&dir.join(&vec_name), &vectors::to_text(u, &v, 0x5eed)).unwrap();
    let sv = format!("{}.sv", u.name);
    let tb = format!("{}_tb.sv", u.name);
    let top = format!("{}_tb", u.name);

    run(&dir, "verilator", &["--lint-only", "-Wall", &sv]);
    let script = format!(
        "read_verilog -sv {sv}; hierarchy -check -top {}; proc; check -assert",
        u.name
    );
    run(&dir, "yosys", &["-q", "-p", &script]);

    run(&dir, "iverilog", &["-g2012", "-o", "tb.vvp", &tb, &sv]);
    let log = run(&dir, "vvp", &["-n", "tb.vvp"]);
    assert_eq!(summary(&log), (VECTORS, 0), "Icarus, {}:\n{log}", u.name);

    run(
        &dir,
        "verilator",
        &[
            "--binary",
            "--top-module",
            &top,
            "-Mdir",
            "obj_dir",
            "-o",
            "tb",
            &tb,
            &sv,
        ],
    );
    let log = run(&dir, "obj_dir/tb", &["+seed=7"]);
    assert_eq!(summary(&log), (VECTORS, 0), "Verilator, {}:\n{log}", u.name);

    // The testbench can fail: one corrupted expected sum is one failure, in both simulators.
    let text = std::fs::read_to_string(dir.join(&vec_name)).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let first = lines.iter().position(|l| !l.starts_with("//")).unwrap();
    let last = lines[first].pop().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    lines[first].push(flipped);
    std::fs::write(dir.join("bad.vec"), lines.join("\n") + "\n").unwrap();
    let log = run(&dir, "vvp", &["-n", "tb.vvp", "+vectors=bad.vec"]);
    assert_eq!(
        summary(&log),
        (VECTORS - 1, 1),
        "Icarus must catch it:\n{log}"
    );
    let log = run(&dir, "obj_dir/tb", &["+vectors=bad.vec"]);
    assert_eq!(
        summary(&log),
        (VECTORS - 1, 1),
        "Verilator must catch it:\n{log}"
    );

    let _ = std::fs::remove_dir_all(&dir);
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
