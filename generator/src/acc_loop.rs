//! The schedule of an accumulating unit's loop (`hbfp_mac`, `fp_mac`): C independent dot products
//! (contexts) interleaved through an accumulator loop cut into K register stages, C >= K
//! (`docs/hbfp_mac.md`, "Contexts"). Here: the values the user chooses them with
//! ([`Contexts`], [`Schedule::resolve`]), where the loop's registers go ([`Schedule::cuts`]), and
//! which signal each section of the loop template reads ([`LoopCtx`]). One context and one stage
//! is the single-cycle loop, and renders the same RTL as a unit without contexts.

use crate::error::{Error, Result};
use crate::format::check_range;
use serde::Serialize;

/// How many contexts to interleave: a count, or as many as the loop has stages (`auto`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contexts {
    /// Exactly this many.
    Count(u32),
    /// As many as the loop has stages: the fewest that keep it full. Spelt `auto`.
    Auto,
}

crate::pipeline::count_or_keyword!(Contexts, Auto, "auto", "contexts");

/// The most contexts a unit interleaves.
pub const MAX_CONTEXTS: u32 = 64;

/// The sections of the accumulator loop, in order, as the template draws them: a register can
/// sit after any but the last (the loop's own register follows the last).
pub const SECTIONS: [&str; 9] = [
    "decode (the addends and their exponent difference both ways)",
    "swap (the big addend and the alignment distance)",
    "alignment shift",
    "add",
    "magnitude",
    "normalising shift's first half",
    "normalising shift's second half",
    "rounding increment",
    "special cases",
];

/// The most loop stages: a register after every section.
pub const MAX_ACC_STAGES: u32 = SECTIONS.len() as u32;

/// The loop stages `--contexts auto` and `--contexts C` choose when `--acc-stages` is not given:
/// a register before every section, the fastest loop measured (docs/fpga-results.md, "Contexts").
pub const DEFAULT_ACC_STAGES: u32 = 9;

/// The section boundaries (1 to 8: a register before section b) of a loop of `k` stages, chosen
/// to balance the sections' delays (docs/hbfp_mac.md, "Where the loop's registers go").
fn cut_table(k: u32) -> &'static [u32] {
    match k {
        1 => &[],
        2 => &[4],
        3 => &[2, 6],
        4 => &[2, 4, 6],
        5 => &[2, 4, 6, 7],
        6 => &[1, 2, 4, 6, 7],
        7 => &[1, 2, 3, 5, 6, 7],
        8 => &[1, 2, 3, 5, 6, 7, 8],
        _ => &[1, 2, 3, 4, 5, 6, 7, 8],
    }
}

/// C contexts through a loop of K stages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// Contexts C: independent dot products in flight, one per turn.
    pub contexts: u32,
    /// Register stages K of the accumulator loop (1: the single-cycle loop).
    pub acc_stages: u32,
}

impl Schedule {
    /// One context through the single-cycle loop: the unit without contexts.
    pub const SINGLE: Schedule = Schedule {
        contexts: 1,
        acc_stages: 1,
    };

    /// Resolves `--contexts` and `--acc-stages`: unset, one context and one stage; `auto`, as
    /// many contexts as stages (by default [`DEFAULT_ACC_STAGES`]); a count C > 1 alone, min(C,
    /// [`DEFAULT_ACC_STAGES`]) stages. K stages need C >= K contexts.
    pub fn resolve(contexts: Option<Contexts>, acc_stages: Option<u32>) -> Result<Schedule> {
        if let Some(k) = acc_stages {
            check_range("acc_stages", k, 1, MAX_ACC_STAGES)?;
        }
        let (c, k) = match (contexts.unwrap_or(Contexts::Count(1)), acc_stages) {
            (Contexts::Auto, k) => {
                let k = k.unwrap_or(DEFAULT_ACC_STAGES);
                (k, k)
            }
            (Contexts::Count(c), k) => {
                check_range("contexts", c, 1, MAX_CONTEXTS)?;
                let k = k.unwrap_or(c.min(DEFAULT_ACC_STAGES));
                if k > c {
                    return Err(Error::OutOfRange {
                        name: "acc_stages",
                        value: k.to_string(),
                        allowed: format!(
                            "1 to {c}: a loop of K stages needs at least K contexts to keep it \
                             busy (--contexts {c}); raise --contexts or use --contexts auto"
                        ),
                    });
                }
                (c, k)
            }
        };
        Ok(Schedule {
            contexts: c,
            acc_stages: k,
        })
    }

