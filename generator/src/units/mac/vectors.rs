//! Test vectors of `hbfp_mac`: sequences of block pairs, each long dot product framed by `first`
//! and `last`, with the golden model's accumulator after every pair. In the `$readmemh` text format
//! of [`crate::vectors`] (docs/vectors.md).
//!
//! A word holds, from the most significant end: `marker(4) a_man a_exp b_man b_exp first last [tag]
//! acc`. Only the words with `last` set produce an output; `acc_o` holds the accumulator after
//! that pair in every word.

use super::MacUnit;
use crate::format::mask;
use crate::model::Block;
use crate::unit::Unit;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One block pair of a long dot product, and the accumulator after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MacVector {
    /// Block A.
    pub a: Block,
    /// Block B.
    pub b: Block,
    /// The pair begins a dot product.
    pub first: bool,
    /// The pair ends a dot product: the unit outputs the accumulator.
    pub last: bool,
    /// The tag (0 when the unit has none).
    pub tag: u64,
    /// The golden model's accumulator after this pair (a bit pattern of the accumulator format).
    pub expected: u64,
    /// The context the pair belongs to (0 without contexts).
    pub ctx: u32,
}

/// The layout of `unit`'s vector words: `marker a_man a_exp b_man b_exp first last [tag] acc`
/// (from its ports).
pub fn layout(unit: &MacUnit) -> VectorLayout {
    VectorLayout::of_ports(&unit.ports())
}

/// About `count` block pairs for `unit` from `seed`, in dot products of 1 to 6 pairs (the last
/// one is completed, so there may be up to 5 more), or with contexts, C streams of such products
/// in turn order ([`crate::acc_loop::in_turns`]). Each dot product aims its block values at a
/// random binade from below the accumulator's smallest subnormal to above its largest value, with
/// the pairs of one product a few binades apart; one pair in 16 is a corner (a NaN or zero block,
/// the extreme exponents or codes), and one in 8 cancels the previous pair's sum exactly.
pub fn generate(unit: &MacUnit, count: usize, seed: u64) -> Vec<MacVector> {
    let d = &unit.dot;
    let f = d.format;
    let acc = unit.acc.format;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (qmin, qmax) = (f.element.min_code(), f.element.max_code());
    let (emin, emax) = (f.scale.min_exp(), f.scale.max_exp());
    let frac = i64::from(f.element.frac_bits());
    let w = i64::from(d.sum_bits());
    let lo = i64::from(acc.emin()) - i64::from(acc.man_bits()) - w - 4;
    let hi = i64::from(acc.bias()) + 3;
    let product = |rng: &mut ChaCha8Rng, pairs: usize| {
        let mut out = Vec::new();
        let target = rng.gen_range(lo..=hi);
        let mut acc_v = acc.zero(false);
        let mut prev: Option<(Block, Block)> = None;
        for k in 0..pairs {
            let (a, b) = if let (Some((pa, pb)), true) = (&prev, rng.gen_ratio(1, 8)) {
                // the previous pair with A negated: the block sums cancel
                (
                    Block {
                        exp: pa.exp,
                        man: pa.man.iter().map(|&q| (-q).clamp(qmin, qmax)).collect(),
                    },
                    pb.clone(),
                )
            } else if rng.gen_ratio(1, 16) {
                let all = |q: i64, exp: i64| Block {
                    exp,
                    man: vec![q; f.block as usize],
                };
                match rng.gen_range(0..5) {
                    0 => (Block::nan(f), all(1, 0)),
                    1 => (Block::zero(f), all(qmax, 0)),
                    2 => (all(qmin, emax - 1), all(qmin, emax - 1)),
                    3 => (all(qmax, emin), all(qmin, emin)),
                    _ => (all(qmin, 0), all(qmin, 0)),
                }
            } else {
                // value exponent t = X_a + X_b - 2(M - 1), near the target
                let t = target + rng.gen_range(-4..=4);
                let xa = rng.gen_range(emin..emax);
                let xb = (t + 2 * frac - xa).clamp(emin, emax - 1);
                let block = |rng: &mut ChaCha8Rng, exp: i64| Block {
                    exp,
                    man: (0..f.block)
                        .map(|_| {
                            if rng.gen_ratio(1, 8) {
                                [qmin, qmax, 0, -1][rng.gen_range(0..4)]
                            } else {
                                rng.gen_range(qmin..=qmax)
                            }
                        })
                        .collect(),
                };
                (block(rng, xa), block(rng, xb))
            };
            let r = d.dot(&a, &b).expect("generated blocks fit the unit");
            let start = if k == 0 { acc.zero(false) } else { acc_v };
            acc_v = unit.acc.add_block(start, r.sum, r.exp - 2 * frac, r.nan);
            out.push(MacVector {
                a: a.clone(),
                b: b.clone(),
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
        .map(|(ctx, v)| MacVector { ctx, ..v })
        .collect()
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &MacUnit, vectors: &[MacVector], seed: u64) -> String {
    let layout = layout(unit);
    let (el, sc) = (unit.dot.format.element, unit.dot.format.scale);
    let m = unit.dot.mantissa_bits();
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "a_exp" => Value::one(sc.encode(v.a.exp)),
                "b_exp" => Value::one(sc.encode(v.b.exp)),
                "a_man" => Value::lanes(v.a.man.iter().map(|&q| el.encode(q)), m),
                "b_man" => Value::lanes(v.b.man.iter().map(|&q| el.encode(q)), m),
                "first" => Value::one(u64::from(v.first)),
                "last" => Value::one(u64::from(v.last)),
                "tag" => Value::one(v.tag),
                "acc" => Value::one(v.expected),
                "acc_ctx" => Value::one(u64::from(v.ctx)),
                other => unreachable!("hbfp_mac has no field {other}"),
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
