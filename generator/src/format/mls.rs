//! The formats of MLS, the multi-level scaling tensor format (arXiv 2006.02804): a value is
//! `S_t * 2^-u * e`, with `S_t` one full-precision scale per tensor, `2^-u` a power-of-two scale
//! per group of elements (`u` an unsigned G-bit code) and `e` a tiny float element of `Ex`
//! exponent and `Mx` mantissa bits. The paper leaves the element's bias, zeros and subnormals and
//! the group scale's range open; the choices made here are argued in `docs/numerics.md` ("MLS").

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The largest accepted element exponent width `Ex`.
pub const ELEM_EXP_BITS_MAX: u32 = 4;
/// The largest accepted element mantissa width `Mx`.
pub const ELEM_MAN_BITS_MAX: u32 = 7;
/// The smallest accepted group-scale width `G`.
pub const GROUP_SCALE_BITS_MIN: u32 = 1;
/// The largest accepted group-scale width `G`: a product's two group scales then shift a group
/// sum by up to 2 (2^G - 1) = 62 bits, and the exact block sum stays within 128 bits.
pub const GROUP_SCALE_BITS_MAX: u32 = 5;

/// An MLS element: sign, `Ex` exponent bits and `Mx` mantissa bits, no infinities or NaNs. The
/// exponent bias is 2^Ex - 1, so that the top binade is [1, 2) and a group's largest magnitude,
/// scaled by its group scale into [1, 2), keeps every mantissa bit; the exponent field 0 holds
/// zero and the subnormals. With `Ex = 0` the element is sign and magnitude: `m * 2^(1 - Mx)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct MlsElement {
    /// Exponent bits `Ex`, 0 to 4.
    pub exp_bits: u32,
    /// Mantissa bits `Mx`, 0 to 7.
    pub man_bits: u32,
}

impl MlsElement {
    /// The element of `exp_bits` exponent and `man_bits` mantissa bits, checked.
    pub fn new(exp_bits: u32, man_bits: u32) -> Result<Self> {
        crate::format::check_range("elem_exp_bits", exp_bits, 0, ELEM_EXP_BITS_MAX)?;
        crate::format::check_range("elem_man_bits", man_bits, 0, ELEM_MAN_BITS_MAX)?;
        if exp_bits == 0 && man_bits == 0 {
            return Err(Error::OutOfRange {
                name: "elem_man_bits",
                value: "0".into(),
                allowed: "1 to 7 when --elem-exp-bits is 0 (an element needs a magnitude bit)"
                    .into(),
            });
        }
        Ok(MlsElement { exp_bits, man_bits })
    }

    /// Width of a code: sign, exponent, mantissa.
    pub fn bits(self) -> u32 {
        1 + self.exp_bits + self.man_bits
    }

    /// A short tag for identifiers (`e2m4`).
    pub fn tag(self) -> String {
        format!("e{}m{}", self.exp_bits, self.man_bits)
    }

    /// The exponent bias, 2^Ex - 1 (0 when `Ex = 0`).
    pub fn bias(self) -> i64 {
        (1i64 << self.exp_bits) - 1
    }

    /// The fixed point's fraction bits: a code's value is `fixed * 2^-frac_bits`
    /// (bias - 1 + Mx; Mx - 1 when `Ex = 0`).
    pub fn frac_bits(self) -> u32 {
        if self.exp_bits == 0 {
            self.man_bits - 1
        } else {
            (self.bias() - 1) as u32 + self.man_bits
        }
    }

    /// The largest shift e' = max(e, 1) - 1 of a code (a code's fixed point is sig << e').
    pub fn max_shift(self) -> u32 {
        if self.exp_bits == 0 {
            0
        } else {
            (1 << self.exp_bits) - 2
        }
    }

    /// Bits of the shift e' (0 when it is always 0).
    pub fn shift_bits(self) -> u32 {
        32 - self.max_shift().leading_zeros()
    }

    /// Bits of the significand (the hidden bit included when `Ex > 0`).
    pub fn sig_bits(self) -> u32 {
        self.man_bits + u32::from(self.exp_bits > 0)
    }

    /// The largest magnitude in fixed point.
    pub fn max_fixed(self) -> u64 {
        let sig = (1u64 << self.sig_bits()) - 1;
        sig << self.max_shift()
    }

