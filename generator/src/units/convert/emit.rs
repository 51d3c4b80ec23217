//! The SystemVerilog of `hbfp_convert` (`rtl-templates/hbfp_convert/hbfp_convert.sv.tera`), its
//! provenance header and regeneration command.

use super::{ConvertLevel, ConvertLevelKind, ConvertUnit, ExponentRule, Rounding};
use crate::error::Result;
use crate::pipeline::{uniform_stages, StageCtx};
use crate::render::{comment_header, level_name, render, signed_lit, slot_list};
use serde::Serialize;

/// The command line that regenerates the `hbfp_convert` unit `unit`.
pub fn command_line(unit: &ConvertUnit) -> String {
    let c = &unit.conv;
    let mut s = format!(
        "hbfpgen gen convert --mantissa {} --block {} --exp-bits {} --input-format {}",
        unit.mantissa_bits(),
        unit.block(),
        unit.exp_bits(),
        c.input.name()
    );
    match c.rounding {
        Rounding::NearestEven => s.push_str(" --rounding nearest-even"),
        Rounding::Stochastic { bits } => {
            s.push_str(&format!(" --rounding stochastic --random-bits {bits}"))
        }
        Rounding::TowardZero => s.push_str(" --rounding toward-zero"),
    }
    if c.rule == ExponentRule::EmulatorCompat {
        s.push_str(" --emulator-compat");
    }
    if c.ftz {
        s.push_str(" --ftz");
    }
    s.push_str(&format!(
        " --stages {} --tag-bits {} --name {}",
        unit.stages, unit.tag_bits, unit.name
    ));
    s
}

/// The comment header of the files of an `hbfp_convert` unit.
pub fn header(unit: &ConvertUnit, what: &str) -> String {
    let c = &unit.conv;
    let slots = slot_list(&unit.register_slots());
    let rounding = match c.rounding {
        Rounding::NearestEven => "nearest, ties to even".to_owned(),
        Rounding::Stochastic { bits } => format!("stochastic, {bits} random bits per lane"),
        Rounding::TowardZero => "toward zero".to_owned(),
    };
    comment_header(
        what,
        &command_line(unit),
        &[
        format!(
            "// Parameters: input {}, mantissa M = {} bits, block B = {} lanes, exponent E = {} bits, stages S = {}, tag T = {} bits",
            c.input.name(),
            unit.mantissa_bits(),
            unit.block(),
            unit.exp_bits(),
            unit.stages,
            unit.tag_bits
        ),
        format!(
            "// Rounding: {rounding}. Exponent rule: {}. Subnormal inputs: {}.",
            match c.rule {
                ExponentRule::Exact => "floor(log2 max|x|) + 1",
                ExponentRule::EmulatorCompat => "ceil(log2 max|x|) (HBFPEmulator)",
            },
            if c.ftz { "flushed to zero" } else { "exact" }
        ),
        format!(
            "// Derived: {} max-tree levels, at most {} stages, exponent arithmetic {} bits",
            unit.tree_levels(),
            unit.max_stages(),
            unit.shift_bits()
        ),
        format!(
            "// Latency: {} cycles without back-pressure; one block per cycle. Registers after levels: [{}]",
            unit.latency(),
            slots
        ),
        "// Numerics: docs/numerics.md. Handshake: valid/ready, valid never depends on ready.".into(),
        ],
    )
}

/// One level of a converter as its template draws it.
#[derive(Serialize)]
pub struct ConvertLevelCtx {
    index: u32,
    kind: &'static str,
    bits: u32,
    registered: bool,
    stage: u32,
    count: u32,
    pairs: u32,
    odd: bool,
    src: String,
    name: String,
}

