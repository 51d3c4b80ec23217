//! The SystemVerilog of `hbfp_mac` (`rtl-templates/hbfp_mac/hbfp_mac.sv.tera`, with the shared
//! accumulator), its provenance header and regeneration command.

use super::MacUnit;
use crate::accumulate::{accumulator_context, AccPlan, AccumulatorContext};
use crate::bitheap::HeapCtx;
use crate::datapath::LevelCtx;
use crate::error::Result;
use crate::fp::Overflow;
use crate::render::{comment_header, level_name, render, slot_list};
use serde::Serialize;

/// The command line that regenerates the `hbfp_mac` unit `unit`.
pub fn command_line(unit: &MacUnit) -> String {
    let f = unit.acc.format;
    format!(
        "hbfpgen gen mac --mantissa {} --block {} --exp-bits {} --acc-exp-bits {} --acc-man-bits {}{} --stages {} --tag-bits {}{} --datapath {} --name {}",
        unit.dot.mantissa_bits(),
        unit.dot.block(),
        unit.dot.exp_bits(),
        f.exp_bits(),
        f.man_bits(),
        if unit.acc.overflow == Overflow::Saturate { " --saturate" } else { "" },
        unit.stages,
        unit.tag_bits,
        unit.schedule.flags(),
        unit.dot.datapath,
        unit.name
    )
}

/// The comment header of the files of an `hbfp_mac` unit.
pub fn header(unit: &MacUnit, what: &str) -> String {
    let f = unit.acc.format;
    let slots = slot_list(&unit.register_slots());
    let mut lines = vec![
        format!(
            "// Parameters: mantissa M = {} bits, block B = {} lanes, exponent E = {} bits, accumulator {} = FP({}, {}), overflow to {}, stages S = {}, tag T = {} bits",
            unit.dot.mantissa_bits(),
            unit.dot.block(),
            unit.dot.exp_bits(),
            unit.acc_label(),
            f.exp_bits(),
            f.man_bits(),
            match unit.acc.overflow {
                Overflow::Infinity => "infinity",
                Overflow::Saturate => "the largest finite value",
            },
            unit.stages,
            unit.tag_bits
        ),
        format!(
            "// Derived: block sum {} bits, {}, alignment window {} bits, exponent arithmetic {} bits, at most {} stages",
            unit.dot.sum_bits(),
            unit.dot.shape().summary(),
            unit.datapath().window_bits(),
            unit.datapath().exp_arith_bits(),
            unit.max_stages()
        ),
        format!(
            "// Latency: {} cycles from the last block pair to the result; one block pair per cycle. Registers after levels: [{}]",
            unit.latency(),
            slots
        ),
        "// Numerics: docs/numerics.md. Handshake: valid/ready, valid never depends on ready.".into(),
        ];
    lines.extend(crate::acc_loop::header_line(&unit.schedule));
    comment_header(what, &command_line(unit), &lines)
}

/// Renders the SystemVerilog of an `hbfp_mac` unit.
pub fn sv(unit: &MacUnit) -> Result<String> {
    let d = &unit.dot;
    let slots = unit.register_slots();
    let (levels, heap) = d.shape().ctx_with(&slots, None);
    let dot_levels = d.levels_with(&slots);
    let last_dot = dot_levels.last().expect("at least two levels");
    let (m, e, t) = (d.mantissa_bits(), d.exp_bits(), unit.tag_bits);
    let side_bits = t + 3 + e + 1;
    let ctx = MacContext {
        header: header(
            unit,
            &format!(
                "hbfp_mac: HBFP{m} block dot products accumulated in {}",
                unit.acc_label()
            ),
        ),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        mantissa_bits: m,
        exp_bits: e,
        man_bus: d.man_bus_bits(),
        side_bits,
        nan_code: format!("{e}'h{:x}", d.format.scale.encode(d.format.scale.nan_exp())),
        fault_lane_bit: None,
        sum_src: level_name(last_dot.index, last_dot.registered),
        levels,
        heap,
        acc: accumulator_context(&AccPlan {
            dp: unit.datapath(),
            slots: &slots,
            norm_level: unit.norm_level(),
            side: side_bits,
            exw: e + 1,
            exp_signed: true,
            sum_off: unit.sum_exp_offset(),
            t,
            schedule: unit.schedule,
            has_inf: false,
            sign_from_side: false,
        }),
    };
    render("hbfp_mac.sv", &ctx)
}

/// What `rtl-templates/hbfp_mac/hbfp_mac.sv.tera` draws: the dot-product datapath, then the shared
/// accumulator.
#[derive(Serialize)]
struct MacContext {
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
    /// Width of one operand bus (B * M).
    man_bus: u32,
    /// Width of the side band: {tag, last, first, nan, exponent sum}.
    side_bits: u32,
    /// The NaN exponent code as an SV literal.
    nan_code: String,
    /// Never a fault (the shared datapath template asks).
    fault_lane_bit: Option<u32>,
    /// The signal that holds the block sum.
    sum_src: String,
    /// The dot product's levels (the tree; empty for the bit heap).
    levels: Vec<LevelCtx>,
    /// The bit heap (none for the tree).
    heap: Option<HeapCtx>,
    /// The accumulator.
    #[serde(flatten)]
    acc: AccumulatorContext,
}
