//! The `hbfp_mac` unit: HBFP block dot products accumulated into a floating-point accumulator
//! FP(e, m) with one rounding per block. Its parameters, plan (every width and register position)
//! and golden model; the rules are those of `docs/numerics.md` ("Accumulating block sums").

pub mod emit;
pub mod manifest;
pub mod vectors;

use crate::accumulate::{Accumulator, AccumulatorDatapath};
use crate::error::Result;
use crate::fp::Overflow;
use crate::model::Block;
use crate::ports::{self, Port};
use crate::units::dot::DotUnit;
use serde::Serialize;

/// The parameters of an `hbfp_mac` unit, as command-line flags and TOML keys (flags override the
/// values of --config). Unset fields take the defaults of [`MacSpec::resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, Serialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct MacSpec {
    /// Mantissa width M of the blocks, sign included: 2 to 16. [default: 4]
    #[arg(short, long, value_name = "M")]
    pub mantissa: Option<u32>,
    /// Block size B: 1 to 4096. [default: 64]
    #[arg(short, long, value_name = "B")]
    pub block: Option<u32>,
    /// Shared-exponent width E of the blocks: 2 to 16. [default: 10]
    #[arg(short, long, value_name = "E")]
    pub exp_bits: Option<u32>,
    /// Accumulator format: fp32 = FP(8, 23), bf16 = FP(8, 7), fp16 = FP(5, 10), fp12 = FP(4, 7).
    /// [default: fp32]
    #[arg(long, value_name = "fp32|bf16|fp16|fp12", conflicts_with_all = ["acc_exp_bits", "acc_man_bits"])]
    pub acc: Option<String>,
    /// Accumulator exponent bits e_acc, 3 to 11 (with --acc-man-bits, instead of --acc).
    #[arg(long, value_name = "E_ACC", requires = "acc_man_bits")]
    pub acc_exp_bits: Option<u32>,
    /// Accumulator fraction bits m_acc, 2 to 52 (with --acc-exp-bits).
    #[arg(long, value_name = "M_ACC", requires = "acc_exp_bits")]
    pub acc_man_bits: Option<u32>,
    /// Saturate at the largest finite value instead of overflowing to infinity.
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub saturate: Option<bool>,
    /// Pipeline stages before the accumulator: 0 to hbfp_dot's maximum + 1 (+ 1 with contexts), or
    /// `max`. The result leaves S + K cycles after the last block pair. [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<crate::pipeline::Stages>,
    /// Width of a tag that travels with each block pair; the last pair's tag leaves with the
    /// result: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Independent dot products interleaved through the accumulator loop, taking turns (ctx_o
    /// says whose turn it is; docs/hbfp_mac.md, "Contexts"): 1 to 64, or `auto` (as many as
    /// --acc-stages). [default: 1]
    #[arg(long, value_name = "C|auto")]
    pub contexts: Option<crate::acc_loop::Contexts>,
    /// Register stages of the accumulator loop, 1 to 9; K stages need C >= K contexts. The result
    /// leaves S + K cycles after the last block pair. [default: 1; with contexts, min(C, 9)]
    #[arg(long, value_name = "K")]
    pub acc_stages: Option<u32>,
    /// How the block products are summed: `bitheap`, `tree` or `dsp2` (as in hbfp_dot).
    /// [default: bitheap]
    #[arg(long, value_name = "tree|bitheap|dsp2")]
    pub datapath: Option<crate::datapath::Datapath>,
    /// Module name, also the output files' stem.
    /// [default: hbfp_mac_m<M>_b<B>_e<E>_s<S>_<acc>, with _sat, _t<T>, _c<C>k<K>, _tree or _dsp2]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// A validated `hbfp_mac` unit: the block dot-product datapath, a normalisation level and the
/// accumulator. The one parameter type that its golden model, RTL, manifest, vectors and tests
/// derive from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MacUnit {
    /// The dot-product datapath (its stages and name are not used: see `stages` and `name`).
    pub dot: DotUnit,
    /// The accumulator.
    pub acc: Accumulator,
    /// Pipeline stages before the accumulator register.
    pub stages: u32,
    /// Width of the tag that travels with each block pair (0 = no tag ports).
    pub tag_bits: u32,
    /// Contexts and accumulator loop stages.
    pub schedule: crate::acc_loop::Schedule,
    /// Module name.
    pub name: String,
}

