//! The `hbfp_convert` unit, the FP32 (or bfloat16) to HBFP block converter: B floats in, one block
//! out. Its parameters, plan (every width and register position) and golden model. The rules are those of `docs/numerics.md` ("Converting floats to a block").

pub mod emit;
pub mod emulator;
pub mod manifest;
pub mod round;
pub mod vectors;

use crate::error::{Error, Result};
use crate::format::BlockFormat;
use crate::fp::{Exact, FpFormat};
use crate::model::Block;
use crate::pipeline::Stages;
use crate::ports::{self, Port};
use round::{floor_scaled, round_half_even};
use serde::{Deserialize, Serialize};

/// The floating-point format of the converter's inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// IEEE binary32, 32 bits per lane.
    Fp32,
    /// bfloat16, 16 bits per lane (the top half of a binary32).
    Bf16,
}

impl InputFormat {
    /// The floating-point format.
    pub fn format(self) -> FpFormat {
        match self {
            InputFormat::Fp32 => FpFormat::FP32,
            InputFormat::Bf16 => FpFormat::BF16,
        }
    }
}

/// How an element is rounded to its M-bit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum Rounding {
    /// To nearest, ties to even.
    NearestEven,
    /// Stochastic: q = floor(t + r / 2^bits), r the lane's `bits` random bits.
    Stochastic {
        /// Random bits per lane, R: 1 to 32.
        bits: u32,
    },
    /// Toward zero (truncation of the magnitude).
    TowardZero,
}

/// How the shared exponent is chosen from the largest magnitude.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExponentRule {
    /// X = floor(log2 max|x|) + 1: every element fits, and the largest uses the top code's binade.
    #[default]
    Exact,
    /// HBFPEmulator's X = ceil(log2(max|x| + 1e-8)), evaluated in float32 as the emulator does
    /// ([`emulator`]). It differs from `Exact` when max|x| is a power of two or just above one
    /// (the largest element then saturates one code low), when max|x| is small enough for the
    /// 1e-8 to count (below about 2^-3), and for the all-zero block, whose exponent is -26.
    EmulatorCompat,
}

/// A converter: the block format it produces and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Converter {
    /// The block format of the output.
    pub format: BlockFormat,
    /// The float format of the inputs.
    pub input: InputFormat,
    /// The rounding of the elements.
    pub rounding: Rounding,
    /// The choice of the shared exponent.
    pub rule: ExponentRule,
    /// Flush subnormal inputs to zero before anything else.
    pub ftz: bool,
}

/// Orders two non-negative exact values.
fn fp_cmp(a: &Exact, b: &Exact) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.mag == 0, b.mag == 0) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    // by binade first; within one binade the significands (below 2^64) are at most 64 bits apart
    // in scaling, so the aligned comparison fits u128
    let top = |x: &Exact| (127 - x.mag.leading_zeros() as i64) + i64::from(x.exp);
    match top(a).cmp(&top(b)) {
        Ordering::Equal => {
            let e = a.exp.min(b.exp);
            (a.mag << (a.exp - e)).cmp(&(b.mag << (b.exp - e)))
        }
        o => o,
    }
}

