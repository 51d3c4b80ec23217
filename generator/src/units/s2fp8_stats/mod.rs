//! The `s2fp8_stats` unit: a streaming reduction over one tensor of any length (words of K FP32 or
//! bfloat16 lanes framed by first/last) to its S2FP8 coefficients (arXiv 2001.05674): the mean mu
//! and maximum m of log2|x| over the non-zero finite entries, alpha = 15 / (m - mu),
//! beta = -alpha mu and 1/alpha, in the fixed-point formats of `model::s2fp8::stats`. One
//! sequential divider (a quotient bit per cycle) forms mu, alpha and 1/alpha after the last word;
//! the input waits meanwhile. The rules are in `docs/numerics.md` ("S2FP8").

pub mod emit;
pub mod vectors;

use crate::error::Result;
use crate::format::{check_range, BLOCK_MAX, BLOCK_MIN};
use crate::ident::resolve_name;
use crate::model::s2fp8::{stats, S2fp8Stats, ALPHA_BITS, BETA_BITS, INV_ALPHA_BITS};
use crate::ports::{self, Port};
use crate::units::convert::InputFormat;
use crate::units::dot::TAG_BITS_MAX;
use crate::units::s2fp8_encode::LOG_BITS;
use serde::{Deserialize, Serialize};

/// The parameters of an `s2fp8_stats` unit, as command-line flags and TOML keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct S2fp8StatsSpec {
    /// Lanes K per word: 1 to 4096. [default: 16]
    #[arg(short, long, value_name = "K")]
    pub block: Option<u32>,
    /// Input format: fp32 or bf16. [default: fp32]
    #[arg(long, value_name = "fp32|bf16")]
    pub input_format: Option<InputFormat>,
    /// Width of a tag that travels with the last word to the result: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Module name, also the output files' stem. [default: s2fp8_stats_<fp32|bf16>_k<K>, with _t<T>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Bits of the entry count: a tensor holds at most 2^32 - 1 non-zero entries.
pub const COUNT_BITS: u32 = 32;
/// Bits of the divider's numerator (2 sum + count, the sum of up to 2^32 logarithms of 26 bits).
pub const DIV_NUM_BITS: u32 = 61;
/// Bits of the divider's denominator (2 count).
pub const DIV_DEN_BITS: u32 = COUNT_BITS + 2;
/// Registers between the input and the accumulation of a word: the lanes normalised, their
/// logarithms, the partial sums, counts and maxima after the lower half of the reduction trees,
/// and the word's sum, count and maximum.
pub const FRONT_LEVELS: u32 = 4;
/// Cycles from the acceptance of a tensor's last word to its result: the front registers, the
/// accumulation, then for each of mu, alpha and 1/alpha one cycle to load the divider and one per
/// numerator bit.
pub const FINISH_CYCLES: u32 = FRONT_LEVELS + 1 + 3 * (1 + DIV_NUM_BITS);

impl S2fp8StatsSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<S2fp8StatsUnit> {
        let block = self
            .block
            .unwrap_or(crate::units::s2fp8_encode::BLOCK_DEFAULT);
        check_range("block", block, BLOCK_MIN, BLOCK_MAX)?;
        let input = self.input_format.unwrap_or(InputFormat::Fp32);
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = resolve_name(self.name.as_deref(), || {
            let mut n = format!("s2fp8_stats_{}_k{block}", input.name());
            if tag_bits > 0 {
                n.push_str(&format!("_t{tag_bits}"));
            }
            n
        })?;
        Ok(S2fp8StatsUnit {
            block,
            input,
            tag_bits,
            name,
        })
    }
}

/// A validated `s2fp8_stats` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S2fp8StatsUnit {
    /// Lanes K per word.
    pub block: u32,
    /// Input float format.
    pub input: InputFormat,
    /// Tag width (0 = none).
    pub tag_bits: u32,
    /// Module name.
    pub name: String,
}

impl S2fp8StatsUnit {
    /// Bits of one input lane.
    pub fn lane_bits(&self) -> u32 {
        self.input.format().bits()
    }

    /// Bits of a word's sum of logarithms.
    pub fn word_sum_bits(&self) -> u32 {
        LOG_BITS + 32 - self.block.leading_zeros()
    }