    /// Whether this is the unit without contexts (one context, the single-cycle loop).
    pub fn is_single(&self) -> bool {
        self.contexts == 1
    }

    /// Levels the stages before the loop gain: with contexts, the addend's normalisation takes
    /// two more (its magnitude, for a `signed_addend` that comes in two's complement, then half
    /// of its leading-zero count, then the rest and the exponent), so that it keeps up with the
    /// pipelined loop's clock.
    pub fn extra_front_levels(&self, signed_addend: bool) -> u32 {
        if self.is_single() {
            0
        } else {
            1 + u32::from(signed_addend)
        }
    }

    /// The most pipeline stages before the accumulator of a unit whose dot product has `dot_max`
    /// levels: one after each of them and after the normalisation of its two's-complement sum,
    /// with contexts the extra levels of [`Schedule::extra_front_levels`].
    pub fn front_max_stages(&self, dot_max: u32) -> u32 {
        dot_max + 1 + self.extra_front_levels(true)
    }

    /// Each level's estimated delay before the accumulator: the dot product's `dot_weights`, then
    /// the normalisation of its `sum_bits`-bit sum ([`crate::pipeline::delay::normalise`]) shared
    /// evenly among the normalisation's levels.
    pub fn front_weights(&self, mut dot_weights: Vec<u32>, sum_bits: u32) -> Vec<u32> {
        let levels = 1 + self.extra_front_levels(true);
        let norm = crate::pipeline::delay::normalise(sum_bits);
        dot_weights.extend(std::iter::repeat(norm.div_ceil(levels)).take(levels as usize));
        dot_weights
    }

    /// Width of a context index (at least 1).
    pub fn ctx_bits(&self) -> u32 {
        (32 - (self.contexts - 1).leading_zeros()).max(1)
    }

    /// The section boundaries with a register before them (K - 1 of them, from 1 to 8).
    pub fn cuts(&self) -> &'static [u32] {
        cut_table(self.acc_stages)
    }

    /// The name suffix of a unit with contexts, `_c<C>k<K>` (empty without).
    pub fn name_suffix(&self) -> String {
        if self.is_single() {
            String::new()
        } else {
            format!("_c{}k{}", self.contexts, self.acc_stages)
        }
    }

    /// The flags that regenerate the schedule (empty without contexts).
    pub fn flags(&self) -> String {
        if self.is_single() {
            String::new()
        } else {
            format!(
                " --contexts {} --acc-stages {}",
                self.contexts, self.acc_stages
            )
        }
    }
}

/// The header line of a unit with contexts (none without).
pub fn header_line(s: &Schedule) -> Option<String> {
    (!s.is_single()).then(|| {
        format!(
            "// Contexts: C = {} dot products take turns (ctx_o) through K = {} accumulator loop stages, registers before sections [{}] (acc_loop.rs)",
            s.contexts,
            s.acc_stages,
            crate::render::slot_list(s.cuts())
        )
    })
}

/// The longest dot product the vector generators draw (pairs).
pub const MAX_PRODUCT_PAIRS: usize = 6;