impl Converter {
    /// Converts one block. `lanes` holds the B input bit patterns (lane 0 first); `random` holds
    /// the R random bits of each lane for stochastic rounding and is ignored otherwise.
    pub fn convert(&self, lanes: &[u64], random: &[u64]) -> Result<Block> {
        let b = self.format.block as usize;
        let fmt = self.input.format();
        if lanes.len() != b {
            return Err(Error::Operand(format!(
                "{} lanes given, the block has {b}",
                lanes.len()
            )));
        }
        if let Some((i, p)) = lanes
            .iter()
            .enumerate()
            .find(|(_, p)| **p >> fmt.bits() != 0)
        {
            return Err(Error::Operand(format!(
                "lane {i}: {p:#x} is wider than {} bits",
                fmt.bits()
            )));
        }
        if let Rounding::Stochastic { bits } = self.rounding {
            crate::format::check_range("rounding bits", bits, 1, 32)?;
            if random.len() != b || random.iter().any(|r| r >> bits != 0) {
                return Err(Error::Operand(format!(
                    "stochastic rounding needs {b} random values of {bits} bits"
                )));
            }
        }
        let mut xs = Vec::with_capacity(b);
        for &p in lanes {
            let v = fmt.decode(p);
            let x = match v.exact() {
                None => return Ok(Block::nan(self.format)),
                Some(x) => x,
            };
            let subnormal = p >> fmt.man_bits() & ((1u64 << fmt.exp_bits()) - 1) == 0;
            xs.push(if self.ftz && subnormal {
                Exact { mag: 0, ..x }
            } else {
                x
            });
        }
        let log2_floor = |x: &Exact| (127 - x.mag.leading_zeros() as i64) + i64::from(x.exp);
        let max = xs
            .iter()
            .filter(|x| x.mag != 0)
            .max_by_key(|x| log2_floor(x));
        let x_exp = match (self.rule, max) {
            (ExponentRule::Exact, None) => return Ok(Block::zero(self.format)),
            (ExponentRule::Exact, Some(max)) => log2_floor(max) + 1,
            (ExponentRule::EmulatorCompat, _) => {
                // the largest magnitude exactly (the rule is not a function of its binade alone)
                let max = xs
                    .iter()
                    .map(|x| Exact { neg: false, ..*x })
                    .max_by(fp_cmp)
                    .expect("a block has at least one lane");
                emulator::emulator_exponent(max)
            }
        };
        let scale = self.format.scale;
        let x_exp = x_exp.clamp(scale.zero_exp(), scale.nan_exp() - 1);
        let mb = i64::from(self.format.element.bits());
        let k = (mb - 1) - x_exp;
        let qmax = (1i128 << (mb - 1)) - 1;
        let man = xs
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let s = i64::from(x.exp) + k;
                let q = match self.rounding {
                    Rounding::TowardZero => {
                        let f = floor_scaled(false, x.mag, s);
                        if x.neg {
                            -f
                        } else {
                            f
                        }
                    }
                    Rounding::NearestEven => {
                        let r = round_half_even(x.mag, s);
                        if x.neg {
                            -r
                        } else {
                            r
                        }
                    }
                    Rounding::Stochastic { bits } => {
                        let t = floor_scaled(x.neg, x.mag, s + i64::from(bits));
                        (t + i128::from(random[i] as u32)).div_euclid(1i128 << bits)
                    }
                };
                q.clamp(-qmax, qmax) as i64
            })
            .collect();
        Ok(Block { exp: x_exp, man })
    }
}

/// The rounding mode's name, as given by the user (`--rounding`); the stochastic mode's random
/// width is a separate parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoundingMode {
    /// To nearest, ties to even.
    NearestEven,
    /// Stochastic rounding with `random_bits` random bits per lane from `rnd_i`.
    Stochastic,
    /// Toward zero.
    TowardZero,
}

impl std::str::FromStr for RoundingMode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "nearest-even" | "rne" => Ok(RoundingMode::NearestEven),
            "stochastic" | "sr" => Ok(RoundingMode::Stochastic),
            "toward-zero" | "tz" => Ok(RoundingMode::TowardZero),
            _ => Err(format!(
                "{s:?} is not a rounding mode; use nearest-even, stochastic or toward-zero"
            )),
        }
    }
}

impl std::str::FromStr for InputFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "fp32" => Ok(InputFormat::Fp32),
            "bf16" => Ok(InputFormat::Bf16),
            _ => Err(format!("{s:?} is not an input format; use fp32 or bf16")),
        }
    }
}

impl InputFormat {
    /// The name used on the command line and in names: `fp32` or `bf16`.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Fp32 => "fp32",
            InputFormat::Bf16 => "bf16",
        }
    }
}

/// Default random bits per lane of stochastic rounding.
pub const RANDOM_BITS_DEFAULT: u32 = 8;
/// Accepted random bits per lane of stochastic rounding.
pub const RANDOM_BITS_RANGE: (u32, u32) = (1, 32);

