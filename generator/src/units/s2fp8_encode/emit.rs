//! The SystemVerilog of `s2fp8_encode` (`rtl-templates/s2fp8_encode/s2fp8_encode.sv.tera`), its
//! provenance header and regeneration command.

use super::{S2fp8EncodeUnit, LOG_BITS, NORM_BITS, T_BITS, T_HI_LOG2, T_INT_BITS, T_MIN, X_ARITH};
use crate::error::Result;
use crate::model::s2fp8::arith::{
    log2_table, mantissa_thresholds, subnormal_thresholds, INTERP_BITS, TABLE_INDEX_BITS, T_FRAC,
};
use crate::model::s2fp8::{ALPHA_BITS, BETA_BITS};
use crate::pipeline::{side_after, trimmed_side_stages, StageCtx};
use crate::render::{comment_header, level_name, render, signed_lit, slot_list};
use serde::Serialize;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &S2fp8EncodeUnit) -> String {
    format!(
        "hbfpgen gen s2fp8-encode --block {} --input-format {} --stages {} --tag-bits {} --name {}",
        unit.block,
        unit.input.name(),
        unit.stages,
        unit.tag_bits,
        unit.name
    )
}

/// The comment header of the files of `unit`.
pub fn header(unit: &S2fp8EncodeUnit, what: &str) -> String {
    comment_header(
        what,
        &command_line(unit),
        &[
            format!(
                "// Parameters: input {}, K = {} lanes, stages S = {}, tag T = {} bits",
                unit.input.name(),
                unit.block,
                unit.stages,
                unit.tag_bits
            ),
            "// code = sign | E5M2(2^t), t = alpha * L + beta, L = log2|x| (table of 65 entries, linear interpolation).".into(),
            format!(
                "// Latency: {} cycles without back-pressure; one word per cycle. Registers after levels: [{}]",
                unit.stages,
                slot_list(&unit.register_slots())
            ),
            "// Numerics: docs/numerics.md (S2FP8). Handshake: valid/ready.".into(),
        ],
    )
}

/// One entry of a table with linear interpolation (log2 here and in `s2fp8_stats`, exp2 in
/// `s2fp8_decode`): the value at i and the step to the next entry.
#[derive(Serialize)]
pub struct TableEntry {
    i: usize,
    t: i64,
    d: i64,
}

/// The entries of `tab` with their steps (its last value is only a step's end).
pub fn table_entries(tab: &[i64]) -> Vec<TableEntry> {
    (0..tab.len() - 1)
        .map(|i| TableEntry {
            i,
            t: tab[i],
            d: tab[i + 1] - tab[i],
        })
        .collect()
}

/// What `rtl-templates/shared/s2fp8_log2.sv.tera` draws for lanes of `f` (besides `lanes`,
/// `lane_bits`, `log_src` and `log_dst`), shared with `s2fp8_stats`.
#[derive(Serialize)]
pub struct Log2Ctx {
    frac: u32,
    exp_field_bits: u32,
    exp_ones: String,
    bias_lit: String,
    sub_off_lit: String,
    index_bits: u32,
    interp_bits: u32,
    /// Bits of a subnormal's normalising shift (1 to the fraction's width).
    shift_bits: u32,
    /// Bits of the leading one's exponent, and of a lane after normalisation: {class, sign, e, f}.
    x_bits: u32,
    norm_bits: u32,
    table: Vec<TableEntry>,
}

/// The log2 lanes' context for the input format `f`.
pub fn log2_ctx(f: crate::fp::FpFormat) -> Log2Ctx {
    Log2Ctx {
        frac: f.man_bits(),
        exp_field_bits: f.exp_bits(),
        exp_ones: format!("{}'h{:x}", f.exp_bits(), (1u32 << f.exp_bits()) - 1),
        bias_lit: signed_lit(X_ARITH, i64::from(f.bias())),
        sub_off_lit: signed_lit(X_ARITH, i64::from(f.bias()) - 1 + i64::from(f.man_bits())),
        index_bits: TABLE_INDEX_BITS,
        interp_bits: INTERP_BITS,
        shift_bits: f.lead_shift_bits(),
        x_bits: X_ARITH,
        norm_bits: NORM_BITS,
        table: table_entries(log2_table()),
    }
}

/// What `rtl-templates/s2fp8_encode/s2fp8_encode.sv.tera` draws.
#[derive(Serialize)]
struct Ctx {
    header: String,
    name: String,
    ports: String,
    lanes: u32,
    lane_bits: u32,
    #[serde(flatten)]
    log2: Log2Ctx,
    log_bits: u32,
    t_bits: u32,
    t_frac: u32,
    alpha_bits: u32,
    beta_bits: u32,
    mant_th: Vec<String>,
    sub_th: Vec<String>,
    t_hi: String,
    /// The clamp's bounds as bit positions: t >= 2^t_hi_log2; t's integer bits; the low integer
    /// bits of T_MIN as an unsigned literal.
    t_hi_log2: u32,
    t_min: i64,
    t_int_bits: u32,
    t_lo_low: String,
    t_lo: String,
    tag_bits: u32,
    full_side: u32,
    /// Each level's value name as the next level reads it.
    src: Vec<String>,
    /// Each level's registered flag and stage.
    registered: Vec<bool>,
    stage_of: Vec<u32>,
    alpha_side: String,
    beta_side: String,
    stages: Vec<StageCtx>,
    last_stage: u32,
    out_ready: &'static str,
    tag_out: String,
    result: String,
}

/// Renders the SystemVerilog of `unit`.
pub fn sv(unit: &S2fp8EncodeUnit) -> Result<String> {
    let f = unit.input.format();
    let levels = unit.levels();
    let slots = unit.register_slots();
    let t = unit.tag_bits;
    let full_side = t + BETA_BITS + ALPHA_BITS;
    // the side band: {tag, beta, alpha} until the exponents are formed (level 4), then the tag
    let (stages, tag_out) = trimmed_side_stages(&slots, full_side, t, 4, "out_ready_i");
    let side_after = |lv: u32| side_after(&slots, lv);
    let one = 1i64 << T_FRAC;
    let ctx = Ctx {
        header: header(unit, &format!("{}: S2FP8 encoder", unit.name)),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        lanes: unit.block,
        lane_bits: unit.lane_bits(),
        log2: log2_ctx(f),
        log_bits: LOG_BITS,
        t_bits: T_BITS,
        t_frac: T_FRAC,
        alpha_bits: ALPHA_BITS,
        beta_bits: BETA_BITS,
        mant_th: mantissa_thresholds()
            .iter()
            .map(|c| format!("{T_FRAC}'d{c}"))
            .collect(),
        sub_th: subnormal_thresholds()
            .iter()
            .map(|&c| signed_lit(T_BITS, c))
            .collect(),
        t_hi: signed_lit(T_BITS, (one << T_HI_LOG2) - 1),
        t_lo: signed_lit(T_BITS, T_MIN * one),
        t_hi_log2: T_HI_LOG2,
        t_min: T_MIN,
        t_int_bits: T_INT_BITS,
        t_lo_low: format!("{T_INT_BITS}'d{}", (1i64 << T_INT_BITS) + T_MIN),
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
        alpha_side: side_after(2),
        beta_side: side_after(3),
        last_stage: (slots.len() as u32).saturating_sub(1),
        stages,
        out_ready: "out_ready_i",
        tag_out,
        result: level_name(5, levels[5].registered),
    };
    render("s2fp8_encode.sv", &ctx)
}
