//! The bit-heap datapath (`--datapath bitheap`): the sum of B signed M x M products as one heap of
//! radix-4 Booth partial-product rows, compressed by carry-chain adders, with one constant added
//! at the end. Every level's layout and width is computed here; `rtl-templates/shared/bitheap.sv.tera`
//! draws the statements built here. docs/numerics.md ("The bit-heap datapath") gives the algebra.
//!
//! The heap, per lane i and Booth row j (R = ceil(M/2) rows of M+1 bits, weight 4^j):
//! `b_i * a_i = sum_j (row_ij - 2^M + neg_ij) * 4^j`, where `row_ij` is the row read as an unsigned
//! number (the digit `d = -2 b[2j+1] + b[2j] + b[2j-1]` times `a`, its sign inverted) and
//! `neg_ij = b[2j+1]`. The `-2^M` terms of every row of every lane sum to one constant, added once.
//! Every value inside the heap is unsigned, so no level sign-extends; the sum is exact modulo 2^W,
//! and the true sum fits W bits, so the result is the sum.
//!
//! The rows of a lane are added pairwise (each adder takes the upper row's `neg` as its carry
//! in); the lanes are then added pairwise (each adder takes one lane's leftover `neg` as its carry
//! in, B - 1 of them); the last adder adds the constant and the last leftover. Each cross-lane
//! adder is written `(({a, c} + {b, c}) >> 1)`: the same sum, whose operands are not the previous
//! adder's whole output, so Yosys's `alumacc` does not merge the tree into one carry-save `$macc`
//! (which maps to LUTs, not carry chains).
//!
//! `--datapath dsp2` ([`dsp_pack`]) shares the join levels and the constant adder: its level 1 is
//! two lanes' products from one multiplier instead of Booth rows.

use crate::format::BlockFormat;
use crate::render::level_name;
use serde::{Deserialize, Serialize};

pub mod dsp_pack;

/// How a datapath sums its B products.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Datapath {
    /// B multipliers (`*`), then a balanced tree of adders over the products.
    Tree,
    /// One heap of radix-4 Booth partial products compressed by carry-chain adders: about half the
    /// LUTs of `tree` on ECP5 (docs/fpga-results.md).
    #[default]
    Bitheap,
    /// Two lanes' products in one multiplier (one ECP5 MULT18X18D: half the DSPs of `tree`), for
    /// mantissas of at most 5 bits, then the bit heap's join levels over the pairs.
    Dsp2,
}

impl Datapath {
    /// Its name on the command line and in TOML.
    pub fn name(self) -> &'static str {
        match self {
            Datapath::Tree => "tree",
            Datapath::Bitheap => "bitheap",
            Datapath::Dsp2 => "dsp2",
        }
    }
    /// What a default module name ends with: nothing for the default datapath, else `_` and its
    /// name.
    pub fn name_suffix(self) -> &'static str {
        match self {
            Datapath::Tree => "_tree",
            Datapath::Bitheap => "",
            Datapath::Dsp2 => "_dsp2",
        }
    }
    /// Checks that the datapath can multiply elements of `format`: `dsp2` packs two products into
    /// one 18 x 18 multiplier, which takes mantissas of at most [`dsp_pack::DSP2_MANTISSA_MAX`] bits.
    pub fn check(self, format: BlockFormat) -> crate::error::Result<()> {
        let m = format.element.bits();
        if self == Datapath::Dsp2 && m > dsp_pack::DSP2_MANTISSA_MAX {
            return Err(crate::error::Error::OutOfRange {
                name: "mantissa",
                value: m.to_string(),
                allowed: format!(
                    "at most {} with --datapath dsp2 (two products share one 18 x 18 multiplier); \
                     use --datapath tree or bitheap for wider mantissas",
                    dsp_pack::DSP2_MANTISSA_MAX
                ),
            });
        }
        Ok(())
    }
}

impl std::fmt::Display for Datapath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One value of a lane inside the heap: an unsigned number at a column offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Node {
    /// Weight of its bit 0 (a column of the heap).
    offset: u32,
    /// Its width.
    width: u32,
    /// Its bit 0 inside the lane's segment of the level.
    pos: u32,
}

