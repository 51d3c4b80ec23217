//! Test vectors: operands with the golden model's expected outputs, in a text format that
//! `$readmemh` reads (one hexadecimal word per line, `//` comments, `_` separators).
//!
//! Each word holds, from the most significant end, fields padded to whole hex digits:
//! `marker(4) a_exp a_man b_exp b_man [tag] nan exp_o sum_o`. The marker is always `1`, so that a
//! testbench can tell loaded words from empty memory. Mantissa fields hold lane B-1 first (lane i at
//! bits `[i*M +: M]`, as on the unit's ports). Every field is the two's-complement bit pattern of
//! its value. See `docs/vectors.md`.

use crate::dot::DotUnit;
use crate::error::{Error, Result};
use crate::format::mask;
use crate::model::{dot_unchecked, Block, DotResult};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// The value of the marker field of every vector word.
pub const MARKER: u64 = 1;
/// The first line of every vector file.
pub const MAGIC: &str = "// hbfpgen vectors v1";

/// One field of a vector word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Field name (the port it drives or checks).
    pub name: &'static str,
    /// Width of the value in bits.
    pub width: u32,
    /// Width in the word, padded up to whole hex digits.
    pub padded: u32,
    /// Bit offset of the field's least significant bit in the word.
    pub offset: u32,
}

/// Where each field sits in a vector word of one unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VectorLayout {
    /// Fields from the most significant end.
    pub fields: Vec<Field>,
    /// Width of the whole word (bits, a multiple of 4).
    pub word_bits: u32,
}

impl VectorLayout {
    /// The layout of `unit`'s vector words.
    pub fn of(unit: &DotUnit) -> Self {
        let mut named: Vec<(&'static str, u32)> = vec![
            ("marker", 4),
            ("a_exp", unit.exp_bits()),
            ("a_man", unit.man_bus_bits()),
            ("b_exp", unit.exp_bits()),
            ("b_man", unit.man_bus_bits()),
        ];
        if unit.tag_bits > 0 {
            named.push(("tag", unit.tag_bits));
        }
        named.extend([
            ("nan", 1),
            ("exp_o", unit.exp_out_bits()),
            ("sum_o", unit.sum_bits()),
        ]);
        Self::from_named(named)
    }

    /// The layout of fields given from the most significant end as (name, width), each padded to
    /// whole hex digits.
    pub fn from_named(named: Vec<(&'static str, u32)>) -> Self {
        let word_bits = named.iter().map(|(_, w)| w.div_ceil(4) * 4).sum();
        let mut offset = word_bits;
        let fields = named
            .into_iter()
            .map(|(name, width)| {
                let padded = width.div_ceil(4) * 4;
                offset -= padded;
                Field {
                    name,
                    width,
                    padded,
                    offset,
                }
            })
            .collect();
        VectorLayout { fields, word_bits }
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

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

/// A random block of format `f`: the exponent anywhere in its range (the NaN code included), and
/// in one block in eight every code drawn from the extremes (min, max, 0, -1).
pub(crate) fn random_block(f: crate::format::BlockFormat, rng: &mut ChaCha8Rng) -> Block {
    let (qmin, qmax) = (f.element.min_code(), f.element.max_code());
    let (emin, emax) = (f.scale.min_exp(), f.scale.max_exp());
    let extreme = rng.gen_ratio(1, 8);
    Block {
        exp: rng.gen_range(emin..=emax),
        man: (0..f.block)
            .map(|_| {
                if extreme {
                    [qmin, qmax, 0, -1][rng.gen_range(0..4)]
                } else {
                    rng.gen_range(qmin..=qmax)
                }
            })
            .collect(),
    }
}

/// Hex digits (most significant first) of a field built from `lanes` of `lane_bits` each, lane 0 at
/// the least significant end, padded to `padded` bits.
pub(crate) fn lanes_hex(lanes: impl Iterator<Item = u64>, lane_bits: u32, padded: u32) -> String {
    let mut bits = vec![false; padded as usize];
    for (i, v) in lanes.enumerate() {
        for j in 0..lane_bits {
            bits[i * lane_bits as usize + j as usize] = (v >> j) & 1 == 1;
        }
    }
    bits.chunks(4)
        .rev()
        .map(|c| {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (k, &b)| n | (u32::from(b) << k));
            char::from_digit(n, 16).expect("a nibble")
        })
        .collect()
}

/// The bits of a hex field, least significant first.
fn hex_bits(hex: &str) -> Vec<bool> {
    hex.chars()
        .rev()
        .flat_map(|c| {
            let n = c.to_digit(16).expect("checked hex");
            (0..4).map(move |k| (n >> k) & 1 == 1)
        })
        .collect()
}

/// `count` lanes of `lane_bits` from `bits`, lane 0 at the least significant end.
fn bits_lanes(bits: &[bool], lane_bits: u32, count: u32) -> Vec<u64> {
    let w = lane_bits as usize;
    (0..count as usize)
        .map(|i| (0..w).fold(0u64, |v, j| v | (u64::from(bits[i * w + j]) << j)))
        .collect()
}

/// The comment lines that open every vector file: the magic line, the unit, the count and seed, and
/// the word's fields.
pub(crate) fn file_header(layout: &VectorLayout, unit: &str, count: usize, seed: u64) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{MAGIC}");
    let _ = writeln!(s, "// {unit}");
    let _ = writeln!(s, "// count={count} seed={seed}");
    let _ = writeln!(
        s,
        "// word {} bits, fields from the most significant end (name:bits): {}",
        layout.word_bits,
        layout
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.width))
            .collect::<Vec<_>>()
            .join(" ")
    );
    s
}

