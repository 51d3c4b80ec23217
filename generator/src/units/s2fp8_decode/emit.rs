//! The SystemVerilog of `s2fp8_decode` (`rtl-templates/s2fp8_decode/s2fp8_decode.sv.tera`), its
//! provenance header and regeneration command.

use super::{S2fp8DecodeUnit, LOG_BITS, U_BITS};
use crate::error::Result;
use crate::model::s2fp8::arith::{exp2_table, log2_of_e5m2, INTERP_BITS, TABLE_INDEX_BITS};
use crate::model::s2fp8::{BETA_BITS, INV_ALPHA_BITS};
use crate::pipeline::{side_after, trimmed_side_stages, StageCtx};
use crate::render::{comment_header, level_name, render, signed_lit, slot_list};
use crate::units::s2fp8_encode::emit::{table_entries, TableEntry};
use serde::Serialize;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &S2fp8DecodeUnit) -> String {
    format!(
        "hbfpgen gen s2fp8-decode --block {} --output-format {} --stages {} --tag-bits {} --name {}",
        unit.block,
        unit.input.name(),
        unit.stages,
        unit.tag_bits,
        unit.name
    )
}

/// The comment header of the files of `unit`.
pub fn header(unit: &S2fp8DecodeUnit, what: &str) -> String {
    comment_header(
        what,
        &command_line(unit),
        &[
            format!(
                "// Parameters: output {}, K = {} lanes, stages S = {}, tag T = {} bits",
                unit.input.name(),
                unit.block,
                unit.stages,
                unit.tag_bits
            ),
            "// value = sign * 2^u, u = (log2|y| - beta) * (1/alpha); 2^u from a table of 65 entries with linear interpolation.".into(),
            format!(
                "// Latency: {} cycles without back-pressure; one word per cycle. Registers after levels: [{}]",
                unit.stages,
                slot_list(&unit.register_slots())
            ),
            "// Numerics: docs/numerics.md (S2FP8). Handshake: valid/ready.".into(),
        ],
    )
}

/// What `rtl-templates/s2fp8_decode/s2fp8_decode.sv.tera` draws.
#[derive(Serialize)]
struct Ctx {
    header: String,
    name: String,
    ports: String,
    lanes: u32,
    lane_bits: u32,
    /// The output's fraction and exponent-field bits, and its bias.
    mb: u32,
    eb: u32,
    bias: i64,
    log_bits: u32,
    u_bits: u32,
    inv_alpha_bits: u32,
    beta_bits: u32,
    index_bits: u32,
    interp_bits: u32,
    /// 2^(i/64) and the step to the next entry (units 2^-23).
    table: Vec<TableEntry>,
    /// log2(1 + m/4) (units 2^-32), and log2 of the three subnormal codes.
    lgm: Vec<i64>,
    lg_sub: Vec<String>,
    inf_mag: String,
    u_hi: String,
    u_lo: String,
    tag_bits: u32,
    full_side: u32,
    src: Vec<String>,
    registered: Vec<bool>,
    stage_of: Vec<u32>,
    coef_side: String,
    stages: Vec<StageCtx>,
    last_stage: u32,
    out_ready: &'static str,
    tag_out: String,
    result: String,
}

/// Width of the product (log2|y| - beta * 2^16) * (1/alpha), signed.
const PROD_BITS: u32 = BETA_BITS + 17 + INV_ALPHA_BITS + 1;

/// Renders the SystemVerilog of `unit`.
pub fn sv(unit: &S2fp8DecodeUnit) -> Result<String> {
    let f = unit.input.format();
    let levels = unit.levels();
    let slots = unit.register_slots();
    let t = unit.tag_bits;
    let full_side = t + BETA_BITS + INV_ALPHA_BITS;
    // the side band: {tag, beta, 1/alpha} until the exponents are formed (level 2), then the tag
    let (stages, tag_out) = trimmed_side_stages(&slots, full_side, t, 2, "out_ready_i");
    let side_after = |lv: u32| side_after(&slots, lv);
    let table = table_entries(exp2_table());
    let one = 1i64 << 16;
    let lg = |c: u64| log2_of_e5m2(c).expect("a finite code");
    let ctx = Ctx {
        header: header(unit, &format!("{}: S2FP8 decoder", unit.name)),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        lanes: unit.block,
        lane_bits: unit.lane_bits(),
        mb: f.man_bits(),
        eb: f.exp_bits(),
        bias: i64::from(f.bias()),
        log_bits: LOG_BITS,
        u_bits: U_BITS,
        inv_alpha_bits: INV_ALPHA_BITS,
        beta_bits: BETA_BITS,
        index_bits: TABLE_INDEX_BITS,
        interp_bits: INTERP_BITS,
        table,
        lgm: (0..4).map(|m| lg(15 << 2 | m)).collect(),
        lg_sub: (1..4).map(|m| signed_lit(LOG_BITS, lg(m))).collect(),
        inf_mag: format!(
            "{}'h{:x}",
            f.bits() - 1,
            ((1u64 << f.exp_bits()) - 1) << f.man_bits()
        ),
        u_hi: signed_lit(PROD_BITS, 130 * one - 1),
        u_lo: signed_lit(PROD_BITS, -160 * one),
        tag_bits: t,
        full_side,
        src: levels
            .iter()
            .map(|l| level_name(l.index, l.registered))
            .collect(),
        registered: levels.iter().map(|l| l.registered).collect(),
        stage_of: levels
            .iter()
            .map(|l| slots.iter().position(|&x| x == l.index).unwrap_or(0) as u32)
            .collect(),
        coef_side: side_after(1),
        last_stage: (slots.len() as u32).saturating_sub(1),
        stages,
        out_ready: "out_ready_i",
        tag_out,
        result: level_name(3, levels[3].registered),
    };
    render("s2fp8_decode.sv", &ctx)
}
