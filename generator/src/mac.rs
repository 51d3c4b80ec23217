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
