//! The `mls_mac` unit: MLS block dot products (the `mls_dot` datapath) accumulated into a
//! floating-point accumulator FP(e, m) with one rounding per block pair, through the accumulator of
//! `hbfp_mac`. The tensor scales stay outside: they are constant over a tensor, so the accumulator
//! works in units of S_t,a * S_t,b and the caller scales the result once. Its parameters, plan and
//! golden model; the rules are in `docs/numerics.md` ("MLS").

pub mod emit;
pub mod vectors;

use crate::accumulate::{Accumulator, AccumulatorDatapath};
use crate::error::Result;
use crate::fp::Overflow;
use crate::model::mls::MlsBlock;
use crate::ports::{self, Port};
use crate::units::mls_dot::{MlsDotSpec, MlsDotUnit};
use serde::Serialize;

/// The widest block sum the accumulator adds (two's complement bits): `fp::add` takes magnitudes
/// below 2^100.
pub const ADDEND_BITS_MAX: u32 = 101;

/// The parameters of an `mls_mac` unit, as command-line flags and TOML keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, Serialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct MlsMacSpec {
    /// Element exponent bits Ex: 0 to 4. [default: 2]
    #[arg(long, value_name = "EX")]
    pub elem_exp_bits: Option<u32>,
    /// Element mantissa bits Mx: 0 to 7 (1 to 7 when Ex = 0). [default: 4]
    #[arg(long, value_name = "MX")]
    pub elem_man_bits: Option<u32>,
    /// Elements per group: a power of two that divides the block. [default: 16]
    #[arg(short, long, value_name = "G")]
    pub group: Option<u32>,
    /// Bits of a group scale code (scale 2^-u): 1 to 5. [default: 3]
    #[arg(long, value_name = "BITS")]
    pub group_scale_bits: Option<u32>,
    /// Block size K: a multiple of the group, 1 to 4096. [default: 32]
    #[arg(short, long, value_name = "K")]
    pub block: Option<u32>,
    /// Accumulator format: fp32, bf16, fp16 or fp12. [default: fp32]
    #[arg(long, value_name = "fp32|bf16|fp16|fp12", conflicts_with_all = ["acc_exp_bits", "acc_man_bits"])]
    pub acc: Option<String>,
    /// Accumulator exponent bits, 3 to 11 (with --acc-man-bits, instead of --acc).
    #[arg(long, value_name = "E_ACC", requires = "acc_man_bits")]
    pub acc_exp_bits: Option<u32>,
    /// Accumulator fraction bits, 2 to 52 (with --acc-exp-bits).
    #[arg(long, value_name = "M_ACC", requires = "acc_exp_bits")]
    pub acc_man_bits: Option<u32>,
    /// Saturate at the largest finite value instead of overflowing to infinity.
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub saturate: Option<bool>,
    /// Pipeline stages before the accumulator: 0 to mls_dot's maximum + 1 (+ 1 with contexts),
    /// or `max`. The result leaves S + K cycles after the last block pair. [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<crate::pipeline::Stages>,
    /// Width of a tag that travels with each block pair; the last pair's tag leaves with the
    /// result: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Independent dot products interleaved through the accumulator loop, as in hbfp_mac: 1 to
    /// 64, or `auto`. [default: 1]
    #[arg(long, value_name = "C|auto")]
    pub contexts: Option<crate::acc_loop::Contexts>,
    /// Register stages of the accumulator loop, 1 to 9 (K stages need C >= K contexts).
    /// [default: 1; with contexts, min(C, 9)]
    #[arg(long, value_name = "K")]
    pub acc_stages: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: mls_mac_e<Ex>m<Mx>_g<G>u<bits>_k<K>_s<S>_<acc>, with _sat, _t<T> and _c<C>k<K>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// A validated `mls_mac` unit: the MLS dot-product datapath, a normalisation level and the
/// accumulator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MlsMacUnit {
    /// The dot-product datapath (its stages, tag and name are not used).
    pub dot: MlsDotUnit,
    /// The accumulator.
    pub acc: Accumulator,
    /// Pipeline stages before the accumulator register.
    pub stages: u32,
    /// Tag width.
    pub tag_bits: u32,
    /// Contexts and accumulator-loop stages.
    pub schedule: crate::acc_loop::Schedule,
    /// Module name.
    pub name: String,
}

