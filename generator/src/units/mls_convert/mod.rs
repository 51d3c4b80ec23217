//! The `mls_convert` unit: K lanes of FP32 (or bfloat16) and the reciprocal of the tensor scale
//! to one MLS block (multi-level scaling, arXiv 2006.02804). Each lane is multiplied exactly by
//! the reciprocal, y = x * (1 / S_t); each group's scale code is u = -floor(log2 max|y|) clamped
//! to [0, 2^G - 1]; each element is y * 2^u rounded (to nearest even, stochastically or toward
//! zero) and saturated. An Inf or a NaN among the lanes or in the reciprocal raises `invalid_o`.
//! Its parameters, plan, golden model and the glue to its RTL and vectors; the rules are in
//! `docs/numerics.md` ("Converting floats to an MLS block").

pub mod emit;
pub mod vectors;

use crate::error::{Error, Result};
use crate::format::check_range;
use crate::fp::FpFormat;
use crate::ident::resolve_name;
use crate::model::mls::{quantize_with, MlsBlock, MlsLayout};
use crate::pipeline::{resolve_stages, Stages};
use crate::ports::{self, Port};
use crate::units::convert::{ConvertLevel, ConvertLevelKind, InputFormat, Rounding, RoundingMode};
use crate::units::dot::TAG_BITS_MAX;
use crate::units::mls_dot::MlsDotSpec;
use serde::{Deserialize, Serialize};

/// Default random bits per lane for stochastic rounding.
pub const RANDOM_BITS_DEFAULT: u32 = 8;
/// The most random bits per lane.
pub const RANDOM_BITS_MAX: u32 = 32;

/// The parameters of an `mls_convert` unit, as command-line flags and TOML keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct MlsConvertSpec {
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
    /// Lanes K (floats in, elements out): a multiple of the group, 1 to 4096. [default: 32]
    #[arg(short, long, value_name = "K")]
    pub block: Option<u32>,
    /// Input format of the lanes and of the reciprocal tensor scale: fp32 or bf16. [default: fp32]
    #[arg(long, value_name = "fp32|bf16")]
    pub input_format: Option<InputFormat>,
    /// Element rounding: nearest-even, stochastic (R random bits per lane on rnd_i) or
    /// toward-zero. [default: nearest-even]
    #[arg(long, value_name = "MODE")]
    pub rounding: Option<RoundingMode>,
    /// Random bits per lane for stochastic rounding: 1 to 32 (only with stochastic). [default: 8]
    #[arg(long, value_name = "R")]
    pub random_bits: Option<u32>,
    /// Pipeline register stages: 0 (combinational) to the maximum log2(g) + 7 (g the group), or
    /// `max`: one after the inputs, each level of the groups' maximum trees, the groups' maxima
    /// and the reciprocal scale normalised, their products, the group scales, the lanes
    /// normalised, their products and the elements.
    /// [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<Stages>,
    /// Width of a tag that travels with each block: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: mls_convert_<fp32|bf16>_e<Ex>m<Mx>_g<G>u<bits>_k<K>_s<S>, with _sr<R>, _tz, _t<T>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// One converted block: the MLS block, and whether an Inf or a NaN made it invalid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MlsConversion {
    /// Element and group-scale codes (all zero when `invalid`).
    pub block: MlsBlock,
    /// An input lane or the reciprocal tensor scale was an Inf or a NaN.
    pub invalid: bool,
}

/// The conversion: layout, block size, input format and rounding. Its [`MlsConverter::convert`]
/// is the golden model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MlsConverter {
    /// Element format, group size and group-scale width.
    pub layout: MlsLayout,
    /// Lanes K.
    pub block: u32,
    /// Input float format (lanes and reciprocal).
    pub input: InputFormat,
    /// Element rounding.
    pub rounding: Rounding,
}

/// The exact value of a finite pattern of `fmt` as an f64 (FP32 and bf16 values are f64 values);
/// `None` for an Inf or a NaN.
fn value(fmt: FpFormat, p: u64) -> Option<f64> {
    let x = fmt.decode(p).exact()?;
    let v = x.mag as f64 * 2f64.powi(x.exp);
    Some(if x.neg { -v } else { v })
}

impl MlsConverter {
    /// Random bits per lane (0 unless stochastic rounding).
    pub fn random_bits(&self) -> u32 {
        match self.rounding {
            Rounding::Stochastic { bits } => bits,
            _ => 0,
        }
    }