    /// Bits of a word's count of non-zero finite lanes (0 to K).
    pub fn word_count_bits(&self) -> u32 {
        32 - self.block.leading_zeros()
    }

    /// Leaves of the word's reduction trees: K padded to a power of two.
    pub fn tree_leaves(&self) -> u32 {
        self.block.next_power_of_two()
    }

    /// Partial results held between the trees' lower and upper levels: 2^floor(log2(leaves) / 2),
    /// so that each half has about half of the log2 K levels.
    pub fn tree_mid(&self) -> u32 {
        1 << (self.tree_leaves().ilog2() / 2)
    }

    /// The golden model: the statistics of a tensor's words (each K patterns).
    pub fn stats(&self, words: &[Vec<u64>]) -> S2fp8Stats {
        stats(self.input.format(), &words.concat())
    }
}

impl crate::unit::Unit for S2fp8StatsUnit {
    type Spec = S2fp8StatsSpec;
    const KIND: &'static str = "s2fp8_stats";
    const COMMAND: &'static str = "s2fp8-stats";
    const ABOUT: &'static str = "s2fp8_stats: a streaming reduction over a tensor of any length \
        (words of K FP32 or bfloat16 lanes, first_i .. last_i) to its S2FP8 coefficients: the \
        mean and maximum of log2|x| over the non-zero entries, alpha = 15 / (max - mean), \
        beta = -alpha mean and 1/alpha.";
    const SWEEP_AXES: &'static [&'static str] = &["block"];

    fn resolve(spec: &S2fp8StatsSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (k, lw) = (self.block, self.lane_bits());
        let mut p = ports::clock(true);
        p.extend(ports::input_handshake(
            "a word of floats is presented",
            "the unit accepts the presented word (low while it divides and while a result waits)",
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
                "first_i",
                1,
                "the word begins a tensor (the statistics restart)",
            ),
            Port::input(
                "last_i",
                1,
                "the word ends a tensor (its coefficients are output)",
            ),
        ]);
        p.extend(ports::tag(
            self.tag_bits,
            "travels with the word; the last word's tag leaves with the result",
            "the tag of the tensor's last word",
        ));
        p.extend(ports::output_handshake("a tensor's coefficients"));
        p.extend([
            Port::output(
                "alpha_o",
                ALPHA_BITS,
                "alpha = 15 / (max - mu), unsigned, units of 2^-16",
            ),
            Port::output(
                "beta_o",
                BETA_BITS,
                "beta = -alpha mu, two's complement, units of 2^-16",
            ),
            Port::output(
                "inv_alpha_o",
                INV_ALPHA_BITS,
                "1/alpha, unsigned, units of 2^-16",
            ),
            Port::output(
                "mu_o",
                LOG_BITS,
                "mu = the mean of log2|x|, two's complement, units of 2^-16",
            ),
            Port::output("count_o", COUNT_BITS, "the non-zero finite entries counted"),
            Port::output(
                "invalid_o",
                1,
                "an entry was an Inf or a NaN (left out of the statistics)",
            ),
        ]);
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
                "tag_bits": self.tag_bits,
            },
            "latency": FINISH_CYCLES,
            "frac_bits": crate::model::s2fp8::STAT_FRAC,
            "ports": crate::unit::Unit::ports(self),
        }))
    }
    fn summary(&self) -> String {
        format!(
            "{}: S2FP8 statistics of tensors of {} lanes of {} per word, {} cycles after a tensor's last word",
            self.name,
            self.block,
            self.input.name(),
            FINISH_CYCLES
        )
    }
    fn vectors(&self, count: usize, seed: u64) -> Result<(usize, String)> {
        let v = vectors::generate(self, count, seed);
        Ok((v.len(), vectors::to_text(self, &v, seed)))
    }
    fn result_flag(&self) -> Option<&'static str> {
        Some("last")
    }
    fn group_flag(&self) -> Option<&'static str> {
        Some("first")
    }
    fn latency(&self) -> u32 {
        FINISH_CYCLES
    }
    fn full_rate(&self) -> bool {
        false
    }
    fn synth_parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "block": self.block,
            "input_format": self.input,
        })
    }
}
