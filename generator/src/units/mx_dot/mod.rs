//! The `mx_dot` unit: the exact dot product of two OCP MX blocks, whose element formats may
//! differ (`--elements fp4 --elements-b fp8-e4m3`): the sum of the lane products in fixed point,
//! the sum of the two E8M0 scales, and NaN and Inf flags, with no rounding. Its parameters, plan
//! (every width and register position) and the glue to its model, RTL, vectors and manifest. The
//! rules are those of `docs/numerics.md` ("The MX dot product").

pub mod emit;
pub mod manifest;
pub mod vectors;

use crate::datapath::{sum_tree, Datapath, Level, Shape};
use crate::error::Result;
use crate::format::{check_range, signed_width_for, MxElement, BLOCK_MAX, BLOCK_MIN};
use crate::ident::resolve_name;
use crate::model::mx::{mx_dot, MxBlock, MxDotResult};
use crate::pipeline::{resolve_stages, Stages};
use crate::ports::{self, Port};
use crate::units::dot::TAG_BITS_MAX;
use serde::{Deserialize, Serialize};

/// Default element format (both operands).
pub const ELEMENTS_DEFAULT: MxElement = MxElement::Fp8E4M3;
/// Default block size, OCP MX's 32.
pub const BLOCK_DEFAULT: u32 = 32;
/// Width of `exp_o`, the sum of two E8M0 exponents (-254 to 256, the NaN code counting 128).
pub const EXP_OUT_BITS: u32 = 10;

/// The parameters of an `mx_dot` unit, as command-line flags and TOML keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct MxDotSpec {
    /// Element format of block A (and of B unless --elements-b): fp4 (E2M1), fp6-e2m3, fp6-e3m2,
    /// fp8-e4m3, fp8-e5m2 or int8. [default: fp8-e4m3]
    #[arg(long, value_name = "FORMAT")]
    pub elements: Option<MxElement>,
    /// Element format of block B. [default: that of A]
    #[arg(long, value_name = "FORMAT")]
    pub elements_b: Option<MxElement>,
    /// Block size K, elements sharing one E8M0 scale: 1 to 4096. [default: 32]
    #[arg(short, long, value_name = "K")]
    pub block: Option<u32>,
    /// Pipeline register stages: 0 (combinational) to the maximum, or `max`: ceil(log2 K) + 3 on
    /// the shift datapath, that of hbfp_dot's datapath of M-bit lanes on the integer one. The
    /// latency is exactly S cycles. [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<Stages>,
    /// The integer datapath: each element decoded to an M-bit integer (fp4: 5 bits, fp6-e2m3: 7,
    /// int8: 8, fp6-e3m2: 10), then hbfp_dot's `bitheap`, `tree` or `dsp2` (M <= 5). Without it,
    /// float elements take the shift datapath (significand products shifted into place, then an
    /// adder tree: fewer LUTs, measured in docs/fpga-results.md) and INT8 x INT8 the bit heap.
    /// Not for FP8. [default: shift, or bitheap for int8 x int8]
    #[arg(long, value_name = "tree|bitheap|dsp2")]
    pub datapath: Option<Datapath>,
    /// Width of a tag that travels with each operation (tag_i to tag_o): 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Module name, also the output files' stem: an SV identifier.
    /// [default: mx_dot_<a>[_<b>]_k<K>_s<S>, with _t<T> when tagged, _int for float elements on
    /// the integer datapath, _tree or _dsp2; <a> as e2m1, e4m3, int8...]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

