//! Test vectors of `hbfp_convert`: input floats (and random bits) with the golden model's block, in
//! the `$readmemh` text format of [`crate::vectors`] (docs/vectors.md).
//!
//! A word holds, from the most significant end: `marker(4) fp [rnd] [tag] man exp`. `fp` holds
//! lane B-1 first (lane i at bits `[i*32 +: 32]`, or 16 for bf16), as on `fp_i`; `rnd` likewise with
//! R bits per lane; `man_o` with M bits per lane.

use super::{ConvertUnit, InputFormat};
use crate::format::mask;
use crate::model::Block;
use crate::unit::Unit;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One converter vector: inputs and the golden model's block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConvertVector {
    /// Input bit patterns, lane 0 first.
    pub fp: Vec<u64>,
    /// Random bits of each lane (empty unless stochastic rounding is built).
    pub rnd: Vec<u64>,
    /// The tag (0 when the unit has none).
    pub tag: u64,
    /// The golden model's block.
    pub expected: Block,
}

/// The layout of `unit`'s vector words: `marker fp [rnd] [tag] man exp` (from its ports).
pub fn layout(unit: &ConvertUnit) -> VectorLayout {
    VectorLayout::of_ports(&unit.ports())
}

/// FP32 corner values: zeros of both signs, subnormals, powers of two and their neighbours, ties
/// of the element rounding, the largest finite values, infinities and NaNs.
pub const FP32_CORNERS: &[u32] = &[
    0x0000_0000,
    0x8000_0000, // +0, -0
    0x0000_0001,
    0x8000_0001,
    0x0000_0002,
    0x0000_0003, // smallest subnormals
    0x0040_0000,
    0x0040_0001,
    0x003f_ffff,
    0x007f_ffff,
    0x807f_ffff, // subnormals
    0x0080_0000,
    0x8080_0000,
    0x0080_0001, // smallest normals
    0x3f80_0000,
    0xbf80_0000,
    0x3f7f_ffff,
    0x3f80_0001, // 1 and its neighbours
    0x3f00_0000,
    0x4000_0000,
    0x3e80_0000,
    0x3e00_0000,
    0x3d80_0000, // powers of two
    0x3fc0_0000,
    0xbfc0_0000,
    0x3f90_0000,
    0x3fb0_0000,
    0xbfb0_0000,
    0x3fa0_0000, // ties
    0x40e0_0000,
    0xc0e0_0000,
    0x40f0_0000,
    0x40e8_0000,
    0x4100_0000, // 7, 7.5, 7.25, 8
    0x3400_0000,
    0x3380_0000,
    0x4b00_0000, // 2^-23, 2^-24, 2^23
    0x7f7f_ffff,
    0xff7f_ffff,
    0x7f00_0000, // largest finite
    0x7f80_0000,
    0xff80_0000, // infinities
    0x7fc0_0000,
    0x7f80_0001,
    0xffc0_0000, // NaNs
];

/// The corner values of `input` as bit patterns (bf16: the top halves of the FP32 corners, and
/// bf16's own subnormals), without repeats.
pub fn corner_values(input: InputFormat) -> Vec<u64> {
    let mut v: Vec<u64> = match input {
        InputFormat::Fp32 => FP32_CORNERS.iter().map(|&x| u64::from(x)).collect(),
        InputFormat::Bf16 => FP32_CORNERS
            .iter()
            .map(|&x| u64::from(x >> 16))
            .chain([0x0001, 0x8001, 0x0040, 0x007f, 0x0041])
            .collect(),
    };
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(*x));
    v
}

/// A random float of `input` (bit pattern). Exponents are drawn near `centre` (within 2^(M+2)
/// binades) so that a block's lanes interact; one lane in 32 is drawn from the corner values and
/// one in 64 is any finite bit pattern.
fn random_lane(rng: &mut ChaCha8Rng, input: InputFormat, centre: i64, spread: i64) -> u64 {
    let f = input.format();
    let ones = (1i64 << f.exp_bits()) - 1;
    if rng.gen_ratio(1, 32) {
        let c = corner_values(input);
        return c[rng.gen_range(0..c.len())];
    }
    let e = if rng.gen_ratio(1, 64) {
        rng.gen_range(0..ones)
    } else {
        (centre + rng.gen_range(-spread..=spread)).clamp(0, ones - 1)
    };
    let frac = rng.gen::<u64>() & mask(f.man_bits());
    let sign = u64::from(rng.gen::<bool>());
    (sign << (f.bits() - 1)) | ((e as u64) << f.man_bits()) | frac
}

