//! The `s2fp8_decode_table` unit: K S2FP8 codes to K FP32 (or bfloat16) values through a table of
//! the tensor's 128 decoded magnitudes, loaded through the input port one entry a word (the
//! design that the issue offers beside the computed `s2fp8_decode`; docs/s2fp8.md compares the two
//! by measured area). Each lane holds its own copy of the table, one block RAM on ECP5, so every
//! lane reads in the same cycle. The table's entries are `model::s2fp8::decode_table`: the same
//! values, to the bit, as the computed decoder's.

pub mod emit;
pub mod vectors;

use crate::error::Result;
use crate::format::{check_range, BLOCK_MAX, BLOCK_MIN};
use crate::ident::resolve_name;
use crate::ports::{self, Port};
use crate::units::convert::InputFormat;
use crate::units::dot::TAG_BITS_MAX;
use serde::{Deserialize, Serialize};

/// The parameters of an `s2fp8_decode_table` unit, as command-line flags and TOML keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct S2fp8DecodeTableSpec {
    /// Lanes K (codes in, floats out), each with its own copy of the table: 1 to 256. [default: 16]
    #[arg(short, long, value_name = "K")]
    pub block: Option<u32>,
    /// Output format: fp32 or bf16. [default: fp32]
    #[arg(long, value_name = "fp32|bf16")]
    pub output_format: Option<InputFormat>,
    /// Width of a tag that travels with each word: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: s2fp8_decode_table_<fp32|bf16>_k<K>, with _t<T>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Default lanes.
pub const BLOCK_DEFAULT: u32 = 16;
/// The most lanes: each holds a table (one ECP5 block RAM), and the largest ECP5 has 208.
pub const BLOCK_LIMIT: u32 = 256;
/// Entries of the table: one per magnitude code (0 to E5M2's NaN, 0x7f).
pub const ENTRIES: u32 = crate::model::s2fp8::arith::E5M2_NAN as u32 + 1;
/// Bits of an entry's address: a code without its sign.
pub const ADDR_BITS: u32 = 7;

impl S2fp8DecodeTableSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<S2fp8DecodeTableUnit> {
        let block = self.block.unwrap_or(BLOCK_DEFAULT);
        check_range("block", block, BLOCK_MIN, BLOCK_MAX.min(BLOCK_LIMIT))?;
        let input = self.output_format.unwrap_or(InputFormat::Fp32);
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = resolve_name(self.name.as_deref(), || {
            let mut n = format!("s2fp8_decode_table_{}_k{block}", input.name());
            if tag_bits > 0 {
                n.push_str(&format!("_t{tag_bits}"));
            }
            n
        })?;
        Ok(S2fp8DecodeTableUnit {
            block,
            input,
            tag_bits,
            name,
        })
    }
}

/// A validated `s2fp8_decode_table` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S2fp8DecodeTableUnit {
    /// Lanes K.
    pub block: u32,
    /// Output float format.
    pub input: InputFormat,
    /// Tag width (0 = none).
    pub tag_bits: u32,
    /// Module name.
    pub name: String,
}

impl S2fp8DecodeTableUnit {
    /// Bits of one output lane.
    pub fn lane_bits(&self) -> u32 {
        self.input.format().bits()
    }

    /// Bits of a table entry: an output value without its sign.
    pub fn entry_bits(&self) -> u32 {
        self.lane_bits() - 1
    }

    /// The golden model: the values of K codes through `table` (128 entries).
    pub fn decode(&self, table: &[u64], codes: &[u64]) -> Vec<u64> {
        codes
            .iter()
            .map(|&c| (c >> 7 & 1) << self.entry_bits() | table[(c & 0x7f) as usize])
            .collect()
    }
}

/// The unit's latency: the block RAMs' read register.
pub const LATENCY: u32 = 1;

