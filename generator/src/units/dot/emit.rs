//! The SystemVerilog of `hbfp_dot` (`rtl-templates/hbfp_dot/hbfp_dot.sv.tera`), its provenance
//! header and regeneration command, and the deliberate faults the verification suite must catch.

use super::DotUnit;
use crate::datapath::level_ctx;
use crate::error::Result;
use crate::pipeline::uniform_stages;
use crate::render::{comment_header, level_name, render_context, slot_list};
use crate::unit::Unit;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &DotUnit) -> String {
    format!(
        "hbfpgen gen dot --mantissa {} --block {} --exp-bits {} --stages {} --tag-bits {} --name {}",
        unit.mantissa_bits(),
        unit.block(),
        unit.exp_bits(),
        unit.stages,
        unit.tag_bits,
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
            "// Derived: sum_o {} bits (2M + floor(log2 B)), exp_o {} bits, {} adder-tree levels, at most {} stages",
            unit.sum_bits(),
            unit.exp_out_bits(),
            unit.tree_levels(),
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
    let lctx = level_ctx(unit.format, &unit.register_slots());
    let levels = unit.levels();
    let m = unit.mantissa_bits();
    let man_bus = unit.man_bus_bits();
    let slots = unit.register_slots();
    let s = slots.len() as u32;
    let out_ready = match fault {
        Some(Fault::IgnoreBackpressure) => "1'b1",
        _ => "out_ready_i",
    };
    let stages = uniform_stages(&slots, unit.tag_bits + 1 + unit.exp_out_bits(), out_ready);
    let last = levels.last().expect("at least two levels");
    let e = unit.exp_bits();
    let mut ctx = tera::Context::new();
    let mut what = "hbfp_dot: exact HBFP block dot product".to_owned();
    if let Some(f) = fault {
        what.push_str(&format!(
            "\n// FAULT INJECTED FOR VERIFICATION TESTS: {f}. Not a usable unit."
        ));
    }
    ctx.insert("header", &header(unit, &what));
    ctx.insert(
        "fault_lane_bit",
        &match fault {
            Some(Fault::LaneProduct(l)) => Some(l * unit.product_bits()),
            _ => None,
        },
    );
    ctx.insert("fault_exp", &matches!(fault, Some(Fault::ExponentBit)));
    ctx.insert("fault_nan", &matches!(fault, Some(Fault::NanFromAOnly)));
    ctx.insert(
        "fault_ready",
        &matches!(fault, Some(Fault::IgnoreBackpressure)),
    );
    ctx.insert("name", &unit.name);
    ctx.insert("ports", &crate::ports::sv_declaration(&unit.ports()));
    ctx.insert("m", &m);
    ctx.insert("e", &e);
    ctx.insert("t", &unit.tag_bits);
    ctx.insert("w", &unit.sum_bits());
    ctx.insert("man_bus", &man_bus);
    ctx.insert("side", &(unit.tag_bits + 1 + unit.exp_out_bits()));
    ctx.insert(
        "nan_code",
        &format!(
            "{e}'h{:x}",
            unit.format.scale.encode(unit.format.scale.nan_exp())
        ),
    );
    ctx.insert("levels", &lctx);
    ctx.insert("stages", &stages);
    ctx.insert("last_stage", &s.saturating_sub(1));
    ctx.insert("out_ready", out_ready);
    ctx.insert("result", &level_name(last.index, last.registered));
    render_context("hbfp_dot.sv", &ctx)
}
