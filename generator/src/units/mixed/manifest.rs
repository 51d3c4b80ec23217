//! The manifest of an `hbfp_mixed_dot` unit.

use crate::manifest::GeneratorInfo;
use crate::ports::Port;
use crate::units::dot::Level;
use serde::Serialize;

/// One built mode of an `hbfp_mixed_dot` unit, as its manifest records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MixedMode {
    /// The value of `mode_i` that selects it.
    pub code: u32,
    /// The operand mantissa width M (bits, sign included).
    pub mantissa: u32,
    /// Radix-8 digits per element (k).
    pub digits: u32,
    /// Cycles per block pair (k * k): one operation is accepted every this many cycles.
    pub cycles_per_block: u32,
    /// Cycles from the first cycle an operation is presented to its result, without
    /// back-pressure.
    pub latency: u32,
    /// The beats of the schedule, in order.
    pub schedule: Vec<crate::units::mixed::Beat>,
    /// Width of `hbfp_dot`'s sum for this mode; `sum_o` holds it sign-extended.
    pub sum_bits: u32,
}

/// The manifest of an `hbfp_mixed_dot` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MixedManifest {
    /// The generator.
    pub generator: GeneratorInfo,
    /// The kind of unit: `hbfp_mixed_dot`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// The parameters (`modes`, `block`, `exp_bits`, `stages`, `tag_bits`).
    pub parameters: crate::units::mixed::MixedSpec,
    /// The built modes, by code.
    pub modes: Vec<MixedMode>,
    /// Width of each lane on `a_man_i` and `b_man_i` (the widest mode).
    pub lane_bits: u32,
    /// Width of `sum_o`.
    pub sum_bits: u32,
    /// The largest accepted number of stages.
    pub max_stages: u32,
    /// The 4-bit datapath's levels with their register placement (the accumulator follows).
    pub levels: Vec<Level>,
    /// Every port, in declaration order.
    pub ports: Vec<Port>,
}

impl MixedManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &crate::units::mixed::MixedUnit) -> Self {
        use crate::units::mixed::{digit_count, schedule, MixedUnit};
        let (b, e, t, l) = (
            unit.block(),
            unit.exp_bits(),
            unit.tag_bits,
            unit.lane_bits(),
        );
        MixedManifest {
            generator: GeneratorInfo::new(super::emit::command_line(unit)),
            unit: "hbfp_mixed_dot",
            module: unit.name.clone(),
            parameters: crate::units::mixed::MixedSpec {
                modes: Some(unit.modes.clone()),
                block: Some(b),
                exp_bits: Some(e),
                stages: Some(crate::pipeline::Stages::Count(unit.stages())),
                tag_bits: Some(t),
                datapath: Some(unit.lanes.datapath),
                name: None,
            },
            modes: unit
                .modes
                .iter()
                .enumerate()
                .map(|(code, &m)| MixedMode {
                    code: code as u32,
                    mantissa: m,
                    digits: digit_count(m),
                    cycles_per_block: MixedUnit::cycles_per_block(m),
                    latency: unit.latency(m),
                    schedule: schedule(m),
                    sum_bits: unit.format_of(m).dot_sum_bits(),
                })
                .collect(),
            lane_bits: l,
            sum_bits: unit.sum_bits(),
            max_stages: unit.max_stages(),
            levels: unit.lanes.levels(),
            ports: crate::unit::Unit::ports(unit),
        }
    }
}
