//! The SystemVerilog of `hbfp_mixed_dot` (`rtl-templates/hbfp_mixed_dot/hbfp_mixed_dot.sv.tera`):
//! the digit selection, the schedule's beats, the 4-bit datapath and the Horner accumulator; its
//! provenance header and regeneration command.

use super::{schedule, MixedUnit};
use crate::bitheap::HeapCtx;
use crate::datapath::LevelCtx;
use crate::error::Result;
use crate::pipeline::{uniform_stages, StageCtx};
use crate::render::{comment_header, level_name, render, slot_list};
use serde::Serialize;

/// The command line that regenerates the `hbfp_mixed_dot` unit `unit`.
pub fn command_line(unit: &MixedUnit) -> String {
    format!(
        "hbfpgen gen mixed --modes {} --block {} --exp-bits {} --stages {} --tag-bits {} --datapath {} --name {}",
        unit.modes_joined(","),
        unit.block(),
        unit.exp_bits(),
        unit.stages(),
        unit.tag_bits,
        unit.lanes.datapath,
        unit.name
    )
}

/// The comment header of the files of an `hbfp_mixed_dot` unit.
pub fn header(unit: &MixedUnit, what: &str) -> String {
    let slots = slot_list(&unit.lanes.register_slots());
    let modes = unit
        .modes
        .iter()
        .enumerate()
        .map(|(code, &m)| {
            format!(
                "mode_i={code}: HBFP{m}, {} cycle(s) per block, latency {}",
                MixedUnit::cycles_per_block(m),
                unit.latency(m)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    comment_header(
        what,
        &command_line(unit),
        &[
            format!(
                "// Parameters: modes {:?}, block B = {} lanes of L = {} bits, exponent E = {} bits, stages S = {}, tag T = {} bits",
                unit.modes,
                unit.block(),
                unit.lane_bits(),
                unit.exp_bits(),
                unit.stages(),
                unit.tag_bits
            ),
            format!(
                "// Derived: sum {} bits, 4-bit datapath sum {} bits, {} digit kinds, at most {} stages",
                unit.sum_bits(),
                unit.lanes.sum_bits(),
                unit.digit_kinds().len(),
                unit.max_stages()
            ),
            format!("// Modes: {modes}. Registers after levels: [{slots}], then the accumulator."),
            "// Numerics: docs/numerics.md. Handshake: valid/ready, valid never depends on ready; in_ready_o depends on mode_i.".into(),
        ],
    )
}

#[derive(Serialize)]
struct KindCtx {
    code: usize,
    what: String,
}

#[derive(Serialize)]
struct BeatCtx {
    key: String,
    mode: u32,
    pass: u32,
    a_digit: u32,
    b_digit: u32,
    a_sel: String,
    b_sel: String,
    first: u32,
    last: u32,
    shift: u32,
}

/// Renders the SystemVerilog of an `hbfp_mixed_dot` unit.
pub fn sv(unit: &MixedUnit) -> Result<String> {
    let d = &unit.lanes;
    let slots = d.register_slots();
    let (lctx, heap) = d.shape().ctx_with(&slots, None);
    let all = d.levels_with(&slots);
    let last_level = all.last().expect("at least two levels");
    let (e, t, l, b) = (
        unit.exp_bits(),
        unit.tag_bits,
        unit.lane_bits(),
        unit.block(),
    );
    let (mb, pb) = (unit.mode_bits(), unit.pass_bits());
    let kinds = unit.digit_kinds();
    let side = t + mb + 4 + 1 + e + 1;
    let s = slots.len() as u32;
    let stages = uniform_stages(&slots, side, "acc_ready");
    // Digit selection, bit by bit: bit j of a digit comes from one of a few lane bits (or is 0);
    // the distinct sources of bit j over the built digit kinds are chosen by a shared select
    // field, so each lane's bit is one small multiplexer.
    let source = |k: &super::DigitSel, j: u32| k.bit_source(j);
    let mut sources: Vec<Vec<Option<u32>>> = vec![Vec::new(); 4];
    for k in &kinds {
        for (j, src) in sources.iter_mut().enumerate() {
            let x = source(k, j as u32);
            if !src.contains(&x) {
                src.push(x);
            }
        }
    }
    // bits whose sources are the same lane bits shifted by one form a group with one select
    // field, emitted as one vector expression (per-bit expressions map worse in Yosys 0.23)
    let parallel = |j: usize, k: usize| {
        sources[j].len() == sources[k].len()
            && sources[j]
                .iter()
                .zip(&sources[k])
                .all(|(x, y)| match (x, y) {
                    (Some(x), Some(y)) => *y == x + (k - j) as u32,
                    (None, None) => true,
                    _ => false,
                })
    };
    let mut groups: Vec<(usize, usize)> = Vec::new(); // (first bit, bits)
    for j in 0..4 {
        match groups.last_mut() {
            Some((g, n)) if parallel(*g, j) => *n += 1,
            _ => groups.push((j, 1)),
        }
    }
    let sel_w: Vec<u32> = groups
        .iter()
        .map(|(g, _)| (sources[*g].len() as u32).next_power_of_two().ilog2())
        .collect();
    let sel_off: Vec<u32> = sel_w
        .iter()
        .scan(0, |acc, w| {
            let o = *acc;
            *acc += w;
            Some(o)
        })
        .collect();
    let sw: u32 = sel_w.iter().sum();
    let sel_of = |k: &super::DigitSel| -> u64 {
        groups
            .iter()
            .enumerate()
            .map(|(gi, (g, _))| {
                let idx = sources[*g]
                    .iter()
                    .position(|x| *x == source(k, *g as u32))
                    .expect("a listed source") as u64;
                idx << sel_off[gi]
            })
            .sum()
    };
    let group_expr = |port: &str, sel: &str, gi: usize| -> String {
        let (g, n) = groups[gi];
        let src = |x: &Option<u32>| match x {
            Some(b) if n == 1 => format!("{port}[i*{l}+{b}]"),
            Some(b) => format!("{port}[i*{l}+{b} +: {n}]"),
            None => format!("{n}'d0"),
        };
        let v = &sources[g];
        if v.len() == 1 {
            return src(&v[0]);
        }
        let (o, w) = (sel_off[gi], sel_w[gi]);
        let field = if w == 1 {
            format!("{sel}[{o}]")
        } else {
            format!("{sel}[{}:{o}]", o + w - 1)
        };
        // an AND-OR multiplexer (as a ternary chain, Yosys 0.23 maps the multipliers after it
        // worse: docs/fpga-results.md, table 6)
        v.iter()
            .enumerate()
            .filter(|(_, x)| x.is_some())
            .map(|(k, x)| {
                let hit = format!("({field} == {w}'d{k})");
                if n == 1 {
                    format!("({} & {hit})", src(x))
                } else {
                    format!("({} & {{{n}{{{hit}}}}})", src(x))
                }
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let dig_assign: Vec<String> = (0..groups.len())
        .flat_map(|gi| {
            let (g, n) = groups[gi];
            let lhs = |d: &str| {
                if n == 1 {
                    format!("{d}[i*4+{g}]")
                } else {
                    format!("{d}[i*4+{g} +: {n}]")
                }
            };
            [
                format!("{} = {};", lhs("dig_a"), group_expr("a_man_i", "a_sel", gi)),
                format!("{} = {};", lhs("dig_b"), group_expr("b_man_i", "b_sel", gi)),
            ]
        })
        .collect();
    let kctx: Vec<KindCtx> = kinds
        .iter()
        .enumerate()
        .map(|(code, k)| KindCtx {
            code,
            what: format!(
                "bits [{}:{}] of the lane, {}; select {sw}'h{:x}",
                k.lo + k.width - 1,
                k.lo,
                if k.signed {
                    "signed (a top digit)"
                } else {
                    "unsigned (a lower digit)"
                },
                sel_of(k)
            ),
        })
        .collect();
    let sel_lit = |m: u32, i: u32| -> String {
        let k = super::DigitSel::of(m, i);
        format!("{sw}'h{:x}", sel_of(&k))
    };
    let mut beats = Vec::new();
    for (code, &m) in unit.modes.iter().enumerate() {
        let sched = schedule(m);
        let n = sched.len() as u32;
        for (p, beat) in sched.iter().enumerate() {
            let p = p as u32;
            beats.push(BeatCtx {
                key: format!("{}'d{}", mb + pb, ((code as u32) << pb) | p),
                mode: m,
                pass: p,
                a_digit: beat.a_digit,
                b_digit: beat.b_digit,
                a_sel: sel_lit(m, beat.a_digit),
                b_sel: sel_lit(m, beat.b_digit),
                first: u32::from(p == 0),
                last: u32::from(p + 1 == n),
                shift: u32::from(beat.shift),
            });
        }
    }
    let w = unit.sum_bits();
    let wt = d.sum_bits();
    let tree = level_name(last_level.index, last_level.registered);
    let tree_ext = if w > wt {
        format!("{{{{{}{{{tree}[{}]}}}}, {tree}}}", w - wt, wt - 1)
    } else {
        tree.clone()
    };
    let ctx = MixedContext {
        header: header(
            unit,
            &format!(
                "hbfp_mixed_dot: exact HBFP{} block dot products on a 4-bit datapath",
                unit.modes_joined("/")
            ),
        ),
        name: unit.name.clone(),
        ports: crate::ports::sv_declaration(&crate::unit::Unit::ports(unit)),
        exp_bits: e,
        tag_bits: t,
        lane_bits: l,
        lanes: b,
        sum_bits: w,
        mode_bits: mb,
        pass_bits: pb,
        select_bits: sw,
        dig_assign,
        port_bus: unit.man_bus_bits(),
        man_bus: d.man_bus_bits(),
        lvl0_src: "{dig_b, dig_a}",
        side_bits: side,
        nan_code: format!("{e}'h{:x}", d.format.scale.encode(d.format.scale.nan_exp())),
        fault_lane_bit: None,
        beat_key: if mb > 0 {
            "{mode_i, pass_q}".to_owned()
        } else {
            "pass_q".to_owned()
        },
        beats,
        kinds: kctx,
        levels: lctx,
        heap,
        stages,
        last_stage: s.saturating_sub(1),
        out_ready: "acc_ready",
        last_valid: if s > 0 {
            format!("s{}_valid_q", s - 1)
        } else {
            "in_valid_i".to_owned()
        },
        last_side: if s > 0 {
            format!("s{}_side_q", s - 1)
        } else {
            "side_in".to_owned()
        },
        tree_ext,
    };
    render("hbfp_mixed_dot.sv", &ctx)
}

/// What `rtl-templates/hbfp_mixed_dot/hbfp_mixed_dot.sv.tera` draws.
#[derive(Serialize)]
struct MixedContext {
    /// The provenance header.
    header: String,
    /// The module name.
    name: String,
    /// The port declarations, from the unit's port list.
    ports: String,
    /// Shared-exponent width E.
    exp_bits: u32,
    /// Tag width T.
    tag_bits: u32,
    /// Bits of a lane on the ports (the widest mode).
    lane_bits: u32,
    /// Lanes B.
    lanes: u32,
    /// Width of `sum_o` (the widest mode's sum).
    sum_bits: u32,
    /// Width of `mode_i` (0: one mode, no port).
    mode_bits: u32,
    /// Width of the beat counter.
    pass_bits: u32,
    /// Width of the digit-select field.
    select_bits: u32,
    /// The digit multiplexers, one SV statement each.
    dig_assign: Vec<String>,
    /// Width of an operand bus on the ports (B * L).
    port_bus: u32,
    /// Width of a 4-bit digit bus (B * 4).
    man_bus: u32,
    /// Level 0 of the datapath: the two digit buses.
    lvl0_src: &'static str,
    /// Width of the side band beside the datapath.
    side_bits: u32,
    /// The NaN exponent code.
    nan_code: String,
    /// Never a fault (the shared datapath template asks).
    fault_lane_bit: Option<u32>,
    /// The expression that selects the beat: {mode_i, pass_q} or pass_q.
    beat_key: String,
    /// Every beat of every built mode's schedule.
    beats: Vec<BeatCtx>,
    /// The digit kinds (where each digit's bits come from).
    kinds: Vec<KindCtx>,
    /// The 4-bit datapath's levels (the tree; empty for the bit heap).
    levels: Vec<LevelCtx>,
    /// The bit heap (none for the tree).
    heap: Option<HeapCtx>,
    /// The pipeline stages before the accumulator.
    stages: Vec<StageCtx>,
    /// The index of the last stage.
    last_stage: u32,
    /// The ready signal that releases the last stage.
    out_ready: &'static str,
    /// The valid and side band of the last stage.
    last_valid: String,
    last_side: String,
    /// The tree's sum sign-extended to `sum_bits`.
    tree_ext: String,
}