impl crate::unit::Unit for S2fp8DecodeTableUnit {
    type Spec = S2fp8DecodeTableSpec;
    const KIND: &'static str = "s2fp8_decode_table";
    const COMMAND: &'static str = "s2fp8-decode-table";
    const ABOUT: &'static str = "s2fp8_decode_table: K S2FP8 codes to K FP32 (or bfloat16) values \
        through a table of the tensor's 128 decoded magnitudes (model::s2fp8::decode_table), \
        loaded one entry a word; one block RAM per lane, latency 1.";
    const SWEEP_AXES: &'static [&'static str] = &["block"];

    fn resolve(spec: &S2fp8DecodeTableSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (k, lw, ew) = (self.block, self.lane_bits(), self.entry_bits());
        let mut p = ports::clock(true);
        p.extend(ports::input_handshake(
            "a word is presented: codes to decode, or a table entry to load",
            "the unit accepts the presented word",
        ));
        p.extend([
            Port::input(
                "decode_i",
                1,
                "1: decode the word's codes (a result follows); 0: write entry_i into every \
                 lane's table at the magnitude code in code_i[6:0] (no result)",
            ),
            Port::input(
                "code_i",
                k * 8,
                &format!(
                    "{k} S2FP8 (E5M2) codes, lane i at [i*8 +: 8]; a load word's address in [6:0]"
                ),
            ),
            Port::input(
                "entry_i",
                ew,
                &format!(
                    "a load word's table entry: the {} value of the magnitude code, without its \
                     sign (model::s2fp8::decode_table)",
                    self.input.name()
                ),
            ),
        ]);
        p.extend(ports::tag(
            self.tag_bits,
            "travels unchanged with a decoded word",
            "the tag of the word on the outputs",
        ));
        p.extend(ports::output_handshake("a word of values"));
        p.push(Port::output(
            "fp_o",
            k * lw,
            &format!(
                "{k} lanes of {}, lane i at [i*{lw} +: {lw}]",
                self.input.name()
            ),
        ));
        p
    }
    fn sv(&self) -> Result<String> {
        emit::sv(self)
    }
    fn header(&self, what: &str) -> String {
        emit::header(self, what)
    }
    fn command_line(&self) -> String {
        emit::command_line(self)
    }
    fn manifest(&self) -> String {
        crate::manifest::to_json(&serde_json::json!({
            "generator": crate::manifest::GeneratorInfo::new(emit::command_line(self)),
            "unit": Self::KIND,
            "module": self.name,
            "parameters": {
                "block": self.block,
                "output_format": self.input,
                "tag_bits": self.tag_bits,
            },
            "latency": LATENCY,
            "table_entries": ENTRIES,
            "entry_bits": self.entry_bits(),
            "ports": crate::unit::Unit::ports(self),
        }))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} S2FP8 codes to {} lanes of {} through a loaded table, latency {} cycle",
            self.name,
            self.block,
            self.block,
            self.input.name(),
            LATENCY
        )
    }
    fn vectors(&self, count: usize, seed: u64) -> Result<(usize, String)> {
        let v = vectors::generate(self, count, seed);
        Ok((v.len(), vectors::to_text(self, &v, seed)))
    }
    fn result_flag(&self) -> Option<&'static str> {
        Some("decode")
    }
    fn latency(&self) -> u32 {
        LATENCY
    }
    fn synth_parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "block": self.block,
            "output_format": self.input,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::s2fp8::{decode_table, decode_with};

    /// Law: through the table of `decode_table`, every one of the 256 codes decodes to the
    /// computed decoder's value (sign, zero, Inf and NaN included), in FP32 and bf16, under the
    /// identity and under coefficients that push values into the subnormals and to infinity.
    #[test]
    fn the_table_decodes_as_the_computed_decoder() {
        for fmt in [InputFormat::Fp32, InputFormat::Bf16] {
            let unit = S2fp8DecodeTableSpec {
                output_format: Some(fmt),
                block: Some(256),
                ..Default::default()
            }
            .resolve()
            .unwrap();
            let codes: Vec<u64> = (0..256).collect();
            for (ia, b) in [
                (1u64 << 16, 0i64),
                (3 << 20, -(40 << 16)),
                (1 << 12, 9 << 16),
            ] {
                let table = decode_table(fmt.format(), ia, b);
                let want: Vec<u64> = codes
                    .iter()
                    .map(|&c| decode_with(fmt.format(), ia, b, c))
                    .collect();
                assert_eq!(unit.decode(&table, &codes), want, "{fmt:?} {ia} {b}");
            }
        }
    }
}
