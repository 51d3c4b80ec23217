//! Test vectors of `mls_convert`: input floats, the reciprocal tensor scale and random bits, with
//! the golden model's block; corners first.

use super::{MlsConversion, MlsConvertUnit};
use crate::unit::Unit;
use crate::units::convert::vectors::corner_values;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One vector: the inputs, the tag and the golden model's block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MlsConvertVector {
    /// Input bit patterns, lane 0 first.
    pub fp: Vec<u64>,
    /// The reciprocal tensor scale's bit pattern.
    pub rscale: u64,
    /// Random bits per lane (empty unless stochastic).
    pub rnd: Vec<u64>,
    /// The tag.
    pub tag: u64,
    /// The golden model's output.
    pub expected: MlsConversion,
}

/// `count` vectors: each corner value of the input format alone in a block of ones and as the
/// whole block (reciprocal 1), each corner as the reciprocal of a block of ones, then random
/// blocks whose lanes lie within a few binades of each other under a reciprocal near their
/// largest magnitude's (so that groups take every scale code, elements every binade and the
/// subnormals, and some groups saturate or vanish; blocks of subnormal inputs included), one lane
/// in 32 a corner value.
pub fn generate(unit: &MlsConvertUnit, count: usize, seed: u64) -> Vec<MlsConvertVector> {
    let k = unit.conv.block as usize;
    let input = unit.conv.input;
    let f = input.format();
    let corners = corner_values(input);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let one = corners[14];
    let mut blocks: Vec<(Vec<u64>, u64)> = Vec::new();
    for &c in &corners {
        let mut lanes = vec![one; k];
        lanes[k - 1] = c;
        blocks.push((lanes, one));
        blocks.push((vec![c; k], one));
        blocks.push((vec![one; k], c));
    }
    blocks.truncate(count);
    let ones = (1i64 << f.exp_bits()) - 1;
    let bias = i64::from(f.bias());
    let l = &unit.conv.layout;
    // the binades a block spans: the group scales' range and the element's, and a little more
    let spread = i64::from(l.umax()) + i64::from(l.elem.frac_bits()) + 4;
    while blocks.len() < count {
        // centres down to 0: blocks of subnormals (lanes clamped to exponent 0) under reciprocals
        // up to 2^127, which bring them into the elements' range
        let centre = rng.gen_range(0..ones);
        let lanes = (0..k)
            .map(|_| {
                if rng.gen_ratio(1, 32) {
                    return corners[rng.gen_range(0..corners.len())];
                }
                let e = (centre - rng.gen_range(0..=spread)).clamp(0, ones - 1) as u64;
                let frac = rng.gen::<u64>() & ((1 << f.man_bits()) - 1);
                let sign = u64::from(rng.gen::<bool>());
                sign << (f.bits() - 1) | e << f.man_bits() | frac
            })
            .collect();
        // a reciprocal that brings the top lane near 1 (give or take two binades), its fraction
        // random, its sign random
        let re = (2 * bias - centre + rng.gen_range(-2..=2)).clamp(1, ones - 1) as u64;
        let rfrac = rng.gen::<u64>() & ((1 << f.man_bits()) - 1);
        let rscale = u64::from(rng.gen_ratio(1, 4)) << (f.bits() - 1) | re << f.man_bits() | rfrac;
        blocks.push((lanes, rscale));
    }
    let r = unit.conv.random_bits();
    blocks
        .into_iter()
        .map(|(fp, rscale)| {
            let rnd: Vec<u64> = if r > 0 {
                (0..k)
                    .map(|_| rng.gen::<u64>() & crate::format::mask(r))
                    .collect()
            } else {
                Vec::new()
            };
            let expected = unit
                .conv
                .convert(&fp, rscale, &rnd)
                .expect("generated lanes fit");
            MlsConvertVector {
                fp,
                rscale,
                rnd,
                tag: rng.gen::<u64>() & crate::format::mask(unit.tag_bits),
                expected,
            }
        })
        .collect()
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &MlsConvertUnit, vectors: &[MlsConvertVector], seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let l = &unit.conv.layout;
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "fp" => Value::lanes(v.fp.iter().copied(), unit.lane_bits()),
                "rscale" => Value::one(v.rscale),
                "rnd" => Value::lanes(v.rnd.iter().copied(), unit.conv.random_bits()),
                "tag" => Value::one(v.tag),
                "elem" => Value::lanes(v.expected.block.elems.iter().copied(), l.elem.bits()),
                "gscale" => Value::lanes(v.expected.block.scales.iter().copied(), l.scale_bits),
                "invalid" => Value::one(u64::from(v.expected.invalid)),
                other => unreachable!("mls_convert has no field {other}"),
            })
        })
        .collect();
    VectorFile {
        layout: &layout,
        unit_line: format!("unit={} ({})", unit.name, super::emit::command_line(unit)),
        seed,
    }
    .text(&words)
}
