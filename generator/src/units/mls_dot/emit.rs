//! The SystemVerilog of `mls_dot` (`rtl-templates/mls_dot/mls_dot.sv.tera`), its provenance header
//! and regeneration command.

use super::MlsDotUnit;
use crate::datapath::{tree_ctx, LevelCtx};
use crate::error::Result;
use crate::pipeline::{uniform_stages, StageCtx};
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

/// What the shared MLS datapath (`rtl-templates/mls_dot/mls_datapath.sv.tera`) draws, flattened
/// into the context of each unit that includes it (`mls_dot`, `mls_mac`). Widths are in bits.
#[derive(Serialize)]
pub struct MlsDatapathCtx {
    /// Lanes K, groups K/g.
    lanes: u32,
    groups: u32,
    /// Element code, exponent field, mantissa field and significand widths.
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
    /// the side band it reads the shifts from (their field at the side band's bottom).
    gl: u32,
    gl_src: String,
    gl_src_w: u32,
    gl_w: u32,
    gl_reg: bool,
    gl_stage: u32,
    gl_side: String,
    /// Width of the side band (the including unit's).
    side_bits: u32,
    /// The signal of the exact sum.
    pub sum_src: String,
}

/// The datapath context of `unit` with pipeline registers after the levels in `slots` and a side
/// band of `side_bits` whose bottom field holds the group shifts.
pub fn datapath_ctx(unit: &MlsDotUnit, slots: &[u32], side_bits: u32) -> MlsDatapathCtx {
    let levels = unit.levels_with(slots);
    let reg = |i: usize| levels[i].registered;
    let gl = unit.group_level();
    let gi = gl as usize;
    // the side band in step with the group level's source: that of the last stage before it
    let gl_side = match slots.iter().rposition(|&x| x < gl) {
        Some(r) => format!("s{r}_side_q"),
        None => "side_in".into(),
    };
    let last = levels.last().expect("levels");
    MlsDatapathCtx {
        lanes: unit.block,
        groups: unit.groups(),
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
        group_tree: tree_ctx(&levels[2..gi], slots),
        block_tree: tree_ctx(&levels[gi..], slots),
        gl,
        gl_src: level_name(gl - 1, levels[gi - 1].registered),
        gl_src_w: levels[gi - 1].width,
        gl_w: levels[gi].width,
        gl_reg: levels[gi].registered,
        gl_stage: slots.iter().position(|&x| x == gl).unwrap_or(0) as u32,
        gl_side,
        side_bits,
        sum_src: level_name(last.index, last.registered),
    }
}

/// What `rtl-templates/mls_dot/mls_dot.sv.tera` draws.
#[derive(Serialize)]
struct MlsDotContext {
    header: String,
    name: String,
    ports: String,
    tag_bits: u32,
    result: String,
    stages: Vec<StageCtx>,
    last_stage: u32,
    out_ready: &'static str,
    /// The tag as the last stage holds it.
    tag_src: String,
    /// The datapath.
    #[serde(flatten)]
    dp: MlsDatapathCtx,
}

/// Renders the SystemVerilog of `unit`: its side band is {tag, group shifts} up to the group
/// level, and the tag alone after it.
pub fn sv(unit: &MlsDotUnit) -> Result<String> {
    let slots = unit.register_slots();
    let gl = unit.group_level();
    let shifts = unit.groups() * unit.group_shift_bits();
    let side_bits = unit.tag_bits + shifts;
    let s = slots.len() as u32;
    let stages: Vec<StageCtx> = uniform_stages(&slots, side_bits, "out_ready_i")
        .into_iter()
        .enumerate()
        .map(|(r, mut st)| {
            if st.level >= gl {
                let prev_wide = r == 0 || slots[r - 1] < gl;
                st.side_bits = unit.tag_bits;
                if prev_wide && unit.tag_bits > 0 {
                    st.prev_side = format!("{}[{}:{shifts}]", st.prev_side, side_bits - 1);
                }
            }
            st
        })
        .collect();
    let tag_src = match slots.last() {
        None => "side_in".to_owned(),
        Some(_) => format!("s{}_side_q", s - 1),
    };
    let dp = datapath_ctx(unit, &slots, side_bits);
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
        tag_bits: unit.tag_bits,
        result: dp.sum_src.clone(),
        stages,
        last_stage: s.saturating_sub(1),
        out_ready: "out_ready_i",
        tag_src,
        dp,
    };
    render("mls_dot.sv", &ctx)
}
