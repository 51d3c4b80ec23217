//! Binary floating-point formats FP(e, m) and the one function that rounds an exact value into one.
//!
//! FP(e, m) has a sign bit, e exponent bits with bias 2^(e-1) - 1 and m fraction bits, with
//! subnormals, signed zeros, infinities and NaN, as IEEE 754 binary formats: fp32 is FP(8, 23), fp16
//! FP(5, 10), bf16 FP(8, 7), fp64 FP(11, 52). [`round`] is the only place where a value is rounded:
//! every unit that produces a floating-point result (accumulators, baselines) uses it, so that the
//! rounding, subnormal and overflow rules are written once. They are specified in
//! `docs/numerics.md` ("Rounding to FP(e, m)").

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// A binary floating-point format FP(e, m).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FpFormat {
    exp_bits: u32,
    man_bits: u32,
}

/// Exponent widths the formats may have.
pub const EXP_BITS_RANGE: (u32, u32) = (3, 11);
/// Fraction widths the formats may have.
pub const MAN_BITS_RANGE: (u32, u32) = (2, 52);

impl FpFormat {
    const fn of(exp_bits: u32, man_bits: u32) -> Self {
        FpFormat { exp_bits, man_bits }
    }

    /// IEEE binary32.
    pub const FP32: FpFormat = FpFormat::of(8, 23);
    /// bfloat16.
    pub const BF16: FpFormat = FpFormat::of(8, 7);
    /// IEEE binary16.
    pub const FP16: FpFormat = FpFormat::of(5, 10);
    /// The 12-bit accumulator format FP(4, 7) of arXiv 2401.14110.
    pub const FP12: FpFormat = FpFormat::of(4, 7);
    /// IEEE binary64.
    pub const FP64: FpFormat = FpFormat::of(11, 52);

    /// FP(e, m), with e from 3 to 11 and m from 2 to 52.
    pub fn new(exp_bits: u32, man_bits: u32) -> Result<Self> {
        crate::format::check_range("exp_bits", exp_bits, EXP_BITS_RANGE.0, EXP_BITS_RANGE.1)?;
        crate::format::check_range("man_bits", man_bits, MAN_BITS_RANGE.0, MAN_BITS_RANGE.1)?;
        Ok(FpFormat { exp_bits, man_bits })
    }

    /// The named presets: fp32, bf16, fp16, fp12, fp64.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "fp32" => Ok(Self::FP32),
            "bf16" => Ok(Self::BF16),
            "fp16" => Ok(Self::FP16),
            "fp12" => Ok(Self::FP12),
            "fp64" => Ok(Self::FP64),
            _ => Err(Error::OutOfRange {
                name: "format",
                value: name.to_owned(),
                allowed: "fp32, bf16, fp16, fp12, fp64".into(),
            }),
        }
    }

    /// Exponent bits e.
    pub fn exp_bits(self) -> u32 {
        self.exp_bits
    }

    /// Fraction bits m (the significand has m + 1 bits with the hidden one).
    pub fn man_bits(self) -> u32 {
        self.man_bits
    }

    /// Bits of the shift that normalises a subnormal's fraction (1 to m places; the RTL's
    /// priority encoder and logarithmic shifter, `rtl-templates/shared/normalise.sv.tera`).
    pub fn lead_shift_bits(self) -> u32 {
        u32::BITS - self.man_bits.leading_zeros()
    }

    /// Total width 1 + e + m.
    pub fn bits(self) -> u32 {
        1 + self.exp_bits + self.man_bits
    }

    /// The exponent bias 2^(e-1) - 1, which is also the largest unbiased exponent.
    pub fn bias(self) -> i32 {
        (1 << (self.exp_bits - 1)) - 1
    }

    /// The smallest unbiased exponent of a normal number, 1 - bias.
    pub fn emin(self) -> i32 {
        1 - self.bias()
    }

    fn exp_all_ones(self) -> u64 {
        (1u64 << self.exp_bits) - 1
    }

    /// The sign bit of the format, set when `neg`.
    pub fn sign_bit(self, neg: bool) -> u64 {
        u64::from(neg) << (self.exp_bits + self.man_bits)
    }

    /// The zero of sign `neg`.
    pub fn zero(self, neg: bool) -> u64 {
        self.sign_bit(neg)
    }

    /// The infinity of sign `neg`.
    pub fn inf(self, neg: bool) -> u64 {
        self.sign_bit(neg) | self.exp_all_ones() << self.man_bits
    }

    /// The largest finite magnitude, with sign `neg`.
    pub fn max_finite(self, neg: bool) -> u64 {
        self.sign_bit(neg)
            | (self.exp_all_ones() - 1) << self.man_bits
            | ((1u64 << self.man_bits) - 1)
    }

    /// The canonical NaN: positive, quiet (top fraction bit set), no payload.
    pub fn nan(self) -> u64 {
        self.inf(false) | 1u64 << (self.man_bits - 1)
    }

    /// What a bit pattern of this format is (bits above the format's width are ignored).
    pub fn decode(self, bits: u64) -> FpValue {
        let m = self.man_bits;
        let neg = bits >> (self.exp_bits + m) & 1 == 1;
        let biased = bits >> m & self.exp_all_ones();
        let frac = bits & ((1u64 << m) - 1);
        if biased == self.exp_all_ones() {
            return if frac == 0 {
                FpValue::Inf { neg }
            } else {
                FpValue::NaN
            };
        }
        if biased == 0 && frac == 0 {
            return FpValue::Zero { neg };
        }
        let (mag, e) = if biased == 0 {
            (frac, self.emin())
        } else {
            (frac | 1u64 << m, biased as i32 - self.bias())
        };
        FpValue::Finite(Exact {
            neg,
            mag: u128::from(mag),
            exp: e - m as i32,
        })
    }
}

