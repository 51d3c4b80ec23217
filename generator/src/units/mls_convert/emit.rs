//! The SystemVerilog of `mls_convert` (`rtl-templates/mls_convert/mls_convert.sv.tera`), its
//! provenance header and regeneration command.

use super::MlsConvertUnit;
use crate::error::Result;
use crate::pipeline::StageCtx;
use crate::render::{comment_header, level_name, render, signed_lit, slot_list};
use crate::units::convert::emit::{level_ctx, side_band_stages, ConvertLevelCtx};
use crate::units::convert::Rounding;
use serde::Serialize;

/// The rounding's flag value (`--rounding`), with `--random-bits`.
fn rounding_flags(r: Rounding) -> String {
    match r {
        Rounding::NearestEven => "--rounding nearest-even".into(),
        Rounding::TowardZero => "--rounding toward-zero".into(),
        Rounding::Stochastic { bits } => format!("--rounding stochastic --random-bits {bits}"),
    }
}

/// The command line that regenerates `unit`.
pub fn command_line(unit: &MlsConvertUnit) -> String {
    let c = &unit.conv;
    let l = &c.layout;
    format!(
        "hbfpgen gen mls-convert --elem-exp-bits {} --elem-man-bits {} --group {} --group-scale-bits {} --block {} --input-format {} {} --stages {} --tag-bits {} --name {}",
        l.elem.exp_bits,
        l.elem.man_bits,
        l.group,
        l.scale_bits,
        c.block,
        c.input.name(),
        rounding_flags(c.rounding),
        unit.stages,
        unit.tag_bits,
        unit.name
    )
}

/// The comment header of the files of `unit`.
pub fn header(unit: &MlsConvertUnit, what: &str) -> String {
    let c = &unit.conv;
    let l = &c.layout;
    comment_header(
        what,
        &command_line(unit),
        &[
            format!(
                "// Parameters: input {}, elements {}, groups of {} with {}-bit scales, block K = {} lanes, stages S = {}, tag T = {} bits",
                c.input.name(),
                l.elem,
                l.group,
                l.scale_bits,
                c.block,
                unit.stages,
                unit.tag_bits
            ),
            format!(
                "// y = x * rscale exactly; group scale u = -floor(log2 max|y|) clamped to 0..{}; elements y * 2^u rounded {}, saturated.",
                l.umax(),
                match c.rounding {
                    Rounding::NearestEven => "to nearest even".to_string(),
                    Rounding::TowardZero => "toward zero".to_string(),
                    Rounding::Stochastic { bits } => format!("stochastically ({bits} random bits per lane)"),
                }
            ),
            format!(
                "// Latency: {} cycles without back-pressure; one block per cycle. Registers after levels: [{}]",
                unit.stages,
                slot_list(&unit.register_slots())
            ),
            "// Numerics: docs/numerics.md (Converting floats to an MLS block). Handshake: valid/ready.".into(),
        ],
    )
}

/// What `rtl-templates/mls_convert/mls_convert.sv.tera` draws.
#[derive(Serialize)]
struct Ctx {
    header: String,
    name: String,
    ports: String,
    lanes: u32,
    lane_bits: u32,
    mag_bits: u32,
    /// The input's fraction and exponent-field bits, all-ones exponent, and bias literals.
    frac: u32,
    /// Bits of a subnormal's normalising shift.
    shift_bits: u32,
    exp_field_bits: u32,
    exp_ones: String,
    bias_in_lit: String,
    sub_off: String,
    x_arith: u32,
    /// Groups, group size, scale-code bits and the largest code.
    groups: u32,
    group: u32,
    gb: u32,
    umax: u32,
    scales_bits: u32,
    /// The element: code width, Ex, Mx, fixed-point fraction bits, largest magnitude code.
    w: u32,
    ex: u32,
    mx: u32,
    frac_el: u32,
    max_mag: u64,
    /// lp at and above which an element saturates.
    sat_lp: u32,
    /// Rounding: the window's integer bits, the bits kept below them, the window, the shift cap
    /// and the shifted value's width, the shift amount's bits.
    nearest: bool,
    stochastic: bool,
    n1: u32,
    kb: u32,
    win: u32,
    dcap: u32,
    tw: u32,
    dshift_bits: u32,
    /// The window of lane i's product from its leading one (c = 1, c = 0), and the sticky OR of
    /// the bits below it.
    win_hi: String,
    win_lo: String,
    lo_hi: String,
    lo_lo: String,
    /// Where rscale_i and rnd_i sit in the side band.
    rscale_lsb: u32,
    rnd_lsb: u32,
    rbits: u32,
    tag_bits: u32,
    full_side: u32,
    levels: Vec<ConvertLevelCtx>,
    stages: Vec<StageCtx>,
    last_stage: u32,
    out_ready: &'static str,
    mag_side: String,
    sc_side: String,
    /// The scale-normalised level's value: bits per group, and in all.
    sn_group: u32,
    sn_bits: u32,
    ln_side: String,
    /// The normalised level's value: bits per lane, and in all.
    ln_lane: u32,
    ln_bits: u32,
    /// The products level's value: bits per lane, where L sits in a lane, and where the scales
    /// sit (above the lanes and their random bits).
    pr_lane: u32,
    pr_l_lsb: u32,
    pr_scales_lsb: u32,
    result: String,
}

