//! The packed-multiplier level of `--datapath dsp2`: two lanes' products from one multiplier.
//!
//! Lanes 2q and 2q+1 (a1, b1 and a2, b2, signed M-bit elements) share one signed multiply
//! X * Y, X = a1 * 2^k + a2 and Y = b1 + b2 * 2^k, with k = 2M + 1:
//!
//! X * Y = a2*b1 + (a1*b1 + a2*b2) * 2^k + a1*b2 * 2^(2k).
//!
//! The middle field is the pair's dot product. The low field L = a2*b1 lies in
//! [-2^(k-1), 2^(k-1)), so bits [k, 2k) of the product, read as a k-bit signed number, are
//! exactly mid - c with c = bit k-1 (L's sign, the borrow it took); the middle field itself lies
//! in [-(2^(2M-1) - 2^M), 2^(2M-1)], so mid - c fits k signed bits. Level 1 holds, for each pair,
//! those k bits with the top bit inverted (read as unsigned: mid - c + 2^(k-1)) and c as the
//! pair's `neg` bit, which the join levels take as carry in, as they take the Booth rows' `neg`
//! bits; the constant -P * 2^(k-1) mod 2^W removes the offsets. X and Y take 3M + 2 bits, so an
//! 18 x 18 multiplier (ECP5 MULT18X18D) holds them up to M = 5. An odd last lane multiplies
//! alone (a2 = b2 = 0, no borrow).

use super::{Heap, LoopCtx};

/// The widest mantissa `dsp2` packs: X and Y take 3M + 2 bits, at most 18.
pub const DSP2_MANTISSA_MAX: u32 = 5;

impl Heap {
    /// The heap of `--datapath dsp2`: pairs of lanes through one multiplier each, then the join
    /// levels and the constant.
    pub fn packed(format: crate::format::BlockFormat) -> Self {
        Heap {
            format,
            packed: true,
        }
    }
    /// Multipliers, ceil(B / 2).
    pub fn pairs(&self) -> u32 {
        self.b().div_ceil(2)
    }
    /// The spacing of the fields in a packed product, k = 2M + 1.
    pub fn field_bits(&self) -> u32 {
        2 * self.m() + 1
    }
    /// Width of a pair's value at level 1: k bits, or W when the sum is narrower (B = 1).
    pub fn pair_bits(&self) -> u32 {
        self.field_bits().min(self.sum_bits())
    }
    /// Width of a multiplier operand X or Y, 3M + 2.
    pub fn operand_bits(&self) -> u32 {
        self.m() + 1 + self.field_bits()
    }
    /// The constant of the packed heap: `-P * 2^(k-1)` modulo 2^W.
    pub fn packed_constant(&self) -> u64 {
        let w = self.sum_bits();
        let modulus = 1u128 << w;
        let total = (u128::from(self.pairs()) << (self.field_bits() - 1)) % modulus;
        ((modulus - total) % modulus) as u64
    }

    /// Level 1 of the packed heap: each pair's multiplier operands X and Y, which a pipeline
    /// register can hold before the multiplier.
    pub(super) fn operands_level(&self, src: &str) -> (String, Vec<LoopCtx>) {
        let (m, b, k, xw) = (self.m(), self.b(), self.field_bits(), self.operand_bits());
        let a = |l: &str| format!("{src}[{l}*{m} +: {m}]");
        let a_sign = |l: &str| format!("{src}[{l}*{m} + {}]", m - 1);
        let bb = |l: &str| format!("{src}[{} + {l}*{m} +: {m}]", b * m);
        let b_sign = |l: &str| format!("{src}[{} + {l}*{m} + {}]", b * m, m - 1);
        // hi * 2^k + lo, signed, in M + 1 + k bits: the upper part borrows lo's sign
        let join = |hi: &str, hi_s: &str, lo: &str, lo_s: &str| {
            format!(
                "{{({{{hi_s}, {hi}}} - {{{m}'d0, {lo_s}}}), {{{}{{{lo_s}}}}}, {lo}}}",
                k - m
            )
        };
        let operands = |x: String, y: String| {
            vec![
                format!("DST[(2*q)*{xw} +: {xw}] = {x};"),
                format!("DST[(2*q+1)*{xw} +: {xw}] = {y};"),
            ]
        };
        let mut loops = vec![LoopCtx {
            var: "q",
            from: 0,
            to: b / 2,
            stmts: operands(
                join(
                    &a("(2*q)"),
                    &a_sign("(2*q)"),
                    &a("(2*q+1)"),
                    &a_sign("(2*q+1)"),
                ),
                join(
                    &bb("(2*q+1)"),
                    &b_sign("(2*q+1)"),
                    &bb("(2*q)"),
                    &b_sign("(2*q)"),
                ),
            ),
        }];
        if b % 2 == 1 {
            let mut stmts = vec!["// the last lane alone: X = a * 2^k, Y = b".to_owned()];
            stmts.extend(operands(
                format!("{{{}, {}, {k}'d0}}", a_sign("(2*q)"), a("(2*q)")),
                format!("{{{{{}{{{}}}}}, {}}}", xw - m, b_sign("(2*q)"), bb("(2*q)")),
            ));
            loops.push(LoopCtx {
                var: "q",
                from: b / 2,
                to: self.pairs(),
                stmts,
            });
        }
        let comment = format!(
            "Level 1: two lanes per multiplier. Pair q's operands, {xw} bits each (3M + 2): X = \
             a[2q] * 2^{k} + a[2q+1] at [(2q)*{xw} +: {xw}] and Y = b[2q] + b[2q+1] * 2^{k} at \
             [(2q+1)*{xw} +: {xw}] (each one subtraction: the upper element less the lower one's \
             sign, then the lower one sign-extended)."
        );
        (comment, loops)
    }