impl MlsMacSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<MlsMacUnit> {
        let dot = MlsDotSpec {
            elem_exp_bits: self.elem_exp_bits,
            elem_man_bits: self.elem_man_bits,
            group: self.group,
            group_scale_bits: self.group_scale_bits,
            block: self.block,
            ..Default::default()
        }
        .resolve()?;
        // the shared accumulator's exact addition (`fp::add`) takes magnitudes below 2^100
        if dot.sum_bits() > ADDEND_BITS_MAX {
            return Err(crate::error::Error::OutOfRange {
                name: "group_scale_bits",
                value: dot.layout.scale_bits.to_string(),
                allowed: format!(
                    "fewer for {} with K = {}: the block sum takes {} bits and mls_mac adds sums of \
                     at most {ADDEND_BITS_MAX} bits (fewer group-scale bits, a narrower element or \
                     a smaller block)",
                    dot.layout.elem,
                    dot.block,
                    dot.sum_bits()
                ),
            });
        }
        let acc = Accumulator::of_spec(
            self.acc.as_deref(),
            self.acc_exp_bits,
            self.acc_man_bits,
            self.saturate,
        )?;
        let schedule = crate::acc_loop::Schedule::resolve(self.contexts, self.acc_stages)?;
        let max = schedule.front_max_stages(dot.max_stages());
        let stages = crate::pipeline::resolve_stages(self.stages, max, dot.block)?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        crate::format::check_range("tag_bits", tag_bits, 0, crate::units::dot::TAG_BITS_MAX)?;
        let mut unit = MlsMacUnit {
            dot,
            acc,
            stages,
            tag_bits,
            schedule,
            name: String::new(),
        };
        unit.name = crate::ident::resolve_name(self.name.as_deref(), || unit.default_name())?;
        Ok(unit)
    }
}

impl MlsMacUnit {
    /// The most stages: the dot product's levels, the normalisation level, and with contexts the
    /// extra front level.
    pub fn max_stages(&self) -> u32 {
        self.schedule.front_max_stages(self.dot.max_stages())
    }

    /// Cycles from the last block pair to the result.
    pub fn latency(&self) -> u32 {
        self.stages + self.schedule.acc_stages
    }

    /// The level that normalises the block sum (after the dot product's levels).
    pub fn norm_level(&self) -> u32 {
        self.dot.max_stages()
    }

    /// Each level's estimated delay: the dot product's, then the normalisation's.
    pub fn level_weights(&self) -> Vec<u32> {
        self.schedule
            .front_weights(self.dot.weights(), self.dot.sum_bits())
    }

    /// The register slots, placed by the levels' estimated delays.
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::place_slots(&self.level_weights(), self.stages)
    }

    /// The accumulator's label (fp32, or e8m23...).
    pub fn acc_label(&self) -> String {
        crate::fp::format_label(self.acc.format)
    }

    /// The default module name.
    pub fn default_name(&self) -> String {
        let l = &self.dot.layout;
        let mut n = format!(
            "mls_mac_{}_g{}u{}_k{}_s{}_{}",
            l.elem.tag(),
            l.group,
            l.scale_bits,
            self.dot.block,
            self.stages,
            self.acc_label()
        );
        if self.acc.overflow == Overflow::Saturate {
            n.push_str("_sat");
        }
        if self.tag_bits > 0 {
            n.push_str(&format!("_t{}", self.tag_bits));
        }
        n.push_str(&self.schedule.name_suffix());
        n
    }

    /// The addend the accumulator takes: the block sum (W bits) whose lsb has the fixed exponent
    /// -F (F = 2 frac_bits + 2 umax).
    pub fn datapath(&self) -> AccumulatorDatapath {
        let f = -i64::from(self.dot.frac_bits());
        AccumulatorDatapath {
            acc: self.acc,
            addend_bits: self.dot.sum_bits(),
            addend_exp_range: (f, f),
        }
    }

    /// The golden model: the long dot product of `pairs` (A, B), from +0, one rounding per pair.
    pub fn dot_product(&self, pairs: &[(MlsBlock, MlsBlock)]) -> u64 {
        let mut acc = self.acc.format.zero(false);
        for (a, b) in pairs {
            acc = self.add_pair(acc, a, b);
        }
        acc
    }

    /// The accumulator after adding the block pair (a, b) to `acc`.
    pub fn add_pair(&self, acc: u64, a: &MlsBlock, b: &MlsBlock) -> u64 {
        let sum = self.dot.dot(a, b);
        self.acc
            .add_wide_block(acc, sum, -i64::from(self.dot.frac_bits()), false, None)
    }
}

