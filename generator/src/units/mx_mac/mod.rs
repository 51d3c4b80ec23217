//! The `mx_mac` unit: MX block dot products (the `mx_dot` datapath) accumulated into a
//! floating-point accumulator FP(e, m) with one rounding per block pair, through the accumulator of
//! `hbfp_mac` (as cvfpu's MXDOTP accumulates into FP32 or bf16). Its parameters, plan and golden
//! model; the rules are in `docs/numerics.md` ("Accumulating MX blocks").

pub mod emit;
pub mod vectors;

use crate::accumulate::{Accumulator, AccumulatorDatapath};
use crate::error::Result;
use crate::format::MxElement;
use crate::fp::Overflow;
use crate::model::mx::MxBlock;
use crate::ports::{self, Port};
use crate::units::mx_dot::{MxDotSpec, MxDotUnit};
use serde::Serialize;

/// The parameters of an `mx_mac` unit, as command-line flags and TOML keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, Serialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct MxMacSpec {
    /// Element format of block A (and of B unless --elements-b): fp4, fp6-e2m3, fp6-e3m2,
    /// fp8-e4m3, fp8-e5m2 or int8. [default: fp8-e4m3]
    #[arg(long, value_name = "FORMAT")]
    pub elements: Option<MxElement>,
    /// Element format of block B. [default: that of A]
    #[arg(long, value_name = "FORMAT")]
    pub elements_b: Option<MxElement>,
    /// Block size K: 1 to 4096. [default: 32]
    #[arg(short, long, value_name = "K")]
    pub block: Option<u32>,
    /// Accumulator format: fp32, bf16, fp16 or fp12. [default: fp32]
    #[arg(long, value_name = "fp32|bf16|fp16|fp12", conflicts_with_all = ["acc_exp_bits", "acc_man_bits"])]
    pub acc: Option<String>,
    /// Accumulator exponent bits, 3 to 11 (with --acc-man-bits, instead of --acc).
    #[arg(long, value_name = "E_ACC", requires = "acc_man_bits")]
    pub acc_exp_bits: Option<u32>,
    /// Accumulator fraction bits, 2 to 52 (with --acc-exp-bits).
    #[arg(long, value_name = "M_ACC", requires = "acc_exp_bits")]
    pub acc_man_bits: Option<u32>,
    /// Saturate at the largest finite value instead of overflowing to infinity.
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub saturate: Option<bool>,
    /// Pipeline stages before the accumulator: 0 to mx_dot's maximum + 1 (+ 1 with contexts), or
    /// `max`. The result leaves S + K cycles after the last block pair. [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<crate::pipeline::Stages>,
    /// Width of a tag that travels with each block pair; the last pair's tag leaves with the
    /// result: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// Independent dot products interleaved through the accumulator loop, as in hbfp_mac: 1 to
    /// 64, or `auto`. [default: 1]
    #[arg(long, value_name = "C|auto")]
    pub contexts: Option<crate::acc_loop::Contexts>,
    /// Register stages of the accumulator loop, 1 to 9 (K stages need C >= K contexts).
    /// [default: 1; with contexts, min(C, 9)]
    #[arg(long, value_name = "K")]
    pub acc_stages: Option<u32>,
    /// The integer datapath for fp4, fp6 and int8, as in mx_dot: `bitheap`, `tree` or `dsp2`.
    /// [default: shift, or bitheap for int8 x int8]
    #[arg(long, value_name = "tree|bitheap|dsp2")]
    pub datapath: Option<crate::datapath::Datapath>,
    /// Module name, also the output files' stem.
    /// [default: mx_mac_<a>[_<b>]_k<K>_s<S>_<acc>, with _sat, _t<T>, _c<C>k<K>, _int, _tree or _dsp2]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// A validated `mx_mac` unit: the MX dot-product datapath, a normalisation level and the
