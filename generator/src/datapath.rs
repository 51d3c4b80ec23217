//! The dot-product datapath shared by the units that multiply block elements (`hbfp_dot`,
//! `int_dot`, `hbfp_mac`, and the 4-bit lanes of `hbfp_mixed_dot`): B lane products, then a
//! balanced adder tree, every level's count and width computed here from the block format, and
//! the context of `rtl-templates/shared/datapath.sv.tera` that draws it.

pub use crate::bitheap::Datapath;
use crate::bitheap::{Heap, HeapCtx};
use crate::format::BlockFormat;
use crate::render::{level_name, sext};
use serde::Serialize;

/// One level of the datapath: the values present at one register slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Level {
    /// Index of the level (0 = inputs, 1 = products, 2.. = adder-tree levels).
    pub index: u32,
    /// Number of values at this level.
    pub count: u32,
    /// Width of each value (bits); for level 0, the width of one mantissa.
    pub width: u32,
    /// Whether a pipeline register follows this level.
    pub registered: bool,
}

/// Number of adder-tree levels of a block format, `ceil(log2 B)`.
pub fn tree_levels(format: BlockFormat) -> u32 {
    format.block.next_power_of_two().ilog2()
}

/// The register slots of the datapath. The tree: one after the inputs, one after the products
/// and one after each adder-tree level. The bit heap: one after the inputs and one after each of
/// its levels ([`Heap::levels_after_inputs`]).
pub fn slots(format: BlockFormat, datapath: Datapath) -> u32 {
    match datapath {
        Datapath::Tree => tree_levels(format) + 2,
        Datapath::Bitheap | Datapath::Dsp2 => {
            Heap::of(format, datapath)
                .expect("a heap datapath")
                .levels_after_inputs()
                + 1
        }
    }
}

/// The shape of a dot-product datapath: the block format of its operands and its pipeline stages,
/// spread over its register slots by [`crate::pipeline::spread_slots`]. Every width of the datapath
/// is derived here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Shape {
    /// The operands' block format (its element width M and block size B).
    pub format: BlockFormat,
    /// Pipeline register stages.
    pub stages: u32,
    /// How the products are summed.
    pub datapath: Datapath,
}

impl Shape {
    /// Element width M.
    pub fn mantissa_bits(&self) -> u32 {
        self.format.element.bits()
    }
    /// Lanes B.
    pub fn block(&self) -> u32 {
        self.format.block
    }
    /// Width of one operand bus (B * M).
    pub fn man_bus_bits(&self) -> u32 {
        self.block() * self.mantissa_bits()
    }
    /// Width of the exact sum (2M + floor(log2 B)).
    pub fn sum_bits(&self) -> u32 {
        self.format.dot_sum_bits()
    }
    /// Adder-tree levels, ceil(log2 B).
    pub fn tree_levels(&self) -> u32 {
        tree_levels(self.format)
    }
    /// The most stages it takes: one per register slot.
    pub fn max_stages(&self) -> u32 {
        slots(self.format, self.datapath)
    }
    /// The levels that a pipeline register follows: placed by the levels' estimated delays
    /// ([`Shape::level_weights`], [`crate::pipeline::place_slots`]).
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::place_slots(&self.level_weights(), self.stages)
    }
    /// Each level's estimated logic delay ([`crate::pipeline::delay`]), inputs first: a
    /// multiplier (or a Booth row, or a packed pair) weighs more than an adder level.
    pub fn level_weights(&self) -> Vec<u32> {
        use crate::pipeline::delay;
        match Heap::of(self.format, self.datapath) {
            Some(h) => h.level_weights(),
            None => self
                .levels_with(&[])
                .iter()
                .map(|l| match l.index {
                    0 => delay::INPUTS,
                    1 => delay::multiplier(self.mantissa_bits()),
                    _ => delay::adder(l.width),
                })
                .collect(),
        }
    }
    /// The levels with their registers.
    pub fn levels(&self) -> Vec<Level> {
        self.levels_with(&self.register_slots())
    }
    /// The levels with pipeline registers after the levels in `slots` (a unit that builds on
    /// this datapath places its own registers).
    pub fn levels_with(&self, slots: &[u32]) -> Vec<Level> {
        match self.datapath {
            Datapath::Tree => levels(self.format, slots),
            Datapath::Bitheap | Datapath::Dsp2 => Heap::of(self.format, self.datapath)
                .expect("a heap datapath")
                .level_sizes()
                .into_iter()
                .enumerate()
                .map(|(k, (count, width))| Level {
                    index: k as u32,
                    count,
                    width,
                    registered: slots.contains(&(k as u32)),
                })
                .collect(),
        }
    }
    /// What the shared datapath template draws, with registers after the levels in `slots`: the
    /// tree's levels (empty for the bit heap) and the bit heap (none for the tree). `fault_lane`
    /// inverts bit 0 of that lane's first Booth row (the tree's fault is `fault_lane_bit`).
    pub fn ctx_with(
        &self,
        slots: &[u32],
        fault_lane: Option<u32>,
    ) -> (Vec<LevelCtx>, Option<HeapCtx>) {
        match self.datapath {
            Datapath::Tree => (level_ctx(self.format, slots), None),
            Datapath::Bitheap | Datapath::Dsp2 => (
                Vec::new(),
                Heap::of(self.format, self.datapath).map(|h| h.ctx(slots, fault_lane)),
            ),
        }
    }
    /// One phrase for a file header: the datapath and its levels.
    pub fn summary(&self) -> String {
        match self.datapath {
            Datapath::Tree => format!(
                "datapath tree ({} multipliers, {} adder-tree levels)",
                self.block(),
                self.tree_levels()
            ),
            Datapath::Bitheap => {
                let h = Heap::new(self.format);
                format!(
                    "datapath bitheap ({} Booth rows per lane, {} lane and {} join levels, a constant)",
                    h.rows(),
                    h.lane_levels(),
                    h.join_levels()
                )
            }
            Datapath::Dsp2 => {
                let h = Heap::packed(self.format);
                format!(
                    "datapath dsp2 ({} multipliers of two lanes each after their operands, {} join levels, a constant)",
                    h.pairs(),
                    h.join_levels()
                )
            }
        }
    }
    /// Cycles from its inputs to its sum.
    pub fn latency(&self) -> u32 {
        self.stages
    }
}