    /// Level 2 of the packed heap: each pair's product (bits k-1 up, in `pair_p`), then its value
    /// and `neg` bit. `fault_lane` inverts bit 0 of that lane's pair value.
    pub(super) fn pairs_level(&self, src: &str, fault_lane: Option<u32>) -> (String, Vec<LoopCtx>) {
        let (k, xw) = (self.field_bits(), self.operand_bits());
        let (p, vw) = (self.pairs(), self.pair_bits());
        let pb = vw + 1;
        let mut loops = vec![LoopCtx {
            var: "q",
            from: 0,
            to: p,
            stmts: vec![format!(
                "pair_p[q*{pb} +: {pb}] = {pb}'({}'($signed({src}[(2*q)*{xw} +: {xw}]) * $signed({src}[(2*q+1)*{xw} +: {xw}])) >> {});",
                2 * k,
                k - 1
            )],
        }];
        let flip = if k - 1 < vw {
            format!(" ^ {{1'b1, {}'d0}}", vw - 1)
        } else {
            String::new()
        };
        loops.push(LoopCtx {
            var: "q",
            from: 0,
            to: p,
            stmts: vec![
                format!("DST[q*{vw} +: {vw}] = pair_p[q*{pb} + 1 +: {vw}]{flip};"),
                format!("DST[{} + q] = pair_p[q*{pb}];", p * vw),
            ],
        });
        if let Some(l) = fault_lane {
            let bit = (l / 2) * vw;
            loops.push(LoopCtx {
                var: "f",
                from: 0,
                to: 1,
                stmts: vec![format!("DST[{bit}] = ~DST[{bit}];  // FAULT")],
            });
        }
        let comment = format!(
            "Level 2: pair q's product X * Y. Its bits [{k} +: {k}] are a[2q]*b[2q] + \
             a[2q+1]*b[2q+1] less the borrow c = bit {} of the low field a[2q+1]*b[2q]; pair_p \
             holds bits {} up ({pb} bits per pair). The pair's value, its top bit inverted and read \
             as unsigned, is at [q*{vw} +: {vw}], its neg = c at [{} + q].",
            k - 1,
            k - 1,
            p * vw
        );
        (comment, loops)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::BlockFormat;

    /// The packed heap's algebra in integers, as level 1 and the sum compute it: each pair's
    /// product X * Y, bits [k, 2k) with the top bit inverted read as unsigned (low W bits), plus
    /// bit k-1, plus the constant, modulo 2^W, read as two's complement.
    fn packed_sum(h: &Heap, a: &[i64], b: &[i64], borrow: bool) -> i64 {
        let (k, w, vw) = (h.field_bits(), h.sum_bits(), h.pair_bits());
        let mut total = i128::from(h.packed_constant());
        for q in 0..h.pairs() as usize {
            let (a1, b1) = (a[2 * q], b[2 * q]);
            let (a2, b2) = if 2 * q + 1 < a.len() {
                (a[2 * q + 1], b[2 * q + 1])
            } else {
                (0, 0)
            };
            let p = i128::from(a1 * (1 << k) + a2) * i128::from(b1 + b2 * (1 << k));
            let field = (p >> k) & ((1 << vw) - 1);
            let flip = if k - 1 < vw { 1i128 << (k - 1) } else { 0 };
            total += (field ^ flip) + if borrow { (p >> (k - 1)) & 1 } else { 0 };
        }
        let total = total.rem_euclid(1 << w);
        (if total >= 1 << (w - 1) {
            total - (1 << w)
        } else {
            total
        }) as i64
    }

    fn dot(a: &[i64], b: &[i64]) -> i64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// The law: the packed pairs, their borrows and the constant sum to the exact dot product, for
    /// every pair of elements at M = 2 to 4 (and every single lane, B = 1 and the odd lane of
    /// B = 3), and for many at M = 5. Without the borrow bit it fails.
    #[test]
    fn packed_pairs_sum_to_the_dot_product() {
        for m in 2..=DSP2_MANTISSA_MAX {
            let vals: Vec<i64> = (-(1i64 << (m - 1))..(1i64 << (m - 1))).collect();
            let h2 = Heap::packed(BlockFormat::hbfp(m, 2, 8).unwrap());
            let h1 = Heap::packed(BlockFormat::hbfp(m, 1, 8).unwrap());
            let h3 = Heap::packed(BlockFormat::hbfp(m, 3, 8).unwrap());
            let step = if m == 5 { 3 } else { 1 };
            for (i, &a1) in vals.iter().enumerate() {
                for &b1 in &vals {
                    assert_eq!(packed_sum(&h1, &[a1], &[b1], true), a1 * b1, "M = {m}");
                    for &a2 in vals.iter().skip(i % step).step_by(step) {
                        for &b2 in &vals {
                            let (a, b) = ([a1, a2], [b1, b2]);
                            assert_eq!(
                                packed_sum(&h2, &a, &b, true),
                                dot(&a, &b),
                                "M = {m}: {a:?} {b:?}"
                            );
                            let (a, b) = ([a1, a2, b2], [b1, b2, a1]);
                            assert_eq!(
                                packed_sum(&h3, &a, &b, true),
                                dot(&a, &b),
                                "M = {m}: {a:?} {b:?}"
                            );
                        }
                    }
                }
            }
        }
        // a2 * b1 < 0 borrows from the middle field: the borrow bit must be added back
        let h = Heap::packed(BlockFormat::hbfp(4, 2, 8).unwrap());
        let (a, b) = ([3, -8], [5, 7]);
        assert_eq!(packed_sum(&h, &a, &b, true), dot(&a, &b));
        assert_ne!(packed_sum(&h, &a, &b, false), dot(&a, &b));
    }
}