/// The layout of one level: per lane, nodes (each with the `neg` bit it still carries), or after
/// the lanes are joined, `count` values of one width and the leftover `neg` bits above them.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Layout {
    /// Lanes side by side: lane i's nodes at `i * seg`, its nodes' `neg` bits at
    /// `negs + i * nodes.len() + q`.
    Lanes { nodes: Vec<Node>, seg: u32 },
    /// `count` values of `width` bits at `k * width`, then `strays` leftover `neg` bits.
    Values { count: u32, width: u32, strays: u32 },
    /// The packed multipliers' operands: pair q's X at `2q * width`, its Y above it.
    Operands { pairs: u32, width: u32 },
    /// The sum, W bits.
    Sum,
}

/// The plan of a bit-heap datapath for one block format: Booth rows per lane ([`Heap::new`]), or
/// two lanes' products per multiplier ([`Heap::packed`], in [`dsp_pack`]), then carry-chain
/// adders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heap {
    format: BlockFormat,
    /// Whether level 1 is the packed pair products instead of Booth rows.
    packed: bool,
}

/// One level as `bitheap.sv.tera` draws it.
#[derive(Clone, Debug, Serialize)]
pub struct HeapLevelCtx {
    /// Level index (0 = inputs, 1 = Booth rows, ...).
    pub index: u32,
    /// Width of the level's signal.
    pub bits: u32,
    /// What the level holds: comment lines, without the `//`.
    pub comment: Vec<String>,
    /// Whether a pipeline register follows it.
    pub registered: bool,
    /// The stage that registers it (0 when none does).
    pub stage: u32,
    /// Loops of statements that compute it (in one `always_comb`).
    pub loops: Vec<LoopCtx>,
    /// Or the right-hand side of one continuous assignment (the sum).
    pub assign: Option<String>,
}

/// `for (int var = from; var < to; var++) begin stmts end`.
#[derive(Clone, Debug, Serialize)]
pub struct LoopCtx {
    /// The loop variable.
    pub var: &'static str,
    /// First value.
    pub from: u32,
    /// One past the last value.
    pub to: u32,
    /// The statements, over `var`.
    pub stmts: Vec<String>,
}

/// `{{n}'d0, e}`: `e` (`from` bits) zero-extended to `to` bits, or its low `to` bits.
fn fit(e: &str, from: u32, to: u32) -> String {
    if to > from {
        format!("{{{}'d0, {e}}}", to - from)
    } else {
        e.to_string()
    }
}

/// `text` broken into lines of at most `width` characters (a longer word stays whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(l) if l.len() + 1 + word.len() <= width => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

impl Heap {
    /// The heap of a block format.
    pub fn new(format: BlockFormat) -> Self {
        Heap {
            format,
            packed: false,
        }
    }
    /// The heap of a datapath (`None` for the tree).
    pub fn of(format: BlockFormat, datapath: Datapath) -> Option<Self> {
        match datapath {
            Datapath::Tree => None,
            Datapath::Bitheap => Some(Heap::new(format)),
            Datapath::Dsp2 => Some(Heap::packed(format)),
        }
    }
    fn m(&self) -> u32 {
        self.format.element.bits()
    }
    fn b(&self) -> u32 {
        self.format.block
    }
    /// Width of the sum, W.
    pub fn sum_bits(&self) -> u32 {
        self.format.dot_sum_bits()
    }
    /// Booth rows per lane, ceil(M / 2).
    pub fn rows(&self) -> u32 {
        self.m().div_ceil(2)
    }
    /// Bits of one row, M + 1.
    pub fn row_bits(&self) -> u32 {
        self.m() + 1
    }
    /// Levels that add a lane's rows, ceil(log2 R) (none when packed).
    pub fn lane_levels(&self) -> u32 {
        if self.packed {
            0
        } else {
            self.rows().next_power_of_two().ilog2()
        }
    }
    /// Levels that add the lanes (or the pairs), ceil(log2 B) (ceil(log2 ceil(B / 2))).
    pub fn join_levels(&self) -> u32 {
        self.values().next_power_of_two().ilog2()
    }
    /// The values that the join levels add: B lanes, or ceil(B / 2) pairs.
    fn values(&self) -> u32 {
        if self.packed {
            self.pairs()
        } else {
            self.b()
        }
    }
    /// Levels after the inputs: the rows (or the operands and the pairs), the lane levels, the
    /// join levels and the constant.
    pub fn levels_after_inputs(&self) -> u32 {
        1 + u32::from(self.packed) + self.lane_levels() + self.join_levels() + 1
    }
    /// The constant added at the end: `-B * sum_j 2^(M + 2j)` modulo 2^W (packed: the pairs'
    /// offsets, [`Heap::packed_constant`]).
    pub fn constant(&self) -> u64 {
        if self.packed {
            return self.packed_constant();
        }
        let w = self.sum_bits();
        let per_lane: u128 = (0..self.rows()).map(|j| 1u128 << (self.m() + 2 * j)).sum();
        let modulus = 1u128 << w;
        let total = (u128::from(self.b()) * per_lane) % modulus;
        ((modulus - total) % modulus) as u64
    }