/// The parameters of an `hbfp_convert` unit, as command-line flags and TOML keys (flags override
/// the values of --config). Unset fields take the defaults of [`ConvertSpec::resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct ConvertSpec {
    /// Mantissa width M of the block's elements, sign included: 2 to 16. [default: 4]
    #[arg(short, long, value_name = "M")]
    pub mantissa: Option<u32>,
    /// Lanes B (floats in, elements out): 1 to 4096. [default: 64]
    #[arg(short, long, value_name = "B")]
    pub block: Option<u32>,
    /// Shared-exponent width E in bits: 2 to 16. An exponent outside its range is clamped
    /// (docs/numerics.md). [default: 10]
    #[arg(short, long, value_name = "E")]
    pub exp_bits: Option<u32>,
    /// Input format: fp32 (32 bits per lane) or bf16 (16). [default: fp32]
    #[arg(long, value_name = "fp32|bf16")]
    pub input_format: Option<InputFormat>,
    /// Element rounding: nearest-even, stochastic (random bits per lane on rnd_i) or toward-zero.
    /// [default: nearest-even]
    #[arg(long, value_name = "MODE")]
    pub rounding: Option<RoundingMode>,
    /// Random bits per lane for stochastic rounding: 1 to 32 (only with stochastic). [default: 8]
    #[arg(long, value_name = "R")]
    pub random_bits: Option<u32>,
    /// Use HBFPEmulator's exponent, X = ceil(log2(max|x| + 1e-8)) evaluated in float32, bit-exact
    /// (docs/numerics.md), instead of floor(log2 max|x|) + 1. The all-zero block then has X = -26.
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub emulator_compat: Option<bool>,
    /// Flush subnormal inputs to zero.
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub ftz: Option<bool>,
    /// Pipeline register stages: 0 (combinational) to the maximum ceil(log2 B) + 3, or `max`.
    /// [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<Stages>,
    /// Width of a tag that travels with each block: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: hbfp_convert_<fp32|bf16>_m<M>_b<B>_e<E>_s<S>, with _sr<R>, _tz, _emu, _ftz, _t<T>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

impl ConvertSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<ConvertUnit> {
        use crate::units::dot::TAG_BITS_MAX;
        let format = BlockFormat::hbfp(
            self.mantissa.unwrap_or(crate::units::dot::MANTISSA_DEFAULT),
            self.block.unwrap_or(crate::units::dot::BLOCK_DEFAULT),
            self.exp_bits.unwrap_or(crate::format::EXP_BITS_DEFAULT),
        )?;
        let rounding = match (
            self.rounding.unwrap_or(RoundingMode::NearestEven),
            self.random_bits,
        ) {
            (RoundingMode::Stochastic, bits) => {
                let bits = bits.unwrap_or(RANDOM_BITS_DEFAULT);
                crate::format::check_range(
                    "random_bits",
                    bits,
                    RANDOM_BITS_RANGE.0,
                    RANDOM_BITS_RANGE.1,
                )?;
                Rounding::Stochastic { bits }
            }
            (mode, Some(bits)) => {
                return Err(Error::OutOfRange {
                    name: "random_bits",
                    value: bits.to_string(),
                    allowed: format!(
                        "only with stochastic rounding (the rounding is {})",
                        serde_json::to_value(mode)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    ),
                })
            }
            (RoundingMode::NearestEven, None) => Rounding::NearestEven,
            (RoundingMode::TowardZero, None) => Rounding::TowardZero,
        };
        let conv = Converter {
            format,
            input: self.input_format.unwrap_or(InputFormat::Fp32),
            rounding,
            rule: if self.emulator_compat.unwrap_or(false) {
                ExponentRule::EmulatorCompat
            } else {
                ExponentRule::Exact
            },
            ftz: self.ftz.unwrap_or(false),
        };
        let max = ConvertUnit::max_stages_for(format);
        let stages = crate::pipeline::resolve_stages(self.stages, max, format.block)?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        crate::format::check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = crate::ident::resolve_name(self.name.as_deref(), || {
            ConvertUnit::default_name(&conv, stages, tag_bits)
        })?;
        Ok(ConvertUnit {
            conv,
            stages,
            tag_bits,
            name,
        })
    }
}

