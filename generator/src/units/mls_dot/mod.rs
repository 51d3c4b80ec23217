//! The `mls_dot` unit: the exact dot product of two MLS blocks (multi-level scaling, arXiv
//! 2006.02804) of the same layout: each lane's product of two tiny float elements in fixed point,
//! the products summed exactly within each group, each group sum shifted by its two group scales,
//! and the groups summed: the exact block result, with the tensor scales left to the accumulator.
//! Its parameters, plan (every width and register position) and the glue to its model, RTL,
//! vectors and manifest. The rules are those of `docs/numerics.md` ("MLS").

pub mod emit;
pub mod manifest;
pub mod vectors;

use crate::datapath::{sum_tree, Level};
use crate::error::{Error, Result};
use crate::format::mls::{MlsElement, GROUP_SCALE_BITS_MAX, GROUP_SCALE_BITS_MIN};
use crate::format::{check_range, signed_width_for, BLOCK_MAX, BLOCK_MIN};
use crate::ident::resolve_name;
use crate::model::mls::{mls_dot, MlsBlock, MlsLayout};
use crate::pipeline::{resolve_stages, Stages};
use crate::ports::{self, Port};
use crate::units::dot::TAG_BITS_MAX;
use serde::{Deserialize, Serialize};

/// Default element exponent bits, the paper's Ex = 2.
pub const ELEM_EXP_BITS_DEFAULT: u32 = 2;
/// Default element mantissa bits, the paper's ImageNet setting Mx = 4.
pub const ELEM_MAN_BITS_DEFAULT: u32 = 4;
/// Default group size.
pub const GROUP_DEFAULT: u32 = 16;
/// Default group-scale bits G.
pub const GROUP_SCALE_BITS_DEFAULT: u32 = 3;
/// Default block size (two groups).
pub const BLOCK_DEFAULT: u32 = 32;

/// The parameters of an `mls_dot` unit, as command-line flags and TOML keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct MlsDotSpec {
    /// Element exponent bits Ex: 0 to 4 (0: sign and magnitude). [default: 2]
    #[arg(long, value_name = "EX")]
    pub elem_exp_bits: Option<u32>,
    /// Element mantissa bits Mx: 0 to 7 (1 to 7 when Ex = 0). [default: 4]
    #[arg(long, value_name = "MX")]
    pub elem_man_bits: Option<u32>,
    /// Elements per group, sharing one group scale: a power of two, at most the block. [default: 16]
    #[arg(short, long, value_name = "G")]
    pub group: Option<u32>,
    /// Bits of a group scale code u (the scale is 2^-u, u from 0 to 2^bits - 1): 1 to 5.
    /// [default: 3]
    #[arg(long, value_name = "BITS")]
    pub group_scale_bits: Option<u32>,
    /// Block size K, elements per operation: a multiple of the group, 1 to 4096. [default: 32]
    #[arg(short, long, value_name = "K")]
    pub block: Option<u32>,
    /// Pipeline register stages: 0 (combinational) to the maximum, or `max`: one after the
    /// inputs, the products, the aligned terms, each adder level within a group, the group shift
    /// and each adder level across groups. The latency is exactly S cycles. [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<Stages>,
    /// Width of a tag that travels with each operation (tag_i to tag_o): 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Module name, also the output files' stem: an SV identifier.
    /// [default: mls_dot_e<Ex>m<Mx>_g<G>u<bits>_k<K>_s<S>, with _t<T> when tagged]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

impl MlsDotSpec {
    /// Validates the layout flags (element, group, group-scale bits and block, shared with
    /// `mls_mac` and `mls_convert`) and returns the layout and the block size.
    pub fn layout(&self) -> Result<(MlsLayout, u32)> {
        let elem = MlsElement::new(
            self.elem_exp_bits.unwrap_or(ELEM_EXP_BITS_DEFAULT),
            self.elem_man_bits.unwrap_or(ELEM_MAN_BITS_DEFAULT),
        )?;
        let block = self.block.unwrap_or(BLOCK_DEFAULT);
        check_range("block", block, BLOCK_MIN, BLOCK_MAX)?;
        let group = self.group.unwrap_or(GROUP_DEFAULT.min(block));
        if !group.is_power_of_two() || group > block || block % group != 0 {
            return Err(Error::OutOfRange {
                name: "group",
                value: group.to_string(),
                allowed: format!(
                    "a power of two that divides the block ({block}): the adder tree's first \
                     levels then sum within a group"
                ),
            });
        }
        let scale_bits = self.group_scale_bits.unwrap_or(GROUP_SCALE_BITS_DEFAULT);
        check_range(
            "group_scale_bits",
            scale_bits,
            GROUP_SCALE_BITS_MIN,
            GROUP_SCALE_BITS_MAX,
        )?;
        Ok((
            MlsLayout {
                elem,
                group,
                scale_bits,
            },
            block,
        ))
    }

    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<MlsDotUnit> {
        let (layout, block) = self.layout()?;
        let (elem, group, scale_bits) = (layout.elem, layout.group, layout.scale_bits);
        let max = MlsDotUnit::max_stages_for(block, group);
        let stages = resolve_stages(self.stages, max, block)?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = resolve_name(self.name.as_deref(), || {
            let mut n = format!(
                "mls_dot_{}_g{group}u{scale_bits}_k{block}_s{stages}",
                elem.tag()
            );
            if tag_bits > 0 {
                n.push_str(&format!("_t{tag_bits}"));
            }
            n
        })?;
        Ok(MlsDotUnit {
            layout,
            block,
            stages,
            tag_bits,
            name,
        })
    }
}

