//! The `mx_convert` unit: K lanes of FP32 (or bfloat16) to one OCP MX block. The shared scale from
//! the exact largest magnitude, X = floor(log2 max|x|) - emax, clamped to E8M0; each element x / 2^X
//! rounded to the element format (nearest even, or microxcaling's ties away) and saturated (or, for
//! FP8, overflowing to Inf or NaN as microxcaling does without saturation). Inf or NaN in the block
//! gives the NaN scale. Its parameters, plan, golden model and the glue to its RTL and vectors; the
//! rules are in `docs/numerics.md` ("Converting floats to an MX block").

pub mod emit;
pub mod vectors;

use crate::error::{Error, Result};
use crate::format::{check_range, MxElement, BLOCK_MAX, BLOCK_MIN};
use crate::fp::Exact;
use crate::ident::resolve_name;
use crate::model::mx::{quantize, MxBlock, MxOverflow, MxRounding};
use crate::pipeline::{resolve_stages, Stages};
use crate::ports::{self, Port};
use crate::units::convert::{ConvertLevel, ConvertLevelKind, InputFormat};
use crate::units::dot::TAG_BITS_MAX;
use serde::{Deserialize, Serialize};

/// The parameters of an `mx_convert` unit, as command-line flags and TOML keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct MxConvertSpec {
    /// Element format: fp4 (E2M1), fp6-e2m3, fp6-e3m2, fp8-e4m3, fp8-e5m2 or int8.
    /// [default: fp8-e4m3]
    #[arg(long, value_name = "FORMAT")]
    pub elements: Option<MxElement>,
    /// Lanes K (floats in, elements out): 1 to 4096. [default: 32]
    #[arg(short, long, value_name = "K")]
    pub block: Option<u32>,
    /// Input format: fp32 (32 bits per lane) or bf16 (16). [default: fp32]
    #[arg(long, value_name = "fp32|bf16")]
    pub input_format: Option<InputFormat>,
    /// Element rounding: `even` (to nearest, ties to even: the OCP spec, microxcaling's
    /// round="even") or `away` (ties away from zero: microxcaling's default round="nearest").
    /// [default: even]
    #[arg(long, value_name = "even|away")]
    pub rounding: Option<MxRounding>,
    /// Beyond the largest element: `saturate` (the OCP spec) or `special` (Inf for fp8-e5m2, NaN
    /// for fp8-e4m3: microxcaling with saturate_normals=False; FP8 only). [default: saturate]
    #[arg(long, value_name = "saturate|special")]
    pub overflow: Option<MxOverflow>,
    /// Pipeline register stages: 0 to the maximum ceil(log2 K) + 3, or `max`. [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<Stages>,
    /// Width of a tag that travels with each block: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: mx_convert_<fp32|bf16>_<e4m3|...>_k<K>_s<S>, with _away, _ovf, _t<T>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// The conversion: element format, block size, input format, rounding and overflow. Its
/// [`MxConverter::convert`] is the golden model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MxConverter {
    /// Element format.
    pub element: MxElement,
    /// Lanes K.
    pub block: u32,
    /// Input float format.
    pub input: InputFormat,
    /// Element rounding.
    pub rounding: MxRounding,
    /// Overflow beyond the largest element.
    pub overflow: MxOverflow,
}