/// accumulator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxMacUnit {
    /// The dot-product datapath (its stages, tag and name are not used).
    pub dot: MxDotUnit,
    /// The accumulator.
    pub acc: Accumulator,
    /// Pipeline stages before the accumulator register.
    pub stages: u32,
    /// Tag width.
    pub tag_bits: u32,
    /// Contexts and accumulator-loop stages.
    pub schedule: crate::acc_loop::Schedule,
    /// Module name.
    pub name: String,
}

impl MxMacSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<MxMacUnit> {
        let dot = MxDotSpec {
            elements: self.elements,
            elements_b: self.elements_b,
            block: self.block,
            datapath: self.datapath,
            ..Default::default()
        }
        .resolve()?;
        let acc = Accumulator::of_spec(
            self.acc.as_deref(),
            self.acc_exp_bits,
            self.acc_man_bits,
            self.saturate,
        )?;
        let schedule = crate::acc_loop::Schedule::resolve(self.contexts, self.acc_stages)?;
        let max = schedule.front_max_stages(dot.max_stages());
        let stages = crate::pipeline::resolve_stages(self.stages, max, dot.block)?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        crate::format::check_range("tag_bits", tag_bits, 0, crate::units::dot::TAG_BITS_MAX)?;
        let mut unit = MxMacUnit {
            dot,
            acc,
            stages,
            tag_bits,
            schedule,
            name: String::new(),
        };
        unit.name = crate::ident::resolve_name(self.name.as_deref(), || unit.default_name())?;
        Ok(unit)
    }
}

impl MxMacUnit {
    /// The most stages: the dot product's levels, the normalisation level, and with contexts the
    /// extra front level.
    pub fn max_stages(&self) -> u32 {
        self.schedule.front_max_stages(self.dot.max_stages())
    }

    /// Cycles from the last block pair to the result.
    pub fn latency(&self) -> u32 {
        self.stages + self.schedule.acc_stages
    }

    /// The level that normalises the block sum (after the dot product's levels).
    pub fn norm_level(&self) -> u32 {
        self.dot.max_stages()
    }

    /// Each level's estimated delay: the dot product's, then the normalisation's.
    pub fn level_weights(&self) -> Vec<u32> {
        self.schedule
            .front_weights(self.dot.weights(), self.dot.sum_bits())
    }

    /// The register slots, placed by the levels' estimated delays.
    pub fn register_slots(&self) -> Vec<u32> {
        crate::pipeline::place_slots(&self.level_weights(), self.stages)
    }

    /// The accumulator's label (fp32, or e8m23...).
    pub fn acc_label(&self) -> String {
        crate::fp::format_label(self.acc.format)
    }

    /// The default module name.
    pub fn default_name(&self) -> String {
        let d = &self.dot;
        let mut n = format!("mx_mac_{}", d.a.tag());
        if d.b != d.a {
            n.push_str(&format!("_{}", d.b.tag()));
        }
        n.push_str(&format!(
            "_k{}_s{}_{}",
            d.block,
            self.stages,
            self.acc_label()
        ));
        if self.acc.overflow == Overflow::Saturate {
            n.push_str("_sat");
        }
        if self.tag_bits > 0 {
            n.push_str(&format!("_t{}", self.tag_bits));
        }
        n.push_str(&self.schedule.name_suffix());
        if let Some(s) = &d.shape {
            if d.a.is_float() || d.b.is_float() {
                n.push_str("_int");
            }
            n.push_str(s.datapath.name_suffix());
        }
        n
    }

    /// The addend the accumulator takes: the block sum (W bits) whose lsb has the exponent
    /// X_a + X_b - (F_a + F_b), X_a + X_b from -254 to 256 (the NaN code counting 128).
    pub fn datapath(&self) -> AccumulatorDatapath {
        let f = i64::from(self.dot.frac_bits());
        AccumulatorDatapath {
            acc: self.acc,
            addend_bits: self.dot.sum_bits(),
            addend_exp_range: (-254 - f, 256 - f),
        }
    }

