//! The mixed-mantissa unit `hbfp_mixed_dot`: B lanes of signed 4-bit multipliers that compute
//! HBFP4, HBFP6 and HBFP8 block dot products, the mode chosen per operation. An M-bit element code
//! is split into digits that a signed 4-bit multiplier accepts, and the block dot product is
//! recombined exactly from the digit dot products. The schedule is specified in `docs/numerics.md`
//! ("Mixed-mantissa digits" and "hbfp_mixed_dot").
//!
//! Digits are radix 8: q = sum_i d_i * 8^i over k = ceil((M - 1) / 3) digits, the lower k - 1
//! unsigned in 0..=7 and the top one signed. Every digit lies in -8..=7, so any pair of digits is a
//! product of the 4-bit datapath, and a dot product of M-bit blocks takes k * k digit dot products.

pub mod digits;
pub mod emit;
pub mod manifest;
pub mod vectors;

use crate::error::{Error, Result};
use crate::format::{check_range, mask, sign_extend, BlockFormat};
use crate::model::{dot_unchecked, Block};
use crate::ports::{self, Port};
use crate::units::dot::{DotSpec, DotUnit, Stages, TAG_BITS_MAX};
pub use digits::{digit_count, digits, schedule, Beat, DigitSel};
use serde::{Deserialize, Serialize};

/// The operand widths (mantissa bits) a mixed-mantissa unit can be built for.
pub const MODES_ALLOWED: [u32; 3] = [4, 6, 8];
/// The modes built by default.
pub const MODES_DEFAULT: [u32; 3] = [4, 6, 8];

/// The parameters of an `hbfp_mixed_dot` unit, as command-line flags and TOML keys (flags
/// override the values of --config). Unset fields take the defaults of [`MixedSpec::resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct MixedSpec {
    /// The operand widths built, a comma-separated set of 4, 6 and 8. mode_i = 0 selects the
    /// narrowest built width, 1 the next, and so on; HBFP4 takes 1 cycle per block pair, HBFP6 4
    /// and HBFP8 9. [default: 4,6,8]
    #[arg(long, value_name = "M,M..", value_delimiter = ',')]
    pub modes: Option<Vec<u32>>,
    /// Block size B (lanes of 4-bit multipliers): 1 to 4096. [default: 64]
    #[arg(short, long, value_name = "B")]
    pub block: Option<u32>,
    /// Shared-exponent width E: 2 to 16. [default: 10]
    #[arg(short, long, value_name = "E")]
    pub exp_bits: Option<u32>,
    /// Pipeline stages before the accumulator: 0 to hbfp_dot's maximum for M = 4, or `max`. An M-bit
    /// operation's result leaves k*k + S cycles after it is first presented. [default: max]
    #[arg(short, long, value_name = "S|max")]
    pub stages: Option<Stages>,
    /// Width of a tag that travels with each operation: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    pub tag_bits: Option<u32>,
    /// How the 4-bit lane products are summed: `bitheap`, `tree` or `dsp2` (as in hbfp_dot).
    /// [default: bitheap]
    #[arg(long, value_name = "tree|bitheap|dsp2")]
    pub datapath: Option<crate::datapath::Datapath>,
    /// Module name, also the output files' stem.
    /// [default: hbfp_mixed_dot_m<modes>_b<B>_e<E>_s<S>, with _t<T>, _tree or _dsp2]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