/// What one level of the converter computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ConvertLevelKind {
    /// The inputs (floats, random bits and tag); they travel beside the datapath.
    Inputs,
    /// One level of the tree that finds the largest magnitude: `count` magnitudes remain.
    MaxTree {
        /// Magnitudes at this level.
        count: u32,
    },
    /// Each group's largest magnitude and a common factor normalised (`mls_convert`: a
    /// subnormal's leading one found), with the invalid flag.
    ScaleNormalised,
    /// Each group's largest magnitude times a common factor, as far as its scale needs it
    /// (`mls_convert`: the product's top bit and the exponents' sum), with the invalid flag.
    ScaleProducts,
    /// The shared exponent: a blank flag (zero or NaN block) and the exponent code.
    Exponent,
    /// Each lane normalised (a subnormal's leading one found), with its exponent (`mls_convert`:
    /// and the reciprocal tensor scale's), and the exponent codes.
    Normalised,
    /// Each lane's product with a common factor, reduced to what the elements level needs
    /// (`mls_convert`: x times the reciprocal tensor scale, its window, exponent and sign), with
    /// the exponent codes.
    Products,
    /// The elements: B codes of M bits, with the exponent code.
    Elements,
}

/// One level of the converter's datapath.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ConvertLevel {
    /// Index (0 = inputs).
    pub index: u32,
    /// What it computes.
    pub kind: ConvertLevelKind,
    /// Width of the value it passes to the next level (bits; 0 for the inputs, which travel in
    /// the side band).
    pub bits: u32,
    /// Whether a pipeline register follows it.
    pub registered: bool,
}

/// A validated `hbfp_convert` unit: the one parameter type that its golden model, RTL, manifest,
/// vectors and tests derive from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConvertUnit {
    /// The conversion (block format, input format, rounding, exponent rule, FTZ): the golden model.
    pub conv: Converter,
    /// Pipeline stages (the latency in cycles).
    pub stages: u32,
    /// Width of the tag that travels with each block (0 = no tag ports).
    pub tag_bits: u32,
    /// Module name (and the output files' stem).
    pub name: String,
}

impl ConvertUnit {
    /// Levels of the max tree, ceil(log2 B).
    pub fn tree_levels_for(format: BlockFormat) -> u32 {
        crate::units::dot::DotUnit::tree_levels_for(format)
    }

    /// The maximum number of pipeline stages: after the inputs, after each max-tree level, after
    /// the exponent and after the elements.
    pub fn max_stages_for(format: BlockFormat) -> u32 {
        Self::tree_levels_for(format) + 3
    }

    /// The maximum number of pipeline stages of this unit.
    pub fn max_stages(&self) -> u32 {
        Self::max_stages_for(self.conv.format)
    }

    /// Levels of the max tree.
    pub fn tree_levels(&self) -> u32 {
        Self::tree_levels_for(self.conv.format)
    }

    /// Latency in cycles without back-pressure.
    pub fn latency(&self) -> u32 {
        self.stages
    }

    /// The default module name, which encodes the parameters, e.g.
    /// `hbfp_convert_fp32_m4_b64_e10_s9`, with `_sr8` (stochastic, 8 bits) or `_tz`, `_emu`,
    /// `_ftz` and `_t<T>` when they apply.
    pub fn default_name(conv: &Converter, stages: u32, tag_bits: u32) -> String {
        let f = conv.format;
        let mut n = format!(
            "hbfp_convert_{}_m{}_b{}_e{}_s{stages}",
            conv.input.name(),
            f.element.bits(),
            f.block,
            f.scale.bits()
        );
        match conv.rounding {
            Rounding::NearestEven => {}
            Rounding::Stochastic { bits } => n.push_str(&format!("_sr{bits}")),
            Rounding::TowardZero => n.push_str("_tz"),
        }
        if conv.rule == ExponentRule::EmulatorCompat {
            n.push_str("_emu");
        }
        if conv.ftz {
            n.push_str("_ftz");
        }
        if tag_bits > 0 {
            n.push_str(&format!("_t{tag_bits}"));
        }
        n
    }

    /// Block size B.
    pub fn block(&self) -> u32 {
        self.conv.format.block
    }

