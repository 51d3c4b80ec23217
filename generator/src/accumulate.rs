//! The accumulator shared by the accumulating units (`hbfp_mac`, `fp_mac`): its golden model (one
//! exact addition and a single rounding into FP(e, m), `docs/numerics.md`, "Accumulating block
//! sums") and the widths of its loop, derived once for the RTL of every accumulating unit.

use crate::acc_loop::{LoopCtx, LoopWidths, Schedule};
use crate::fp::{add, round, Exact, FpFormat, FpValue, Overflow};
use crate::pipeline::{uniform_stages, StageCtx};
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
    /// The accumulator of an accumulating unit's flags: a preset `acc` (fp32, bf16, fp16, fp12) or
    /// `acc_exp_bits` with `acc_man_bits`, and `saturate`; unset, fp32 overflowing to infinity.
    /// The error names the flag to change.
    pub fn of_spec(
        acc: Option<&str>,
        acc_exp_bits: Option<u32>,
        acc_man_bits: Option<u32>,
        saturate: Option<bool>,
    ) -> crate::error::Result<Self> {
        use crate::error::Error;
        let format = match (acc, acc_exp_bits, acc_man_bits) {
            (None, None, None) => FpFormat::FP32,
            (Some(p), None, None) => match p {
                "fp32" | "bf16" | "fp16" | "fp12" => FpFormat::preset(p)?,
                _ => {
                    return Err(Error::OutOfRange {
                        name: "acc",
                        value: p.to_owned(),
                        allowed: "fp32, bf16, fp16, fp12, or acc_exp_bits and acc_man_bits".into(),
                    })
                }
            },
            (None, Some(e), Some(m)) => FpFormat::new(e, m).map_err(|err| match err {
                Error::OutOfRange {
                    name,
                    value,
                    allowed,
                } => Error::OutOfRange {
                    name: if name == "exp_bits" {
                        "acc_exp_bits"
                    } else {
                        "acc_man_bits"
                    },
                    value,
                    allowed,
                },
                other => other,
            })?,
            (Some(p), _, _) => {
                return Err(Error::OutOfRange {
                    name: "acc",
                    value: p.to_owned(),
                    allowed: "a preset, or acc_exp_bits and acc_man_bits, not both".into(),
                })
            }
            (None, e, _) => {
                return Err(Error::OutOfRange {
                    name: if e.is_none() {
                        "acc_exp_bits"
                    } else {
                        "acc_man_bits"
                    },
                    value: "missing".into(),
                    allowed: "acc_exp_bits and acc_man_bits go together".into(),
                })
            }
        };
        Ok(Accumulator {
            format,
            overflow: if saturate.unwrap_or(false) {
                Overflow::Saturate
            } else {
                Overflow::Infinity
            },
        })
    }

    /// acc + sum * 2^exp with one rounding, for the accumulator bit pattern `acc`; a NaN block
    /// (`nan`) or a NaN accumulator gives the canonical NaN, and an infinite accumulator stays
    /// infinite (a block sum is always finite).
    pub fn add_block(&self, acc: u64, sum: i64, exp: i64, nan: bool) -> u64 {
        self.add_wide_block(acc, i128::from(sum), exp, nan, None)
    }

    /// acc + sum * 2^exp as [`Accumulator::add_block`], for a block sum of up to 99 magnitude bits
    /// (an MX block) that may be infinite: `inf` is the sign of an infinite block (its `sum` is then
    /// ignored). An infinite block gives that infinity, or the canonical NaN against an infinite
    /// accumulator of the other sign (IEEE's rules).
    pub fn add_wide_block(
        &self,
        acc: u64,
        sum: i128,
        exp: i64,
        nan: bool,
        inf: Option<bool>,
    ) -> u64 {
        let f = self.format;
        if nan {
            return f.nan();
        }
        let a = match (f.decode(acc), inf) {
            (FpValue::NaN, _) => return f.nan(),
            (FpValue::Inf { neg }, Some(b)) if neg != b => return f.nan(),
            (FpValue::Inf { neg }, _) => return f.inf(neg),
            (_, Some(b)) => return f.inf(b),
            (v, None) => v.exact().expect("zero or finite"),
        };
        let b = Exact {
            neg: sum < 0,
            mag: sum.unsigned_abs(),
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

/// One level of the normalising binary search: shift by `shift` = 2^`bit` where the top `shift`
/// bits are zero. The search value it reads has 2 `shift` - 1 bits (the bits the levels after
/// it can still look at), and it passes on `shift` - 1.
#[derive(Clone, Copy, Serialize)]
pub struct NormLevel {
    /// The shift.
    pub shift: u32,
    /// Its bit in the shift count.
    pub bit: u32,
    /// The top bit index of the value it reads (2 `shift` - 2).
    pub in_top: u32,
    /// Bits of the value it passes on (`shift` - 1).
    pub out_bits: u32,
}

/// The levels 2^(L-1), ..., 2, 1 of a binary search with 2^L - 1 >= `width`: any shift below
/// `width` is a sum of them, and the search value fits 2^L - 1 bits.
fn levels_for(width: u32) -> Vec<NormLevel> {
    let l = 32 - width.leading_zeros();
    (0..l)
        .rev()
        .map(|bit| NormLevel {
            shift: 1 << bit,
            bit,
            in_top: (2 << bit) - 2,
            out_bits: (1 << bit) - 1,
        })
        .collect()
}

/// A binary search for leading zeros, cut in two halves (two loop sections, or two levels before
/// the loop): its levels, largest shift first, and the widths that follow from them.
#[derive(Clone, Serialize)]
pub struct Search {
    /// Every level.
    pub levels: Vec<NormLevel>,
    /// The first half's levels.
    pub high: Vec<NormLevel>,
    /// The second half's levels.
    pub low: Vec<NormLevel>,
    /// Bits of the count (one per level).
    pub count_bits: u32,
    /// Levels (and count bits) of the first half.
    pub high_bits: u32,
    /// Bits of the search value passed from the first half to the second.
    pub passed_bits: u32,
}

impl Search {
    fn of(levels: Vec<NormLevel>) -> Search {
        let h = levels.len() / 2;
        Search {
            high: levels[..h].to_vec(),
            low: levels[h..].to_vec(),
            count_bits: levels.len() as u32,
            high_bits: h as u32,
            passed_bits: levels.get(h).map_or(0, |l| l.in_top + 1),
            levels,
        }
    }

    /// The normaliser of the loop's window of `width` bits (with a stop bit, so the search value
    /// is padded to 2^L - 1 bits).
    pub fn window(width: u32) -> Search {
        Search::of(levels_for(width))
    }

    /// The leading-zero count of an addend of `w` bits: shifts below `w`, whose sum reaches every
    /// count a nonzero addend can have (w - 1).
    pub fn addend(w: u32) -> Search {
        let mut v = levels_for(w - 1);
        v.retain(|l| l.shift < w);
        Search::of(v)
    }
}

/// A normalisation level at `index`, of `bits` bits, and the register after it in `slots`.
fn norm_ctx(slots: &[u32], index: u32, bits: u32) -> NormCtx {
    NormCtx {
        index,
        bits,
        registered: slots.contains(&index),
        stage: slots.iter().position(|&x| x == index).unwrap_or(0) as u32,
    }
}

#[derive(Serialize)]
/// The normalisation level of an accumulating unit: its index, width, and register.
pub struct NormCtx {
    /// Its level index.
    pub index: u32,
    /// Width of its signal: sign, addend magnitude and exponent.
    pub bits: u32,
    /// Whether a register follows it.
    pub registered: bool,
    /// The stage that registers it (0 when none does).
    pub stage: u32,
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
    /// Whether the addend's sign is in the side band (at the top of the exponent field).
    pub sign_from_side: bool,
    /// The contexts and loop stages.
    pub schedule: Schedule,
}

/// Everything the shared accumulator template needs for `p`.
pub fn accumulator_context(p: &AccPlan) -> AccumulatorContext {
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
    // the exponent field is used up by the normalisation level (with contexts, by its second
    // level, `exp_level`): later stages carry the rest
    let sched = p.schedule;
    let ring = !sched.is_single();
    let abs_level = !sched.is_single() && !p.sign_from_side;
    let lz_level = p.norm_level + u32::from(abs_level);
    let exp_level = p.norm_level + sched.extra_front_levels(!p.sign_from_side);
    let stages: Vec<StageCtx> = uniform_stages(slots, side, "acc_ready")
        .into_iter()
        .map(|mut st| {
            if st.level >= exp_level {
                st.side_bits = reduced;
                st.prev_side = format!("{}[{}:{exw}]", st.prev_side, side - 1);
            }
            st
        })
        .collect();
    let acc_side = match side_after(exp_level) {
        Some(k) if slots[k] == exp_level => side_name(Some(k)),
        k => format!("{}[{}:{exw}]", side_name(k), side - 1),
    };
    // with contexts, an absent operation has no flags (and adds -0: `op_b`)
    let acc_side = if ring {
        format!("op_valid ? {acc_side} : {reduced}'d0")
    } else {
        acc_side
    };
    let lzw = |bits: u32| 32 - bits.leading_zeros();
    let norm_bits = 1 + w + xw;
    let norm = norm_ctx(slots, exp_level, norm_bits);
    let nrm = level_name(norm.index, norm.registered);
    let window_search = Search::window(n + 4);
    let addend_search = Search::addend(w);
    let norm_abs = norm_ctx(slots, p.norm_level, w + 1);
    let norm_lz = norm_ctx(
        slots,
        lz_level,
        u32::from(!p.sign_from_side) + w + addend_search.high_bits,
    );
    let zeros = |k: u32| {
        if k == 0 {
            String::new()
        } else {
            format!(", {k}'d0")
        }
    };
    let bias = i64::from(f.bias());
    let sum_off = p.sum_off + i64::from(n - w);
    let acc_loop = LoopCtx::of(
        &sched,
        &LoopWidths {
            window: n,
            exp_arith: xw,
            nx: window_search.passed_bits,
            norm_count: window_search.count_bits,
            acc_em: acc_e + acc_m,
            tag: p.t,
            has_inf: p.has_inf,
        },
        &format!("mag == {}'d0", n + 4),
    );
    let (c, k) = (sched.contexts, sched.acc_stages);
    let ring_wait = c - k;
    // the context leaving the loop at reset: the turn S + K - 1 cycles earlier
    let exit_reset = (c - (s + k - 1) % c) % c;
    AccumulatorContext {
        ring,
        lockstep: ring,
        contexts: c,
        acc_stages: k,
        ctx_bits: sched.ctx_bits(),
        ring_wait,
        exit_reset,
        loop_in: if ring { "ring_out" } else { "acc_q" }.to_owned(),
        op_b_src: nrm.clone(),
        acc_loop,
        norm_pad: (1 << window_search.count_bits) - 1 - (n + 4),
        window_search,
        addend_search,
        tag_bits: p.t,
        has_inf: p.has_inf,
        addend_bits: w,
        exp_field_bits: exw,
        norm,
        sign_from_side: p.sign_from_side,
        abs_level,
        norm_abs_src: level_name(norm_abs.index, norm_abs.registered),
        norm_abs,
        addend_mag_src: if abs_level { "nb_ma" } else { "nb_mag" }.to_owned(),
        addend_sign_src: if abs_level { "nb_sa" } else { "nb_sign" }.to_owned(),
        norm_lz_src: level_name(norm_lz.index, norm_lz.registered),
        norm_lz,
        norm_side: side_name(side_after(exp_level - 1)),
        addend_exp_signed: if p.exp_signed {
            "$signed(nb_exp)".to_owned()
        } else {
            "$signed({1'b0, nb_exp})".to_owned()
        },
        exp_arith_bits: xw,
        addend_lzc_bits: lzw(w - 1).max(1),
        sum_off_base: p.sum_off,
        sum_off,
        sum_off_lit: signed_lit(xw, sum_off),
        acc_bits: fb,
        acc_exp_bits: acc_e,
        acc_man_bits: acc_m,
        window_bits: n,
        emin: f.emin(),
        emin_lit: signed_lit(xw, i64::from(f.emin())),
        bias_lit: signed_lit(xw, bias),
        acc_exp_ones: format!("{acc_e}'h{:x}", (1u64 << acc_e) - 1),
        sig_a_expr: format!(
            "{{a_e != {acc_e}'d0, acc_cur[{}:0]{}}}",
            acc_m - 1,
            zeros(n - acc_m - 1)
        ),
        lsb_a_off: signed_lit(xw, bias + i64::from(acc_m) + i64::from(n - acc_m - 1)),
        sig_b_expr: format!(
            "{{{}[{} -: {w}]{}}}",
            if ring { "op_b" } else { &nrm },
            norm_bits - 2,
            zeros(n - w)
        ),
        norm_result: if ring { "op_b".to_owned() } else { nrm },
        shift_bits: lzw(n + 2),
        window_ones: format!("{}'h{:x}", n + 3, (1u128 << (n + 3)) - 1),
        sum_lzc_bits: lzw(n + 3),
        max_biased_lit: signed_lit(xw, (1i64 << acc_e) - 2),
        nan_pattern: format!("{fb}'h{:x}", f.nan()),
        inf_pattern: format!("{}'h{:x}", fb - 1, f.inf(false)),
        overflow_pattern: match p.dp.acc.overflow {
            Overflow::Infinity => format!("{}'h{:x}", fb - 1, f.inf(false)),
            Overflow::Saturate => format!("{}'h{:x}", fb - 1, f.max_finite(false)),
        },
        acc_side,
        last_valid: if s == 0 {
            "in_valid_i".to_owned()
        } else {
            format!("s{}_valid_q", s - 1)
        },
        stages,
        last_stage: s.saturating_sub(1),
        out_ready: "acc_ready".to_owned(),
    }
}

/// What the shared accumulator template (`rtl-templates/shared/accumulate.sv.tera`) and the
/// pipeline before it draw; each accumulating unit's context embeds it.
#[derive(Serialize)]
pub struct AccumulatorContext {
    /// Whether the loop interleaves contexts (C > 1): the ring, the turn and the loop stages.
    pub ring: bool,
    /// Whether the stages before the loop move in lockstep with it (with contexts).
    pub lockstep: bool,
    /// Contexts C.
    pub contexts: u32,
    /// Loop stages K.
    pub acc_stages: u32,
    /// Width of a context index.
    pub ctx_bits: u32,
    /// Contexts waiting outside the loop (C - K).
    pub ring_wait: u32,
    /// The context of the loop's exit at reset.
    pub exit_reset: u32,
    /// What the loop's input reads: `acc_q`, or the ring's end.
    pub loop_in: String,
    /// The normalised addend before the gate of an absent operation.
    pub op_b_src: String,
    /// The loop's sections and registers.
    pub acc_loop: LoopCtx,
    /// With contexts: the loop's normalising binary search (sections 5 and 6).
    pub window_search: Search,
    /// With contexts: the addend's leading-zero count (the two levels before the loop).
    pub addend_search: Search,
    /// Zeros below the window search value's bits (2^L - 1 - (n + 4)).
    pub norm_pad: u32,
    /// Tag width T.
    pub tag_bits: u32,
    /// Whether the side band carries an infinity flag (fp_mac's operands can be infinite).
    pub has_inf: bool,
    /// Magnitude bits of the addend (the block sum, or the product).
    pub addend_bits: u32,
    /// Width of the exponent field at the bottom of the side band.
    pub exp_field_bits: u32,
    /// The normalisation level of the addend.
    pub norm: NormCtx,
    /// The side band as the normalisation level sees it (with contexts, its second level: the
    /// exponent).
    pub norm_side: String,
    /// Whether the addend's sign comes from the side band (`fp_mac`), not from the data
    /// (`hbfp_mac`'s block sum): with contexts, the first normalisation level carries it only
    /// from the data.
    pub sign_from_side: bool,
    /// With contexts and a signed addend: a level of its own for the addend's magnitude.
    pub abs_level: bool,
    /// That level.
    pub norm_abs: NormCtx,
    /// The signal that holds that level.
    pub norm_abs_src: String,
    /// The addend's magnitude as the leading-zero count reads it.
    pub addend_mag_src: String,
    /// The addend's sign as the leading-zero count reads it.
    pub addend_sign_src: String,
    /// With contexts: the first normalisation level (the leading-zero count).
    pub norm_lz: NormCtx,
    /// With contexts: the signal that holds the first normalisation level.
    pub norm_lz_src: String,
    /// The addend's exponent as a signed SV expression.
    pub addend_exp_signed: String,
    /// Width of the signed exponent arithmetic.
    pub exp_arith_bits: u32,
    /// Width of a leading-zero count of the addend.
    pub addend_lzc_bits: u32,
    /// The addend's lsb exponent is its exponent minus this (before the window).
    pub sum_off_base: i64,
    /// The same, after the addend is placed at the top of the alignment window.
    pub sum_off: i64,
    /// `sum_off` as a signed SV literal of the exponent width.
    pub sum_off_lit: String,
    /// Width of the accumulator's bit pattern.
    pub acc_bits: u32,
    /// The accumulator's exponent bits.
    pub acc_exp_bits: u32,
    /// The accumulator's fraction bits.
    pub acc_man_bits: u32,
    /// Width n of the alignment window.
    pub window_bits: u32,
    /// The accumulator's smallest normal exponent.
    pub emin: i32,
    /// `emin` as a signed literal.
    pub emin_lit: String,
    /// The accumulator's bias as a signed literal.
    pub bias_lit: String,
    /// The accumulator's all-ones exponent field.
    pub acc_exp_ones: String,
    /// The accumulator's significand placed in the window, as an SV expression.
    pub sig_a_expr: String,
    /// The offset of the accumulator's lsb exponent from its biased exponent.
    pub lsb_a_off: String,
    /// The signal of the normalised addend.
    pub norm_result: String,
    /// The normalised addend placed in the window, as an SV expression.
    pub sig_b_expr: String,
    /// Width of an alignment shift amount.
    pub shift_bits: u32,
    /// n + 3 ones (the window with its guard, round and sticky bits).
    pub window_ones: String,
    /// Width of a leading-zero count of the sum.
    pub sum_lzc_bits: u32,
    /// The largest biased exponent of a finite value, as a signed literal.
    pub max_biased_lit: String,
    /// The canonical NaN.
    pub nan_pattern: String,
    /// +Inf without its sign bit.
    pub inf_pattern: String,
    /// What an overflow gives (Inf or the largest finite value), without its sign bit.
    pub overflow_pattern: String,
    /// The side band as the accumulator sees it.
    pub acc_side: String,
    /// The valid signal of the last stage before the accumulator.
    pub last_valid: String,
    /// The pipeline stages before the accumulator.
    pub stages: Vec<StageCtx>,
    /// The index of the last stage.
    pub last_stage: u32,
    /// The ready signal that releases the last stage.
    pub out_ready: String,
}

/// The ports that every accumulating unit ends with: the framing (first, last), the tag, the
/// output handshake and the accumulator's result; with contexts, the turn (`ctx_o`) before them
/// and the result's context (`acc_ctx_o`) after.
pub fn accumulating_ports(t: u32, acc: FpFormat, sched: &Schedule) -> Vec<Port> {
    let mut p = Vec::new();
    if !sched.is_single() {
        p.push(Port::output(
            "ctx_o",
            sched.ctx_bits(),
            &format!(
                "the context whose turn it is, 0 to {}: a pair accepted now belongs to it",
                sched.contexts - 1
            ),
        ));
    }
    p.extend([
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
    ]);
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
    if !sched.is_single() {
        p.push(Port::output(
            "acc_ctx_o",
            sched.ctx_bits(),
            "the context of the result",
        ));
    }
    p
}
