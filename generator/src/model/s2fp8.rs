//! The golden model of S2FP8 (arXiv 2001.05674): a tensor's statistics (mu, the mean of log2|x|,
//! and m, their maximum, over its non-zero entries), alpha = 15 / (m - mu) and beta = -alpha * mu;
//! each element stored as the E5M2 code of 2^(alpha * log2|x| + beta) with its sign, and decoded as
//! 2^((log2|y| - beta) / alpha). Every step in fixed point, bit-exact, with the arithmetic of
//! [`arith`]; the rules are in `docs/numerics.md` ("S2FP8").

use crate::fp::FpFormat;
use arith::{e5m2_of_exp, exp2_to_float, log2_fixed, log2_of_e5m2, E5M2_INF, E5M2_NAN, LOG_FRAC};
use serde::Serialize;

pub mod arith;

/// Fraction bits of alpha, beta, 1/alpha and mu.
pub const STAT_FRAC: u32 = LOG_FRAC;
/// The largest alpha, just under 2^8 (alpha has 8 integer bits).
pub const ALPHA_MAX: u64 = (1 << (8 + STAT_FRAC)) - 1;
/// Bits of alpha: unsigned, 8 integer and 16 fraction bits.
pub const ALPHA_BITS: u32 = 8 + STAT_FRAC;
/// Bits of beta: signed, 16 integer and 16 fraction bits (|beta| = |alpha mu| < 2^8 * 150).
pub const BETA_BITS: u32 = 1 + 16 + STAT_FRAC;
/// Bits of 1/alpha: unsigned, 17 integer and 16 fraction bits (alpha >= 2^-16).
pub const INV_ALPHA_BITS: u32 = 17 + STAT_FRAC;

/// A tensor's statistics and the transform's coefficients, all in units of 2^-16.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct S2fp8Stats {
    /// Non-zero finite entries counted.
    pub count: u64,
    /// mu = mean log2|x|, rounded to nearest (ties up).
    pub mu: i64,
    /// m = max log2|x|.
    pub max: i64,
    /// alpha = 15 / (m - mu), rounded to nearest, within [2^-16, 2^8).
    pub alpha: u64,
    /// beta = -alpha * mu, rounded to nearest (ties up).
    pub beta: i64,
    /// 1 / alpha, rounded to nearest: the decoder's multiplier.
    pub inv_alpha: u64,
    /// An entry was an Inf or a NaN (it is left out of the statistics).
    pub invalid: bool,
}

/// round(num / den) for den > 0, ties toward +infinity: floor((2 num + den) / (2 den)).
fn div_round(num: i128, den: i128) -> i128 {
    (2 * num + den).div_euclid(2 * den)
}

/// The statistics of a tensor of patterns of `fmt` (FP32 or bf16): zeros are left out (log2 0 is
/// not finite), Inf and NaN left out and flagged. No non-zero entry: alpha = 1, beta = 0. All of
/// one magnitude (m = mu): alpha = 1, beta = -mu.
pub fn stats(fmt: FpFormat, tensor: &[u64]) -> S2fp8Stats {
    let (mut sum, mut count, mut max, mut invalid) = (0i128, 0u64, i64::MIN, false);
    for &p in tensor {
        if fmt.decode(p).exact().is_none() {
            invalid = true;
        } else if let Some(l) = log2_fixed(fmt, p) {
            sum += i128::from(l);
            count += 1;
            max = max.max(l);
        }
    }
    let one = 1i64 << STAT_FRAC;
    if count == 0 {
        return S2fp8Stats {
            count,
            mu: 0,
            max: 0,
            alpha: one as u64,
            beta: 0,
            inv_alpha: one as u64,
            invalid,
        };
    }
    let mu = div_round(sum, i128::from(count)) as i64;
    let d = i128::from(max - mu);
    let alpha = if d == 0 {
        one as u64
    } else {
        div_round(15i128 << (2 * STAT_FRAC), d).clamp(1, i128::from(ALPHA_MAX)) as u64
    };
    let beta = div_round(-i128::from(alpha) * i128::from(mu), i128::from(one)) as i64;
    let inv_alpha = div_round(1i128 << (2 * STAT_FRAC), i128::from(alpha)) as u64;
    S2fp8Stats {
        count,
        mu,
        max,
        alpha,
        beta,
        inv_alpha,
        invalid,
    }
}

/// The S2FP8 code (an E5M2 pattern) of pattern `p` of `fmt`: sign, and the E5M2 code of
/// 2^(alpha * L + beta) rounded to nearest even and saturated; zero to the zero code, Inf to
/// E5M2's Inf, NaN to its NaN (signs kept).
pub fn encode(fmt: FpFormat, s: &S2fp8Stats, p: u64) -> u64 {
    encode_with(fmt, s.alpha, s.beta, p)
}

