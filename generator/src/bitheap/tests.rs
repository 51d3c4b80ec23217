//! Tests of the Booth heap's algebra and layouts (`super`).

use super::*;

/// The heap's algebra in integers: every lane's Booth rows read as unsigned, plus their `neg`
/// bits, each at weight 4^j, plus the constant, modulo 2^W, read as two's complement.
fn heap_sum(h: &Heap, a: &[i64], b: &[i64]) -> i64 {
    let (m, w) = (h.m(), h.sum_bits());
    let bit = |x: i64, k: i64| -> i64 {
        if k < 0 {
            0
        } else {
            (x >> k.min(i64::from(m) - 1)) & 1
        }
    };
    let mut total: i128 = i128::from(h.constant());
    for (&ai, &bi) in a.iter().zip(b) {
        for j in 0..h.rows() as i64 {
            let (hi, mid, lo) = (bit(bi, 2 * j + 1), bit(bi, 2 * j), bit(bi, 2 * j - 1));
            let one = mid ^ lo;
            let two = (hi & (1 - mid) & (1 - lo)) | ((1 - hi) & mid & lo);
            let mut row: i128 = 0;
            for k in 0..=i64::from(m) {
                let mut y = ((one & bit(ai, k)) | (two & bit(ai, k - 1))) ^ hi;
                if k == i64::from(m) {
                    y ^= 1;
                }
                row |= i128::from(y) << k;
            }
            total += (row + i128::from(hi)) << (2 * j);
        }
    }
    let modulus = 1i128 << w;
    let r = total.rem_euclid(modulus);
    (if r >= modulus / 2 { r - modulus } else { r }) as i64
}

/// Law: the heap's rows, `neg` bits and constant sum to the exact dot product, for every pair
/// of codes of one lane (M = 2 to 7) and for two and three lanes at M = 3.
#[test]
fn rows_negs_and_constant_sum_to_the_dot_product() {
    for m in 2..=7u32 {
        let h = Heap::new(BlockFormat::hbfp(m, 1, 8).unwrap());
        let (lo, hi) = (-(1i64 << (m - 1)), (1i64 << (m - 1)) - 1);
        for a in lo..=hi {
            for b in lo..=hi {
                assert_eq!(heap_sum(&h, &[a], &[b]), a * b, "M = {m}: {a} * {b}");
            }
        }
    }
    for blk in [2u32, 3] {
        let h = Heap::new(BlockFormat::hbfp(3, blk, 8).unwrap());
        let codes: Vec<i64> = (-4..=3).collect();
        let n = codes.len().pow(2 * blk);
        for mut k in 0..n {
            let mut v = Vec::new();
            for _ in 0..2 * blk {
                v.push(codes[k % codes.len()]);
                k /= codes.len();
            }
            let (a, b) = v.split_at(blk as usize);
            let want: i64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            assert_eq!(heap_sum(&h, a, b), want, "{a:?} . {b:?}");
        }
    }
}

/// Law: every level fits W bits, every `neg` bit is consumed exactly once (B - 1 join adders and
/// the constant adder take the B leftovers), and the last level is the W-bit sum.
#[test]
fn layouts_stay_within_w_and_consume_every_neg() {
    for (m, b) in [(2, 1), (4, 64), (5, 7), (8, 3), (16, 4096), (3, 1000)] {
        let h = Heap::new(BlockFormat::hbfp(m, b, 10).unwrap());
        let w = h.sum_bits();
        let layouts = h.layouts();
        assert_eq!(layouts.len() as u32, h.levels_after_inputs());
        assert_eq!(layouts.last(), Some(&Layout::Sum));
        for l in &layouts {
            match l {
                Layout::Lanes { nodes, .. } => {
                    assert!(nodes.iter().all(|n| n.offset + n.width <= w), "M {m} B {b}")
                }
                Layout::Values { width, .. } => assert!(*width <= w),
                Layout::Operands { .. } | Layout::Sum => {}
            }
        }
        let Layout::Values { count, strays, .. } = layouts[layouts.len() - 2] else {
            // B = 1: the lanes go straight to the sum with their one leftover.
            assert_eq!(b, 1);
            continue;
        };
        assert_eq!((count, strays), (1, 1), "M {m} B {b}");
    }
}
