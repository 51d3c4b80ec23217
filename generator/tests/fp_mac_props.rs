//! The `fp_mac` model (`hbfpgen::fp_mac::FpMac`: acc <- round(acc + a * b), one rounding) against
//! native fused multiply-add (`f32::mul_add`, IEEE 754 fusedMultiplyAdd) for fp32 and for bf16
//! operands into an fp32 accumulator, and against Berkeley SoftFloat's `f16_mulAdd` for fp16. Operands
//! are raw bit patterns, so zeros of both signs, subnormals, infinities and NaNs all occur.

use hbfpgen::accumulate::Accumulator;
use hbfpgen::fp::{FpFormat, Overflow};
use hbfpgen::fp_mac::FpMac;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use softfloat_wrapper::{Float, RoundingMode, F16};

const N: usize = 1_000_000;

fn mac(operand: FpFormat, acc: FpFormat) -> FpMac {
    FpMac {
        operand,
        acc: Accumulator {
            format: acc,
            overflow: Overflow::Infinity,
        },
    }
}

/// Equal bit patterns, or both NaN (the model's NaN is canonical, the reference's may carry a payload).
fn same(f: FpFormat, got: u64, want: u64) -> bool {
    let nan = |x: u64| matches!(f.decode(x), hbfpgen::fp::FpValue::NaN);
    got == want || (nan(got) && nan(want))
}

/// A random pattern, half the time with a nearby exponent so that sums cancel and round often.
fn pattern32(r: &mut ChaCha8Rng) -> u32 {
    if r.gen_bool(0.5) {
        r.gen()
    } else {
        (r.gen::<u32>() & 0x807f_ffff) | (r.gen_range(100u32..140) << 23)
    }
}

/// `m` (operands of `shift` fewer bits than fp32, their fp32 patterns `a << shift`) against native
/// fp32 fused multiply-add, a million random cases.
fn check_against_native(m: FpMac, shift: u32, seed: u64) {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..N {
        let (a, b, c) = (
            pattern32(&mut r) >> shift,
            pattern32(&mut r) >> shift,
            pattern32(&mut r),
        );
        let (fa, fb) = (f32::from_bits(a << shift), f32::from_bits(b << shift));
        let want = fa.mul_add(fb, f32::from_bits(c)).to_bits();
        let got = m.step(c.into(), a.into(), b.into());
        assert!(
            same(FpFormat::FP32, got, want.into()),
            "{a:#x} * {b:#x} + {c:#x}: {got:#x} != {want:#x}"
        );
    }
}

#[test]
fn fp32_matches_native_fused_multiply_add() {
    check_against_native(mac(FpFormat::FP32, FpFormat::FP32), 0, 21);
}

#[test]
fn bf16_operands_into_fp32_match_native_fused_multiply_add() {
    // a bf16 pattern is the top half of the fp32 pattern of the same value
    check_against_native(mac(FpFormat::BF16, FpFormat::FP32), 16, 22);
}

#[test]
fn fp16_matches_berkeley_softfloat_mul_add() {
    let m = mac(FpFormat::FP16, FpFormat::FP16);
    let mut r = ChaCha8Rng::seed_from_u64(23);
    for _ in 0..N {
        let (a, b, c): (u16, u16, u16) = (r.gen(), r.gen(), r.gen());
        let want = F16::from_bits(a)
            .fused_mul_add(
                F16::from_bits(b),
                F16::from_bits(c),
                RoundingMode::TiesToEven,
            )
            .to_bits();
        let got = m.step(c.into(), a.into(), b.into());
        assert!(
            same(FpFormat::FP16, got, want.into()),
            "{a:#x} * {b:#x} + {c:#x}"
        );
    }
}

#[test]
fn every_combination_of_special_values_matches_the_references() {
    let specials32: Vec<u32> = [
        0.0f32,
        -0.0,
        1.0,
        -1.0,
        f32::MIN_POSITIVE / 4.0,
        f32::MAX,
        f32::MIN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        3.0,
    ]
    .iter()
    .map(|x| x.to_bits())
    .collect();
    let m = mac(FpFormat::FP32, FpFormat::FP32);
    let m16 = mac(FpFormat::FP16, FpFormat::FP16);
    let specials16: [u16; 11] = [
        0x0000, 0x8000, 0x3c00, 0xbc00, 0x0001, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0x4200,
    ];
    for i in 0..11 {
        for j in 0..11 {
            for k in 0..11 {
                let (a, b, c) = (specials32[i], specials32[j], specials32[k]);
                let want = f32::from_bits(a)
                    .mul_add(f32::from_bits(b), f32::from_bits(c))
                    .to_bits();
                assert!(
                    same(
                        FpFormat::FP32,
                        m.step(c.into(), a.into(), b.into()),
                        want.into()
                    ),
                    "{a:#x} * {b:#x} + {c:#x}"
                );
                let (a, b, c) = (specials16[i], specials16[j], specials16[k]);
                let want = F16::from_bits(a)
                    .fused_mul_add(
                        F16::from_bits(b),
                        F16::from_bits(c),
                        RoundingMode::TiesToEven,
                    )
                    .to_bits();
                assert!(
                    same(
                        FpFormat::FP16,
                        m16.step(c.into(), a.into(), b.into()),
                        want.into()
                    ),
                    "{a:#x} * {b:#x} + {c:#x}"
                );
            }
        }
    }
}
