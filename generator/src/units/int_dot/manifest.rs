//! The manifest of an `int_dot` unit.

use super::IntDotUnit;
use crate::datapath::Level;
use crate::manifest::GeneratorInfo;
use crate::ports::Port;
use serde::Serialize;

/// The parameters of an `int_dot` unit as its manifest records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntDotParameters {
    /// Mantissa width M (bits, sign included).
    pub mantissa: u32,
    /// Block size B (lanes).
    pub block: u32,
    /// Pipeline stages S.
    pub stages: u32,
    /// How the products are summed (`tree`, `bitheap` or `dsp2`).
    pub datapath: crate::datapath::Datapath,
}

/// The manifest of an `int_dot` unit (see [`IntDotUnit`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntDotManifest {
    /// Who wrote the unit, and how to regenerate it.
    pub generator: GeneratorInfo,
    /// Always `int_dot`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// Its parameters.
    pub parameters: IntDotParameters,
    /// Cycles from inputs to `sum_o` (there is no handshake).
    pub latency: u32,
    /// Width of `sum_o`.
    pub sum_bits: u32,
    /// The datapath's levels, as in `hbfp_dot`.
    pub levels: Vec<Level>,
    /// The ports, in declaration order.
    pub ports: Vec<Port>,
}

impl IntDotManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &IntDotUnit) -> Self {
        let d = &unit.dot;
        IntDotManifest {
            generator: GeneratorInfo::new(super::command_line(unit)),
            unit: "int_dot",
            module: unit.name.clone(),
            parameters: IntDotParameters {
                mantissa: d.mantissa_bits(),
                block: d.block(),
                stages: d.stages,
                datapath: d.datapath,
            },
            latency: d.latency(),
            sum_bits: d.sum_bits(),
            levels: d.levels(),
            ports: crate::unit::Unit::ports(unit),
        }
    }
}
