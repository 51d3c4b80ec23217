//! The SystemVerilog of `mx_convert` (`rtl-templates/mx_convert/mx_convert.sv.tera`), its
//! provenance header and regeneration command.

use super::{MxConvertUnit, SCALE_ARITH_BITS};
use crate::error::Result;
use crate::model::mx::{MxOverflow, MxRounding};
use crate::pipeline::StageCtx;
use crate::render::{comment_header, level_name, render, signed_lit, slot_list};
use crate::units::convert::emit::{level_ctx, side_band_stages, ConvertLevelCtx};
use serde::Serialize;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &MxConvertUnit) -> String {
    let c = &unit.conv;
    format!(
        "hbfpgen gen mx-convert --elements {} --block {} --input-format {} --rounding {} --overflow {} --stages {} --tag-bits {} --name {}",
        c.element,
        c.block,
        c.input.name(),
        match c.rounding {
            MxRounding::Even => "even",
            MxRounding::Away => "away",
        },
        match c.overflow {
            MxOverflow::Saturate => "saturate",
            MxOverflow::Special => "special",
        },
        unit.stages,
        unit.tag_bits,
        unit.name
    )
}

/// The comment header of the files of `unit`.
pub fn header(unit: &MxConvertUnit, what: &str) -> String {
    let c = &unit.conv;
    comment_header(
        what,
        &command_line(unit),
        &[
            format!(
                "// Parameters: input {}, elements {}, block K = {} lanes, stages S = {}, tag T = {} bits",
                c.input.name(),
                c.element,
                c.block,
                unit.stages,
                unit.tag_bits
            ),
            format!(
                "// Scale: floor(log2 max|x|) - {} clamped to -127..127. Elements: rounded to nearest, ties {}; {} beyond the largest.",
                c.element.emax(),
                match c.rounding {
                    MxRounding::Even => "to even",
                    MxRounding::Away => "away from zero",
                },
                match c.overflow {
                    MxOverflow::Saturate => "saturated",
                    MxOverflow::Special => "Inf or NaN",
                }
            ),
            format!(
                "// Latency: {} cycles without back-pressure; one block per cycle. Registers after levels: [{}]",
                unit.stages,
                slot_list(&unit.register_slots())
            ),
            "// Numerics: docs/numerics.md (Converting floats to an MX block). Handshake: valid/ready.".into(),
        ],
    )
}

/// What `rtl-templates/mx_convert/mx_convert.sv.tera` draws.
#[derive(Serialize)]
struct Ctx {
    header: String,
    name: String,
    ports: String,
    lanes: u32,
    lane_bits: u32,
    mag_bits: u32,
    /// The input's fraction and exponent-field bits, and its bias.
    frac: u32,
    /// Bits of a subnormal's normalising shift.
    shift_bits: u32,
    exp_field_bits: u32,
    exp_ones: String,
    bias_in: i64,
    /// The element: code width, fraction bits (INT8: 6), exponent bits, float or INT8.
    w: u32,
    mb: u32,
    float: bool,
    /// The element's bias, emin (INT8: 0) and emax.
    bias_el: i64,
    emin_lit: String,
    emax_lit: String,
    /// The largest finite magnitude code (W - 1 bits; INT8: 127), and the overflow code.
    max_code: String,
    special_code: String,
    special: bool,
    away: bool,
    /// Literals for the exponent arithmetic (10 bits).
    x_arith: u32,
    sub_off: String,
    bias_in_lit: String,
    scale_bits: u32,
    tag_bits: u32,
    full_side: u32,
    levels: Vec<ConvertLevelCtx>,
    stages: Vec<StageCtx>,
    last_stage: u32,
    out_ready: &'static str,
    el_side: String,
    mag_side: String,
    result: String,
}

/// Width of the signed exponent arithmetic of a lane (its exponent less the scale's).
const X_ARITH: u32 = 10;

/// Renders the SystemVerilog of `unit`.
pub fn sv(unit: &MxConvertUnit) -> Result<String> {
    let c = &unit.conv;
    let f = c.input.format();
    let levels = unit.levels();
    let slots = unit.register_slots();
    let (k, lw, t) = (c.block, unit.lane_bits(), unit.tag_bits);
    let full_side = t + k * lw;
    let last_level = levels.len() as u32 - 1;
    let side_after = |lv: u32| crate::pipeline::side_after(&slots, lv);
    let lctx = level_ctx(&levels, &slots, k);
    let stages = side_band_stages(&slots, full_side, t, last_level);
    let el = c.element;
    let w = el.bits();
    let max_code = if el.is_float() {
        // the largest finite magnitude's code (the sign bit off)
        crate::model::mx::quantize(el, false, 1, 200, MxRounding::Even, MxOverflow::Saturate)
    } else {
        127
    };
    let special_code = match el {
        crate::format::MxElement::Fp8E5M2 => 0x7c,
        _ => 0x7f,
    };
    let emin = if el.is_float() { 1 - el.bias() } else { 0 };
    let ctx = Ctx {
        header: header(
            unit,
            &format!(
                "{}: {} to MX {} block converter",
                unit.name,
                c.input.name(),
                el
            ),
        ),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        lanes: k,
        lane_bits: lw,
        mag_bits: unit.mag_bits(),
        frac: f.man_bits(),
        shift_bits: f.lead_shift_bits(),
        exp_field_bits: f.exp_bits(),
        exp_ones: format!("{}'h{:x}", f.exp_bits(), (1u32 << f.exp_bits()) - 1),
        bias_in: i64::from(f.bias()),
        w,
        mb: el.frac_bits().min(el.man_bits()),
        float: el.is_float(),
        bias_el: el.bias(),
        emin_lit: signed_lit(X_ARITH, emin),
        emax_lit: signed_lit(X_ARITH, el.emax()),
        max_code: format!("{w}'d{max_code}"),
        special_code: format!("{w}'d{special_code}"),
        special: c.overflow == MxOverflow::Special,
        away: c.rounding == MxRounding::Away,
        x_arith: X_ARITH,
        sub_off: signed_lit(X_ARITH, i64::from(f.bias()) - 1 + i64::from(f.man_bits())),
        bias_in_lit: signed_lit(X_ARITH, i64::from(f.bias())),
        scale_bits: SCALE_ARITH_BITS,
        tag_bits: t,
        full_side,
        levels: lctx,
        stages,
        last_stage: (slots.len() as u32).saturating_sub(1),
        out_ready: "out_ready_i",
        el_side: side_after(last_level - 1),
        mag_side: side_after(0),
        result: level_name(last_level, levels[last_level as usize].registered),
    };
    render("mx_convert.sv", &ctx)
}
