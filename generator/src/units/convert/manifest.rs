//! The manifest of an `hbfp_convert` unit.

use super::ConvertUnit;
use crate::manifest::GeneratorInfo;
use crate::ports::Port;
use serde::Serialize;

/// Widths and positions derived from the parameters of an `hbfp_convert` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConvertDerived {
    /// Bits per input lane (32 or 16).
    pub lane_bits: u32,
    /// Random bits per lane on `rnd_i` (0 unless stochastic).
    pub random_bits: u32,
    /// Levels of the max tree, ceil(log2 B).
    pub tree_levels: u32,
    /// The largest accepted number of stages.
    pub max_stages: u32,
    /// The range the shared exponent is clamped to.
    pub exp_range: [i64; 2],
    /// The shared exponent's range before clamping (over all finite inputs).
    pub natural_exp_range: [i64; 2],
    /// Exponent code of the canonical zero block.
    pub zero_exp: i64,
    /// Exponent code of a NaN block.
    pub nan_exp: i64,
    /// The datapath levels with their register placement.
    pub levels: Vec<crate::units::convert::ConvertLevel>,
}

/// The manifest of an `hbfp_convert` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConvertManifest {
    /// The generator.
    pub generator: GeneratorInfo,
    /// The kind of unit: `hbfp_convert`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// The conversion: output block format, input format, rounding, exponent rule, FTZ.
    pub conversion: crate::units::convert::Converter,
    /// Pipeline stages S.
    pub stages: u32,
    /// Tag width T (bits).
    pub tag_bits: u32,
    /// Cycles from an accepted input to its output, without back-pressure.
    pub latency: u32,
    /// Blocks accepted per cycle without back-pressure.
    pub throughput: u32,
    /// Derived widths.
    pub derived: ConvertDerived,
    /// Every port, in declaration order.
    pub ports: Vec<Port>,
}

impl ConvertManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &ConvertUnit) -> Self {
        let (t, r, lw) = (unit.tag_bits, unit.random_bits(), unit.lane_bits());
        let scale = unit.conv.format.scale;
        let (lo, hi) = unit.exp_range();
        let (nlo, nhi) = unit.natural_exp_range();
        ConvertManifest {
            generator: GeneratorInfo::new(super::emit::command_line(unit)),
            unit: "hbfp_convert",
            module: unit.name.clone(),
            conversion: unit.conv,
            stages: unit.stages,
            tag_bits: t,
            latency: unit.latency(),
            throughput: 1,
            derived: ConvertDerived {
                lane_bits: lw,
                random_bits: r,
                tree_levels: unit.tree_levels(),
                max_stages: unit.max_stages(),
                exp_range: [lo, hi],
                natural_exp_range: [nlo, nhi],
                zero_exp: scale.zero_exp(),
                nan_exp: scale.nan_exp(),
                levels: unit.levels(),
            },
            ports: crate::unit::Unit::ports(unit),
        }
    }
}
