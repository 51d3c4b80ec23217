//! The golden model of `hbfp_mac`: the exact block dot products of one long dot product, each
//! added to a floating-point accumulator FP(e, m) with a single rounding. The rules are those of
//! `docs/numerics.md` ("Accumulating block sums").

use crate::dot::DotUnit;
use crate::error::Result;
use crate::fp::{add, round, Exact, FpFormat, FpValue, Overflow};
use crate::model::Block;
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
    /// acc + sum * 2^exp with one rounding, for the accumulator bit pattern `acc`; a NaN block
    /// (`nan`) or a NaN accumulator gives the canonical NaN, and an infinite accumulator stays
    /// infinite (a block sum is always finite).
    pub fn add_block(&self, acc: u64, sum: i64, exp: i64, nan: bool) -> u64 {
        let f = self.format;
        if nan {
            return f.nan();
        }
        let a = match f.decode(acc) {
            FpValue::NaN => return f.nan(),
            FpValue::Inf { neg } => return f.inf(neg),
            v => v.exact().expect("zero or finite"),
        };
        let b = Exact {
            neg: sum < 0,
            mag: u128::from(sum.unsigned_abs()),
            exp: i32::try_from(exp).expect("a block sum's exponent fits i32"),
        };
        round(f, add(a, b), self.overflow)
    }

    /// One long dot product: the pairs of blocks in order, accumulated from +0. Returns the
    /// accumulator's bit pattern after the last pair.
    pub fn dot(&self, unit: &DotUnit, pairs: &[(Block, Block)]) -> Result<u64> {
        let frac = i64::from(unit.format.element.frac_bits());
        let mut acc = self.format.zero(false);
        for (a, b) in pairs {
            let r = unit.dot(a, b)?;
            acc = self.add_block(acc, r.sum, r.exp - 2 * frac, r.nan);
        }
        Ok(acc)
    }
}

/// The golden model of `fp_mac`, the floating-point processing element the HBFP units are compared
/// with: acc <- round(acc + a * b) with a single rounding (a fused multiply-add), a and b in one
/// format and the accumulator in another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FpMac {
    /// The format of a and b (at most 31 fraction bits: fp32, bf16, fp16, ...).
    pub operand: FpFormat,
    /// The accumulator.
    pub acc: Accumulator,
}

impl FpMac {
    /// One step: the accumulator's new bit pattern. IEEE 754 rules for the special values: a NaN
    /// operand or accumulator, infinity times zero, or infinities of opposite signs give the
    /// canonical NaN; an infinite product or accumulator otherwise gives that infinity.
    pub fn step(&self, acc: u64, a: u64, b: u64) -> u64 {
        let (fo, fa) = (self.operand, self.acc.format);
        debug_assert!(
            fo.man_bits() <= 31,
            "operands of at most 32 significant bits"
        );
        let (va, vb, vc) = (fo.decode(a), fo.decode(b), fa.decode(acc));
        if [va, vb].contains(&FpValue::NaN) || vc == FpValue::NaN {
            return fa.nan();
        }
        let is_zero = |v: FpValue| matches!(v, FpValue::Zero { .. });
        let inf_sign = |v: FpValue| match v {
            FpValue::Inf { neg } => Some(neg),
            _ => None,
        };
        let neg_of = |v: FpValue| match v {
            FpValue::Zero { neg } | FpValue::Inf { neg } => neg,
            FpValue::Finite(x) => x.neg,
            FpValue::NaN => false,
        };
        let product_inf = match (inf_sign(va), inf_sign(vb)) {
            (None, None) => None,
            _ if is_zero(va) || is_zero(vb) => return fa.nan(),
            _ => Some(neg_of(va) ^ neg_of(vb)),
        };
        match (product_inf, inf_sign(vc)) {
            (Some(p), Some(c)) if p != c => return fa.nan(),
            (Some(p), _) => return fa.inf(p),
            (None, Some(c)) => return fa.inf(c),
            (None, None) => {}
        }
        let (x, y, z) = (
            va.exact().expect("finite"),
            vb.exact().expect("finite"),
            vc.exact().expect("finite"),
        );
        let product = Exact {
            neg: x.neg ^ y.neg,
            mag: x.mag * y.mag,
            exp: x.exp + y.exp,
        };
        round(fa, add(z, product), self.acc.overflow)
    }
}

