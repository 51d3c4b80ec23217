//! Number formats: the element of a block, the block's shared scale, and the block itself.
//!
//! Each is an enum so that each format is a variant rather than a rewrite: HBFP (two's-complement
//! integer mantissas sharing a signed power-of-two exponent) and OCP MX (FP8/FP6/FP4 and INT8
//! elements, [`mx`], under an E8M0 scale); MLS and S2FP8 are to come. The rules are written down in
//! `docs/numerics.md`; the functions here are their one implementation.

use crate::error::{Error, Result};
use serde::Serialize;

pub mod mls;
pub mod mx;
pub use mx::{MxElement, MxValue};

/// Smallest accepted mantissa width (bits, sign included).
pub const MANTISSA_BITS_MIN: u32 = 2;
/// Largest accepted mantissa width (bits, sign included).
pub const MANTISSA_BITS_MAX: u32 = 16;
/// Smallest accepted shared-exponent width (bits).
pub const EXP_BITS_MIN: u32 = 2;
/// Largest accepted shared-exponent width (bits).
pub const EXP_BITS_MAX: u32 = 16;
/// Default shared-exponent width, as in every EPFL HBFP artefact.
pub const EXP_BITS_DEFAULT: u32 = 10;
/// Smallest accepted block size (elements).
pub const BLOCK_MIN: u32 = 1;
/// Largest accepted block size (elements).
pub const BLOCK_MAX: u32 = 4096;

/// The format of one element of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ElementFormat {
    /// A two's-complement integer mantissa of `bits` bits (sign included): codes
    /// `-2^(bits-1) ..= 2^(bits-1) - 1`, value `q * 2^(X - (bits - 1))` for shared exponent `X`.
    Int {
        /// Width in bits, sign included.
        bits: u32,
    },
    /// An OCP MX element (FP8, FP6, FP4 or INT8). Its integer view is its fixed point: a finite
    /// code's value is `fixed * 2^-frac_bits` ([`MxElement::decode`]).
    Mx(MxElement),
}

impl ElementFormat {
    /// An HBFP mantissa of `bits` bits, checked against the accepted range.
    pub fn int(bits: u32) -> Result<Self> {
        check_range("mantissa", bits, MANTISSA_BITS_MIN, MANTISSA_BITS_MAX)?;
        Ok(ElementFormat::Int { bits })
    }

    /// Width of one element's code in bits.
    pub fn bits(self) -> u32 {
        match self {
            ElementFormat::Int { bits } => bits,
            ElementFormat::Mx(f) => f.bits(),
        }
    }

    /// Smallest code, as a signed integer (MX: the most negative fixed-point value).
    pub fn min_code(self) -> i64 {
        match self {
            ElementFormat::Int { bits } => signed_range(bits).0,
            ElementFormat::Mx(MxElement::Int8) => -128,
            ElementFormat::Mx(f) => -(f.max_fixed() as i64),
        }
    }

    /// Largest code, as a signed integer (MX: the largest fixed-point value).
    pub fn max_code(self) -> i64 {
        match self {
            ElementFormat::Int { bits } => signed_range(bits).1,
            ElementFormat::Mx(MxElement::Int8) => 127,
            ElementFormat::Mx(f) => f.max_fixed() as i64,
        }
    }

    /// Number of fraction bits of the element: its value is `code * 2^(X - frac_bits)`.
    pub fn frac_bits(self) -> u32 {
        match self {
            ElementFormat::Int { bits } => bits - 1,
            ElementFormat::Mx(f) => f.frac_bits(),
        }
    }

    /// Width of the exact product of two elements (two's complement, bits).
    ///
    /// For `Int { bits: M }` the extreme product is `(-2^(M-1))^2 = 2^(2M-2)`, which needs `2M` bits.
    pub fn product_bits(self) -> u32 {
        signed_width_for(self.max_product(), self.min_product())
    }

    /// Largest exact product of two element codes.
    pub fn max_product(self) -> i128 {
        let (lo, hi) = (i128::from(self.min_code()), i128::from(self.max_code()));
        (lo * lo).max(hi * hi)
    }

    /// Smallest (most negative) exact product of two element codes.
    pub fn min_product(self) -> i128 {
        i128::from(self.min_code()) * i128::from(self.max_code())
    }

    /// The code's two's-complement bit pattern (the low `bits` bits). For an MX float the code is
    /// its bit pattern already.
    pub fn encode(self, code: i64) -> u64 {
        code as u64 & mask(self.bits())
    }

    /// The code of a `bits`-wide two's-complement bit pattern (an MX float's pattern is its code,
    /// see [`MxElement::decode`] for its value).
    pub fn decode(self, pattern: u64) -> i64 {
        match self {
            ElementFormat::Mx(f) if f.is_float() => (pattern & mask(self.bits())) as i64,
            _ => sign_extend(pattern, self.bits()),
        }
    }
}

