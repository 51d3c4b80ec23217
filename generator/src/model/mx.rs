//! The bit-exact golden model of the OCP MX units: an MX block (E8M0 scale and element codes) and
//! the exact dot product of two blocks whose element formats may differ. The rules are those of
//! `docs/numerics.md` ("OCP MX formats", "The MX dot product").

use crate::format::{MxElement, MxValue, ScaleFormat};
use serde::Serialize;

/// One MX block: the scale as an exponent (E8M0 code - 127; 128 is the NaN code) and the element
/// bit patterns, lane 0 first.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct MxBlock {
    /// The scale's exponent X (code - 127), -127 to 127, or 128 for the NaN scale.
    pub scale: i64,
    /// Element codes (bit patterns of the element format).
    pub codes: Vec<u64>,
}

impl MxBlock {
    /// The scale's E8M0 code.
    pub fn scale_code(&self) -> u64 {
        ScaleFormat::E8M0.encode(self.scale)
    }

    /// Whether the scale is the NaN code.
    pub fn scale_is_nan(&self) -> bool {
        ScaleFormat::E8M0.is_nan(self.scale)
    }
}

/// The exact dot product of two MX blocks.
///
/// When no flag is set, the value is `sum * 2^(exp - frac_a - frac_b)` exactly, with `frac_a`,
/// `frac_b` the element formats' fixed-point fraction bits ([`MxElement::frac_bits`]). `exp` is
/// always X_a + X_b (a NaN scale counts as 128); `sum` is always the sum of the lanes whose two
/// elements are finite (a lane with an Inf or NaN element adds 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct MxDotResult {
    /// Sum of the finite lanes' products, in units of 2^-(frac_a + frac_b).
    pub sum: i128,
    /// X_a + X_b.
    pub exp: i64,
    /// The result is NaN: a NaN scale, a NaN element, Inf times zero, or +Inf and -Inf products.
    pub nan: bool,
    /// The result is +Inf (and not NaN).
    pub pinf: bool,
    /// The result is -Inf (and not NaN).
    pub ninf: bool,
}

/// What one lane's product is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneProduct {
    /// A finite product, in units of 2^-(frac_a + frac_b).
    Finite(i128),
    /// An infinite product of that sign.
    Inf {
        /// The sign.
        neg: bool,
    },
    /// NaN: a NaN operand, or an infinity times zero.
    NaN,
}

/// The product of two element codes.
pub fn lane_product(fa: MxElement, a: u64, fb: MxElement, b: u64) -> LaneProduct {
    match (fa.decode(a), fb.decode(b)) {
        (MxValue::NaN, _) | (_, MxValue::NaN) => LaneProduct::NaN,
        (MxValue::Inf { .. }, MxValue::Finite { fixed: 0, .. })
        | (MxValue::Finite { fixed: 0, .. }, MxValue::Inf { .. }) => LaneProduct::NaN,
        (MxValue::Inf { neg: x }, MxValue::Inf { neg: y })
        | (MxValue::Inf { neg: x }, MxValue::Finite { neg: y, .. })
        | (MxValue::Finite { neg: x, .. }, MxValue::Inf { neg: y }) => {
            LaneProduct::Inf { neg: x != y }
        }
        (MxValue::Finite { neg: x, fixed: p }, MxValue::Finite { neg: y, fixed: q }) => {
            let m = i128::from(p) * i128::from(q);
            LaneProduct::Finite(if x != y { -m } else { m })
        }
    }
}

/// The exact dot product of `a` (elements of `fa`) and `b` (elements of `fb`), which have the same
/// number of lanes.
pub fn mx_dot(fa: MxElement, a: &MxBlock, fb: MxElement, b: &MxBlock) -> MxDotResult {
    assert_eq!(a.codes.len(), b.codes.len(), "blocks of one size");
    let mut r = MxDotResult {
        exp: a.scale + b.scale,
        nan: a.scale_is_nan() || b.scale_is_nan(),
        ..MxDotResult::default()
    };
    for (&x, &y) in a.codes.iter().zip(&b.codes) {
        match lane_product(fa, x, fb, y) {
            LaneProduct::Finite(p) => r.sum += p,
            LaneProduct::Inf { neg: false } => r.pinf = true,
            LaneProduct::Inf { neg: true } => r.ninf = true,
            LaneProduct::NaN => r.nan = true,
        }
    }
    if r.pinf && r.ninf {
        r.nan = true;
    }
    if r.nan {
        r.pinf = false;
        r.ninf = false;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of a code in f64 (None for NaN).
    fn value(f: MxElement, p: u64) -> Option<f64> {
        match f.decode(p) {
            MxValue::NaN => None,
            MxValue::Inf { neg } => Some(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
            MxValue::Finite { neg, fixed } => {
                let v = fixed as f64 * 2f64.powi(-(f.frac_bits() as i32));
                Some(if neg { -v } else { v })
            }
        }
    }

    #[test]
    fn every_product_of_every_pair_of_formats_is_the_f64_product() {
        // exhaustive over both codes for every pair of element formats: the exact product in
        // f64 (exact: at most 2 * 11 significant bits), and IEEE's rules for Inf and NaN
        for fa in MxElement::ALL {
            for fb in MxElement::ALL {
                let scale = 2f64.powi(-((fa.frac_bits() + fb.frac_bits()) as i32));
                for a in 0..1u64 << fa.bits() {
                    for b in 0..1u64 << fb.bits() {
                        let want = match (value(fa, a), value(fb, b)) {
                            (Some(x), Some(y)) => Some(x * y),
                            _ => None,
                        };
                        match (lane_product(fa, a, fb, b), want) {
                            (LaneProduct::NaN, w) => {
                                assert!(w.is_none_or(f64::is_nan), "{fa} {a:#x} {fb} {b:#x}")
                            }
                            (LaneProduct::Inf { neg }, Some(w)) => {
                                assert!(w.is_infinite() && (w < 0.0) == neg)
                            }
                            (LaneProduct::Finite(p), Some(w)) => {
                                assert_eq!(p as f64 * scale, w, "{fa} {a:#x} {fb} {b:#x}")
                            }
                            (got, w) => panic!("{fa} {a:#x} {fb} {b:#x}: {got:?} vs {w:?}"),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn inf_rules() {
        let f = MxElement::Fp8E5M2;
        let (pinf, ninf, one, zero) = (0x7c, 0xfc, 0x3c, 0x00);
        let blk = |codes: Vec<u64>| MxBlock { scale: 0, codes };
        let d = |a: Vec<u64>, b: Vec<u64>| mx_dot(f, &blk(a), f, &blk(b));
        assert!(d(vec![pinf, one], vec![one, one]).pinf);
        assert!(d(vec![pinf, one], vec![ninf, one]).ninf);
        assert!(d(vec![pinf, ninf], vec![one, one]).nan, "Inf - Inf");
        assert!(d(vec![pinf, one], vec![zero, one]).nan, "Inf * 0");
        let nan_scale = MxBlock {
            scale: 128,
            codes: vec![one, one],
        };
        assert!(mx_dot(f, &nan_scale, f, &blk(vec![one, one])).nan);
        let r = d(vec![one, one], vec![one, 0xbc]);
        assert_eq!((r.sum, r.nan, r.pinf, r.ninf), (0, false, false, false));
    }
}