/// The user's description of an `hbfp_mac` unit (command line or TOML). Unset fields take the
/// defaults of [`MacSpec::resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MacSpec {
    /// Mantissa width M of the blocks (2 to 16; default 4).
    pub mantissa: Option<u32>,
    /// Lanes B (1 to 4096; default 64).
    pub block: Option<u32>,
    /// Shared-exponent width E of the blocks (2 to 16; default 10).
    pub exp_bits: Option<u32>,
    /// Accumulator preset: fp32, bf16, fp16 or fp12 (default fp32 unless `acc_exp_bits` and
    /// `acc_man_bits` are given).
    pub acc: Option<String>,
    /// Accumulator exponent bits e_acc (3 to 11), with `acc_man_bits`.
    pub acc_exp_bits: Option<u32>,
    /// Accumulator fraction bits m_acc (2 to 52), with `acc_exp_bits`.
    pub acc_man_bits: Option<u32>,
    /// Saturate at the largest finite value instead of overflowing to infinity (default false).
    pub saturate: Option<bool>,
    /// Pipeline stages before the accumulator (0 to the unit's maximum, or `max`; default `max`).
    pub stages: Option<crate::dot::Stages>,
    /// Tag width (0 to 64; default 0).
    pub tag_bits: Option<u32>,
    /// Module name (default: one that encodes the parameters).
    pub name: Option<String>,
}

const MAC_KEYS: &str = "mantissa, block, exp_bits, acc, acc_exp_bits, acc_man_bits, saturate, \
                        stages, tag_bits, name";

/// A validated `hbfp_mac` unit: the block dot-product datapath, a normalisation level and the
/// accumulator. The one parameter type that its golden model, RTL, manifest, vectors and tests
/// derive from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MacUnit {
    /// The dot-product datapath (its stages and name are not used: see `stages` and `name`).
    pub dot: DotUnit,
    /// The accumulator.
    pub acc: Accumulator,
    /// Pipeline stages before the accumulator register.
    pub stages: u32,
    /// Width of the tag that travels with each block pair (0 = no tag ports).
    pub tag_bits: u32,
    /// Module name.
    pub name: String,
}

impl MacSpec {
    /// Reads a spec from a TOML file; unknown keys and wrong types are errors.
    pub fn from_toml_file(path: &std::path::Path) -> Result<Self> {
        let text = crate::output::read_text(path)?;
        toml::from_str(&text).map_err(|e| crate::Error::Config {
            path: path.to_owned(),
            message: crate::output::toml_message(&text, &e, MAC_KEYS),
        })
    }

