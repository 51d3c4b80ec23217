//! Formal equivalence (Yosys + yosys-smtbmc + yices, or `$SMT_SOLVER`): the deepest pipeline of
//! M = 4, B = 8 computes the same stream as the combinational unit, and the same check refutes a
//! unit with a deliberate fault. Needs yosys and yices (`make setup`).

use hbfp_verif::formal::check;
use hbfp_verif::Fault;
use hbfpgen::dot::{DotSpec, DotUnit, Stages};
use std::path::PathBuf;

fn deepest(m: u32, b: u32) -> DotUnit {
    DotSpec {
        mantissa: Some(m),
        block: Some(b),
        stages: Some(Stages::Max),
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