    /// Mantissa width M.
    pub fn mantissa_bits(&self) -> u32 {
        self.conv.format.element.bits()
    }

    /// Exponent width E.
    pub fn exp_bits(&self) -> u32 {
        self.conv.format.scale.bits()
    }

    /// Bits of one input lane (32 or 16).
    pub fn lane_bits(&self) -> u32 {
        self.conv.input.format().bits()
    }

    /// Fraction bits of the input format (23 or 7).
    pub fn frac_bits(&self) -> u32 {
        self.conv.input.format().man_bits()
    }

    /// Exponent-field bits of the input format (8).
    pub fn exp_field_bits(&self) -> u32 {
        self.conv.input.format().exp_bits()
    }

    /// Bits of a magnitude (the lane without its sign), which orders as the value does.
    pub fn mag_bits(&self) -> u32 {
        self.lane_bits() - 1
    }

    /// Random bits per lane on `rnd_i` (0 unless stochastic rounding is built).
    pub fn random_bits(&self) -> u32 {
        match self.conv.rounding {
            Rounding::Stochastic { bits } => bits,
            _ => 0,
        }
    }

    /// Fraction bits kept below an element's integer part: 1 (the guard bit) for round to nearest,
    /// R for stochastic rounding, 0 toward zero. The bits below them form the sticky bit.
    pub fn kept_frac_bits(&self) -> u32 {
        match self.conv.rounding {
            Rounding::NearestEven => 1,
            Rounding::Stochastic { bits } => bits,
            Rounding::TowardZero => 0,
        }
    }

    /// Width of a lane's aligned significand: the significand (fraction + 1) placed M - 1 + F bits
    /// up, so that a right shift by s = X + bias + fraction - e leaves the integer part over F
    /// fraction bits.
    pub fn aligned_bits(&self) -> u32 {
        self.frac_bits() + 1 + self.mantissa_bits() - 1 + self.kept_frac_bits()
    }

    /// The constant bias + fraction bits of the input format (150 for fp32, 134 for bf16): a lane
    /// with biased exponent e (1 for subnormals) and significand sig is sig * 2^(e - this).
    pub fn scale_offset(&self) -> i64 {
        i64::from(self.conv.input.format().bias()) + i64::from(self.frac_bits())
    }

    /// The range of the shared exponent before it is clamped to the E-bit range: from the smallest
    /// subnormal's (the zero block's -26 with the emulator rule) to the largest finite value's.
    pub fn natural_exp_range(&self) -> (i64, i64) {
        let f = self.conv.input.format();
        if self.conv.rule == ExponentRule::EmulatorCompat {
            return emulator::ThresholdTable::of(f).range();
        }
        let emax = (1i64 << f.exp_bits()) - 2;
        let lo = -(self.scale_offset() - 1) + 1;
        (lo, emax - i64::from(f.bias()) + 1)
    }

    /// The range the shared exponent is clamped to: from the zero block's code to one below the
    /// NaN code.
    pub fn exp_range(&self) -> (i64, i64) {
        let s = self.conv.format.scale;
        (s.zero_exp(), s.nan_exp() - 1)
    }

    /// Width of the signed arithmetic on exponents and shift amounts (bits): it holds the natural
    /// exponent range, the E-bit range and every shift amount s = X + bias + fraction - e.
    pub fn shift_bits(&self) -> u32 {
        let (nlo, nhi) = self.natural_exp_range();
        let (lo, hi) = self.exp_range();
        let all_ones = (1i64 << self.exp_field_bits()) - 1;
        let off = self.scale_offset();
        // the exponent of an Inf/NaN maximum is computed too (then ignored)
        let max = [nhi + 1, hi, hi + off - 1, i64::from(self.aligned_bits())]
            .into_iter()
            .max()
            .unwrap_or(0);
        let min = [nlo, lo, lo + off - all_ones]
            .into_iter()
            .min()
            .unwrap_or(0);
        crate::format::signed_width_for(max, min).max(self.exp_bits() + 1)
    }