/// The template context of a converter's levels (`hbfp_convert`, `mx_convert`: inputs, max tree,
/// exponent, elements) over `lanes` lanes, with the stage of each registered level from `slots`.
pub fn level_ctx(levels: &[ConvertLevel], slots: &[u32], lanes: u32) -> Vec<ConvertLevelCtx> {
    let mut lctx: Vec<ConvertLevelCtx> = Vec::new();
    for (k, l) in levels.iter().enumerate() {
        let src = match k {
            0 => String::new(),
            1 => "mag".into(),
            _ => lctx[k - 1].name.clone(),
        };
        let (kind, count, prev_count) = match l.kind {
            ConvertLevelKind::Inputs => ("inputs", lanes, lanes),
            ConvertLevelKind::MaxTree { count } => (
                "tree",
                count,
                match levels[k - 1].kind {
                    ConvertLevelKind::MaxTree { count } => count,
                    _ => lanes,
                },
            ),
            ConvertLevelKind::ScaleNormalised => ("scale_normalised", 1, 1),
            ConvertLevelKind::ScaleProducts => ("scale_products", 1, 1),
            ConvertLevelKind::Exponent => ("exponent", 1, 1),
            ConvertLevelKind::Normalised => ("normalised", lanes, lanes),
            ConvertLevelKind::Products => ("products", lanes, lanes),
            ConvertLevelKind::Elements => ("elements", lanes, lanes),
        };
        lctx.push(ConvertLevelCtx {
            index: l.index,
            kind,
            bits: l.bits,
            registered: l.registered,
            stage: slots.iter().position(|&x| x == l.index).unwrap_or(0) as u32,
            count,
            pairs: prev_count / 2,
            odd: prev_count % 2 == 1,
            src,
            name: level_name(l.index, l.registered),
        });
    }
    lctx
}

/// A converter's pipeline stages: the inputs (`full_side` bits) travel in the side band until
/// level `trim_from` is formed (the elements, or `mls_convert`'s products); after it only the
/// `t`-bit tag does. The first stage at or after `trim_from` takes the tag from the full side band.
pub fn side_band_stages(slots: &[u32], full_side: u32, t: u32, trim_from: u32) -> Vec<StageCtx> {
    let mut trimmed = false;
    uniform_stages(slots, full_side, "out_ready_i")
        .into_iter()
        .map(|mut st| {
            if st.level >= trim_from {
                st.side_bits = t;
                if t > 0 && !trimmed {
                    st.prev_side = format!("{}[{} -: {t}]", st.prev_side, full_side - 1);
                }
                trimmed = true;
            }
            st.data = st.level > 0;
            st
        })
        .collect()
}