impl MxDotSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<MxDotUnit> {
        let a = self.elements.unwrap_or(ELEMENTS_DEFAULT);
        let b = self.elements_b.unwrap_or(a);
        let block = self.block.unwrap_or(BLOCK_DEFAULT);
        check_range("block", block, BLOCK_MIN, BLOCK_MAX)?;
        // the integer datapath: INT8 x INT8 always; float elements when --datapath asks for it
        let int_bits = MxDotUnit::int_bits_for(a, b)
            .filter(|_| (a == MxElement::Int8 && b == MxElement::Int8) || self.datapath.is_some());
        let datapath = self.datapath.unwrap_or_default();
        let shape = |stages| {
            int_bits.map(|m| -> Result<Shape> {
                let format = crate::format::BlockFormat::hbfp(m, block, 10)?;
                datapath.check(format)?;
                Ok(Shape {
                    format,
                    stages,
                    datapath,
                })
            })
        };
        let max = match shape(0).transpose()? {
            Some(s) => s.max_stages(),
            None if self.datapath.is_some() => {
                return Err(crate::error::Error::OutOfRange {
                    name: "datapath",
                    value: datapath.to_string(),
                    allowed: format!(
                        "none for {a} x {b}: FP8 operands take the shift datapath (--datapath is for fp4, fp6 and int8, whose values fit 16-bit integers)"
                    ),
                })
            }
            None => MxDotUnit::max_stages_for(block),
        };
        let stages = resolve_stages(self.stages, max, block)?;
        let shape = shape(stages).transpose()?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = resolve_name(self.name.as_deref(), || {
            let mut n = format!("mx_dot_{}", a.tag());
            if b != a {
                n.push_str(&format!("_{}", b.tag()));
            }
            n.push_str(&format!("_k{block}_s{stages}"));
            if tag_bits > 0 {
                n.push_str(&format!("_t{tag_bits}"));
            }
            if shape.is_some() && (a.is_float() || b.is_float()) {
                // float elements through the integer datapath: _int, _int_tree or _int_dsp2
                n.push_str("_int");
            }
            if shape.is_some() {
                n.push_str(datapath.name_suffix());
            }
            n
        })?;
        Ok(MxDotUnit {
            a,
            b,
            block,
            stages,
            tag_bits,
            shape,
            name,
        })
    }
}

/// A validated `mx_dot` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxDotUnit {
    /// Element format of block A.
    pub a: MxElement,
    /// Element format of block B.
    pub b: MxElement,
    /// Block size K (lanes).
    pub block: u32,
    /// Pipeline stages (the latency in cycles).
    pub stages: u32,
    /// Tag width (0 = no tag ports).
    pub tag_bits: u32,
    /// The integer datapath of M-bit lanes when both formats' fixed-point values fit M <= 16 bits
    /// (each element decoded to an M-bit two's-complement integer, then hbfp_dot's datapath);
    /// `None` for the shift datapath of FP8.
    pub shape: Option<Shape>,
    /// Module name.
    pub name: String,
}

/// How one operand's element is split for the product: sign, significand and shift.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Split {
    /// Significand bits (the hidden bit included; INT8: its 8-bit magnitude).
    pub sig_bits: u32,
    /// Bits of the shift e' = max(e, 1) - 1 (0 for INT8).
    pub shift_bits: u32,
}

impl Split {
    /// The split of element format `f`.
    pub fn of(f: MxElement) -> Self {
        match f {
            MxElement::Int8 => Split {
                sig_bits: 8,
                shift_bits: 0,
            },
            f => Split {
                sig_bits: f.man_bits() + 1,
                shift_bits: f.exp_bits(),
            },
        }
    }
}

impl MxDotUnit {
    /// The width M of a two's-complement integer that holds every finite element of `a` and `b`
    /// in fixed point, when it is at most 16 (fp4: 5, fp6-e2m3: 7, int8: 8, fp6-e3m2: 10).
    pub fn int_bits_for(a: MxElement, b: MxElement) -> Option<u32> {
        let bits = |f: MxElement| match f {
            MxElement::Int8 => 8,
            f => f.fixed_bits() + 1,
        };
        let m = bits(a).max(bits(b));
        (m <= crate::format::MANTISSA_BITS_MAX).then_some(m)
    }

    /// Levels of the adder tree, ceil(log2 K).
    pub fn tree_levels_for(block: u32) -> u32 {
        block.next_power_of_two().ilog2()
    }

    /// The most stages: after the inputs, the significand products, the aligned terms and each
    /// adder-tree level.
    pub fn max_stages_for(block: u32) -> u32 {
        Self::tree_levels_for(block) + 3
    }

    /// The most stages of this unit.
    pub fn max_stages(&self) -> u32 {
        match &self.shape {
            Some(s) => s.max_stages(),
            None => Self::max_stages_for(self.block),
        }
    }

    /// The split of A's and B's elements.
    pub fn splits(&self) -> (Split, Split) {
        (Split::of(self.a), Split::of(self.b))
    }

