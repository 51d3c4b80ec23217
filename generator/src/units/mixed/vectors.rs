//! Test vectors of `hbfp_mixed_dot`: operations in modes chosen at random, with the golden model's
//! result. In the `$readmemh` text format of [`crate::vectors`] (docs/vectors.md).
//!
//! A word holds, from the most significant end: `marker(4) [mode] a_man a_exp b_man b_exp [tag]
//! sum exp nan`. `mode` drives `mode_i` and is checked on `mode_o`. Each lane of `a_man` and
//! `b_man` is L bits (the widest mode); in an M-bit mode its bits above M hold random values, which
//! the unit must ignore.

use super::{MixedOperand, MixedResult, MixedUnit};
use crate::format::mask;
use crate::model::Block;
use crate::unit::Unit;
use crate::units::dot::vectors::corner_pairs;
use crate::units::dot::{DotSpec, Stages};
use crate::vectors::{random_block, Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One operation of a mixed-mantissa unit and its expected result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MixedVector {
    /// The mode code on `mode_i`.
    pub mode: u32,
    /// Operand A.
    pub a: MixedOperand,
    /// Operand B.
    pub b: MixedOperand,
    /// The tag (0 when the unit has none).
    pub tag: u64,
    /// The golden model's result.
    pub expected: MixedResult,
}

/// The layout of `unit`'s vector words: `marker [mode] a_man a_exp b_man b_exp [tag] sum exp nan`
/// (from its ports; `mode` drives `mode_i` and is checked on `mode_o`).
pub fn layout(unit: &MixedUnit) -> VectorLayout {
    VectorLayout::of_ports(&unit.ports())
}

/// The operand of an `m`-bit block on the ports of `unit`: each lane's code in its low `m` bits,
/// and `junk` above them.
fn operand(unit: &MixedUnit, m: u32, block: &Block, rng: &mut ChaCha8Rng) -> MixedOperand {
    let el = unit.format_of(m).element;
    MixedOperand {
        exp: block.exp,
        lanes: block
            .man
            .iter()
            .map(|&q| (el.encode(q) | (rng.gen::<u64>() << m)) & mask(unit.lane_bits()))
            .collect(),
    }
}

/// `count` vectors for `unit` from `seed`: the corner cases of `hbfp_dot` in every built mode
/// first, then random operations whose mode is drawn for each one (runs of one mode and single
/// switches alike), one in 16 with a code that selects no mode when the code width has one.
pub fn generate(unit: &MixedUnit, count: usize, seed: u64) -> Vec<MixedVector> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ops: Vec<(u32, Block, Block)> = Vec::new();
    for (code, &m) in unit.modes.iter().enumerate() {
        let dot = DotSpec {
            mantissa: Some(m),
            block: Some(unit.block()),
            exp_bits: Some(unit.exp_bits()),
            stages: Some(Stages::Count(0)),
            ..Default::default()
        }
        .resolve()
        .expect("a built mode is a valid hbfp_dot");
        for (a, b) in corner_pairs(&dot) {
            ops.push((code as u32, a, b));
        }
    }
    ops.truncate(count);
    let codes = 1u32 << unit.mode_bits();
    let n = unit.modes.len() as u32;
    let mut code = 0;
    while ops.len() < count {
        if rng.gen_ratio(1, 2) {
            code = if codes > n && rng.gen_ratio(1, 16) {
                rng.gen_range(n..codes)
            } else {
                rng.gen_range(0..n)
            };
        }
        let f = unit.format_of(unit.mode_of(code).unwrap_or(unit.lane_bits()));
        let (a, b) = (random_block(f, &mut rng), random_block(f, &mut rng));
        ops.push((code, a, b));
    }
    ops.into_iter()
        .map(|(code, a, b)| {
            let m = unit.mode_of(code).unwrap_or(unit.lane_bits());
            let a = operand(unit, m, &a, &mut rng);
            let b = operand(unit, m, &b, &mut rng);
            let expected = unit.eval(code, &a, &b);
            MixedVector {
                mode: code,
                a,
                b,
                tag: rng.gen::<u64>() & mask(unit.tag_bits),
                expected,
            }
        })
        .collect()
}

/// Every pair of blocks of `m`-bit codes, in mode `m` (B = 1 or 2: 2^(2Bm) vectors; None for a
/// larger block or a mode not built). Exponents are drawn from `seed`; the lanes' bits above `m`
/// are random.
pub fn exhaustive(unit: &MixedUnit, m: u32, seed: u64) -> Option<Vec<MixedVector>> {
    let code = unit.modes.iter().position(|&x| x == m)? as u32;
    if unit.block() > 2 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let b = unit.block();
    let f = unit.format_of(m);
    let (emin, emax) = (f.scale.min_exp(), f.scale.max_exp());
    let lanes_of = |n: u64| -> Vec<i64> {
        (0..b)
            .map(|i| f.element.decode((n >> (i * m)) & mask(m)))
            .collect()
    };
    let count = 1u64 << (b * m);
    let mut out = Vec::with_capacity((count * count) as usize);
    for x in 0..count {
        for y in 0..count {
            let a = Block {
                exp: rng.gen_range(emin..emax),
                man: lanes_of(x),
            };
            let bb = Block {
                exp: rng.gen_range(emin..emax),
                man: lanes_of(y),
            };
            let a = operand(unit, m, &a, &mut rng);
            let bb = operand(unit, m, &bb, &mut rng);
            let expected = unit.eval(code, &a, &bb);
            out.push(MixedVector {
                mode: code,
                a,
                b: bb,
                tag: rng.gen::<u64>() & mask(unit.tag_bits),
                expected,
            });
        }
    }
    Some(out)
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &MixedUnit, vectors: &[MixedVector], seed: u64) -> String {
    let layout = layout(unit);
    let sc = unit.format_of(unit.lane_bits()).scale;
    let l = unit.lane_bits();
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "mode" => Value::one(u64::from(v.mode)),
                "a_exp" => Value::one(sc.encode(v.a.exp)),
                "b_exp" => Value::one(sc.encode(v.b.exp)),
                "a_man" => Value::lanes(v.a.lanes.iter().copied(), l),
                "b_man" => Value::lanes(v.b.lanes.iter().copied(), l),
                "tag" => Value::one(v.tag),
                "nan" => Value::one(u64::from(v.expected.nan)),
                "exp" => Value::signed(v.expected.exp),
                "sum" => Value::signed(v.expected.sum),
                other => unreachable!("hbfp_mixed_dot has no field {other}"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::mixed::MixedSpec;

    /// Law: every generated vector's expected result is the golden model's for its mode, every
    /// built mode and (with two-bit codes and three modes) the unbuilt code occur, and lanes carry
    /// bits above a narrow mode's width.
    #[test]
    fn vectors_cover_every_mode_with_junk_upper_bits() {
        let u = MixedSpec {
            block: Some(4),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let v = generate(&u, 600, 3);
        assert_eq!(v.len(), 600);
        for code in 0..4 {
            assert!(v.iter().any(|x| x.mode == code), "code {code}");
        }
        assert!(v
            .iter()
            .filter(|x| x.mode == 0)
            .any(|x| x.a.lanes.iter().any(|&l| l >> 4 != 0)));
        for x in &v {
            assert_eq!(x.expected, u.eval(x.mode, &x.a, &x.b));
            u.check_operand(&x.a).unwrap();
        }
        let text = to_text(&u, &v, 3);
        assert_eq!(text.lines().filter(|l| !l.starts_with("//")).count(), 600);
    }
}