/// The format of a block's shared scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScaleFormat {
    /// A signed two's-complement power-of-two exponent of `bits` bits. The most negative code with
    /// all-zero elements is the canonical zero block; the most positive code marks a NaN block.
    SignedExp {
        /// Width in bits.
        bits: u32,
    },
    /// OCP MX's E8M0: an unsigned 8-bit biased exponent, 2^(code - 127); code 255 is NaN. As an
    /// exponent, code c is c - 127 (-127 to 127), and the NaN code is 128. A block of zero
    /// elements under the lowest scale is the canonical zero block.
    E8M0,
}

impl ScaleFormat {
    /// An HBFP shared exponent of `bits` bits, checked against the accepted range.
    pub fn signed_exp(bits: u32) -> Result<Self> {
        check_range("exp_bits", bits, EXP_BITS_MIN, EXP_BITS_MAX)?;
        Ok(ScaleFormat::SignedExp { bits })
    }

    /// Width of the scale's code in bits.
    pub fn bits(self) -> u32 {
        match self {
            ScaleFormat::SignedExp { bits } => bits,
            ScaleFormat::E8M0 => 8,
        }
    }

    /// Smallest exponent code; with all-zero elements it is the canonical zero block.
    pub fn min_exp(self) -> i64 {
        match self {
            ScaleFormat::SignedExp { bits } => signed_range(bits).0,
            ScaleFormat::E8M0 => -mx::E8M0_BIAS,
        }
    }

    /// Largest exponent code; it marks a NaN block.
    pub fn max_exp(self) -> i64 {
        match self {
            ScaleFormat::SignedExp { bits } => signed_range(bits).1,
            ScaleFormat::E8M0 => mx::E8M0_NAN as i64 - mx::E8M0_BIAS,
        }
    }

    /// The exponent code that marks a NaN block.
    pub fn nan_exp(self) -> i64 {
        self.max_exp()
    }

    /// The exponent code of the canonical zero block.
    pub fn zero_exp(self) -> i64 {
        self.min_exp()
    }

    /// Whether `exp` marks a NaN block.
    pub fn is_nan(self, exp: i64) -> bool {
        exp == self.nan_exp()
    }

    /// Width of the sum of two exponents (bits): one more than the scale.
    pub fn sum_bits(self) -> u32 {
        signed_width_for(2 * self.max_exp(), 2 * self.min_exp())
    }

    /// The exponent's bit pattern: two's complement, or E8M0's biased code.
    pub fn encode(self, exp: i64) -> u64 {
        match self {
            ScaleFormat::SignedExp { .. } => exp as u64 & mask(self.bits()),
            ScaleFormat::E8M0 => (exp + mx::E8M0_BIAS) as u64 & mask(8),
        }
    }

    /// The exponent of a bit pattern of the scale's width.
    pub fn decode(self, pattern: u64) -> i64 {
        match self {
            ScaleFormat::SignedExp { .. } => sign_extend(pattern, self.bits()),
            ScaleFormat::E8M0 => (pattern & mask(8)) as i64 - mx::E8M0_BIAS,
        }
    }
}

/// A block format: `block` elements of one element format sharing one scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct BlockFormat {
    /// Format of each element.
    pub element: ElementFormat,
    /// Format of the shared scale.
    pub scale: ScaleFormat,
    /// Number of elements (lanes) per block.
    pub block: u32,
}

impl BlockFormat {
    /// An HBFP block format with `mantissa`-bit elements, `block` lanes and an `exp_bits`-bit exponent.
    pub fn hbfp(mantissa: u32, block: u32, exp_bits: u32) -> Result<Self> {
        check_range("block", block, BLOCK_MIN, BLOCK_MAX)?;
        Ok(BlockFormat {
            element: ElementFormat::int(mantissa)?,
            scale: ScaleFormat::signed_exp(exp_bits)?,
            block,
        })
    }

    /// An OCP MX block format: `block` elements of `element` under an E8M0 scale.
    pub fn mx(element: MxElement, block: u32) -> Result<Self> {
        check_range("block", block, BLOCK_MIN, BLOCK_MAX)?;
        Ok(BlockFormat {
            element: ElementFormat::Mx(element),
            scale: ScaleFormat::E8M0,
            block,
        })
    }

    /// Width of the exact sum of `block` element products (two's complement, bits): the smallest
    /// width that holds every possible sum, including every lane at the most negative code.
    ///
    /// For `Int { bits: M }` this is `2M + floor(log2 B)` (see `docs/numerics.md`).
    pub fn dot_sum_bits(self) -> u32 {
        self.partial_sum_bits(self.block)
    }