impl MxConverter {
    /// Converts one block of K input bit patterns (lane 0 first).
    pub fn convert(&self, lanes: &[u64]) -> Result<MxBlock> {
        let k = self.block as usize;
        let fmt = self.input.format();
        if lanes.len() != k {
            return Err(Error::Operand(format!(
                "{} lanes given, the block has {k}",
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
        let mut xs = Vec::with_capacity(k);
        for &p in lanes {
            match fmt.decode(p).exact() {
                None => {
                    return Ok(MxBlock {
                        scale: crate::format::ScaleFormat::E8M0.nan_exp(),
                        codes: vec![0; k],
                    })
                }
                Some(x) => xs.push(x),
            }
        }
        let log2_floor = |x: &Exact| (127 - x.mag.leading_zeros() as i64) + i64::from(x.exp);
        let scale = match xs.iter().filter(|x| x.mag != 0).map(log2_floor).max() {
            None => -127,
            Some(top) => (top - self.element.emax()).clamp(-127, 127),
        };
        let codes = xs
            .iter()
            .map(|x| {
                quantize(
                    self.element,
                    x.neg,
                    x.mag,
                    i64::from(x.exp) - scale,
                    self.rounding,
                    self.overflow,
                )
            })
            .collect();
        Ok(MxBlock { scale, codes })
    }
}

impl MxConvertSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<MxConvertUnit> {
        let element = self
            .elements
            .unwrap_or(crate::units::mx_dot::ELEMENTS_DEFAULT);
        let block = self.block.unwrap_or(crate::units::mx_dot::BLOCK_DEFAULT);
        check_range("block", block, BLOCK_MIN, BLOCK_MAX)?;
        let overflow = self.overflow.unwrap_or_default();
        if overflow == MxOverflow::Special && !element.has_nan() {
            return Err(Error::OutOfRange {
                name: "overflow",
                value: "special".into(),
                allowed: format!(
                    "saturate for {element} (it has no Inf or NaN code; special is for fp8-e4m3 and fp8-e5m2)"
                ),
            });
        }
        let conv = MxConverter {
            element,
            block,
            input: self.input_format.unwrap_or(InputFormat::Fp32),
            rounding: self.rounding.unwrap_or_default(),
            overflow,
        };
        let stages = resolve_stages(self.stages, MxConvertUnit::max_stages_for(block), block)?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = resolve_name(self.name.as_deref(), || {
            let mut n = format!(
                "mx_convert_{}_{}_k{block}_s{stages}",
                conv.input.name(),
                element.tag()
            );
            if conv.rounding == MxRounding::Away {
                n.push_str("_away");
            }
            if overflow == MxOverflow::Special {
                n.push_str("_ovf");
            }
            if tag_bits > 0 {
                n.push_str(&format!("_t{tag_bits}"));
            }
            n
        })?;
        Ok(MxConvertUnit {
            conv,
            stages,
            tag_bits,
            name,
        })
    }
}

/// A validated `mx_convert` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxConvertUnit {
    /// The conversion (the golden model).
    pub conv: MxConverter,
    /// Pipeline stages (the latency).
    pub stages: u32,
    /// Tag width (0 = none).
    pub tag_bits: u32,
    /// Module name.
    pub name: String,
}

impl MxConvertUnit {
    /// The most stages: after the inputs, each max-tree level, the scale and the elements.
    pub fn max_stages_for(block: u32) -> u32 {
        block.next_power_of_two().ilog2() + 3
    }

    /// Bits of one input lane.
    pub fn lane_bits(&self) -> u32 {
        self.conv.input.format().bits()
    }

    /// Bits of a magnitude (a lane without its sign).
    pub fn mag_bits(&self) -> u32 {
        self.lane_bits() - 1
    }

    /// The levels with their registers (the same structure as `hbfp_convert`'s).
    pub fn levels(&self) -> Vec<ConvertLevel> {
        let slots = self.register_slots();
        let k = self.conv.block;
        let mut v = vec![ConvertLevel {
            index: 0,
            kind: ConvertLevelKind::Inputs,
            bits: 0,
            registered: false,
        }];
        let mut count = k;
        for _ in 0..k.next_power_of_two().ilog2() {
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
            bits: 1 + SCALE_ARITH_BITS,
            registered: false,
        });
        v.push(ConvertLevel {
            index: v.len() as u32,
            kind: ConvertLevelKind::Elements,
            bits: 8 + k * self.conv.element.bits(),
            registered: false,
        });
        for l in &mut v {
            l.registered = slots.contains(&l.index);
        }
        v
    }

    /// The register slots, spread evenly.
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::spread_slots(Self::max_stages_for(self.conv.block), self.stages)
    }
}

/// Width of the signed scale exponent X inside the unit (-127 to 127).
pub const SCALE_ARITH_BITS: u32 = 9;