    /// Width of a lane's significand product, unsigned.
    pub fn sig_product_bits(&self) -> u32 {
        let (a, b) = self.splits();
        let max = ((1u64 << a.sig_bits) - 1) * ((1u64 << b.sig_bits) - 1);
        let max = match (self.a, self.b) {
            // INT8's magnitude is at most 128
            (MxElement::Int8, MxElement::Int8) => 128 * 128,
            (MxElement::Int8, _) => 128 * ((1 << b.sig_bits) - 1),
            (_, MxElement::Int8) => ((1 << a.sig_bits) - 1) * 128,
            _ => max,
        };
        64 - max.leading_zeros()
    }

    /// Width of a lane's shift e'_a + e'_b (0 when neither operand has one).
    pub fn lane_shift_bits(&self) -> u32 {
        let max = self.max_shift();
        if max == 0 {
            0
        } else {
            64 - u64::from(max).leading_zeros()
        }
    }

    /// The largest shift e'_a + e'_b of a finite lane.
    pub fn max_shift(&self) -> u32 {
        let top = |f: MxElement| match f {
            MxElement::Int8 => 0,
            // the largest exponent field of a finite value, less one
            MxElement::Fp8E5M2 => (1 << f.exp_bits()) - 3,
            f => (1 << f.exp_bits()) - 2,
        };
        top(self.a) + top(self.b)
    }

    /// The range of one lane's exact product in fixed point, (smallest, largest).
    pub fn term_range(&self) -> (i128, i128) {
        let (ea, eb) = (
            crate::format::ElementFormat::Mx(self.a),
            crate::format::ElementFormat::Mx(self.b),
        );
        let (alo, ahi) = (i128::from(ea.min_code()), i128::from(ea.max_code()));
        let (blo, bhi) = (i128::from(eb.min_code()), i128::from(eb.max_code()));
        let c = [alo * blo, alo * bhi, ahi * blo, ahi * bhi];
        (
            *c.iter().min().expect("four"),
            *c.iter().max().expect("four"),
        )
    }

    /// Width of one aligned lane term (two's complement).
    pub fn term_bits(&self) -> u32 {
        let (lo, hi) = self.term_range();
        signed_width_for(hi, lo)
    }

    /// Width W of `sum_o`: the exact sum of K terms.
    pub fn sum_bits(&self) -> u32 {
        if let Some(s) = &self.shape {
            return s.sum_bits();
        }
        let (lo, hi) = self.term_range();
        let k = i128::from(self.block);
        signed_width_for(k * hi, k * lo)
    }

    /// Fixed-point fraction bits of the sum: value = sum * 2^(exp - frac_bits).
    pub fn frac_bits(&self) -> u32 {
        self.a.frac_bits() + self.b.frac_bits()
    }

    /// Whether either element format has infinities (the unit then has `pinf_o` and `ninf_o`).
    pub fn has_inf(&self) -> bool {
        self.a.has_inf() || self.b.has_inf()
    }

    /// Each level's estimated delay of the shift datapath, inputs first ([`crate::pipeline::delay`]).
    fn level_weights(&self) -> Vec<u32> {
        use crate::pipeline::delay;
        let (a, b) = self.splits();
        let shift_levels = 32 - self.max_shift().leading_zeros();
        self.shift_levels(&[])
            .iter()
            .map(|l| match l.index {
                0 => delay::INPUTS,
                1 => delay::multiplier(a.sig_bits.max(b.sig_bits)),
                2 => delay::LUT * shift_levels.div_ceil(2) + delay::adder(l.width),
                _ => delay::adder(l.width),
            })
            .collect()
    }

    /// The register slots, placed by the levels' estimated delays.
    pub fn register_slots(&self) -> Vec<u32> {
        match &self.shape {
            Some(s) => s.register_slots(),
            None => crate::pipeline::place_slots(&self.weights(), self.stages),
        }
    }

    /// The levels: inputs, significand products, aligned terms, then the adder tree.
    pub fn levels(&self) -> Vec<Level> {
        self.levels_with(&self.register_slots())
    }

    /// Every level's estimated delay, inputs first, for either datapath.
    pub fn weights(&self) -> Vec<u32> {
        match &self.shape {
            Some(s) => s.level_weights(),
            None => self.level_weights(),
        }
    }

    /// The levels with pipeline registers after the levels in `slots` (a unit that builds on this
    /// datapath places its own registers).
    pub fn levels_with(&self, slots: &[u32]) -> Vec<Level> {
        match &self.shape {
            Some(s) => s.levels_with(slots),
            None => self.shift_levels(slots),
        }
    }

