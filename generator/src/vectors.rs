//! Vector files, shared by every unit: operands with the golden model's expected outputs, one
//! hexadecimal word per line (`//` comments, `_` separators), which the generated testbench streams
//! and the library reads back.
//!
//! A word's fields come from the unit's ports ([`VectorLayout::of_ports`]): a 4-bit marker (always
//! `1`), then every data input in port order, then every data output whose name is not an input's
//! (a tag or a mode that travels through the unit is one field, driven and checked). Each field is
//! padded to whole hex digits and holds the two's-complement bit pattern of its value; lane fields
//! hold lane i at bits `[i*L +: L]`, as on the ports. See `docs/vectors.md`.

use crate::error::{Error, Result};
use crate::format::mask;
use crate::model::Block;
use crate::ports::{Direction, Port, Role};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// The value of the marker field of every vector word.
pub const MARKER: u64 = 1;
/// The first line of every vector file.
pub const MAGIC: &str = "// hbfpgen vectors v2";

/// One field of a vector word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Field name: the port's name without `_i`/`_o` (`marker` for the marker).
    pub name: String,
    /// Width of the value (bits).
    pub width: u32,
    /// Width in the word, padded to whole hex digits.
    pub padded: u32,
    /// Bit offset of the field's least significant bit in the word.
    pub offset: u32,
    /// Whether the field drives an input (else it is an expected output, or the marker).
    pub input: bool,
    /// Whether the field is also checked on an output (a tag or mode that travels through).
    pub output: bool,
}

impl Field {
    /// The SystemVerilog part-select of the field in a word, `hi:lo`.
    pub fn range(&self) -> String {
        format!("{}:{}", self.offset + self.width - 1, self.offset)
    }
}

/// Where each field sits in a vector word of one unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VectorLayout {
    /// Fields from the most significant end.
    pub fields: Vec<Field>,
    /// Total bits of a word (a multiple of 4).
    pub word_bits: u32,
}

impl VectorLayout {
    /// The layout of a unit with `ports`: the marker, the data inputs in port order, then the data
    /// outputs whose stem is not an input's.
    pub fn of_ports(ports: &[Port]) -> Self {
        let data = |d: Direction| {
            ports
                .iter()
                .filter(move |p| p.role() == Role::Data && p.direction == d)
        };
        let mut named: Vec<(String, u32, bool, bool)> = vec![("marker".into(), 4, false, false)];
        for p in data(Direction::Input) {
            named.push((p.stem().to_owned(), p.width, true, false));
        }
        for p in data(Direction::Output) {
            match named.iter_mut().find(|(n, ..)| n == p.stem()) {
                Some(f) => f.3 = true,
                None => named.push((p.stem().to_owned(), p.width, false, true)),
            }
        }
        let word_bits = named.iter().map(|(_, w, ..)| w.div_ceil(4) * 4).sum();
        let mut offset = word_bits;
        let fields = named
            .into_iter()
            .map(|(name, width, input, output)| {
                let padded = width.div_ceil(4) * 4;
                offset -= padded;
                Field {
                    name,
                    width,
                    padded,
                    offset,
                    input,
                    output,
                }
            })
            .collect();
        VectorLayout { fields, word_bits }
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The words of one vector as hex text, `get` giving each field's value.
    pub fn word(&self, get: impl Fn(&str) -> Value) -> String {
        self.fields
            .iter()
            .map(|f| {
                let v = if f.name == "marker" {
                    Value::one(MARKER)
                } else {
                    get(&f.name)
                };
                let lane_bits = v.lane_bits.unwrap_or(f.width);
                lanes_hex(
                    v.lanes.iter().map(|&x| x & mask(lane_bits)),
                    lane_bits,
                    f.width,
                    f.padded,
                )
            })
            .collect::<Vec<_>>()
            .join("_")
    }
}

/// The value of one field: one number, or lanes of a given width (lane 0 at the least significant
/// end). Each is masked to its width.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    lanes: Vec<u64>,
    lane_bits: Option<u32>,
}

impl Value {
    /// One value filling the field (a negative value as its two's-complement pattern).
    pub fn one(v: u64) -> Self {
        Value {
            lanes: vec![v],
            lane_bits: None,
        }
    }

    /// A signed value filling the field, as its two's-complement pattern.
    pub fn signed(v: i64) -> Self {
        Value::one(v as u64)
    }

    /// A signed value of up to 128 bits filling the field, as its two's-complement pattern (for
    /// sums wider than 64 bits).
    pub fn wide(v: i128) -> Self {
        Value::lanes([v as u64, (v >> 64) as u64], 64)
    }

    /// Lanes of `lane_bits` each.
    pub fn lanes(lanes: impl IntoIterator<Item = u64>, lane_bits: u32) -> Self {
        Value {
            lanes: lanes.into_iter().collect(),
            lane_bits: Some(lane_bits),
        }
    }
}