/// Renders the SystemVerilog of an `hbfp_convert` unit.
pub fn sv(unit: &ConvertUnit) -> Result<String> {
    let levels = unit.levels();
    let slots = unit.register_slots();
    let s = slots.len() as u32;
    let b = unit.block();
    let lw = unit.lane_bits();
    let r = unit.random_bits();
    let t = unit.tag_bits;
    let full_side = t + b * r + b * lw;
    let last_level = levels.len() as u32 - 1;
    // the side band visible after level `l`: the last stage at or before it, or the inputs
    let side_after = |l: u32| -> String {
        match slots.iter().rposition(|&slot| slot <= l) {
            Some(k) => format!("s{k}_side_q"),
            None => "side_in".into(),
        }
    };
    let lctx = level_ctx(&levels, &slots, b);
    // the inputs travel beside the exponent datapath until the elements are formed; after that
    // only the tag does
    let stages = side_band_stages(&slots, full_side, t, last_level);
    let c = &unit.conv;
    let f = c.input.format();
    let m = unit.mantissa_bits();
    let e = unit.exp_bits();
    let sa = unit.shift_bits();
    let ef = unit.exp_field_bits();
    let frac = unit.frac_bits();
    let (nlo, nhi) = unit.natural_exp_range();
    let (lo, hi) = unit.exp_range();
    let xw = crate::format::signed_width_for(nhi + 1, nlo);
    let offset = unit.scale_offset();
    let vw = unit.aligned_bits();
    let fk = unit.kept_frac_bits();
    let scale = c.format.scale;
    let qmax = c.format.element.max_code();
    let ctx = ConvertContext {
        header: header(
            unit,
            &format!(
                "hbfp_convert: {} to HBFP{} block converter",
                c.input.name(),
                m
            ),
        ),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        lanes: b,
        lane_bits: lw,
        mantissa_bits: m,
        exp_bits: e,
        random_bits: r,
        tag_bits: t,
        full_side,
        mag_bits: unit.mag_bits(),
        frac,
        exp_field_bits: ef,
        exp_field_ones: format!("{ef}'h{:x}", (1u32 << ef) - 1),
        sig_bits: frac + 1,
        shift_arith_bits: sa,
        exp_arith_bits: xw,
        aligned_bits: vw,
        kept_frac_bits: fk,
        int_bits: vw - fk,
        shift_amount_bits: 32 - (vw - 1).leading_zeros(),
        aligned_ones: format!("{vw}'h{:x}", (1u128 << vw) - 1),
        top_bit: m - 1 + fk,
        offset_lit: signed_lit(sa, offset),
        aligned_bits_lit: format!("{sa}'d{vw}"),
        bias_m1_lit: signed_lit(xw, i64::from(f.bias()) - 1),
        emu_rows: emu_rows(unit, xw),
        emu_default_base: signed_lit(xw, super::emulator::ThresholdTable::of(f).rows[0].base),
        emu_never: format!("{}'d{}", frac + 1, 1u64 << frac),
        sub_x0: signed_lit(xw, -(offset - 2)),
        sub_off: signed_lit(xw, offset - 2),
        clamp_lo: nlo < lo,
        clamp_hi: nhi > hi,
        lo,
        hi,
        lo_lit: signed_lit(xw, lo),
        hi_lit: signed_lit(xw, hi),
        offset,
        qmax,
        lo_code: format!("{e}'h{:x}", scale.encode(lo)),
        hi_code: format!("{e}'h{:x}", scale.encode(hi)),
        nan_code: format!("{e}'h{:x}", scale.encode(scale.nan_exp())),
        zero_code: format!("{e}'h{:x}", scale.encode(scale.zero_exp())),
        qmax_m1: format!("{}'d{qmax}", m - 1),
        qmax_int: format!("{}'d{qmax}", vw - fk + 1),
        rounded_bits: vw + 2,
        qmax_rounded: signed_lit(vw + 2, qmax),
        qmin_rounded: signed_lit(vw + 2, -qmax),
        qmax_m: format!("{m}'d{qmax}"),
        qmin_m: format!("{m}'h{:x}", (-qmax) as u64 & crate::format::mask(m)),
        rounding: match c.rounding {
            Rounding::NearestEven => "rne",
            Rounding::Stochastic { .. } => "sr",
            Rounding::TowardZero => "tz",
        },
        compat: c.rule == ExponentRule::EmulatorCompat,
        ftz: c.ftz,
        stages,
        last_stage: s.saturating_sub(1),
        out_ready: "out_ready_i",
        mag_side: side_after(0),
        el_side: side_after(last_level - 1),
        result: lctx[last_level as usize].name.clone(),
        levels: lctx,
    };
    render("hbfp_convert.sv", &ctx)
}

/// The emulator rule's table as case items: the rows that differ from row 0 (zero and the smallest
/// binades, where the 1e-8 alone decides X), which is the case statement's default. Empty without
/// the emulator rule.
fn emu_rows(unit: &ConvertUnit, xw: u32) -> Vec<EmuRow> {
    if unit.conv.rule != ExponentRule::EmulatorCompat {
        return Vec::new();
    }
    let (ef, frac) = (unit.exp_field_bits(), unit.frac_bits());
    let t = super::emulator::ThresholdTable::of(unit.conv.input.format());
    let first = t.rows[0];
    let flat = t.rows.iter().take_while(|r| **r == first).count();
    t.rows
        .iter()
        .enumerate()
        .skip(flat)
        .map(|(i, r)| EmuRow {
            field: format!("{ef}'d{i}"),
            base: signed_lit(xw, r.base),
            from: format!("{}'d{}", frac + 1, r.from),
        })
        .collect()
}

/// One row of the emulator rule's table: for max|x| of exponent field `field`, X = `base`, plus one
/// from the fraction `from` on.
#[derive(Serialize)]
struct EmuRow {
    field: String,
    base: String,
    from: String,
}