    /// The largest magnitude, 2 - 2^-Mx (2 - 2^(1 - Mx) when `Ex = 0`).
    pub fn max_value(self) -> f64 {
        self.max_fixed() as f64 * 2f64.powi(-(self.frac_bits() as i32))
    }

    /// The sign and fixed-point magnitude of code `pattern` (its low `bits()` bits).
    pub fn decode(self, pattern: u64) -> (bool, u64) {
        let (sig, shift, neg) = self.split(pattern);
        (neg, sig << shift)
    }

    /// A code's significand, shift e' and sign: its magnitude is `sig << e'`.
    pub fn split(self, pattern: u64) -> (u64, u32, bool) {
        let (eb, mb) = (self.exp_bits, self.man_bits);
        let neg = (pattern >> (eb + mb)) & 1 == 1;
        let e = (pattern >> mb) & ((1 << eb) - 1);
        let m = pattern & ((1 << mb) - 1);
        if e == 0 {
            (m, 0, neg)
        } else {
            (m | (1 << mb), (e - 1) as u32, neg)
        }
    }

    /// The code of `neg * fixed` when `fixed` is on the format's grid (a value of
    /// [`MlsElement::decode`]); `None` otherwise.
    pub fn encode(self, neg: bool, fixed: u64) -> Option<u64> {
        let mb = self.man_bits;
        let sign = u64::from(neg) << (self.exp_bits + mb);
        if fixed < (1 << mb) || self.exp_bits == 0 {
            return (fixed < (1 << self.sig_bits())).then_some(sign | fixed);
        }
        // normal: the leading one at bit mb + e - 1
        let lead = 63 - fixed.leading_zeros();
        let shift = lead - mb;
        let e = u64::from(shift) + 1;
        let exact = fixed & ((1 << shift) - 1) == 0;
        (exact && e < (1 << self.exp_bits))
            .then(|| sign | (e << mb) | ((fixed >> shift) & ((1 << mb) - 1)))
    }

    /// The nearest element to `x` (ties to even), saturated at the largest magnitude: its sign and
    /// fixed-point magnitude. `x` is any finite f64.
    pub fn round(self, x: f64) -> (bool, u64) {
        self.round_with(x, f64::round_ties_even)
    }

    /// The element that `quantise` chooses for `x`, saturated at the largest magnitude: its sign
    /// and fixed-point magnitude. `quantise` maps t = |x| / spacing (the grid's spacing at |x|,
    /// so t is exact, with an integer part of at most Mx + 1 bits) to an integer; `round` passes
    /// ties to even, stochastic rounding `floor((floor(t * 2^R) + r) / 2^R)`.
    pub fn round_with(self, x: f64, quantise: impl Fn(f64) -> f64) -> (bool, u64) {
        let neg = x.is_sign_negative();
        let a = x.abs();
        let frac = self.frac_bits() as i32;
        // the spacing of the grid at a: 2^-frac below the smallest normal binade and in the
        // subnormals, else 2^(floor(log2 a) - Mx)
        let ulp_exp = if self.exp_bits == 0 || a < 2f64.powi(1 - self.bias() as i32) {
            -frac
        } else {
            (floor_log2(a) - self.man_bits as i32).max(-frac)
        };
        // a / ulp is exact (a power-of-two scaling); its rounding to an integer is the one rounding
        let q = quantise(a * 2f64.powi(-ulp_exp));
        let fixed = q * 2f64.powi(ulp_exp + frac);
        let fixed = if fixed >= self.max_fixed() as f64 {
            self.max_fixed()
        } else {
            fixed as u64
        };
        (neg, fixed)
    }
}

/// floor(log2 a) of a positive finite f64, exactly (from its bits).
pub fn floor_log2(a: f64) -> i32 {
    let bits = a.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32;
    if e == 0 {
        // subnormal: the leading one of the fraction
        let frac = bits & ((1 << 52) - 1);
        -1074 + (63 - frac.leading_zeros() as i32)
    } else {
        e - 1023
    }
}

