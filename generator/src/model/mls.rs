//! The golden model of MLS blocks (multi-level scaling, arXiv 2006.02804): quantising values
//! (already divided by the tensor scale) to a block of groups, each group a power-of-two scale
//! 2^-u and tiny float elements, and the exact dot product of two blocks. The rules are those of
//! `docs/numerics.md` ("MLS").

use crate::format::mls::{floor_log2, MlsElement};
use serde::Serialize;

/// The layout of an MLS block: its element format, group size and group-scale width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MlsLayout {
    /// The element format.
    pub elem: MlsElement,
    /// Elements per group (sharing one group scale).
    pub group: u32,
    /// Bits G of a group scale code u (scale 2^-u, u from 0 to 2^G - 1).
    pub scale_bits: u32,
}

impl MlsLayout {
    /// The largest group-scale code, 2^G - 1.
    pub fn umax(&self) -> u32 {
        (1 << self.scale_bits) - 1
    }

    /// The group scale code of a group whose largest magnitude is `max`: -floor(log2 max),
    /// clamped to [0, 2^G - 1], so that the largest magnitude lands in [1, 2) when it can; 0 for
    /// an all-zero group.
    pub fn scale_for(&self, max: f64) -> u32 {
        if max == 0.0 {
            return 0;
        }
        (-i64::from(floor_log2(max))).clamp(0, i64::from(self.umax())) as u32
    }

    /// Fraction bits of the exact dot product of two blocks: its value is
    /// `sum * 2^-(2 frac_bits + 2 umax)` (the tensor scales aside).
    pub fn dot_frac_bits(&self) -> u32 {
        2 * self.elem.frac_bits() + 2 * self.umax()
    }
}

/// One block: element codes, and one group-scale code per group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MlsBlock {
    /// Element codes, lane order.
    pub elems: Vec<u64>,
    /// Group-scale codes u, group order (group j holds lanes j*g to j*g + g - 1).
    pub scales: Vec<u64>,
}

/// Quantises `y` (whose length is a multiple of the group) to a block: per group the scale code u
/// of its largest magnitude, then each element the nearest code (ties to even, saturating) to
/// y * 2^u.
pub fn quantize(layout: &MlsLayout, y: &[f64]) -> MlsBlock {
    quantize_with(layout, y, |_, t| t.round_ties_even())
}

/// [`quantize`] with each element's rounding chosen by `quantise(lane, t)`, which maps the exact
/// t = |y * 2^u| / spacing to an integer ([`MlsElement::round_with`]).
pub fn quantize_with(
    layout: &MlsLayout,
    y: &[f64],
    quantise: impl Fn(usize, f64) -> f64,
) -> MlsBlock {
    let g = layout.group as usize;
    let mut elems = Vec::with_capacity(y.len());
    let mut scales = Vec::with_capacity(y.len() / g);
    for group in y.chunks(g) {
        let max = group.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let u = layout.scale_for(max);
        scales.push(u64::from(u));
        for &v in group {
            let lane = elems.len();
            let (neg, fixed) = layout
                .elem
                .round_with(v * 2f64.powi(u as i32), |t| quantise(lane, t));
            elems.push(
                layout
                    .elem
                    .encode(neg, fixed)
                    .expect("a rounded value is on the grid"),
            );
        }
    }
    MlsBlock { elems, scales }
}

/// The values of a block (the tensor scale aside): element * 2^-u.
pub fn dequantize(layout: &MlsLayout, b: &MlsBlock) -> Vec<f64> {
    let g = layout.group as usize;
    let frac = layout.elem.frac_bits() as i32;
    b.elems
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let (neg, fixed) = layout.elem.decode(c);
            let v = fixed as f64 * 2f64.powi(-frac - b.scales[i / g] as i32);
            if neg {
                -v
            } else {
                v
            }
        })
        .collect()
}

/// One lane's exact product in units of 2^-(2 frac_bits).
pub fn lane_product(elem: MlsElement, a: u64, b: u64) -> i128 {
    let (na, fa) = elem.decode(a);
    let (nb, fb) = elem.decode(b);
    let p = i128::from(fa) * i128::from(fb);
    if na != nb {
        -p
    } else {
        p
    }
}

