//! Co-simulation properties: every compiled model, driven through its Verilator model, agrees with
//! the golden model bit for bit and obeys the handshake, latency and reset laws of
//! `docs/verification.md`. Cases per model and property: `PROPTEST_CASES` (default below; `make
//! soak` raises it). A failure prints the shrunk case, its waveform and the command that replays it.

use hbfp_verif::check::{cases, check, record};
use hbfp_verif::dut::Dut;
use hbfp_verif::harness::{run, Case, Op};
use hbfp_verif::{strategy, Fault, ModelInfo, MODELS};
use hbfpgen::dot::DotUnit;
use proptest::strategy::BoxedStrategy;

const CASES: u32 = 32;
const MAX_OPS: usize = 24;

/// Checks `property` on every correct model that `which` selects; reports every failure at once.
fn on_models(
    property: &str,
    which: impl Fn(&ModelInfo) -> bool,
    strategy: impl Fn(&DotUnit) -> BoxedStrategy<Case>,
) {
    let mut failures = Vec::new();
    let mut n = 0;
    for info in ModelInfo::correct().filter(|m| which(m)) {
        n += 1;
        if let Err(f) = check(info, property, strategy(&info.unit()), cases(CASES)) {
            failures.push(f.to_string());
        }
    }
    assert!(n > 0, "no model selected for {property}");
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// Law: under random input gaps and output stalls (long ones included), every result equals the
/// golden model (sum, exponent, NaN flag, tag), in order, none lost or duplicated, and a presented
/// result stays valid and stable until accepted.
#[test]
fn results_match_the_model_under_gaps_and_stalls() {
    on_models("stream", |_| true, |u| strategy::stream(u, MAX_OPS));
}

/// Law: without back-pressure every result comes out exactly S cycles after its operation was
/// accepted, and `in_ready_o` never falls: one operation per cycle.
#[test]
fn latency_is_s_and_throughput_one_per_cycle_without_backpressure() {
    on_models("unstalled", |_| true, |u| strategy::unstalled(u, MAX_OPS));
}

/// Law: `out_valid_o` is low during a reset, and after it only operations accepted after the reset
/// come out (nothing stale). Combinational units have no reset.
#[test]
fn a_reset_mid_stream_leaves_no_stale_output() {
    on_models(
        "reset",
        |m| m.stages > 0,
        |u| strategy::with_resets(u, MAX_OPS),
    );
}

/// Every element code pair of lanes x exponents (both extremes, the NaN code and the middle), as
/// operations streamed back to back.
fn exhaustive_ops(unit: &DotUnit) -> Vec<Op> {
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
    let mut ops = Vec::with_capacity(combos * exps.len());
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
            ops.push(Op {
                a: (ea, a),
                b: (eb, bb),
                tag: k as u64,
            });
        }
    }
    ops
}

/// Law: for M = 4 with B = 1 and B = 2, every mantissa combination, with exponents at both
/// extremes and in the middle, gives the golden model's result, at every pipeline depth.
#[test]
fn exhaustive_m4_b1_and_b2() {
    let models: Vec<&'static ModelInfo> = ModelInfo::correct()
        .filter(|m| m.mantissa == 4 && m.block <= 2 && m.tag_bits == 0)
        .collect();
    assert!(models.iter().any(|m| m.block == 1) && models.iter().any(|m| m.block == 2));
    for info in models {
        let unit = info.unit();
        let ops = exhaustive_ops(&unit);
        let mut dut = Dut::new(info);
        let mut results = 0;
        for chunk in ops.chunks(8192) {
            let case = Case {
                ops: chunk.to_vec(),
                gaps: Vec::new(),
                ready: Vec::new(),
                resets: Vec::new(),
            };
            match run(&mut dut, &case) {
                Ok(r) => results += r.results,
                Err(f) => {
                    let one = Case {
                        ops: f.op.map(|k| vec![chunk[k].clone()]).unwrap_or(case.ops),
                        ..case
                    };
                    panic!("{}", record(info, "exhaustive", &one, f.to_string()));
                }
            }
        }
        assert_eq!(results as usize, ops.len(), "{}", info.name);
    }
}

/// Law: the checks can fail. Each model built with a deliberate fault (one lane's product, one
/// exponent bit, the NaN flag, or the output ignoring back-pressure) is caught, and the failure leaves a VCD waveform of the shrunk
/// case and a command that replays it.
#[test]
fn deliberately_broken_units_are_caught_with_a_waveform() {
    let broken: Vec<&'static ModelInfo> = MODELS.iter().filter(|m| m.fault.is_some()).collect();
    assert!(broken
        .iter()
        .any(|m| matches!(m.fault, Some(Fault::LaneProduct(_)))));
    assert!(broken
        .iter()
        .any(|m| m.fault == Some(Fault::IgnoreBackpressure)));
    for info in broken {
        let unit = info.unit();
        let failed = check(info, "stream", strategy::stream(&unit, MAX_OPS), 64).expect_err(
            &format!("{} has a fault that the stream property missed", info.name),
        );
        let vcd = std::fs::read_to_string(&failed.waveform)
            .unwrap_or_else(|e| panic!("{}: no waveform: {e}\n{failed}", info.name));
        assert!(
            vcd.contains("$enddefinitions") && vcd.contains("sum_o"),
            "{}: the waveform lacks the unit's signals",
            info.name
        );
        assert!(failed.case_file.is_file(), "{failed}");
        assert!(failed.command.contains("verif-replay"), "{failed}");
        match info.fault {
            Some(Fault::IgnoreBackpressure) => assert!(
                failed.reason.contains("held result changed")
                    || failed.reason.contains("fell before")
                    || failed.reason.contains("lost")
                    || failed.reason.contains("RTL"),
                "{failed}"
            ),
            _ => assert!(failed.reason.contains("RTL"), "{failed}"),
        }
        // shrinking leaves a case small enough to read in the waveform (a lost result under the
        // ready fault can need a few operations to show)
        assert!(failed.ops <= 12, "{failed}");
    }
}

/// Law: the compiled matrix is the one issue 3 names: M {4, 6, 8} x B {1, 3, 16, 64} x S {0, 1,
/// max} x E {8, 10}, B = 256 for M = 4 and 8, and a tagged unit.
#[test]
fn the_matrix_is_complete() {
    let has = |m: u32, b: u32, e: u32, s: Option<u32>| {
        ModelInfo::correct().any(|x| {
            x.mantissa == m
                && x.block == b
                && x.exp_bits == e
                && x.tag_bits == 0
                && s.map_or(x.stages == x.unit().max_stages(), |s| x.stages == s)
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
    assert!(ModelInfo::correct().any(|x| x.tag_bits > 0 && x.stages > 0));
    assert!(ModelInfo::correct().any(|x| x.tag_bits == 64));
}
