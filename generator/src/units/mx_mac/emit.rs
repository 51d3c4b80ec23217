//! The SystemVerilog of `mx_mac` (`rtl-templates/mx_mac/mx_mac.sv.tera`: the MX datapath of
//! `mx_dot`, then the shared accumulator), its provenance header and regeneration command.

use super::MxMacUnit;
use crate::accumulate::{accumulator_context, AccPlan, AccumulatorContext};
use crate::error::Result;
use crate::fp::Overflow;
use crate::render::{comment_header, render, slot_list};
use crate::units::mx_dot::emit::{datapath_ctx, MxDatapathCtx};
use crate::units::mx_dot::EXP_OUT_BITS;
use serde::Serialize;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &MxMacUnit) -> String {
    let f = unit.acc.format;
    let d = &unit.dot;
    format!(
        "hbfpgen gen mx-mac --elements {} --elements-b {} --block {} --acc-exp-bits {} --acc-man-bits {}{} --stages {} --tag-bits {}{}{} --name {}",
        d.a,
        d.b,
        d.block,
        f.exp_bits(),
        f.man_bits(),
        if unit.acc.overflow == Overflow::Saturate { " --saturate" } else { "" },
        unit.stages,
        unit.tag_bits,
        unit.schedule.flags(),
        d.shape
            .map(|s| format!(" --datapath {}", s.datapath))
            .unwrap_or_default(),
        unit.name
    )
}

/// The comment header of the files of `unit`.
pub fn header(unit: &MxMacUnit, what: &str) -> String {
    let f = unit.acc.format;
    let d = &unit.dot;
    let mut lines = vec![
        format!(
            "// Parameters: elements A = {}, B = {}, block K = {} lanes, accumulator {} = FP({}, {}), overflow to {}, stages S = {}, tag T = {} bits",
            d.a,
            d.b,
            d.block,
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
            "// Derived: block sum {} bits in units of 2^-{}, {} datapath, alignment window {} bits, at most {} stages",
            d.sum_bits(),
            d.frac_bits(),
            d.shape
                .map(|s| s.datapath.to_string())
                .unwrap_or_else(|| "shift".into()),
            unit.datapath().window_bits(),
            unit.max_stages()
        ),
        format!(
            "// Latency: {} cycles from the last block pair to the result; one block pair per cycle. Registers after levels: [{}]",
            unit.latency(),
            slot_list(&unit.register_slots())
        ),
        "// Numerics: docs/numerics.md (Accumulating MX blocks). Handshake: valid/ready.".into(),
    ];
    lines.extend(crate::acc_loop::header_line(&unit.schedule));
    comment_header(what, &command_line(unit), &lines)
}

/// What `rtl-templates/mx_mac/mx_mac.sv.tera` draws.
#[derive(Serialize)]
struct MxMacContext {
    header: String,
    name: String,
    ports: String,
    /// The side band as it leaves the dot product (aligned with its sum).
    sum_side: String,
    /// The MX datapath.
    #[serde(flatten)]
    dp: MxDatapathCtx,
    /// The accumulator.
    #[serde(flatten)]
    acc: AccumulatorContext,
}

/// Renders the SystemVerilog of `unit`.
pub fn sv(unit: &MxMacUnit) -> Result<String> {
    let slots = unit.register_slots();
    let has_inf = unit.dot.has_inf();
    let t = unit.tag_bits;
    // {tag, last, first, [inf], nan, [inf sign], exponent sum}: the exponent field holds the
    // infinity's sign above the sum
    let exw = EXP_OUT_BITS + u32::from(has_inf);
    let side_bits = t + 3 + u32::from(has_inf) + exw;
    let dp = datapath_ctx(&unit.dot, &slots, side_bits);
    let norm = unit.norm_level();
    let sum_side = match slots.iter().rposition(|&s| s < norm) {
        Some(k) => format!("s{k}_side_q"),
        None => "side_in".into(),
    };
    let ctx = MxMacContext {
        header: header(
            unit,
            &format!(
                "{}: MX block dot products ({} x {}) accumulated in {}",
                unit.name,
                unit.dot.a,
                unit.dot.b,
                unit.acc_label()
            ),
        ),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        sum_side,
        dp,
        acc: accumulator_context(&AccPlan {
            dp: unit.datapath(),
            slots: &slots,
            norm_level: norm,
            side: side_bits,
            exw,
            exp_signed: true,
            sum_off: i64::from(unit.dot.frac_bits()),
            t,
            schedule: unit.schedule,
            has_inf,
            sign_from_side: false,
        }),
    };
    render("mx_mac.sv", &ctx)
}
