//! The one rounding function, `hbfpgen::fp::round`, against three independent references:
//! - native f32 and f64 arithmetic (IEEE 754, round to nearest even): conversions f64 -> f32, exact
//!   products f32 x f32 and f64 x f64, exact sums f64 + f64, 125,000 cases each in `make test` and
//!   a million in `make soak` (HBFPGEN_SOAK set);
//! - Berkeley SoftFloat (`softfloat-wrapper`) on fp16: conversions from f32 and products;
//! - a brute-force search for the nearest value over every pattern of small formats FP(3..5, 2..7),
//!   which checks subnormals, ties, overflow thresholds and saturation in formats with no hardware.
//!
//! Random operands are drawn as raw bit patterns, so zeros, subnormals, the largest values and exact
//! ties all occur; a corner list adds the values at every boundary.

use hbfpgen::fp::{round, Exact, FpFormat, FpValue, Overflow};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use softfloat_wrapper::{Float, RoundingMode, F16, F32};

/// Random cases per comparison: a million under `make soak`, an eighth of that in `make test`.
static N: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
    if std::env::var_os(hbfpgen::matrix::SOAK_ENV).is_some() {
        1_000_000
    } else {
        125_000
    }
});

/// The exact value of a finite f64.
fn exact64(x: f64) -> Exact {
    FpFormat::FP64.decode(x.to_bits()).exact().expect("finite")
}

fn exact32(x: f32) -> Exact {
    FpFormat::FP32
        .decode(u64::from(x.to_bits()))
        .exact()
        .expect("finite")
}

fn product(a: Exact, b: Exact) -> Exact {
    Exact {
        neg: a.neg ^ b.neg,
        mag: a.mag * b.mag,
        exp: a.exp + b.exp,
    }
}

/// A random finite f64, as raw bits (every binade equally likely).
fn finite64(r: &mut ChaCha8Rng) -> f64 {
    loop {
        let x = f64::from_bits(r.gen());
        if x.is_finite() {
            return x;
        }
    }
}

fn finite32(r: &mut ChaCha8Rng) -> f32 {
    loop {
        let x = f32::from_bits(r.gen());
        if x.is_finite() {
            return x;
        }
    }
}

/// Values at the boundaries of f32 and f16, as f64: zeros, the smallest subnormals and halves of
/// them, the largest finite values and the overflow thresholds with their neighbours, powers of two
/// and ties.
fn corners() -> Vec<f64> {
    let mut v = vec![0.0, -0.0, 1.0, 1.5, 0.1];
    for f in [FpFormat::FP32, FpFormat::FP16] {
        let m = f.man_bits() as i32;
        let min_sub = 2f64.powi(f.emin() - m);
        let max = (2.0 - 2f64.powi(-m)) * 2f64.powi(f.bias());
        let ulp_max = 2f64.powi(f.bias() - m);
        for x in [
            min_sub,
            min_sub / 2.0,
            min_sub * 0.75,
            min_sub * 1.5,
            min_sub * 2.5,
            2f64.powi(f.emin()),
            2f64.powi(f.emin()) - min_sub / 2.0,
            max,
            max + ulp_max / 2.0,
            max + ulp_max / 4.0,
            max + ulp_max,
            2f64.powi(f.bias() + 1),
        ] {
            // x > 0 here: its neighbours are the adjacent bit patterns
            let (up, down) = (
                f64::from_bits(x.to_bits() + 1),
                f64::from_bits(x.to_bits() - 1),
            );
            for y in [x, -x, up, down] {
                v.push(y);
            }
        }
    }
    v
}

#[test]
fn converting_f64_to_fp32_matches_native_conversion() {
    let mut r = ChaCha8Rng::seed_from_u64(1);
    let mut xs = corners();
    xs.extend((0..*N).map(|_| finite64(&mut r)));
    // values near fp32's range, where subnormals and overflow happen
    xs.extend((0..*N / 4).map(|_| r.gen_range(-1.0..1.0) * 2f64.powi(r.gen_range(-160..130))));
    for x in xs {
        let got = round(FpFormat::FP32, exact64(x), Overflow::Infinity);
        assert_eq!(got, u64::from((x as f32).to_bits()), "{x:e}");
    }
}

#[test]
fn exact_products_rounded_match_native_multiplication() {
    let mut r = ChaCha8Rng::seed_from_u64(2);
    for _ in 0..*N {
        let (a, b) = (finite32(&mut r), finite32(&mut r));
        let got = round(
            FpFormat::FP32,
            product(exact32(a), exact32(b)),
            Overflow::Infinity,
        );
        assert_eq!(got, u64::from((a * b).to_bits()), "{a:e} * {b:e}");
        let (a, b) = (finite64(&mut r), finite64(&mut r));
        let got = round(
            FpFormat::FP64,
            product(exact64(a), exact64(b)),
            Overflow::Infinity,
        );
        assert_eq!(got, (a * b).to_bits(), "{a:e} * {b:e}");
    }
}

