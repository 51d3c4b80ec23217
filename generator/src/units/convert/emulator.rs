//! HBFPEmulator's shared-exponent rule, bit-exact: `E = ceil(log2(max|x| + 1e-8))` evaluated in
//! float32, as `parsa-epfl/HBFPEmulator` (`bfp/bfp_ops.py`) writes it. The steps (docs/numerics.md,
//! "The emulator's exponent rule"):
//!
//! 1. s = fl32(max|x| + c), c = fl32(1e-8) = 0x322bcc77: the sum rounded to float32, to nearest even;
//! 2. l = fl32(log2 s), log2 correctly rounded to float32;
//! 3. E = ceil(l).
//!
//! E is a monotone step function of max|x|. Within one binade of the input format (one value of
//! its exponent field) it takes at most two values, so a table of one base exponent and one
//! fraction threshold per exponent field gives it exactly ([`ThresholdTable`]); the RTL is that
//! table.

use crate::fp::{self, Exact, FpFormat, Overflow};

/// c = fl32(1e-8), the emulator's epsilon as float32 (PyTorch casts the Python scalar to the
/// tensor's float32 before it adds).
pub const EPSILON_BITS: u32 = 0x322b_cc77;

/// The smallest fraction field f (of float32's 23) at which fl32(log2(2^k * (1 + f/2^23))) > k,
/// that is, at which the correctly rounded log2 of a float32 in binade k leaves k.
///
/// log2 rounds to exactly k while log2(s) - k is below half the gap from k to the next float32
/// toward +inf (k itself is an integer of even significand, so the tie goes to k too). That gap is
/// 2^(floor(log2 k) - 23) for k > 0, 2^(ceil(log2 |k|) - 24) for k < 0 (the float32 next to k toward
/// zero lies in the binade below |k| when |k| is a power of two), and the smallest subnormal for
/// k = 0. With h half the gap, f > 2^23 * (2^h - 1), computed in f64: the value is below 50 for
/// every k of float32 and lies at least 1e-3 from an integer (a test checks every k), so f64's
/// relative error of 1e-16 cannot move the floor.
pub fn log2_leaves_binade(k: i32) -> u64 {
    let half_gap = match k {
        0 => 2f64.powi(-150),
        k if k > 0 => 2f64.powi(k.ilog2() as i32 - 24),
        k => 2f64.powi(ceil_log2(k.unsigned_abs()) as i32 - 25),
    };
    let v = (half_gap * std::f64::consts::LN_2).exp_m1() * 2f64.powi(23);
    v.floor() as u64 + 1
}

/// ceil(log2 n) for n >= 1.
fn ceil_log2(n: u32) -> u32 {
    32 - (n - 1).leading_zeros()
}

/// HBFPEmulator's shared exponent of a block whose largest magnitude is `max` (its sign is
/// ignored; a zero magnitude is the all-zero block, whose exponent is ceil(log2 c) = -26).
pub fn emulator_exponent(max: Exact) -> i64 {
    let c = FpFormat::FP32
        .decode(u64::from(EPSILON_BITS))
        .exact()
        .expect("the epsilon is finite");
    let x = Exact { neg: false, ..max };
    let s = fp::round(FpFormat::FP32, fp::add(x, c), Overflow::Infinity);
    // s >= c > 0, finite (max is an fp32 or bf16 value, at most fp32's largest finite plus c)
    let biased = (s >> 23) as i32;
    let frac = s & ((1 << 23) - 1);
    debug_assert!(biased > 0 && biased < 255, "s = {s:#x}");
    let k = biased - 127;
    i64::from(k) + i64::from(frac >= log2_leaves_binade(k))
}

/// One row of the threshold table: the exponent of the binade's values below the threshold, and
/// the fraction threshold from which it is one more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    /// E of the binade's smallest value (fraction 0).
    pub base: i64,
    /// The smallest fraction field with E = base + 1; `2^frac_bits` when there is none.
    pub from: u64,
}

/// HBFPEmulator's exponent as a table over the input format's exponent field: row e gives E for
/// every max|x| of biased exponent e (row 0: zero and the subnormals). The row for the all-ones
/// field (Inf and NaN) is absent: those blocks are NaN blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThresholdTable {
    /// The input format the table reads.
    pub format: FpFormat,
    /// One row per exponent field value, 0 to 2^e - 2.
    pub rows: Vec<Threshold>,
}

