//! The SystemVerilog of `mx_dot` (`rtl-templates/mx_dot/mx_dot.sv.tera`), its provenance header and
//! regeneration command.

use super::{MxDotUnit, Split, EXP_OUT_BITS};
use crate::datapath::{tree_ctx, LevelCtx};
use crate::error::Result;
use crate::format::MxElement;
use crate::pipeline::{uniform_stages, StageCtx};
use crate::render::{comment_header, level_name, render, slot_list};
use crate::unit::Unit;
use serde::Serialize;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &MxDotUnit) -> String {
    format!(
        "hbfpgen gen mx-dot --elements {} --elements-b {} --block {} --stages {} --tag-bits {}{} --name {}",
        unit.a,
        unit.b,
        unit.block,
        unit.stages,
        unit.tag_bits,
        unit.shape
            .map(|s| format!(" --datapath {}", s.datapath))
            .unwrap_or_default(),
        unit.name
    )
}

/// The comment header of every generated file of `unit`.
pub fn header(unit: &MxDotUnit, what: &str) -> String {
    comment_header(
        what,
        &command_line(unit),
        &[
            format!(
                "// Parameters: elements A = {}, B = {}, block K = {} lanes, stages S = {}, tag T = {} bits",
                unit.a, unit.b, unit.block, unit.stages, unit.tag_bits
            ),
            format!(
                "// Derived: sum_o {} bits in units of 2^-{} (value = sum_o * 2^(exp_o - {})), exp_o {} bits, terms {} bits, {} adder-tree levels, at most {} stages",
                unit.sum_bits(),
                unit.frac_bits(),
                unit.frac_bits(),
                EXP_OUT_BITS,
                unit.term_bits(),
                MxDotUnit::tree_levels_for(unit.block),
                unit.max_stages()
            ),
            match &unit.shape {
                Some(s) => format!(
                    "// Datapath: each element decoded to a {}-bit two's-complement integer (its fixed-point value), then {}",
                    s.mantissa_bits(),
                    s.summary()
                ),
                None => "// Datapath: shift (significand products shifted into place by the exponent sum, then an adder tree)".into(),
            },
            format!(
                "// Latency: {} cycles without back-pressure; one operation per cycle. Registers after levels: [{}]",
                unit.stages,
                slot_list(&unit.register_slots())
            ),
            "// Numerics: docs/numerics.md (OCP MX). Handshake: valid/ready, valid never depends on ready.".into(),
        ],
    )
}

/// One operand as the template decodes it.
#[derive(Serialize)]
struct OperandCtx {
    /// `a` or `b`.
    n: &'static str,
    /// The element format's name.
    format: &'static str,
    /// Code width.
    w: u32,
    /// Bit offset of lane 0 in level 0.
    off: u32,
    /// A float (else INT8).
    float: bool,
    /// Exponent and fraction field widths (floats).
    eb: u32,
    mb: u32,
    /// Significand width and shift width.
    sig: u32,
    shift: u32,
    /// The bits that are all 0 exactly when the element is zero (the magnitude of a float).
    zero_bits: u32,
    /// The other operand (`b` or `a`), its code width and zero bits.
    other: &'static str,
    other_w: u32,
    other_zero_bits: u32,
    /// Special codes: `none`, `e4m3` (NaN = S.1111.111) or `e5m2` (exponent all ones).
    special: &'static str,
}

impl OperandCtx {
    fn of(n: &'static str, f: MxElement, off: u32, other: MxElement) -> Self {
        let s = Split::of(f);
        let zero_bits = |f: MxElement| if f.is_float() { f.bits() - 1 } else { f.bits() };
        OperandCtx {
            n,
            format: f.name(),
            w: f.bits(),
            off,
            float: f.is_float(),
            eb: f.exp_bits(),
            mb: f.man_bits(),
            sig: s.sig_bits,
            shift: s.shift_bits,
            zero_bits: zero_bits(f),
            other: if n == "a" { "b" } else { "a" },
            other_w: other.bits(),
            other_zero_bits: zero_bits(other),
            special: match f {
                MxElement::Fp8E4M3 => "e4m3",
                MxElement::Fp8E5M2 => "e5m2",
                _ => "none",
            },
        }
    }
}