impl MixedSpec {
    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<MixedUnit> {
        let mut modes = self.modes.clone().unwrap_or(MODES_DEFAULT.to_vec());
        let bad_modes = |value: String| Error::OutOfRange {
            name: "modes",
            value,
            allowed: "a list of distinct widths from 4, 6 and 8, e.g. 4,6".into(),
        };
        if modes.is_empty() {
            return Err(bad_modes("an empty list".into()));
        }
        if let Some(m) = modes.iter().find(|m| !MODES_ALLOWED.contains(m)) {
            return Err(bad_modes(m.to_string()));
        }
        modes.sort_unstable();
        if modes.windows(2).any(|w| w[0] == w[1]) {
            return Err(bad_modes(format!("{modes:?} (a width given twice)")));
        }
        let lanes = DotSpec {
            mantissa: Some(4),
            block: self.block,
            exp_bits: self.exp_bits,
            stages: Some(Stages::Count(0)),
            datapath: self.datapath,
            ..Default::default()
        }
        .resolve()?;
        let max = lanes.max_stages();
        let stages = crate::pipeline::resolve_stages(self.stages, max, lanes.block())?;
        let lanes = DotUnit { stages, ..lanes };
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let mut unit = MixedUnit {
            modes,
            lanes,
            tag_bits,
            name: String::new(),
        };
        unit.name = crate::ident::resolve_name(self.name.as_deref(), || unit.default_name())?;
        Ok(unit)
    }
}

/// A validated `hbfp_mixed_dot` unit: the one parameter type that its golden model, RTL, manifest,
/// vectors and tests derive from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MixedUnit {
    /// The operand widths built, ascending. `mode_i` = k selects `modes[k]`.
    pub modes: Vec<u32>,
    /// The 4-bit datapath: B lanes of HBFP4 products and the adder tree, with this unit's
    /// exponent width and pipeline stages (its name is not used).
    pub lanes: DotUnit,
    /// Width of the tag that travels with each operation (0 = no tag ports).
    pub tag_bits: u32,
    /// Module name.
    pub name: String,
}

/// One operand of a mixed-mantissa unit as it sits on the ports: the exponent and B lane bit
/// patterns of L bits (the widest mode). In a mode of M bits only the low M bits of a lane are
/// read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct MixedOperand {
    /// The shared exponent (a value of the E-bit exponent format).
    pub exp: i64,
    /// The lanes' bit patterns, lane 0 first, each below 2^L.
    pub lanes: Vec<u64>,
}

/// The result of one operation of a mixed-mantissa unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct MixedResult {
    /// The exact block dot product, `hbfp_dot`'s `sum_o` for the mode's width (0 for an invalid
    /// mode code).
    pub sum: i64,
    /// The exponent sum, as `hbfp_dot`'s `exp_o`.
    pub exp: i64,
    /// The NaN flag: either block is NaN, or the mode code selects no built mode.
    pub nan: bool,
    /// The mode code of the operation (`mode_o` echoes `mode_i`).
    pub mode: u32,
}

impl MixedUnit {
    /// The default module name, e.g. `hbfp_mixed_dot_m4_6_8_b64_e10_s8`.
    pub fn default_name(&self) -> String {
        let mut n = format!(
            "hbfp_mixed_dot_m{}_b{}_e{}_s{}",
            self.modes_joined("_"),
            self.block(),
            self.exp_bits(),
            self.stages()
        );
        if self.tag_bits > 0 {
            n.push_str(&format!("_t{}", self.tag_bits));
        }
        n.push_str(self.lanes.datapath.name_suffix());
        n
    }