/// The exact dot product of two blocks of the same layout, in units of
/// 2^-[`MlsLayout::dot_frac_bits`]: each group's products summed exactly, shifted left by
/// 2 umax - u_a - u_b, and the groups summed.
pub fn mls_dot(layout: &MlsLayout, a: &MlsBlock, b: &MlsBlock) -> i128 {
    let g = layout.group as usize;
    let umax = i128::from(layout.umax());
    a.elems
        .chunks(g)
        .zip(b.elems.chunks(g))
        .enumerate()
        .map(|(j, (ga, gb))| {
            let s: i128 = ga
                .iter()
                .zip(gb)
                .map(|(&x, &y)| lane_product(layout.elem, x, y))
                .sum();
            let t = 2 * umax - i128::from(a.scales[j]) - i128::from(b.scales[j]);
            s << t
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layouts() -> Vec<MlsLayout> {
        let mut v = Vec::new();
        for (e, m) in [(2, 1), (2, 4), (0, 3), (4, 7), (3, 0), (1, 2)] {
            for (group, scale_bits) in [(1, 1), (4, 3), (8, 5)] {
                v.push(MlsLayout {
                    elem: MlsElement::new(e, m).unwrap(),
                    group,
                    scale_bits,
                });
            }
        }
        v
    }

    fn lcg(s: &mut u64) -> u64 {
        *s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *s >> 11
    }

    /// Law: the exact dot product equals the f64 dot product of the dequantised blocks (exact in
    /// f64 for these sizes: every term is a short significand times a power of two, and the sum
    /// is checked as an exact rational through the integer result).
    #[test]
    fn the_dot_product_is_the_exact_sum_of_the_dequantised_products() {
        let mut s = 7;
        for l in layouts() {
            for _ in 0..50 {
                let k = l.group as usize * (1 + (lcg(&mut s) % 4) as usize);
                let draw = |s: &mut u64| -> MlsBlock {
                    let elems = (0..k).map(|_| lcg(s) % (1 << l.elem.bits())).collect();
                    let scales = (0..k / l.group as usize)
                        .map(|_| lcg(s) % (u64::from(l.umax()) + 1))
                        .collect();
                    MlsBlock { elems, scales }
                };
                let (a, b) = (draw(&mut s), draw(&mut s));
                let got = mls_dot(&l, &a, &b);
                let (va, vb) = (dequantize(&l, &a), dequantize(&l, &b));
                // each product as an exact integer multiple of 2^-frac, summed in i128
                let frac = l.dot_frac_bits() as i32;
                let want: i128 = va
                    .iter()
                    .zip(&vb)
                    .map(|(x, y)| {
                        let p = x * y * 2f64.powi(frac);
                        assert_eq!(p, p.trunc(), "{l:?}: a product on the grid");
                        p as i128
                    })
                    .sum();
                assert_eq!(got, want, "{l:?}");
            }
        }
    }

    /// Law: quantising puts each group's largest magnitude in [1, 2) when the scale range allows
    /// (else the scale is clamped), and each element is the nearest code to y * 2^u.
    #[test]
    fn quantise_scales_each_group_to_its_maximum_and_rounds_each_element() {
        let mut s = 99;
        for l in layouts() {
            for _ in 0..50 {
                let k = l.group as usize * 3;
                let spread = (lcg(&mut s) % 40) as i32 - 30;
                let y: Vec<f64> = (0..k)
                    .map(|_| {
                        let v =
                            (lcg(&mut s) as f64 / (1u64 << 53) as f64 - 0.5) * 2f64.powi(spread);
                        if lcg(&mut s) % 7 == 0 {
                            0.0
                        } else {
                            v
                        }
                    })
                    .collect();
                let b = quantize(&l, &y);
                for (j, group) in y.chunks(l.group as usize).enumerate() {
                    let max = group.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                    let u = b.scales[j] as i32;
                    let scaled = max * 2f64.powi(u);
                    if max > 0.0 && u > 0 && u < l.umax() as i32 {
                        assert!((1.0..2.0).contains(&scaled), "{l:?}: {max} u = {u}");
                    }
                    if u == 0 {
                        assert!(max == 0.0 || scaled >= 1.0, "{l:?}");
                    }
                    if u == l.umax() as i32 {
                        assert!(scaled < 2.0, "{l:?}");
                    }
                }
                let back = dequantize(&l, &b);
                for (i, (&v, &q)) in y.iter().zip(&back).enumerate() {
                    let u = b.scales[i / l.group as usize] as i32;
                    let (neg, fixed) = l.elem.round(v * 2f64.powi(u));
                    let r = fixed as f64 * 2f64.powi(-(l.elem.frac_bits() as i32) - u);
                    assert_eq!(q, if neg { -r } else { r }, "{l:?} {v}");
                }
            }
        }
    }
}
