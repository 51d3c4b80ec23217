//! The accumulator shared by the accumulating units (`hbfp_mac`, `fp_mac`): its golden model (one
//! exact addition and a single rounding into FP(e, m), `docs/numerics.md`, "Accumulating block
//! sums") and the widths of its loop, derived once for the RTL of every accumulating unit.

use crate::fp::{add, round, Exact, FpFormat, FpValue, Overflow};
use crate::pipeline::StageCtx;
use crate::ports::Port;
use crate::render::{level_name, signed_lit};
use serde::Serialize;

/// An accumulator: its format and what it does on overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Accumulator {
    /// The accumulator's format FP(e_acc, m_acc).
    pub format: FpFormat,
    /// Infinity (IEEE) or saturation beyond the largest finite value.
    pub overflow: Overflow,
}

impl Accumulator {
    /// acc + sum * 2^exp with one rounding, for the accumulator bit pattern `acc`; a NaN block
    /// (`nan`) or a NaN accumulator gives the canonical NaN, and an infinite accumulator stays
    /// infinite (a block sum is always finite).
    pub fn add_block(&self, acc: u64, sum: i64, exp: i64, nan: bool) -> u64 {
        let f = self.format;
        if nan {
            return f.nan();
        }
        let a = match f.decode(acc) {
            FpValue::NaN => return f.nan(),
            FpValue::Inf { neg } => return f.inf(neg),
            v => v.exact().expect("zero or finite"),
        };
        let b = Exact {
            neg: sum < 0,
            mag: u128::from(sum.unsigned_abs()),
            exp: i32::try_from(exp).expect("a block sum's exponent fits i32"),
        };
        round(f, add(a, b), self.overflow)
    }
}

/// The accumulator loop of an accumulating unit, described by what it adds: an addend of
/// `addend_bits` magnitude bits whose lsb has an exponent in `addend_exp_range`. The widths of the
/// loop's datapath are derived here, once, for the RTL of every accumulating unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AccumulatorDatapath {
    /// The accumulator.
    pub acc: Accumulator,
    /// Magnitude bits of the addend.
    pub addend_bits: u32,
    /// The smallest and largest exponent of the addend's lsb (before normalisation).
    pub addend_exp_range: (i64, i64),
}

impl AccumulatorDatapath {
    /// Width n of the alignment window: the wider of the accumulator's significand (m_acc + 1)
    /// and the addend.
    pub fn window_bits(&self) -> u32 {
        (self.acc.format.man_bits() + 1).max(self.addend_bits)
    }

    /// Width of the signed exponent arithmetic (bits): it holds every lsb exponent of both
    /// addends, their difference, and the result's exponent before and after normalisation,
    /// biased.
    pub fn exp_arith_bits(&self) -> u32 {
        let f = self.acc.format;
        let n = i64::from(self.window_bits());
        let w = i64::from(self.addend_bits);
        let m = i64::from(f.man_bits());
        let (xlo, xhi) = self.addend_exp_range;
        let (lsb_b_lo, lsb_b_hi) = (xlo - (n - w) - (w - 1), xhi - (n - w));
        let bias = i64::from(f.bias());
        let all_ones = (1i64 << f.exp_bits()) - 1;
        let (lsb_a_lo, lsb_a_hi) = (
            1 - bias - m - (n - m - 1),
            all_ones - bias - m - (n - m - 1),
        );
        let lo = lsb_a_lo.min(lsb_b_lo);
        let hi = lsb_a_hi.max(lsb_b_hi);
        // differences both ways, and exponents up to the window's top, biased
        let max = (hi - lo).max(hi + n + 4 + bias + 1);
        let min = (lo - hi).min(lo - 4 - bias);
        crate::format::signed_width_for(max, min) + 1
    }
}

#[derive(Serialize)]
pub(crate) struct NormCtx {
    index: u32,
    bits: u32,
    registered: bool,
    stage: u32,
}

/// What the shared accumulator template (`rtl-templates/accumulate.sv.tera`) needs to know of a
/// unit: its accumulator loop, where its registers are, and the layout of its side band, which
/// ends `{.., last, first, [inf], nan, exponent}` with the exponent field `exw` bits wide.
pub struct AccPlan<'a> {
    /// The accumulator loop.
    pub dp: AccumulatorDatapath,
    /// Where the pipeline registers are.
    pub slots: &'a [u32],
    /// The level that normalises the addend.
    pub norm_level: u32,
    /// Width of the side band.
    pub side: u32,
    /// Width of the exponent field at the side band's bottom.
    pub exw: u32,
    /// Whether that exponent is signed.
    pub exp_signed: bool,
    /// The addend's lsb exponent is nb_exp - sum_off.
    pub sum_off: i64,
    /// Tag width.
    pub t: u32,
    /// Whether the side band carries an infinity flag.
    pub has_inf: bool,
}

