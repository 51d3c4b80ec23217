//! The fixed-point arithmetic of S2FP8 (shifted and squeezed FP8, arXiv 2001.05674), defined to the
//! bit so that hardware and model agree: log2 of a float by a table with linear interpolation, the
//! E5M2 code of 2^t by comparing t with the logarithms of the midpoints between codes (exact, no
//! exp2), the logarithm of an E5M2 value, and 2^u as a float by a second table. The rules, and their
//! measured error against f64, are in `docs/numerics.md` ("S2FP8").

use crate::fp::FpFormat;

/// Fraction bits of a logarithm L (log2 of a magnitude): L is an integer in units of 2^-16.
pub const LOG_FRAC: u32 = 16;
/// Fraction bits of the encoder's exponent t = floor(alpha * L / 2^16) + beta: the product of
/// two 16-fraction-bit values rounded down to the coefficients' grid (the 2^-16 this drops is
/// far below the log2's error; the comparisons that follow are half as wide).
pub const T_FRAC: u32 = 16;
/// Fraction bits of the decoder's logarithms and exponent u (the product of a 32-fraction-bit
/// logarithm and a 16-fraction-bit 1/alpha, shifted back by 16).
pub const U_FRAC: u32 = 32;
/// Index bits of the log2 and exp2 tables (64 segments of [1, 2)).
pub const TABLE_INDEX_BITS: u32 = 6;
/// Bits of the interpolation between two table entries.
pub const INTERP_BITS: u32 = 10;

/// log2(1 + i/64) for i = 0 to 64, in units of 2^-16, rounded to nearest.
pub fn log2_table() -> &'static [i64] {
    static T: std::sync::OnceLock<Vec<i64>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let n = 1u32 << TABLE_INDEX_BITS;
        (0..=n)
            .map(|i| {
                let v = (1.0 + f64::from(i) / f64::from(n)).log2();
                (v * f64::from(1u32 << LOG_FRAC)).round() as i64
            })
            .collect()
    })
}

/// 2^(i/64) for i = 0 to 64, in units of 2^-23 (2^23 to 2^24), rounded to nearest.
pub fn exp2_table() -> &'static [i64] {
    static T: std::sync::OnceLock<Vec<i64>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let n = 1u32 << TABLE_INDEX_BITS;
        (0..=n)
            .map(|i| {
                (2f64.powf(f64::from(i) / f64::from(n)) * f64::from(1u32 << 23)).round() as i64
            })
            .collect()
    })
}

/// The table value at `index` (6 bits) plus the interpolation toward the next entry by
/// `r / 2^10` (r: 10 bits), rounded down.
fn interpolate(table: &[i64], index: usize, r: i64) -> i64 {
    table[index] + (((table[index + 1] - table[index]) * r) >> INTERP_BITS)
}

/// L = log2|x| in units of 2^-16 for a finite non-zero pattern of `fmt` (FP32 or bf16): the
/// exponent of its leading one, plus log2(1.f) from the table: f's top 6 bits index it, the next
/// 10 interpolate, the rest are dropped. `None` for zero, Inf and NaN.
pub fn log2_fixed(fmt: FpFormat, pattern: u64) -> Option<i64> {
    let x = fmt.decode(pattern).exact()?;
    if x.mag == 0 {
        return None;
    }
    let lead = 127 - x.mag.leading_zeros() as i32;
    let e = i64::from(x.exp) + i64::from(lead);
    // the 23 bits below the leading one (bf16's 7, zero-extended)
    let f = if lead <= 23 {
        (x.mag << (23 - lead)) as i64 & ((1 << 23) - 1)
    } else {
        (x.mag >> (lead - 23)) as i64 & ((1 << 23) - 1)
    };
    let index = (f >> (23 - TABLE_INDEX_BITS)) as usize;
    let r = (f >> (23 - TABLE_INDEX_BITS - INTERP_BITS)) & ((1 << INTERP_BITS) - 1);
    Some((e << LOG_FRAC) + interpolate(log2_table(), index, r))
}

/// ceil(log2(v) * 2^16): the smallest t (units 2^-16) with 2^t >= v, for the irrational log2 of
/// the midpoints (exact in f64 to far better than 2^-16; see `thresholds_are_exact`).
fn ceil_log2_t(v: f64) -> i64 {
    (v.log2() * 2f64.powi(T_FRAC as i32)).ceil() as i64
}