/// A random block of format `f`: the exponent anywhere in its range (the NaN code included), and
/// in one block in eight every code drawn from the extremes (min, max, 0, -1).
pub fn random_block(f: crate::format::BlockFormat, rng: &mut ChaCha8Rng) -> Block {
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

/// Hex digits (most significant first) of a `width`-bit field built from `lanes` of `lane_bits`
/// each, lane 0 at the least significant end (bits from `width` up are dropped), padded to `padded`
/// bits.
pub fn lanes_hex(
    lanes: impl Iterator<Item = u64>,
    lane_bits: u32,
    width: u32,
    padded: u32,
) -> String {
    let mut bits = vec![false; padded as usize];
    for (i, v) in lanes.enumerate() {
        for j in 0..lane_bits {
            let k = i * lane_bits as usize + j as usize;
            if k < width as usize {
                bits[k] = (v >> j) & 1 == 1;
            }
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

/// A vector file: the header lines, then one word per line.
pub struct VectorFile<'a> {
    /// The word layout.
    pub layout: &'a VectorLayout,
    /// What the second line says after `// `: the unit and its parameters.
    pub unit_line: String,
    /// The seed the vectors were drawn from.
    pub seed: u64,
}

impl VectorFile<'_> {
    /// The file's text: the header, then the words.
    pub fn text(&self, words: &[String]) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{MAGIC}");
        let _ = writeln!(s, "// {}", self.unit_line);
        let _ = writeln!(s, "// count={} seed={}", words.len(), self.seed);
        let _ = writeln!(
            s,
            "// word {} bits, fields from the most significant end (name:bits): {}",
            self.layout.word_bits,
            self.layout
                .fields
                .iter()
                .map(|f| format!("{}:{}", f.name, f.width))
                .collect::<Vec<_>>()
                .join(" ")
        );
        for w in words {
            s.push_str(w);
            s.push('\n');
        }
        s
    }

    /// Reads the words of the file `text` (named `path` in errors): the magic line, this unit's
    /// line, then words of this layout, each checked for its hex digits, its length, bits set in
    /// a field's padding, and the marker.
    pub fn parse(&self, text: &str, path: &Path) -> Result<Vec<FileWords>> {
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
        let want = format!("// {}", self.unit_line);
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
        let layout = self.layout;
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
            let mut fields = Vec::new();
            for f in &layout.fields {
                let start = ((layout.word_bits - f.offset - f.padded) / 4) as usize;
                let b = hex_bits(&hex[start..start + (f.padded / 4) as usize]);
                if b[f.width as usize..].iter().any(|&x| x) {
                    return Err(err(
                        n,
                        format!("field {} has bits set above its {} bits", f.name, f.width),
                    ));
                }
                fields.push((f.name.clone(), b[..f.width as usize].to_vec()));
            }
            let words = FileWords { line: n, fields };
            if words.scalar("marker") != MARKER {
                return Err(err(n, "the word's marker digit must be 1".into()));
            }
            out.push(words);
        }
        Ok(out)
    }
}

/// One word read from a vector file: its line and each field's bits.
#[derive(Clone, Debug)]
pub struct FileWords {
    /// The line number (from 1).
    pub line: usize,
    fields: Vec<(String, Vec<bool>)>,
}

impl FileWords {
    fn bits(&self, name: &str) -> &[bool] {
        &self
            .fields
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("the layout has the field {name}"))
            .1
    }

    /// The field `name` as one number.
    pub fn scalar(&self, name: &str) -> u64 {
        self.lanes(name, self.bits(name).len() as u32)[0]
    }

    /// The field `name` as a signed number of up to 128 bits (sign-extended from its width).
    pub fn wide_signed(&self, name: &str) -> i128 {
        let bits = self.bits(name);
        let v = bits
            .iter()
            .enumerate()
            .fold(0i128, |v, (j, &b)| v | (i128::from(b) << j));
        let w = bits.len() as u32;
        if w < 128 && bits.last() == Some(&true) {
            v - (1i128 << w)
        } else {
            v
        }
    }

    /// The field `name` as lanes of `lane_bits`, lane 0 first.
    pub fn lanes(&self, name: &str, lane_bits: u32) -> Vec<u64> {
        self.bits(name)
            .chunks(lane_bits as usize)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u64, |v, (j, &b)| v | (u64::from(b) << j))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_follows_the_ports_and_shares_pass_through_fields() {
        let ports = [
            Port::input("clk_i", 1, ""),
            Port::input("in_valid_i", 1, ""),
            Port::input("a_i", 5, ""),
            Port::input("tag_i", 3, ""),
            Port::output("tag_o", 3, ""),
            Port::output("out_valid_o", 1, ""),
            Port::output("sum_o", 9, ""),
        ];
        let l = VectorLayout::of_ports(&ports);
        let names: Vec<&str> = l.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["marker", "a", "tag", "sum"]);
        assert_eq!(l.word_bits, 4 + 8 + 4 + 12);
        let tag = l.field("tag").unwrap();
        assert!(tag.input && tag.output);
        assert_eq!(l.field("sum").unwrap().range(), "8:0");
        let w = l.word(|n| match n {
            "a" => Value::signed(-1),
            "tag" => Value::one(5),
            _ => Value::lanes([1, 2, 3], 3),
        });
        assert_eq!(w, "1_1f_5_0d1");
    }
}
