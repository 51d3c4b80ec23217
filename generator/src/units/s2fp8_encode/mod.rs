//! The `s2fp8_encode` unit: K lanes of FP32 (or bfloat16) and a tensor's S2FP8 coefficients alpha
//! and beta (ports) to K S2FP8 codes, each the E5M2 code of sign(x) * 2^(alpha * log2|x| + beta)
//! (arXiv 2001.05674), with log2 and the rounding of 2^t defined to the bit by `model::s2fp8::arith`.
//! Its parameters, plan and the glue to its model, RTL and vectors; the rules are in
//! `docs/numerics.md` ("S2FP8").

pub mod emit;
pub mod vectors;

use crate::error::Result;
use crate::format::{check_range, BLOCK_MAX, BLOCK_MIN};
use crate::ident::resolve_name;
use crate::model::s2fp8::{encode_with, ALPHA_BITS, BETA_BITS};
use crate::pipeline::{resolve_stages, Stages};
use crate::ports::{self, Port};
use crate::units::convert::InputFormat;
use crate::units::dot::TAG_BITS_MAX;
use serde::{Deserialize, Serialize};

/// The parameters of an `s2fp8_encode` unit, as command-line flags and TOML keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct S2fp8EncodeSpec {
    /// Lanes K (floats in, codes out): 1 to 4096. [default: 16]
    #[arg(short, long, value_name = "K")]
    pub block: Option<u32>,
    /// Input format: fp32 or bf16. [default: fp32]
    #[arg(long, value_name = "fp32|bf16")]
    pub input_format: Option<InputFormat>,
    /// Pipeline register stages: 0 (combinational) to 6, or `max`: one after the inputs, the
    /// normalised lanes, the logarithms, the products alpha L, the exponents t and the codes.
    /// [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<Stages>,
    /// Width of a tag that travels with each word: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: s2fp8_encode_<fp32|bf16>_k<K>_s<S>, with _t<T>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Default lanes.
pub const BLOCK_DEFAULT: u32 = 16;
/// The most stages.
pub const MAX_STAGES: u32 = 6;
/// Bits of a logarithm L inside the unit: signed, 9 integer and 16 fraction bits (log2 of an
/// FP32 magnitude lies in [-149, 128)).
pub const LOG_BITS: u32 = 1 + 9 + 16;
/// Width of the exponent arithmetic of the logarithms: the leading one's exponent, signed (an
/// FP32 subnormal's reaches -149).
pub const X_ARITH: u32 = 10;
/// Bits of a lane after normalisation: class, sign, the leading one's exponent (10 bits) and
/// the fraction bits below it that the log2 table reads.
pub const NORM_BITS: u32 = 3
    + X_ARITH
    + crate::model::s2fp8::arith::TABLE_INDEX_BITS
    + crate::model::s2fp8::arith::INTERP_BITS;
/// Bits of the product alpha * L inside the unit: signed, exact (alpha unsigned, 24 bits; L
/// signed, 26), 32 fraction bits.
pub const PROD_BITS: u32 = crate::model::s2fp8::ALPHA_BITS + 1 + LOG_BITS;
/// The clamp of t inside the unit, [T_MIN, 2^T_HI_LOG2) = [-18, 16): below -18 every code is 0
/// (the half of the smallest subnormal is 2^-17), from 16 on the largest (57344 < 2^16).
pub const T_MIN: i64 = -18;
/// See [`T_MIN`].
pub const T_HI_LOG2: u32 = 4;
/// Integer bits of the clamped t besides its sign: enough for 2^T_HI_LOG2 - 1 and for T_MIN.
pub const T_INT_BITS: u32 = T_HI_LOG2 + 1;
/// Bits of the clamped exponent t inside the unit: signed, T_INT_BITS integer and 16 fraction
/// bits (`T_FRAC`).
pub const T_BITS: u32 = 1 + T_INT_BITS + crate::model::s2fp8::arith::T_FRAC;