/// [`encode`] with the coefficients given: `alpha` unsigned and `beta` signed, both in units of
/// 2^-16 (what `s2fp8_encode` takes on its ports).
pub fn encode_with(fmt: FpFormat, alpha: u64, beta: i64, p: u64) -> u64 {
    let v = fmt.decode(p);
    let sign = (p >> (fmt.bits() - 1)) & 1;
    let mag = match v.exact() {
        None if v == crate::fp::FpValue::NaN => E5M2_NAN,
        None => E5M2_INF,
        Some(_) => match log2_fixed(fmt, p) {
            None => 0,
            Some(l) => {
                let t = ((i128::from(alpha) * i128::from(l)) >> STAT_FRAC) + i128::from(beta);
                e5m2_of_exp(t)
            }
        },
    };
    sign << 7 | mag
}

/// The value of S2FP8 code `c` as a pattern of `fmt` (FP32 or bf16): sign * 2^u with
/// u = (log2|y| - beta) * (1/alpha); zero, Inf and NaN decode to themselves.
pub fn decode(fmt: FpFormat, s: &S2fp8Stats, c: u64) -> u64 {
    decode_with(fmt, s.inv_alpha, s.beta, c)
}

/// [`decode`] with the coefficients given: `inv_alpha` unsigned and `beta` signed, both in units
/// of 2^-16 (what `s2fp8_decode` takes on its ports).
pub fn decode_with(fmt: FpFormat, inv_alpha: u64, beta: i64, c: u64) -> u64 {
    let sign = ((c >> 7) & 1) << (fmt.bits() - 1);
    let mag = c & 0x7f;
    let ones = (1u64 << fmt.exp_bits()) - 1;
    let inf = ones << fmt.man_bits();
    let m = match mag {
        0 => 0,
        E5M2_INF => inf,
        0x7d..=E5M2_NAN => inf | 1 << (fmt.man_bits() - 1),
        _ => {
            let ly = i128::from(log2_of_e5m2(mag).expect("a finite non-zero code"));
            let u = ((ly - (i128::from(beta) << STAT_FRAC)) * i128::from(inv_alpha)) >> STAT_FRAC;
            exp2_to_float(fmt, u)
        }
    };
    sign | m
}

/// The 128 magnitudes of a tensor's decoding table: entry c is [`decode_with`] of magnitude code
/// c (0 to 127, the last E5M2's NaN) without its sign bit, a pattern of `fmt` (FP32 or bf16) less its sign. What
/// `s2fp8_decode_table` is loaded with; a code decodes to its sign over the entry of its magnitude.
pub fn decode_table(fmt: FpFormat, inv_alpha: u64, beta: i64) -> Vec<u64> {
    (0..=E5M2_NAN)
        .map(|c| decode_with(fmt, inv_alpha, beta, c))
        .collect()
}

/// The transform in f64 from its definition (exact log2, mean and maximum; alpha and beta
/// unrounded): the code of x, and the f64 value a code decodes to. The reference of the model's
/// error measurement.
pub struct Reference {
    alpha: f64,
    beta: f64,
}

impl Reference {
    /// The f64 transform of `tensor` (finite f32 values).
    pub fn of(tensor: &[f32]) -> Self {
        let logs: Vec<f64> = tensor
            .iter()
            .filter(|x| **x != 0.0 && x.is_finite())
            .map(|x| f64::from(x.abs()).log2())
            .collect();
        if logs.is_empty() {
            return Reference {
                alpha: 1.0,
                beta: 0.0,
            };
        }
        let mu = logs.iter().sum::<f64>() / logs.len() as f64;
        let m = logs.iter().fold(f64::MIN, |a, &b| a.max(b));
        let alpha = if m > mu { 15.0 / (m - mu) } else { 1.0 };
        Reference {
            alpha,
            beta: -alpha * mu,
        }
    }

    /// log2 of the stored magnitude, alpha * log2|x| + beta, for x != 0.
    pub fn exponent(&self, x: f32) -> f64 {
        self.alpha * f64::from(x.abs()).log2() + self.beta
    }

    /// The value code magnitude `c` (finite) decodes to: 2^((log2 c - beta) / alpha).
    pub fn decode(&self, value_of_code: f64) -> f64 {
        2f64.powf((value_of_code.log2() - self.beta) / self.alpha)
    }
}

#[cfg(test)]
mod tests;
