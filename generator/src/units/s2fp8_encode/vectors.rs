//! Test vectors of `s2fp8_encode`: input floats with alpha and beta, and the golden model's codes;
//! corners first.

use super::S2fp8EncodeUnit;
use crate::model::s2fp8::arith::{mantissa_thresholds, subnormal_thresholds, T_FRAC};
use crate::model::s2fp8::{stats, ALPHA_MAX, BETA_BITS};
use crate::unit::Unit;
use crate::units::convert::vectors::corner_values;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One vector: the inputs, the tag and the golden model's codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S2fp8EncodeVector {
    /// Input bit patterns, lane 0 first.
    pub fp: Vec<u64>,
    /// alpha, units of 2^-16.
    pub alpha: u64,
    /// beta, units of 2^-16.
    pub beta: i64,
    /// The tag.
    pub tag: u64,
    /// The golden model's codes.
    pub expected: Vec<u64>,
}

/// `count` vectors: every corner value of the input format under alpha = 1, beta = 0 and under
/// the extreme coefficients (the largest alpha; the largest and smallest beta); then t at every
/// boundary between codes and one step either side (at most a quarter of `count`); then random words
/// (lanes a few dozen binades apart, one in 16 a corner) under the coefficients of their own
/// statistics (so that codes span E5M2's range, the largest lane near 2^15), and one word in 8
/// under random coefficients.
pub fn generate(unit: &S2fp8EncodeUnit, count: usize, seed: u64) -> Vec<S2fp8EncodeVector> {
    let k = unit.block as usize;
    let f = unit.input.format();
    let corners = corner_values(unit.input);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let beta_max = (1i64 << (BETA_BITS - 1)) - 1;
    let one = 1u64 << 16;
    let mut words: Vec<(Vec<u64>, u64, i64)> = Vec::new();
    for (alpha, beta) in [
        (one, 0),
        (ALPHA_MAX, 0),
        (one, beta_max),
        (one, -beta_max - 1),
        (1, 0),
    ] {
        for c in corners.chunks(k) {
            let mut lanes = c.to_vec();
            lanes.resize(k, corners[14]);
            words.push((lanes, alpha, beta));
        }
    }
    // every boundary between codes, exactly and one step of t either side: alpha = 1 and lanes
    // +-2^j make t = beta + (j mod 16), so one word tests a threshold at up to 16 consecutive exponents; a
    // quarter of the vectors at most, in random order
    let mut edges = Vec::new();
    let t_one = 1i64 << T_FRAC;
    let mut bounds: Vec<i64> = [-18, -14, 16].map(|e| e * t_one).to_vec();
    bounds.extend(subnormal_thresholds());
    for th in mantissa_thresholds() {
        bounds.extend((-19..16).step_by(k.min(16)).map(|e| e * t_one + th));
    }
    for b in bounds {
        for d in -1..=1 {
            let lanes = (0..k as u64)
                .map(|j| {
                    (j & 1) << (f.bits() - 1)
                        | (u64::from(f.bias().unsigned_abs()) + j % 16) << f.man_bits()
                })
                .collect();
            edges.push((lanes, one, b + d));
        }
    }
    edges.shuffle(&mut rng);
    edges.truncate(count / 4);
    words.extend(edges);
    words.truncate(count);
    let ones = (1i64 << f.exp_bits()) - 1;
    while words.len() < count {
        let centre = rng.gen_range(0..ones);
        let spread = rng.gen_range(1..40);
        let lanes: Vec<u64> = (0..k)
            .map(|_| {
                if rng.gen_ratio(1, 16) {
                    return corners[rng.gen_range(0..corners.len())];
                }
                let e = (centre - rng.gen_range(0..=spread)).clamp(0, ones - 1) as u64;
                let frac = rng.gen::<u64>() & ((1 << f.man_bits()) - 1);
                u64::from(rng.gen::<bool>()) << (f.bits() - 1) | e << f.man_bits() | frac
            })
            .collect();
        let (alpha, beta) = if rng.gen_ratio(1, 8) {
            (
                rng.gen_range(1..=ALPHA_MAX),
                rng.gen_range(-beta_max - 1..=beta_max),
            )
        } else {
            let s = stats(f, &lanes);
            (s.alpha, s.beta)
        };
        words.push((lanes, alpha, beta));
    }
    words
        .into_iter()
        .map(|(fp, alpha, beta)| {
            let expected = unit.encode(&fp, alpha, beta);
            S2fp8EncodeVector {
                fp,
                alpha,
                beta,
                tag: rng.gen::<u64>() & crate::format::mask(unit.tag_bits),
                expected,
            }
        })
        .collect()
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &S2fp8EncodeUnit, vectors: &[S2fp8EncodeVector], seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "fp" => Value::lanes(v.fp.iter().copied(), unit.lane_bits()),
                "alpha" => Value::one(v.alpha),
                "beta" => Value::one(v.beta as u64 & crate::format::mask(BETA_BITS)),
                "tag" => Value::one(v.tag),
                "code" => Value::lanes(v.expected.iter().copied(), 8),
                other => unreachable!("s2fp8_encode has no field {other}"),
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
