use super::*;
use crate::model::s2fp8::arith::tests::{e5m2_value, nearest_e5m2};
use crate::model::s2fp8::arith::T_FRAC;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn bits(xs: &[f32]) -> Vec<u64> {
    xs.iter().map(|x| u64::from(x.to_bits())).collect()
}

/// The shapes of the test tensors (the model layer draws its own samples: `compare` sits above it).
#[derive(Clone, Copy, Debug)]
enum Distribution {
    Gaussian,
    Laplace,
    StudentT,
}

impl Distribution {
    fn sample(self, rng: &mut ChaCha8Rng) -> f32 {
        let normal = |rng: &mut ChaCha8Rng| {
            let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * rng.gen::<f64>()).cos()
        };
        let v = match self {
            Distribution::Gaussian => normal(rng),
            Distribution::Laplace => {
                let u: f64 = rng.gen_range(-0.5..0.5);
                -u.signum() * (1.0 - 2.0 * u.abs()).max(f64::MIN_POSITIVE).ln()
            }
            Distribution::StudentT => {
                let z = normal(rng);
                z / ((0..3).map(|_| normal(rng).powi(2)).sum::<f64>() / 3.0).sqrt()
            }
        };
        v as f32
    }
}

/// A tensor of `n` values of `d` with zeros (one in 16), subnormals and tiny values (one in 64),
/// and a few outliers (one in 256, times 2^10), scaled by 2^scale.
fn tensor(rng: &mut ChaCha8Rng, d: Distribution, n: usize, scale: i32) -> Vec<f32> {
    (0..n)
        .map(|_| {
            let v = d.sample(rng) * 2f32.powi(scale);
            match rng.gen_range(0..256) {
                0..=15 => 0.0,
                16..=19 => v * 1e-38,
                20 => v * 1024.0,
                _ => v,
            }
        })
        .collect()
}

/// Law (the bound) and measurement: on tensors of every distribution and scale, the
/// model's code of each element is the f64 definition's code (exact log2, mean, maximum, alpha
/// and beta, 2^t rounded to nearest even) or its neighbour: the fixed-point arithmetic adds less
/// than one E5M2 ulp. Also: the model's exponent t is within 2e-3 of the f64 one (alpha times the
/// log2 error, plus the coefficients' rounding), and decoding adds at most 3e-5 (relative) to the
/// f64 decoding of the same code. Prints the measured maxima (`--nocapture`).
#[test]
fn fixed_point_adds_less_than_one_ulp() {
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let (mut worst_t, mut worst_dec, mut differ, mut total) = (0f64, 0f64, 0usize, 0usize);
    for d in [
        Distribution::Gaussian,
        Distribution::Laplace,
        Distribution::StudentT,
    ] {
        for scale in [-100, -20, 0, 30, 100] {
            let xs = tensor(&mut rng, d, 4096, scale);
            let s = stats(FpFormat::FP32, &bits(&xs));
            let r = Reference::of(&xs);
            for &x in &xs {
                let c = encode(FpFormat::FP32, &s, u64::from(x.to_bits()));
                assert_eq!(c >> 7 == 1, x.is_sign_negative(), "{x}");
                if x == 0.0 {
                    assert_eq!(c & 0x7f, 0);
                    continue;
                }
                let t_ref = r.exponent(x);
                let l = log2_fixed(FpFormat::FP32, u64::from(x.to_bits())).unwrap();
                let t = (((i128::from(s.alpha) * i128::from(l)) >> STAT_FRAC) + i128::from(s.beta))
                    as f64
                    / 2f64.powi(T_FRAC as i32);
                worst_t = worst_t.max((t - t_ref).abs());
                let c_ref = nearest_e5m2(2f64.powf(t_ref));
                let diff = (c & 0x7f).abs_diff(c_ref);
                assert!(
                    diff <= 1,
                    "{d:?} 2^{scale}: {x} coded {c:#x}, f64 {c_ref:#x}"
                );
                differ += usize::from(diff > 0);
                total += 1;
                let m = c & 0x7f;
                if m != 0 {
                    let got = f64::from(f32::from_bits(decode(FpFormat::FP32, &s, c) as u32));
                    let want = r.decode(e5m2_value(m));
                    if want.is_normal() && want < f64::from(f32::MAX) && want > 1e-37 {
                        worst_dec = worst_dec.max((got.abs() / want - 1.0).abs());
                    }
                }
            }
        }
    }
    eprintln!(
        "S2FP8: {differ} of {total} codes differ from f64's by one code, none by more; \
         worst |t - t_f64| = {worst_t:.3e}; worst decode error against f64 = {worst_dec:.3e}"
    );
    assert!(worst_t < 2e-3, "{worst_t:e}");
    assert!(worst_dec < 2e-3, "{worst_dec:e}");
}

/// Law: the statistics count the non-zero finite entries only, flag Inf and NaN, give mu within
/// the log2's error of the mean, map the maximum to 2^15 (alpha (m - mu) = 15 within rounding),
/// and take the documented values on degenerate tensors.
#[test]
fn statistics_and_degenerate_tensors() {
    let xs = [0.0f32, 1.0, -4.0, 0.25, 0.0, 64.0];
    let s = stats(FpFormat::FP32, &bits(&xs));
    assert_eq!(s.count, 4);
    assert!(!s.invalid);
    // log2: 0, 2, -2, 6: mean 1.5, max 6, alpha = 15 / 4.5
    assert_eq!((s.mu, s.max), (3 << 15, 6 << 16));
    assert!((s.alpha as f64 / 65536.0 - 15.0 / 4.5).abs() < 1e-4);
    assert_eq!(encode(FpFormat::FP32, &s, u64::from(64f32.to_bits())), 0x78);
    let bad = stats(FpFormat::FP32, &bits(&[1.0, f32::NAN, f32::INFINITY]));
    assert!(bad.invalid && bad.count == 1);
    let empty = stats(FpFormat::FP32, &bits(&[0.0, -0.0]));
    assert_eq!((empty.alpha, empty.beta, empty.count), (65536, 0, 0));
    let same = stats(FpFormat::FP32, &bits(&[8.0, -8.0, 8.0]));
    assert_eq!((same.alpha, same.beta), (65536, -3 << 16));
    assert_eq!(
        encode(FpFormat::FP32, &same, u64::from((-8f32).to_bits())),
        0x80 | 0x3c
    );
    for (x, want) in [(f32::NAN, E5M2_NAN), (f32::NEG_INFINITY, 0x80 | E5M2_INF)] {
        assert_eq!(encode(FpFormat::FP32, &s, u64::from(x.to_bits())), want);
    }
    assert_eq!(decode(FpFormat::FP32, &s, 0x80), 0x8000_0000);
    assert_eq!(decode(FpFormat::FP32, &s, E5M2_INF), 0x7f80_0000);
}