/// A validated `mls_dot` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MlsDotUnit {
    /// Element format, group size and group-scale width (both operands).
    pub layout: MlsLayout,
    /// Block size K (lanes).
    pub block: u32,
    /// Pipeline stages (the latency in cycles).
    pub stages: u32,
    /// Tag width (0 = no tag ports).
    pub tag_bits: u32,
    /// Module name.
    pub name: String,
}

impl MlsDotUnit {
    /// The most stages: after the inputs, the products, the aligned terms, each adder level in a
    /// group, the group shift and each adder level across the groups.
    pub fn max_stages_for(block: u32, group: u32) -> u32 {
        4 + group.ilog2() + (block / group).next_power_of_two().ilog2()
    }

    /// The most stages of this unit.
    pub fn max_stages(&self) -> u32 {
        Self::max_stages_for(self.block, self.layout.group)
    }

    /// Number of groups, K / g.
    pub fn groups(&self) -> u32 {
        self.block / self.layout.group
    }

    /// Width of a lane's significand product, unsigned.
    pub fn sig_product_bits(&self) -> u32 {
        2 * self.layout.elem.sig_bits()
    }

    /// Width of a lane's shift e'_a + e'_b (0 without exponent bits).
    pub fn lane_shift_bits(&self) -> u32 {
        let max = 2 * self.layout.elem.max_shift();
        32 - max.leading_zeros()
    }

    /// The largest magnitude of one lane's product, in units of 2^-(2 frac_bits).
    pub fn max_term(&self) -> i128 {
        let m = i128::from(self.layout.elem.max_fixed());
        m * m
    }

    /// Width of one aligned lane term (two's complement).
    pub fn term_bits(&self) -> u32 {
        signed_width_for(self.max_term(), -self.max_term())
    }

    /// Width of one group-scale shift 2 umax - u_a - u_b.
    pub fn group_shift_bits(&self) -> u32 {
        self.layout.scale_bits + 1
    }

    /// Width of `sum_o`: the exact sum of K terms, each group's shifted by up to 2 umax.
    pub fn sum_bits(&self) -> u32 {
        let big = (self.max_term() * i128::from(self.block)) << (2 * self.layout.umax());
        signed_width_for(big, -big)
    }

    /// Fixed-point fraction bits of the sum: value = sum * 2^-frac_bits (times the tensor scales).
    pub fn frac_bits(&self) -> u32 {
        self.layout.dot_frac_bits()
    }

    /// Index of the group-shift level.
    pub fn group_level(&self) -> u32 {
        3 + self.layout.group.ilog2()
    }

    /// Each level's estimated delay, inputs first ([`crate::pipeline::delay`]).
    pub fn weights(&self) -> Vec<u32> {
        use crate::pipeline::delay;
        let shift_lvls = self.lane_shift_bits().div_ceil(2);
        let gshift_lvls = self.group_shift_bits().div_ceil(2);
        let gl = self.group_level();
        self.levels_with(&[])
            .iter()
            .map(|l| match l.index {
                0 => delay::INPUTS,
                1 => delay::multiplier(self.layout.elem.sig_bits()),
                2 => delay::LUT * shift_lvls + delay::adder(l.width),
                i if i == gl => delay::LUT * gshift_lvls,
                _ => delay::adder(l.width),
            })
            .collect()
    }

