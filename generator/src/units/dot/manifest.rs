//! The manifest of an `hbfp_dot` unit.

use super::{DotUnit, Level};
use crate::datapath::Datapath;
use crate::format::BlockFormat;
use crate::manifest::GeneratorInfo;
use crate::ports::Port;
use serde::Serialize;

/// The parameters of an `hbfp_dot` unit as the manifest records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DotParameters {
    /// Mantissa width M (bits, sign included).
    pub mantissa: u32,
    /// Block size B (lanes).
    pub block: u32,
    /// Shared-exponent width E (bits).
    pub exp_bits: u32,
    /// Pipeline stages S.
    pub stages: u32,
    /// Tag width T (bits).
    pub tag_bits: u32,
    /// How the products are summed (`tree`, `bitheap` or `dsp2`).
    pub datapath: Datapath,
}

/// Widths and positions derived from the parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DotDerived {
    /// Width of one exact product (2M).
    pub product_bits: u32,
    /// Width W of `sum_o` (2M + floor(log2 B)).
    pub sum_bits: u32,
    /// Width of `exp_o` (E + 1).
    pub exp_out_bits: u32,
    /// Adder-tree levels, ceil(log2 B).
    pub tree_levels: u32,
    /// The largest accepted number of stages.
    pub max_stages: u32,
    /// Most positive and most negative possible sums.
    pub sum_range: [i128; 2],
    /// Exponent code of the canonical zero block.
    pub zero_exp: i64,
    /// Exponent code of a NaN block.
    pub nan_exp: i64,
    /// The datapath levels with their register placement.
    pub levels: Vec<Level>,
}

/// The manifest of an `hbfp_dot` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DotManifest {
    /// The generator.
    pub generator: GeneratorInfo,
    /// The kind of unit: `hbfp_dot`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// The block format of both operands.
    pub format: BlockFormat,
    /// The parameters.
    pub parameters: DotParameters,
    /// Cycles from an accepted input to its output, without back-pressure.
    pub latency: u32,
    /// Operations accepted per cycle without back-pressure.
    pub throughput: u32,
    /// Derived widths.
    pub derived: DotDerived,
    /// Every port, in declaration order.
    pub ports: Vec<Port>,
}

impl DotManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &DotUnit) -> Self {
        DotManifest {
            generator: GeneratorInfo::new(super::emit::command_line(unit)),
            unit: "hbfp_dot",
            module: unit.name.clone(),
            format: unit.format,
            parameters: DotParameters {
                mantissa: unit.mantissa_bits(),
                block: unit.block(),
                exp_bits: unit.exp_bits(),
                stages: unit.stages,
                tag_bits: unit.tag_bits,
                datapath: unit.datapath,
            },
            latency: unit.latency(),
            throughput: 1,
            derived: DotDerived {
                product_bits: unit.product_bits(),
                sum_bits: unit.sum_bits(),
                exp_out_bits: unit.exp_out_bits(),
                tree_levels: unit.tree_levels(),
                max_stages: unit.max_stages(),
                sum_range: [unit.format.max_dot_sum(), unit.format.min_dot_sum()],
                zero_exp: unit.format.scale.zero_exp(),
                nan_exp: unit.format.scale.nan_exp(),
                levels: unit.levels(),
            },
            ports: crate::unit::Unit::ports(unit),
        }
    }
}