    /// Width of the exact sum of `terms` element products (two's complement, bits).
    pub fn partial_sum_bits(self, terms: u32) -> u32 {
        let n = i128::from(terms);
        signed_width_for(
            n * self.element.max_product(),
            n * self.element.min_product(),
        )
    }

    /// Largest possible exact dot-product sum.
    pub fn max_dot_sum(self) -> i128 {
        i128::from(self.block) * self.element.max_product()
    }

    /// Smallest possible exact dot-product sum.
    pub fn min_dot_sum(self) -> i128 {
        i128::from(self.block) * self.element.min_product()
    }

    /// Short name such as `HBFP4x64` for messages and tables.
    pub fn label(self) -> String {
        match self.element {
            ElementFormat::Int { bits } => format!("HBFP{bits}x{}", self.block),
            ElementFormat::Mx(f) => format!("{}x{}", f.label(), self.block),
        }
    }
}

/// The smallest two's-complement width holding both `max` and `min` (`min <= 0 <= max`).
pub fn signed_width_for(max: impl Into<i128>, min: impl Into<i128>) -> u32 {
    let (max, min) = (max.into(), min.into());
    let mut w = 1u32;
    while !(fits_signed(max, w) && fits_signed(min, w)) {
        w += 1;
    }
    w
}

/// Whether `v` is representable as a `w`-bit two's-complement integer.
pub fn fits_signed(v: impl Into<i128>, w: u32) -> bool {
    if w >= 128 {
        return true;
    }
    let v = v.into();
    (-(1i128 << (w - 1))..(1i128 << (w - 1))).contains(&v)
}

/// The range of a `w`-bit two's-complement integer (`1 <= w <= 63`): `(-2^(w-1), 2^(w-1) - 1)`.
pub fn signed_range(w: u32) -> (i64, i64) {
    (-(1i64 << (w - 1)), (1i64 << (w - 1)) - 1)
}

/// A mask of the low `w` bits.
pub fn mask(w: u32) -> u64 {
    if w >= 64 {
        u64::MAX
    } else {
        (1u64 << w) - 1
    }
}

/// Sign-extends the low `w` bits of `pattern`.
pub fn sign_extend(pattern: u64, w: u32) -> i64 {
    let shift = 64 - w;
    ((pattern << shift) as i64) >> shift
}

/// Checks `value` against `min..=max` for the parameter `name`.
pub(crate) fn check_range(name: &'static str, value: u32, min: u32, max: u32) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            name,
            value: value.to_string(),
            allowed: format!("{min} to {max}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_width_is_2m() {
        for m in MANTISSA_BITS_MIN..=MANTISSA_BITS_MAX {
            assert_eq!(
                ElementFormat::int(m).unwrap().product_bits(),
                2 * m,
                "M = {m}"
            );
        }
    }

    #[test]
    fn sum_width_matches_closed_form() {
        for m in MANTISSA_BITS_MIN..=MANTISSA_BITS_MAX {
            for b in [
                1u32, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 255, 256, 1000, 4095, 4096,
            ] {
                let f = BlockFormat::hbfp(m, b, 10).unwrap();
                assert_eq!(f.dot_sum_bits(), 2 * m + b.ilog2(), "M = {m}, B = {b}");
            }
        }
    }

    #[test]
    fn exponent_sum_is_one_bit_wider() {
        for e in EXP_BITS_MIN..=EXP_BITS_MAX {
            assert_eq!(ScaleFormat::signed_exp(e).unwrap().sum_bits(), e + 1);
        }
    }

    #[test]
    fn out_of_range_parameters_are_named() {
        let msg = ElementFormat::int(1).unwrap_err().to_string();
        assert!(
            msg.contains("`mantissa`") && msg.contains("2 to 16"),
            "{msg}"
        );
        let msg = ElementFormat::int(17).unwrap_err().to_string();
        assert!(msg.contains("`mantissa`"), "{msg}");
        let msg = BlockFormat::hbfp(4, 0, 10).unwrap_err().to_string();
        assert!(
            msg.contains("`block`") && msg.contains("1 to 4096"),
            "{msg}"
        );
        let msg = ScaleFormat::signed_exp(1).unwrap_err().to_string();
        assert!(
            msg.contains("`exp_bits`") && msg.contains("2 to 16"),
            "{msg}"
        );
    }

    #[test]
    fn encode_decode_round_trip() {
        let f = ElementFormat::int(4).unwrap();
        for q in f.min_code()..=f.max_code() {
            assert_eq!(f.decode(f.encode(q)), q);
        }
        let s = ScaleFormat::signed_exp(3).unwrap();
        assert_eq!((s.min_exp(), s.max_exp()), (-4, 3));
        assert_eq!(s.encode(-1), 0b111);
    }
}
