//! The manifest of an `hbfp_mac` unit.

use super::MacUnit;
use crate::format::BlockFormat;
use crate::manifest::GeneratorInfo;
use crate::ports::Port;
use serde::Serialize;

/// Widths derived from the parameters of an `hbfp_mac` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MacDerived {
    /// Width W of a block sum (2M + floor(log2 B)).
    pub sum_bits: u32,
    /// Width n of the accumulator's alignment window.
    pub window_bits: u32,
    /// Width of the accumulator's signed exponent arithmetic.
    pub exp_arith_bits: u32,
    /// The largest accepted number of stages.
    pub max_stages: u32,
    /// Level indices followed by a pipeline register (the dot product's levels, then the
    /// normalisation level).
    pub register_slots: Vec<u32>,
}

/// The manifest of an `hbfp_mac` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MacManifest {
    /// The generator.
    pub generator: GeneratorInfo,
    /// The kind of unit: `hbfp_mac`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// The block format of both operands.
    pub format: BlockFormat,
    /// The accumulator.
    pub accumulator: crate::accumulate::Accumulator,
    /// Pipeline stages before the accumulator.
    pub stages: u32,
    /// Tag width T (bits).
    pub tag_bits: u32,
    /// Contexts, accumulator loop stages and the context rule.
    pub schedule: crate::acc_loop::ScheduleManifest,
    /// How the block products are summed (`tree`, `bitheap` or `dsp2`).
    pub datapath: crate::datapath::Datapath,
    /// Cycles from the last block pair of a dot product to its result, without back-pressure.
    pub latency: u32,
    /// Block pairs accepted per cycle without back-pressure.
    pub throughput: u32,
    /// Derived widths.
    pub derived: MacDerived,
    /// Every port, in declaration order.
    pub ports: Vec<Port>,
}

impl MacManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &MacUnit) -> Self {
        let d = &unit.dot;
        let t = unit.tag_bits;
        MacManifest {
            generator: GeneratorInfo::new(super::emit::command_line(unit)),
            unit: "hbfp_mac",
            module: unit.name.clone(),
            format: d.format,
            accumulator: unit.acc,
            stages: unit.stages,
            tag_bits: t,
            schedule: crate::acc_loop::ScheduleManifest::of(&unit.schedule, unit.acc.format.bits()),
            datapath: unit.dot.datapath,
            latency: unit.latency(),
            throughput: 1,
            derived: MacDerived {
                sum_bits: d.sum_bits(),
                window_bits: unit.datapath().window_bits(),
                exp_arith_bits: unit.datapath().exp_arith_bits(),
                max_stages: unit.max_stages(),
                register_slots: unit.register_slots(),
            },
            ports: crate::unit::Unit::ports(unit),
        }
    }
}