impl crate::unit::Unit for MlsMacUnit {
    type Spec = MlsMacSpec;
    const KIND: &'static str = "mls_mac";
    const COMMAND: &'static str = "mls-mac";
    const ABOUT: &'static str = "mls_mac: a long dot product over consecutive MLS block pairs \
        (first_i .. last_i), each exact block result added to a floating-point accumulator with \
        one rounding to nearest even (the tensor scales left to the caller).";
    const SWEEP_AXES: &'static [&'static str] = &[
        "elem_exp_bits",
        "elem_man_bits",
        "group",
        "group_scale_bits",
        "block",
        "stages",
        "acc",
    ];

    fn resolve(spec: &MlsMacSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let mut p = ports::clock(true);
        p.extend(ports::input_handshake(
            "a block pair is presented",
            "the unit accepts the presented pair",
        ));
        // the operand ports are mls_dot's
        p.extend(
            crate::unit::Unit::ports(&self.dot)
                .into_iter()
                .filter(|x| x.name.ends_with("_elem_i") || x.name.ends_with("_scale_i")),
        );
        p.extend(crate::accumulate::accumulating_ports(
            self.tag_bits,
            self.acc.format,
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
        crate::manifest::to_json(&serde_json::json!({
            "generator": crate::manifest::GeneratorInfo::new(emit::command_line(self)),
            "unit": Self::KIND,
            "module": self.name,
            "parameters": self.synth_parameters(),
            "latency": self.latency(),
            "block_sum_bits": self.dot.sum_bits(),
            "frac_bits": self.dot.frac_bits(),
            "accumulator": self.acc,
            "window_bits": self.datapath().window_bits(),
            "levels": self.dot.levels_with(&self.register_slots()),
            "register_slots": self.register_slots(),
            "ports": crate::unit::Unit::ports(self),
        }))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} lanes of {} in groups of {} accumulated in {}, latency {} cycles",
            self.name,
            self.dot.block,
            self.dot.layout.elem,
            self.dot.layout.group,
            self.acc.format,
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
        MlsMacUnit::latency(self)
    }
    fn contexts(&self) -> u32 {
        self.schedule.contexts
    }
    fn synth_parameters(&self) -> serde_json::Value {
        let l = &self.dot.layout;
        serde_json::json!({
            "elem_exp_bits": l.elem.exp_bits,
            "elem_man_bits": l.elem.man_bits,
            "group": l.group,
            "group_scale_bits": l.scale_bits,
            "block": self.dot.block,
            "stages": self.stages,
            "acc": self.acc_label(),
            "saturate": self.acc.overflow == Overflow::Saturate,
            "contexts": self.schedule.contexts,
            "acc_stages": self.schedule.acc_stages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fp::{round, Exact};
    use rand::{Rng, SeedableRng};

    /// Law: each block pair's exact sum is added to the accumulator with one rounding: the result
    /// equals an exact i128 sum of the accumulator and the block, rounded once by `fp::round`
    /// (independent of `fp::add`'s alignment window), on random E4M7 blocks with 4-bit group
    /// scales (76-bit sums) into bf16 and fp32; and a block sum over 2^100 is refused.
    #[test]
    fn block_sums_round_once_like_an_exact_sum() {
        for acc in ["bf16", "fp32"] {
            let unit = MlsMacSpec {
                elem_exp_bits: Some(4),
                elem_man_bits: Some(7),
                group: Some(2),
                group_scale_bits: Some(4),
                block: Some(4),
                acc: Some(acc.into()),
                ..Default::default()
            }
            .resolve()
            .unwrap();
            let f = unit.acc.format;
            let frac = i64::from(unit.dot.frac_bits());
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
            let mut checked = 0;
            for _ in 0..3000 {
                let blk = |rng: &mut rand_chacha::ChaCha8Rng| MlsBlock {
                    elems: (0..4).map(|_| rng.gen_range(0..1u64 << 12)).collect(),
                    scales: (0..2).map(|_| rng.gen_range(0..16)).collect(),
                };
                let mut acc = f.zero(false);
                for _ in 0..4 {
                    let (a, b) = (blk(&mut rng), blk(&mut rng));
                    let sum = unit.dot.dot(&a, &b);
                    let got = unit.add_pair(acc, &a, &b);
                    // the accumulator as an exact multiple of 2^-frac (it always is: every
                    // addend is one, and rounding only drops low bits)
                    if let Some(x) = f.decode(acc).exact() {
                        let shift = i64::from(x.exp) + frac;
                        if (0..=60).contains(&shift) {
                            let av = i128::try_from(x.mag).unwrap() << shift;
                            let t = if x.neg { -av } else { av } + sum;
                            let want = round(
                                f,
                                Exact {
                                    neg: t < 0 || (t == 0 && x.neg && sum < 0),
                                    mag: t.unsigned_abs(),
                                    exp: -(frac as i32),
                                },
                                Overflow::Infinity,
                            );
                            assert_eq!(got, want, "{acc:#x} + {sum}");
                            checked += 1;
                        }
                    }
                    acc = got;
                }
            }
            assert!(checked > 5000, "{acc}: {checked}");
        }
        let wide = MlsMacSpec {
            elem_exp_bits: Some(4),
            elem_man_bits: Some(7),
            group_scale_bits: Some(5),
            block: Some(4),
            group: Some(2),
            ..Default::default()
        }
        .resolve()
        .unwrap_err()
        .to_string();
        assert!(wide.contains("at most 101 bits"), "{wide}");
    }
}