/// What `rtl-templates/hbfp_convert/hbfp_convert.sv.tera` draws. Widths are in bits; `*_lit` and
/// `*_code` fields are SV literals.
#[derive(Serialize)]
struct ConvertContext {
    /// The provenance header.
    header: String,
    /// The module name.
    name: String,
    /// The port declarations, from the unit's port list.
    ports: String,
    /// Lanes B.
    lanes: u32,
    /// Bits of an input lane (32 or 16).
    lane_bits: u32,
    /// Element width M.
    mantissa_bits: u32,
    /// Shared-exponent width E.
    exp_bits: u32,
    /// Random bits per lane (0 unless stochastic).
    random_bits: u32,
    /// Tag width T.
    tag_bits: u32,
    /// Width of the side band that carries the inputs beside the exponent datapath.
    full_side: u32,
    /// Width of a lane's magnitude (the lane without its sign bit).
    mag_bits: u32,
    /// Fraction bits of the input format.
    frac: u32,
    /// Exponent-field bits of the input format.
    exp_field_bits: u32,
    /// The input's all-ones exponent field.
    exp_field_ones: String,
    /// Significand bits of the input (the hidden bit included).
    sig_bits: u32,
    /// Width of the signed shift arithmetic.
    shift_arith_bits: u32,
    /// Width of the signed exponent arithmetic over the natural exponent range.
    exp_arith_bits: u32,
    /// Width of a lane's aligned significand.
    aligned_bits: u32,
    /// Fraction bits kept below the element's lsb (guard and sticky).
    kept_frac_bits: u32,
    /// Integer bits of the aligned significand.
    int_bits: u32,
    /// Width of an alignment shift amount.
    shift_amount_bits: u32,
    /// `aligned_bits` ones.
    aligned_ones: String,
    /// The bit of the aligned significand that is the element's top magnitude bit.
    top_bit: u32,
    /// The scale offset, as a literal of the shift width.
    offset_lit: String,
    /// `aligned_bits` as a literal of the shift width.
    aligned_bits_lit: String,
    /// The input's bias minus one.
    bias_m1_lit: String,
    /// HBFPEmulator's exponent table (with the emulator rule only): one row per exponent field.
    emu_rows: Vec<EmuRow>,
    /// The table's default: row 0 (zero and subnormals), which every smaller binade shares; the
    /// all-ones field (Inf or NaN, whose exponent is not used) falls there too.
    emu_default_base: String,
    emu_never: String,
    /// A subnormal lane whose fraction's top bit is j has exponent j + sub_x0 (sub_off = -sub_x0).
    sub_x0: String,
    sub_off: String,
    /// Whether the exponent is clamped from below and from above (a clamp is built only where
    /// the limit lies inside the natural range, so it fits the arithmetic's width).
    clamp_lo: bool,
    clamp_hi: bool,
    /// The clamp limits, as numbers and as literals.
    lo: i64,
    hi: i64,
    lo_lit: String,
    hi_lit: String,
    /// The scale offset.
    offset: i64,
    /// The largest element code.
    qmax: i64,
    /// Exponent codes of the clamp limits, of a NaN block and of the zero block.
    lo_code: String,
    hi_code: String,
    nan_code: String,
    zero_code: String,
    /// `qmax` in M - 1 bits, in the aligned integer width, and in M bits.
    qmax_m1: String,
    qmax_int: String,
    qmax_m: String,
    /// `-qmax` in M bits.
    qmin_m: String,
    /// Width of a rounded element before saturation, and the limits in it.
    rounded_bits: u32,
    qmax_rounded: String,
    qmin_rounded: String,
    /// The rounding: `rne`, `sr` or `tz`.
    rounding: &'static str,
    /// HBFPEmulator's exponent rule.
    compat: bool,
    /// Subnormal inputs flushed to zero.
    ftz: bool,
    /// The datapath's levels.
    levels: Vec<ConvertLevelCtx>,
    /// The pipeline stages.
    stages: Vec<StageCtx>,
    /// The index of the last stage.
    last_stage: u32,
    /// The ready signal that releases the last stage.
    out_ready: &'static str,
    /// The side band as the magnitudes and as the elements see it.
    mag_side: String,
    el_side: String,
    /// The signal of the result.
    result: String,
}
