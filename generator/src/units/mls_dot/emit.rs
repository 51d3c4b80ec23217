//! The SystemVerilog of `mls_dot` (`rtl-templates/mls_dot/mls_dot.sv.tera`), its provenance header
//! and regeneration command.

use super::MlsDotUnit;
use crate::datapath::{tree_ctx, LevelCtx};
use crate::error::Result;
use crate::pipeline::StageCtx;
use crate::render::{comment_header, level_name, render, slot_list};
use crate::unit::Unit;
use serde::Serialize;

/// The command line that regenerates `unit`.
pub fn command_line(unit: &MlsDotUnit) -> String {
    let l = &unit.layout;
    format!(
        "hbfpgen gen mls-dot --elem-exp-bits {} --elem-man-bits {} --group {} --group-scale-bits {} --block {} --stages {} --tag-bits {} --name {}",
        l.elem.exp_bits, l.elem.man_bits, l.group, l.scale_bits, unit.block, unit.stages, unit.tag_bits, unit.name
    )
}

/// The comment header of every generated file of `unit`.
pub fn header(unit: &MlsDotUnit, what: &str) -> String {
    let l = &unit.layout;
    comment_header(
        what,
        &command_line(unit),
        &[
            format!(
                "// Parameters: elements {} (Ex = {}, Mx = {}), group g = {}, group scale G = {} bits, block K = {} lanes, stages S = {}, tag T = {} bits",
                l.elem, l.elem.exp_bits, l.elem.man_bits, l.group, l.scale_bits, unit.block, unit.stages, unit.tag_bits
            ),
            format!(
                "// Derived: sum_o {} bits in units of 2^-{}, terms {} bits, group shifts {} bits (2*{} - u_a - u_b), {} groups, at most {} stages",
                unit.sum_bits(),
                unit.frac_bits(),
                unit.term_bits(),
                unit.group_shift_bits(),
                l.umax(),
                unit.groups(),
                unit.max_stages()
            ),
            format!(
                "// Latency: {} cycles without back-pressure; one operation per cycle. Registers after levels: [{}]",
                unit.stages,
                slot_list(&unit.register_slots())
            ),
            "// Numerics: docs/numerics.md (MLS). Handshake: valid/ready, valid never depends on ready.".into(),
        ],
    )
}

/// What `rtl-templates/mls_dot/mls_dot.sv.tera` draws. Widths are in bits.
#[derive(Serialize)]
struct MlsDotContext {
    header: String,
    name: String,
    ports: String,
    /// Lanes K, groups K/g, tag width.
    lanes: u32,
    groups: u32,
    tag_bits: u32,
    /// Element code, exponent field, mantissa field, significand and shift widths.
    w: u32,
    eb: u32,
    mb: u32,
    sig: u32,
    /// Group-scale code width G, a group shift's width, and 2 umax.
    gb: u32,
    sw: u32,
    two_umax: u32,
    /// A lane of level 1 ({sign, shift, product}), its shift and product, a lane's term.
    l1_lane: u32,
    xw: u32,
    pw: u32,
    tw: u32,
    /// Level signals as the next level reads them, and whether levels 0 to 2 are registered.
    src0: String,
    src1: String,
    reg0: bool,
    reg1: bool,
    reg2: bool,
    /// Adder levels within the groups, and across them.
    group_tree: Vec<LevelCtx>,
    block_tree: Vec<LevelCtx>,
    /// The group-shift level: its index, source, source width and width, its registration, and
    /// the side band it reads the shifts from.
    gl: u32,
    gl_src: String,
    gl_src_w: u32,
    gl_w: u32,
    gl_reg: bool,
    gl_stage: u32,
    gl_side: String,
    /// The side band at the input ({tag, shifts}) and the signal of the result.
    side_bits: u32,
    result: String,
    stages: Vec<StageCtx>,
    last_stage: u32,
    out_ready: &'static str,
    /// The last stage's side band has the shifts (a stage before the group level).
    tag_src: String,
}