impl std::fmt::Display for FpFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FP({}, {})", self.exp_bits, self.man_bits)
    }
}

/// An exact binary number (-1)^neg * mag * 2^exp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exact {
    /// The sign (a zero magnitude keeps it: the caller decides the sign of an exact zero).
    pub neg: bool,
    /// The magnitude's integer significand.
    pub mag: u128,
    /// The power of two it is scaled by.
    pub exp: i32,
}

/// What a bit pattern of a format holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpValue {
    /// A zero of that sign.
    Zero {
        /// The sign.
        neg: bool,
    },
    /// A finite non-zero number, exactly.
    Finite(Exact),
    /// An infinity of that sign.
    Inf {
        /// The sign.
        neg: bool,
    },
    /// Not a number.
    NaN,
}

impl FpValue {
    /// The value as an f64: exact for every format whose significand and exponent f64 holds
    /// (FP32, bf16, FP16 and the accumulators' FP(e, m) with m <= 52 and e <= 11); -0 keeps its
    /// sign.
    pub fn to_f64(self) -> f64 {
        let signed = |neg: bool, v: f64| if neg { -v } else { v };
        match self {
            FpValue::Zero { neg } => signed(neg, 0.0),
            FpValue::Finite(x) => signed(x.neg, x.mag as f64 * 2f64.powi(x.exp)),
            FpValue::Inf { neg } => signed(neg, f64::INFINITY),
            FpValue::NaN => f64::NAN,
        }
    }

    /// The exact value of a zero or finite number (a zero as magnitude 0 with its sign); `None`
    /// for an infinity or NaN.
    pub fn exact(self) -> Option<Exact> {
        match self {
            FpValue::Zero { neg } => Some(Exact {
                neg,
                mag: 0,
                exp: 0,
            }),
            FpValue::Finite(e) => Some(e),
            FpValue::Inf { .. } | FpValue::NaN => None,
        }
    }
}

/// What happens to a value beyond the largest finite magnitude.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Overflow {
    /// IEEE: it becomes an infinity of its sign.
    #[default]
    Infinity,
    /// It becomes the largest finite magnitude of its sign.
    Saturate,
}

