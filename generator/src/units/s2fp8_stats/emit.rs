//! The SystemVerilog of `s2fp8_stats` (`rtl-templates/s2fp8_stats/s2fp8_stats.sv.tera`), its
//! provenance header and regeneration command.

use super::{S2fp8StatsUnit, COUNT_BITS, DIV_DEN_BITS, DIV_NUM_BITS, FINISH_CYCLES, FRONT_LEVELS};
use crate::error::Result;
use crate::model::s2fp8::{ALPHA_BITS, ALPHA_MAX, BETA_BITS, INV_ALPHA_BITS};
use crate::render::{comment_header, render, signed_lit};
use crate::units::s2fp8_encode::emit::{log2_ctx, Log2Ctx};
use crate::units::s2fp8_encode::LOG_BITS;
use serde::Serialize;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &S2fp8StatsUnit) -> String {
    format!(
        "hbfpgen gen s2fp8-stats --block {} --input-format {} --tag-bits {} --name {}",
        unit.block,
        unit.input.name(),
        unit.tag_bits,
        unit.name
    )
}

/// The comment header of the files of `unit`.
pub fn header(unit: &S2fp8StatsUnit, what: &str) -> String {
    comment_header(
        what,
        &command_line(unit),
        &[
            format!(
                "// Parameters: input {}, K = {} lanes per word, tag T = {} bits",
                unit.input.name(),
                unit.block,
                unit.tag_bits
            ),
            "// mu = mean log2|x|, max over the non-zero entries; alpha = 15 / (max - mu), beta = -alpha mu, 1/alpha.".into(),
            format!(
                "// Latency: the result {FINISH_CYCLES} cycles after a tensor's last word is accepted ({FRONT_LEVELS} front registers, the accumulation, one divider a bit per cycle); a word per cycle until then."
            ),
            "// Numerics: docs/numerics.md (S2FP8). Handshake: valid/ready.".into(),
        ],
    )
}

/// What `rtl-templates/s2fp8_stats/s2fp8_stats.sv.tera` draws.
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
    wsum_bits: u32,
    wcnt_bits: u32,
    tree_leaves: u32,
    mid: u32,
    front_levels: u32,
    cnt_bits: u32,
    num_bits: u32,
    den_bits: u32,
    alpha_bits: u32,
    alpha_max: u64,
    beta_bits: u32,
    inv_bits: u32,
    log_min: String,
    tag_bits: u32,
}

/// Renders the SystemVerilog of `unit`.
pub fn sv(unit: &S2fp8StatsUnit) -> Result<String> {
    let f = unit.input.format();
    let ctx = Ctx {
        header: header(unit, &format!("{}: S2FP8 tensor statistics", unit.name)),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        lanes: unit.block,
        lane_bits: unit.lane_bits(),
        log2: log2_ctx(f),
        log_bits: LOG_BITS,
        wsum_bits: unit.word_sum_bits(),
        wcnt_bits: unit.word_count_bits(),
        tree_leaves: unit.tree_leaves(),
        mid: unit.tree_mid(),
        front_levels: FRONT_LEVELS,
        cnt_bits: COUNT_BITS,
        num_bits: DIV_NUM_BITS,
        den_bits: DIV_DEN_BITS,
        alpha_bits: ALPHA_BITS,
        alpha_max: ALPHA_MAX,
        beta_bits: BETA_BITS,
        inv_bits: INV_ALPHA_BITS,
        log_min: signed_lit(LOG_BITS, -(1i64 << (LOG_BITS - 1))),
        tag_bits: unit.tag_bits,
    };
    render("s2fp8_stats.sv", &ctx)
}