/// Width of the signed exponent arithmetic (floor(log2 |x * r|) spans -298 to 255, plus u and F).
pub const X_ARITH: u32 = 11;

/// The `win`-bit window of lane i's `pw`-bit product `pr_p` from bit `top` down, zero-padded
/// below the product's last bit; and the OR of the bits below the window.
fn window(pw: u32, top: u32, win: u32) -> (String, String) {
    let w = if win <= top + 1 {
        format!("pr_p[i*PROD_W + {top} -: {win}]")
    } else {
        format!("{{pr_p[i*PROD_W +: {}], {}'d0}}", top + 1, win - top - 1)
    };
    let below = (top + 1).saturating_sub(win);
    let lo = if below > 0 {
        format!("|pr_p[i*PROD_W +: {below}]")
    } else {
        "1'b0".into()
    };
    debug_assert!(top < pw);
    (w, lo)
}

/// Renders the SystemVerilog of `unit`.
pub fn sv(unit: &MlsConvertUnit) -> Result<String> {
    let c = &unit.conv;
    let l = &c.layout;
    let f = c.input.format();
    let levels = unit.levels();
    let slots = unit.register_slots();
    let (k, lw, t) = (c.block, unit.lane_bits(), unit.tag_bits);
    let r = c.random_bits();
    let full_side = t + k * r + lw + k * lw;
    let last_level = levels.len() as u32 - 1;
    let side_after = |lv: u32| crate::pipeline::side_after(&slots, lv);
    let lctx = level_ctx(&levels, &slots, k);
    // the inputs travel beside the group-scale datapath until the lanes are normalised; after
    // that only the tag does
    let stages = side_band_stages(&slots, full_side, t, last_level - 2);
    let el = l.elem;
    let (ex, mx) = (el.exp_bits, el.man_bits);
    let n1 = mx + 1;
    let kb = match c.rounding {
        Rounding::NearestEven => 1,
        Rounding::Stochastic { bits } => bits,
        Rounding::TowardZero => 0,
    };
    let nearest = c.rounding == Rounding::NearestEven;
    let win = unit.window_bits();
    let dcap = win;
    let frac = f.man_bits();
    let pw = 2 * frac + 2;
    let (win_hi, lo_hi) = window(pw, pw - 1, win);
    let (win_lo, lo_lo) = window(pw, pw - 2, win);
    let max_mag = if ex > 0 {
        (1u64 << (ex + mx)) - 1
    } else {
        (1u64 << mx) - 1
    };
    let ctx = Ctx {
        header: header(
            unit,
            &format!(
                "{}: {} to MLS {} block converter",
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
        frac,
        shift_bits: f.lead_shift_bits(),
        exp_field_bits: f.exp_bits(),
        exp_ones: format!("{}'h{:x}", f.exp_bits(), (1u32 << f.exp_bits()) - 1),
        bias_in_lit: signed_lit(X_ARITH, i64::from(f.bias())),
        sub_off: signed_lit(X_ARITH, i64::from(f.bias()) - 1 + i64::from(frac)),
        x_arith: X_ARITH,
        groups: unit.groups(),
        group: l.group,
        gb: l.scale_bits,
        umax: l.umax(),
        scales_bits: unit.scales_bits(),
        w: el.bits(),
        ex,
        mx,
        frac_el: el.frac_bits(),
        max_mag,
        sat_lp: el.sig_bits() + el.max_shift(),
        nearest,
        stochastic: r > 0,
        n1,
        kb,
        win,
        dcap,
        tw: if nearest { win + dcap } else { win },
        dshift_bits: 32 - dcap.leading_zeros(),
        win_hi,
        win_lo,
        lo_hi,
        lo_lo,
        rscale_lsb: k * lw,
        rnd_lsb: k * lw + lw,
        rbits: r,
        tag_bits: t,
        full_side,
        levels: lctx,
        stages,
        last_stage: (slots.len() as u32).saturating_sub(1),
        out_ready: "out_ready_i",
        mag_side: side_after(0),
        sc_side: side_after(last_level - 6),
        sn_group: unit.scale_normalised_group_bits(),
        sn_bits: levels[last_level as usize - 5].bits,
        ln_side: side_after(last_level - 3),
        ln_lane: unit.normalised_lane_bits(),
        ln_bits: unit.normalised_bits(),
        pr_lane: unit.product_lane_bits(),
        pr_l_lsb: win + u32::from(nearest),
        pr_scales_lsb: k * (unit.product_lane_bits() + r),
        result: level_name(last_level, levels[last_level as usize].registered),
    };
    render("mls_convert.sv", &ctx)
}