/// Rounds the exact value `x` to `format`, to nearest with ties to even, with gradual underflow
/// (subnormals) and `overflow` beyond the largest finite value. A result of zero magnitude keeps
/// the sign of `x`. Returns the bit pattern in the low `format.bits()` bits.
///
/// The rule (docs/numerics.md): let E = floor(log2 |x|). The quantum is 2^(max(E, emin) - m). The
/// result is |x| rounded to a multiple of the quantum, to nearest, ties to the even multiple. If
/// that is at least 2^(emax + 1), the result overflows: an infinity, or with
/// [`Overflow::Saturate`] the largest finite value. IEEE 754's overflow threshold (the largest
/// finite value plus half a quantum, rounded to even, overflows) follows from this.
pub fn round(format: FpFormat, x: Exact, overflow: Overflow) -> u64 {
    let m = format.man_bits as i32;
    if x.mag == 0 {
        return format.zero(x.neg);
    }
    let msb = 127 - x.mag.leading_zeros() as i32;
    // E = msb + exp; an i64 keeps extreme exponents from overflowing
    let e = i64::from(msb) + i64::from(x.exp);
    let q = e.max(i64::from(format.emin())) - i64::from(m);
    let shift = q - i64::from(x.exp);
    // kept * 2^q is the rounded magnitude; kept <= 2^(m+1)
    let (kept, q) = if shift <= 0 {
        // exact: the value is a multiple of the quantum; shift < 0 only when E is the top bit
        let s = (-shift) as u32;
        debug_assert!(msb as u32 + s <= m as u32);
        (x.mag << s, q)
    } else if shift > 128 {
        // below a quarter of the quantum: rounds to zero
        (0, q)
    } else {
        let s = shift as u32;
        let kept = if s == 128 { 0 } else { x.mag >> s };
        let rem = if s == 128 {
            x.mag
        } else {
            x.mag & ((1u128 << s) - 1)
        };
        let half = 1u128 << (s - 1);
        let up = rem > half || (rem == half && kept & 1 == 1);
        (kept + u128::from(up), q)
    };
    if kept == 0 {
        return format.zero(x.neg);
    }
    // rounding up may carry into a new top bit: kept = 2^(m+1)
    let (kept, q) = if kept >> (m + 1) != 0 {
        (kept >> 1, q + 1)
    } else {
        (kept, q)
    };
    let hidden = 1u128 << m;
    let (biased, frac) = if kept >= hidden {
        (
            q + i64::from(m) + i64::from(format.bias()),
            (kept - hidden) as u64,
        )
    } else {
        (0, kept as u64)
    };
    if biased >= format.exp_all_ones() as i64 {
        return match overflow {
            Overflow::Infinity => format.inf(x.neg),
            Overflow::Saturate => format.max_finite(x.neg),
        };
    }
    format.sign_bit(x.neg) | (biased as u64) << format.man_bits | frac
}

