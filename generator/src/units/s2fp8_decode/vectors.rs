//! Test vectors of `s2fp8_decode`: codes with 1/alpha and beta, and the golden model's values;
//! every code first.

use super::S2fp8DecodeUnit;
use crate::model::s2fp8::{stats, BETA_BITS, INV_ALPHA_BITS};
use crate::unit::Unit;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One vector: the inputs, the tag and the golden model's values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S2fp8DecodeVector {
    /// Codes, lane 0 first.
    pub codes: Vec<u64>,
    /// 1/alpha, units of 2^-16.
    pub inv_alpha: u64,
    /// beta, units of 2^-16.
    pub beta: i64,
    /// The tag.
    pub tag: u64,
    /// The golden model's values (patterns of the output format).
    pub expected: Vec<u64>,
}

/// `count` vectors: all 256 codes under the identity (1/alpha = 1, beta = 0), under the
/// coefficients of a typical tensor and of a tensor of very small and of very large values (so
/// that values overflow to infinity and fall into the subnormals), then random codes under the
/// coefficients of random tensors' statistics, one word in 8 under random coefficients.
pub fn generate(unit: &S2fp8DecodeUnit, count: usize, seed: u64) -> Vec<S2fp8DecodeVector> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let words = coded_words(unit.block as usize, count, &mut rng);
    words
        .into_iter()
        .map(|(codes, inv_alpha, beta)| {
            let expected = unit.decode(&codes, inv_alpha, beta);
            S2fp8DecodeVector {
                codes,
                inv_alpha,
                beta,
                tag: rng.gen::<u64>() & crate::format::mask(unit.tag_bits),
                expected,
            }
        })
        .collect()
}

/// `count` words of `k` codes with their coefficients (1/alpha, beta), as [`generate`] describes
/// them; shared with `s2fp8_decode_table`'s vectors.
pub fn coded_words(k: usize, count: usize, rng: &mut ChaCha8Rng) -> Vec<(Vec<u64>, u64, i64)> {
    let f32p = crate::fp::FpFormat::FP32;
    let coefs = |rng: &mut ChaCha8Rng, scale: i32, spread: f64| {
        let t: Vec<u64> = (0..64)
            .map(|_| {
                let v = (rng.gen_range(-1.0f64..1.0) * 2f64.powf(rng.gen_range(0.0..spread)))
                    * 2f64.powi(scale);
                u64::from((v as f32).to_bits())
            })
            .collect();
        let s = stats(f32p, &t);
        (s.inv_alpha, s.beta)
    };
    let one = 1u64 << 16;
    let mut fixed = vec![(one, 0i64)];
    fixed.push(coefs(rng, 0, 8.0));
    fixed.push(coefs(rng, -130, 4.0));
    fixed.push(coefs(rng, 120, 4.0));
    let mut words: Vec<(Vec<u64>, u64, i64)> = Vec::new();
    for &(ia, b) in &fixed {
        let all: Vec<u64> = (0..256).collect();
        for c in all.chunks(k) {
            let mut codes = c.to_vec();
            codes.resize(k, 0x3c);
            words.push((codes, ia, b));
        }
    }
    words.truncate(count);
    let beta_max = (1i64 << (BETA_BITS - 1)) - 1;
    while words.len() < count {
        let codes = (0..k).map(|_| rng.gen_range(0..256)).collect();
        let (ia, b) = if rng.gen_ratio(1, 8) {
            (
                rng.gen_range(0..1u64 << INV_ALPHA_BITS),
                rng.gen_range(-beta_max - 1..=beta_max),
            )
        } else {
            let scale = rng.gen_range(-140..120);
            let spread = rng.gen_range(0.5..40.0);
            coefs(rng, scale, spread)
        };
        words.push((codes, ia, b));
    }
    words
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &S2fp8DecodeUnit, vectors: &[S2fp8DecodeVector], seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "code" => Value::lanes(v.codes.iter().copied(), 8),
                "inv_alpha" => Value::one(v.inv_alpha),
                "beta" => Value::one(v.beta as u64 & crate::format::mask(BETA_BITS)),
                "tag" => Value::one(v.tag),
                "fp" => Value::lanes(v.expected.iter().copied(), unit.lane_bits()),
                other => unreachable!("s2fp8_decode has no field {other}"),
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
