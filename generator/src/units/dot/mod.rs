//! The `hbfp_dot` unit: the parameters of a block dot-product unit, their validation, and every width
//! and pipeline position derived from them. The golden model, the emitted RTL, the manifest, the
//! testbench and the tests all read these values from here.

pub mod emit;
pub mod manifest;
pub mod model;
pub mod vectors;

pub use crate::datapath::{Datapath, Level};
use crate::error::Result;
use crate::format::{check_range, BlockFormat, EXP_BITS_DEFAULT};
use crate::ident::resolve_name;
use crate::pipeline::resolve_stages;
pub use crate::pipeline::Stages;
use crate::ports::{self, Port};
use serde::{Deserialize, Serialize};

/// Largest accepted tag width (bits).
pub const TAG_BITS_MAX: u32 = 64;
/// Default mantissa width of the default unit (HBFP4).
pub const MANTISSA_DEFAULT: u32 = 4;
/// Default block size of the default unit.
pub const BLOCK_DEFAULT: u32 = 64;

/// The parameters of an `hbfp_dot` unit, as command-line flags and as TOML keys (flags override
/// the values of --config). Unset fields take the defaults of [`DotSpec::resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct DotSpec {
    /// Mantissa width M in bits, sign included: 2 to 16 (HBFP4, HBFP6, HBFP8 are 4, 6, 8).
    /// [default: 4]
    #[arg(short, long, value_name = "M")]
    pub mantissa: Option<u32>,
    /// Block size B, elements sharing one exponent: 1 to 4096, any value. [default: 64]
    #[arg(short, long, value_name = "B")]
    pub block: Option<u32>,
    /// Shared-exponent width E in bits: 2 to 16. [default: 10]
    #[arg(short, long, value_name = "E")]
    pub exp_bits: Option<u32>,
    /// Pipeline register stages: 0 (combinational) to the maximum N, or `max`:
    /// N = ceil(log2 B) + 2 with --datapath tree, ceil(log2 B) + ceil(log2 ceil(M/2)) + 3 with
    /// bitheap, ceil(log2 ceil(B/2)) + 3 with dsp2.
    /// The latency is exactly S cycles. [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<Stages>,
    /// Width of a tag that travels with each operation (tag_i to tag_o): 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// How the products are summed: `bitheap` (radix-4 Booth rows compressed by carry-chain
    /// adders, no multipliers: the fewest LUTs without DSPs), `tree` (B multipliers, then an adder
    /// tree: one DSP per lane with DSPs) or `dsp2` (two lanes per multiplier, so half the DSPs of
    /// `tree`; M <= 5). Same numbers, different logic. [default: bitheap]
    #[arg(long, value_name = "tree|bitheap|dsp2")]
    pub datapath: Option<Datapath>,
    /// Module name, also the output files' stem: an SV identifier.
    /// [default: hbfp_dot_m<M>_b<B>_e<E>_s<S>, with _t<T> when tagged, _tree or _dsp2 for those datapaths]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

impl DotSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<DotUnit> {
        let format = BlockFormat::hbfp(
            self.mantissa.unwrap_or(MANTISSA_DEFAULT),
            self.block.unwrap_or(BLOCK_DEFAULT),
            self.exp_bits.unwrap_or(EXP_BITS_DEFAULT),
        )?;
        let datapath = self.datapath.unwrap_or_default();
        datapath.check(format)?;
        let max = DotUnit::max_stages_for(format, datapath);
        let stages = resolve_stages(self.stages, max, format.block)?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = resolve_name(self.name.as_deref(), || {
            default_name(format, stages, tag_bits, datapath)
        })?;
        Ok(DotUnit {
            format,
            stages,
            tag_bits,
            datapath,
            name,
        })
    }
}

/// A validated `hbfp_dot` unit: the one parameter type the model, RTL, manifest and tests derive from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DotUnit {
    /// The block format of both operands.
    pub format: BlockFormat,
    /// Number of pipeline register stages (the latency in cycles).
    pub stages: u32,
    /// Width of the tag that travels with each operation (0 = no tag ports).
    pub tag_bits: u32,
    /// How the products are summed.
    pub datapath: Datapath,
    /// The SystemVerilog module name (also the output files' stem).
    pub name: String,
}

