//! Test vectors of `mx_dot`: operand blocks with the golden model's result, corner cases first
//! (docs/vectors.md for the file format).

use super::MxDotUnit;
use crate::format::{mask, MxElement, MxValue};
use crate::model::mx::{MxBlock, MxDotResult};
use crate::unit::Unit;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One vector: operands, tag and the golden model's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxDotVector {
    /// Block A.
    pub a: MxBlock,
    /// Block B.
    pub b: MxBlock,
    /// The tag (0 without tag ports).
    pub tag: u64,
    /// The golden model's result.
    pub expected: MxDotResult,
}

/// Named codes of an element format: the largest finite magnitude of each sign, the smallest
/// subnormal, one, zero of each sign, and the special codes it has.
pub fn special_codes(f: MxElement) -> Vec<u64> {
    let w = f.bits();
    let sign = 1u64 << (w - 1);
    let finite: Vec<u64> = (0..1u64 << w)
        .filter(|&p| matches!(f.decode(p), MxValue::Finite { .. }))
        .collect();
    let fixed = |p: u64| match f.decode(p) {
        MxValue::Finite { fixed, .. } => fixed,
        _ => 0,
    };
    let top = *finite
        .iter()
        .filter(|&&p| p & sign == 0)
        .max_by_key(|&&p| fixed(p))
        .expect("a finite code");
    let mut v = vec![top, 1, 0];
    if f == MxElement::Int8 {
        v.extend([0x80, 0x81, 0x40, 0xff]);
    } else {
        v.extend([top | sign, sign, 1 | sign]);
    }
    match f {
        MxElement::Fp8E4M3 => v.extend([0x7f, 0xff]),
        MxElement::Fp8E5M2 => v.extend([0x7c, 0xfc, 0x7d, 0xff]),
        _ => {}
    }
    v
}

/// A random code of `f`: finite only when `finite`, else any pattern.
pub fn random_code(f: MxElement, rng: &mut ChaCha8Rng, finite: bool) -> u64 {
    loop {
        let p = rng.gen::<u64>() & mask(f.bits());
        if !finite || matches!(f.decode(p), MxValue::Finite { .. }) {
            return p;
        }
    }
}

/// A random scale: anywhere in 0 to 254, the NaN code in one block in 16.
fn random_scale(rng: &mut ChaCha8Rng) -> i64 {
    if rng.gen_ratio(1, 16) {
        128
    } else {
        rng.gen_range(-127..=127)
    }
}

/// The corner pairs of `unit`: every lane at the extremes (the largest and smallest sums), zero
/// blocks, the extreme and NaN scales, and each special code of either side alone in a finite
/// block.
pub fn corner_pairs(unit: &MxDotUnit) -> Vec<(MxBlock, MxBlock)> {
    let k = unit.block as usize;
    let all = |scale: i64, c: u64| MxBlock {
        scale,
        codes: vec![c; k],
    };
    let (sa, sb) = (special_codes(unit.a), special_codes(unit.b));
    let mut v = vec![
        (all(0, sa[0]), all(0, sb[0])),
        (all(0, sa[0]), all(0, sb[3])),
        (all(-127, 0), all(-127, 0)),
        (all(-127, sa[0]), all(127, sb[0])),
        (all(127, sa[1]), all(127, sb[1])),
        (all(128, sa[0]), all(0, sb[0])),
        (all(0, sa[0]), all(128, sb[0])),
    ];
    // INT8's -128 in every lane on both sides: the largest product
    if unit.a == MxElement::Int8 && unit.b == MxElement::Int8 {
        v.push((all(0, 0x80), all(0, 0x80)));
    }
    for (i, &c) in sa.iter().enumerate() {
        let mut a = all(0, sa[0]);
        a.codes[i % k] = c;
        v.push((a, all(1, sb[i % sb.len()])));
    }
    for (i, &c) in sb.iter().enumerate() {
        let mut b = all(0, sb[0]);
        b.codes[(i + 1) % k] = c;
        v.push((all(-1, sa[(i + 2) % sa.len()]), b));
    }
    v
}

/// `count` vectors for `unit`: the corners first, then random pairs from `seed` (half of them of
/// finite codes only, the others of any code).
pub fn generate(unit: &MxDotUnit, count: usize, seed: u64) -> Vec<MxDotVector> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pairs = corner_pairs(unit);
    pairs.truncate(count);
    let k = unit.block as usize;
    while pairs.len() < count {
        let finite = rng.gen_bool(0.5);
        let block = |f: MxElement, rng: &mut ChaCha8Rng| MxBlock {
            scale: random_scale(rng),
            codes: (0..k).map(|_| random_code(f, rng, finite)).collect(),
        };
        let a = block(unit.a, &mut rng);
        let b = block(unit.b, &mut rng);
        pairs.push((a, b));
    }
    pairs
        .into_iter()
        .map(|(a, b)| vector(unit, a, b, &mut rng))
        .collect()
}

/// Every pair of codes at K = 1, with random scales.
pub fn exhaustive(unit: &MxDotUnit, seed: u64) -> Vec<MxDotVector> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut v = Vec::new();
    for a in 0..1u64 << unit.a.bits() {
        for b in 0..1u64 << unit.b.bits() {
            let (sa, sb) = (random_scale(&mut rng), random_scale(&mut rng));
            let a = MxBlock {
                scale: sa,
                codes: vec![a],
            };
            let b = MxBlock {
                scale: sb,
                codes: vec![b],
            };
            v.push(vector(unit, a, b, &mut rng));
        }
    }
    v
}

fn vector(unit: &MxDotUnit, a: MxBlock, b: MxBlock, rng: &mut ChaCha8Rng) -> MxDotVector {
    let expected = unit.dot(&a, &b);
    MxDotVector {
        a,
        b,
        tag: rng.gen::<u64>() & mask(unit.tag_bits),
        expected,
    }
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &MxDotUnit, vectors: &[MxDotVector], seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "a_elem" => Value::lanes(v.a.codes.iter().copied(), unit.a.bits()),
                "a_scale" => Value::one(v.a.scale_code()),
                "b_elem" => Value::lanes(v.b.codes.iter().copied(), unit.b.bits()),
                "b_scale" => Value::one(v.b.scale_code()),
                "tag" => Value::one(v.tag),
                "sum" => Value::wide(v.expected.sum),
                "exp" => Value::signed(v.expected.exp),
                "nan" => Value::one(u64::from(v.expected.nan)),
                "pinf" => Value::one(u64::from(v.expected.pinf)),
                "ninf" => Value::one(u64::from(v.expected.ninf)),
                other => unreachable!("mx_dot has no field {other}"),
            })
        })
        .collect();
    VectorFile {
        layout: &layout,
        unit_line: format!("unit={} ({})", unit.name, super::emit::command_line(unit)),
        seed,
    }
    .text(&words)
}
