use super::*;
use crate::format::mls::MlsElement;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn conv(exp: u32, man: u32, group: u32, scale_bits: u32, block: u32, r: Rounding) -> MlsConverter {
    MlsConverter {
        layout: MlsLayout {
            elem: MlsElement::new(exp, man).unwrap(),
            group,
            scale_bits,
        },
        block,
        input: InputFormat::Fp32,
        rounding: r,
    }
}

fn bits(xs: &[f32]) -> Vec<u64> {
    xs.iter().map(|x| u64::from(x.to_bits())).collect()
}

/// The value of element code `c` times 2^-u, from the definition (docs/numerics.md "MLS").
fn elem_value(e: MlsElement, c: u64, u: u64) -> f64 {
    let (neg, fixed) = e.decode(c);
    let v = fixed as f64 * 2f64.powi(-(e.frac_bits() as i32) - u as i32);
    if neg {
        -v
    } else {
        v
    }
}

fn draw(rng: &mut ChaCha8Rng, k: usize) -> (Vec<f32>, f32) {
    let centre = rng.gen_range(-120..100);
    let xs = (0..k)
        .map(|_| {
            if rng.gen_ratio(1, 9) {
                return 0.0;
            }
            let v = rng.gen_range(-1.0f64..1.0) * 2f64.powi(centre - rng.gen_range(0..14));
            v as f32
        })
        .collect();
    // the reciprocal of a tensor scale near the block's magnitude, or an arbitrary one
    let r = if rng.gen_ratio(3, 4) {
        (rng.gen_range(0.5f64..2.0) * 2f64.powi(-centre)) as f32
    } else {
        f32::from_bits(rng.gen::<u32>() & 0x7f7f_ffff)
    };
    (xs, if rng.gen() { r } else { -r })
}

/// Law: each group's scale code is -floor(log2 max|x * r|) clamped to [0, 2^G - 1] (0 for an
/// all-zero group), computed here with f64's log2, and each element is a code nearest to
/// x * r * 2^u among all codes (after saturation): no code lies strictly nearer.
#[test]
fn group_scales_follow_the_maximum_and_elements_are_nearest() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for (e, m, g, gb) in [
        (2, 1, 4, 3),
        (2, 4, 8, 3),
        (0, 3, 2, 2),
        (3, 2, 4, 5),
        (1, 0, 1, 1),
    ] {
        let c = conv(e, m, g, gb, 3 * g, Rounding::NearestEven);
        let el = c.layout.elem;
        for _ in 0..400 {
            let (xs, r) = draw(&mut rng, c.block as usize);
            let out = c.convert(&bits(&xs), u64::from(r.to_bits()), &[]).unwrap();
            assert!(!out.invalid);
            for (j, group) in xs.chunks(g as usize).enumerate() {
                let y: Vec<f64> = group.iter().map(|&x| f64::from(x) * f64::from(r)).collect();
                let max = y.iter().fold(0f64, |a, v| a.max(v.abs()));
                let u = if max == 0.0 {
                    0
                } else {
                    (-max.log2().floor()).clamp(0.0, f64::from(c.layout.umax())) as u64
                };
                assert_eq!(out.block.scales[j], u, "{el} {group:?} * {r}");
                for (i, &yv) in y.iter().enumerate() {
                    let code = out.block.elems[j * g as usize + i];
                    let target = (yv * 2f64.powi(u as i32)).clamp(-el.max_value(), el.max_value());
                    let got = elem_value(el, code, 0);
                    for p in 0..1u64 << el.bits() {
                        let other = elem_value(el, p, 0);
                        assert!(
                            (other - target).abs() >= (got - target).abs(),
                            "{el}: {yv} * 2^{u} became {got}, {other} is nearer"
                        );
                    }
                    assert_eq!(code >> (el.bits() - 1) == 1, yv.is_sign_negative());
                }
            }
        }
    }
}