    /// The layouts of levels 1 (rows) to the last (the sum).
    fn layouts(&self) -> Vec<Layout> {
        if self.packed {
            let mut out = vec![Layout::Operands {
                pairs: self.pairs(),
                width: self.operand_bits(),
            }];
            out.extend(self.join_layouts(
                Layout::Values {
                    count: self.pairs(),
                    width: self.pair_bits(),
                    strays: self.pairs(),
                },
                self.pairs(),
                self.pair_bits(),
            ));
            return out;
        }
        let (r, rb, w) = (self.rows(), self.row_bits(), self.sum_bits());
        let mut nodes: Vec<Node> = (0..r)
            .map(|j| Node {
                offset: 2 * j,
                width: rb,
                pos: j * rb,
            })
            .collect();
        let mut out = vec![Layout::Lanes {
            nodes: nodes.clone(),
            seg: r * rb,
        }];
        while nodes.len() > 1 {
            let mut next = Vec::new();
            let mut pos = 0;
            for pair in nodes.chunks(2) {
                let width = match pair {
                    [a, b] => {
                        let d = b.offset - a.offset;
                        d + Self::lane_sum_bits(*a, *b, w)
                    }
                    [a] => a.width,
                    _ => unreachable!(),
                };
                next.push(Node {
                    offset: pair[0].offset,
                    width,
                    pos,
                });
                pos += width;
            }
            nodes = next;
            out.push(Layout::Lanes {
                nodes: nodes.clone(),
                seg: pos,
            });
        }
        let last = out.pop().expect("the rows' level");
        out.extend(self.join_layouts(last, self.b(), nodes[0].width));
        out
    }

    /// `first`, then the join levels over its `count` values of `width` bits (each with a `neg`
    /// bit), then the sum.
    fn join_layouts(&self, first: Layout, count: u32, width: u32) -> Vec<Layout> {
        let w = self.sum_bits();
        let mut out = vec![first];
        let (mut count, mut width, mut strays) = (count, width, count);
        for _ in 0..self.join_levels() {
            let pairs = count / 2;
            count = count.div_ceil(2);
            width = (width + 1).min(w);
            strays -= pairs;
            out.push(Layout::Values {
                count,
                width,
                strays,
            });
        }
        out.push(Layout::Sum);
        out
    }

    /// Width of the sum of the upper part of `a` (above `b`'s offset), `b` and a carry in, at most
    /// up to column W.
    fn lane_sum_bits(a: Node, b: Node, w: u32) -> u32 {
        let d = b.offset - a.offset;
        ((a.width - d).max(b.width) + 1).min(w - b.offset)
    }

    /// Width of a level's signal.
    fn bits_of(&self, layout: &Layout) -> u32 {
        match layout {
            Layout::Lanes { nodes, seg } => self.b() * (seg + nodes.len() as u32),
            Layout::Values {
                count,
                width,
                strays,
            } => count * width + strays,
            Layout::Operands { pairs, width } => 2 * pairs * width,
            Layout::Sum => self.sum_bits(),
        }
    }

    /// Each level's estimated logic delay ([`crate::pipeline::delay`]), inputs (level 0) first:
    /// the Booth rows (or the packed pairs), then one carry-chain adder per level.
    pub fn level_weights(&self) -> Vec<u32> {
        use crate::pipeline::delay;
        let mut weights = vec![delay::INPUTS];
        for (k, l) in self.layouts().iter().enumerate() {
            weights.push(match (k, l) {
                (_, Layout::Operands { .. }) => delay::adder(self.m() + 1),
                (1, _) if self.packed => delay::PACKED_PAIR,
                (0, _) => delay::BOOTH_ROW,
                (_, Layout::Lanes { nodes, .. }) => {
                    delay::adder(nodes.iter().map(|n| n.width).max().unwrap_or(0))
                }
                (_, Layout::Values { width, .. }) => delay::adder(*width),
                (_, Layout::Sum) => delay::adder(self.sum_bits()),
            });
        }
        weights
    }