/// Vector words of dot products for C contexts, in turn order (docs/vectors.md, "Contexts"):
/// `product(rng, n)` draws one dot product of n pairs, and the result is (context, word) with word
/// i of context i mod C. With one context: products of 1 to [`MAX_PRODUCT_PAIRS`] pairs until
/// there are `count` words or more. With C: each context's stream has ceil(count / C) words, in
/// products of 1 to 6 pairs, the last cut short to fit; the streams are drawn one after the other.
pub fn in_turns<T, R: rand::Rng>(
    contexts: u32,
    count: usize,
    rng: &mut R,
    mut product: impl FnMut(&mut R, usize) -> Vec<T>,
) -> Vec<(u32, T)> {
    let c = contexts.max(1) as usize;
    let per = if c == 1 {
        count
    } else {
        count.div_ceil(c).max(1)
    };
    let mut streams: Vec<Vec<T>> = Vec::new();
    for _ in 0..c {
        let mut s = Vec::new();
        while s.len() < per {
            let mut pairs = rng.gen_range(1..=MAX_PRODUCT_PAIRS);
            if c > 1 {
                pairs = pairs.min(per - s.len());
            }
            s.extend(product(rng, pairs));
        }
        streams.push(s);
    }
    if c == 1 {
        return streams.remove(0).into_iter().map(|v| (0, v)).collect();
    }
    let mut iters: Vec<_> = streams.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::with_capacity(per * c);
    for _ in 0..per {
        for (k, it) in iters.iter_mut().enumerate() {
            out.push((k as u32, it.next().expect("every stream has `per` words")));
        }
    }
    out
}

/// What the manifest records of the schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduleManifest {
    /// Contexts C.
    pub contexts: u32,
    /// Loop stages K.
    pub acc_stages: u32,
    /// How an operation's context is chosen: `turns` (the context of `ctx_o` when it is accepted).
    pub context_rule: &'static str,
    /// Section boundaries with a loop register before them (see [`SECTIONS`]).
    pub loop_cuts: Vec<u32>,
    /// Where the contexts' accumulators live.
    pub context_state: String,
}

impl ScheduleManifest {
    /// The manifest entry of `s` for an accumulator of `acc_bits` bits.
    pub fn of(s: &Schedule, acc_bits: u32) -> Self {
        let wait = s.contexts - s.acc_stages;
        ScheduleManifest {
            contexts: s.contexts,
            acc_stages: s.acc_stages,
            context_rule: "turns",
            loop_cuts: s.cuts().to_vec(),
            context_state: if wait == 0 {
                "the loop's registers".into()
            } else {
                format!(
                    "the loop's registers and a {wait}-deep shift register of {acc_bits}-bit \
                     flip-flops"
                )
            },
        }
    }
}

/// A signal that crosses the loop's sections: its name, width, the section that makes it and
/// the last section that reads it (9: the result register).
struct Crossing {
    name: &'static str,
    width: u32,
    from: u32,
    to: u32,
    /// Whether its loop registers are reset (the `last` flag, a valid bit).
    reset: bool,
}

/// The widths the loop's crossing signals take.
pub struct LoopWidths {
    /// Window n.
    pub window: u32,
    /// Exponent arithmetic.
    pub exp_arith: u32,
    /// Bits of the normaliser's search value between its halves.
    pub nx: u32,
    /// Bits of the normalising shift count.
    pub norm_count: u32,
    /// Exponent and fraction bits of the accumulator.
    pub acc_em: u32,
    /// Tag width.
    pub tag: u32,
    /// Whether the side band has an infinity flag.
    pub has_inf: bool,
}