    fn shift_levels(&self, slots: &[u32]) -> Vec<Level> {
        let k = self.block;
        let mut v = vec![
            Level {
                index: 0,
                count: k,
                width: self.a.bits() + self.b.bits(),
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
        v.extend(sum_tree(2, k, self.term_range()));
        for l in &mut v {
            l.registered = slots.contains(&l.index);
        }
        v
    }

    /// The golden model: the exact dot product of `a` and `b`.
    pub fn dot(&self, a: &MxBlock, b: &MxBlock) -> MxDotResult {
        mx_dot(self.a, a, self.b, b)
    }
}

impl crate::unit::Unit for MxDotUnit {
    type Spec = MxDotSpec;
    const KIND: &'static str = "mx_dot";
    const COMMAND: &'static str = "mx-dot";
    const ABOUT: &'static str = "mx_dot: the exact dot product of two OCP MX blocks (E8M0 scales; \
        FP8, FP6, FP4 or INT8 elements, the two operands' formats chosen independently): the sum \
        of the products in fixed point, the scale sum, NaN and Inf flags, no rounding.";
    const SWEEP_AXES: &'static [&'static str] = &["elements", "elements_b", "block", "stages"];

    fn resolve(spec: &MxDotSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let k = self.block;
        let lanes = |f: MxElement| {
            let w = f.bits();
            format!("{k} {} codes, lane i at [i*{w} +: {w}]", f.name())
        };
        let mut p = ports::clock(self.stages > 0);
        p.extend(ports::input_handshake(
            "a pair of blocks is presented",
            "the unit accepts the presented pair",
        ));
        p.extend([
            Port::input(
                "a_elem_i",
                k * self.a.bits(),
                &format!("block A: {}", lanes(self.a)),
            ),
            Port::input("a_scale_i", 8, "block A: E8M0 scale (255 = NaN)"),
            Port::input(
                "b_elem_i",
                k * self.b.bits(),
                &format!("block B: {}", lanes(self.b)),
            ),
            Port::input("b_scale_i", 8, "block B: E8M0 scale (255 = NaN)"),
        ]);
        p.extend(ports::tag(
            self.tag_bits,
            "travels with the operation",
            "the tag of the result",
        ));
        p.extend(ports::output_handshake("a result"));
        p.extend([
            Port::output(
                "sum_o",
                self.sum_bits(),
                &format!(
                    "exact sum of the finite lanes' products in units of 2^-{}",
                    self.frac_bits()
                ),
            )
            .declared_signed(),
            Port::output(
                "exp_o",
                EXP_OUT_BITS,
                "X_a + X_b, the scales' exponents (code - 127) summed: value = sum_o * 2^(exp_o - frac)",
            )
            .signed(),
            Port::output(
                "nan_o",
                1,
                "the result is NaN (a NaN scale or element, Inf * 0, or Inf - Inf)",
            ),
        ]);
        if self.has_inf() {
            p.extend([
                Port::output("pinf_o", 1, "the result is +Inf"),
                Port::output("ninf_o", 1, "the result is -Inf"),
            ]);
        }
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
        crate::manifest::to_json(&manifest::MxDotManifest::of(self))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} lanes of {} x {}, sum {} bits, latency {} cycles",
            self.name,
            self.block,
            self.a.name(),
            self.b.name(),
            self.sum_bits(),
            self.stages
        )
    }
    fn vectors(&self, count: usize, seed: u64) -> Result<(usize, String)> {
        let v = vectors::generate(self, count, seed);
        Ok((v.len(), vectors::to_text(self, &v, seed)))
    }
    fn exhaustive_vectors(&self, seed: u64) -> Option<Result<(usize, String)>> {
        if self.block != 1 || self.a.bits() + self.b.bits() > 16 {
            return Some(Err(crate::error::Error::OutOfRange {
                name: "block",
                value: self.block.to_string(),
                allowed: "1 with --exhaustive (every pair of codes, at most 2^16)".into(),
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
            "elements": self.a,
            "elements_b": self.b,
            "block": self.block,
            "stages": self.stages,
            "datapath": self.shape.map(|s| s.datapath.to_string()).unwrap_or_else(|| "shift".into()),
        })
    }
}