/// What the shared MX datapath (`rtl-templates/mx_dot/mx_datapath.sv.tera`) draws, flattened into
/// the context of each unit that includes it (`mx_dot`, `mx_mac`). Widths are in bits.
#[derive(Serialize)]
pub struct MxDatapathCtx {
    /// Lanes K.
    lanes: u32,
    /// The two operands.
    ops: Vec<OperandCtx>,
    /// Whether any element has NaN codes, and infinities.
    has_nan: bool,
    has_inf: bool,
    /// Side band width (the including unit's).
    side_bits: u32,
    /// Level widths: inputs (both operands), a lane of level 1 ({sign, shift, product}), the
    /// shift and the significand product in it, and a lane's aligned term.
    in_bits: u32,
    l1_lane: u32,
    xw: u32,
    pw: u32,
    tw: u32,
    /// Signal names of levels 0 to 2 as the next level reads them, and whether each is registered.
    src0: String,
    src1: String,
    reg0: bool,
    reg1: bool,
    reg2: bool,
    /// Adder-tree levels, or the integer datapath's levels (drawn by the shared datapath template).
    levels: Vec<LevelCtx>,
    heap: Option<crate::bitheap::HeapCtx>,
    fault_lane_bit: Option<u32>,
    /// The integer datapath: lane width M (0 for the shift datapath), its operand bus and level 0.
    int_bits: u32,
    man_bus: u32,
    lvl0_src: &'static str,
    /// The signal of the exact sum.
    pub sum_src: String,
}

/// The datapath context of `unit` with pipeline registers after the levels in `slots` and a side
/// band of `side_bits`.
pub fn datapath_ctx(unit: &MxDotUnit, slots: &[u32], side_bits: u32) -> MxDatapathCtx {
    let levels = unit.levels_with(slots);
    let reg = |i: usize| levels[i].registered;
    let last = levels.last().expect("two levels at least");
    let (tree, heap) = match &unit.shape {
        Some(s) => s.ctx_with(slots, None),
        None => (tree_ctx(&levels[2..], slots), None),
    };
    let int_bits = unit.shape.map(|s| s.mantissa_bits()).unwrap_or(0);
    MxDatapathCtx {
        lanes: unit.block,
        ops: vec![
            OperandCtx::of("a", unit.a, 0, unit.b),
            OperandCtx::of("b", unit.b, unit.block * unit.a.bits(), unit.a),
        ],
        has_nan: unit.a.has_nan() || unit.b.has_nan(),
        has_inf: unit.has_inf(),
        side_bits,
        in_bits: unit.block * (unit.a.bits() + unit.b.bits()),
        l1_lane: levels[1].width,
        xw: unit.lane_shift_bits(),
        pw: unit.sig_product_bits(),
        tw: unit.term_bits(),
        src0: level_name(0, reg(0)),
        src1: level_name(1, reg(1)),
        reg0: reg(0),
        reg1: reg(1),
        reg2: levels.len() > 2 && reg(2),
        levels: tree,
        heap,
        fault_lane_bit: None,
        int_bits,
        man_bus: unit.block * int_bits,
        lvl0_src: "{dec_b, dec_a}",
        sum_src: level_name(last.index, last.registered),
    }
}

/// What `rtl-templates/mx_dot/mx_dot.sv.tera` draws.
#[derive(Serialize)]
struct MxDotContext {
    header: String,
    name: String,
    ports: String,
    /// Tag width.
    tag_bits: u32,
    /// The signal of the sum.
    result: String,
    stages: Vec<StageCtx>,
    last_stage: u32,
    out_ready: &'static str,
    /// The datapath.
    #[serde(flatten)]
    dp: MxDatapathCtx,
}

/// Renders the SystemVerilog of `unit`.
pub fn sv(unit: &MxDotUnit) -> Result<String> {
    let slots = unit.register_slots();
    let flags = 1 + if unit.has_inf() { 2 } else { 0 };
    let side_bits = EXP_OUT_BITS + flags + unit.tag_bits;
    let dp = datapath_ctx(unit, &slots, side_bits);
    let ctx = MxDotContext {
        header: header(
            unit,
            &format!(
                "{}: exact dot product of MX blocks, {} x {}",
                unit.name, unit.a, unit.b
            ),
        ),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&unit.ports()),
        tag_bits: unit.tag_bits,
        result: dp.sum_src.clone(),
        stages: uniform_stages(&slots, side_bits, "out_ready_i"),
        last_stage: (slots.len() as u32).saturating_sub(1),
        out_ready: "out_ready_i",
        dp,
    };
    render("mx_dot.sv", &ctx)
}