    /// The golden model: the long dot product of `pairs` (A, B), from +0, one rounding per pair.
    pub fn dot_product(&self, pairs: &[(MxBlock, MxBlock)]) -> u64 {
        let mut acc = self.acc.format.zero(false);
        for (a, b) in pairs {
            acc = self.add_pair(acc, a, b);
        }
        acc
    }

    /// The accumulator after adding the block pair (a, b) to `acc`.
    pub fn add_pair(&self, acc: u64, a: &MxBlock, b: &MxBlock) -> u64 {
        let r = self.dot.dot(a, b);
        let inf = if r.pinf {
            Some(false)
        } else if r.ninf {
            Some(true)
        } else {
            None
        };
        self.acc.add_wide_block(
            acc,
            r.sum,
            r.exp - i64::from(self.dot.frac_bits()),
            r.nan,
            inf,
        )
    }
}

impl crate::unit::Unit for MxMacUnit {
    type Spec = MxMacSpec;
    const KIND: &'static str = "mx_mac";
    const COMMAND: &'static str = "mx-mac";
    const ABOUT: &'static str = "mx_mac: a long dot product over consecutive MX block pairs \
        (first_i .. last_i), each exact block result added to a floating-point accumulator with \
        one rounding to nearest even.";
    const SWEEP_AXES: &'static [&'static str] =
        &["elements", "elements_b", "block", "stages", "acc"];

    fn resolve(spec: &MxMacSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let d = &self.dot;
        let k = d.block;
        let lanes = |f: MxElement| {
            let w = f.bits();
            format!("{k} {} codes, lane i at [i*{w} +: {w}]", f.name())
        };
        let mut p = ports::clock(true);
        p.extend(ports::input_handshake(
            "a block pair is presented",
            "the unit accepts the presented pair",
        ));
        p.extend([
            Port::input(
                "a_elem_i",
                k * d.a.bits(),
                &format!("block A: {}", lanes(d.a)),
            ),
            Port::input("a_scale_i", 8, "block A: E8M0 scale (255 = NaN)"),
            Port::input(
                "b_elem_i",
                k * d.b.bits(),
                &format!("block B: {}", lanes(d.b)),
            ),
            Port::input("b_scale_i", 8, "block B: E8M0 scale (255 = NaN)"),
        ]);
        p.extend(crate::accumulate::accumulating_ports(
            self.tag_bits,
            self.acc.format,
            &self.schedule,
        ));
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
            "parameters": self.synth_parameters(),
            "latency": self.latency(),
            "block_sum_bits": self.dot.sum_bits(),
            "frac_bits": self.dot.frac_bits(),
            "accumulator": self.acc,
            "window_bits": self.datapath().window_bits(),
            "levels": self.dot.levels_with(&self.register_slots()),
            "register_slots": self.register_slots(),
            "ports": crate::unit::Unit::ports(self),
        }))
    }
    fn summary(&self) -> String {
        format!(
            "{}: {} lanes of {} x {} accumulated in {}, latency {} cycles",
            self.name,
            self.dot.block,
            self.dot.a,
            self.dot.b,
            self.acc.format,
            self.latency()
        )
    }
    fn vectors(&self, count: usize, seed: u64) -> Result<(usize, String)> {
        let v = vectors::generate(self, count, seed);
        Ok((v.len(), vectors::to_text(self, &v, seed)))
    }
    fn result_flag(&self) -> Option<&'static str> {
        Some("last")
    }
    fn group_flag(&self) -> Option<&'static str> {
        Some("first")
    }
    fn latency(&self) -> u32 {
        MxMacUnit::latency(self)
    }
    fn contexts(&self) -> u32 {
        self.schedule.contexts
    }
    fn synth_parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "elements": self.dot.a,
            "elements_b": self.dot.b,
            "block": self.dot.block,
            "stages": self.stages,
            "acc": self.acc_label(),
            "saturate": self.acc.overflow == Overflow::Saturate,
            "contexts": self.schedule.contexts,
            "acc_stages": self.schedule.acc_stages,
            "datapath": self.dot.shape.map(|s| s.datapath.to_string()).unwrap_or_else(|| "shift".into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fp::{round, Exact, FpFormat};
    use rand::{Rng, SeedableRng};

    /// acc + block as one exact i128 sum at a common exponent, rounded once (None when it does not
    /// fit i128): independent of `fp::add`'s window and of the accumulator's special-value paths.
    fn reference(f: FpFormat, acc: u64, sum: i128, exp: i64) -> Option<u64> {
        let a = f.decode(acc).exact()?;
        let e = i64::from(a.exp).min(exp);
        let av = i128::try_from(a.mag)
            .ok()?
            .checked_shl(u32::try_from(i64::from(a.exp) - e).ok()?)?;
        let av = if a.neg { -av } else { av };
        let bv = sum.checked_shl(u32::try_from(exp - e).ok()?)?;
        if (av >> 126) != 0 && (av >> 126) != -1 || (bv >> 126) != 0 && (bv >> 126) != -1 {
            return None;
        }
        let t = av + bv;
        let x = Exact {
            neg: t < 0 || (t == 0 && a.neg && sum < 0),
            mag: t.unsigned_abs(),
            exp: i32::try_from(e).ok()?,
        };
        Some(round(f, x, Overflow::Infinity))
    }

    #[test]
    fn wide_block_sums_round_once_like_an_exact_sum() {
        // E5M2 x E5M2 block sums reach 66 bits at K = 4: beyond fp::add's old 64-bit bound
        let unit = MxMacSpec {
            elements: Some(MxElement::Fp8E5M2),
            block: Some(4),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let mut checked = 0;
        for _ in 0..20_000 {
            let blk = |rng: &mut rand_chacha::ChaCha8Rng| MxBlock {
                scale: rng.gen_range(-6..=6),
                codes: (0..4)
                    .map(|_| {
                        crate::units::mx_dot::vectors::random_code(MxElement::Fp8E5M2, rng, true)
                    })
                    .collect(),
            };
            let mut acc = unit.acc.format.zero(false);
            for _ in 0..3 {
                let (a, b) = (blk(&mut rng), blk(&mut rng));
                let r = unit.dot.dot(&a, &b);
                let want = reference(
                    unit.acc.format,
                    acc,
                    r.sum,
                    r.exp - i64::from(unit.dot.frac_bits()),
                );
                let got = unit.add_pair(acc, &a, &b);
                if let Some(w) = want {
                    assert_eq!(got, w, "{a:?} {b:?} from {acc:#x}");
                    checked += 1;
                }
                acc = got;
            }
        }
        assert!(checked > 30_000, "{checked}");
    }

    #[test]
    fn infinite_and_nan_blocks() {
        let unit = MxMacSpec {
            elements: Some(MxElement::Fp8E5M2),
            block: Some(2),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let f = unit.acc.format;
        let blk = |scale: i64, codes: Vec<u64>| MxBlock { scale, codes };
        let one = blk(0, vec![0x3c, 0x3c]);
        let pinf = blk(0, vec![0x7c, 0x3c]);
        let ninf = blk(0, vec![0xfc, 0x3c]);
        assert_eq!(
            unit.dot_product(&[(one.clone(), one.clone())]),
            u64::from(2f32.to_bits())
        );
        assert_eq!(
            unit.dot_product(&[(pinf.clone(), one.clone())]),
            f.inf(false)
        );
        assert_eq!(
            unit.dot_product(&[(ninf.clone(), one.clone())]),
            f.inf(true)
        );
        assert_eq!(
            unit.dot_product(&[(pinf, one.clone()), (ninf, one.clone())]),
            f.nan()
        );
        assert_eq!(unit.dot_product(&[(blk(128, vec![0, 0]), one)]), f.nan());
    }
}