/// The text of a vector file for `unit`.
pub fn to_text(unit: &DotUnit, vectors: &[Vector], seed: u64) -> String {
    let layout = VectorLayout::of(unit);
    let mut s = file_header(&layout, &unit_line(unit), vectors.len(), seed);
    let m = unit.mantissa_bits();
    let el = unit.format.element;
    let sc = unit.format.scale;
    for v in vectors {
        let mut parts = Vec::with_capacity(layout.fields.len());
        for f in &layout.fields {
            let hex = match f.name {
                "marker" => lanes_hex(std::iter::once(MARKER), 4, 4),
                "a_exp" => lanes_hex(std::iter::once(sc.encode(v.a.exp)), f.width, f.padded),
                "b_exp" => lanes_hex(std::iter::once(sc.encode(v.b.exp)), f.width, f.padded),
                "a_man" => lanes_hex(v.a.man.iter().map(|&q| el.encode(q)), m, f.padded),
                "b_man" => lanes_hex(v.b.man.iter().map(|&q| el.encode(q)), m, f.padded),
                "tag" => lanes_hex(std::iter::once(v.tag), f.width, f.padded),
                "nan" => lanes_hex(std::iter::once(u64::from(v.expected.nan)), 1, f.padded),
                "exp_o" => lanes_hex(
                    std::iter::once(v.expected.exp as u64 & mask(f.width)),
                    f.width,
                    f.padded,
                ),
                "sum_o" => lanes_hex(
                    std::iter::once(v.expected.sum as u64 & mask(f.width)),
                    f.width,
                    f.padded,
                ),
                other => unreachable!("unknown field {other}"),
            };
            parts.push(hex);
        }
        s.push_str(&parts.join("_"));
        s.push('\n');
    }
    s
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

/// Parses the text of a vector file for `unit`. `path` only names the file in errors.
///
/// Every word must have the unit's layout, the marker `1`, operands within the format, and expected
/// outputs equal to the golden model's: a file for another configuration, or a corrupted one, is an
/// error that names the line.
pub fn parse(unit: &DotUnit, text: &str, path: &Path) -> Result<Vec<Vector>> {
    let layout = VectorLayout::of(unit);
    let err = |line: usize, message: String| Error::Vectors {
        path: path.to_owned(),
        line,
        message,
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, l)) if l.trim_end() == MAGIC => {}
        _ => return Err(err(1, format!("the first line must be `{MAGIC}`"))),
    }
    let want = format!("// {}", unit_line(unit));
    match lines.next() {
        Some((_, l)) if l.trim_end() == want => {}
        Some((_, l)) => {
            return Err(err(
                2,
                format!(
                    "written for another unit: `{}`, expected `{want}`",
                    l.trim_end()
                ),
            ))
        }
        None => return Err(err(2, format!("missing the unit line `{want}`"))),
    }
    let el = unit.format.element;
    let sc = unit.format.scale;
    let mut out = Vec::new();
    for (i, raw) in lines {
        let n = i + 1;
        let content = raw.split("//").next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let hex: String = content.chars().filter(|&c| c != '_').collect();
        if let Some(c) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(err(n, format!("{c:?} is not a hexadecimal digit")));
        }
        if hex.len() as u32 * 4 != layout.word_bits {
            return Err(err(
                n,
                format!(
                    "word has {} hex digits, the unit's words have {}",
                    hex.len(),
                    layout.word_bits / 4
                ),
            ));
        }
        // each field's bits, least significant first, checked for stray bits in its padding
        let bits = |name: &str| -> Result<Vec<bool>> {
            let f = layout.field(name).expect("known field");
            let start = ((layout.word_bits - f.offset - f.padded) / 4) as usize;
            let b = hex_bits(&hex[start..start + (f.padded / 4) as usize]);
            if b[f.width as usize..].iter().any(|&x| x) {
                return Err(err(
                    n,
                    format!("field {name} has bits set above its {} bits", f.width),
                ));
            }
            Ok(b)
        };
        let scalar = |name: &str| -> Result<u64> {
            let f = layout.field(name).expect("known field");
            Ok(bits_lanes(&bits(name)?, f.width, 1)[0])
        };
        let man = |name: &str| -> Result<Vec<i64>> {
            let lanes = bits_lanes(&bits(name)?, unit.mantissa_bits(), unit.block());
            Ok(lanes.into_iter().map(|p| el.decode(p)).collect())
        };
        if scalar("marker")? != MARKER {
            return Err(err(n, "the word's marker digit must be 1".into()));
        }
        let a = Block {
            exp: sc.decode(scalar("a_exp")?),
            man: man("a_man")?,
        };
        let b = Block {
            exp: sc.decode(scalar("b_exp")?),
            man: man("b_man")?,
        };
        let tag = if unit.tag_bits > 0 { scalar("tag")? } else { 0 };
        let got = DotResult {
            sum: crate::format::sign_extend(scalar("sum_o")?, unit.sum_bits()),
            exp: crate::format::sign_extend(scalar("exp_o")?, unit.exp_out_bits()),
            nan: scalar("nan")? == 1,
        };
        let expected = dot_unchecked(unit.format, &a, &b);
        if got != expected {
            return Err(err(
                n,
                format!("expected outputs {got:?} differ from the golden model's {expected:?}"),
            ));
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
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(unit, &text, path)
}