impl DotUnit {
    /// Number of adder-tree levels, `ceil(log2 B)`.
    pub fn tree_levels(&self) -> u32 {
        self.shape().tree_levels()
    }

    /// Number of adder-tree levels of a block format, `ceil(log2 B)`.
    pub fn tree_levels_for(format: BlockFormat) -> u32 {
        crate::datapath::tree_levels(format)
    }

    /// The shape of its integer datapath (its format and stages).
    pub fn shape(&self) -> crate::datapath::Shape {
        crate::datapath::Shape {
            format: self.format,
            stages: self.stages,
            datapath: self.datapath,
        }
    }

    /// The maximum number of pipeline stages for a block format and datapath: one register slot
    /// after the inputs and one after each level ([`crate::datapath::slots`]).
    pub fn max_stages_for(format: BlockFormat, datapath: Datapath) -> u32 {
        crate::datapath::slots(format, datapath)
    }

    /// The maximum number of pipeline stages of this unit.
    pub fn max_stages(&self) -> u32 {
        self.shape().max_stages()
    }

    /// Latency in cycles from an accepted input to its valid output, without back-pressure.
    pub fn latency(&self) -> u32 {
        self.stages
    }

    /// Mantissa width M.
    pub fn mantissa_bits(&self) -> u32 {
        self.format.element.bits()
    }

    /// Shared-exponent width E.
    pub fn exp_bits(&self) -> u32 {
        self.format.scale.bits()
    }

    /// Block size B.
    pub fn block(&self) -> u32 {
        self.format.block
    }

    /// Width W of `sum_o`.
    pub fn sum_bits(&self) -> u32 {
        self.format.dot_sum_bits()
    }

    /// Width of `exp_o` (E + 1).
    pub fn exp_out_bits(&self) -> u32 {
        self.format.scale.sum_bits()
    }

    /// Width of one exact element product (2M).
    pub fn product_bits(&self) -> u32 {
        self.format.element.product_bits()
    }

    /// Width of `a_man_i` and `b_man_i` (B * M).
    pub fn man_bus_bits(&self) -> u32 {
        self.shape().man_bus_bits()
    }

    /// The register slots (level indices) that hold a pipeline register, spread evenly: with
    /// N = [`Self::max_stages`] slots and S stages, stage k (0-based) sits after level
    /// `floor((k + 1) * N / S) - 1`, so S = 1 registers the output and S = N every level.
    pub fn register_slots(&self) -> Vec<u32> {
        self.shape().register_slots()
    }

    /// The datapath's levels, inputs first, with the pipeline registers placed.
    pub fn levels(&self) -> Vec<Level> {
        self.shape().levels()
    }

    /// The datapath's levels with pipeline registers after the levels in `slots` (a unit that
    /// builds on this datapath places its own registers).
    pub fn levels_with(&self, slots: &[u32]) -> Vec<Level> {
        self.shape().levels_with(slots)
    }
}

/// The default module name, which encodes the parameters.
pub fn default_name(format: BlockFormat, stages: u32, tag_bits: u32, datapath: Datapath) -> String {
    let mut n = format!(
        "hbfp_dot_m{}_b{}_e{}_s{}",
        format.element.bits(),
        format.block,
        format.scale.bits(),
        stages
    );
    if tag_bits > 0 {
        n.push_str(&format!("_t{tag_bits}"));
    }
    n.push_str(datapath.name_suffix());
    n
}

impl crate::unit::Unit for DotUnit {
    type Spec = DotSpec;
    const KIND: &'static str = "hbfp_dot";
    const COMMAND: &'static str = "dot";
    const ABOUT: &'static str =
        "hbfp_dot: exact dot product of two HBFP blocks, pipelined, with a valid/ready handshake.";