    /// The built modes as text, joined by `sep` (e.g. `4,6,8`).
    pub fn modes_joined(&self, sep: &str) -> String {
        self.modes
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// Block size B (lanes).
    pub fn block(&self) -> u32 {
        self.lanes.block()
    }

    /// Shared-exponent width E.
    pub fn exp_bits(&self) -> u32 {
        self.lanes.exp_bits()
    }

    /// Pipeline stages before the accumulator register.
    pub fn stages(&self) -> u32 {
        self.lanes.stages
    }

    /// The largest number of pipeline stages before the accumulator (those of the 4-bit datapath).
    pub fn max_stages(&self) -> u32 {
        self.lanes.max_stages()
    }

    /// The widest mode L: the width of each lane on `a_man_i` and `b_man_i`.
    pub fn lane_bits(&self) -> u32 {
        *self.modes.last().expect("at least one mode")
    }

    /// Width of `a_man_i` and `b_man_i` (B * L).
    pub fn man_bus_bits(&self) -> u32 {
        self.block() * self.lane_bits()
    }

    /// Width of `mode_i` and `mode_o`: ceil(log2(number of modes)); 0 = no mode ports.
    pub fn mode_bits(&self) -> u32 {
        (self.modes.len() as u32).next_power_of_two().ilog2()
    }

    /// The block format of an `m`-bit mode.
    pub fn format_of(&self, m: u32) -> BlockFormat {
        BlockFormat::hbfp(m, self.block(), self.exp_bits()).expect("a validated mode")
    }

    /// The width of the code `mode_i` = `code` (None when the code selects no built mode).
    pub fn mode_of(&self, code: u32) -> Option<u32> {
        self.modes.get(code as usize).copied()
    }

    /// Width W of `sum_o`: that of `hbfp_dot`'s sum for the widest mode. In a narrower mode the
    /// sum is the narrower unit's, sign-extended.
    pub fn sum_bits(&self) -> u32 {
        self.format_of(self.lane_bits()).dot_sum_bits()
    }

    /// Width of `exp_o` (E + 1).
    pub fn exp_out_bits(&self) -> u32 {
        self.lanes.exp_out_bits()
    }

    /// Cycles per block pair in an `m`-bit mode: k * k digit dot products.
    pub fn cycles_per_block(m: u32) -> u32 {
        digit_count(m) * digit_count(m)
    }

    /// The most cycles any built mode takes per block pair.
    pub fn max_cycles(&self) -> u32 {
        Self::cycles_per_block(self.lane_bits())
    }

    /// Latency of an `m`-bit operation: cycles from the first cycle it is presented (with
    /// `in_valid_i`) to its result on `out_valid_o`, without back-pressure. The last of its
    /// k * k beats enters in cycle k * k - 1, passes S stages and the accumulator register.
    pub fn latency(&self, m: u32) -> u32 {
        Self::cycles_per_block(m) + self.stages()
    }

    /// The distinct digit selectors of the built modes, in a fixed order: the RTL's kind codes.
    pub fn digit_kinds(&self) -> Vec<DigitSel> {
        let mut v: Vec<DigitSel> = Vec::new();
        for &m in &self.modes {
            for i in 0..digit_count(m) {
                let d = DigitSel::of(m, i);
                if !v.contains(&d) {
                    v.push(d);
                }
            }
        }
        v
    }

    /// Width of the pass counter: enough for the longest schedule's beat index.
    pub fn pass_bits(&self) -> u32 {
        self.max_cycles().next_power_of_two().ilog2().max(1)
    }

    /// The lanes of `op` read as codes of an `m`-bit mode, as a block of that mode's format.
    pub fn block_of(&self, m: u32, op: &MixedOperand) -> Block {
        Block {
            exp: op.exp,
            man: op
                .lanes
                .iter()
                .map(|&l| sign_extend(l & mask(m), m))
                .collect(),
        }
    }

    /// Checks that an operand fits the ports: B lanes below 2^L and an exponent of the format.
    pub fn check_operand(&self, op: &MixedOperand) -> Result<()> {
        self.block_of(self.lane_bits(), op)
            .check(self.format_of(self.lane_bits()))?;
        match op.lanes.iter().position(|&l| l > mask(self.lane_bits())) {
            Some(i) => Err(Error::Operand(format!(
                "lane {i} is {:#x}, wider than {} bits",
                op.lanes[i],
                self.lane_bits()
            ))),
            None => Ok(()),
        }
    }

    /// The golden model: the result of the operation with mode code `code` on `a` and `b`. For a
    /// built mode of M bits it is `hbfp_dot`'s result for HBFP M on the lanes' low M bits; a code
    /// that selects no built mode gives a NaN result with sum 0.
    pub fn eval(&self, code: u32, a: &MixedOperand, b: &MixedOperand) -> MixedResult {
        match self.mode_of(code) {
            Some(m) => {
                let f = self.format_of(m);
                let r = dot_unchecked(f, &self.block_of(m, a), &self.block_of(m, b));
                MixedResult {
                    sum: r.sum,
                    exp: r.exp,
                    nan: r.nan,
                    mode: code,
                }
            }
            None => MixedResult {
                sum: 0,
                exp: a.exp + b.exp,
                nan: true,
                mode: code,
            },
        }
    }

    /// The sum as the hardware computes it in an `m`-bit mode: the beats of [`schedule`], each a
    /// dot product of 4-bit digits, accumulated by Horner's rule in W-bit two's complement (the
    /// wrap-around is harmless: the final sum fits W bits). Returns the W-bit pattern
    /// sign-extended.
    pub fn sum_by_schedule(&self, m: u32, a: &MixedOperand, b: &MixedOperand) -> i64 {
        let w = self.sum_bits();
        let mut acc: u64 = 0;
        for beat in schedule(m) {
            let (da, db) = (DigitSel::of(m, beat.a_digit), DigitSel::of(m, beat.b_digit));
            let t: i64 = a
                .lanes
                .iter()
                .zip(&b.lanes)
                .map(|(&x, &y)| da.value(x) * db.value(y))
                .sum();
            if beat.shift {
                acc <<= 3;
            }
            acc = acc.wrapping_add(t as u64) & mask(w);
        }
        sign_extend(acc, w)
    }
}

impl crate::unit::Unit for MixedUnit {
    type Spec = MixedSpec;
    const KIND: &'static str = "hbfp_mixed_dot";
    const COMMAND: &'static str = "mixed";
    const ABOUT: &'static str = "hbfp_mixed_dot: B lanes of 4-bit multipliers that compute HBFP4, \
        HBFP6 or HBFP8 block dot products, selected per operation by mode_i; a k-digit mode takes \
        k*k cycles per block pair.";
    const SWEEP_AXES: &'static [&'static str] = &["modes", "block", "stages"];

