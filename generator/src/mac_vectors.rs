//! Test vectors of `hbfp_mac`: sequences of block pairs, each long dot product framed by `first`
//! and `last`, with the golden model's accumulator after every pair. In the `$readmemh` text format
//! of [`crate::vectors`] (docs/vectors.md).
//!
//! A word holds, from the most significant end: `marker(4) a_exp a_man b_exp b_man first last [tag]
//! acc_o`. Only the words with `last` set produce an output; `acc_o` holds the accumulator after
//! that pair in every word.

use crate::format::mask;
use crate::mac::{FpMacUnit, MacUnit};
use crate::model::Block;
use crate::vectors::{file_header, lanes_hex, VectorLayout, MARKER};
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
}

/// The layout of `unit`'s vector words.
pub fn layout(unit: &MacUnit) -> VectorLayout {
    let d = &unit.dot;
    let mut named: Vec<(&'static str, u32)> = vec![
        ("marker", 4),
        ("a_exp", d.exp_bits()),
        ("a_man", d.man_bus_bits()),
        ("b_exp", d.exp_bits()),
        ("b_man", d.man_bus_bits()),
        ("first", 1),
        ("last", 1),
    ];
    if unit.tag_bits > 0 {
        named.push(("tag", unit.tag_bits));
    }
    named.push(("acc_o", unit.acc.format.bits()));
    VectorLayout::from_named(named)
}

/// About `count` block pairs for `unit` from `seed`, in dot products of 1 to 6 pairs (the last
/// one is completed, so there may be up to 5 more). Each dot product aims its block values at a
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
    let mut out = Vec::new();
    while out.len() < count {
        let pairs = rng.gen_range(1..=6);
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
                (block(&mut rng, xa), block(&mut rng, xb))
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
            });
            prev = Some((a, b));
        }
    }
    out
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &MacUnit, vectors: &[MacVector], seed: u64) -> String {
    let layout = layout(unit);
    let mut s = file_header(
        &layout,
        &format!(
            "unit={} ({})",
            unit.name,
            crate::rtl::mac_command_line(unit)
        ),
        vectors.len(),
        seed,
    );
    let el = unit.dot.format.element;
    let sc = unit.dot.format.scale;
    let m = unit.dot.mantissa_bits();
    for v in vectors {
        let parts: Vec<String> = layout
            .fields
            .iter()
            .map(|f| {
                let one = |x: u64| lanes_hex(std::iter::once(x), f.width, f.padded);
                match f.name {
                    "marker" => one(MARKER),
                    "a_exp" => one(sc.encode(v.a.exp)),
                    "b_exp" => one(sc.encode(v.b.exp)),
                    "a_man" => lanes_hex(v.a.man.iter().map(|&q| el.encode(q)), m, f.padded),
                    "b_man" => lanes_hex(v.b.man.iter().map(|&q| el.encode(q)), m, f.padded),
                    "first" => one(u64::from(v.first)),
                    "last" => one(u64::from(v.last)),
                    "tag" => one(v.tag),
                    "acc_o" => one(v.expected),
                    other => unreachable!("unknown field {other}"),
                }
            })
            .collect();
        s.push_str(&parts.join("_"));
        s.push('\n');
    }
    s
}

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
}

/// The layout of an `fp_mac` unit's vector words: `marker a b first last [tag] acc_o`.
pub fn fp_layout(unit: &FpMacUnit) -> VectorLayout {
    let ob = unit.mac.operand.bits();
    let mut named: Vec<(&'static str, u32)> = vec![
        ("marker", 4),
        ("a", ob),
        ("b", ob),
        ("first", 1),
        ("last", 1),
    ];
    if unit.tag_bits > 0 {
        named.push(("tag", unit.tag_bits));
    }
    named.push(("acc_o", unit.mac.acc.format.bits()));
    VectorLayout::from_named(named)
}

/// About `count` operand pairs for `unit` from `seed`, in dot products of 1 to 6 pairs. Each dot
/// product aims its products at a random binade from below the accumulator's smallest subnormal
/// to above its largest value; one operand in 16 is a special value (zeros of both signs,
/// subnormals, the largest finite value, Inf, NaN), and one pair in 8 cancels the previous one.
pub fn generate_fp(unit: &FpMacUnit, count: usize, seed: u64) -> Vec<FpMacVector> {
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
    let mut out = Vec::new();
    while out.len() < count {
        let pairs = rng.gen_range(1..=6);
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
                    let a = random_operand(&mut rng, ea);
                    (a, random_operand(&mut rng, t - ea))
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
            });
            prev = Some((a, b));
        }
    }
    out
}

/// The text of a vector file for the `fp_mac` unit `unit`.
pub fn fp_to_text(unit: &FpMacUnit, vectors: &[FpMacVector], seed: u64) -> String {
    let layout = fp_layout(unit);
    let mut s = file_header(
        &layout,
        &format!(
            "unit={} ({})",
            unit.name,
            crate::rtl::fp_mac_command_line(unit)
        ),
        vectors.len(),
        seed,
    );
    for v in vectors {
        let parts: Vec<String> = layout
            .fields
            .iter()
            .map(|f| {
                let value = match f.name {
                    "marker" => MARKER,
                    "a" => v.a,
                    "b" => v.b,
                    "first" => u64::from(v.first),
                    "last" => u64::from(v.last),
                    "tag" => v.tag,
                    "acc_o" => v.expected,
                    other => unreachable!("unknown field {other}"),
                };
                lanes_hex(std::iter::once(value), f.width, f.padded)
            })
            .collect();
        s.push_str(&parts.join("_"));
        s.push('\n');
    }
    s
}
