//! Test vectors of `mls_dot`: operand blocks with the golden model's result, corner cases first
//! (docs/vectors.md for the file format).

use super::MlsDotUnit;
use crate::format::mask;
use crate::model::mls::MlsBlock;
use crate::unit::Unit;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One vector: operands, tag and the golden model's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MlsDotVector {
    /// Block A.
    pub a: MlsBlock,
    /// Block B.
    pub b: MlsBlock,
    /// The tag (0 without tag ports).
    pub tag: u64,
    /// The golden model's result, in units of 2^-frac_bits.
    pub expected: i128,
}

/// The corner pairs of `unit`: every lane at the largest magnitude of equal and of opposite signs
/// (the largest and smallest sums) at the smallest and the largest group scales, zero blocks, the
/// smallest subnormal, each group at another scale, and alternating signs.
pub fn corner_pairs(unit: &MlsDotUnit) -> Vec<(MlsBlock, MlsBlock)> {
    let l = &unit.layout;
    let (k, n) = (unit.block as usize, unit.groups() as usize);
    let sign = 1u64 << (l.elem.bits() - 1);
    let top = l
        .elem
        .encode(false, l.elem.max_fixed())
        .expect("the top code");
    let umax = u64::from(l.umax());
    let all = |c: u64, u: u64| MlsBlock {
        elems: vec![c; k],
        scales: vec![u; n],
    };
    let mut v = vec![
        (all(top, 0), all(top, 0)),
        (all(top, 0), all(top | sign, 0)),
        (all(top | sign, 0), all(top | sign, 0)),
        (all(top, umax), all(top, umax)),
        (all(top, 0), all(top | sign, umax)),
        (all(0, 0), all(0, 0)),
        (all(1, umax), all(1 | sign, umax)),
        (all(sign, 0), all(top, 0)),
    ];
    // each group at its own scale, and signs alternating by lane
    let stair = MlsBlock {
        elems: (0..k)
            .map(|i| if i % 2 == 1 { top | sign } else { top })
            .collect(),
        scales: (0..n as u64).map(|j| j % (umax + 1)).collect(),
    };
    v.push((stair.clone(), all(top, 1.min(umax))));
    v.push((all(1, umax), stair));
    v
}

/// `count` vectors for `unit`: the corners first, then random pairs from `seed` (random codes and
/// group scales).
pub fn generate(unit: &MlsDotUnit, count: usize, seed: u64) -> Vec<MlsDotVector> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pairs = corner_pairs(unit);
    pairs.truncate(count);
    let l = unit.layout;
    let (k, n) = (unit.block as usize, unit.groups() as usize);
    while pairs.len() < count {
        let block = |rng: &mut ChaCha8Rng| MlsBlock {
            elems: (0..k)
                .map(|_| rng.gen::<u64>() & mask(l.elem.bits()))
                .collect(),
            scales: (0..n)
                .map(|_| rng.gen_range(0..=u64::from(l.umax())))
                .collect(),
        };
        let a = block(&mut rng);
        let b = block(&mut rng);
        pairs.push((a, b));
    }
    pairs
        .into_iter()
        .map(|(a, b)| vector(unit, a, b, &mut rng))
        .collect()
}

/// Every pair of codes at K = 1, with random group scales.
pub fn exhaustive(unit: &MlsDotUnit, seed: u64) -> Vec<MlsDotVector> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let bits = unit.layout.elem.bits();
    let umax = u64::from(unit.layout.umax());
    let mut v = Vec::new();
    for a in 0..1u64 << bits {
        for b in 0..1u64 << bits {
            let a = MlsBlock {
                elems: vec![a],
                scales: vec![rng.gen_range(0..=umax)],
            };
            let b = MlsBlock {
                elems: vec![b],
                scales: vec![rng.gen_range(0..=umax)],
            };
            v.push(vector(unit, a, b, &mut rng));
        }
    }
    v
}

fn vector(unit: &MlsDotUnit, a: MlsBlock, b: MlsBlock, rng: &mut ChaCha8Rng) -> MlsDotVector {
    let expected = unit.dot(&a, &b);
    MlsDotVector {
        a,
        b,
        tag: rng.gen::<u64>() & mask(unit.tag_bits),
        expected,
    }
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &MlsDotUnit, vectors: &[MlsDotVector], seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let (w, gb) = (unit.layout.elem.bits(), unit.layout.scale_bits);
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "a_elem" => Value::lanes(v.a.elems.iter().copied(), w),
                "a_scale" => Value::lanes(v.a.scales.iter().copied(), gb),
                "b_elem" => Value::lanes(v.b.elems.iter().copied(), w),
                "b_scale" => Value::lanes(v.b.scales.iter().copied(), gb),
                "tag" => Value::one(v.tag),
                "sum" => Value::wide(v.expected),
                other => unreachable!("mls_dot has no field {other}"),
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
