//! The SystemVerilog of `fp_mac` (`rtl-templates/fp_mac/fp_mac.sv.tera`, with the shared
//! accumulator), its provenance header and regeneration command.

use super::FpMacUnit;
use crate::accumulate::{accumulator_ctx, AccPlan};
use crate::error::Result;
use crate::fp::Overflow;
use crate::render::{comment_header, level_name, render_context, slot_list};

/// The command line that regenerates the `fp_mac` unit `unit`.
pub fn command_line(unit: &FpMacUnit) -> String {
    format!(
        "hbfpgen gen fp-mac --operand {} --acc {}{} --stages {} --tag-bits {} --name {}",
        FpMacUnit::label(unit.mac.operand),
        FpMacUnit::label(unit.mac.acc.format),
        if unit.mac.acc.overflow == Overflow::Saturate {
            " --saturate"
        } else {
            ""
        },
        unit.stages,
        unit.tag_bits,
        unit.name
    )
}

/// The comment header of the files of an `fp_mac` unit.
pub fn header(unit: &FpMacUnit, what: &str) -> String {
    let slots = slot_list(&unit.register_slots());
    comment_header(
        what,
        &command_line(unit),
        &[
        format!(
            "// Parameters: operands {} = {}, accumulator {} = {}, overflow to {}, stages S = {}, tag T = {} bits",
            FpMacUnit::label(unit.mac.operand),
            unit.mac.operand,
            FpMacUnit::label(unit.mac.acc.format),
            unit.mac.acc.format,
            match unit.mac.acc.overflow {
                Overflow::Infinity => "infinity",
                Overflow::Saturate => "the largest finite value",
            },
            unit.stages,
            unit.tag_bits
        ),
        format!(
            "// Derived: product {} bits, alignment window {} bits, exponent arithmetic {} bits",
            unit.datapath().addend_bits,
            unit.datapath().window_bits(),
            unit.datapath().exp_arith_bits()
        ),
        format!(
            "// Latency: {} cycles from the last operand pair to the result; one pair per cycle. Registers after levels: [{}]",
            unit.latency(),
            slots
        ),
        "// Numerics: docs/numerics.md (fp_mac: IEEE 754 fusedMultiplyAdd). Handshake: valid/ready, valid never depends on ready.".into(),
        ],
    )
}

/// Renders the SystemVerilog of an `fp_mac` unit.
pub fn sv(unit: &FpMacUnit) -> Result<String> {
    let slots = unit.register_slots();
    let op = unit.mac.operand;
    let (oe, om) = (op.exp_bits(), op.man_bits());
    let t = unit.tag_bits;
    let exw = oe + 2;
    let side = t + 4 + exw;
    let mut ctx = tera::Context::new();
    ctx.insert(
        "header",
        &header(
            unit,
            &format!(
                "fp_mac: {} fused multiply-add into {}, the floating-point baseline",
                FpMacUnit::label(op),
                FpMacUnit::label(unit.mac.acc.format)
            ),
        ),
    );
    ctx.insert("name", &unit.name);
    ctx.insert(
        "ports",
        &crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
    );
    ctx.insert("ob", &op.bits());
    ctx.insert("oe", &oe);
    ctx.insert("om", &om);
    ctx.insert("sb", &unit.sig_bits());
    ctx.insert("oe_ones", &format!("{oe}'h{:x}", (1u32 << oe) - 1));
    ctx.insert("side", &side);
    let reg = |l: u32| slots.contains(&l);
    ctx.insert("reg0", &reg(0));
    ctx.insert("reg1", &reg(1));
    ctx.insert(
        "stage1",
        &(slots.iter().position(|&x| x == 1).unwrap_or(0) as u32),
    );
    ctx.insert("src0", &level_name(0, reg(0)));
    ctx.insert("sum_src", &level_name(1, reg(1)));
    accumulator_ctx(
        &mut ctx,
        &AccPlan {
            dp: unit.datapath(),
            slots: &slots,
            norm_level: 2,
            side,
            exw,
            exp_signed: false,
            sum_off: unit.product_exp_offset(),
            t,
            has_inf: true,
        },
    );
    render_context("fp_mac.sv", &ctx)
}
