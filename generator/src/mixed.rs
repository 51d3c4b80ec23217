//! The arithmetic of the mixed-mantissa unit `hbfp_mixed_dot` (issue 6; its RTL is still to come):
//! an M-bit element code is split into digits that a signed 4-bit multiplier accepts, and the block
//! dot product is recombined exactly from the digit products. The schedule is specified in
//! `docs/numerics.md` ("Mixed-mantissa digits").
//!
//! Digits are radix 8: q = sum_i d_i * 8^i over k = ceil((M - 1) / 3) digits, the lower k - 1
//! unsigned in 0..=7 and the top one signed. Every digit lies in -8..=7, so any pair of digits is a
//! product of the 4-bit datapath, and a dot product of M-bit blocks takes k * k digit dot products.

use crate::format::BlockFormat;
use crate::model::Block;

/// The number of radix-8 digits of an `m`-bit code (m >= 2): ceil((m - 1) / 3), at least 1.
pub fn digit_count(m: u32) -> u32 {
    (m.saturating_sub(1)).div_ceil(3).max(1)
}

/// The radix-8 digits of the `m`-bit two's-complement code `q`, least significant first: the lower
/// ones in 0..=7, the top one signed, each in -8..=7.
pub fn digits(q: i64, m: u32) -> Vec<i64> {
    let k = digit_count(m);
    let mut v = Vec::with_capacity(k as usize);
    let mut rest = q;
    for _ in 0..k - 1 {
        v.push(rest.rem_euclid(8));
        rest = rest.div_euclid(8);
    }
    v.push(rest);
    v
}

/// The exact block dot product sum (as `hbfp_dot` computes it) recombined from digit dot products:
/// for each pair of digit positions (i, j), the dot product of A's i-th digits with B's j-th
/// digits, each a product of two 4-bit codes, shifted by 3 (i + j) bits. Returns the sum and the
/// number of digit dot products (the cycles of a B-lane 4-bit datapath).
pub fn dot_by_digits(format: BlockFormat, a: &Block, b: &Block) -> (i64, u32) {
    let m = format.element.bits();
    let k = digit_count(m) as usize;
    let da: Vec<Vec<i64>> = a.man.iter().map(|&q| digits(q, m)).collect();
    let db: Vec<Vec<i64>> = b.man.iter().map(|&q| digits(q, m)).collect();
    let mut sum = 0i64;
    let mut steps = 0;
    for i in 0..k {
        for j in 0..k {
            let partial: i64 = da.iter().zip(&db).map(|(x, y)| x[i] * y[j]).sum();
            sum += partial << (3 * (i + j));
            steps += 1;
        }
    }
    (sum, steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dot_unchecked;
    use rand::{Rng, SeedableRng};

    /// Law: for every code of every width from 2 to 16 bits, the digits lie in -8..=7 (the lower
    /// ones in 0..=7) and recombine to the code.
    #[test]
    fn digits_fit_a_4_bit_multiplier_and_recombine_exactly() {
        for m in 2..=16u32 {
            let lo = -(1i64 << (m - 1));
            let hi = (1i64 << (m - 1)) - 1;
            for q in lo..=hi {
                let d = digits(q, m);
                assert_eq!(d.len() as u32, digit_count(m));
                let (top, lower) = d.split_last().unwrap();
                assert!(
                    lower.iter().all(|x| (0..=7).contains(x)),
                    "m {m} q {q}: {d:?}"
                );
                assert!((-8..=7).contains(top), "m {m} q {q}: {d:?}");
                let back: i64 = d.iter().enumerate().map(|(i, x)| x << (3 * i)).sum();
                assert_eq!(back, q, "m {m}");
            }
        }
        assert_eq!([digit_count(4), digit_count(6), digit_count(8)], [1, 2, 3]);
    }

    /// Law: the dot product recombined from digit dot products equals the exact block dot product
    /// for HBFP4, 6 and 8, extreme codes included, in 1, 4 and 9 digit steps.
    #[test]
    fn digit_dot_products_recombine_to_the_exact_sum() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        for (m, steps) in [(4, 1), (6, 4), (8, 9)] {
            let f = BlockFormat::hbfp(m, 16, 10).unwrap();
            let (qmin, qmax) = (f.element.min_code(), f.element.max_code());
            for n in 0..2000 {
                let code = |rng: &mut rand_chacha::ChaCha8Rng| match n % 4 {
                    0 => [qmin, qmax][rng.gen_range(0..2)],
                    _ => rng.gen_range(qmin..=qmax),
                };
                let block = |rng: &mut rand_chacha::ChaCha8Rng| Block {
                    exp: 0,
                    man: (0..16).map(|_| code(rng)).collect(),
                };
                let (a, b) = (block(&mut rng), block(&mut rng));
                let (sum, k) = dot_by_digits(f, &a, &b);
                assert_eq!(k, steps);
                assert_eq!(sum, dot_unchecked(f, &a, &b).sum, "m {m}: {a:?} . {b:?}");
            }
        }
    }
}
