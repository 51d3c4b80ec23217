//! The SystemVerilog of `s2fp8_decode` (`rtl-templates/s2fp8_decode/s2fp8_decode.sv.tera`), its
//! provenance header and regeneration command.

use super::{S2fp8DecodeUnit, LOG_BITS, U_BITS};
use crate::error::Result;
use crate::model::s2fp8::arith::{exp2_table, log2_of_e5m2, INTERP_BITS, TABLE_INDEX_BITS};
use crate::model::s2fp8::{BETA_BITS, INV_ALPHA_BITS};
use crate::pipeline::StageCtx;
use crate::render::{comment_header, level_name, render, signed_lit, slot_list};
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

/// One entry of the exp2 table: 2^(i/64) and the step to the next entry (units 2^-23).
#[derive(Serialize)]
struct Entry {
    i: usize,
    t: i64,
    d: i64,
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
    table: Vec<Entry>,
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
    let side_of = |level: u32| if level >= 2 { t } else { full_side };
    let mut stages: Vec<StageCtx> = Vec::new();
    for (r, &level) in slots.iter().enumerate() {
        let (prev, prev_bits) = if r == 0 {
            ("side_in".to_string(), full_side)
        } else {
            (format!("s{}_side_q", r - 1), side_of(slots[r - 1]))
        };
        let bits = side_of(level);
        stages.push(StageCtx {
            index: r as u32,
            level,
            prev_valid: if r == 0 {
                "in_valid_i".into()
            } else {
                format!("s{}_valid_q", r - 1)
            },
            next_ready: if r + 1 == slots.len() {
                "out_ready_i".into()
            } else {
                format!("s{}_ready", r + 1)
            },
            side_bits: bits,
            prev_side: if bits < prev_bits && bits > 0 {
                format!("{prev}[{} -: {bits}]", prev_bits - 1)
            } else {
                prev
            },
            data: true,
        });
    }
    let side_after = |lv: u32| -> String {
        match slots.iter().rposition(|&slot| slot <= lv) {
            Some(s) => format!("s{s}_side_q"),
            None => "side_in".into(),
        }
    };
    let tag_out = match stages.last() {
        Some(st) if st.side_bits > t => format!("s{}_side_q[{} -: {t}]", st.index, full_side - 1),
        Some(st) => format!("s{}_side_q", st.index),
        None => "tag_i".into(),
    };
    let tab = exp2_table();
    let table = (0..tab.len() - 1)
        .map(|i| Entry {
            i,
            t: tab[i],
            d: tab[i + 1] - tab[i],
        })
        .collect();
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