/// The thresholds of the two mantissa bits of a normal E5M2 code: frac(t) at or above entry k
/// rounds 2^t past the midpoint 1 + (2k + 1)/8 between mantissas k and k + 1.
pub fn mantissa_thresholds() -> [i64; 4] {
    [1.125, 1.375, 1.625, 1.875].map(ceil_log2_t)
}

/// The thresholds below 2^-14 (units 2^-16): t above the first (-17, the half of the smallest
/// subnormal, a tie that rounds to 0) and at or above the others, (j + 1/2) * 2^-16 for j = 1 to 3.
pub fn subnormal_thresholds() -> [i64; 4] {
    let base = -16i64 << T_FRAC;
    [
        -17i64 << T_FRAC,
        base + ceil_log2_t(1.5),
        base + ceil_log2_t(2.5),
        base + ceil_log2_t(3.5),
    ]
}

/// The largest finite E5M2 magnitude code, 1.75 * 2^15 = 57344.
pub const E5M2_MAX: u64 = 0x7b;
/// E5M2's infinity (magnitude code).
pub const E5M2_INF: u64 = 0x7c;
/// E5M2's NaN (magnitude code).
pub const E5M2_NAN: u64 = 0x7f;

/// The E5M2 magnitude code of 2^t (t in units of 2^-16), rounded to nearest even and saturated
/// at 57344: exactly, by comparisons of t with the logarithms of the midpoints between codes.
pub fn e5m2_of_exp(t: i128) -> u64 {
    if t < -14i128 << T_FRAC {
        return subnormal_thresholds()
            .iter()
            .enumerate()
            .filter(|&(j, &th)| {
                if j == 0 {
                    t > i128::from(th)
                } else {
                    t >= i128::from(th)
                }
            })
            .count() as u64;
    }
    let e = t >> T_FRAC;
    let frac = (t & ((1 << T_FRAC) - 1)) as i64;
    let m = mantissa_thresholds()
        .iter()
        .filter(|&&th| frac >= th)
        .count() as i128;
    let code = ((e + 15) << 2) + m; // m = 4 carries into the exponent
    if code > E5M2_MAX as i128 {
        E5M2_MAX
    } else {
        code as u64
    }
}

/// log2 of the finite non-zero E5M2 magnitude code `code` in units of 2^-32: the exponent plus
/// log2(1 + m/4) (or, below 2^-14, -16 + log2 m) rounded to nearest. `None` for zero, Inf and NaN.
pub fn log2_of_e5m2(code: u64) -> Option<i64> {
    let (e, m) = ((code >> 2) & 0x1f, code & 3);
    let one = 1i64 << U_FRAC;
    let lg = |v: f64| (v.log2() * one as f64).round() as i64;
    match (e, m) {
        (0, 0) | (31, _) => None,
        (0, m) => Some(-16 * one + lg(m as f64)),
        (e, m) => Some((e as i64 - 15) * one + lg(1.0 + m as f64 / 4.0)),
    }
}

/// 2^u (u in units of 2^-32, U_FRAC) as a pattern of `fmt` (FP32 or bf16), positive: the exponent
/// floor(u), the significand 2^frac(u) from the table (index 6 bits, interpolation 10, as log2's)
/// with 23 fraction bits, rounded to the format's fraction bits to nearest even (bf16: 7); below
/// the normal range rounded to the subnormals, above it infinity.
pub fn exp2_to_float(fmt: FpFormat, u: i128) -> u64 {
    let e = u >> U_FRAC;
    let frac = (u & ((1 << U_FRAC) - 1)) as i64;
    let index = (frac >> (U_FRAC - TABLE_INDEX_BITS)) as usize;
    let r = (frac >> (U_FRAC - TABLE_INDEX_BITS - INTERP_BITS)) & ((1 << INTERP_BITS) - 1);
    // 2^23 <= sig < 2^24: the value is sig * 2^(e - 23)
    let sig = interpolate(exp2_table(), index, r) as u128;
    let exact = crate::fp::Exact {
        neg: false,
        mag: sig,
        exp: (e - 23).clamp(-2000, 2000) as i32,
    };
    crate::fp::round(fmt, exact, crate::fp::Overflow::Infinity)
}

#[cfg(test)]
pub(super) mod tests;