fn crossings(w: &LoopWidths) -> Vec<Crossing> {
    let c = |name, width, from, to| Crossing {
        name,
        width,
        from,
        to,
        reset: false,
    };
    let mut v = vec![
        c("sig_a", w.window, 0, 1),
        c("sig_b", w.window, 0, 1),
        c("lsb_a", w.exp_arith, 0, 1),
        c("lsb_b", w.exp_arith, 0, 1),
        c("d", w.exp_arith, 0, 1),
        c("nd", w.exp_arith, 0, 1),
        c("nb_zero", 1, 0, 1),
        c("a_sign", 1, 0, 8),
        c("b_sign", 1, 0, 8),
        c("a_nan", 1, 0, 8),
        c("a_inf", 1, 0, 8),
        c("acc_nan_b", 1, 0, 8),
    ];
    if w.has_inf {
        v.push(c("acc_inf_b", 1, 0, 8));
    }
    v.push(Crossing {
        reset: true,
        ..c("acc_last", 1, 0, 9)
    });
    if w.tag > 0 {
        v.push(c("acc_tag", w.tag, 0, 9));
    }
    v.extend([
        c("sig_big", w.window, 1, 3),
        c("sig_small", w.window, 1, 2),
        c("dd", w.exp_arith, 1, 2),
        c("lsb_big", w.exp_arith, 1, 3),
        c("lsb_nb", w.exp_arith, 2, 6),
        c("s_big", 1, 1, 3),
        c("s_small", 1, 1, 3),
        c("small_al", w.window + 3, 2, 3),
        c("sum", w.window + 5, 3, 4),
        c("r_sign", 1, 3, 8),
        c("stop", w.window + 4, 3, 5),
        c("mag", w.window + 4, 4, 5),
        c("mag_zero", 1, 4, 8),
        c("nx", w.nx, 5, 6),
        c("nm", w.window + 4, 5, 6),
        c("nc", w.norm_count, 5, 6),
        c("norm", w.window + 4, 6, 7),
        c("e_biased", w.exp_arith, 6, 7),
        c("rounded", w.acc_em, 7, 8),
        c("ovf", 1, 7, 8),
    ]);
    v
}

/// One loop register as the template declares and loads it.
#[derive(Serialize)]
pub struct LoopReg {
    /// Its name, `ls<j>_<signal>`.
    pub name: String,
    /// Its width.
    pub width: u32,
    /// What it takes.
    pub src: String,
}

/// The registers of one loop stage, at a section boundary.
#[derive(Serialize)]
pub struct LoopCut {
    /// The stage number, from 1.
    pub stage: u32,
    /// The section before it.
    pub after: String,
    /// Its data registers (enabled, never reset).
    pub regs: Vec<LoopReg>,
    /// Its valid-like registers (reset).
    pub flags: Vec<LoopReg>,
}

/// What the accumulator template needs of the loop: for each section, the name it reads each
/// crossing signal by, and the registers at each boundary.
#[derive(Serialize)]
pub struct LoopCtx {
    /// Per section (0 to 9, 9 the result register): signal -> the name that section reads it by.
    pub reads: Vec<std::collections::BTreeMap<String, String>>,
    /// Per boundary 0 to 9: the registers before section b (`None` where there are none).
    pub cuts: Vec<Option<LoopCut>>,
}