    /// Each level's count of values and widest value, inputs (level 0) first, as the manifest
    /// lists them.
    pub fn level_sizes(&self) -> Vec<(u32, u32)> {
        let mut sizes = vec![(self.b(), self.m())];
        for l in self.layouts() {
            sizes.push(match l {
                Layout::Lanes { nodes, .. } => (
                    self.b() * nodes.len() as u32,
                    nodes.iter().map(|n| n.width).max().unwrap_or(0),
                ),
                Layout::Values { count, width, .. } => (count, width),
                Layout::Operands { pairs, width } => (2 * pairs, width),
                Layout::Sum => (1, self.sum_bits()),
            });
        }
        sizes
    }

    /// The template context of levels 1 to the last, reading level 0 (`{b, a}`: lane i of A at
    /// `[i*M +: M]`, of B at `[B*M + i*M +: M]`) from `lvl0_d` or `lvl0_q`, with pipeline
    /// registers after the levels in `slots`. `fault_lane` inverts bit 0 of that lane's first row.
    pub fn level_ctx(&self, slots: &[u32], fault_lane: Option<u32>) -> Vec<HeapLevelCtx> {
        let layouts = self.layouts();
        let mut out = Vec::new();
        for (k, layout) in layouts.iter().enumerate() {
            let index = k as u32 + 1;
            let src = level_name(index - 1, slots.contains(&(index - 1)));
            let (comment, loops) = match (k, layout) {
                (_, Layout::Operands { .. }) => self.operands_level(&src),
                (1, _) if self.packed => self.pairs_level(&src, fault_lane),
                (0, _) => self.rows_level(&src, fault_lane),
                (_, Layout::Lanes { .. }) => self.lane_level(&src, &layouts[k - 1], layout),
                (_, Layout::Values { .. }) => self.join_level(&src, &layouts[k - 1], layout),
                (_, Layout::Sum) => self.sum_level(&src, &layouts[k - 1]),
            };
            let dst = level_name(index, false);
            let assign = match layout {
                Layout::Sum => loops.first().and_then(|l| l.stmts.first()).map(|s| {
                    s.trim_start_matches("DST = ")
                        .trim_end_matches(';')
                        .to_owned()
                }),
                _ => None,
            };
            let loops = if assign.is_some() { Vec::new() } else { loops };
            let loops = loops
                .into_iter()
                .map(|mut l| {
                    for s in &mut l.stmts {
                        *s = s.replace("DST", &dst);
                    }
                    l
                })
                .collect();
            out.push(HeapLevelCtx {
                index,
                bits: self.bits_of(layout),
                comment: wrap(&comment, 96),
                registered: slots.contains(&index),
                stage: slots.iter().position(|s| *s == index).unwrap_or(0) as u32,
                loops,
                assign,
            });
        }
        out
    }