/// Law: stochastic rounding is unbiased at its resolution: over every value r of the R random
/// bits, the rounded integers q(r) sum to floor(t * 2^R), t the value in units of the spacing
/// (unless the largest element saturates); r = 0 is rounding toward zero.
#[test]
fn stochastic_rounding_averages_to_the_value() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let r_bits = 4;
    let sr = conv(2, 2, 4, 3, 4, Rounding::Stochastic { bits: r_bits });
    let tz = conv(2, 2, 4, 3, 4, Rounding::TowardZero);
    let el = sr.layout.elem;
    for _ in 0..300 {
        let (xs, _) = draw(&mut rng, 4);
        let one = u64::from(1f32.to_bits());
        let lanes = bits(&xs);
        let down = tz.convert(&lanes, one, &[]).unwrap();
        let zero_rnd = sr.convert(&lanes, one, &[0; 4]).unwrap();
        assert_eq!(zero_rnd, down);
        let u = down.block.scales[0];
        let mut sums = [0f64; 4];
        for rv in 0..1u64 << r_bits {
            let out = sr.convert(&lanes, one, &[rv; 4]).unwrap();
            assert_eq!(out.block.scales[0], u);
            for (s, &c) in sums.iter_mut().zip(&out.block.elems) {
                *s += elem_value(el, c, u).abs();
            }
        }
        for (i, &x) in xs.iter().enumerate() {
            let a = f64::from(x).abs() * 2f64.powi(u as i32);
            if a >= el.max_value() {
                continue; // may round up past the largest element, which saturates
            }
            // the spacing at a: 2^(floor(log2 a) - Mx), at least the subnormals'
            let frac = el.frac_bits() as i32;
            let sp = if a < 2f64.powi(1 - el.bias() as i32) {
                2f64.powi(-frac)
            } else {
                2f64.powi(a.log2().floor() as i32 - el.man_bits as i32)
            };
            let want = (a / sp * 16.0).floor() * sp * 2f64.powi(-(u as i32));
            assert_eq!(sums[i], want, "{x} at u = {u}");
        }
    }
}

/// Law: an Inf or a NaN in any lane or in the reciprocal scale makes the block invalid with
/// every code zero; zeros give signed zero codes under the scale code 0.
#[test]
fn specials_and_zeros() {
    let c = conv(2, 4, 2, 3, 4, Rounding::NearestEven);
    let one = u64::from(1f32.to_bits());
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let out = c.convert(&bits(&[1.0, 2.0, bad, 0.5]), one, &[]).unwrap();
        assert!(out.invalid);
        assert_eq!(out.block.elems, vec![0; 4]);
        let out = c
            .convert(&bits(&[1.0, 2.0, 3.0, 0.5]), u64::from(bad.to_bits()), &[])
            .unwrap();
        assert!(out.invalid);
    }
    let out = c
        .convert(
            &bits(&[0.0, -0.0, 1.0, -1.0]),
            u64::from((-0.0f32).to_bits()),
            &[],
        )
        .unwrap();
    assert!(!out.invalid);
    assert_eq!(out.block.scales, vec![0, 0]);
    let sign = 1 << 6;
    assert_eq!(out.block.elems, vec![sign, 0, sign, 0]);
}

/// Bad operands are errors, not panics.
#[test]
fn wrong_operands_are_errors() {
    let c = conv(2, 4, 2, 3, 4, Rounding::Stochastic { bits: 3 });
    let lanes = bits(&[1.0; 4]);
    assert!(c.convert(&lanes[..3], 0, &[0; 4]).is_err());
    assert!(c.convert(&lanes, 0, &[0; 3]).is_err());
    assert!(c.convert(&lanes, 0, &[8, 0, 0, 0]).is_err());
    assert!(c.convert(&lanes, 1 << 32, &[0; 4]).is_err());
    assert!(c.convert(&lanes, 0, &[0; 4]).is_ok());
}
