//! Test vectors of `mx_mac`: sequences of MX block pairs, each long dot product framed by `first`
//! and `last`, with the golden model's accumulator after every pair (docs/vectors.md).

use super::MxMacUnit;
use crate::format::{mask, MxElement};
use crate::model::mx::MxBlock;
use crate::unit::Unit;
use crate::units::mx_dot::vectors::{random_code, special_codes};
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One block pair of a long dot product, and the accumulator after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxMacVector {
    /// Block A.
    pub a: MxBlock,
    /// Block B.
    pub b: MxBlock,
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

/// The negation of a code (INT8's -128 becomes 127).
fn negate(f: MxElement, c: u64) -> u64 {
    if f.is_float() {
        c ^ (1 << (f.bits() - 1))
    } else {
        (-(crate::format::sign_extend(c, 8)).min(127)) as u64 & 0xff
    }
}

/// About `count` block pairs in dot products of 1 to 6 pairs (or C streams of them with
/// contexts). Each dot product aims its block values at a random binade from below the
/// accumulator's smallest subnormal to above its largest value; one pair in 16 is a corner (a NaN
/// scale, a block of special or extreme codes, a zero block), one in 8 cancels the previous pair.
pub fn generate(unit: &MxMacUnit, count: usize, seed: u64) -> Vec<MxMacVector> {
    let d = &unit.dot;
    let acc = unit.acc.format;
    let k = d.block as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let frac = i64::from(d.frac_bits());
    let w = i64::from(d.sum_bits());
    let lo = i64::from(acc.emin()) - i64::from(acc.man_bits()) - w - 4;
    let hi = i64::from(acc.bias()) + 3;
    let product = |rng: &mut ChaCha8Rng, pairs: usize| {
        let mut out = Vec::new();
        let target = rng.gen_range(lo..=hi);
        let mut acc_v = acc.zero(false);
        let mut prev: Option<(MxBlock, MxBlock)> = None;
        for i in 0..pairs {
            let (a, b) = if let (Some((pa, pb)), true) = (&prev, rng.gen_ratio(1, 8)) {
                let a = MxBlock {
                    scale: pa.scale,
                    codes: pa.codes.iter().map(|&c| negate(d.a, c)).collect(),
                };
                (a, pb.clone())
            } else if rng.gen_ratio(1, 16) {
                let all = |scale: i64, c: u64| MxBlock {
                    scale,
                    codes: vec![c; k],
                };
                let (sa, sb) = (special_codes(d.a), special_codes(d.b));
                match rng.gen_range(0..4) {
                    0 => (all(128, sa[1]), all(0, sb[1])),
                    1 => (all(-127, 0), all(0, sb[0])),
                    2 => {
                        let mut a = all(0, sa[1]);
                        a.codes[0] = sa[rng.gen_range(0..sa.len())];
                        (
                            a,
                            all(rng.gen_range(-3..=3), sb[rng.gen_range(0..sb.len())]),
                        )
                    }
                    _ => (all(127, sa[0]), all(127, sb[0])),
                }
            } else {
                // the block value's lsb exponent X_a + X_b - F near the target
                let t = target + rng.gen_range(-4..=4);
                let xa = rng.gen_range(-127..=127i64);
                let xb = (t + frac - xa).clamp(-127, 127);
                let block = |rng: &mut ChaCha8Rng, f: MxElement, scale: i64| MxBlock {
                    scale,
                    codes: (0..k).map(|_| random_code(f, rng, true)).collect(),
                };
                (block(rng, d.a, xa), block(rng, d.b, xb))
            };
            let start = if i == 0 { acc.zero(false) } else { acc_v };
            acc_v = unit.add_pair(start, &a, &b);
            out.push(MxMacVector {
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
        .map(|(ctx, v)| MxMacVector { ctx, ..v })
        .collect()
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &MxMacUnit, vectors: &[MxMacVector], seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let d = &unit.dot;
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "a_elem" => Value::lanes(v.a.codes.iter().copied(), d.a.bits()),
                "a_scale" => Value::one(v.a.scale_code()),
                "b_elem" => Value::lanes(v.b.codes.iter().copied(), d.b.bits()),
                "b_scale" => Value::one(v.b.scale_code()),
                "first" => Value::one(u64::from(v.first)),
                "last" => Value::one(u64::from(v.last)),
                "tag" => Value::one(v.tag),
                "acc" => Value::one(v.expected),
                "acc_ctx" => Value::one(u64::from(v.ctx)),
                other => unreachable!("mx_mac has no field {other}"),
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
