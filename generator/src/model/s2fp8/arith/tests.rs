use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The value of E5M2 magnitude code `c` (finite), from the definition: bias 15, subnormals m/4 *
/// 2^-14.
pub(crate) fn e5m2_value(c: u64) -> f64 {
    let (e, m) = ((c >> 2) as i32, (c & 3) as f64);
    if e == 0 {
        m / 4.0 * 2f64.powi(-14)
    } else {
        (1.0 + m / 4.0) * 2f64.powi(e - 15)
    }
}

/// The nearest finite E5M2 magnitude code to v >= 0 by search, ties to the even code, saturating.
pub(crate) fn nearest_e5m2(v: f64) -> u64 {
    let mut best = 0u64;
    for c in 1..=E5M2_MAX {
        let (d, db) = ((e5m2_value(c) - v).abs(), (e5m2_value(best) - v).abs());
        if d < db || (d == db && c % 2 == 0) {
            best = c;
        }
    }
    best
}

/// Law (and measurement): log2_fixed is within 9e-5 of f64's log2 on every kind of FP32 (normal,
/// subnormal, every binade) and bf16 value: the bound is the interpolation's 2^-12/8/ln 2 =
/// 4.4e-5, the table's rounding 2^-17, the interpolation's rounding down 2^-16 and the dropped
/// fraction bits' 2^-16/ln 2, 8.9e-5 in all (measured: 8.08e-5).
#[test]
fn log2_is_within_its_bound() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let mut worst = 0f64;
    for _ in 0..200_000 {
        let p = u64::from(rng.gen::<u32>() & 0x7fff_ffff);
        let x = f32::from_bits(p as u32);
        if !x.is_finite() || x == 0.0 {
            continue;
        }
        let l = log2_fixed(FpFormat::FP32, p).unwrap() as f64 / 65536.0;
        worst = worst.max((l - f64::from(x).log2()).abs());
        let b = p >> 16;
        let xb = f32::from_bits((b as u32) << 16);
        if xb != 0.0 && xb.is_finite() {
            let lb = log2_fixed(FpFormat::BF16, b).unwrap() as f64 / 65536.0;
            worst = worst.max((lb - f64::from(xb).log2()).abs());
        }
    }
    assert!(worst < 8.9e-5, "worst log2 error {worst:e}");
    assert!(
        worst > 1e-6,
        "the table is coarse; an exact log2 would be suspect: {worst:e}"
    );
    for special in [0u64, 0x8000_0000, 0x7f80_0000, 0x7fc0_0000] {
        assert_eq!(log2_fixed(FpFormat::FP32, special), None);
    }
    assert_eq!(log2_fixed(FpFormat::FP32, 0x3f80_0000), Some(0));
    assert_eq!(log2_fixed(FpFormat::FP32, 1), Some(-149 << 16));
}

/// Law: each threshold t_k is the smallest t on the 2^-16 grid with 2^t at or past its midpoint.
#[test]
fn thresholds_are_exact() {
    let one = 2f64.powi(T_FRAC as i32);
    for (th, mid) in mantissa_thresholds()
        .iter()
        .zip([1.125, 1.375, 1.625, 1.875])
    {
        assert!(2f64.powf(*th as f64 / one) >= mid);
        assert!(2f64.powf((*th - 1) as f64 / one) < mid);
    }
    for (th, mid) in subnormal_thresholds()[1..].iter().zip([1.5, 2.5, 3.5]) {
        assert!(2f64.powf(*th as f64 / one) >= mid * 2f64.powi(-16));
        assert!(2f64.powf((*th - 1) as f64 / one) < mid * 2f64.powi(-16));
    }
}

/// Law: e5m2_of_exp(t) is the nearest E5M2 code to 2^t, ties to even, saturating (a search over
/// every code in f64), for t at random and at every threshold and its neighbours.
#[test]
fn encoding_is_the_nearest_code_of_two_to_the_t() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let one = 1i128 << T_FRAC;
    let mut ts: Vec<i128> = (0..100_000)
        .map(|_| rng.gen_range(-20 * one..17 * one))
        .collect();
    for e in -20..17 {
        for th in mantissa_thresholds() {
            for d in -1..=1 {
                ts.push(i128::from(e) * one + i128::from(th) + d);
            }
        }
    }
    for th in subnormal_thresholds() {
        for d in -1..=1 {
            ts.push(i128::from(th) + d);
        }
    }
    for t in ts {
        let v = 2f64.powf(t as f64 / one as f64);
        assert_eq!(
            e5m2_of_exp(t),
            nearest_e5m2(v),
            "t = {}",
            t as f64 / one as f64
        );
    }
}

/// Law: log2_of_e5m2 is log2 of every finite non-zero code's value, to 2^-33.
#[test]
fn log2_of_every_code() {
    for c in 1..=E5M2_MAX {
        let got = log2_of_e5m2(c).unwrap() as f64 / 2f64.powi(U_FRAC as i32);
        assert!(
            (got - e5m2_value(c).log2()).abs() <= 2f64.powi(-33),
            "{c:#x}"
        );
    }
    assert_eq!(log2_of_e5m2(0), None);
    assert_eq!(log2_of_e5m2(E5M2_INF), None);
    assert_eq!(log2_of_e5m2(E5M2_NAN), None);
}

/// Law (and measurement): exp2_to_float is within 3e-5 (relative) of 2^u for FP32 across its
/// normal range (the interpolation's 2^-12/8 (ln 2)^2 = 1.5e-5, the dropped bits' 2^-16 ln 2 =
/// 1.1e-5), and bf16 within half its ulp more; beyond the range it gives Inf and the subnormals.
#[test]
fn exp2_is_within_its_bound() {
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    let one = 1i128 << U_FRAC;
    let mut worst = 0f64;
    for _ in 0..100_000 {
        let u = rng.gen_range(-120 * one..120 * one);
        let want = 2f64.powf(u as f64 / one as f64);
        let got = f64::from(f32::from_bits(exp2_to_float(FpFormat::FP32, u) as u32));
        worst = worst.max((got / want - 1.0).abs());
        let gb = f64::from(f32::from_bits(
            (exp2_to_float(FpFormat::BF16, u) as u32) << 16,
        ));
        assert!((gb / want - 1.0).abs() < 3e-5 + 2f64.powi(-8), "bf16 {u}");
    }
    assert!(worst < 3e-5, "worst exp2 error {worst:e}");
    assert_eq!(exp2_to_float(FpFormat::FP32, 0), 0x3f80_0000);
    assert_eq!(exp2_to_float(FpFormat::FP32, 200 * one), 0x7f80_0000);
    assert_eq!(exp2_to_float(FpFormat::FP32, -149 * one), 1);
}
