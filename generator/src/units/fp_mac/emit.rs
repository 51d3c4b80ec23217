//! The SystemVerilog of `fp_mac` (`rtl-templates/fp_mac/fp_mac.sv.tera`, with the shared
//! accumulator), its provenance header and regeneration command.

use super::FpMacUnit;
use crate::accumulate::{accumulator_context, AccPlan, AccumulatorContext};
use crate::error::Result;
use crate::fp::Overflow;
use crate::render::{comment_header, level_name, render, slot_list};
use serde::Serialize;

/// The command line that regenerates the `fp_mac` unit `unit`.
pub fn command_line(unit: &FpMacUnit) -> String {
    format!(
        "hbfpgen gen fp-mac --operand {} --acc {}{} --stages {} --tag-bits {}{} --name {}",
        FpMacUnit::label(unit.mac.operand),
        FpMacUnit::label(unit.mac.acc.format),
        if unit.mac.acc.overflow == Overflow::Saturate {
            " --saturate"
        } else {
            ""
        },
        unit.stages,
        unit.tag_bits,
        unit.schedule.flags(),
        unit.name
    )
}

/// The comment header of the files of an `fp_mac` unit.
pub fn header(unit: &FpMacUnit, what: &str) -> String {
    let slots = slot_list(&unit.register_slots());
    let mut lines = vec![
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
        ];
    lines.extend(crate::acc_loop::header_line(&unit.schedule));
    comment_header(what, &command_line(unit), &lines)
}

/// Renders the SystemVerilog of an `fp_mac` unit.
pub fn sv(unit: &FpMacUnit) -> Result<String> {
    let slots = unit.register_slots();
    let op = unit.mac.operand;
    let (oe, om) = (op.exp_bits(), op.man_bits());
    let t = unit.tag_bits;
    let exw = oe + 2;
    let side_bits = t + 4 + exw;
    let reg = |l: u32| slots.contains(&l);
    let ctx = FpMacContext {
        header: header(
            unit,
            &format!(
                "fp_mac: {} fused multiply-add into {}, the floating-point baseline",
                FpMacUnit::label(op),
                FpMacUnit::label(unit.mac.acc.format)
            ),
        ),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        operand_bits: op.bits(),
        operand_exp_bits: oe,
        operand_man_bits: om,
        sig_bits: unit.sig_bits(),
        operand_exp_ones: format!("{oe}'h{:x}", (1u32 << oe) - 1),
        side_bits,
        reg0: reg(0),
        reg1: reg(1),
        stage1: slots.iter().position(|&x| x == 1).unwrap_or(0) as u32,
        src0: level_name(0, reg(0)),
        sum_src: level_name(1, reg(1)),
        acc: accumulator_context(&AccPlan {
            dp: unit.datapath(),
            slots: &slots,
            norm_level: 2,
            side: side_bits,
            exw,
            exp_signed: false,
            sum_off: unit.product_exp_offset(),
            t,
            schedule: unit.schedule,
            has_inf: true,
            sign_from_side: true,
        }),
    };
    render("fp_mac.sv", &ctx)
}

/// What `rtl-templates/fp_mac/fp_mac.sv.tera` draws: operands (level 0), the exact product
/// (level 1), then the shared accumulator.
#[derive(Serialize)]
struct FpMacContext {
    /// The provenance header.
    header: String,
    /// The module name.
    name: String,
    /// The port declarations, from the unit's port list.
    ports: String,
    /// Width of an operand.
    operand_bits: u32,
    /// Its exponent bits.
    operand_exp_bits: u32,
    /// Its fraction bits.
    operand_man_bits: u32,
    /// Bits of its significand (the hidden bit included).
    sig_bits: u32,
    /// Its all-ones exponent field.
    operand_exp_ones: String,
    /// Width of the side band: {tag, last, first, inf, nan, exponent}.
    side_bits: u32,
    /// Whether registers follow level 0 (the operands) and level 1 (the product).
    reg0: bool,
    reg1: bool,
    /// The stage that registers level 1.
    stage1: u32,
    /// The signals of level 0 and of the product.
    src0: String,
    sum_src: String,
    /// The accumulator.
    #[serde(flatten)]
    acc: AccumulatorContext,
}