/// The sum of two exact values, for rounding with [`round`]: `round(f, add(a, b), o)` is the
/// correctly rounded a + b for every format `f` (at most 60 fraction bits, which every FP(e, m) has).
/// Magnitudes must be below 2^100 (every decoded float, every product of two floats of up to 32
/// significant bits, and every exact MX block sum is).
///
/// The sum is formed in units of 2^p, p 120 binades below the larger addend's top bit T. If the
/// smaller addend's top lies within 20 binades of T, its lowest bit (at most 99 below its top) is at
/// or above p, and the result is exact. Otherwise the smaller addend is more than 20 binades below,
/// so cancellation can lower the result's top by at most one binade and every rounding position
/// lies above T - 62; the smaller addend's bits below p are then replaced by half a unit of that
/// position (a sticky bit), which moves the sum only inside an interval that contains no rounding
/// boundary of any such format, so the rounding is unchanged. An exact zero sum of opposite signs is
/// +0 (round to nearest); -0 + -0 is -0.
pub fn add(a: Exact, b: Exact) -> Exact {
    debug_assert!(
        a.mag >> 100 == 0 && b.mag >> 100 == 0,
        "magnitudes must be below 2^100"
    );
    if a.mag == 0 && b.mag == 0 {
        return Exact {
            neg: a.neg && b.neg,
            mag: 0,
            exp: 0,
        };
    }
    if a.mag == 0 {
        return b;
    }
    if b.mag == 0 {
        return a;
    }
    let top = |x: &Exact| i64::from(127 - x.mag.leading_zeros() as i32) + i64::from(x.exp);
    let (big, small) = if top(&a) >= top(&b) { (a, b) } else { (b, a) };
    // units of 2^p; the larger addend's lowest bit is at or above p (its magnitude is below 2^64)
    let p = top(&big) - 120;
    let signed = |neg: bool, v: u128| if neg { -(v as i128) } else { v as i128 };
    let scaled = |x: &Exact| -> (u128, bool) {
        let e = i64::from(x.exp);
        if e >= p {
            (x.mag << (e - p), false)
        } else if p - e >= 128 {
            (0, true)
        } else {
            let sh = (p - e) as u32;
            (x.mag >> sh, x.mag & ((1u128 << sh) - 1) != 0)
        }
    };
    let (bv, _) = scaled(&big);
    let (sv, sticky) = scaled(&small);
    let mut sum = signed(big.neg, bv) + signed(small.neg, sv);
    let mut exp = p;
    if sticky {
        // half a unit in the direction of the smaller addend's dropped bits
        sum = 2 * sum + if small.neg { -1 } else { 1 };
        exp -= 1;
    }
    let exp = i32::try_from(exp).expect("exponents of decoded floats and block sums fit i32");
    Exact {
        neg: sum < 0 || (sum == 0 && big.neg && small.neg),
        mag: sum.unsigned_abs(),
        exp,
    }
}

/// The preset format `value` (one of `allowed`), or an error that names the parameter `name`.
pub fn preset_of(name: &'static str, value: &str, allowed: &[&str]) -> Result<FpFormat> {
    if allowed.contains(&value) {
        FpFormat::preset(value)
    } else {
        Err(crate::error::Error::OutOfRange {
            name,
            value: value.to_owned(),
            allowed: allowed.join(", "),
        })
    }
}

/// The preset name of a format (fp32, bf16, fp16, fp12), else `acc<e>x<m>`.
pub fn format_label(f: FpFormat) -> String {
    match (f.exp_bits(), f.man_bits()) {
        (8, 23) => "fp32".into(),
        (8, 7) => "bf16".into(),
        (5, 10) => "fp16".into(),
        (4, 7) => "fp12".into(),
        (e, m) => format!("acc{e}x{m}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_have_the_ieee_layouts() {
        assert_eq!(
            FpFormat::FP32.inf(false),
            u64::from(f32::INFINITY.to_bits())
        );
        assert_eq!(
            FpFormat::FP32.max_finite(true),
            u64::from(f32::MIN.to_bits())
        );
        assert_eq!(FpFormat::FP32.nan(), u64::from(f32::NAN.to_bits()));
        assert_eq!(FpFormat::FP64.max_finite(false), f64::MAX.to_bits());
        assert_eq!(FpFormat::FP16.bits(), 16);
        assert_eq!(FpFormat::FP12.bias(), 7);
        assert!(FpFormat::new(2, 10)
            .unwrap_err()
            .to_string()
            .contains("exp_bits"));
        assert!(FpFormat::new(8, 53)
            .unwrap_err()
            .to_string()
            .contains("man_bits"));
        assert!(FpFormat::preset("fp8")
            .unwrap_err()
            .to_string()
            .contains("fp12"));
    }

    #[test]
    fn decode_then_round_is_the_identity_on_every_fp12_and_fp16_pattern() {
        for f in [FpFormat::FP12, FpFormat::FP16, FpFormat::new(3, 2).unwrap()] {
            for bits in 0..(1u64 << f.bits()) {
                let back = match f.decode(bits) {
                    FpValue::Finite(x) => round(f, x, Overflow::Infinity),
                    FpValue::Zero { neg } => f.zero(neg),
                    FpValue::Inf { neg } => f.inf(neg),
                    FpValue::NaN => continue,
                };
                assert_eq!(back, bits, "{f} {bits:#x}");
            }
        }
    }
}
