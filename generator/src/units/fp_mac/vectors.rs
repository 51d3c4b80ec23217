//! Test vectors of `fp_mac`: operand pairs of dot products framed by `first` and `last`, with the
//! golden model's accumulator after every pair, in the format of [`crate::vectors`]
//! (docs/vectors.md). Only the words with `last` set produce an output.

use super::FpMacUnit;
use crate::format::mask;
use crate::unit::Unit;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One operand pair of an `fp_mac` dot product, and the accumulator after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FpMacVector {
    /// Operand a (bit pattern).
    pub a: u64,
    /// Operand b (bit pattern).
    pub b: u64,
    /// The pair begins a dot product.
    pub first: bool,
    /// The pair ends a dot product: the unit outputs the accumulator.
    pub last: bool,
    /// The tag (0 when the unit has none).
    pub tag: u64,
    /// The golden model's accumulator after this pair.
    pub expected: u64,
    /// The context the pair belongs to (0 without contexts).
    pub ctx: u32,
}

/// The layout of an `fp_mac` unit's vector words: `marker a b first last [tag] acc` (from its
/// ports).
pub fn layout(unit: &FpMacUnit) -> VectorLayout {
    VectorLayout::of_ports(&unit.ports())
}

/// About `count` operand pairs for `unit` from `seed`, in dot products of 1 to 6 pairs (with
/// contexts, C streams of them in turn order, [`crate::acc_loop::in_turns`]). Each dot
/// product aims its products at a random binade from below the accumulator's smallest subnormal
/// to above its largest value; one operand in 16 is a special value (zeros of both signs,
/// subnormals, the largest finite value, Inf, NaN), and one pair in 8 cancels the previous one.
pub fn generate(unit: &FpMacUnit, count: usize, seed: u64) -> Vec<FpMacVector> {
    let op = unit.mac.operand;
    let acc = unit.mac.acc.format;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let bias = i64::from(op.bias());
    let all_ones = (1i64 << op.exp_bits()) - 1;
    let lo = i64::from(acc.emin()) - i64::from(acc.man_bits()) - 4;
    let hi = i64::from(acc.bias()) + 3;
    let specials = [
        op.zero(false),
        op.zero(true),
        1,
        op.sign_bit(true) | 3,
        op.max_finite(false),
        op.max_finite(true),
        op.inf(false),
        op.inf(true),
        op.nan(),
    ];
    let random_operand = |rng: &mut ChaCha8Rng, e_unb: i64| -> u64 {
        if rng.gen_ratio(1, 16) {
            return specials[rng.gen_range(0..specials.len())];
        }
        let e = (e_unb + bias).clamp(0, all_ones - 1) as u64;
        let frac = rng.gen::<u64>() & mask(op.man_bits());
        op.sign_bit(rng.gen()) | (e << op.man_bits()) | frac
    };
    let product = |rng: &mut ChaCha8Rng, pairs: usize| {
        let mut out = Vec::new();
        let target = rng.gen_range(lo..=hi);
        let mut acc_v = acc.zero(false);
        let mut prev: Option<(u64, u64)> = None;
        for k in 0..pairs {
            let (a, b) = match (prev, rng.gen_ratio(1, 8)) {
                (Some((pa, pb)), true) => (pa ^ op.sign_bit(true), pb),
                _ => {
                    let t = target + rng.gen_range(-4..=4);
                    // a's exponent such that b's, t - ea, is in range too where possible
                    let (lo_a, hi_a) = ((t - bias).max(1 - bias), (t - 1 + bias).min(bias));
                    let ea = if lo_a <= hi_a {
                        rng.gen_range(lo_a..=hi_a)
                    } else {
                        lo_a.min(bias)
                    };
                    let a = random_operand(rng, ea);
                    (a, random_operand(rng, t - ea))
                }
            };
            let start = if k == 0 { acc.zero(false) } else { acc_v };
            acc_v = unit.mac.step(start, a, b);
            out.push(FpMacVector {
                a,
                b,
                first: k == 0,
                last: k + 1 == pairs,
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
        .map(|(ctx, v)| FpMacVector { ctx, ..v })
        .collect()
}

/// The text of a vector file for the `fp_mac` unit `unit`.
pub fn to_text(unit: &FpMacUnit, vectors: &[FpMacVector], seed: u64) -> String {
    let layout = layout(unit);
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "a" => Value::one(v.a),
                "b" => Value::one(v.b),
                "first" => Value::one(u64::from(v.first)),
                "last" => Value::one(u64::from(v.last)),
                "tag" => Value::one(v.tag),
                "acc" => Value::one(v.expected),
                "acc_ctx" => Value::one(u64::from(v.ctx)),
                other => unreachable!("fp_mac has no field {other}"),
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
