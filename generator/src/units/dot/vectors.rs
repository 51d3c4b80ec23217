//! Test vectors of `hbfp_dot`: operand blocks with the golden model's exact dot product, corner
//! cases first. The file format is [`crate::vectors`]'s (docs/vectors.md).

use super::DotUnit;
use crate::error::{Error, Result};
use crate::format::mask;
use crate::model::{dot_unchecked, Block, DotResult};
use crate::unit::Unit;
use crate::vectors::{random_block, Value, VectorFile, VectorLayout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::path::Path;

/// One test vector: operands and expected outputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Vector {
    /// Operand A.
    pub a: Block,
    /// Operand B.
    pub b: Block,
    /// The tag (0 when the unit has none).
    pub tag: u64,
    /// The golden model's output.
    pub expected: DotResult,
}

/// The corner-case operand pairs of a unit, in a fixed order.
pub fn corner_pairs(unit: &DotUnit) -> Vec<(Block, Block)> {
    let f = unit.format;
    let b = f.block as usize;
    let (qmin, qmax) = (f.element.min_code(), f.element.max_code());
    let (emin, emax) = (f.scale.min_exp(), f.scale.max_exp());
    let all = |q: i64, exp: i64| Block {
        exp,
        man: vec![q; b],
    };
    let alternating = |exp: i64| Block {
        exp,
        man: (0..b)
            .map(|i| if i % 2 == 0 { qmin } else { qmax })
            .collect(),
    };
    vec![
        // largest sum: every lane at the most negative code on both sides
        (all(qmin, 0), all(qmin, 0)),
        // smallest sum
        (all(qmin, 0), all(qmax, 0)),
        (all(qmax, 0), all(qmin, 0)),
        (all(qmax, 1), all(qmax, -1)),
        // zero blocks
        (Block::zero(f), Block::zero(f)),
        (Block::zero(f), all(qmax, 0)),
        // NaN blocks on either or both sides
        (Block::nan(f), all(1, 0)),
        (all(-1, 0), Block::nan(f)),
        (Block::nan(f), Block::nan(f)),
        // exponents at the extremes (the smallest exponent sum and the largest non-NaN one)
        (all(qmin, emin), all(qmin, emin)),
        (all(qmax, emax - 1), all(qmin, emax - 1)),
        (all(qmin, emin), all(qmax, emax - 1)),
        // mixed signs
        (alternating(0), alternating(0)),
        (alternating(-1), all(qmin, 1)),
        (all(-1, 0), all(1, 0)),
    ]
}

/// `count` vectors for `unit`: the corner cases first, then random operands from `seed`.
///
/// Random exponents are drawn over the whole range (NaN code included); one vector in eight draws its
/// mantissas from the extreme codes only.
pub fn generate(unit: &DotUnit, count: usize, seed: u64) -> Vec<Vector> {
    let f = unit.format;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pairs = corner_pairs(unit);
    pairs.truncate(count);
    while pairs.len() < count {
        let a = random_block(f, &mut rng);
        let b = random_block(f, &mut rng);
        pairs.push((a, b));
    }
    pairs
        .into_iter()
        .map(|(a, b)| {
            let tag = rng.gen::<u64>() & mask(unit.tag_bits);
            let expected = dot_unchecked(f, &a, &b);
            Vector {
                a,
                b,
                tag,
                expected,
            }
        })
        .collect()
}

/// The vector file of `unit` (layout from its ports, header naming its parameters).
fn file<'a>(unit: &DotUnit, layout: &'a VectorLayout, seed: u64) -> VectorFile<'a> {
    VectorFile {
        layout,
        unit_line: unit_line(unit),
        seed,
    }
}

fn unit_line(unit: &DotUnit) -> String {
    format!(
        "unit=hbfp_dot mantissa={} block={} exp_bits={} tag_bits={}",
        unit.mantissa_bits(),
        unit.block(),
        unit.exp_bits(),
        unit.tag_bits
    )
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &DotUnit, vectors: &[Vector], seed: u64) -> String {
    let layout = VectorLayout::of_ports(&unit.ports());
    let (m, el, sc) = (unit.mantissa_bits(), unit.format.element, unit.format.scale);
    let words: Vec<String> = vectors
        .iter()
        .map(|v| {
            layout.word(|name| match name {
                "a_man" => Value::lanes(v.a.man.iter().map(|&q| el.encode(q)), m),
                "a_exp" => Value::one(sc.encode(v.a.exp)),
                "b_man" => Value::lanes(v.b.man.iter().map(|&q| el.encode(q)), m),
                "b_exp" => Value::one(sc.encode(v.b.exp)),
                "tag" => Value::one(v.tag),
                "sum" => Value::signed(v.expected.sum),
                "exp" => Value::signed(v.expected.exp),
                "nan" => Value::one(u64::from(v.expected.nan)),
                other => unreachable!("hbfp_dot has no field {other}"),
            })
        })
        .collect();
    file(unit, &layout, seed).text(&words)
}

/// Parses the text of a vector file for `unit`. `path` only names the file in errors.
///
/// Every word must have the unit's layout, the marker `1`, operands within the format, and expected
/// outputs equal to the golden model's: a file for another configuration, or a corrupted one, is an
/// error that names the line.
pub fn parse(unit: &DotUnit, text: &str, path: &Path) -> Result<Vec<Vector>> {
    let layout = VectorLayout::of_ports(&unit.ports());
    let (m, el, sc) = (unit.mantissa_bits(), unit.format.element, unit.format.scale);
    let mut out = Vec::new();
    for w in file(unit, &layout, 0).parse(text, path)? {
        let block = |man: &str, exp: &str| Block {
            exp: sc.decode(w.scalar(exp)),
            man: w.lanes(man, m).into_iter().map(|p| el.decode(p)).collect(),
        };
        let (a, b) = (block("a_man", "a_exp"), block("b_man", "b_exp"));
        let tag = if unit.tag_bits > 0 {
            w.scalar("tag")
        } else {
            0
        };
        let got = DotResult {
            sum: crate::format::sign_extend(w.scalar("sum"), unit.sum_bits()),
            exp: crate::format::sign_extend(w.scalar("exp"), unit.exp_out_bits()),
            nan: w.scalar("nan") == 1,
        };
        let expected = dot_unchecked(unit.format, &a, &b);
        if got != expected {
            return Err(Error::Vectors {
                path: path.to_owned(),
                line: w.line,
                message: format!(
                    "expected outputs {got:?} differ from the golden model's {expected:?}"
                ),
            });
        }
        out.push(Vector {
            a,
            b,
            tag,
            expected,
        });
    }
    Ok(out)
}

/// Reads and parses a vector file for `unit`.
pub fn read(unit: &DotUnit, path: &Path) -> Result<Vec<Vector>> {
    parse(unit, &crate::output::read_text(path)?, path)
}