impl std::fmt::Display for MlsElement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "E{}M{}", self.exp_bits, self.man_bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An independent decoding in f64 from the definition: e = 0 gives m/2^Mx * 2^(1 - bias),
    /// else (1 + m/2^Mx) * 2^(e - bias), bias = 2^Ex - 1; with no exponent, m * 2^(1 - Mx).
    fn f64_of(f: MlsElement, p: u64) -> f64 {
        let (eb, mb) = (f.exp_bits as i32, f.man_bits as i32);
        let s = if (p >> (eb + mb)) & 1 == 1 { -1.0 } else { 1.0 };
        let e = ((p >> mb) & ((1 << eb) - 1)) as i32;
        let m = (p & ((1 << mb) - 1)) as f64;
        let bias = (1 << eb) - 1;
        if eb == 0 {
            s * m * 2f64.powi(1 - mb)
        } else if e == 0 {
            s * m / 2f64.powi(mb) * 2f64.powi(1 - bias)
        } else {
            s * (1.0 + m / 2f64.powi(mb)) * 2f64.powi(e - bias)
        }
    }

    fn every_format() -> impl Iterator<Item = MlsElement> {
        (0..=ELEM_EXP_BITS_MAX)
            .flat_map(|e| (0..=ELEM_MAN_BITS_MAX).filter_map(move |m| MlsElement::new(e, m).ok()))
    }

    #[test]
    fn every_code_of_every_format_decodes_as_the_f64_definition_and_encodes_back() {
        for f in every_format() {
            let mut max = 0.0f64;
            for p in 0..1u64 << f.bits() {
                let (neg, fixed) = f.decode(p);
                let v = fixed as f64 * 2f64.powi(-(f.frac_bits() as i32));
                let want = f64_of(f, p);
                assert_eq!(if neg { -v } else { v }, want, "{f} {p:#x}");
                assert!(fixed <= f.max_fixed(), "{f} {p:#x}");
                max = max.max(want.abs());
                if fixed != 0 {
                    assert_eq!(f.encode(neg, fixed), Some(p), "{f} {p:#x}");
                }
            }
            assert_eq!(max, f.max_value(), "{f}");
            assert!((1.0..2.0).contains(&max), "{f}: the top binade is [1, 2)");
        }
    }

    /// Law: `round` gives the nearest code (ties to the even code), saturating; checked against a
    /// search over every code on the midpoints, their neighbours and random values.
    #[test]
    fn round_is_the_nearest_code_ties_to_even() {
        for f in every_format() {
            let frac = f.frac_bits() as i32;
            let mut grid: Vec<(f64, u64)> = (0..1u64 << (f.bits() - 1))
                .map(|p| {
                    let (_, fx) = f.decode(p);
                    (fx as f64 * 2f64.powi(-frac), p)
                })
                .collect();
            grid.sort_by(|a, b| a.0.total_cmp(&b.0));
            // the nearest grid value; a tie goes to the candidate that is an even multiple of the
            // gap between the two (the code with the even mantissa bit; with Mx = 0, the larger)
            let nearest = |x: f64| -> f64 {
                let i = grid.partition_point(|g| g.0 <= x);
                if i == 0 {
                    return grid[0].0;
                }
                if i == grid.len() {
                    return grid[i - 1].0;
                }
                let (lo, hi) = (grid[i - 1].0, grid[i].0);
                let (dl, dh) = (x - lo, hi - x);
                if dl < dh {
                    lo
                } else if dh < dl {
                    hi
                } else if (lo / (hi - lo)) % 2.0 == 0.0 {
                    lo
                } else {
                    hi
                }
            };
            let mut probes = vec![0.0, 3.0, 1e9, f.max_value()];
            for w in grid.windows(2) {
                let mid = (w[0].0 + w[1].0) / 2.0;
                probes.extend([mid, mid * (1.0 + 1e-12), mid * (1.0 - 1e-12), w[0].0]);
            }
            let mut s = 12345u64;
            for _ in 0..200 {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                probes.push((s >> 11) as f64 / (1u64 << 53) as f64 * 2.2);
            }
            for x in probes {
                for x in [x, -x] {
                    let (neg, fixed) = f.round(x);
                    let got = fixed as f64 * 2f64.powi(-frac);
                    assert_eq!(neg, x.is_sign_negative(), "{f} {x}");
                    assert_eq!(got, nearest(x.abs()), "{f} {x}");
                }
            }
        }
    }

    #[test]
    fn bad_widths_are_refused() {
        assert!(MlsElement::new(0, 0).is_err());
        assert!(MlsElement::new(5, 1).is_err());
        assert!(MlsElement::new(2, 8).is_err());
        assert_eq!(MlsElement::new(2, 1).unwrap().bits(), 4);
    }
}