/// Inserts into `ctx` everything the shared accumulator template needs for `p`.
pub fn accumulator_ctx(ctx: &mut tera::Context, p: &AccPlan) {
    let slots = p.slots;
    let s = slots.len() as u32;
    let f = p.dp.acc.format;
    let (acc_e, acc_m) = (f.exp_bits(), f.man_bits());
    let fb = f.bits();
    let w = p.dp.addend_bits;
    let n = p.dp.window_bits();
    let xw = p.dp.exp_arith_bits();
    let (side, exw) = (p.side, p.exw);
    let reduced = side - exw;
    let side_after = |l: u32| -> Option<usize> { slots.iter().rposition(|&slot| slot <= l) };
    let side_name = |k: Option<usize>| match k {
        Some(k) => format!("s{k}_side_q"),
        None => "side_in".to_owned(),
    };
    let stages: Vec<StageCtx> = slots
        .iter()
        .enumerate()
        .map(|(k, &level)| {
            let k = k as u32;
            let prev = if k == 0 {
                "side_in".to_owned()
            } else {
                format!("s{}_side_q", k - 1)
            };
            // the exponent field is used up by the normalisation level
            let full = level < p.norm_level;
            StageCtx {
                index: k,
                level,
                prev_valid: if k == 0 {
                    "in_valid_i".into()
                } else {
                    format!("s{}_valid_q", k - 1)
                },
                next_ready: if k + 1 == s {
                    "acc_ready".into()
                } else {
                    format!("s{}_ready", k + 1)
                },
                side_bits: if full { side } else { reduced },
                prev_side: if full {
                    prev
                } else {
                    format!("{prev}[{}:{exw}]", side - 1)
                },
                data: true,
            }
        })
        .collect();
    let acc_side = match side_after(p.norm_level) {
        Some(k) if slots[k] == p.norm_level => side_name(Some(k)),
        k => format!("{}[{}:{exw}]", side_name(k), side - 1),
    };
    let lzw = |bits: u32| 32 - bits.leading_zeros();
    let norm_bits = 1 + w + xw;
    let registered = slots.contains(&p.norm_level);
    let nrm = level_name(p.norm_level, registered);
    let zeros = |k: u32| {
        if k == 0 {
            String::new()
        } else {
            format!(", {k}'d0")
        }
    };
    let bias = i64::from(f.bias());
    ctx.insert("t", &p.t);
    ctx.insert("has_inf", &p.has_inf);
    ctx.insert("w", &w);
    ctx.insert("exw", &exw);
    ctx.insert(
        "norm",
        &NormCtx {
            index: p.norm_level,
            bits: norm_bits,
            registered,
            stage: slots.iter().position(|&x| x == p.norm_level).unwrap_or(0) as u32,
        },
    );
    ctx.insert("norm_side", &side_name(side_after(p.norm_level - 1)));
    ctx.insert(
        "nb_exp_signed",
        &if p.exp_signed {
            "$signed(nb_exp)".to_owned()
        } else {
            "$signed({1'b0, nb_exp})".to_owned()
        },
    );
    ctx.insert("xw", &xw);
    ctx.insert("lzw_b", &lzw(w - 1).max(1));
    let sum_off = p.sum_off + i64::from(n - w);
    ctx.insert("sum_off_base", &p.sum_off);
    ctx.insert("sum_off", &sum_off);
    ctx.insert("sum_off_lit", &signed_lit(xw, sum_off));
    ctx.insert("fb", &fb);
    ctx.insert("acc_e", &acc_e);
    ctx.insert("acc_m", &acc_m);
    ctx.insert("n", &n);
    ctx.insert("emin", &f.emin());
    ctx.insert("emin_lit", &signed_lit(xw, i64::from(f.emin())));
    ctx.insert("bias_lit", &signed_lit(xw, bias));
    ctx.insert("e_ones", &format!("{acc_e}'h{:x}", (1u64 << acc_e) - 1));
    ctx.insert(
        "sig_a_expr",
        &format!(
            "{{a_e != {acc_e}'d0, acc_cur[{}:0]{}}}",
            acc_m - 1,
            zeros(n - acc_m - 1)
        ),
    );
    ctx.insert(
        "lsb_a_off",
        &signed_lit(xw, bias + i64::from(acc_m) + i64::from(n - acc_m - 1)),
    );
    ctx.insert("nrm", &nrm);
    ctx.insert(
        "sig_b_expr",
        &format!("{{{nrm}[{} -: {w}]{}}}", norm_bits - 2, zeros(n - w)),
    );
    ctx.insert("shw", &lzw(n + 2));
    ctx.insert(
        "ones_n3",
        &format!("{}'h{:x}", n + 3, (1u128 << (n + 3)) - 1),
    );
    ctx.insert("lzw_s", &lzw(n + 3));
    ctx.insert("max_biased_lit", &signed_lit(xw, (1i64 << acc_e) - 2));
    ctx.insert("nan_pattern", &format!("{fb}'h{:x}", f.nan()));
    ctx.insert("inf_pattern", &format!("{}'h{:x}", fb - 1, f.inf(false)));
    ctx.insert(
        "overflow_pattern",
        &match p.dp.acc.overflow {
            Overflow::Infinity => format!("{}'h{:x}", fb - 1, f.inf(false)),
            Overflow::Saturate => format!("{}'h{:x}", fb - 1, f.max_finite(false)),
        },
    );
    ctx.insert("acc_side", &acc_side);
    ctx.insert(
        "last_valid",
        &if s == 0 {
            "in_valid_i".to_owned()
        } else {
            format!("s{}_valid_q", s - 1)
        },
    );
    ctx.insert("stages", &stages);
    ctx.insert("last_stage", &s.saturating_sub(1));
    ctx.insert("out_ready", "acc_ready");
}

/// The ports that every accumulating unit ends with: the framing (first, last), the tag, the
/// output handshake and the accumulator's result.
pub fn accumulating_ports(t: u32, acc: FpFormat) -> Vec<Port> {
    let mut p = vec![
        Port::input(
            "first_i",
            1,
            "the pair begins a dot product (the accumulator restarts from +0)",
        ),
        Port::input(
            "last_i",
            1,
            "the pair ends a dot product (its result is output)",
        ),
    ];
    p.extend(crate::ports::tag(
        t,
        "travels with the pair; the last pair's tag leaves with the result",
        "the tag of the result's last pair",
    ));
    p.extend(crate::ports::output_handshake("a result"));
    p.push(Port::output(
        "acc_o",
        acc.bits(),
        &format!("the dot product as a {acc} bit pattern"),
    ));
    p
}