/// The datapath's levels, inputs first, with pipeline registers after the levels in `slots`.
pub fn levels(format: BlockFormat, slots: &[u32]) -> Vec<Level> {
    let b = format.block;
    let e = format.element;
    let mut levels = vec![
        Level {
            index: 0,
            count: b,
            width: e.bits(),
            registered: false,
        },
        Level {
            index: 1,
            count: b,
            width: e.product_bits(),
            registered: false,
        },
    ];
    levels.extend(sum_tree(1, b, (e.min_product(), e.max_product())));
    for l in &mut levels {
        l.registered = slots.contains(&l.index);
    }
    levels
}

/// The levels of a balanced adder tree over `terms` values in `range` (smallest, largest) that sit
/// at level `after`: ceil(log2 terms) levels, numbered from `after + 1`, each value as wide as the
/// exact sum of the terms it covers (no registers placed). Every adder tree of the generator takes
/// its widths from here.
pub fn sum_tree(after: u32, terms: u32, range: (i128, i128)) -> Vec<Level> {
    let mut count = terms;
    (1..=terms.next_power_of_two().ilog2())
        .map(|t| {
            count = count.div_ceil(2);
            let covered = i128::from((1u32 << t).min(terms));
            Level {
                index: after + t,
                count,
                width: crate::format::signed_width_for(covered * range.1, covered * range.0),
                registered: false,
            }
        })
        .collect()
}

/// The adders of tree level `l` over the previous level `p`, whose signal is `src`: (lhs, rhs,
/// pairs, odd) as [`LevelCtx`] holds them.
pub fn adder_operands(l: &Level, p: &Level, src: &str) -> (String, String, u32, String) {
    let ext = l.width - p.width;
    let odd = if p.count % 2 == 1 {
        sext(src, "2*i", p.width, ext)
    } else {
        String::new()
    };
    (
        sext(src, "2*i", p.width, ext),
        sext(src, "(2*i+1)", p.width, ext),
        p.count / 2,
        odd,
    )
}

/// The template context of adder-tree levels: `levels` (the level before the tree first), with the
/// stage of each registered level from `slots`.
pub fn tree_ctx(levels: &[Level], slots: &[u32]) -> Vec<LevelCtx> {
    levels
        .windows(2)
        .map(|w| {
            let (p, l) = (&w[0], &w[1]);
            let src = level_name(p.index, p.registered);
            let (lhs, rhs, pairs, odd) = adder_operands(l, p, &src);
            LevelCtx {
                index: l.index,
                count: l.count,
                width: l.width,
                bits: l.count * l.width,
                registered: l.registered,
                stage: slots.iter().position(|&x| x == l.index).unwrap_or(0) as u32,
                src,
                lhs,
                rhs,
                pairs,
                odd,
            }
        })
        .collect()
}

/// One level as `datapath.sv.tera` draws it.
#[derive(Serialize)]
pub struct LevelCtx {
    /// Level index (0 = inputs, 1 = products, 2.. = adder-tree levels).
    pub index: u32,
    /// Values at this level.
    pub count: u32,
    /// Width of each value.
    pub width: u32,
    /// Width of the level's whole signal.
    pub bits: u32,
    /// Whether a pipeline register follows it.
    pub registered: bool,
    /// The stage that registers it (0 when none does).
    pub stage: u32,
    /// The signal of the previous level.
    pub src: String,
    /// The left operand of each adder (or multiplier) as an SV expression over `i`.
    pub lhs: String,
    /// The right operand.
    pub rhs: String,
    /// Adders at this level.
    pub pairs: u32,
    /// The value passed on unpaired when the previous level has an odd count (else empty).
    pub odd: String,
}

/// The template context of the datapath's levels with pipeline registers after the levels in
/// `slots`.
pub fn level_ctx(format: BlockFormat, slots: &[u32]) -> Vec<LevelCtx> {
    let levels = levels(format, slots);
    let m = format.element.bits();
    let man_bus = format.block * format.element.bits();
    let mut stage_of_level = std::collections::HashMap::new();
    for (k, l) in slots.iter().enumerate() {
        stage_of_level.insert(*l, k as u32);
    }
    let mut lctx = Vec::new();
    for (k, l) in levels.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| &levels[p]);
        let src = prev
            .map(|p| level_name(p.index, p.registered))
            .unwrap_or_default();
        let (mut lhs, mut rhs, mut pairs, mut odd) =
            (String::new(), String::new(), 0, String::new());
        let bits = if l.index == 0 {
            2 * man_bus
        } else {
            l.count * l.width
        };
        match (l.index, prev) {
            (1, Some(_)) => {
                lhs = sext(&src, "i", m, m);
                rhs = sext(&src, &format!("({}+i)", format.block), m, m);
            }
            (_, Some(p)) => (lhs, rhs, pairs, odd) = adder_operands(l, p, &src),
            _ => {}
        }
        lctx.push(LevelCtx {
            index: l.index,
            count: l.count,
            width: l.width,
            bits,
            registered: l.registered,
            stage: stage_of_level.get(&l.index).copied().unwrap_or(0),
            src,
            lhs,
            rhs,
            pairs,
            odd,
        });
    }
    lctx
}
