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

/// How an element is rounded to its format (`mx_convert --rounding`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MxRounding {
    /// To nearest, ties to even: the OCP spec's rounding (microxcaling's `round="even"`).
    #[default]
    Even,
    /// To nearest, ties away from zero: microxcaling's default `round="nearest"`.
    Away,
}

/// What an element beyond the format's largest magnitude becomes (`mx_convert --overflow`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MxOverflow {
    /// The largest finite magnitude of its sign: the OCP spec's conversion.
    #[default]
    Saturate,
    /// Infinity (E5M2) or NaN (E4M3): microxcaling's `saturate_normals=False`. Only for FP8.
    Special,
}

impl std::str::FromStr for MxRounding {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "even" | "nearest-even" => Ok(MxRounding::Even),
            "away" | "nearest-away" => Ok(MxRounding::Away),
            _ => Err(format!("{s:?} is not an MX rounding; use even or away")),
        }
    }
}

impl std::str::FromStr for MxOverflow {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "saturate" => Ok(MxOverflow::Saturate),
            "special" => Ok(MxOverflow::Special),
            _ => Err(format!(
                "{s:?} is not an overflow mode; use saturate or special"
            )),
        }
    }
}

/// The code of `f` nearest to `mag * 2^exp` (with the sign `neg`), rounded by `rounding`, with
/// `overflow` beyond the largest finite magnitude (docs/numerics.md, "Converting floats to an MX
/// block"). A value that rounds to 0 keeps its sign (a float's -0; INT8 has no -0).
pub fn quantize(
    f: MxElement,
    neg: bool,
    mag: u128,
    exp: i64,
    rounding: MxRounding,
    overflow: MxOverflow,
) -> u64 {
    let w = f.bits();
    let sign = u64::from(neg && f.is_float()) << (w - 1);
    if mag == 0 {
        return sign;
    }
    // the quantum: 2^(max(e, emin) - mb) for a float (emin = 1 - bias), 2^-6 for INT8
    let mb = i64::from(f.man_bits());
    let q_exp = if f.is_float() {
        let e = (127 - mag.leading_zeros() as i64) + exp;
        e.max(1 - f.bias()) - mb
    } else {
        -i64::from(f.frac_bits())
    };
    // q = round(mag * 2^(exp - q_exp))
    let s = q_exp - exp;
    let q: u128 = if s <= 0 {
        mag.checked_shl((-s) as u32).unwrap_or(u128::MAX)
    } else if s > 127 {
        0
    } else {
        let s = s as u32;
        let (int, rem) = (mag >> s, mag & ((1u128 << s) - 1));
        let half = 1u128 << (s - 1);
        let up = match rounding {
            MxRounding::Even => rem > half || (rem == half && int & 1 == 1),
            MxRounding::Away => rem >= half,
        };
        int + u128::from(up)
    };
    // q * 2^q_exp in fixed point (units of 2^-frac_bits)
    let fixed = q
        .checked_shl((q_exp + i64::from(f.frac_bits())) as u32)
        .unwrap_or(u128::MAX);
    if fixed > u128::from(f.max_fixed()) || (f == MxElement::Int8 && fixed > 127) {
        return match (overflow, f) {
            (MxOverflow::Special, MxElement::Fp8E5M2) => sign | 0x7c,
            (MxOverflow::Special, MxElement::Fp8E4M3) => sign | 0x7f,
            _ => encode_fixed(
                f,
                neg,
                f.max_fixed().min(if f.is_float() { u64::MAX } else { 127 }),
            ),
        };
    }
    encode_fixed(f, neg, fixed as u64)
}