impl crate::unit::Unit for MxConvertUnit {
    type Spec = MxConvertSpec;
    const KIND: &'static str = "mx_convert";
    const COMMAND: &'static str = "mx-convert";
    const ABOUT: &'static str = "mx_convert: K lanes of FP32 (or bfloat16) to one OCP MX block: \
        E8M0 scale from the exact largest magnitude, elements (FP8, FP6, FP4 or INT8) rounded to \
        nearest (ties to even, or away) and saturated; Inf or NaN gives the NaN scale.";
    const SWEEP_AXES: &'static [&'static str] = &["elements", "block", "stages"];

    fn resolve(spec: &MxConvertSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (k, lw, w) = (self.conv.block, self.lane_bits(), self.conv.element.bits());
        let mut p = ports::clock(self.stages > 0);
        p.extend(ports::input_handshake(
            "a block of floats is presented",
            "the unit accepts the presented block",
        ));
        p.push(Port::input(
            "fp_i",
            k * lw,
            &format!(
                "{k} lanes of {}, lane i at [i*{lw} +: {lw}]",
                self.conv.input.name()
            ),
        ));
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
                    self.conv.element.name()
                ),
            ),
            Port::output("scale_o", 8, "the E8M0 scale (255 = NaN)"),
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
        crate::manifest::to_json(&serde_json::json!({
            "generator": crate::manifest::GeneratorInfo::new(emit::command_line(self)),
            "unit": Self::KIND,
            "module": self.name,
            "parameters": {
                "elements": self.conv.element,
                "block": self.conv.block,
                "input_format": self.conv.input,
                "rounding": self.conv.rounding,
                "overflow": self.conv.overflow,
                "stages": self.stages,
                "tag_bits": self.tag_bits,
            },
            "latency": self.stages,
            "emax": self.conv.element.emax(),
            "levels": self.levels(),
            "ports": crate::unit::Unit::ports(self),
        }))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} lanes of {} to {} elements under an E8M0 scale, latency {} cycles",
            self.name,
            self.conv.block,
            self.conv.input.name(),
            self.conv.element.name(),
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
        serde_json::json!({
            "elements": self.conv.element,
            "block": self.conv.block,
            "input_format": self.conv.input,
            "stages": self.stages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(element: MxElement, block: u32) -> MxConverter {
        MxConverter {
            element,
            block,
            input: InputFormat::Fp32,
            rounding: MxRounding::Even,
            overflow: MxOverflow::Saturate,
        }
    }

    fn lanes(xs: &[f32]) -> Vec<u64> {
        xs.iter().map(|x| u64::from(x.to_bits())).collect()
    }

    #[test]
    fn scale_is_floor_log2_max_less_emax_and_elements_are_nearest() {
        // random blocks against f64: X from log2, each element the nearest code of x / 2^X
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for f in MxElement::ALL {
            let c = conv(f, 6);
            for _ in 0..2000 {
                let e = rng.gen_range(-140..120);
                let xs: Vec<f32> = (0..6)
                    .map(|_| {
                        let v = rng.gen_range(-1.0f64..1.0) * 2f64.powi(e - rng.gen_range(0..12));
                        v as f32
                    })
                    .collect();
                let b = c.convert(&lanes(&xs)).unwrap();
                let max = xs.iter().fold(0f64, |m, x| m.max(f64::from(x.abs())));
                let want_x = if max == 0.0 {
                    -127
                } else {
                    (max.log2().floor() as i64 - f.emax()).clamp(-127, 127)
                };
                assert_eq!(b.scale, want_x, "{f} {xs:?}");
                for (x, &code) in xs.iter().zip(&b.codes) {
                    let v = f64::from(*x) * 2f64.powi(-want_x as i32);
                    let got = match f.decode(code) {
                        crate::format::MxValue::Finite { neg, fixed } => {
                            let m = fixed as f64 * 2f64.powi(-(f.frac_bits() as i32));
                            if neg {
                                -m
                            } else {
                                m
                            }
                        }
                        other => panic!("{other:?}"),
                    };
                    // no code lies strictly nearer to v (after saturation)
                    let vc = v.clamp(-f.max_normal(), f.max_normal());
                    for p in 0..1u64 << f.bits() {
                        if let crate::format::MxValue::Finite { neg, fixed } = f.decode(p) {
                            let m = fixed as f64 * 2f64.powi(-(f.frac_bits() as i32));
                            let m = if neg { -m } else { m };
                            assert!((m - vc).abs() >= (got - vc).abs(), "{f} {v}: {got} vs {m}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn nan_inf_and_zero_blocks() {
        let c = conv(MxElement::Fp8E4M3, 3);
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let b = c.convert(&lanes(&[1.0, bad, 2.0])).unwrap();
            assert_eq!((b.scale_code(), b.codes.clone()), (0xff, vec![0, 0, 0]));
        }
        let z = c.convert(&lanes(&[0.0, -0.0, 0.0])).unwrap();
        assert_eq!((z.scale_code(), z.codes), (0, vec![0, 0x80, 0]));
        // 448 * 2^0 is E4M3's largest: X = 8 - 8 = 0 for a maximum in [256, 512)
        let b = c.convert(&lanes(&[300.0, -1.0, 0.001])).unwrap();
        assert_eq!(b.scale, 0);
        assert_eq!(b.codes[1], 0xb8);
    }
}