impl LoopCtx {
    /// The loop of `s` with the widths `w`; `mag_zero_expr` is how an uncut loop tests the
    /// magnitude for zero.
    pub fn of(s: &Schedule, w: &LoopWidths, mag_zero_expr: &str) -> LoopCtx {
        let cuts = s.cuts();
        let xs = crossings(w);
        let own = |x: &Crossing| {
            if x.name == "mag_zero" {
                mag_zero_expr.to_owned()
            } else {
                x.name.to_owned()
            }
        };
        // the name section q reads x by: the register of the last cut in (from, q], else its own
        let name_at = |x: &Crossing, q: u32| -> String {
            match cuts
                .iter()
                .enumerate()
                .rev()
                .find(|(_, &b)| b > x.from && b <= q)
            {
                Some((j, _)) => format!("ls{}_{}", j + 1, x.name),
                None => own(x),
            }
        };
        let last = SECTIONS.len() as u32;
        let reads = (0..=last)
            .map(|q| {
                xs.iter()
                    .map(|x| (x.name.to_owned(), name_at(x, q)))
                    .collect()
            })
            .collect();
        let mut cut_at: Vec<Option<LoopCut>> = (0..=last).map(|_| None).collect();
        for (j, &b) in cuts.iter().enumerate() {
            let live = || xs.iter().filter(|x| x.from < b && x.to >= b);
            let reg = |x: &Crossing| LoopReg {
                name: format!("ls{}_{}", j + 1, x.name),
                width: x.width,
                src: name_at(x, b - 1),
            };
            cut_at[b as usize] = Some(LoopCut {
                stage: j as u32 + 1,
                after: SECTIONS[b as usize - 1].to_owned(),
                regs: live().filter(|x| !x.reset).map(reg).collect(),
                flags: live().filter(|x| x.reset).map(reg).collect(),
            });
        }
        LoopCtx {
            reads,
            cuts: cut_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_rules() {
        let r = Schedule::resolve;
        assert_eq!(r(None, None).unwrap(), Schedule::SINGLE);
        assert_eq!(r(Some(Contexts::Count(1)), None).unwrap(), Schedule::SINGLE);
        let auto = r(Some(Contexts::Auto), None).unwrap();
        assert_eq!(auto.contexts, auto.acc_stages);
        assert_eq!(
            r(Some(Contexts::Auto), Some(3)).unwrap(),
            Schedule {
                contexts: 3,
                acc_stages: 3
            }
        );
        assert_eq!(
            r(Some(Contexts::Count(12)), None).unwrap().acc_stages,
            DEFAULT_ACC_STAGES
        );
        assert_eq!(r(Some(Contexts::Count(2)), None).unwrap().acc_stages, 2);
        assert!(r(Some(Contexts::Count(2)), Some(3)).is_err());
        assert!(r(None, Some(2)).is_err());
        assert!(r(Some(Contexts::Count(0)), None).is_err());
        assert!(r(Some(Contexts::Count(65)), None).is_err());
        assert!(r(Some(Contexts::Auto), Some(MAX_ACC_STAGES + 1)).is_err());
    }

    #[test]
    fn every_stage_count_has_its_cuts_in_order() {
        for k in 1..=MAX_ACC_STAGES {
            let c = cut_table(k);
            assert_eq!(c.len() as u32, k - 1);
            assert!(c.windows(2).all(|w| w[0] < w[1]));
            assert!(c.iter().all(|&b| (1..SECTIONS.len() as u32).contains(&b)));
            assert!(k < MAX_ACC_STAGES || c.len() + 1 == SECTIONS.len());
        }
    }

    #[test]
    fn a_signal_is_read_from_the_last_register_before_its_reader() {
        let w = LoopWidths {
            window: 28,
            exp_arith: 11,
            nx: 7,
            norm_count: 5,
            acc_em: 31,
            tag: 0,
            has_inf: false,
        };
        let s = Schedule {
            contexts: 3,
            acc_stages: 3,
        };
        let l = LoopCtx::of(&s, &w, "mag == 0");
        // cuts at 2 and 6: lsb_big (made in 1) is read in 2 through stage 1; lsb_nb (made in 2)
        // is read in 5 as it is and in 6 through stage 2
        assert_eq!(l.reads[2]["lsb_big"], "ls1_lsb_big");
        assert_eq!(l.reads[1]["lsb_big"], "lsb_big");
        assert_eq!(l.reads[5]["lsb_nb"], "lsb_nb");
        assert_eq!(l.reads[6]["lsb_nb"], "ls2_lsb_nb");
        assert_eq!(l.reads[8]["mag_zero"], "ls2_mag_zero");
        let single = LoopCtx::of(&Schedule::SINGLE, &w, "mag == 0");
        assert_eq!(single.reads[8]["mag_zero"], "mag == 0");
        assert!(single.cuts.iter().all(Option::is_none));
        let c6 = l.cuts[6].as_ref().unwrap();
        assert!(c6.regs.iter().any(|r| r.name == "ls2_nm" && r.width == 32));
        assert!(!c6.regs.iter().any(|r| r.name == "ls2_mag"));
        assert!(!c6.regs.iter().any(|r| r.name.ends_with("sig_big")));
        assert_eq!(c6.flags[0].src, "ls1_acc_last");
    }
}
