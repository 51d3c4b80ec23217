//! Test vectors of `int_dot`: lanes of integers with their exact sum of products, the extreme
//! codes first. The file format is [`crate::vectors`]'s (docs/vectors.md): `marker a_man b_man sum`.
//! The unit has no handshake, so no generated testbench reads them; the co-simulation does.

use super::IntDotUnit;
use crate::unit::Unit;
use crate::vectors::{random_block, Value, VectorFile, VectorLayout};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// `count` operand pairs with their exact sums: every lane at the extreme codes first (most
/// negative times most negative, the largest sum; most negative times most positive, the
/// smallest), then random lanes from `seed` (one pair in eight from the extreme codes only).
pub fn generate(unit: &IntDotUnit, count: usize, seed: u64) -> Vec<(Vec<i64>, Vec<i64>, i64)> {
    let f = unit.dot.format;
    let b = f.block as usize;
    let (lo, hi) = (f.element.min_code(), f.element.max_code());
    let mut pairs: Vec<(Vec<i64>, Vec<i64>)> = [(lo, lo), (lo, hi), (hi, hi), (0, lo)]
        .iter()
        .map(|&(x, y)| (vec![x; b], vec![y; b]))
        .collect();
    pairs.truncate(count);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    while pairs.len() < count {
        pairs.push((random_block(f, &mut rng).man, random_block(f, &mut rng).man));
    }
    pairs
        .into_iter()
        .map(|(a, b)| {
            let sum = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            (a, b, sum)
        })
        .collect()
}

/// The text of a vector file of `count` vectors for `unit` from `seed`.
pub fn text(unit: &IntDotUnit, count: usize, seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let m = unit.dot.mantissa_bits();
    let el = unit.dot.format.element;
    let words: Vec<String> = generate(unit, count, seed)
        .iter()
        .map(|(a, b, sum)| {
            layout.word(|name| match name {
                "a_man" => Value::lanes(a.iter().map(|&q| el.encode(q)), m),
                "b_man" => Value::lanes(b.iter().map(|&q| el.encode(q)), m),
                "sum" => Value::signed(*sum),
                other => unreachable!("int_dot has no field {other}"),
            })
        })
        .collect();
    VectorFile {
        layout: &layout,
        unit_line: format!("unit={} ({})", unit.name, super::command_line(unit)),
        seed,
    }
    .text(&words)
}
