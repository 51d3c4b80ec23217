//! Properties of the golden model and of the widths derived from the parameter type.

use hbfpgen::dot::vectors;
use hbfpgen::dot::{DotSpec, DotUnit, Stages};
use hbfpgen::format::{fits_signed, BlockFormat};
use hbfpgen::model::Block;
use proptest::prelude::*;
use std::path::Path;

fn unit(m: u32, b: u32, e: u32) -> DotUnit {
    DotSpec {
        mantissa: Some(m),
        block: Some(b),
        exp_bits: Some(e),
        stages: Some(Stages::Count(0)),
        ..Default::default()
    }
    .resolve()
    .unwrap()
}

/// A unit and two blocks that fit it; mantissas weighted toward the extreme codes.
fn unit_and_blocks() -> impl Strategy<Value = (DotUnit, Block, Block)> {
    (2u32..=16, 1u32..=80, 2u32..=16).prop_flat_map(|(m, b, e)| {
        let u = unit(m, b, e);
        let f = u.format;
        let (qmin, qmax) = (f.element.min_code(), f.element.max_code());
        let q = prop_oneof![
            3 => qmin..=qmax,
            1 => Just(qmin),
            1 => Just(qmax),
            1 => Just(0i64),
        ];
        let exp = prop_oneof![
            3 => f.scale.min_exp()..=f.scale.max_exp(),
            1 => Just(f.scale.min_exp()),
            1 => Just(f.scale.max_exp()),
        ];
        let block = (exp, proptest::collection::vec(q, b as usize))
            .prop_map(|(exp, man)| Block { exp, man });
        (Just(u), block.clone(), block)
    })
}

proptest! {
    /// The dot product equals an independent i128 sum of the products, and fits in W bits.
    #[test]
    fn sum_is_exact_and_fits((u, a, b) in unit_and_blocks()) {
        let r = u.dot(&a, &b).unwrap();
        let reference: i128 = a.man.iter().zip(&b.man).map(|(&x, &y)| i128::from(x) * i128::from(y)).sum();
        prop_assert_eq!(i128::from(r.sum), reference);
        prop_assert!(fits_signed(r.sum, u.sum_bits()));
    }

    /// The exponent is X_a + X_b and fits E + 1 bits; NaN exactly when either exponent is the NaN code.
    #[test]
    fn exponent_and_nan_rules((u, a, b) in unit_and_blocks()) {
        let r = u.dot(&a, &b).unwrap();
        let s = u.format.scale;
        prop_assert_eq!(r.exp, a.exp + b.exp);
        prop_assert!(fits_signed(r.exp, u.exp_out_bits()));
        prop_assert_eq!(r.nan, a.exp == s.max_exp() || b.exp == s.max_exp());
    }

    /// Away from NaN, the result's value is the sum of the products of the elements' real values
    /// (checked where f64 is exact: M <= 8, small exponents).
    #[test]
    fn value_is_the_real_dot_product(
        m in 2u32..=8, b in 1u32..=16,
        qa in proptest::collection::vec(-128i64..=127, 16),
        qb in proptest::collection::vec(-128i64..=127, 16),
        ea in -20i64..=20, eb in -20i64..=20,
    ) {
        let u = unit(m, b, 10);
        let clamp = |q: i64| q.clamp(u.format.element.min_code(), u.format.element.max_code());
        let a = Block { exp: ea, man: qa[..b as usize].iter().map(|&q| clamp(q)).collect() };
        let bb = Block { exp: eb, man: qb[..b as usize].iter().map(|&q| clamp(q)).collect() };
        let r = u.dot(&a, &bb).unwrap();
        let direct: f64 = (0..b as usize).map(|i| a.value(u.format, i) * bb.value(u.format, i)).sum();
        prop_assert_eq!(r.value(u.format), direct);
    }

    /// Vector files round-trip through the reader, which re-checks every expected output.
    #[test]
    fn vector_files_round_trip(m in 2u32..=16, b in 1u32..=40, e in 2u32..=16, t in 0u32..=64, seed: u64) {
        let u = DotSpec { mantissa: Some(m), block: Some(b), exp_bits: Some(e), tag_bits: Some(t), ..Default::default() }
            .resolve().unwrap();
        let v = vectors::generate(&u, 30, seed);
        let text = vectors::to_text(&u, &v, seed);
        prop_assert_eq!(vectors::parse(&u, &text, Path::new("mem")).unwrap(), v);
    }
}