    /// Level 1: the Booth rows of every lane and their `neg` bits.
    fn rows_level(&self, src: &str, fault_lane: Option<u32>) -> (String, Vec<LoopCtx>) {
        let (m, b, r, rb) = (self.m(), self.b(), self.rows(), self.row_bits());
        let a = |k: u32| format!("{src}[i*{m} + {}]", k.min(m - 1));
        let bb = |k: u32| format!("{src}[{} + i*{m} + {}]", b * m, k.min(m - 1));
        let negs = b * r * rb;
        let mut stmts = Vec::new();
        for j in 0..r {
            let (hi, mid) = (bb(2 * j + 1), bb(2 * j));
            let (one, two) = if j == 0 {
                (mid.clone(), format!("{hi} & ~{mid}"))
            } else {
                let lo = bb(2 * j - 1);
                (
                    format!("{mid} ^ {lo}"),
                    format!("({hi} & ~{mid} & ~{lo}) | (~{hi} & {mid} & {lo})"),
                )
            };
            stmts.push(format!(
                "// row {j}: digit -2*b[{}] + b[{}]{}",
                2 * j + 1,
                2 * j,
                if j == 0 {
                    String::new()
                } else {
                    format!(" + b[{}]", 2 * j - 1)
                }
            ));
            stmts.push(format!("booth_one[i*{r} + {j}] = {one};"));
            stmts.push(format!("booth_two[i*{r} + {j}] = {two};"));
            // the magnitude |d| * a in M + 1 bits: a sign-extended (|d| = 1) or shifted (|d| = 2);
            // one vector expression per row, so that a simulator evaluates it as one (Icarus
            // reads the level's whole vector for every bit select)
            stmts.push(format!(
                "{}[(i*{r} + {j})*{rb} +: {rb}] = ((({{{rb}{{booth_one[i*{r} + {j}]}}}} & {{{}, {src}[i*{m} +: {m}]}}) \
                 | ({{{rb}{{booth_two[i*{r} + {j}]}}}} & {{{src}[i*{m} +: {m}], 1'b0}})) ^ {{{rb}{{{hi}}}}}) ^ {{1'b1, {m}'d0}};",
                level_name(1, false),
                a(m - 1),
            ));
            stmts.push(format!(
                "{}[{negs} + i*{r} + {j}] = {hi};",
                level_name(1, false)
            ));
        }
        let mut loops = vec![LoopCtx {
            var: "i",
            from: 0,
            to: b,
            stmts,
        }];
        if let Some(l) = fault_lane {
            let bit = l * r * rb;
            loops.push(LoopCtx {
                var: "f",
                from: 0,
                to: 1,
                stmts: vec![format!(
                    "{0}[{bit}] = ~{0}[{bit}];  // FAULT",
                    level_name(1, false)
                )],
            });
        }
        let comment = format!(
            "Level 1: radix-4 Booth rows. Lane i, row j (of {r}) at [(i*{r} + j)*{rb} +: {rb}]: the digit \
             d = -2*b[2j+1] + b[2j] + b[2j-1] (b sign-extended, b[-1] = 0) times a, in {rb} bits, \
             its top bit inverted, read as unsigned; its neg = b[2j+1] at [{negs} + i*{r} + j]."
        );
        (comment, loops)
    }

    /// A level that adds the rows of each lane pairwise.
    fn lane_level(&self, src: &str, prev: &Layout, this: &Layout) -> (String, Vec<LoopCtx>) {
        let (Layout::Lanes { nodes: pn, seg: ps }, Layout::Lanes { nodes, seg }) = (prev, this)
        else {
            unreachable!("lane levels follow lane levels")
        };
        let b = self.b();
        let (p_negs, negs) = (b * ps, b * seg);
        let (pnn, nn) = (pn.len() as u32, nodes.len() as u32);
        let mut stmts = Vec::new();
        for (q, pair) in pn.chunks(2).enumerate() {
            let q = q as u32;
            let n = nodes[q as usize];
            let out = |pos: u32, wd: u32| format!("DST[i*{seg} + {} +: {wd}]", n.pos + pos);
            let from = |node: Node, pos: u32, wd: u32| {
                format!("{src}[i*{ps} + {} +: {wd}]", node.pos + pos)
            };
            match pair {
                [lo, hi] => {
                    let d = hi.offset - lo.offset;
                    let ws = Self::lane_sum_bits(*lo, *hi, self.sum_bits());
                    let aw = (lo.width - d).min(ws);
                    let bw = hi.width.min(ws);
                    stmts.push(format!("{} = {};", out(0, d), from(*lo, 0, d)));
                    stmts.push(format!(
                        "{} = {} + {} + {};",
                        out(d, ws),
                        fit(&from(*lo, d, aw), aw, ws),
                        fit(&from(*hi, 0, bw), bw, ws),
                        fit(&format!("{src}[{p_negs} + i*{pnn} + {}]", 2 * q + 1), 1, ws)
                    ));
                }
                [only] => {
                    stmts.push(format!(
                        "{} = {};",
                        out(0, only.width),
                        from(*only, 0, only.width)
                    ));
                }
                _ => unreachable!(),
            }
            stmts.push(format!(
                "DST[{negs} + i*{nn} + {q}] = {src}[{p_negs} + i*{pnn} + {}];",
                2 * q
            ));
        }
        let comment = format!(
            "Lane level: each lane's rows added pairwise, the upper row's neg as carry in; lane i at \
             [i*{seg} +: {seg}], its {nn} neg bit{} at [{negs} + i*{nn}].",
            if nn == 1 { "" } else { "s" }
        );
        (
            comment,
            vec![LoopCtx {
                var: "i",
                from: 0,
                to: b,
                stmts,
            }],
        )
    }

