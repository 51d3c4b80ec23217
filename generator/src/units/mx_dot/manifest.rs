//! The manifest of an `mx_dot` unit.

use super::MxDotUnit;
use crate::datapath::Level;
use crate::format::MxElement;
use crate::manifest::GeneratorInfo;
use crate::ports::Port;
use serde::Serialize;

/// The parameters of an `mx_dot` unit as its manifest records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxDotParameters {
    /// Element format of block A.
    pub elements: MxElement,
    /// Element format of block B.
    pub elements_b: MxElement,
    /// Block size K.
    pub block: u32,
    /// Pipeline stages S.
    pub stages: u32,
    /// Tag width T.
    pub tag_bits: u32,
}

/// The manifest of an `mx_dot` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxDotManifest {
    /// Who wrote the unit, and how to regenerate it.
    pub generator: GeneratorInfo,
    /// Always `mx_dot`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// Its parameters.
    pub parameters: MxDotParameters,
    /// Cycles from an accepted pair to its result, without back-pressure.
    pub latency: u32,
    /// Width of `sum_o`.
    pub sum_bits: u32,
    /// Fixed-point fraction bits F of `sum_o`: the value is sum_o * 2^(exp_o - F).
    pub frac_bits: u32,
    /// Width of one lane's exact product.
    pub term_bits: u32,
    /// Most negative and most positive lane product, in units of 2^-F.
    pub term_range: [i128; 2],
    /// The datapath's levels and their registers.
    pub levels: Vec<Level>,
    /// The ports, in declaration order.
    pub ports: Vec<Port>,
}

impl MxDotManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &MxDotUnit) -> Self {
        let (lo, hi) = unit.term_range();
        MxDotManifest {
            generator: GeneratorInfo::new(super::emit::command_line(unit)),
            unit: "mx_dot",
            module: unit.name.clone(),
            parameters: MxDotParameters {
                elements: unit.a,
                elements_b: unit.b,
                block: unit.block,
                stages: unit.stages,
                tag_bits: unit.tag_bits,
            },
            latency: unit.stages,
            sum_bits: unit.sum_bits(),
            frac_bits: unit.frac_bits(),
            term_bits: unit.term_bits(),
            term_range: [lo, hi],
            levels: unit.levels(),
            ports: crate::unit::Unit::ports(unit),
        }
    }
}