    /// The register slots, placed by the levels' estimated delays.
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::place_slots(&self.weights(), self.stages)
    }

    /// The levels with their registers.
    pub fn levels(&self) -> Vec<Level> {
        self.levels_with(&self.register_slots())
    }

    /// The levels: inputs, products, aligned terms, the adder tree within each group (its levels'
    /// counts over every group), the group shift, then the adder tree across the groups.
    pub fn levels_with(&self, slots: &[u32]) -> Vec<Level> {
        let k = self.block;
        let g = self.layout.group;
        let t = self.max_term();
        let mut v = vec![
            Level {
                index: 0,
                count: k,
                width: 2 * self.layout.elem.bits(),
                registered: false,
            },
            Level {
                index: 1,
                count: k,
                width: 1 + self.lane_shift_bits() + self.sig_product_bits(),
                registered: false,
            },
            Level {
                index: 2,
                count: k,
                width: self.term_bits(),
                registered: false,
            },
        ];
        for mut l in sum_tree(2, g, (-t, t)) {
            l.count *= self.groups();
            v.push(l);
        }
        let shifted = (t * i128::from(g)) << (2 * self.layout.umax());
        let gl = self.group_level();
        v.push(Level {
            index: gl,
            count: self.groups(),
            width: signed_width_for(shifted, -shifted),
            registered: false,
        });
        v.extend(sum_tree(gl, self.groups(), (-shifted, shifted)));
        for l in &mut v {
            l.registered = slots.contains(&l.index);
        }
        v
    }

    /// The golden model: the exact dot product of `a` and `b`.
    pub fn dot(&self, a: &MlsBlock, b: &MlsBlock) -> i128 {
        mls_dot(&self.layout, a, b)
    }
}

impl crate::unit::Unit for MlsDotUnit {
    type Spec = MlsDotSpec;
    const KIND: &'static str = "mls_dot";
    const COMMAND: &'static str = "mls-dot";
    const ABOUT: &'static str = "mls_dot: the exact dot product of two MLS blocks (multi-level \
        scaling: tiny float elements in groups under power-of-two group scales): products summed \
        exactly per group, group sums shifted by their scales and summed, no rounding.";
    const SWEEP_AXES: &'static [&'static str] = &[
        "elem_exp_bits",
        "elem_man_bits",
        "group",
        "group_scale_bits",
        "block",
        "stages",
    ];

    fn resolve(spec: &MlsDotSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (k, w) = (self.block, self.layout.elem.bits());
        let (n, gb) = (self.groups(), self.layout.scale_bits);
        let elems = format!("{k} {} codes, lane i at [i*{w} +: {w}]", self.layout.elem);
        let scales = format!(
            "{n} group scale codes u (scale 2^-u), group j (lanes j*{g} to j*{g} + {}) at [j*{gb} +: {gb}]",
            self.layout.group - 1,
            g = self.layout.group
        );
        let mut p = ports::clock(self.stages > 0);
        p.extend(ports::input_handshake(
            "a pair of blocks is presented",
            "the unit accepts the presented pair",
        ));
        p.extend([
            Port::input("a_elem_i", k * w, &format!("block A: {elems}")),
            Port::input("a_scale_i", n * gb, &format!("block A: {scales}")),
            Port::input("b_elem_i", k * w, &format!("block B: {elems}")),
            Port::input("b_scale_i", n * gb, &format!("block B: {scales}")),
        ]);
        p.extend(ports::tag(
            self.tag_bits,
            "travels with the operation",
            "the tag of the result",
        ));
        p.extend(ports::output_handshake("a result"));
        p.push(
            Port::output(
                "sum_o",
                self.sum_bits(),
                &format!(
                    "exact dot product in units of 2^-{} (the tensor scales aside)",
                    self.frac_bits()
                ),
            )
            .declared_signed(),
        );
        p
    }
    fn sv(&self) -> Result<String> {
        emit::sv(self)
    }
    fn header(&self, what: &str) -> String {
        emit::header(self, what)
    }
    fn command_line(&self) -> String {
        emit::command_line(self)
    }
    fn manifest(&self) -> String {
        crate::manifest::to_json(&manifest::MlsDotManifest::of(self))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} lanes of {} in groups of {} (group scales of {} bits), sum {} bits, latency {} cycles",
            self.name,
            self.block,
            self.layout.elem,
            self.layout.group,
            self.layout.scale_bits,
            self.sum_bits(),
            self.stages
        )
    }
    fn vectors(&self, count: usize, seed: u64) -> Result<(usize, String)> {
        let v = vectors::generate(self, count, seed);
        Ok((v.len(), vectors::to_text(self, &v, seed)))
    }
    fn exhaustive_vectors(&self, seed: u64) -> Option<Result<(usize, String)>> {
        let bits = 2 * self.layout.elem.bits();
        if self.block != 1 || bits > 16 {
            return Some(Err(Error::OutOfRange {
                name: "block",
                value: self.block.to_string(),
                allowed:
                    "1 with --exhaustive, for elements of at most 8 bits (every pair of codes)"
                        .into(),
            }));
        }
        let v = vectors::exhaustive(self, seed);
        Some(Ok((v.len(), vectors::to_text(self, &v, seed))))
    }
    fn latency(&self) -> u32 {
        self.stages
    }
    fn synth_parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "elem_exp_bits": self.layout.elem.exp_bits,
            "elem_man_bits": self.layout.elem.man_bits,
            "group": self.layout.group,
            "group_scale_bits": self.layout.scale_bits,
            "block": self.block,
            "stages": self.stages,
        })
    }
}
