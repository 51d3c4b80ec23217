//! Proptest strategies for operations and streams, weighted toward the corners: every lane at the
//! most negative code, zero blocks, NaN blocks, exponents at both extremes, mixed signs, and long
//! stalls on either side.

use crate::harness::{Case, Op};
use hbfpgen::dot::DotUnit;
use hbfpgen::format::mask;
use proptest::collection::vec;
use proptest::prelude::*;

/// A block (exponent, element codes) of `unit`'s format, corners weighted.
pub fn block(unit: &DotUnit) -> BoxedStrategy<(i64, Vec<i64>)> {
    let f = unit.format;
    let (lo, hi) = (f.element.min_code(), f.element.max_code());
    let (emin, emax) = (f.scale.min_exp(), f.scale.max_exp());
    let b = f.block as usize;
    let exp = prop_oneof![
        3 => Just(emin),
        2 => Just(emin + 1),
        3 => Just(emax), // NaN
        2 => Just(emax - 1),
        1 => Just(0i64),
        8 => emin..=emax,
    ];
    let man = prop_oneof![
        2 => Just(vec![lo; b]),
        1 => Just(vec![hi; b]),
        1 => Just(vec![0; b]),
        2 => vec(prop_oneof![Just(lo), Just(hi), Just(-1i64), Just(1i64)], b),
        6 => vec(lo..=hi, b),
    ];
    let zero = Just((f.scale.zero_exp(), vec![0; b]));
    prop_oneof![1 => zero, 9 => (exp, man)].boxed()
}

/// One operation of `unit`: two blocks and a tag over the unit's whole tag width.
pub fn op(unit: &DotUnit) -> BoxedStrategy<Op> {
    let tag = 0..=mask(unit.tag_bits);
    (block(unit), block(unit), tag)
        .prop_map(|(a, b, tag)| Op { a, b, tag })
        .boxed()
}

/// Input gaps: mostly none, some short, some long.
fn gaps() -> BoxedStrategy<Vec<u8>> {
    vec(
        prop_oneof![6 => Just(0u8), 3 => 1u8..4, 1 => 20u8..80],
        0..6,
    )
    .boxed()
}

/// Output ready pattern: runs of ready and stalled cycles, stalls short or long.
fn ready() -> BoxedStrategy<Vec<(bool, u8)>> {
    vec(
        prop_oneof![
            3 => (Just(true), 1u8..6),
            3 => (Just(false), 1u8..4),
            1 => (Just(false), 20u8..120),
        ],
        1..6,
    )
    .boxed()
}

/// A stream of 1 to `max_ops` operations with random input gaps and output stalls, no reset.
pub fn stream(unit: &DotUnit, max_ops: usize) -> BoxedStrategy<Case> {
    (vec(op(unit), 1..=max_ops), gaps(), ready())
        .prop_map(|(ops, gaps, ready)| Case {
            ops,
            gaps,
            ready,
            resets: Vec::new(),
        })
        .boxed()
}

/// A stream without back-pressure: the consumer is always ready; input gaps are random.
pub fn unstalled(unit: &DotUnit, max_ops: usize) -> BoxedStrategy<Case> {
    (vec(op(unit), 1..=max_ops), gaps())
        .prop_map(|(ops, gaps)| Case {
            ops,
            gaps,
            ready: Vec::new(),
            resets: Vec::new(),
        })
        .boxed()
}

/// A stream with one to three resets in its middle (for clocked units), with gaps and stalls.
pub fn with_resets(unit: &DotUnit, max_ops: usize) -> BoxedStrategy<Case> {
    let horizon = (max_ops as u16 + unit.stages as u16) * 2 + 4;
    (stream(unit, max_ops), vec((1..horizon, 1u8..4), 1..=3))
        .prop_map(|(mut c, r)| {
            c.resets = r;
            c
        })
        .boxed()
}
