//! The `fp_mac` unit, the floating-point baseline: one lane of acc <- round(acc + a * b) (a fused
//! multiply-add) over a dot product framed by first_i .. last_i. Its parameters, plan and golden
//! model (IEEE 754 fusedMultiplyAdd, `docs/numerics.md`).

pub mod emit;
pub mod manifest;
pub mod vectors;

use crate::accumulate::{Accumulator, AccumulatorDatapath};
use crate::error::Result;
use crate::fp::{add, round, Exact, FpFormat, FpValue, Overflow};
use crate::ports::{self, Port};
use serde::Serialize;

/// The golden model of `fp_mac`, the floating-point processing element the HBFP units are compared
/// with: acc <- round(acc + a * b) with a single rounding (a fused multiply-add), a and b in one
/// format and the accumulator in another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FpMac {
    /// The format of a and b (at most 31 fraction bits: fp32, bf16, fp16, ...).
    pub operand: FpFormat,
    /// The accumulator.
    pub acc: Accumulator,
}

impl FpMac {
    /// One step: the accumulator's new bit pattern. IEEE 754 rules for the special values: a NaN
    /// operand or accumulator, infinity times zero, or infinities of opposite signs give the
    /// canonical NaN; an infinite product or accumulator otherwise gives that infinity.
    pub fn step(&self, acc: u64, a: u64, b: u64) -> u64 {
        let (fo, fa) = (self.operand, self.acc.format);
        debug_assert!(
            fo.man_bits() <= 31,
            "operands of at most 32 significant bits"
        );
        let (va, vb, vc) = (fo.decode(a), fo.decode(b), fa.decode(acc));
        if [va, vb].contains(&FpValue::NaN) || vc == FpValue::NaN {
            return fa.nan();
        }
        let is_zero = |v: FpValue| matches!(v, FpValue::Zero { .. });
        let inf_sign = |v: FpValue| match v {
            FpValue::Inf { neg } => Some(neg),
            _ => None,
        };
        let neg_of = |v: FpValue| match v {
            FpValue::Zero { neg } | FpValue::Inf { neg } => neg,
            FpValue::Finite(x) => x.neg,
            FpValue::NaN => false,
        };
        let product_inf = match (inf_sign(va), inf_sign(vb)) {
            (None, None) => None,
            _ if is_zero(va) || is_zero(vb) => return fa.nan(),
            _ => Some(neg_of(va) ^ neg_of(vb)),
        };
        match (product_inf, inf_sign(vc)) {
            (Some(p), Some(c)) if p != c => return fa.nan(),
            (Some(p), _) => return fa.inf(p),
            (None, Some(c)) => return fa.inf(c),
            (None, None) => {}
        }
        let (x, y, z) = (
            va.exact().expect("finite"),
            vb.exact().expect("finite"),
            vc.exact().expect("finite"),
        );
        let product = Exact {
            neg: x.neg ^ y.neg,
            mag: x.mag * y.mag,
            exp: x.exp + y.exp,
        };
        round(fa, add(z, product), self.acc.overflow)
    }
}

/// The parameters of an `fp_mac` unit, as command-line flags and TOML keys (flags override the
/// values of --config). Unset fields take the defaults of [`FpMacSpec::resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, Serialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct FpMacSpec {
    /// Operand format of a and b: fp32, bf16 or fp16. [default: fp32]
    #[arg(long, value_name = "fp32|bf16|fp16")]
    pub operand: Option<String>,
    /// Accumulator format: fp32, bf16, fp16 or fp12. [default: fp32]
    #[arg(long, value_name = "fp32|bf16|fp16|fp12")]
    pub acc: Option<String>,
    /// Saturate at the largest finite value instead of overflowing to infinity.
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub saturate: Option<bool>,
    /// Pipeline stages before the accumulator: 0 to 3 (4 with contexts), or `max`. The result
    /// leaves S + K cycles after the last pair. [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<crate::pipeline::Stages>,
    /// Width of a tag that travels with each pair: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Independent dot products interleaved through the accumulator loop, taking turns (ctx_o
    /// says whose turn it is; docs/hbfp_mac.md, "Contexts"): 1 to 64, or `auto` (as many as
    /// --acc-stages). [default: 1]
    #[arg(long, value_name = "C|auto")]
    pub contexts: Option<crate::acc_loop::Contexts>,
    /// Register stages of the accumulator loop, 1 to 9; K stages need C >= K contexts. The result
    /// leaves S + K cycles after the last pair. [default: 1; with contexts, min(C, 9)]
    #[arg(long, value_name = "K")]
    pub acc_stages: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: fp_mac_<operand>_<acc>_s<S>, with _sat, _t<T>, _c<C>k<K>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// A validated `fp_mac` unit: one lane of acc <- round(acc + a * b), the floating-point processing
/// element the HBFP units are compared with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FpMacUnit {
    /// The golden model: operand format and accumulator.
    pub mac: FpMac,
    /// Pipeline stages before the accumulator register (0 to 3).
    pub stages: u32,
    /// Width of the tag that travels with each operand pair (0 = no tag ports).
    pub tag_bits: u32,
    /// Contexts and accumulator loop stages.
    pub schedule: crate::acc_loop::Schedule,
    /// Module name.
    pub name: String,
}

/// The largest number of pipeline stages of an `fp_mac`: after the inputs, the product and its
/// normalisation.
pub const FP_MAC_MAX_STAGES: u32 = 3;