    fn resolve(spec: &MixedSpec) -> Result<Self> {
        spec.resolve()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn ports(&self) -> Vec<Port> {
        let (b, l, mb) = (self.block(), self.lane_bits(), self.mode_bits());
        let codes = self
            .modes
            .iter()
            .enumerate()
            .map(|(c, m)| format!("{c} = HBFP{m}"))
            .collect::<Vec<_>>()
            .join(", ");
        let lanes = format!(
            "{b} lanes of {l} bits, lane i at [i*{l} +: {l}]; in an M-bit mode a lane's low M bits \
             are its two's-complement code and the bits above are ignored"
        );
        let mut p = ports::clock(true);
        p.extend(ports::input_handshake(
            "an operation is presented",
            "the unit accepts the presented operation (in the last cycle of its schedule; \
             depends on mode_i)",
        ));
        if mb > 0 {
            p.push(Port::input(
                "mode_i",
                mb,
                &format!("the operation's mode: {codes}; another code gives a NaN result"),
            ));
        }
        p.extend(ports::block_operands(
            self.man_bus_bits(),
            self.exp_bits(),
            &lanes,
        ));
        p.extend(ports::tag(
            self.tag_bits,
            "travels unchanged with the operation",
            "the tag of the operation on the outputs",
        ));
        p.extend(ports::output_handshake("a result"));
        p.extend([
            Port::output(
                "sum_o",
                self.sum_bits(),
                "exact sum of the lane products, as hbfp_dot of the mode's width (sign-extended); \
                 0 for an invalid mode code",
            )
            .declared_signed(),
            Port::output("exp_o", self.exp_out_bits(), "a_exp + b_exp").declared_signed(),
            Port::output(
                "nan_o",
                1,
                "either operand is a NaN block, or the mode code is invalid",
            ),
        ]);
        if mb > 0 {
            p.push(Port::output("mode_o", mb, "the mode code of the result"));
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
        crate::manifest::to_json(&manifest::MixedManifest::of(self))
    }
    fn summary(&self) -> String {
        let modes: Vec<String> = self
            .modes
            .iter()
            .map(|&m| {
                format!(
                    "HBFP{m} {} cycle(s) per block, latency {}",
                    MixedUnit::cycles_per_block(m),
                    self.latency(m)
                )
            })
            .collect();
        format!(
            "{}: {} lanes of 4-bit multipliers; {}",
            self.name,
            self.block(),
            modes.join("; ")
        )
    }
    fn vectors(&self, count: usize, seed: u64) -> Result<(usize, String)> {
        let v = vectors::generate(self, count, seed);
        Ok((v.len(), vectors::to_text(self, &v, seed)))
    }
    /// Every pair of codes of each built mode that has at most 4096 of them at this block size
    /// (HBFP4 at B = 1, 256 pairs; HBFP6 at B = 1, 4096), with random exponents.
    fn exhaustive_vectors(&self, seed: u64) -> Option<Result<(usize, String)>> {
        let mut all = Vec::new();
        for &m in &self.modes {
            if 2 * self.block() * m <= 12 {
                all.extend(vectors::exhaustive(self, m, seed)?);
            }
        }
        if all.is_empty() {
            return Some(Err(Error::Unsupported {
                what: format!(
                    "{} has no mode with at most 4096 code pairs at block {} (HBFP4 or HBFP6 at \
                     B = 1); its exhaustive checks are in the co-simulation crate",
                    self.name,
                    self.block()
                ),
            }));
        }
        Some(Ok((all.len(), vectors::to_text(self, &all, seed))))
    }
    fn latency(&self) -> u32 {
        MixedUnit::latency(self, self.lane_bits())
    }
    fn accept_latency(&self) -> (u32, u32) {
        // the operation is accepted in the last beat of its schedule, which then passes the S
        // stages and the accumulator register, in every mode
        (self.stages() + 1, self.stages() + 1)
    }
    fn full_rate(&self) -> bool {
        self.max_cycles() == 1
    }
    fn synth_parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "mantissa": self.lane_bits(),
            "block": self.block(),
            "exp_bits": self.exp_bits(),
            "stages": self.stages(),
            "modes": self.modes,
        })
    }
    fn floor(&self) -> Result<Option<crate::synth::Design>> {
        let floor = crate::units::int_dot::IntDotUnit::of(self.lanes.shape(), None)?;
        Ok(Some(crate::unit::AnyUnit::design(&floor)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Law: for every code of every width from 2 to 16 bits, the digits lie in -8..=7 (the lower
    /// ones in 0..=7) and recombine to the code.
    #[test]
    fn digits_fit_a_4_bit_multiplier_and_recombine_exactly() {
        for m in 2..=16u32 {
            let lo = -(1i64 << (m - 1));
            let hi = (1i64 << (m - 1)) - 1;
            for q in lo..=hi {
                let d = digits(q, m);
                assert_eq!(d.len() as u32, digit_count(m));
                let (top, lower) = d.split_last().unwrap();
                assert!(
                    lower.iter().all(|x| (0..=7).contains(x)),
                    "m {m} q {q}: {d:?}"
                );
                assert!((-8..=7).contains(top), "m {m} q {q}: {d:?}");
                let back: i64 = d.iter().enumerate().map(|(i, x)| x << (3 * i)).sum();
                assert_eq!(back, q, "m {m}");
            }
        }
        assert_eq!([digit_count(4), digit_count(6), digit_count(8)], [1, 2, 3]);
    }

    /// Law: the dot product recombined from digit dot products by the schedule equals the exact
    /// block dot product for HBFP4, 6 and 8, extreme codes included, in 1, 4 and 9 digit steps
    /// (2000 random blocks of 16 lanes per width, a quarter of them with only the extreme codes).
    #[test]
    fn digit_dot_products_recombine_to_the_exact_sum() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        let u = unit(&[4, 6, 8], 16);
        for (m, steps) in [(4, 1), (6, 4), (8, 9)] {
            let f = u.format_of(m);
            let (qmin, qmax) = (f.element.min_code(), f.element.max_code());
            for n in 0..2000 {
                let code = |rng: &mut rand_chacha::ChaCha8Rng| match n % 4 {
                    0 => [qmin, qmax][rng.gen_range(0..2)],
                    _ => rng.gen_range(qmin..=qmax),
                };
                let block = |rng: &mut rand_chacha::ChaCha8Rng| Block {
                    exp: 0,
                    man: (0..16).map(|_| code(rng)).collect(),
                };
                let (a, b) = (block(&mut rng), block(&mut rng));
                let op = |x: &Block| MixedOperand {
                    exp: x.exp,
                    lanes: x.man.iter().map(|&q| f.element.encode(q)).collect(),
                };
                assert_eq!(schedule(m).len(), steps);
                assert_eq!(
                    u.sum_by_schedule(m, &op(&a), &op(&b)),
                    dot_unchecked(f, &a, &b).sum,
                    "m {m}: {a:?} . {b:?}"
                );
            }
        }
    }

    fn unit(modes: &[u32], b: u32) -> MixedUnit {
        MixedSpec {
            modes: Some(modes.to_vec()),
            block: Some(b),
            ..Default::default()
        }
        .resolve()
        .unwrap()
    }

    /// Law: each mode's schedule visits every digit pair once, by non-increasing weight, shifts
    /// exactly when the weight drops (by one), and ends at weight 0.
    #[test]
    fn schedules_cover_every_digit_pair_in_horner_order() {
        for m in MODES_ALLOWED {
            let k = digit_count(m);
            let s = schedule(m);
            assert_eq!(s.len() as u32, MixedUnit::cycles_per_block(m));
            let mut pairs: Vec<_> = s.iter().map(|b| (b.a_digit, b.b_digit)).collect();
            pairs.sort_unstable();
            pairs.dedup();
            assert_eq!(pairs.len() as u32, k * k, "m {m}");
            for w in s.windows(2) {
                let (x, y) = (w[0].a_digit + w[0].b_digit, w[1].a_digit + w[1].b_digit);
                assert!(y == x || y + 1 == x, "m {m}: {s:?}");
                assert_eq!(w[1].shift, y + 1 == x, "m {m}: {s:?}");
            }
            assert!(!s[0].shift);
            let last = s.last().unwrap();
            assert_eq!(last.a_digit + last.b_digit, 0);
        }
    }

    /// Law: the digit selectors read back the digits of [`digits`] from a lane's low M bits,
    /// whatever its upper bits hold, both as a value and bit by bit (as the RTL selects them).
    #[test]
    fn digit_selectors_read_the_digits_of_the_low_bits() {
        for m in MODES_ALLOWED {
            for pattern in 0..256u64 {
                let q = sign_extend(pattern & mask(m), m);
                let d = digits(q, m);
                for (i, want) in d.iter().enumerate() {
                    let sel = DigitSel::of(m, i as u32);
                    assert_eq!(sel.value(pattern), *want, "m {m} {pattern:#x}");
                    // the RTL's bit-by-bit selection gives the same 4-bit code
                    let bits: u64 = (0..4)
                        .map(|j| match sel.bit_source(j) {
                            Some(b) => ((pattern >> b) & 1) << j,
                            None => 0,
                        })
                        .sum();
                    assert_eq!(sign_extend(bits, 4), *want, "m {m} {pattern:#x} bits");
                }
            }
        }
    }

    /// Law: the scheduled W-bit Horner accumulation of digit dot products equals the golden model
    /// (`hbfp_dot`'s exact sum) in every mode, for random lanes with random upper bits and for the
    /// extreme codes, at B = 1, 2, 3, 16 and 64.
    #[test]
    fn the_schedule_computes_hbfp_dot_of_the_mode_width() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(66);
        for b in [1u32, 2, 3, 16, 64] {
            let u = unit(&[4, 6, 8], b);
            for (code, &m) in u.modes.iter().enumerate() {
                let f = u.format_of(m);
                let (qmin, qmax) = (f.element.min_code(), f.element.max_code());
                for n in 0..500 {
                    let lane = |rng: &mut rand_chacha::ChaCha8Rng| -> u64 {
                        let q = match n % 5 {
                            0 => qmin,
                            1 => [qmin, qmax][rng.gen_range(0..2)],
                            _ => rng.gen_range(qmin..=qmax),
                        };
                        (f.element.encode(q) | (rng.gen::<u64>() << m)) & mask(8)
                    };
                    let op = |rng: &mut rand_chacha::ChaCha8Rng| MixedOperand {
                        exp: 0,
                        lanes: (0..b).map(|_| lane(rng)).collect(),
                    };
                    let (a, bb) = (op(&mut rng), op(&mut rng));
                    let r = u.eval(code as u32, &a, &bb);
                    assert_eq!(r.mode, code as u32);
                    assert_eq!(u.sum_by_schedule(m, &a, &bb), r.sum, "m {m} b {b}");
                    assert!(crate::format::fits_signed(r.sum, f.dot_sum_bits()));
                }
            }
        }
    }

    /// Law: a code that selects no built mode gives a NaN result with sum 0; a NaN block gives
    /// NaN in every mode, as in hbfp_dot.
    #[test]
    fn invalid_mode_codes_and_nan_blocks() {
        let u = unit(&[4, 6, 8], 4);
        assert_eq!(u.mode_bits(), 2);
        let f = u.format_of(8);
        let op = MixedOperand {
            exp: 3,
            lanes: vec![0x7f; 4],
        };
        let r = u.eval(3, &op, &op);
        assert_eq!((r.sum, r.exp, r.nan, r.mode), (0, 6, true, 3));
        let nan = MixedOperand {
            exp: f.scale.nan_exp(),
            lanes: vec![1; 4],
        };
        for code in 0..3 {
            assert!(u.eval(code, &nan, &op).nan);
            assert!(!u.eval(code, &op, &op).nan);
        }
    }

    #[test]
    fn widths_and_modes() {
        let u = unit(&[6, 4], 64);
        assert_eq!(u.modes, vec![4, 6]);
        assert_eq!((u.lane_bits(), u.mode_bits(), u.sum_bits()), (6, 1, 18));
        assert_eq!(
            u.name,
            format!("hbfp_mixed_dot_m4_6_b64_e10_s{}", u.max_stages())
        );
        assert_eq!(unit(&[8], 3).mode_bits(), 0);
        assert_eq!(unit(&[4, 6, 8], 64).digit_kinds().len(), 5);
        assert_eq!(unit(&[4, 6, 8], 64).pass_bits(), 4);
        assert_eq!(unit(&[4], 64).pass_bits(), 1);
        for (modes, want) in [
            (vec![], "empty"),
            (vec![5], "5"),
            (vec![4, 4], "twice"),
            (vec![10], "10"),
        ] {
            let e = MixedSpec {
                modes: Some(modes),
                ..Default::default()
            }
            .resolve()
            .unwrap_err()
            .to_string();
            assert!(e.contains("`modes`") && e.contains(want), "{e}");
        }
        let e = MixedSpec {
            stages: Some(Stages::Count(11)),
            ..Default::default()
        }
        .resolve()
        .unwrap_err()
        .to_string();
        assert!(e.contains("0 to 10"), "{e}");
    }
}