/// The code of the representable magnitude `fixed` (units of 2^-frac_bits) with the sign `neg`.
fn encode_fixed(f: MxElement, neg: bool, fixed: u64) -> u64 {
    let w = f.bits();
    if !f.is_float() {
        let v = if neg { -(fixed as i64) } else { fixed as i64 };
        return v as u64 & ((1 << w) - 1);
    }
    let mb = f.man_bits();
    // fixed = sig << e' with e' = max(e, 1) - 1: subnormals are below 2^mb
    let code = if fixed < 1 << mb {
        fixed
    } else {
        let top = 63 - fixed.leading_zeros();
        let e_prime = top - mb;
        debug_assert_eq!(fixed & ((1 << e_prime) - 1), 0, "{fixed} is representable");
        (u64::from(e_prime + 1) << mb) | ((fixed >> e_prime) - (1 << mb))
    };
    (u64::from(neg) << (w - 1)) | code
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
    fn quantize_is_the_nearest_code_in_f64() {
        // every element format, values on a fine grid over its whole range and beyond: the code
        // is the nearest finite value (ties by the mode), saturated, against a search over codes
        for f in MxElement::ALL {
            let values: Vec<(u64, f64)> = (0..1u64 << f.bits())
                .filter_map(|p| value(f, p).filter(|v| v.is_finite()).map(|v| (p, v)))
                .collect();
            for k in -4000i64..=4000 {
                let x = k as f64 * f.max_normal() / 3000.0;
                let exact = |x: f64| -> (bool, u128, i64) {
                    let (m, e) = (x.abs() * 2f64.powi(60), -60);
                    (x < 0.0, m as u128, e)
                };
                let (neg, mag, exp) = exact(x);
                let xr = mag as f64 * 2f64.powi(exp as i32) * if neg { -1.0 } else { 1.0 };
                for rounding in [MxRounding::Even, MxRounding::Away] {
                    let got = quantize(f, neg, mag, exp, rounding, MxOverflow::Saturate);
                    let got_v = value(f, got).expect("finite");
                    // the nearest values, and on a tie the mode's choice
                    let best = values
                        .iter()
                        .map(|&(_, v)| (v - xr).abs())
                        .fold(f64::INFINITY, f64::min);
                    let clamped = xr.clamp(-f.max_normal(), f.max_normal());
                    let best_c = values
                        .iter()
                        .map(|&(_, v)| (v - clamped).abs())
                        .fold(f64::INFINITY, f64::min);
                    assert!(
                        (got_v - clamped).abs() <= best_c || (got_v - xr).abs() <= best,
                        "{f} {xr}: {got_v}"
                    );
                    let ties: Vec<f64> = values
                        .iter()
                        .map(|&(_, v)| v)
                        .filter(|v| (v - clamped).abs() == best_c)
                        .collect();
                    if ties.len() == 2 && ties[0] != ties[1] && xr.abs() <= f.max_normal() {
                        let pick = match rounding {
                            MxRounding::Away => {
                                if xr < 0.0 {
                                    ties[0].min(ties[1])
                                } else {
                                    ties[0].max(ties[1])
                                }
                            }
                            MxRounding::Even => *ties
                                .iter()
                                .find(|&&v| {
                                    let p = values.iter().find(|&&(_, w)| w == v).unwrap().0;
                                    // the even code: the last fraction bit (INT8: the lsb) is 0
                                    p & 1 == 0
                                })
                                .unwrap(),
                        };
                        assert_eq!(got_v, pick, "{f} {xr} {rounding:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn overflow_modes() {
        let big = |f: MxElement, o| quantize(f, false, 1, 40, MxRounding::Even, o);
        assert_eq!(big(MxElement::Fp8E4M3, MxOverflow::Saturate), 0x7e);
        assert_eq!(big(MxElement::Fp8E4M3, MxOverflow::Special), 0x7f);
        assert_eq!(big(MxElement::Fp8E5M2, MxOverflow::Saturate), 0x7b);
        assert_eq!(big(MxElement::Fp8E5M2, MxOverflow::Special), 0x7c);
        assert_eq!(big(MxElement::Int8, MxOverflow::Saturate), 0x7f);
        assert_eq!(
            quantize(
                MxElement::Int8,
                true,
                1,
                40,
                MxRounding::Even,
                MxOverflow::Saturate
            ),
            0x81
        );
        assert_eq!(big(MxElement::Fp4E2M1, MxOverflow::Saturate), 0x7);
        // E4M3: 464 = 448 + half a quantum is a tie between 448 and 480; 480 is not finite
        assert_eq!(
            quantize(
                MxElement::Fp8E4M3,
                false,
                464,
                0,
                MxRounding::Even,
                MxOverflow::Saturate
            ),
            0x7e
        );
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
