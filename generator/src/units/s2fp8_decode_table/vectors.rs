//! Test vectors of `s2fp8_decode_table`: each decoded word preceded by the load words of the
//! entries it reads, so that every group of words (loads, then one decoded word) stands alone, in
//! any order and after any reset; the first group loads the whole table.

use super::{S2fp8DecodeTableUnit, ENTRIES};
use crate::model::s2fp8::decode_table;
use crate::unit::Unit;
use crate::units::s2fp8_decode::vectors::coded_words;
use crate::vectors::{Value, VectorFile, VectorLayout};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One vector word: a load (`decode` false: `entry` written at `codes[0]`) or a decoded word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S2fp8DecodeTableVector {
    /// Whether the word is decoded (a result follows).
    pub decode: bool,
    /// Codes, lane 0 first (a load word: the address in lane 0, the others 0).
    pub codes: Vec<u64>,
    /// A load word's entry (0 in a decoded word).
    pub entry: u64,
    /// The tag.
    pub tag: u64,
    /// A decoded word's values (patterns of the output format); zeros for a load word.
    pub expected: Vec<u64>,
}

/// Vectors with `count` decoded words, the codes and coefficients of `s2fp8_decode`'s vectors
/// (`coded_words`: every code under the identity's table and three tensors', then random codes
/// under random tensors' tables). Each decoded word follows the loads
/// of its entries, in random order, some of them twice.
pub fn generate(
    unit: &S2fp8DecodeTableUnit,
    count: usize,
    seed: u64,
) -> Vec<S2fp8DecodeTableVector> {
    let (k, f) = (unit.block as usize, unit.input.format());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let decoded = coded_words(k, count, &mut rng);
    let mut out = Vec::new();
    for (n, (codes, ia, b)) in decoded.into_iter().enumerate() {
        let table = decode_table(f, ia, b);
        let mut addrs: Vec<u64> = if n == 0 {
            (0..u64::from(ENTRIES)).collect()
        } else {
            let mut a: Vec<u64> = codes.iter().map(|c| c & 0x7f).collect();
            a.sort_unstable();
            a.dedup();
            if let Some(&again) = a.choose(&mut rng) {
                a.push(again);
            }
            a
        };
        addrs.shuffle(&mut rng);
        for a in addrs {
            let mut lanes = vec![0u64; k];
            lanes[0] = a;
            out.push(S2fp8DecodeTableVector {
                decode: false,
                codes: lanes,
                entry: table[a as usize],
                tag: rng.gen::<u64>() & crate::format::mask(unit.tag_bits),
                expected: vec![0; k],
            });
        }
        let expected = unit.decode(&table, &codes);
        out.push(S2fp8DecodeTableVector {
            decode: true,
            codes,
            entry: 0,
            tag: rng.gen::<u64>() & crate::format::mask(unit.tag_bits),
            expected,
        });
    }
    out
}

/// The text of a vector file for `unit`.
pub fn to_text(
    unit: &S2fp8DecodeTableUnit,
    vectors: &[S2fp8DecodeTableVector],
    seed: u64,
) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "decode" => Value::one(u64::from(v.decode)),
                "code" => Value::lanes(v.codes.iter().copied(), 8),
                "entry" => Value::one(v.entry),
                "tag" => Value::one(if v.decode { v.tag } else { 0 }),
                "fp" => Value::lanes(v.expected.iter().copied(), unit.lane_bits()),
                other => unreachable!("s2fp8_decode_table has no field {other}"),
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
