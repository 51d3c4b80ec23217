//! The manifest of an `mls_dot` unit.

use super::MlsDotUnit;
use crate::datapath::Level;
use crate::manifest::GeneratorInfo;
use crate::model::mls::MlsLayout;
use crate::ports::Port;
use serde::Serialize;

/// The parameters of an `mls_dot` unit as its manifest records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MlsDotParameters {
    /// Element format, group size and group-scale width.
    pub layout: MlsLayout,
    /// Block size K.
    pub block: u32,
    /// Pipeline stages S.
    pub stages: u32,
    /// Tag width T.
    pub tag_bits: u32,
}

/// The manifest of an `mls_dot` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MlsDotManifest {
    /// Who wrote the unit, and how to regenerate it.
    pub generator: GeneratorInfo,
    /// Always `mls_dot`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// Its parameters.
    pub parameters: MlsDotParameters,
    /// Cycles from an accepted pair to its result, without back-pressure.
    pub latency: u32,
    /// Width of `sum_o`.
    pub sum_bits: u32,
    /// Fixed-point fraction bits F of `sum_o`: the value is sum_o * 2^-F times the tensor scales.
    pub frac_bits: u32,
    /// Width of one lane's exact product.
    pub term_bits: u32,
    /// Width of a group's shift, 2 umax - u_a - u_b.
    pub group_shift_bits: u32,
    /// The datapath's levels and their registers.
    pub levels: Vec<Level>,
    /// The ports, in declaration order.
    pub ports: Vec<Port>,
}

impl MlsDotManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &MlsDotUnit) -> Self {
        MlsDotManifest {
            generator: GeneratorInfo::new(super::emit::command_line(unit)),
            unit: "mls_dot",
            module: unit.name.clone(),
            parameters: MlsDotParameters {
                layout: unit.layout,
                block: unit.block,
                stages: unit.stages,
                tag_bits: unit.tag_bits,
            },
            latency: unit.stages,
            sum_bits: unit.sum_bits(),
            frac_bits: unit.frac_bits(),
            term_bits: unit.term_bits(),
            group_shift_bits: unit.group_shift_bits(),
            levels: unit.levels(),
            ports: crate::unit::Unit::ports(unit),
        }
    }
}