    /// The values of the previous level: (count, width, strays, bit of the first stray).
    fn values_of(&self, prev: &Layout) -> (u32, u32, u32, u32) {
        match prev {
            Layout::Lanes { nodes, seg } => {
                debug_assert_eq!(nodes.len(), 1);
                (self.b(), *seg, self.b(), self.b() * seg)
            }
            Layout::Values {
                count,
                width,
                strays,
            } => (*count, *width, *strays, count * width),
            Layout::Operands { .. } => unreachable!("the pairs follow the operands"),
            Layout::Sum => unreachable!("nothing follows the sum"),
        }
    }

    /// A level that adds the lanes' values pairwise.
    fn join_level(&self, src: &str, prev: &Layout, this: &Layout) -> (String, Vec<LoopCtx>) {
        let (pc, pw, ps, pneg) = self.values_of(prev);
        let Layout::Values {
            count,
            width,
            strays,
        } = *this
        else {
            unreachable!()
        };
        let pairs = pc / 2;
        let x = |e: &str| fit(&format!("{src}[{e}*{pw} +: {pw}]"), pw, width);
        let mut loops = vec![LoopCtx {
            var: "p",
            from: 0,
            to: pairs,
            stmts: vec![format!(
                "DST[p*{width} +: {width}] = {width}'(({{{}, {src}[{pneg} + p]}} + {{{}, {src}[{pneg} + p]}}) >> 1);",
                x("(2*p)"),
                x("(2*p+1)")
            )],
        }];
        if pc % 2 == 1 {
            loops.push(LoopCtx {
                var: "p",
                from: pairs,
                to: count,
                stmts: vec![format!("DST[p*{width} +: {width}] = {};", x("(2*p)"))],
            });
        }
        if strays > 0 {
            loops.push(LoopCtx {
                var: "s",
                from: 0,
                to: strays,
                stmts: vec![format!(
                    "DST[{} + s] = {src}[{} + s];",
                    count * width,
                    pneg + (ps - strays)
                )],
            });
        }
        let comment = format!(
            "Join level: values added pairwise, each with one leftover neg as carry in ({{a, c}} + {{b, c}} \
             >> 1 is a + b + c); {count} value{} of {width} bits, {strays} neg bit{} left at [{}].",
            if count == 1 { "" } else { "s" },
            if strays == 1 { "" } else { "s" },
            count * width
        );
        (comment, loops)
    }

    /// The last level: the value, the constant and the last neg.
    fn sum_level(&self, src: &str, prev: &Layout) -> (String, Vec<LoopCtx>) {
        let (pc, pw, ps, pneg) = self.values_of(prev);
        debug_assert_eq!((pc, ps), (1, 1));
        let w = self.sum_bits();
        let stmt = format!(
            "DST = {} + {w}'d{} + {};",
            fit(&format!("{src}[0 +: {pw}]"), pw, w),
            self.constant(),
            fit(&format!("{src}[{pneg}]"), 1, w)
        );
        let comment = if self.packed {
            format!("Sum: the value, the pairs' constant -P * 2^(k-1) mod 2^{w} and the last neg.")
        } else {
            format!(
                "Sum: the value, the rows' constant -B * sum_j 2^(M+2j) mod 2^{w} and the last neg."
            )
        };
        (
            comment,
            vec![LoopCtx {
                var: "i",
                from: 0,
                to: 1,
                stmts: vec![stmt],
            }],
        )
    }
}

/// The context of `bitheap.sv.tera`.
#[derive(Clone, Debug, Serialize)]
pub struct HeapCtx {
    /// Levels 1 to the sum.
    pub levels: Vec<HeapLevelCtx>,
    /// Booth digits, B * R (0 when packed).
    pub digits: u32,
    /// Width of `pair_p`, the packed products' bits that level 1 reads (0 unless packed).
    pub pair_p_bits: u32,

    /// Rows per lane, R.
    pub rows: u32,
    /// Whether a pipeline register follows level 0 (the inputs).
    pub input_registered: bool,
}

impl Heap {
    /// The template context, with pipeline registers after the levels in `slots`.
    pub fn ctx(&self, slots: &[u32], fault_lane: Option<u32>) -> HeapCtx {
        HeapCtx {
            levels: self.level_ctx(slots, fault_lane),
            digits: if self.packed {
                0
            } else {
                self.b() * self.rows()
            },
            pair_p_bits: if self.packed {
                self.pairs() * (self.pair_bits() + 1)
            } else {
                0
            },

            rows: self.rows(),
            input_registered: slots.contains(&0),
        }
    }
}

#[cfg(test)]
mod tests;