/// Vectors for `unit`: every corner value in every lane position of an otherwise representative
/// block first, then random blocks from `seed`, `count` in all.
pub fn generate(unit: &ConvertUnit, count: usize, seed: u64) -> Vec<ConvertVector> {
    let b = unit.block() as usize;
    let input = unit.conv.input;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let corners = corner_values(input);
    let mut blocks: Vec<Vec<u64>> = threshold_blocks(unit, &mut rng);
    // each corner value alone in a block of ones, and as the whole block
    let one = corners[14];
    for &c in &corners {
        let mut lanes = vec![one; b];
        lanes[b - 1] = c;
        blocks.push(lanes);
        blocks.push(vec![c; b]);
    }
    blocks.truncate(count);
    let ones = (1i64 << input.format().exp_bits()) - 1;
    let spread = 1i64 << (unit.mantissa_bits().min(6) + 2).min(6);
    while blocks.len() < count {
        let centre = rng.gen_range(0..ones);
        let s = rng.gen_range(0..=spread);
        blocks.push(
            (0..b)
                .map(|_| random_lane(&mut rng, input, centre, s))
                .collect(),
        );
    }
    blocks
        .into_iter()
        .map(|fp| vector(unit, fp, &mut rng))
        .collect()
}

/// With the emulator rule: for every binade where the rule's exponent is not the flat -26 of the
/// smallest values, blocks whose largest magnitude is the binade's first value, its last, and the
/// two values either side of its threshold (docs/numerics.md). The other lanes are random values
/// of smaller binades, of either sign. Empty with the exact rule.
pub fn threshold_blocks(unit: &ConvertUnit, rng: &mut ChaCha8Rng) -> Vec<Vec<u64>> {
    if unit.conv.rule != super::ExponentRule::EmulatorCompat {
        return Vec::new();
    }
    let f = unit.conv.input.format();
    let fmax = mask(f.man_bits());
    let t = super::emulator::ThresholdTable::of(f);
    let flat = t.rows.iter().take_while(|r| **r == t.rows[0]).count();
    let b = unit.block() as usize;
    let mut blocks = Vec::new();
    for (e, r) in t.rows.iter().enumerate().skip(flat.saturating_sub(1)) {
        let e = e as u64;
        let mut fracs = vec![0, fmax];
        if r.from <= fmax {
            fracs.extend([r.from - 1, r.from]);
        }
        for frac in fracs {
            let sign = u64::from(rng.gen::<bool>()) << (f.bits() - 1);
            let mut lanes: Vec<u64> = (0..b)
                .map(|_| {
                    let s = u64::from(rng.gen::<bool>()) << (f.bits() - 1);
                    s | rng.gen_range(0..e << f.man_bits() | 1)
                })
                .collect();
            lanes[rng.gen_range(0..b)] = sign | e << f.man_bits() | frac;
            blocks.push(lanes);
        }
    }
    blocks
}

/// Every block whose lanes are drawn from the corner values: `corners^B` vectors (use for B <= 2).
pub fn exhaustive_corners(unit: &ConvertUnit, seed: u64) -> Vec<ConvertVector> {
    let b = unit.block() as usize;
    let c = corner_values(unit.conv.input);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total = c.len().pow(b as u32);
    (0..total)
        .map(|mut k| {
            let fp = (0..b)
                .map(|_| {
                    let v = c[k % c.len()];
                    k /= c.len();
                    v
                })
                .collect();
            vector(unit, fp, &mut rng)
        })
        .collect()
}

/// A vector of `fp` with random `rnd` bits and tag, and the golden model's block.
fn vector(unit: &ConvertUnit, fp: Vec<u64>, rng: &mut ChaCha8Rng) -> ConvertVector {
    let r = unit.random_bits();
    let rnd: Vec<u64> = (0..fp.len()).map(|_| rng.gen::<u64>() & mask(r)).collect();
    let expected = unit
        .conv
        .convert(&fp, &rnd)
        .expect("generated lanes fit the unit");
    ConvertVector {
        fp,
        rnd,
        tag: rng.gen::<u64>() & mask(unit.tag_bits),
        expected,
    }
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &ConvertUnit, vectors: &[ConvertVector], seed: u64) -> String {
    let layout = layout(unit);
    let (el, sc) = (unit.conv.format.element, unit.conv.format.scale);
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "fp" => Value::lanes(v.fp.iter().copied(), unit.lane_bits()),
                "rnd" => Value::lanes(v.rnd.iter().copied(), unit.random_bits()),
                "tag" => Value::one(v.tag),
                "exp" => Value::one(sc.encode(v.expected.exp)),
                "man" => Value::lanes(
                    v.expected.man.iter().map(|&q| el.encode(q)),
                    unit.mantissa_bits(),
                ),
                other => unreachable!("hbfp_convert has no field {other}"),
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
