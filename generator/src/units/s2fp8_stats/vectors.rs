//! Test vectors of `s2fp8_stats`: tensors of one to six words, with the golden model's
//! coefficients on each tensor's last word.

use super::S2fp8StatsUnit;
use crate::model::s2fp8::{S2fp8Stats, BETA_BITS};
use crate::unit::Unit;
use crate::units::convert::vectors::corner_values;
use crate::units::s2fp8_encode::LOG_BITS;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One word: its lanes and framing, the tag, and on a tensor's last word the golden model's
/// coefficients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S2fp8StatsVector {
    /// Input bit patterns, lane 0 first.
    pub fp: Vec<u64>,
    /// The word begins a tensor.
    pub first: bool,
    /// The word ends a tensor.
    pub last: bool,
    /// The tag.
    pub tag: u64,
    /// The tensor's statistics (on its last word).
    pub expected: Option<S2fp8Stats>,
}

/// About `count` words: degenerate tensors first (all zeros; one non-zero entry; all of one
/// magnitude; an Inf and a NaN among finite values; every corner value of the input format), then
/// tensors of one to six words whose lanes lie within a random number of binades (from one to the
/// whole range) around a random centre, one lane in 8 zero and one in 64 a corner value (the last
/// tensor is completed).
pub fn generate(unit: &S2fp8StatsUnit, count: usize, seed: u64) -> Vec<S2fp8StatsVector> {
    let k = unit.block as usize;
    let f = unit.input.format();
    let corners = corner_values(unit.input);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let one = corners[14];
    let sign = 1u64 << (f.bits() - 1);
    let mut tensors: Vec<Vec<Vec<u64>>> = vec![
        vec![vec![0; k]],
        vec![{
            let mut w = vec![sign; k];
            w[k - 1] = one;
            w
        }],
        vec![vec![one | sign; k], vec![one; k]],
        vec![{
            let mut w = vec![one; k];
            w[0] = f.nan();
            w[k - 1] = f.inf(true);
            w
        }],
    ];
    tensors.extend(corners.chunks(k).map(|c| {
        let mut w = c.to_vec();
        w.resize(k, one);
        vec![w]
    }));
    let ones = (1i64 << f.exp_bits()) - 1;
    let mut words: usize = tensors.iter().map(Vec::len).sum();
    while words < count {
        let centre = rng.gen_range(0..ones);
        let spread = rng.gen_range(0..ones);
        let n = rng.gen_range(1..=6);
        let t: Vec<Vec<u64>> = (0..n)
            .map(|_| {
                (0..k)
                    .map(|_| match rng.gen_range(0..64) {
                        0 => corners[rng.gen_range(0..corners.len())],
                        1..=8 => 0,
                        _ => {
                            let e = (centre - rng.gen_range(0..=spread)).clamp(0, ones - 1) as u64;
                            let frac = rng.gen::<u64>() & ((1 << f.man_bits()) - 1);
                            u64::from(rng.gen::<bool>()) << (f.bits() - 1)
                                | e << f.man_bits()
                                | frac
                        }
                    })
                    .collect()
            })
            .collect();
        words += t.len();
        tensors.push(t);
    }
    let mut out = Vec::new();
    for t in tensors {
        let s = unit.stats(&t);
        let n = t.len();
        for (i, fp) in t.into_iter().enumerate() {
            out.push(S2fp8StatsVector {
                fp,
                first: i == 0,
                last: i + 1 == n,
                tag: rng.gen::<u64>() & crate::format::mask(unit.tag_bits),
                expected: (i + 1 == n).then_some(s),
            });
        }
    }
    out
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &S2fp8StatsUnit, vectors: &[S2fp8StatsVector], seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            let e = v.expected;
            let field = |g: fn(&S2fp8Stats) -> u64| Value::one(e.as_ref().map_or(0, g));
            layout.word(|name| match name {
                "fp" => Value::lanes(v.fp.iter().copied(), unit.lane_bits()),
                "first" => Value::one(u64::from(v.first)),
                "last" => Value::one(u64::from(v.last)),
                "tag" => Value::one(v.tag),
                "alpha" => field(|s| s.alpha),
                "beta" => field(|s| s.beta as u64 & crate::format::mask(BETA_BITS)),
                "inv_alpha" => field(|s| s.inv_alpha),
                "mu" => field(|s| s.mu as u64 & crate::format::mask(LOG_BITS)),
                "count" => field(|s| s.count),
                "invalid" => field(|s| u64::from(s.invalid)),
                other => unreachable!("s2fp8_stats has no field {other}"),
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