impl ThresholdTable {
    /// The table of `format` (fp32 or bf16), derived from [`emulator_exponent`] by binary search
    /// on each binade's fraction (E is monotone in the value).
    ///
    /// # Panics
    /// If some binade held more than two exponents, which the rule never gives for fp32 or bf16
    /// (a test checks both).
    pub fn of(format: FpFormat) -> Self {
        let frac_bits = format.man_bits();
        let fmax = (1u64 << frac_bits) - 1;
        let at = |e: u64, f: u64| -> i64 {
            let v = format.decode(e << frac_bits | f).exact().expect("finite");
            emulator_exponent(v)
        };
        let rows = (0..(1u64 << format.exp_bits()) - 1)
            .map(|e| {
                let (base, top) = (at(e, 0), at(e, fmax));
                assert!(top - base <= 1, "binade {e}: E from {base} to {top}");
                if top == base {
                    return Threshold {
                        base,
                        from: fmax + 1,
                    };
                }
                // the smallest f with at(e, f) == top: at(lo) == base, at(hi) == top
                let (mut lo, mut hi) = (0, fmax);
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2;
                    if at(e, mid) == top {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                Threshold { base, from: hi }
            })
            .collect();
        ThresholdTable { format, rows }
    }

    /// E of a positive value given by its exponent field and fraction field.
    pub fn exponent(&self, exp_field: u64, frac: u64) -> i64 {
        let r = self.rows[exp_field as usize];
        r.base + i64::from(frac >= r.from)
    }

    /// The smallest and largest exponent in the table.
    pub fn range(&self) -> (i64, i64) {
        let lo = self.rows.iter().map(|r| r.base).min().unwrap_or(0);
        let hi = self
            .rows
            .iter()
            .map(|r| r.base + i64::from(r.from < (1 << self.format.man_bits())))
            .max()
            .unwrap_or(0);
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule in f32 arithmetic as the emulator runs it: the sum in f32 (Rust's f32 addition is
    /// IEEE's, to nearest even), log2 in f64 rounded to f32, the ceiling. This is independent of
    /// the threshold formula.
    fn reference(max: f32) -> i64 {
        let s = max.abs() + 1e-8f32;
        let l = f64::from(s).log2();
        (l as f32).ceil() as i64
    }

    fn exact(bits: u32) -> Exact {
        FpFormat::FP32
            .decode(u64::from(bits))
            .exact()
            .expect("finite")
    }

    #[test]
    fn epsilon_is_fl32_of_1e_8() {
        assert_eq!(1e-8f32.to_bits(), EPSILON_BITS);
    }

    #[test]
    fn the_threshold_formula_is_far_from_integers() {
        // the floor in log2_leaves_binade is safe only if 2^23 (2^h - 1) is not within f64's error
        // of an integer, for every binade of float32
        for k in -150..=128 {
            let f = log2_leaves_binade(k);
            assert!(f >= 1, "k = {k}");
            if k == 0 {
                continue;
            }
            let half_gap = if k > 0 {
                2f64.powi(k.ilog2() as i32 - 24)
            } else {
                2f64.powi(ceil_log2(k.unsigned_abs()) as i32 - 25)
            };
            let v = (half_gap * std::f64::consts::LN_2).exp_m1() * 2f64.powi(23);
            assert!((v - v.round()).abs() > 1e-3, "k = {k}: {v}");
        }
    }

    #[test]
    fn the_issue_examples() {
        // max 2^-7: the epsilon lifts log2 off -7
        assert_eq!(emulator_exponent(exact(0x3c00_0000)), -6);
        // max 2^-32 is below the epsilon: E = ceil(log2 c) = -26, and every element rounds to 0
        assert_eq!(emulator_exponent(exact(0x2f80_0000)), -26);
        // the all-zero block
        assert_eq!(emulator_exponent(exact(0)), -26);
        // 16.0000019: log2 rounds to exactly 4.0
        assert_eq!(emulator_exponent(exact(0x4180_0001)), 4);
        assert_eq!(emulator_exponent(exact(0x4180_0000)), 4);
    }

    #[test]
    fn matches_f32_arithmetic_at_every_threshold_of_fp32() {
        let t = ThresholdTable::of(FpFormat::FP32);
        let mut checked = 0;
        for (e, r) in t.rows.iter().enumerate() {
            let e = e as u32;
            for f in [0u32, 1, 2, r.from as u32, (1 << 23) - 1] {
                for f in [f.saturating_sub(1), f, f + 1] {
                    if f >= 1 << 23 {
                        continue;
                    }
                    let bits = e << 23 | f;
                    let want = reference(f32::from_bits(bits));
                    assert_eq!(emulator_exponent(exact(bits)), want, "{bits:#x}");
                    assert_eq!(t.exponent(u64::from(e), u64::from(f)), want, "{bits:#x}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 254 * 10);
    }

    #[test]
    fn matches_f32_arithmetic_on_random_values() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        let t = ThresholdTable::of(FpFormat::FP32);
        for _ in 0..200_000 {
            let bits = rng.gen_range(0..0x7f80_0000u32);
            let want = reference(f32::from_bits(bits));
            assert_eq!(emulator_exponent(exact(bits)), want, "{bits:#x}");
            assert_eq!(
                t.exponent(u64::from(bits >> 23), u64::from(bits & 0x7f_ffff)),
                want
            );
        }
    }

    #[test]
    fn bf16_table_is_exhaustively_right() {
        let t = ThresholdTable::of(FpFormat::BF16);
        for bits in 0..0x7f80u32 {
            let want = reference(f32::from_bits(bits << 16));
            assert_eq!(
                t.exponent(u64::from(bits >> 7), u64::from(bits & 0x7f)),
                want,
                "{bits:#x}"
            );
        }
    }

    #[test]
    fn range_is_minus_26_to_128() {
        assert_eq!(ThresholdTable::of(FpFormat::FP32).range(), (-26, 128));
    }
}