    /// The levels of the datapath with the pipeline registers placed.
    pub fn levels(&self) -> Vec<ConvertLevel> {
        let slots = crate::pipeline::spread_slots(self.max_stages(), self.stages);
        let mut v = vec![ConvertLevel {
            index: 0,
            kind: ConvertLevelKind::Inputs,
            bits: 0,
            registered: false,
        }];
        let mut count = self.block();
        for _ in 0..self.tree_levels() {
            count = count.div_ceil(2);
            v.push(ConvertLevel {
                index: v.len() as u32,
                kind: ConvertLevelKind::MaxTree { count },
                bits: count * self.mag_bits(),
                registered: false,
            });
        }
        v.push(ConvertLevel {
            index: v.len() as u32,
            kind: ConvertLevelKind::Exponent,
            bits: self.exp_bits() + 1,
            registered: false,
        });
        v.push(ConvertLevel {
            index: v.len() as u32,
            kind: ConvertLevelKind::Elements,
            bits: self.exp_bits() + self.block() * self.mantissa_bits(),
            registered: false,
        });
        for l in &mut v {
            l.registered = slots.contains(&l.index);
        }
        v
    }

    /// The register slots (level indices after which a pipeline register sits).
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::spread_slots(self.max_stages(), self.stages)
    }
}

impl crate::unit::Unit for ConvertUnit {
    type Spec = ConvertSpec;
    const KIND: &'static str = "hbfp_convert";
    const COMMAND: &'static str = "convert";
    const ABOUT: &'static str = "hbfp_convert: B lanes of FP32 (or bfloat16) to one HBFP block: \
        shared exponent from the largest magnitude, elements rounded (nearest even, stochastic or \
        toward zero) and clamped.";

    fn resolve(spec: &ConvertSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (m, b, e, r, lw) = (
            self.mantissa_bits(),
            self.block(),
            self.exp_bits(),
            self.random_bits(),
            self.lane_bits(),
        );
        let mut p = ports::clock(self.stages > 0);
        p.extend(ports::input_handshake(
            "a block of floats is presented",
            "the unit accepts the presented block",
        ));
        p.push(Port::input(
            "fp_i",
            b * lw,
            &format!(
                "{b} lanes of {}, lane i at [i*{lw} +: {lw}]",
                self.conv.input.name()
            ),
        ));
        if r > 0 {
            p.push(Port::input(
                "rnd_i",
                b * r,
                &format!(
                    "{r} random bits per lane for stochastic rounding, lane i at [i*{r} +: {r}]"
                ),
            ));
        }
        p.extend(ports::tag(
            self.tag_bits,
            "travels unchanged with the block",
            "the tag of the block on the outputs",
        ));
        p.extend(ports::output_handshake("a block"));
        p.extend([
            Port::output(
                "man_o",
                b * m,
                &format!(
                    "{b} lanes of {m}-bit two's-complement elements, lane i at [i*{m} +: {m}]"
                ),
            ),
            Port::output("exp_o", e, "the shared exponent code").signed(),
        ]);
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
        crate::manifest::to_json(&manifest::ConvertManifest::of(self))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} lanes of {} to {}-bit elements, exponent {} bits, latency {} cycles",
            self.name,
            self.block(),
            self.conv.input.name(),
            self.mantissa_bits(),
            self.exp_bits(),
            self.latency()
        )
    }
    fn vectors(&self, count: usize, seed: u64) -> Result<(usize, String)> {
        let v = vectors::generate(self, count, seed);
        Ok((v.len(), vectors::to_text(self, &v, seed)))
    }
    fn exhaustive_vectors(&self, seed: u64) -> Option<Result<(usize, String)>> {
        if self.block() > 2 {
            return Some(Err(Error::OutOfRange {
                name: "block",
                value: self.block().to_string(),
                allowed: "1 or 2 with --exhaustive (corners^B vectors)".into(),
            }));
        }
        let v = vectors::exhaustive_corners(self, seed);
        Some(Ok((v.len(), vectors::to_text(self, &v, seed))))
    }
    fn latency(&self) -> u32 {
        ConvertUnit::latency(self)
    }
    fn synth_parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "mantissa": self.mantissa_bits(),
            "block": self.block(),
            "exp_bits": self.exp_bits(),
            "stages": self.stages,
            "conversion": self.conv,
        })
    }
}