    /// Converts K input bit patterns (lane 0 first) with the reciprocal tensor scale `rscale`
    /// (a pattern of the input format) and, for stochastic rounding, K lanes of random bits.
    pub fn convert(&self, lanes: &[u64], rscale: u64, rnd: &[u64]) -> Result<MlsConversion> {
        let k = self.block as usize;
        let fmt = self.input.format();
        let r_bits = self.random_bits();
        if lanes.len() != k {
            return Err(Error::Operand(format!(
                "{} lanes given, the block has {k}",
                lanes.len()
            )));
        }
        let wanted_rnd = if r_bits > 0 { k } else { 0 };
        if rnd.len() != wanted_rnd {
            return Err(Error::Operand(format!(
                "{} lanes of random bits given, the unit takes {wanted_rnd}",
                rnd.len()
            )));
        }
        for (what, ps, bits) in [
            ("lane", lanes, fmt.bits()),
            (
                "reciprocal scale",
                std::slice::from_ref(&rscale),
                fmt.bits(),
            ),
            ("random lane", rnd, r_bits),
        ] {
            if let Some((i, p)) = ps.iter().enumerate().find(|(_, p)| **p >> bits != 0) {
                return Err(Error::Operand(format!(
                    "{what} {i}: {p:#x} is wider than {bits} bits"
                )));
            }
        }
        let zero = MlsConversion {
            block: MlsBlock {
                elems: vec![0; k],
                scales: vec![0; k / self.layout.group as usize],
            },
            invalid: true,
        };
        let Some(r) = value(fmt, rscale) else {
            return Ok(zero);
        };
        let mut y = Vec::with_capacity(k);
        for &p in lanes {
            match value(fmt, p) {
                // exact: two significands of at most 24 bits, exponents far inside f64's range
                Some(x) => y.push(x * r),
                None => return Ok(zero),
            }
        }
        let block = quantize_with(&self.layout, &y, |lane, t| match self.rounding {
            Rounding::NearestEven => t.round_ties_even(),
            Rounding::TowardZero => t.floor(),
            Rounding::Stochastic { bits } => {
                let scale = 2f64.powi(bits as i32);
                (((t * scale).floor() + rnd[lane] as f64) / scale).floor()
            }
        });
        Ok(MlsConversion {
            block,
            invalid: false,
        })
    }
}

impl MlsConvertSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<MlsConvertUnit> {
        let (layout, block) = MlsDotSpec {
            elem_exp_bits: self.elem_exp_bits,
            elem_man_bits: self.elem_man_bits,
            group: self.group,
            group_scale_bits: self.group_scale_bits,
            block: self.block,
            ..MlsDotSpec::default()
        }
        .layout()?;
        let rounding = match self.rounding.unwrap_or(RoundingMode::NearestEven) {
            RoundingMode::NearestEven => Rounding::NearestEven,
            RoundingMode::TowardZero => Rounding::TowardZero,
            RoundingMode::Stochastic => {
                let bits = self.random_bits.unwrap_or(RANDOM_BITS_DEFAULT);
                check_range("random_bits", bits, 1, RANDOM_BITS_MAX)?;
                Rounding::Stochastic { bits }
            }
        };
        if self.random_bits.is_some() && !matches!(rounding, Rounding::Stochastic { .. }) {
            return Err(Error::OutOfRange {
                name: "random_bits",
                value: self.random_bits.unwrap_or(0).to_string(),
                allowed: "unset unless --rounding stochastic".into(),
            });
        }
        let conv = MlsConverter {
            layout,
            block,
            input: self.input_format.unwrap_or(InputFormat::Fp32),
            rounding,
        };
        let stages = resolve_stages(
            self.stages,
            MlsConvertUnit::max_stages_for(layout.group),
            block,
        )?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = resolve_name(self.name.as_deref(), || {
            let mut n = format!(
                "mls_convert_{}_{}_g{}u{}_k{block}_s{stages}",
                conv.input.name(),
                layout.elem.tag(),
                layout.group,
                layout.scale_bits
            );
            match rounding {
                Rounding::Stochastic { bits } => n.push_str(&format!("_sr{bits}")),
                Rounding::TowardZero => n.push_str("_tz"),
                Rounding::NearestEven => {}
            }
            if tag_bits > 0 {
                n.push_str(&format!("_t{tag_bits}"));
            }
            n
        })?;
        Ok(MlsConvertUnit {
            conv,
            stages,
            tag_bits,
            name,
        })
    }
}

/// A validated `mls_convert` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MlsConvertUnit {
    /// The conversion (the golden model).
    pub conv: MlsConverter,
    /// Pipeline stages (the latency).
    pub stages: u32,
    /// Tag width (0 = none).
    pub tag_bits: u32,
    /// Module name.
    pub name: String,
}

