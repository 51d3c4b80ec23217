//! The SystemVerilog of `mls_mac` (`rtl-templates/mls_mac/mls_mac.sv.tera`: the MLS datapath of
//! `mls_dot`, then the shared accumulator), its provenance header and regeneration command.

use super::MlsMacUnit;
use crate::accumulate::{accumulator_context, AccPlan, AccumulatorContext};
use crate::error::Result;
use crate::fp::Overflow;
use crate::render::{comment_header, render, slot_list};
use crate::units::mls_dot::emit::{datapath_ctx, MlsDatapathCtx};
use serde::Serialize;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &MlsMacUnit) -> String {
    let f = unit.acc.format;
    let l = &unit.dot.layout;
    format!(
        "hbfpgen gen mls-mac --elem-exp-bits {} --elem-man-bits {} --group {} --group-scale-bits {} --block {} --acc-exp-bits {} --acc-man-bits {}{} --stages {} --tag-bits {}{} --name {}",
        l.elem.exp_bits,
        l.elem.man_bits,
        l.group,
        l.scale_bits,
        unit.dot.block,
        f.exp_bits(),
        f.man_bits(),
        if unit.acc.overflow == Overflow::Saturate { " --saturate" } else { "" },
        unit.stages,
        unit.tag_bits,
        unit.schedule.flags(),
        unit.name
    )
}

/// The comment header of the files of `unit`.
pub fn header(unit: &MlsMacUnit, what: &str) -> String {
    let f = unit.acc.format;
    let d = &unit.dot;
    let l = &d.layout;
    let mut lines = vec![
        format!(
            "// Parameters: elements {}, group g = {}, group scale G = {} bits, block K = {} lanes, accumulator {} = FP({}, {}), overflow to {}, stages S = {}, tag T = {} bits",
            l.elem,
            l.group,
            l.scale_bits,
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
            "// Derived: block sum {} bits in units of 2^-{} (the tensor scales aside), alignment window {} bits, at most {} stages",
            d.sum_bits(),
            d.frac_bits(),
            unit.datapath().window_bits(),
            unit.max_stages()
        ),
        format!(
            "// Latency: {} cycles from the last block pair to the result; one block pair per cycle. Registers after levels: [{}]",
            unit.latency(),
            slot_list(&unit.register_slots())
        ),
        "// Numerics: docs/numerics.md (MLS). Handshake: valid/ready.".into(),
    ];
    lines.extend(crate::acc_loop::header_line(&unit.schedule));
    comment_header(what, &command_line(unit), &lines)
}

/// What `rtl-templates/mls_mac/mls_mac.sv.tera` draws.
#[derive(Serialize)]
struct MlsMacContext {
    header: String,
    name: String,
    ports: String,
    /// The side band at the normalisation level, whose group-shift field is not read there.
    unused_side: String,
    /// The MLS datapath.
    #[serde(flatten)]
    dp: MlsDatapathCtx,
    /// The accumulator.
    #[serde(flatten)]
    acc: AccumulatorContext,
}

/// Renders the SystemVerilog of `unit`. The side band is {tag, last, first, nan (always 0), group
/// shifts}: the shifts are the field at its bottom that the accumulator plan calls the exponent
/// field, used by the group-shift level and dropped after the normalisation.
pub fn sv(unit: &MlsMacUnit) -> Result<String> {
    let slots = unit.register_slots();
    let t = unit.tag_bits;
    let exw = unit.dot.groups() * unit.dot.group_shift_bits();
    let side_bits = t + 3 + exw;
    let dp = datapath_ctx(&unit.dot, &slots, side_bits);
    let norm = unit.norm_level();
    let acc = accumulator_context(&AccPlan {
        dp: unit.datapath(),
        slots: &slots,
        norm_level: norm,
        side: side_bits,
        exw,
        exp_signed: true,
        sum_off: i64::from(unit.dot.frac_bits()),
        t,
        schedule: unit.schedule,
        has_inf: false,
        sign_from_side: false,
    });
    let ctx = MlsMacContext {
        header: header(
            unit,
            &format!(
                "{}: MLS block dot products ({} in groups of {}) accumulated in {}",
                unit.name,
                unit.dot.layout.elem,
                unit.dot.layout.group,
                unit.acc_label()
            ),
        ),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        unused_side: format!("{}[{}:0]", acc.norm_side, exw - 1),
        dp,
        acc,
    };
    render("mls_mac.sv", &ctx)
}
