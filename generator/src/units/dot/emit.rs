//! The SystemVerilog of `hbfp_dot` (`rtl-templates/hbfp_dot/hbfp_dot.sv.tera`), its provenance
//! header and regeneration command, and the deliberate faults the verification suite must catch.

use super::DotUnit;
use crate::bitheap::HeapCtx;
use crate::datapath::{Datapath, LevelCtx};
use crate::error::Result;
use crate::pipeline::{uniform_stages, StageCtx};
use crate::render::{comment_header, level_name, render, slot_list};
use crate::unit::Unit;
use serde::Serialize;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &DotUnit) -> String {
    format!(
        "hbfpgen gen dot --mantissa {} --block {} --exp-bits {} --stages {} --tag-bits {} --datapath {} --name {}",
        unit.mantissa_bits(),
        unit.block(),
        unit.exp_bits(),
        unit.stages,
        unit.tag_bits,
        unit.datapath,
        unit.name
    )
}

/// The comment header of every generated file: parameters, latency and generator version.
pub fn header(unit: &DotUnit, what: &str) -> String {
    let slots = slot_list(&unit.register_slots());
    comment_header(
        what,
        &command_line(unit),
        &[
        format!(
            "// Parameters: mantissa M = {} bits, block B = {} lanes, exponent E = {} bits, stages S = {}, tag T = {} bits",
            unit.mantissa_bits(),
            unit.block(),
            unit.exp_bits(),
            unit.stages,
            unit.tag_bits
        ),
        format!(
            "// Derived: sum_o {} bits (2M + floor(log2 B)), exp_o {} bits, {}, at most {} stages",
            unit.sum_bits(),
            unit.exp_out_bits(),
            unit.shape().summary(),
            unit.max_stages()
        ),
        format!(
            "// Latency: {} cycles without back-pressure; one operation per cycle. Registers after levels: [{}]",
            unit.latency(),
            slots
        ),
        "// Numerics: docs/numerics.md. Handshake: valid/ready, valid never depends on ready.".into(),
        ],
    )
}

/// A deliberate defect built into a unit by [`sv_with_fault`], so that the verification suite can
/// show that it catches one. The command-line tool never emits a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Bit 0 of the product of this lane is inverted.
    LaneProduct(u32),
    /// Bit 0 of the exponent sum is inverted.
    ExponentBit,
    /// The NaN flag ignores block B.
    NanFromAOnly,
    /// The output stage ignores `out_ready_i` (a combinational unit: `in_ready_o` is always 1), so a
    /// result held under back-pressure is overwritten.
    IgnoreBackpressure,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::LaneProduct(l) => write!(f, "bit 0 of the product of lane {l} is inverted"),
            Fault::ExponentBit => f.write_str("bit 0 of the exponent sum is inverted"),
            Fault::NanFromAOnly => f.write_str("the NaN flag ignores block B"),
            Fault::IgnoreBackpressure => f.write_str("the output ignores out_ready_i"),
        }
    }
}

/// Renders the SystemVerilog of an `hbfp_dot` unit.
pub fn sv(unit: &DotUnit) -> Result<String> {
    render_dot(unit, None)
}

/// Renders an `hbfp_dot` unit with a deliberate defect (for testing the verification only). The
/// header says so; a lane outside the block is an error.
pub fn sv_with_fault(unit: &DotUnit, fault: Fault) -> Result<String> {
    if let Fault::LaneProduct(l) = fault {
        crate::format::check_range("fault lane", l, 0, unit.block() - 1)?;
    }
    render_dot(unit, Some(fault))
}

fn render_dot(unit: &DotUnit, fault: Option<Fault>) -> Result<String> {
    let slots = unit.register_slots();
    let shape = unit.shape();
    let all = shape.levels();
    let last = all.last().expect("at least two levels");
    let fault_lane = match fault {
        Some(Fault::LaneProduct(l)) => Some(l),
        _ => None,
    };
    let (tree, heap) = shape.ctx_with(&slots, fault_lane);
    let e = unit.exp_bits();
    let side_bits = unit.tag_bits + 1 + unit.exp_out_bits();
    let out_ready = match fault {
        Some(Fault::IgnoreBackpressure) => "1'b1",
        _ => "out_ready_i",
    };
    let mut what = "hbfp_dot: exact HBFP block dot product".to_owned();
    if let Some(f) = fault {
        what.push_str(&format!(
            "\n// FAULT INJECTED FOR VERIFICATION TESTS: {f}. Not a usable unit."
        ));
    }
    let ctx = DotContext {
        header: header(unit, &what),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&unit.ports()),
        mantissa_bits: unit.mantissa_bits(),
        exp_bits: e,
        tag_bits: unit.tag_bits,
        man_bus: unit.man_bus_bits(),
        side_bits,
        nan_code: format!(
            "{e}'h{:x}",
            unit.format.scale.encode(unit.format.scale.nan_exp())
        ),
        result: level_name(last.index, last.registered),
        levels: tree,
        heap,
        stages: uniform_stages(&slots, side_bits, out_ready),
        last_stage: (slots.len() as u32).saturating_sub(1),
        out_ready: out_ready.to_owned(),
        fault_lane_bit: match (fault_lane, unit.datapath) {
            (Some(l), Datapath::Tree) => Some(l * unit.product_bits()),
            _ => None,
        },
        fault_exp: matches!(fault, Some(Fault::ExponentBit)),
        fault_nan: matches!(fault, Some(Fault::NanFromAOnly)),
        fault_ready: matches!(fault, Some(Fault::IgnoreBackpressure)),
    };
    render("hbfp_dot.sv", &ctx)
}

/// What `rtl-templates/hbfp_dot/hbfp_dot.sv.tera` (and the shared datapath and pipeline templates
/// it includes) draws.
#[derive(Serialize)]
struct DotContext {
    /// The provenance header.
    header: String,
    /// The module name.
    name: String,
    /// The port declarations, from the unit's port list.
    ports: String,
    /// Element width M.
    mantissa_bits: u32,
    /// Shared-exponent width E.
    exp_bits: u32,
    /// Tag width T (0: no tag).
    tag_bits: u32,
    /// Width of one operand bus (B * M); level 0 holds both.
    man_bus: u32,
    /// Width of the side band that travels beside the datapath: {tag, nan, exponent sum}.
    side_bits: u32,
    /// The NaN exponent code as an SV literal.
    nan_code: String,
    /// The signal that holds the sum (the last level).
    result: String,
    /// The tree datapath's levels (empty for the bit heap).
    levels: Vec<LevelCtx>,
    /// The bit heap (none for the tree).
    heap: Option<HeapCtx>,
    /// The pipeline stages.
    stages: Vec<StageCtx>,
    /// The index of the last stage (0 when there is none).
    last_stage: u32,
    /// The ready signal that releases the last stage.
    out_ready: String,
    /// Faults (verification only): the product bit to invert, and the other three defects.
    fault_lane_bit: Option<u32>,
    fault_exp: bool,
    fault_nan: bool,
    fault_ready: bool,
}