impl MlsConvertUnit {
    /// The most stages: after the inputs, each level of the groups' maximum trees, the groups'
    /// products with r, the group scales, the lanes' products and the elements.
    pub fn max_stages_for(group: u32) -> u32 {
        group.ilog2() + 7
    }

    /// Bits of one group in the scale-normalised level's value: its largest magnitude's
    /// significand, ex + er (`emit::X_ARITH` bits), and whether the group (or r) is zero.
    pub fn scale_normalised_group_bits(&self) -> u32 {
        self.sig_bits() + emit::X_ARITH + 1
    }

    /// Bits of a normalised input significand, the hidden one included.
    pub fn sig_bits(&self) -> u32 {
        self.conv.input.format().man_bits() + 1
    }

    /// Bits of one lane in the normalised level's value: its significand, ex + er
    /// (`emit::X_ARITH` bits), whether x r is zero, and the sign.
    pub fn normalised_lane_bits(&self) -> u32 {
        self.sig_bits() + emit::X_ARITH + 2
    }

    /// Bits of the normalised level's value: the lanes, r's significand, the random bits, the
    /// group scales and the invalid flag.
    pub fn normalised_bits(&self) -> u32 {
        let k = self.conv.block;
        k * self.normalised_lane_bits()
            + self.sig_bits()
            + k * self.conv.random_bits()
            + self.scales_bits()
            + 1
    }

    /// Bits of the window of a lane's product that an element keeps: the element's integer bits
    /// (Mx + 1), then the bits kept below them for rounding (one guard bit to nearest, the random
    /// bits stochastically, none toward zero).
    pub fn window_bits(&self) -> u32 {
        let kept = match self.conv.rounding {
            Rounding::NearestEven => 1,
            Rounding::Stochastic { bits } => bits,
            Rounding::TowardZero => 0,
        };
        self.conv.layout.elem.man_bits + 1 + kept
    }

    /// Bits of one lane in the products level's value: its window, the sticky bit below it (to
    /// nearest only), L = floor(log2 |x r|) (`emit::X_ARITH` bits), whether x r is zero, and the
    /// sign.
    pub fn product_lane_bits(&self) -> u32 {
        let sticky = u32::from(self.conv.rounding == Rounding::NearestEven);
        self.window_bits() + sticky + emit::X_ARITH + 2
    }

    /// Number of groups, K / g.
    pub fn groups(&self) -> u32 {
        self.conv.block / self.conv.layout.group
    }

    /// Bits of one input lane.
    pub fn lane_bits(&self) -> u32 {
        self.conv.input.format().bits()
    }

    /// Bits of a magnitude (a lane without its sign).
    pub fn mag_bits(&self) -> u32 {
        self.lane_bits() - 1
    }

    /// Bits of all group-scale codes.
    pub fn scales_bits(&self) -> u32 {
        self.groups() * self.conv.layout.scale_bits
    }

    /// The levels with their registers: inputs, the maximum trees (log2 g levels, group j's
    /// maximum at index j), the groups' maxima and r normalised, their products, the group
    /// scales, the lanes normalised, their products and the elements.
    pub fn levels(&self) -> Vec<ConvertLevel> {
        let slots = self.register_slots();
        let (k, g) = (self.conv.block, self.conv.layout.group);
        let mut v = vec![ConvertLevel {
            index: 0,
            kind: ConvertLevelKind::Inputs,
            bits: 0,
            registered: false,
        }];
        let mut count = k;
        for _ in 0..g.ilog2() {
            count /= 2;
            v.push(ConvertLevel {
                index: v.len() as u32,
                kind: ConvertLevelKind::MaxTree { count },
                bits: count * self.mag_bits(),
                registered: false,
            });
        }
        v.push(ConvertLevel {
            index: v.len() as u32,
            kind: ConvertLevelKind::ScaleNormalised,
            bits: self.groups() * self.scale_normalised_group_bits() + self.sig_bits() + 1,
            registered: false,
        });
        v.push(ConvertLevel {
            index: v.len() as u32,
            kind: ConvertLevelKind::ScaleProducts,
            bits: 1 + self.groups() * (emit::X_ARITH + 2),
            registered: false,
        });
        v.push(ConvertLevel {
            index: v.len() as u32,
            kind: ConvertLevelKind::Exponent,
            bits: 1 + self.scales_bits(),
            registered: false,
        });
        v.push(ConvertLevel {
            index: v.len() as u32,
            kind: ConvertLevelKind::Normalised,
            bits: self.normalised_bits(),
            registered: false,
        });
        v.push(ConvertLevel {
            index: v.len() as u32,
            kind: ConvertLevelKind::Products,
            bits: 1 + self.scales_bits() + k * (self.product_lane_bits() + self.conv.random_bits()),
            registered: false,
        });
        v.push(ConvertLevel {
            index: v.len() as u32,
            kind: ConvertLevelKind::Elements,
            bits: 1 + self.scales_bits() + k * self.conv.layout.elem.bits(),
            registered: false,
        });
        for l in &mut v {
            l.registered = slots.contains(&l.index);
        }
        v
    }

