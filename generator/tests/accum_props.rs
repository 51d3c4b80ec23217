//! The exact addition behind every accumulator (`hbfpgen::fp::add`, then `round`) and the
//! `hbfp_mac` model (`hbfpgen::mac`), against independent references:
//! - fp64: native f64 addition of two f64 values (correctly rounded by IEEE 754);
//! - fp32 and fp16: the exact sum as f64 TwoSum (hi + lo), rounded by native `as f32` or by Berkeley
//!   SoftFloat's f64 -> f16, with the tie decided by the sign of lo when hi sits on a midpoint;
//! - `mac::accumulate_blocks` with an fp64 accumulator against native f64, one addition per block
//!   (each block's exact value is an f64, so each step is one correctly rounded addition);
//! - IEEE's overflow threshold in fp16, both overflow modes, and the signs of zero.
//!
//! Addends are drawn far apart as well as close, so the sticky path and cancellation both occur.

use hbfpgen::accumulate::Accumulator;
use hbfpgen::dot::{DotSpec, Stages};
use hbfpgen::fp::{add, round, Exact, FpFormat, Overflow};
use hbfpgen::mac::accumulate_blocks;
use hbfpgen::model::Block;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use softfloat_wrapper::{Float, RoundingMode, F16, F64};

const N: usize = 500_000;

fn exact64(x: f64) -> Exact {
    FpFormat::FP64.decode(x.to_bits()).exact().expect("finite")
}

/// A block-sum-like addend: an integer below 2^30 times a power of two near `scale`'s.
fn block_sum(r: &mut ChaCha8Rng, scale: f64) -> (i64, i32) {
    let s: i64 = r.gen_range(-(1i64 << 30)..(1i64 << 30));
    let e = scale.abs().max(1e-300).log2() as i32 + r.gen_range(-200..130);
    (s, e.clamp(-1000, 960))
}

fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// hi + lo (hi = RN64(hi + lo)) correctly rounded to `f`, given `narrow`, an independent rounding
/// of an f64 to nearest even. Only when hi is itself a midpoint of `f` (a multiple of half its
/// quantum but not of the quantum) does lo matter: hi is then nudged one f64 toward lo.
fn round_pair(f: FpFormat, hi: f64, lo: f64, narrow: impl Fn(f64) -> u64) -> u64 {
    if lo == 0.0 || hi == 0.0 {
        return narrow(hi);
    }
    let x = exact64(hi);
    let top = (127 - x.mag.leading_zeros() as i32) + x.exp;
    let q = top.max(f.emin()) - f.man_bits() as i32;
    let is_multiple = |p: i32| p <= x.exp || x.mag.trailing_zeros() as i32 >= p - x.exp;
    if is_multiple(q - 1) && !is_multiple(q) {
        let toward_larger = (lo > 0.0) == (hi > 0.0);
        let bits = if toward_larger {
            hi.to_bits() + 1
        } else {
            hi.to_bits() - 1
        };
        narrow(f64::from_bits(bits))
    } else {
        narrow(hi)
    }
}

fn block_addend(s: i64, e: i32) -> Exact {
    Exact {
        neg: s < 0,
        mag: s.unsigned_abs().into(),
        exp: e,
    }
}

#[test]
fn fp64_sums_match_native_addition() {
    let mut r = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..N {
        let a =
            f64::from_bits(r.gen::<u64>() & !(0x7ffu64 << 52) | (r.gen_range(1u64..2046) << 52));
        let (s, e) = block_sum(&mut r, a);
        let b = s as f64 * 2f64.powi(e);
        if !b.is_finite() || !(a + b).is_finite() {
            continue;
        }
        let got = round(
            FpFormat::FP64,
            add(
                exact64(a),
                Exact {
                    neg: s < 0,
                    mag: s.unsigned_abs().into(),
                    exp: e,
                },
            ),
            Overflow::Infinity,
        );
        assert_eq!(got, (a + b).to_bits(), "{a:e} + {s} * 2^{e}");
    }
}