impl MacSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<MacUnit> {
        use crate::units::dot::{DotSpec, TAG_BITS_MAX};
        let dot = DotSpec {
            mantissa: self.mantissa,
            block: self.block,
            exp_bits: self.exp_bits,
            datapath: self.datapath,
            ..Default::default()
        }
        .resolve()?;
        let acc = crate::accumulate::Accumulator::of_spec(
            self.acc.as_deref(),
            self.acc_exp_bits,
            self.acc_man_bits,
            self.saturate,
        )?;
        let schedule = crate::acc_loop::Schedule::resolve(self.contexts, self.acc_stages)?;
        let max = MacUnit::max_stages_for(&dot, &schedule);
        let stages = crate::pipeline::resolve_stages(self.stages, max, dot.block())?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        crate::format::check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let mut unit = MacUnit {
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

impl MacUnit {
    /// The largest number of pipeline stages before the accumulator: one after each level of
    /// the dot product and one after the normalisation of its sum (three with contexts: its
    /// magnitude, half its leading-zero count, the rest and the exponent).
    pub fn max_stages_for(dot: &DotUnit, schedule: &crate::acc_loop::Schedule) -> u32 {
        schedule.front_max_stages(dot.max_stages())
    }

    /// The largest number of pipeline stages of this unit.
    pub fn max_stages(&self) -> u32 {
        Self::max_stages_for(&self.dot, &self.schedule)
    }

    /// Latency in cycles from the last block pair of a dot product to its result: the stages and
    /// the accumulator loop's stages.
    pub fn latency(&self) -> u32 {
        self.stages + self.schedule.acc_stages
    }

    /// The register slots: level indices (the dot product's levels, then the normalisation
    /// level) after which a pipeline register sits.
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::place_slots(&self.level_weights(), self.stages)
    }

    /// Each level's estimated delay ([`crate::pipeline::delay`]): the dot product's, then the
    /// normalisation's, shared evenly among its levels.
    pub fn level_weights(&self) -> Vec<u32> {
        self.schedule
            .front_weights(self.dot.shape().level_weights(), self.dot.sum_bits())
    }

    /// Index of the normalisation level (after the dot product's last level).
    pub fn norm_level(&self) -> u32 {
        self.dot.max_stages()
    }

    /// The accumulator's name in unit names: the preset, or `acc<e>x<m>`.
    pub fn acc_label(&self) -> String {
        crate::fp::format_label(self.acc.format)
    }

    /// The default module name, e.g. `hbfp_mac_m4_b64_e10_s9_fp32`, with `_sat` and `_t<T>`.
    pub fn default_name(&self) -> String {
        let mut n = format!(
            "hbfp_mac_m{}_b{}_e{}_s{}_{}",
            self.dot.mantissa_bits(),
            self.dot.block(),
            self.dot.exp_bits(),
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
        n.push_str(self.dot.datapath.name_suffix());
        n
    }

    /// The accumulator's datapath: the block sum is the addend.
    pub fn datapath(&self) -> AccumulatorDatapath {
        let scale = self.dot.format.scale;
        AccumulatorDatapath {
            acc: self.acc,
            addend_bits: self.dot.sum_bits(),
            addend_exp_range: (
                2 * scale.min_exp() - self.sum_exp_offset(),
                2 * scale.max_exp() - self.sum_exp_offset(),
            ),
        }
    }

    /// The exponent offset of a block sum's lsb: x = X_a + X_b - 2(M - 1).
    pub fn sum_exp_offset(&self) -> i64 {
        2 * i64::from(self.dot.format.element.frac_bits())
    }

    /// The golden model of one long dot product: the pairs in order, from +0.
    pub fn dot_product(&self, pairs: &[(Block, Block)]) -> Result<u64> {
        accumulate_blocks(&self.acc, &self.dot, pairs)
    }
}

/// One long dot product: the pairs of blocks in order, each exact block sum added to `acc` from
/// +0. Returns the accumulator's bit pattern after the last pair.
pub fn accumulate_blocks(
    acc: &Accumulator,
    unit: &DotUnit,
    pairs: &[(Block, Block)],
) -> Result<u64> {
    let frac = i64::from(unit.format.element.frac_bits());
    let mut sum = acc.format.zero(false);
    for (a, b) in pairs {
        let r = unit.dot(a, b)?;
        sum = acc.add_block(sum, r.sum, r.exp - 2 * frac, r.nan);
    }
    Ok(sum)
}

impl crate::unit::Unit for MacUnit {
    type Spec = MacSpec;
    const KIND: &'static str = "hbfp_mac";
    const COMMAND: &'static str = "mac";
    const ABOUT: &'static str = "hbfp_mac: a long dot product over consecutive block pairs \
        (first_i .. last_i), each exact block sum added to a floating-point accumulator with one \
        rounding to nearest even.";
    const SWEEP_AXES: &'static [&'static str] = &["mantissa", "block", "stages", "acc"];

    fn resolve(spec: &MacSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let d = &self.dot;
        let (m, b) = (d.mantissa_bits(), d.block());
        let lanes =
            format!("{b} lanes of {m}-bit two's-complement mantissas, lane i at [i*{m} +: {m}]");
        let mut p = ports::clock(true);
        p.extend(ports::input_handshake(
            "a block pair is presented",
            "the unit accepts the presented pair",
        ));
        p.extend(ports::block_operands(
            d.man_bus_bits(),
            d.exp_bits(),
            &lanes,
        ));
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
        crate::manifest::to_json(&manifest::MacManifest::of(self))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} lanes of {}-bit mantissas accumulated in {}, latency {} cycles",
            self.name,
            self.dot.block(),
            self.dot.mantissa_bits(),
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
        MacUnit::latency(self)
    }
    fn contexts(&self) -> u32 {
        self.schedule.contexts
    }
    fn synth_parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "mantissa": self.dot.mantissa_bits(),
            "block": self.dot.block(),
            "exp_bits": self.dot.exp_bits(),
            "stages": self.stages,
            "acc": self.acc_label(),
            "saturate": self.acc.overflow == Overflow::Saturate,
            "contexts": self.schedule.contexts,
            "acc_stages": self.schedule.acc_stages,
        })
    }
}