    /// The register slots, spread evenly.
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::spread_slots(Self::max_stages_for(self.conv.layout.group), self.stages)
    }
}

impl crate::unit::Unit for MlsConvertUnit {
    type Spec = MlsConvertSpec;
    const KIND: &'static str = "mls_convert";
    const COMMAND: &'static str = "mls-convert";
    const ABOUT: &'static str = "mls_convert: K lanes of FP32 (or bfloat16) times the reciprocal \
        tensor scale (a port) to one MLS block: per group a scale 2^-u from its largest magnitude, \
        elements rounded (nearest even, stochastic or toward zero) and saturated; an Inf or a NaN \
        raises invalid_o.";
    const SWEEP_AXES: &'static [&'static str] =
        &["elem_exp_bits", "elem_man_bits", "group", "block", "stages"];

    fn resolve(spec: &MlsConvertSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (k, lw) = (self.conv.block, self.lane_bits());
        let (w, gb, n) = (
            self.conv.layout.elem.bits(),
            self.conv.layout.scale_bits,
            self.groups(),
        );
        let r = self.conv.random_bits();
        let input = self.conv.input.name();
        let mut p = ports::clock(self.stages > 0);
        p.extend(ports::input_handshake(
            "a block of floats is presented",
            "the unit accepts the presented block",
        ));
        p.push(Port::input(
            "fp_i",
            k * lw,
            &format!("{k} lanes of {input}, lane i at [i*{lw} +: {lw}]"),
        ));
        p.push(Port::input(
            "rscale_i",
            lw,
            &format!("the reciprocal 1 / S_t of the tensor scale, {input}; each lane is multiplied by it exactly"),
        ));
        if r > 0 {
            p.push(Port::input(
                "rnd_i",
                k * r,
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
                "elem_o",
                k * w,
                &format!(
                    "{k} {} codes, lane i at [i*{w} +: {w}]",
                    self.conv.layout.elem
                ),
            ),
            Port::output(
                "gscale_o",
                n * gb,
                &format!("{n} group-scale codes u (scale 2^-u), group j at [j*{gb} +: {gb}]"),
            ),
            Port::output(
                "invalid_o",
                1,
                "an Inf or a NaN among the lanes or in rscale_i (codes then all zero)",
            ),
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
        let l = &self.conv.layout;
        crate::manifest::to_json(&serde_json::json!({
            "generator": crate::manifest::GeneratorInfo::new(emit::command_line(self)),
            "unit": Self::KIND,
            "module": self.name,
            "parameters": {
                "elem_exp_bits": l.elem.exp_bits,
                "elem_man_bits": l.elem.man_bits,
                "group": l.group,
                "group_scale_bits": l.scale_bits,
                "block": self.conv.block,
                "input_format": self.conv.input,
                "rounding": self.conv.rounding,
                "stages": self.stages,
                "tag_bits": self.tag_bits,
            },
            "latency": self.stages,
            "element_frac_bits": l.elem.frac_bits(),
            "levels": self.levels(),
            "ports": crate::unit::Unit::ports(self),
        }))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} lanes of {} to {} elements in groups of {} under {}-bit group scales, latency {} cycles",
            self.name,
            self.conv.block,
            self.conv.input.name(),
            self.conv.layout.elem,
            self.conv.layout.group,
            self.conv.layout.scale_bits,
            self.stages
        )
    }
    fn vectors(&self, count: usize, seed: u64) -> Result<(usize, String)> {
        let v = vectors::generate(self, count, seed);
        Ok((v.len(), vectors::to_text(self, &v, seed)))
    }
    fn latency(&self) -> u32 {
        self.stages
    }
    fn synth_parameters(&self) -> serde_json::Value {
        let l = &self.conv.layout;
        serde_json::json!({
            "elem_exp_bits": l.elem.exp_bits,
            "elem_man_bits": l.elem.man_bits,
            "group": l.group,
            "group_scale_bits": l.scale_bits,
            "block": self.conv.block,
            "input_format": self.conv.input,
            "stages": self.stages,
        })
    }
}

#[cfg(test)]
mod tests;
