//! Test vectors of `mls_mac`: sequences of MLS block pairs, each long dot product framed by
//! `first` and `last`, with the golden model's accumulator after every pair (docs/vectors.md).

use super::MlsMacUnit;
use crate::format::mask;
use crate::model::mls::MlsBlock;
use crate::unit::Unit;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One block pair of a long dot product, and the accumulator after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MlsMacVector {
    /// Block A.
    pub a: MlsBlock,
    /// Block B.
    pub b: MlsBlock,
    /// The pair begins a dot product.
    pub first: bool,
    /// The pair ends a dot product: the unit outputs the accumulator.
    pub last: bool,
    /// The tag.
    pub tag: u64,
    /// The golden model's accumulator after this pair.
    pub expected: u64,
    /// The context the pair belongs to (0 without contexts).
    pub ctx: u32,
}

/// About `count` block pairs in dot products of 1 to 6 pairs (or C streams of them with
/// contexts), random codes and group scales; one pair in 8 cancels the previous one (A negated),
/// one in 16 is a corner (every lane at the largest magnitude and the smallest shift, or zero).
pub fn generate(unit: &MlsMacUnit, count: usize, seed: u64) -> Vec<MlsMacVector> {
    let d = &unit.dot;
    let l = d.layout;
    let (k, n) = (d.block as usize, d.groups() as usize);
    let sign = 1u64 << (l.elem.bits() - 1);
    let top = l
        .elem
        .encode(false, l.elem.max_fixed())
        .expect("the top code");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let product = |rng: &mut ChaCha8Rng, pairs: usize| {
        let mut out = Vec::new();
        let mut acc_v = unit.acc.format.zero(false);
        let mut prev: Option<(MlsBlock, MlsBlock)> = None;
        // a dot product's scales lean one way, so that sums reach both ends of the accumulator
        let umax = u64::from(l.umax());
        let (ulo, uhi) = if rng.gen_bool(0.5) {
            (0, umax)
        } else {
            (umax / 2, umax)
        };
        for i in 0..pairs {
            let (a, b) = if let (Some((pa, pb)), true) = (&prev, rng.gen_ratio(1, 8)) {
                let a = MlsBlock {
                    elems: pa.elems.iter().map(|&c| c ^ sign).collect(),
                    scales: pa.scales.clone(),
                };
                (a, pb.clone())
            } else if rng.gen_ratio(1, 16) {
                let c = if rng.gen_bool(0.5) { top } else { 0 };
                let blk = MlsBlock {
                    elems: vec![c; k],
                    scales: vec![0; n],
                };
                (blk.clone(), blk)
            } else {
                let blk = |rng: &mut ChaCha8Rng| MlsBlock {
                    elems: (0..k)
                        .map(|_| rng.gen::<u64>() & mask(l.elem.bits()))
                        .collect(),
                    scales: (0..n).map(|_| rng.gen_range(ulo..=uhi)).collect(),
                };
                (blk(rng), blk(rng))
            };
            let start = if i == 0 {
                unit.acc.format.zero(false)
            } else {
                acc_v
            };
            acc_v = unit.add_pair(start, &a, &b);
            out.push(MlsMacVector {
                a: a.clone(),
                b: b.clone(),
                first: i == 0,
                last: i + 1 == pairs,
                tag: rng.gen::<u64>() & mask(unit.tag_bits),
                expected: acc_v,
                ctx: 0,
            });
            prev = Some((a, b));
        }
        out
    };
    crate::acc_loop::in_turns(unit.schedule.contexts, count, &mut rng, product)
        .into_iter()
        .map(|(ctx, v)| MlsMacVector { ctx, ..v })
        .collect()
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &MlsMacUnit, vectors: &[MlsMacVector], seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let l = unit.dot.layout;
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "a_elem" => Value::lanes(v.a.elems.iter().copied(), l.elem.bits()),
                "a_scale" => Value::lanes(v.a.scales.iter().copied(), l.scale_bits),
                "b_elem" => Value::lanes(v.b.elems.iter().copied(), l.elem.bits()),
                "b_scale" => Value::lanes(v.b.scales.iter().copied(), l.scale_bits),
                "first" => Value::one(u64::from(v.first)),
                "last" => Value::one(u64::from(v.last)),
                "tag" => Value::one(v.tag),
                "acc" => Value::one(v.expected),
                "acc_ctx" => Value::one(u64::from(v.ctx)),
                other => unreachable!("mls_mac has no field {other}"),
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