impl S2fp8EncodeSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<S2fp8EncodeUnit> {
        let block = self.block.unwrap_or(BLOCK_DEFAULT);
        check_range("block", block, BLOCK_MIN, BLOCK_MAX)?;
        let input = self.input_format.unwrap_or(InputFormat::Fp32);
        let stages = resolve_stages(self.stages, MAX_STAGES, block)?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = resolve_name(self.name.as_deref(), || {
            let mut n = format!("s2fp8_encode_{}_k{block}_s{stages}", input.name());
            if tag_bits > 0 {
                n.push_str(&format!("_t{tag_bits}"));
            }
            n
        })?;
        Ok(S2fp8EncodeUnit {
            block,
            input,
            stages,
            tag_bits,
            name,
        })
    }
}

/// A validated `s2fp8_encode` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S2fp8EncodeUnit {
    /// Lanes K.
    pub block: u32,
    /// Input float format.
    pub input: InputFormat,
    /// Pipeline stages (the latency).
    pub stages: u32,
    /// Tag width (0 = none).
    pub tag_bits: u32,
    /// Module name.
    pub name: String,
}

impl S2fp8EncodeUnit {
    /// Bits of one input lane.
    pub fn lane_bits(&self) -> u32 {
        self.input.format().bits()
    }

    /// The golden model: the codes of K input patterns under `alpha` and `beta` (units 2^-16).
    pub fn encode(&self, lanes: &[u64], alpha: u64, beta: i64) -> Vec<u64> {
        lanes
            .iter()
            .map(|&p| encode_with(self.input.format(), alpha, beta, p))
            .collect()
    }

    /// The register slots, spread evenly over the six levels.
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::spread_slots(MAX_STAGES, self.stages)
    }

    /// The levels: the inputs, each lane's class, sign, leading one's exponent and fraction
    /// (normalised), each lane's class, sign and L, each lane's class, sign and product alpha L, each lane's class, sign and clamped t, and the codes.
    pub fn levels(&self) -> Vec<crate::pipeline::NamedLevel> {
        let k = self.block;
        crate::pipeline::named_levels(
            &[
                ("inputs", k * self.lane_bits()),
                ("norms", k * NORM_BITS),
                ("logs", k * (3 + LOG_BITS)),
                ("products", k * (3 + PROD_BITS)),
                ("exponents", k * (3 + T_BITS)),
                ("codes", k * 8),
            ],
            &self.register_slots(),
        )
    }
}

impl crate::unit::Unit for S2fp8EncodeUnit {
    type Spec = S2fp8EncodeSpec;
    const KIND: &'static str = "s2fp8_encode";
    const COMMAND: &'static str = "s2fp8-encode";
    const ABOUT: &'static str = "s2fp8_encode: K lanes of FP32 (or bfloat16) and a tensor's \
        coefficients alpha and beta to K S2FP8 codes, each the E5M2 code of \
        sign(x) * 2^(alpha log2|x| + beta), log2 and the rounding defined to the bit.";
    const SWEEP_AXES: &'static [&'static str] = &["block", "stages"];

    fn resolve(spec: &S2fp8EncodeSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (k, lw) = (self.block, self.lane_bits());
        let mut p = ports::clock(self.stages > 0);
        p.extend(ports::input_handshake(
            "a word of floats is presented",
            "the unit accepts the presented word",
        ));
        p.extend([
            Port::input(
                "fp_i",
                k * lw,
                &format!(
                    "{k} lanes of {}, lane i at [i*{lw} +: {lw}]",
                    self.input.name()
                ),
            ),
            Port::input(
                "alpha_i",
                ALPHA_BITS,
                "alpha, unsigned, in units of 2^-16 (s2fp8_stats' alpha)",
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
        p.extend(ports::output_handshake("a word of codes"));
        p.push(Port::output(
            "code_o",
            k * 8,
            &format!("{k} S2FP8 (E5M2) codes, lane i at [i*8 +: 8]"),
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
                "input_format": self.input,
                "stages": self.stages,
                "tag_bits": self.tag_bits,
            },
            "latency": self.stages,
            "alpha_frac_bits": crate::model::s2fp8::STAT_FRAC,
            "beta_frac_bits": crate::model::s2fp8::STAT_FRAC,
            "levels": self.levels(),
            "ports": crate::unit::Unit::ports(self),
        }))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} lanes of {} to S2FP8 (E5M2) codes under alpha and beta, latency {} cycles",
            self.name,
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
            "input_format": self.input,
            "stages": self.stages,
        })
    }
}
