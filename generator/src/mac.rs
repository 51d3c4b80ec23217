//! The golden model of `hbfp_mac`: the exact block dot products of one long dot product, each
//! added to a floating-point accumulator FP(e, m) with a single rounding. The rules are those of
//! `docs/numerics.md` ("Accumulating block sums").

use crate::dot::DotUnit;
use crate::error::Result;
use crate::fp::{add, round, Exact, FpFormat, FpValue, Overflow};
use crate::model::Block;
use serde::Serialize;

/// An accumulator: its format and what it does on overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Accumulator {
    /// The accumulator's format FP(e_acc, m_acc).
    pub format: FpFormat,
    /// Infinity (IEEE) or saturation beyond the largest finite value.
    pub overflow: Overflow,
}

impl Accumulator {
    /// acc + sum * 2^exp with one rounding, for the accumulator bit pattern `acc`; a NaN block
    /// (`nan`) or a NaN accumulator gives the canonical NaN, and an infinite accumulator stays
    /// infinite (a block sum is always finite).
    pub fn add_block(&self, acc: u64, sum: i64, exp: i64, nan: bool) -> u64 {
        let f = self.format;
        if nan {
            return f.nan();
        }
        let a = match f.decode(acc) {
            FpValue::NaN => return f.nan(),
            FpValue::Inf { neg } => return f.inf(neg),
            v => v.exact().expect("zero or finite"),
        };
        let b = Exact {
            neg: sum < 0,
            mag: u128::from(sum.unsigned_abs()),
            exp: i32::try_from(exp).expect("a block sum's exponent fits i32"),
        };
        round(f, add(a, b), self.overflow)
    }

    /// One long dot product: the pairs of blocks in order, accumulated from +0. Returns the
    /// accumulator's bit pattern after the last pair.
    pub fn dot(&self, unit: &DotUnit, pairs: &[(Block, Block)]) -> Result<u64> {
        let frac = i64::from(unit.format.element.frac_bits());
        let mut acc = self.format.zero(false);
        for (a, b) in pairs {
            let r = unit.dot(a, b)?;
            acc = self.add_block(acc, r.sum, r.exp - 2 * frac, r.nan);
        }
        Ok(acc)
    }
}

/// The golden model of `fp_mac`, the floating-point processing element the HBFP units are compared
/// with: acc <- round(acc + a * b) with a single rounding (a fused multiply-add), a and b in one
/// format and the accumulator in another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FpMac {
    /// The format of a and b (at most 31 fraction bits: fp32, bf16, fp16, ...).
    pub operand: FpFormat,
    /// The accumulator.
    pub acc: Accumulator,
}

impl FpMac {
    /// One step: the accumulator's new bit pattern. IEEE 754 rules for the special values: a NaN
    /// operand or accumulator, infinity times zero, or infinities of opposite signs give the
    /// canonical NaN; an infinite product or accumulator otherwise gives that infinity.
    pub fn step(&self, acc: u64, a: u64, b: u64) -> u64 {
        let (fo, fa) = (self.operand, self.acc.format);
        debug_assert!(
            fo.man_bits() <= 31,
            "operands of at most 32 significant bits"
        );
        let (va, vb, vc) = (fo.decode(a), fo.decode(b), fa.decode(acc));
        if [va, vb].contains(&FpValue::NaN) || vc == FpValue::NaN {
            return fa.nan();
        }
        let is_zero = |v: FpValue| matches!(v, FpValue::Zero { .. });
        let inf_sign = |v: FpValue| match v {
            FpValue::Inf { neg } => Some(neg),
            _ => None,
        };
        let neg_of = |v: FpValue| match v {
            FpValue::Zero { neg } | FpValue::Inf { neg } => neg,
            FpValue::Finite(x) => x.neg,
            FpValue::NaN => false,
        };
        let product_inf = match (inf_sign(va), inf_sign(vb)) {
            (None, None) => None,
            _ if is_zero(va) || is_zero(vb) => return fa.nan(),
            _ => Some(neg_of(va) ^ neg_of(vb)),
        };
        match (product_inf, inf_sign(vc)) {
            (Some(p), Some(c)) if p != c => return fa.nan(),
            (Some(p), _) => return fa.inf(p),
            (None, Some(c)) => return fa.inf(c),
            (None, None) => {}
        }
        let (x, y, z) = (
            va.exact().expect("finite"),
            vb.exact().expect("finite"),
            vc.exact().expect("finite"),
        );
        let product = Exact {
            neg: x.neg ^ y.neg,
            mag: x.mag * y.mag,
            exp: x.exp + y.exp,
        };
        round(fa, add(z, product), self.acc.overflow)
    }
}