impl FpMacSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<FpMacUnit> {
        use crate::{ident::check_identifier, pipeline::Stages, units::dot::TAG_BITS_MAX};
        let operand = crate::fp::preset_of(
            "operand",
            self.operand.as_deref().unwrap_or("fp32"),
            &["fp32", "bf16", "fp16"],
        )?;
        let acc = crate::fp::preset_of(
            "acc",
            self.acc.as_deref().unwrap_or("fp32"),
            &["fp32", "bf16", "fp16", "fp12"],
        )?;
        let schedule = crate::acc_loop::Schedule::resolve(self.contexts, self.acc_stages)?;
        let max = FP_MAC_MAX_STAGES + schedule.extra_front_levels(false);
        let stages = match self.stages.unwrap_or(Stages::Max) {
            Stages::Max => max,
            Stages::Count(n) => {
                crate::format::check_range("stages", n, 0, max)?;
                n
            }
        };
        let tag_bits = self.tag_bits.unwrap_or(0);
        crate::format::check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let mac = FpMac {
            operand,
            acc: Accumulator {
                format: acc,
                overflow: if self.saturate.unwrap_or(false) {
                    Overflow::Saturate
                } else {
                    Overflow::Infinity
                },
            },
        };
        let name = match &self.name {
            Some(n) => {
                check_identifier(n)?;
                n.clone()
            }
            None => {
                let mut n = format!(
                    "fp_mac_{}_{}_s{stages}",
                    crate::fp::format_label(operand),
                    crate::fp::format_label(acc)
                );
                if mac.acc.overflow == Overflow::Saturate {
                    n.push_str("_sat");
                }
                if tag_bits > 0 {
                    n.push_str(&format!("_t{tag_bits}"));
                }
                n.push_str(&schedule.name_suffix());
                n
            }
        };
        Ok(FpMacUnit {
            mac,
            stages,
            tag_bits,
            schedule,
            name,
        })
    }
}

impl FpMacUnit {
    /// Latency in cycles from the last operand pair of a dot product to its result.
    pub fn latency(&self) -> u32 {
        self.stages + self.schedule.acc_stages
    }

    /// The register slots (0 = inputs, 1 = product, 2 = normalised product; with contexts 2 =
    /// the product's leading zeros, 3 = normalised).
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::spread_slots(
            FP_MAC_MAX_STAGES + self.schedule.extra_front_levels(false),
            self.stages,
        )
    }

    /// Significand bits of an operand (fraction + 1).
    pub fn sig_bits(&self) -> u32 {
        self.mac.operand.man_bits() + 1
    }

    /// The offset of the product's lsb exponent: x = e_a + e_b - 2 (bias + m), with e the biased
    /// exponent (1 for subnormals).
    pub fn product_exp_offset(&self) -> i64 {
        let f = self.mac.operand;
        2 * (i64::from(f.bias()) + i64::from(f.man_bits()))
    }

    /// The accumulator's datapath: the exact product is the addend.
    pub fn datapath(&self) -> AccumulatorDatapath {
        let all_ones = (1i64 << self.mac.operand.exp_bits()) - 1;
        AccumulatorDatapath {
            acc: self.mac.acc,
            addend_bits: 2 * self.sig_bits(),
            addend_exp_range: (
                2 - self.product_exp_offset(),
                2 * all_ones - self.product_exp_offset(),
            ),
        }
    }

    /// The label of a format in names: fp32, bf16, fp16, fp12.
    pub fn label(f: FpFormat) -> String {
        crate::fp::format_label(f)
    }
}

impl crate::unit::Unit for FpMacUnit {
    type Spec = FpMacSpec;
    const KIND: &'static str = "fp_mac";
    const COMMAND: &'static str = "fp-mac";
    const ABOUT: &'static str = "fp_mac: the floating-point baseline, one lane of \
        acc <- round(acc + a * b) (a fused multiply-add) over a dot product framed by \
        first_i .. last_i.";
    const SWEEP_AXES: &'static [&'static str] = &["operand", "acc", "stages"];

    fn resolve(spec: &FpMacSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (ob, op) = (self.mac.operand.bits(), self.mac.operand);
        let mut p = ports::clock(true);
        p.extend(ports::input_handshake(
            "an operand pair is presented",
            "the unit accepts the presented pair",
        ));
        p.extend([
            Port::input("a_i", ob, &format!("operand a, {op}")),
            Port::input("b_i", ob, &format!("operand b, {op}")),
        ]);
        p.extend(crate::accumulate::accumulating_ports(
            self.tag_bits,
            self.mac.acc.format,
            &self.schedule,
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
        crate::manifest::to_json(&manifest::FpMacManifest::of(self))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} operands accumulated in {}, latency {} cycles",
            self.name,
            self.mac.operand,
            self.mac.acc.format,
            self.latency()
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
        FpMacUnit::latency(self)
    }
    fn contexts(&self) -> u32 {
        self.schedule.contexts
    }
    fn synth_parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "mantissa": self.sig_bits(),
            "block": 1,
            "stages": self.stages,
            "operand": FpMacUnit::label(self.mac.operand),
            "acc": FpMacUnit::label(self.mac.acc.format),
            "saturate": self.mac.acc.overflow == Overflow::Saturate,
            "contexts": self.schedule.contexts,
            "acc_stages": self.schedule.acc_stages,
        })
    }
}
