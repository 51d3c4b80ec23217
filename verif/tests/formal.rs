//! Formal equivalence (Yosys + yosys-smtbmc + yices, or `$SMT_SOLVER`): the deepest pipeline of
//! M = 4, B = 8 computes the same stream as the combinational unit, and the same check refutes a
//! unit with a deliberate fault; the mixed-mantissa unit computes hbfp_dot of every mode. Needs yosys and yices (`make setup`).

use hbfp_verif::formal::check;
use hbfpgen::dot::emit::Fault;
use hbfpgen::dot::{Datapath, DotSpec, DotUnit, Stages};
use std::path::PathBuf;

/// The deepest pipeline of M x B with the tree datapath (S = ceil(log2 B) + 2). The handshake and
/// registers under proof are the same for both datapaths; the bit heap's deepest pipeline at B = 8
/// has S = 7, and the bounded check under stalls (S + 3 cycles, about four times longer per cycle)
/// had not finished after 8 min, so the bit heap's pipelines are left to co-simulation and the RTL
/// matrix, and its datapath is proved equal to the tree's below.
fn deepest(m: u32, b: u32) -> DotUnit {
    DotSpec {
        mantissa: Some(m),
        block: Some(b),
        stages: Some(Stages::Max),
        datapath: Some(hbfpgen::dot::Datapath::Tree),
        ..Default::default()
    }
    .resolve()
    .unwrap()
}

fn work(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("formal")
        .join(name)
}

/// Law: for M = 4, B = 8 the deepest pipeline (S = 5) equals S = 0 delayed by S at full rate, for
/// every depth (k-induction), and under arbitrary back-pressure for `stall_depth` cycles from reset.
#[test]
fn deepest_pipeline_m4_b8_equals_the_combinational_unit() {
    let unit = deepest(4, 8);
    assert_eq!(unit.stages, unit.max_stages());
    let report = check(&work("m4_b8"), &unit, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.steps.len(), 3);
    assert!(
        report.passed(),
        "{report}\n{}",
        report
            .steps
            .iter()
            .map(|s| s.log_tail.as_str())
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
    println!("{report}");
}

/// Law: the proof can fail. A wrong lane product and an output that ignores back-pressure are
/// each refuted with a counterexample trace.
#[test]
fn the_formal_check_refutes_broken_units() {
    let unit = deepest(4, 8);
    for (fault, dir, miter) in [
        (Fault::LaneProduct(6), "lane6", "full rate"),
        (Fault::IgnoreBackpressure, "ready", "stalls"),
    ] {
        let report = check(&work(dir), &unit, Some(fault)).unwrap_or_else(|e| panic!("{e}"));
        let failed: Vec<_> = report.steps.iter().filter(|s| !s.passed).collect();
        assert!(
            failed.iter().any(|s| s.what.starts_with(miter)),
            "{fault} was not refuted by the {miter} miter:\n{report}"
        );
        assert!(
            failed.iter().all(|s| s.counterexample.is_some()),
            "no counterexample trace:\n{report}"
        );
    }
}

fn mixed(modes: &[u32], b: u32, s: u32) -> hbfpgen::mixed::MixedUnit {
    // The tree datapath: with the bit heap (the default) the HBFP4/6 proof takes about 3 min
    // instead of 22 s; the bit heap is proved equal to the tree apart (M = 4, B = 1 and 2 below)
    // and the mixed unit with the bit heap is covered by the RTL and co-simulation matrices.
    hbfpgen::mixed::MixedSpec {
        modes: Some(modes.to_vec()),
        block: Some(b),
        stages: Some(Stages::Count(s)),
        datapath: Some(hbfpgen::dot::Datapath::Tree),
        ..Default::default()
    }
    .resolve()
    .unwrap()
}

/// Law: the mixed-mantissa unit gives hbfp_dot's result for every operation that completes within
/// the bound, whatever the operands, the mode of each operation, the gaps and the stalls. In
/// `make test`: HBFP4/6 on 1 lane at S = 1, 8 cycles from reset (an HBFP6 operation, which takes 4
/// cycles and leaves 5 later, among HBFP4 ones: 4.7 s, where 9 cycles took 17 s and 10 took 38 s). With
/// `MIXED_FORMAL_WIDE=1` (`make formal`): HBFP4/6/8 on 1 lane, 13 cycles, which covers an HBFP8
/// operation and the unbuilt mode code (minutes: the solver must show that the digit products
/// recombine to an 8 x 8 product).
#[test]
fn mixed_unit_equals_hbfp_dot_in_every_mode() {
    let wide = std::env::var_os("MIXED_FORMAL_WIDE").is_some();
    let (modes, depth, dir): (&[u32], u32, &str) = if wide {
        (&[4, 6, 8], 13, "mixed_m468_b1")
    } else {
        (&[4, 6], 8, "mixed_m46_b1")
    };
    let u = mixed(modes, 1, 1);
    let sv = hbfpgen::unit::Unit::sv(&u).unwrap();
    let report = hbfp_verif::formal::check_mixed(&work(dir), &u, &sv, depth)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.passed(), "{report}\n{}", report.steps[0].log_tail);
    println!("{report}");
}

