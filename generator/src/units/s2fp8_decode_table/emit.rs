//! The SystemVerilog of `s2fp8_decode_table`
//! (`rtl-templates/s2fp8_decode_table/s2fp8_decode_table.sv.tera`), its provenance header and
//! regeneration command.

use super::{S2fp8DecodeTableUnit, ADDR_BITS, ENTRIES, LATENCY};
use crate::error::Result;
use crate::render::{comment_header, render};
use serde::Serialize;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &S2fp8DecodeTableUnit) -> String {
    format!(
        "hbfpgen gen s2fp8-decode-table --block {} --output-format {} --tag-bits {} --name {}",
        unit.block,
        unit.input.name(),
        unit.tag_bits,
        unit.name
    )
}

/// The comment header of the files of `unit`.
pub fn header(unit: &S2fp8DecodeTableUnit, what: &str) -> String {
    comment_header(
        what,
        &command_line(unit),
        &[
            format!(
                "// Parameters: output {}, K = {} lanes, tag T = {} bits",
                unit.input.name(),
                unit.block,
                unit.tag_bits
            ),
            format!(
                "// value = sign | table[magnitude code]; the {ENTRIES} entries (model::s2fp8::decode_table) loaded one a word (decode_i = 0)."
            ),
            format!(
                "// Latency: {LATENCY} cycle (the tables' read register); one word per cycle."
            ),
            "// Numerics: docs/numerics.md (S2FP8). Handshake: valid/ready.".into(),
        ],
    )
}

/// What `rtl-templates/s2fp8_decode_table/s2fp8_decode_table.sv.tera` draws.
#[derive(Serialize)]
struct Ctx {
    header: String,
    name: String,
    ports: String,
    format: &'static str,
    lanes: u32,
    lane_bits: u32,
    entry_bits: u32,
    addr_bits: u32,
    entries: u32,
    tag_bits: u32,
}

/// Renders the SystemVerilog of `unit`.
pub fn sv(unit: &S2fp8DecodeTableUnit) -> Result<String> {
    let ctx = Ctx {
        header: header(unit, &format!("{}: S2FP8 decoder by table", unit.name)),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        format: unit.input.name(),
        lanes: unit.block,
        lane_bits: unit.lane_bits(),
        entry_bits: unit.entry_bits(),
        addr_bits: ADDR_BITS,
        entries: ENTRIES,
        tag_bits: unit.tag_bits,
    };
    render("s2fp8_decode_table.sv", &ctx)
}