#[test]
fn exact_sums_rounded_match_native_addition() {
    let mut r = ChaCha8Rng::seed_from_u64(3);
    let mut done = 0;
    while done < *N {
        let a = finite64(&mut r);
        // b within 70 binades of a, so that the exact sum fits 128 bits
        let b = r.gen_range(-2.0..2.0)
            * 2f64.powi(r.gen_range(-70..3))
            * a.abs().max(f64::MIN_POSITIVE);
        if !b.is_finite() || !(a + b).is_finite() {
            continue;
        }
        let (ea, eb) = (exact64(a), exact64(b));
        let nonzero: Vec<Exact> = [ea, eb].into_iter().filter(|e| e.mag != 0).collect();
        let Some(exp) = nonzero.iter().map(|e| e.exp).min() else {
            continue;
        };
        // skip the rare pairs whose exact sum needs more than 120 bits
        if nonzero.iter().any(|e| e.exp - exp > 120 - 54) {
            continue;
        }
        let signed = |e: Exact| {
            if e.mag == 0 {
                return 0;
            }
            let v = (e.mag << (e.exp - exp)) as i128;
            if e.neg {
                -v
            } else {
                v
            }
        };
        let s = signed(ea) + signed(eb);
        // an exact zero sum of opposite signs is +0 under round to nearest
        let neg = if s == 0 { ea.neg && eb.neg } else { s < 0 };
        let got = round(
            FpFormat::FP64,
            Exact {
                neg,
                mag: s.unsigned_abs(),
                exp,
            },
            Overflow::Infinity,
        );
        assert_eq!(got, (a + b).to_bits(), "{a:e} + {b:e}");
        done += 1;
    }
}

#[test]
fn fp16_matches_berkeley_softfloat() {
    let mut r = ChaCha8Rng::seed_from_u64(4);
    let rne = RoundingMode::TiesToEven;
    // every fp16 pattern times random ones, and random f32 values converted
    for a in 0..=u16::MAX {
        let fa = F16::from_bits(a);
        let b: u16 = r.gen();
        let fb = F16::from_bits(b);
        let (Some(ea), Some(eb)) = (
            FpFormat::FP16.decode(a.into()).exact(),
            FpFormat::FP16.decode(b.into()).exact(),
        ) else {
            continue;
        };
        let got = round(FpFormat::FP16, product(ea, eb), Overflow::Infinity);
        assert_eq!(
            got,
            u64::from(fa.mul(fb, rne).to_bits()),
            "{a:#06x} * {b:#06x}"
        );
    }
    let mut xs: Vec<f32> = corners()
        .into_iter()
        .map(|x| x as f32)
        .filter(|x| x.is_finite())
        .collect();
    xs.extend((0..*N).map(|_| finite32(&mut r)));
    xs.extend((0..*N / 4).map(|_| r.gen_range(-1.0f32..1.0) * 2f32.powi(r.gen_range(-30..20))));
    for x in xs {
        let want = F32::from_bits(x.to_bits()).to_f16(rne).to_bits();
        assert_eq!(
            round(FpFormat::FP16, exact32(x), Overflow::Infinity),
            u64::from(want),
            "{x:e}"
        );
    }
}

/// The nearest value of `f` to `x` by search over every positive pattern: the closest one, the
/// even significand on a tie; beyond the largest finite value, IEEE's overflow threshold.
fn nearest_by_search(f: FpFormat, x: f64, overflow: Overflow) -> u64 {
    let value = |bits: u64| match f.decode(bits) {
        FpValue::Finite(e) => e.mag as f64 * 2f64.powi(e.exp),
        _ => 0.0,
    };
    let neg = x.is_sign_negative();
    let a = x.abs();
    let max = f.max_finite(false);
    let ulp_max = value(max) - value(max - 1);
    if a >= value(max) + ulp_max / 2.0 {
        return match overflow {
            Overflow::Infinity => f.inf(neg),
            Overflow::Saturate => f.max_finite(neg),
        };
    }
    let mut best = 0u64;
    for bits in 0..=max {
        let (d, db) = ((value(bits) - a).abs(), (value(best) - a).abs());
        if d < db || (d == db && bits & 1 == 0) {
            best = bits;
        }
    }
    best | u64::from(neg) << (f.bits() - 1)
}

#[test]
fn small_formats_match_a_search_for_the_nearest_value() {
    let mut r = ChaCha8Rng::seed_from_u64(5);
    for e in 3..=5 {
        for m in 2..=7 {
            let f = FpFormat::new(e, m).unwrap();
            let top = 2f64.powi(f.bias() + 2);
            // every midpoint between neighbours (exact ties), and random values over the range
            let v = |bits: u64| match f.decode(bits) {
                FpValue::Finite(e) => e.mag as f64 * 2f64.powi(e.exp),
                _ => 0.0,
            };
            let mut xs: Vec<f64> = (0..f.max_finite(false))
                .flat_map(|b| {
                    let mid = (v(b) + v(b + 1)) / 2.0;
                    [mid, -mid]
                })
                .collect();
            xs.extend((0..2000).map(|_| r.gen_range(-top..top)));
            xs.extend(
                (0..2000).map(|_| r.gen_range(-1.0..1.0) * 2f64.powi(f.emin() - m as i32 + 1)),
            );
            for x in xs {
                for o in [Overflow::Infinity, Overflow::Saturate] {
                    assert_eq!(
                        round(f, exact64(x), o),
                        nearest_by_search(f, x, o),
                        "{f} {x:e} {o:?}"
                    );
                }
            }
        }
    }
}