#[test]
fn fp32_and_fp16_sums_match_twosum_references() {
    let mut r = ChaCha8Rng::seed_from_u64(12);
    let rne = RoundingMode::TiesToEven;
    for i in 0..N {
        let half = i % 2 == 1;
        let (fmt, a) = if half {
            (
                FpFormat::FP16,
                f64::from_bits(F16::from_bits(r.gen()).to_f64(rne).to_bits()),
            )
        } else {
            (FpFormat::FP32, f64::from(f32::from_bits(r.gen())))
        };
        if !a.is_finite() {
            continue;
        }
        let (s, e) = block_sum(&mut r, a);
        let e = if half {
            e.clamp(-200, 20)
        } else {
            e.clamp(-300, 110)
        };
        let b = s as f64 * 2f64.powi(e);
        let (hi, lo) = two_sum(a, b);
        let want = if half {
            round_pair(fmt, hi, lo, |x| {
                u64::from(F64::from_bits(x.to_bits()).to_f16(rne).to_bits())
            })
        } else {
            round_pair(fmt, hi, lo, |x| u64::from((x as f32).to_bits()))
        };
        let got = round(fmt, add(exact64(a), block_addend(s, e)), Overflow::Infinity);
        assert_eq!(got, want, "{fmt}: {a:e} + {s} * 2^{e}");
    }
}

#[test]
fn a_long_dot_product_in_fp64_is_one_native_addition_per_block() {
    // fp64 accumulator: every step is one native f64 addition of acc and the exact block value
    let mut r = ChaCha8Rng::seed_from_u64(13);
    for m in [4u32, 6, 8] {
        let unit = DotSpec {
            mantissa: Some(m),
            block: Some(16),
            stages: Some(Stages::Max),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let fmt = unit.format;
        let acc = Accumulator {
            format: FpFormat::FP64,
            overflow: Overflow::Infinity,
        };
        for _ in 0..2000 {
            let n = r.gen_range(1..20);
            let lo = fmt.element.min_code();
            let hi = fmt.element.max_code();
            let block = |r: &mut ChaCha8Rng| Block {
                exp: r.gen_range(-40..40),
                man: (0..16).map(|_| r.gen_range(lo..=hi)).collect(),
            };
            let pairs: Vec<(Block, Block)> =
                (0..n).map(|_| (block(&mut r), block(&mut r))).collect();
            let mut want = 0.0f64;
            for (a, b) in &pairs {
                let d = unit.dot(a, b).unwrap();
                want += d.sum as f64 * 2f64.powi((d.exp - 2 * (m as i64 - 1)) as i32);
            }
            assert_eq!(
                accumulate_blocks(&acc, &unit, &pairs).unwrap(),
                want.to_bits()
            );
        }
        // a NaN block anywhere makes the result NaN; it stays NaN
        let nan = Block::nan(fmt);
        let z = Block::zero(fmt);
        let got = accumulate_blocks(
            &acc,
            &unit,
            &[(z.clone(), z.clone()), (nan, z.clone()), (z.clone(), z)],
        )
        .unwrap();
        assert_eq!(got, FpFormat::FP64.nan());
    }
}

#[test]
fn overflow_gives_infinity_or_saturates_and_stays() {
    let f = FpFormat::FP16;
    for (overflow, want) in [
        (Overflow::Infinity, f.inf(false)),
        (Overflow::Saturate, f.max_finite(false)),
    ] {
        let acc = Accumulator {
            format: f,
            overflow,
        };
        // 65504 is fp16's largest, odd in its last place (ulp 32). + 15 rounds back to it; + 16 is
        // the tie at IEEE's overflow threshold, which goes to the even 2^16 and overflows
        let max = f.max_finite(false);
        assert_eq!(acc.add_block(max, 15, 0, false), max);
        assert_eq!(acc.add_block(max, 16, 0, false), want);
        assert_eq!(acc.add_block(f.inf(true), 1 << 20, 0, false), f.inf(true));
    }
    // -0 + 0 is +0; -0 + a negative value is that value
    let acc = Accumulator {
        format: f,
        overflow: Overflow::Infinity,
    };
    assert_eq!(acc.add_block(f.zero(true), 0, 0, false), f.zero(false));
    assert_eq!(acc.add_block(f.zero(true), -3, 0, false), 0xc200);
}