/// Law: the mixed miter can fail. In HBFP4/6/8 on 2 lanes, a unit whose accumulator forgets the
/// shift by 3 (Horner's rule broken) and one that ends a 6-bit operation after its first beat are
/// each refuted with a counterexample within 12 cycles.
#[test]
fn the_mixed_check_refutes_broken_units() {
    let u = mixed(&[4, 6, 8], 2, 1);
    let sv = hbfpgen::unit::Unit::sv(&u).unwrap();
    let no_shift = sv.replace("(acc_shift ? {acc_q", "(1'b0 ? {acc_q");
    assert_ne!(no_shift, sv, "the mutation applies");
    let short = sv.replacen("beat_last = 1'b0", "beat_last = 1'b1", 1);
    assert_ne!(short, sv, "the mutation applies");
    for (name, text) in [("noshift", no_shift), ("short", short)] {
        let report = hbfp_verif::formal::check_mixed(&work(name), &u, &text, 12)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!report.passed(), "{name} was not refuted:\n{report}");
        assert!(report.steps[0].counterexample.is_some(), "{report}");
    }
}

/// Law: the bit-heap datapath equals the multiplier-and-tree datapath on every input (a SAT proof
/// of the miter of the two combinational hbfp_dot units), for shapes that cover one Booth row
/// (M = 2), two rows with an odd M (3), an even M (4, also the mixed unit's lanes at B = 1), three
/// and four rows (6, 7) and odd and even block sizes; and the proof fails, with a counterexample, when one Booth row bit is inverted.
#[test]
fn bitheap_equals_tree_on_every_input_of_small_shapes() {
    let mut shapes = vec![(2, 5), (3, 3), (4, 1), (6, 1)];
    if wide_datapath_proofs() {
        shapes.extend([(4, 2), (7, 1)]);
    }
    prove_against_tree(
        Datapath::Bitheap,
        &shapes,
        (3, 2),
        "a flipped Booth row bit",
    );
}

/// Law: the packed datapath (`--datapath dsp2`, two lanes per multiplier, the borrow of the low
/// field as a carry in, the offsets' constant) computes the same sum as the tree for every input,
/// proved for small shapes (odd B: a lane that multiplies alone); the proof fails when one bit of a
/// pair's value is inverted.
#[test]
fn dsp2_equals_tree_on_every_input_of_small_shapes() {
    let mut shapes = vec![(2, 2), (2, 3), (2, 5), (3, 2), (4, 1)];
    if wide_datapath_proofs() {
        shapes.push((4, 2));
    }
    prove_against_tree(Datapath::Dsp2, &shapes, (2, 2), "a flipped pair value bit");
}

/// Whether the datapath proofs take their slower shapes too (bitheap 4 x 2 and 7 x 1, dsp2 4 x 2:
/// 9 to 27 s each): `make formal` sets `DATAPATH_FORMAL_WIDE=1`; `make test` proves the others.
fn wide_datapath_proofs() -> bool {
    std::env::var("DATAPATH_FORMAL_WIDE").is_ok_and(|v| v == "1")
}

/// Proves `datapath` equal to the tree for each M x B of `shapes`, then that the proof fails for
/// the shape `fault_shape` built with lane 1's first bit inverted (`fault`, for the message).
fn prove_against_tree(
    datapath: Datapath,
    shapes: &[(u32, u32)],
    fault_shape: (u32, u32),
    fault: &str,
) {
    use hbfp_verif::formal_datapath::check_datapaths;
    for &(m, b) in shapes {
        let t = std::time::Instant::now();
        let out = check_datapaths(
            &work(&format!("{datapath}_m{m}_b{b}")),
            m,
            b,
            datapath,
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.equal, "{datapath}, M = {m}, B = {b}:\n{}", out.log_tail);
        println!(
            "{datapath} = tree, M = {m}, B = {b}: proved in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let (m, b) = fault_shape;
    let out = check_datapaths(
        &work(&format!("{datapath}_fault")),
        m,
        b,
        datapath,
        Some(Fault::LaneProduct(1)),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.equal, "{fault} was not caught");
    assert!(out.log_tail.contains("model found"), "{}", out.log_tail);
}