    fn resolve(spec: &DotSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (m, b) = (self.mantissa_bits(), self.block());
        let lanes =
            format!("{b} lanes of {m}-bit two's-complement mantissas, lane i at [i*{m} +: {m}]");
        let mut p = ports::clock(self.stages > 0);
        p.extend(ports::input_handshake(
            "an operation is presented",
            "the unit accepts the presented operation",
        ));
        p.extend(ports::block_operands(
            self.man_bus_bits(),
            self.exp_bits(),
            &lanes,
        ));
        p.extend(ports::tag(
            self.tag_bits,
            "travels unchanged with the operation",
            "the tag of the operation on the outputs",
        ));
        p.extend(ports::output_handshake("a result"));
        p.extend([
            Port::output("sum_o", self.sum_bits(), "exact sum of the lane products")
                .declared_signed(),
            Port::output("exp_o", self.exp_out_bits(), "a_exp + b_exp").declared_signed(),
            Port::output("nan_o", 1, "either operand is a NaN block"),
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
        crate::manifest::to_json(&manifest::DotManifest::of(self))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} lanes of {}-bit mantissas, exponent {} bits, sum {} bits, latency {} cycles",
            self.name,
            self.block(),
            self.mantissa_bits(),
            self.exp_bits(),
            self.sum_bits(),
            self.latency()
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
        serde_json::to_value(manifest::DotManifest::of(self).parameters)
            .expect("parameters serialise")
    }
    fn floor(&self) -> Result<Option<crate::synth::Design>> {
        let floor = crate::units::int_dot::IntDotUnit::of(self.shape(), None)?;
        Ok(Some(crate::unit::AnyUnit::design(&floor)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<DotSpec, String> {
        crate::unit::parse_toml::<DotUnit>(text, std::path::Path::new("t.toml"))
            .map_err(|e| e.to_string())
    }

    fn unit(m: u32, b: u32, s: Stages) -> DotUnit {
        DotSpec {
            mantissa: Some(m),
            block: Some(b),
            stages: Some(s),
            ..Default::default()
        }
        .resolve()
        .unwrap()
    }

    #[test]
    fn register_slots_are_distinct_increasing_and_end_at_the_output() {
        for b in [1u32, 2, 3, 16, 64, 100, 4096] {
            let n = unit(4, b, Stages::Max).max_stages();
            for s in 0..=n {
                let u = unit(4, b, Stages::Count(s));
                let slots = u.register_slots();
                assert_eq!(slots.len() as u32, s);
                assert!(slots.windows(2).all(|w| w[0] < w[1]), "{slots:?}");
                if s > 0 {
                    assert_eq!(*slots.last().unwrap(), n - 1, "output registered");
                }
                assert_eq!(u.levels().iter().filter(|l| l.registered).count() as u32, s);
            }
        }
    }

    #[test]
    fn tree_reduces_to_one_value_of_the_sum_width() {
        for b in 1..=300u32 {
            let u = unit(6, b, Stages::Max);
            let levels = u.levels();
            let last = levels.last().unwrap();
            assert_eq!(last.count, 1, "B = {b}");
            assert_eq!(last.width, u.sum_bits(), "B = {b}");
            assert_eq!(levels.len() as u32, u.max_stages());
        }
    }

    #[test]
    fn stages_above_the_maximum_are_rejected_with_the_range() {
        for (datapath, max) in [(Datapath::Tree, 8), (Datapath::Bitheap, 10)] {
            let e = DotSpec {
                block: Some(64),
                stages: Some(Stages::Count(max + 1)),
                datapath: Some(datapath),
                ..Default::default()
            }
            .resolve()
            .unwrap_err()
            .to_string();
            assert!(
                e.contains("`stages`") && e.contains(&format!("0 to {max}")),
                "{e}"
            );
        }
    }

    #[test]
    fn toml_rejects_unknown_keys_and_wrong_types() {
        let e = parse("mantisa = 4\n").unwrap_err();
        assert!(e.contains("mantisa") && e.contains("keys:"), "{e}");
        let e = parse("block = \"wide\"\n").unwrap_err();
        assert!(e.contains("block") || e.contains("integer"), "{e}");
        let e = parse("stages = \"most\"\n").unwrap_err();
        assert!(e.contains("max"), "{e}");
        let s = parse("mantissa = 8\nstages = \"max\"\nblock = 3\ndatapath = \"tree\"\n").unwrap();
        assert_eq!(s.stages, Some(Stages::Max));
        assert_eq!(s.resolve().unwrap().stages, 4);
        let e = parse("datapath = \"wallace\"\n").unwrap_err();
        assert!(e.contains("tree") && e.contains("bitheap"), "{e}");
    }
}