    /// This spec with every field that `over` sets taken from `over`.
    pub fn overridden_by(self, over: &MacSpec) -> MacSpec {
        MacSpec {
            mantissa: over.mantissa.or(self.mantissa),
            block: over.block.or(self.block),
            exp_bits: over.exp_bits.or(self.exp_bits),
            acc: over.acc.clone().or(self.acc),
            acc_exp_bits: over.acc_exp_bits.or(self.acc_exp_bits),
            acc_man_bits: over.acc_man_bits.or(self.acc_man_bits),
            saturate: over.saturate.or(self.saturate),
            stages: over.stages.or(self.stages),
            tag_bits: over.tag_bits.or(self.tag_bits),
            name: over.name.clone().or(self.name),
        }
    }

    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<MacUnit> {
        use crate::dot::{DotSpec, TAG_BITS_MAX};
        use crate::error::Error;
        let dot = DotSpec {
            mantissa: self.mantissa,
            block: self.block,
            exp_bits: self.exp_bits,
            ..Default::default()
        }
        .resolve()?;
        let format = match (&self.acc, self.acc_exp_bits, self.acc_man_bits) {
            (None, None, None) => FpFormat::FP32,
            (Some(p), None, None) => match p.as_str() {
                "fp32" | "bf16" | "fp16" | "fp12" => FpFormat::preset(p)?,
                _ => {
                    return Err(Error::OutOfRange {
                        name: "acc",
                        value: p.clone(),
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
                    value: p.clone(),
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
        let acc = Accumulator {
            format,
            overflow: if self.saturate.unwrap_or(false) {
                Overflow::Saturate
            } else {
                Overflow::Infinity
            },
        };
        let max = MacUnit::max_stages_for(&dot);
        let stages = crate::dot::resolve_stages(self.stages, max, dot.block())?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        crate::format::check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let mut unit = MacUnit {
            dot,
            acc,
            stages,
            tag_bits,
            name: String::new(),
        };
        unit.name = crate::dot::resolve_name(self.name.as_deref(), || unit.default_name())?;
        Ok(unit)
    }
}

impl MacUnit {
    /// The largest number of pipeline stages before the accumulator: one after each level of
    /// the dot product and one after the normalisation of its sum.
    pub fn max_stages_for(dot: &DotUnit) -> u32 {
        dot.max_stages() + 1
    }

    /// The largest number of pipeline stages of this unit.
    pub fn max_stages(&self) -> u32 {
        Self::max_stages_for(&self.dot)
    }

    /// Latency in cycles from the last block pair of a dot product to its result: the stages and
    /// the accumulator register.
    pub fn latency(&self) -> u32 {
        self.stages + 1
    }

    /// The register slots: level indices (the dot product's levels, then the normalisation
    /// level) after which a pipeline register sits.
    pub fn register_slots(&self) -> Vec<u32> {
        crate::dot::spread_slots(self.max_stages(), self.stages)
    }

    /// Index of the normalisation level (after the dot product's last level).
    pub fn norm_level(&self) -> u32 {
        self.dot.max_stages()
    }

    /// The accumulator's name in unit names: the preset, or `acc<e>x<m>`.
    pub fn acc_label(&self) -> String {
        format_label(self.acc.format)
    }

    /// The default module name, e.g. `hbfp_mac_m4_b64_e10_s9_fp32`, with `_sat` and `_t<T>`.
    pub fn default_name(&self) -> String {
        let mut n = format!(
            "hbfp_mac_m{}_b{}_e{}_s{}_{}",
            self.dot.mantissa_bits(),
            self.dot.block(),
            self.dot.exp_bits(),
            self.stages,
            self.acc_label()
        );
        if self.acc.overflow == Overflow::Saturate {
            n.push_str("_sat");
        }
        if self.tag_bits > 0 {
            n.push_str(&format!("_t{}", self.tag_bits));
        }
        n
    }

    /// The accumulator's datapath: the block sum is the addend.
    pub fn datapath(&self) -> AccumulatorDatapath {
        let scale = self.dot.format.scale;
        AccumulatorDatapath {
            acc: self.acc,
            addend_bits: self.dot.sum_bits(),
            addend_exp_range: (
                2 * scale.min_exp() - self.sum_exp_offset(),
                2 * scale.max_exp() - self.sum_exp_offset(),
            ),
        }
    }

    /// The exponent offset of a block sum's lsb: x = X_a + X_b - 2(M - 1).
    pub fn sum_exp_offset(&self) -> i64 {
        2 * i64::from(self.dot.format.element.frac_bits())
    }

    /// The golden model of one long dot product: the pairs in order, from +0.
    pub fn dot_product(&self, pairs: &[(Block, Block)]) -> Result<u64> {
        self.acc.dot(&self.dot, pairs)
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

/// The user's description of an `fp_mac` unit (command line or TOML). Unset fields take the
/// defaults of [`FpMacSpec::resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FpMacSpec {
    /// Operand format: fp32, bf16 or fp16 (default fp32).
    pub operand: Option<String>,
    /// Accumulator preset: fp32, bf16, fp16 or fp12 (default fp32).
    pub acc: Option<String>,
    /// Saturate at the largest finite value instead of overflowing to infinity (default false).
    pub saturate: Option<bool>,
    /// Pipeline stages before the accumulator (0 to 3, or `max`; default `max`).
    pub stages: Option<crate::dot::Stages>,
    /// Tag width (0 to 64; default 0).
    pub tag_bits: Option<u32>,
    /// Module name (default: one that encodes the parameters).
    pub name: Option<String>,
}

/// A validated `fp_mac` unit: one lane of acc <- round(acc + a * b), the floating-point processing
/// element the HBFP units are compared with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FpMacUnit {
    /// The golden model: operand format and accumulator.
    pub mac: FpMac,
    /// Pipeline stages before the accumulator register (0 to 3).
    pub stages: u32,
    /// Width of the tag that travels with each operand pair (0 = no tag ports).
    pub tag_bits: u32,
    /// Module name.
    pub name: String,
}

/// The largest number of pipeline stages of an `fp_mac`: after the inputs, the product and its
/// normalisation.
pub const FP_MAC_MAX_STAGES: u32 = 3;

fn preset_of(name: &'static str, value: &str, allowed: &[&str]) -> Result<FpFormat> {
    if allowed.contains(&value) {
        FpFormat::preset(value)
    } else {
        Err(crate::Error::OutOfRange {
            name,
            value: value.to_owned(),
            allowed: allowed.join(", "),
        })
    }
}

fn format_label(f: FpFormat) -> String {
    match (f.exp_bits(), f.man_bits()) {
        (8, 23) => "fp32".into(),
        (8, 7) => "bf16".into(),
        (5, 10) => "fp16".into(),
        (4, 7) => "fp12".into(),
        (e, m) => format!("acc{e}x{m}"),
    }
}

impl FpMacSpec {
    /// Reads a spec from a TOML file; unknown keys and wrong types are errors.
    pub fn from_toml_file(path: &std::path::Path) -> Result<Self> {
        let text = crate::output::read_text(path)?;
        toml::from_str(&text).map_err(|e| crate::Error::Config {
            path: path.to_owned(),
            message: crate::output::toml_message(
                &text,
                &e,
                "operand, acc, saturate, stages, tag_bits, name",
            ),
        })
    }

    /// This spec with every field that `over` sets taken from `over`.
    pub fn overridden_by(self, over: &FpMacSpec) -> FpMacSpec {
        FpMacSpec {
            operand: over.operand.clone().or(self.operand),
            acc: over.acc.clone().or(self.acc),
            saturate: over.saturate.or(self.saturate),
            stages: over.stages.or(self.stages),
            tag_bits: over.tag_bits.or(self.tag_bits),
            name: over.name.clone().or(self.name),
        }
    }

    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<FpMacUnit> {
        use crate::dot::{check_identifier, Stages, TAG_BITS_MAX};
        let operand = preset_of(
            "operand",
            self.operand.as_deref().unwrap_or("fp32"),
            &["fp32", "bf16", "fp16"],
        )?;
        let acc = preset_of(
            "acc",
            self.acc.as_deref().unwrap_or("fp32"),
            &["fp32", "bf16", "fp16", "fp12"],
        )?;
        let stages = match self.stages.unwrap_or(Stages::Max) {
            Stages::Max => FP_MAC_MAX_STAGES,
            Stages::Count(n) => {
                crate::format::check_range("stages", n, 0, FP_MAC_MAX_STAGES)?;
                n
            }
        };
        let tag_bits = self.tag_bits.unwrap_or(0);
        crate::format::check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let mac = FpMac {
            operand,
            acc: Accumulator {
                format: acc,
                overflow: if self.saturate.unwrap_or(false) {
                    Overflow::Saturate
                } else {
                    Overflow::Infinity
                },
            },
        };
        let name = match &self.name {
            Some(n) => {
                check_identifier(n)?;
                n.clone()
            }
            None => {
                let mut n = format!(
                    "fp_mac_{}_{}_s{stages}",
                    format_label(operand),
                    format_label(acc)
                );
                if mac.acc.overflow == Overflow::Saturate {
                    n.push_str("_sat");
                }
                if tag_bits > 0 {
                    n.push_str(&format!("_t{tag_bits}"));
                }
                n
            }
        };
        Ok(FpMacUnit {
            mac,
            stages,
            tag_bits,
            name,
        })
    }
}

impl FpMacUnit {
    /// Latency in cycles from the last operand pair of a dot product to its result.
    pub fn latency(&self) -> u32 {
        self.stages + 1
    }

    /// The register slots (0 = inputs, 1 = product, 2 = normalised product).
    pub fn register_slots(&self) -> Vec<u32> {
        crate::dot::spread_slots(FP_MAC_MAX_STAGES, self.stages)
    }

    /// Significand bits of an operand (fraction + 1).
    pub fn sig_bits(&self) -> u32 {
        self.mac.operand.man_bits() + 1
    }

    /// The offset of the product's lsb exponent: x = e_a + e_b - 2 (bias + m), with e the biased
    /// exponent (1 for subnormals).
    pub fn product_exp_offset(&self) -> i64 {
        let f = self.mac.operand;
        2 * (i64::from(f.bias()) + i64::from(f.man_bits()))
    }

    /// The accumulator's datapath: the exact product is the addend.
    pub fn datapath(&self) -> AccumulatorDatapath {
        let all_ones = (1i64 << self.mac.operand.exp_bits()) - 1;
        AccumulatorDatapath {
            acc: self.mac.acc,
            addend_bits: 2 * self.sig_bits(),
            addend_exp_range: (
                2 - self.product_exp_offset(),
                2 * all_ones - self.product_exp_offset(),
            ),
        }
    }

    /// The label of a format in names: fp32, bf16, fp16, fp12.
    pub fn label(f: FpFormat) -> String {
        format_label(f)
    }
}
