//! The manifest of an `fp_mac` unit.

use super::FpMacUnit;
use crate::manifest::GeneratorInfo;
use crate::ports::Port;
use serde::Serialize;

/// The manifest of an `fp_mac` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FpMacManifest {
    /// The generator.
    pub generator: GeneratorInfo,
    /// The kind of unit: `fp_mac`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// The operand format and the accumulator.
    pub mac: crate::units::fp_mac::FpMac,
    /// Pipeline stages before the accumulator.
    pub stages: u32,
    /// Tag width T (bits).
    pub tag_bits: u32,
    /// Contexts, accumulator loop stages and the context rule.
    pub schedule: crate::acc_loop::ScheduleManifest,
    /// Cycles from the last operand pair of a dot product to its result, without back-pressure.
    pub latency: u32,
    /// Operand pairs accepted per cycle without back-pressure.
    pub throughput: u32,
    /// The accumulator loop's widths: the product is its addend.
    pub accumulator_datapath: crate::accumulate::AccumulatorDatapath,
    /// Every port, in declaration order.
    pub ports: Vec<Port>,
}

impl FpMacManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &FpMacUnit) -> Self {
        let t = unit.tag_bits;
        FpMacManifest {
            generator: GeneratorInfo::new(super::emit::command_line(unit)),
            unit: "fp_mac",
            module: unit.name.clone(),
            mac: unit.mac,
            stages: unit.stages,
            tag_bits: t,
            schedule: crate::acc_loop::ScheduleManifest::of(
                &unit.schedule,
                unit.mac.acc.format.bits(),
            ),
            latency: unit.latency(),
            throughput: 1,
            accumulator_datapath: unit.datapath(),
            ports: crate::unit::Unit::ports(unit),
        }
    }
}
