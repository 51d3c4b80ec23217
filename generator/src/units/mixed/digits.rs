//! The radix-8 digit arithmetic of `hbfp_mixed_dot` (docs/numerics.md, "Mixed-mantissa digits"):
//! how an M-bit code splits into digits a signed 4-bit multiplier accepts, where each digit's bits
//! come from in a lane, and the Horner schedule of the digit dot products.

use crate::format::{mask, sign_extend};
use serde::Serialize;

/// The number of radix-8 digits of an `m`-bit code (m >= 2): ceil((m - 1) / 3), at least 1.
pub fn digit_count(m: u32) -> u32 {
    (m.saturating_sub(1)).div_ceil(3).max(1)
}

/// The radix-8 digits of the `m`-bit two's-complement code `q`, least significant first: the lower
/// ones in 0..=7, the top one signed, each in -8..=7.
pub fn digits(q: i64, m: u32) -> Vec<i64> {
    let k = digit_count(m);
    let mut v = Vec::with_capacity(k as usize);
    let mut rest = q;
    for _ in 0..k - 1 {
        v.push(rest.rem_euclid(8));
        rest = rest.div_euclid(8);
    }
    v.push(rest);
    v
}

/// Where a 4-bit digit comes from in a lane of `L` bits: `width` bits from bit `lo`, extended to 4
/// bits with copies of its top bit (`signed`) or with zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct DigitSel {
    /// The lowest bit of the digit in the lane.
    pub lo: u32,
    /// The digit's width in the lane (2, 3 or 4).
    pub width: u32,
    /// Whether the digit is signed (the top digit) or unsigned (a lower digit).
    pub signed: bool,
}

impl DigitSel {
    /// The selector of digit `i` of an `m`-bit code (see [`digits`]).
    pub fn of(m: u32, i: u32) -> Self {
        let k = digit_count(m);
        let lo = 3 * i;
        if i + 1 == k {
            DigitSel {
                lo,
                width: m - lo,
                signed: true,
            }
        } else {
            DigitSel {
                lo,
                width: 3,
                signed: false,
            }
        }
    }

    /// Where bit `j` (0 to 3) of the 4-bit digit comes from: a lane bit, the digit's top bit again
    /// (sign extension), or None for a zero (zero extension).
    pub fn bit_source(self, j: u32) -> Option<u32> {
        if j < self.width {
            Some(self.lo + j)
        } else if self.signed {
            Some(self.lo + self.width - 1)
        } else {
            None
        }
    }

    /// The digit's value in the lane bit pattern `lane`.
    pub fn value(self, lane: u64) -> i64 {
        let bits = (lane >> self.lo) & mask(self.width);
        if self.signed {
            sign_extend(bits, self.width)
        } else {
            bits as i64
        }
    }
}

/// One cycle of the schedule of a mode: the digit dot product of A's digit `a_digit` with B's
/// digit `b_digit`, and whether the accumulator is multiplied by 8 before it is added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Beat {
    /// Digit position of A's lanes.
    pub a_digit: u32,
    /// Digit position of B's lanes.
    pub b_digit: u32,
    /// The accumulator is shifted left by 3 bits before this digit dot product is added (the
    /// first beat of a new, lower digit weight a_digit + b_digit).
    pub shift: bool,
}

/// The schedule of an `m`-bit mode: the k * k digit pairs by decreasing weight i + j (and
/// decreasing i within a weight), so that the accumulator follows Horner's rule: it is multiplied
/// by 8 whenever the weight drops by one, and the last beat has weight 0.
pub fn schedule(m: u32) -> Vec<Beat> {
    let k = digit_count(m);
    let mut v = Vec::new();
    for s in (0..=2 * (k - 1)).rev() {
        for i in (0..k).rev() {
            if s >= i && s - i < k {
                v.push(Beat {
                    a_digit: i,
                    b_digit: s - i,
                    shift: !v.is_empty() && i == s.min(k - 1),
                });
            }
        }
    }
    v
}
