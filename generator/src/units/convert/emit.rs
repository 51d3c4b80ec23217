//! The SystemVerilog of `hbfp_convert` (`rtl-templates/hbfp_convert/hbfp_convert.sv.tera`), its
//! provenance header and regeneration command.

use super::{ConvertLevelKind, ConvertUnit, ExponentRule, Rounding};
use crate::error::Result;
use crate::pipeline::StageCtx;
use crate::render::{comment_header, level_name, render_context, signed_lit, slot_list};
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

#[derive(Serialize)]
struct ConvertLevelCtx {
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
    let mut lctx: Vec<ConvertLevelCtx> = Vec::new();
    for (k, l) in levels.iter().enumerate() {
        let src = match k {
            0 => String::new(),
            1 => "mag".into(),
            _ => lctx[k - 1].name.clone(),
        };
        let (kind, count, prev_count) = match l.kind {
            ConvertLevelKind::Inputs => ("inputs", b, b),
            ConvertLevelKind::MaxTree { count } => (
                "tree",
                count,
                match levels[k - 1].kind {
                    ConvertLevelKind::MaxTree { count } => count,
                    _ => b,
                },
            ),
            ConvertLevelKind::Exponent => ("exponent", 1, 1),
            ConvertLevelKind::Elements => ("elements", b, b),
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
    let stages: Vec<StageCtx> = slots
        .iter()
        .enumerate()
        .map(|(k, &level)| {
            let k = k as u32;
            let prev_side = if k == 0 {
                "side_in".to_owned()
            } else {
                format!("s{}_side_q", k - 1)
            };
            let lanes = level < last_level;
            StageCtx {
                index: k,
                level,
                prev_valid: if k == 0 {
                    "in_valid_i".into()
                } else {
                    format!("s{}_valid_q", k - 1)
                },
                next_ready: if k + 1 == s {
                    "out_ready_i".into()
                } else {
                    format!("s{}_ready", k + 1)
                },
                side_bits: if lanes { full_side } else { t },
                prev_side: if lanes || t == 0 {
                    prev_side
                } else {
                    format!("{prev_side}[{} -: {t}]", full_side - 1)
                },
                data: level > 0,
            }
        })
        .collect();
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
    let mut ctx = tera::Context::new();
    ctx.insert(
        "header",
        &header(
            unit,
            &format!(
                "hbfp_convert: {} to HBFP{} block converter",
                c.input.name(),
                m
            ),
        ),
    );
    ctx.insert("name", &unit.name);
    ctx.insert(
        "ports",
        &crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
    );
    ctx.insert("b", &b);
    ctx.insert("lw", &lw);
    ctx.insert("m", &m);
    ctx.insert("e", &e);
    ctx.insert("r", &r);
    ctx.insert("t", &t);
    ctx.insert("full_side", &full_side);
    ctx.insert("magw", &unit.mag_bits());
    ctx.insert("frac", &frac);
    ctx.insert("ef", &ef);
    ctx.insert("ef_ones", &format!("{ef}'h{:x}", (1u32 << ef) - 1));
    ctx.insert("sigw", &(frac + 1));
    ctx.insert("sa", &sa);
    ctx.insert("xw", &xw);
    ctx.insert("vw", &vw);
    ctx.insert("fk", &fk);
    ctx.insert("iw", &(vw - fk));
    ctx.insert("shw", &(32 - (vw - 1).leading_zeros()));
    ctx.insert("vw_ones", &format!("{vw}'h{:x}", (1u128 << vw) - 1));
    ctx.insert("up", &(m - 1 + fk));
    ctx.insert("offset_lit", &signed_lit(sa, offset));
    ctx.insert("vw_lit", &format!("{sa}'d{vw}"));
    ctx.insert("bias_m1_lit", &signed_lit(xw, i64::from(f.bias()) - 1));
    ctx.insert("one_lit", &signed_lit(xw, 1));
    // floor(log2 f * 2^-(offset - 1)) + 1 when the top bit of the fraction f is bit j
    // (for the top bit j: j - (offset - 2))
    ctx.insert("sub_x0", &signed_lit(xw, -(offset - 2)));
    ctx.insert("sub_off", &signed_lit(xw, offset - 2));
    ctx.insert("clamp_lo", &(nlo < lo));
    ctx.insert("clamp_hi", &(nhi > hi));
    // a clamp is built only where the limit lies inside the natural range, so it fits in xw bits
    ctx.insert("lo_lit", &signed_lit(xw, lo));
    ctx.insert("hi_lit", &signed_lit(xw, hi));
    ctx.insert("offset", &offset);
    ctx.insert("qmax", &c.format.element.max_code());
    ctx.insert("lo_code", &format!("{e}'h{:x}", scale.encode(lo)));
    ctx.insert("hi_code", &format!("{e}'h{:x}", scale.encode(hi)));
    ctx.insert(
        "nan_code",
        &format!("{e}'h{:x}", scale.encode(scale.nan_exp())),
    );
    ctx.insert(
        "zero_code",
        &format!("{e}'h{:x}", scale.encode(scale.zero_exp())),
    );
    let qmax = c.format.element.max_code();
    ctx.insert("qmax_m1", &format!("{}'d{qmax}", m - 1));
    ctx.insert("qmax_iw", &format!("{}'d{qmax}", vw - fk + 1));
    ctx.insert("srw", &(vw + 2));
    ctx.insert("qmax_sr", &signed_lit(vw + 2, qmax));
    ctx.insert("qmin_sr", &signed_lit(vw + 2, -qmax));
    ctx.insert("qmax_m", &format!("{m}'d{qmax}"));
    ctx.insert(
        "qmin_m",
        &format!("{m}'h{:x}", (-qmax) as u64 & crate::format::mask(m)),
    );
    ctx.insert(
        "rounding",
        match c.rounding {
            Rounding::NearestEven => "rne",
            Rounding::Stochastic { .. } => "sr",
            Rounding::TowardZero => "tz",
        },
    );
    ctx.insert("compat", &(c.rule == ExponentRule::EmulatorCompat));
    ctx.insert("ftz", &c.ftz);
    ctx.insert("levels", &lctx);
    ctx.insert("stages", &stages);
    ctx.insert("last_stage", &s.saturating_sub(1));
    ctx.insert("out_ready", "out_ready_i");
    ctx.insert("mag_side", &side_after(0));
    ctx.insert("el_side", &side_after(last_level - 1));
    ctx.insert("result", &lctx[last_level as usize].name);
    render_context("hbfp_convert.sv", &ctx)
}