/// Renders the SystemVerilog of `unit`.
pub fn sv(unit: &MlsDotUnit) -> Result<String> {
    let slots = unit.register_slots();
    let levels = unit.levels_with(&slots);
    let reg = |i: usize| levels[i].registered;
    let gl = unit.group_level();
    let gi = gl as usize;
    let shifts = unit.groups() * unit.group_shift_bits();
    let side_bits = unit.tag_bits + shifts;
    // stages before the group level carry {tag, shifts}; from it on, only the tag
    let s = slots.len() as u32;
    let stages: Vec<StageCtx> = slots
        .iter()
        .enumerate()
        .map(|(r, &level)| {
            let r = r as u32;
            let wide = level < gl;
            let prev_wide = r == 0 || slots[r as usize - 1] < gl;
            let prev = if r == 0 {
                "side_in".to_owned()
            } else {
                format!("s{}_side_q", r - 1)
            };
            StageCtx {
                index: r,
                level,
                prev_valid: if r == 0 {
                    "in_valid_i".into()
                } else {
                    format!("s{}_valid_q", r - 1)
                },
                next_ready: if r + 1 == s {
                    "out_ready_i".into()
                } else {
                    format!("s{}_ready", r + 1)
                },
                side_bits: if wide { side_bits } else { unit.tag_bits },
                prev_side: if wide || !prev_wide || unit.tag_bits == 0 {
                    prev
                } else {
                    format!("{prev}[{}:{}]", side_bits - 1, shifts)
                },
                data: true,
            }
        })
        .collect();
    // the side band in step with level `l`'s source: that of the last stage at or before l - 1
    let side_at = |l: u32| -> String {
        match slots.iter().rposition(|&x| x < l) {
            Some(r) => format!("s{r}_side_q"),
            None => "side_in".into(),
        }
    };
    let last = levels.last().expect("levels");
    let tag_src = match slots.last() {
        None => "side_in".to_owned(),
        Some(&l) if l < gl => format!("s{}_side_q[{}:{}]", s - 1, side_bits - 1, shifts),
        Some(_) => format!("s{}_side_q", s - 1),
    };
    let ctx = MlsDotContext {
        header: header(
            unit,
            &format!(
                "{}: exact dot product of MLS blocks, {} in groups of {}",
                unit.name, unit.layout.elem, unit.layout.group
            ),
        ),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&unit.ports()),
        lanes: unit.block,
        groups: unit.groups(),
        tag_bits: unit.tag_bits,
        w: unit.layout.elem.bits(),
        eb: unit.layout.elem.exp_bits,
        mb: unit.layout.elem.man_bits,
        sig: unit.layout.elem.sig_bits(),
        gb: unit.layout.scale_bits,
        sw: unit.group_shift_bits(),
        two_umax: 2 * unit.layout.umax(),
        l1_lane: levels[1].width,
        xw: unit.lane_shift_bits(),
        pw: unit.sig_product_bits(),
        tw: unit.term_bits(),
        src0: level_name(0, reg(0)),
        src1: level_name(1, reg(1)),
        reg0: reg(0),
        reg1: reg(1),
        reg2: reg(2),
        group_tree: tree_ctx(&levels[2..gi], &slots),
        block_tree: tree_ctx(&levels[gi..], &slots),
        gl,
        gl_src: level_name(gl - 1, levels[gi - 1].registered),
        gl_src_w: levels[gi - 1].width,
        gl_w: levels[gi].width,
        gl_reg: levels[gi].registered,
        gl_stage: slots.iter().position(|&x| x == gl).unwrap_or(0) as u32,
        gl_side: side_at(gl),
        side_bits,
        result: level_name(last.index, last.registered),
        stages,
        last_stage: s.saturating_sub(1),
        out_ready: "out_ready_i",
        tag_src,
    };
    render("mls_dot.sv", &ctx)
}