/// W is tight: both ends of the range are reached (every lane at the most negative code on both sides
/// gives the maximum; most negative against most positive gives the minimum), the maximum needs all
/// W bits, and W - 1 bits would not hold it.
#[test]
fn sum_width_is_tight_at_both_ends() {
    for m in 2..=16u32 {
        for b in [1u32, 2, 3, 4, 5, 16, 63, 64, 65, 256, 4096] {
            let u = unit(m, b, 10);
            let f = u.format;
            let n = b as usize;
            let all = |q| Block {
                exp: 0,
                man: vec![q; n],
            };
            let max = u
                .dot(&all(f.element.min_code()), &all(f.element.min_code()))
                .unwrap()
                .sum;
            let min = u
                .dot(&all(f.element.min_code()), &all(f.element.max_code()))
                .unwrap()
                .sum;
            assert_eq!(
                (i128::from(max), i128::from(min)),
                (f.max_dot_sum(), f.min_dot_sum())
            );
            let w = u.sum_bits();
            assert!(fits_signed(max, w) && fits_signed(min, w));
            assert!(
                !fits_signed(max, w - 1),
                "M = {m}, B = {b}: W = {w} is not tight"
            );
            assert_eq!(w, BlockFormat::hbfp(m, b, 10).unwrap().dot_sum_bits());
        }
    }
}

/// The canonical zero block times anything is a zero sum; NaN blocks raise the flag.
#[test]
fn zero_and_nan_blocks() {
    let u = unit(6, 7, 8);
    let f = u.format;
    let x = Block {
        exp: 5,
        man: vec![f.element.min_code(); 7],
    };
    let r = u.dot(&Block::zero(f), &x).unwrap();
    assert_eq!((r.sum, r.nan), (0, false));
    assert!(u.dot(&Block::nan(f), &x).unwrap().nan);
    assert!(u.dot(&x, &Block::nan(f)).unwrap().nan);
    assert!(!u.dot(&x, &x).unwrap().nan);
}

#[test]
fn malformed_vector_files_are_errors_that_name_the_line() {
    let u = unit(4, 3, 10);
    let v = vectors::generate(&u, 4, 1);
    let good = vectors::to_text(&u, &v, 1);
    let p = Path::new("v.vec");
    let mut lines: Vec<String> = good.lines().map(String::from).collect();
    let first = lines.iter().position(|l| !l.starts_with("//")).unwrap();

    let mut bad = lines.clone();
    bad[first].push('0');
    let e = vectors::parse(&u, &(bad.join("\n")), p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("line {}", first + 1)) && e.contains("hex digits"),
        "{e}"
    );

    let mut bad = lines.clone();
    bad[first] = bad[first].replacen('1', "g", 1);
    let e = vectors::parse(&u, &(bad.join("\n")), p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a hexadecimal digit"), "{e}");

    let mut bad = lines.clone();
    let last = bad[first].pop().unwrap();
    bad[first].push(if last == '0' { '1' } else { '0' });
    let e = vectors::parse(&u, &(bad.join("\n")), p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("golden model"), "{e}");

    let other = unit(4, 4, 10);
    let e = vectors::parse(&other, &good, p).unwrap_err().to_string();
    assert!(e.contains("another unit") && e.contains("line 2"), "{e}");

    lines[0] = "// something else".into();
    let e = vectors::parse(&u, &(lines.join("\n")), p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 1"), "{e}");
}
