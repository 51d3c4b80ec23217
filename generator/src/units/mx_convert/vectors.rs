//! Test vectors of `mx_convert`: input floats with the golden model's block, corners first.

use super::MxConvertUnit;
use crate::model::mx::MxBlock;
use crate::unit::Unit;
use crate::units::convert::vectors::corner_values;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One vector: the input lanes, the tag and the golden model's block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxConvertVector {
    /// Input bit patterns, lane 0 first.
    pub fp: Vec<u64>,
    /// The tag.
    pub tag: u64,
    /// The golden model's block.
    pub expected: MxBlock,
}

/// `count` vectors: each corner value of the input format alone in a block of ones and as the
/// whole block, then random blocks whose lanes lie within a few binades of each other (so that
/// elements land in every binade of the element format, its subnormals, and below), one lane in
/// 32 a corner value.
pub fn generate(unit: &MxConvertUnit, count: usize, seed: u64) -> Vec<MxConvertVector> {
    let k = unit.conv.block as usize;
    let input = unit.conv.input;
    let f = input.format();
    let corners = corner_values(input);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let one = corners[14];
    let mut blocks: Vec<Vec<u64>> = Vec::new();
    for &c in &corners {
        let mut lanes = vec![one; k];
        lanes[k - 1] = c;
        blocks.push(lanes);
        blocks.push(vec![c; k]);
    }
    blocks.truncate(count);
    let ones = (1i64 << f.exp_bits()) - 1;
    // the element format's dynamic range in binades, and a little more
    let spread = i64::from(unit.conv.element.frac_bits()) + unit.conv.element.emax() + 4;
    while blocks.len() < count {
        let centre = rng.gen_range(0..ones);
        blocks.push(
            (0..k)
                .map(|_| {
                    if rng.gen_ratio(1, 32) {
                        return corners[rng.gen_range(0..corners.len())];
                    }
                    let e = (centre - rng.gen_range(0..=spread)).clamp(0, ones - 1) as u64;
                    let frac = rng.gen::<u64>() & ((1 << f.man_bits()) - 1);
                    let sign = u64::from(rng.gen::<bool>());
                    sign << (f.bits() - 1) | e << f.man_bits() | frac
                })
                .collect(),
        );
    }
    blocks
        .into_iter()
        .map(|fp| {
            let expected = unit.conv.convert(&fp).expect("generated lanes fit");
            MxConvertVector {
                fp,
                tag: rng.gen::<u64>() & crate::format::mask(unit.tag_bits),
                expected,
            }
        })
        .collect()
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &MxConvertUnit, vectors: &[MxConvertVector], seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let w = unit.conv.element.bits();
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "fp" => Value::lanes(v.fp.iter().copied(), unit.lane_bits()),
                "tag" => Value::one(v.tag),
                "elem" => Value::lanes(v.expected.codes.iter().copied(), w),
                "scale" => Value::one(v.expected.scale_code()),
                other => unreachable!("mx_convert has no field {other}"),
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
