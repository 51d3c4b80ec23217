//! The `s2fp8_decode` unit: K S2FP8 codes and a tensor's coefficients 1/alpha and beta (ports) to
//! K FP32 (or bfloat16) values, each sign * 2^((log2|y| - beta) / alpha) (arXiv 2001.05674), with
//! log2 of a code and 2^u defined to the bit by `model::s2fp8::arith`, so that an S2FP8 GEMM runs on the
//! float units. Its parameters, plan and the glue to its model, RTL and vectors; the rules are in
//! `docs/numerics.md` ("S2FP8").

pub mod emit;
pub mod vectors;

use crate::error::Result;
use crate::format::{check_range, BLOCK_MAX, BLOCK_MIN};
use crate::ident::resolve_name;
use crate::model::s2fp8::{decode_with, BETA_BITS, INV_ALPHA_BITS};
use crate::pipeline::{resolve_stages, Stages};
use crate::ports::{self, Port};
use crate::units::convert::InputFormat;
use crate::units::dot::TAG_BITS_MAX;
use serde::{Deserialize, Serialize};

/// The parameters of an `s2fp8_decode` unit, as command-line flags and TOML keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct S2fp8DecodeSpec {
    /// Lanes K (codes in, floats out): 1 to 4096. [default: 16]
    #[arg(short, long, value_name = "K")]
    pub block: Option<u32>,
    /// Output format: fp32 or bf16. [default: fp32]
    #[arg(long, value_name = "fp32|bf16")]
    pub output_format: Option<InputFormat>,
    /// Pipeline register stages: 0 (combinational) to 4, or `max`: one after the inputs, the
    /// codes' logarithms, the exponents u = (log2|y| - beta) / alpha and the values. [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<Stages>,
    /// Width of a tag that travels with each word: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: s2fp8_decode_<fp32|bf16>_k<K>_s<S>, with _t<T>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Default lanes.
pub const BLOCK_DEFAULT: u32 = 16;
/// The most stages.
pub const MAX_STAGES: u32 = 4;
/// Bits of log2|y| of a code inside the unit: signed, 6 integer and 32 fraction bits (it lies in
/// [-16, 16)).
pub const LOG_BITS: u32 = 6 + 32;
/// Bits of the clamped exponent u inside the unit: signed, 9 integer and the 16 fraction bits
/// that 2^u's table and interpolation read; u is clamped to [-160, 130), beyond which every value
/// is 0 or infinite.
pub const U_BITS: u32 = 9 + 16;

impl S2fp8DecodeSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<S2fp8DecodeUnit> {
        let block = self.block.unwrap_or(BLOCK_DEFAULT);
        check_range("block", block, BLOCK_MIN, BLOCK_MAX)?;
        let input = self.output_format.unwrap_or(InputFormat::Fp32);
        let stages = resolve_stages(self.stages, MAX_STAGES, block)?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = resolve_name(self.name.as_deref(), || {
            let mut n = format!("s2fp8_decode_{}_k{block}_s{stages}", input.name());
            if tag_bits > 0 {
                n.push_str(&format!("_t{tag_bits}"));
            }
            n
        })?;
        Ok(S2fp8DecodeUnit {
            block,
            input,
            stages,
            tag_bits,
            name,
        })
    }
}

/// A validated `s2fp8_decode` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S2fp8DecodeUnit {
    /// Lanes K.
    pub block: u32,
    /// Output float format.
    pub input: InputFormat,
    /// Pipeline stages (the latency).
    pub stages: u32,
    /// Tag width (0 = none).
    pub tag_bits: u32,
    /// Module name.
    pub name: String,
}

impl S2fp8DecodeUnit {
    /// Bits of one output lane.
    pub fn lane_bits(&self) -> u32 {
        self.input.format().bits()
    }

    /// The golden model: the values of K codes under `inv_alpha` and `beta` (units 2^-16).
    pub fn decode(&self, codes: &[u64], inv_alpha: u64, beta: i64) -> Vec<u64> {
        codes
            .iter()
            .map(|&c| decode_with(self.input.format(), inv_alpha, beta, c))
            .collect()
    }

    /// The register slots, spread evenly over the four levels.
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::spread_slots(MAX_STAGES, self.stages)
    }

    /// The levels: the codes, each lane's class, sign and log2|y|, each lane's class, sign and
    /// clamped u, and the values.
    pub fn levels(&self) -> Vec<crate::pipeline::NamedLevel> {
        let k = self.block;
        crate::pipeline::named_levels(
            &[
                ("inputs", k * 8),
                ("logs", k * (3 + LOG_BITS)),
                ("exponents", k * (3 + U_BITS)),
                ("values", k * self.lane_bits()),
            ],
            &self.register_slots(),
        )
    }
}

impl crate::unit::Unit for S2fp8DecodeUnit {
    type Spec = S2fp8DecodeSpec;
    const KIND: &'static str = "s2fp8_decode";
    const COMMAND: &'static str = "s2fp8-decode";
    const ABOUT: &'static str = "s2fp8_decode: K S2FP8 codes and a tensor's coefficients 1/alpha \
        and beta to K FP32 (or bfloat16) values, sign * 2^((log2|y| - beta) / alpha), log2 and \
        exp2 defined to the bit.";
    const SWEEP_AXES: &'static [&'static str] = &["block", "stages"];

    fn resolve(spec: &S2fp8DecodeSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (k, lw) = (self.block, self.lane_bits());
        let mut p = ports::clock(self.stages > 0);
        p.extend(ports::input_handshake(
            "a word of codes is presented",
            "the unit accepts the presented word",
        ));
        p.extend([
            Port::input(
                "code_i",
                k * 8,
                &format!("{k} S2FP8 (E5M2) codes, lane i at [i*8 +: 8]"),
            ),
            Port::input(
                "inv_alpha_i",
                INV_ALPHA_BITS,
                "1/alpha, unsigned, in units of 2^-16 (s2fp8_stats' inv_alpha)",
            ),
            Port::input(
                "beta_i",
                BETA_BITS,
                "beta, two's complement, in units of 2^-16 (s2fp8_stats' beta)",
            ),
        ]);
        p.extend(ports::tag(
            self.tag_bits,
            "travels unchanged with the word",
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
                "stages": self.stages,
                "tag_bits": self.tag_bits,
            },
            "latency": self.stages,
            "inv_alpha_frac_bits": crate::model::s2fp8::STAT_FRAC,
            "beta_frac_bits": crate::model::s2fp8::STAT_FRAC,
            "levels": self.levels(),
            "ports": crate::unit::Unit::ports(self),
        }))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} S2FP8 codes to {} lanes of {} under 1/alpha and beta, latency {} cycles",
            self.name,
            self.block,
            self.block,
            self.input.name(),
            self.stages
        )
    }
    fn vectors(&self, count: usize, seed: u64) -> Result<(usize, String)> {
        let v = vectors::generate(self, count, seed);
        Ok((v.len(), vectors::to_text(self, &v, seed)))
    }
    fn latency(&self) -> u32 {
        self.stages
    }
    fn synth_parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "block": self.block,
            "output_format": self.input,
            "stages": self.stages,
        })
    }
}
