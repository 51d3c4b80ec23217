//! Pipeline placement, shared by every unit: how many stages the user asked for ([`Stages`]),
//! how they resolve against a unit's maximum, and where the registers go: evenly
//! ([`spread_slots`]) or by estimated logic depth ([`place_slots`], with the delay model of
//! [`delay`]).

use crate::error::{Error, Result};
use crate::format::check_range;
use serde::Serialize;

/// How many pipeline register stages to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stages {
    /// Exactly this many stages (0 = combinational).
    Count(u32),
    /// The unit's maximum: a register after the inputs, after the multipliers and after every adder
    /// level. Spelt `max`.
    Max,
}

/// Serialisation, parsing and display for an enum of `Count(u32)` and one keyword variant
/// (`Stages::Max` as `max`, `Contexts::Auto` as `auto`): a whole number or the keyword, in TOML,
/// JSON and on the command line. `$what` names the value in errors.
macro_rules! count_or_keyword {
    ($ty:ident, $kw:ident, $word:literal, $what:literal) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                match self {
                    $ty::Count(n) => s.serialize_u32(*n),
                    $ty::$kw => s.serialize_str($word),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        write!(f, "a whole number of {} or \"{}\"", $what, $word)
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<$ty, E> {
                        u32::try_from(v).map($ty::Count).map_err(|_| {
                            E::custom(format!(
                                "{} must be 0 or more, or \"{}\"; found {v}",
                                $what, $word
                            ))
                        })
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<$ty, E> {
                        self.visit_i64(i64::try_from(v).unwrap_or(-1))
                    }
                    fn visit_str<E: serde::de::Error>(
                        self,
                        v: &str,
                    ) -> std::result::Result<$ty, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> std::result::Result<Self, String> {
                if s == $word {
                    Ok($ty::$kw)
                } else {
                    s.parse::<u32>()
                        .map($ty::Count)
                        .map_err(|_| format!("expected a whole number or `{}`, found {s:?}", $word))
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $ty::Count(n) => write!(f, "{n}"),
                    $ty::$kw => f.write_str($word),
                }
            }
        }
    };
}
pub(crate) use count_or_keyword;

count_or_keyword!(Stages, Max, "max", "stages");

/// The register slots of `stages` stages over levels whose logic takes `weights` (level k's
/// estimated delay, [`delay`]): stage r sits after level s_r, s_0 < s_1 < ... and the last stage
/// registers the last level, chosen so that the heaviest run of levels between two registers (the
/// inputs count as a register) is as light as it can be; among such placements, the one with the
/// smallest sum of squared run weights, then the earliest. With equal weights the runs differ by at
/// most one level, as in [`spread_slots`].
pub fn place_slots(weights: &[u32], stages: u32) -> Vec<u32> {
    let (n, s) = (weights.len(), stages as usize);
    assert!(s <= n, "{stages} stages for {n} levels");
    if s == 0 {
        return Vec::new();
    }
    // run(i, j): the weight of levels i..=j
    let prefix: Vec<u64> = std::iter::once(0)
        .chain(weights.iter().scan(0u64, |a, &w| {
            *a += u64::from(w);
            Some(*a)
        }))
        .collect();
    let run = |i: usize, j: usize| prefix[j + 1] - prefix[i];
    // best[r][j]: the best (heaviest run, sum of squares, previous slot) with register r after
    // level j
    type Cell = Option<(u64, u64, usize)>;
    let mut best: Vec<Vec<Cell>> = vec![vec![None; n]; s];
    for (j, cell) in best[0].iter_mut().enumerate() {
        let w = run(0, j);
        *cell = Some((w, w * w, usize::MAX));
    }
    for r in 1..s {
        for j in r..n {
            for i in (r - 1)..j {
                if let Some((m, q, _)) = best[r - 1][i] {
                    let w = run(i + 1, j);
                    let cand = (m.max(w), q + w * w, i);
                    let better = match best[r][j] {
                        None => true,
                        Some((bm, bq, _)) => (cand.0, cand.1) < (bm, bq),
                    };
                    if better {
                        best[r][j] = Some(cand);
                    }
                }
            }
        }
    }
    let mut slots = vec![0u32; s];
    let mut j = n - 1;
    for r in (0..s).rev() {
        slots[r] = j as u32;
        j = best[r][j].expect("a placement exists").2;
    }
    slots
}

/// The delay model of [`place_slots`]: a level's estimated logic depth in tenths of a LUT level
/// (a LUT4 and its routing). Carry chains are fast (an ECP5 CCU2C passes the carry of two bits in
/// about a tenth of a LUT level's time), so a W-bit adder weighs one LUT level plus W/2 tenths.
/// The figures are estimates that order the levels, not timing: docs/fpga-results.md (table 9)
/// measures what they give.
pub mod delay {
    /// One LUT4 level and its routing.
    pub const LUT: u32 = 10;
    /// The inputs: the operand buses' routing to the first level.
    pub const INPUTS: u32 = LUT;
    /// A radix-4 Booth row: the digit's decode, then the select and the sign (two LUT levels and
    /// a half for the fan-out of the decoded digit).
    pub const BOOTH_ROW: u32 = 25;
    /// A carry-chain adder of `width` bits.
    pub fn adder(width: u32) -> u32 {
        LUT + width / 2
    }
    /// An M x M two's-complement product in LUTs (Yosys 0.23 maps `*` to an array of about M/2
    /// LUT levels and a 2M-bit carry chain).
    pub fn multiplier(m: u32) -> u32 {
        LUT + LUT * m / 2 + m
    }
    /// Normalising a `width`-bit sum: its leading-zero count and the shift (about log2 W + 2 LUT
    /// levels).
    pub fn normalise(width: u32) -> u32 {
        LUT * (width.max(2).ilog2() + 2)
    }
    /// Two lanes' products in one multiplier (`--datapath dsp2`, after its operands' level): an
    /// unregistered 18 x 18 DSP multiply (3.9 ns on ECP5, about four LUT levels) and one LUT.
    pub const PACKED_PAIR: u32 = 4 * LUT + LUT;
}

/// One level of a unit whose levels are a fixed list of named values (the S2FP8 encoder and
/// decoder): its index, name, width and register, as the manifest lists them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NamedLevel {
    /// Index (0 = inputs).
    pub index: u32,
    /// What it computes.
    pub kind: &'static str,
    /// Width of its value.
    pub bits: u32,
    /// Whether a pipeline register follows it.
    pub registered: bool,
}

/// The levels `(name, width)` in order, each registered when its index is in `slots`.
pub fn named_levels(levels: &[(&'static str, u32)], slots: &[u32]) -> Vec<NamedLevel> {
    levels
        .iter()
        .zip(0u32..)
        .map(|(&(kind, bits), index)| NamedLevel {
            index,
            kind,
            bits,
            registered: slots.contains(&index),
        })
        .collect()
}

/// The register slots of `stages` pipeline stages spread evenly over `slots` slots (levels 0 to
/// `slots - 1`): stage k (0-based) sits after level `floor((k + 1) * slots / stages) - 1`, so one
/// stage registers the last level and `slots` stages register every level. Every unit places its
/// registers with this rule.
pub fn spread_slots(slots: u32, stages: u32) -> Vec<u32> {
    (0..stages).map(|k| (k + 1) * slots / stages - 1).collect()
}

/// The stages of a unit: unset or `max` gives `max`; a count must lie in 0 to `max` (the error
/// names the block size `block`, which sets the maximum).
pub fn resolve_stages(stages: Option<Stages>, max: u32, block: u32) -> Result<u32> {
    match stages.unwrap_or(Stages::Max) {
        Stages::Max => Ok(max),
        Stages::Count(n) => {
            check_range("stages", n, 0, max).map_err(|_| Error::OutOfRange {
                name: "stages",
                value: n.to_string(),
                allowed: format!("0 to {max} (the maximum for block {block}), or `max`"),
            })?;
            Ok(n)
        }
    }
}

/// One pipeline stage as `rtl-templates/shared/pipeline.sv.tera` draws it.
#[derive(Serialize)]
pub struct StageCtx {
    /// Its index, from 0 at the input.
    pub index: u32,
    /// The level it registers.
    pub level: u32,
    /// The valid signal it takes.
    pub prev_valid: String,
    /// The ready signal that releases it.
    pub next_ready: String,
    /// Width of the side band it registers.
    pub side_bits: u32,
    /// The side band it takes.
    pub prev_side: String,
    /// Whether it registers a datapath level (else only the side band).
    pub data: bool,
}

/// The side band as level `level` reads it: the register of the last stage placed at or before
/// that level, or `side_in` when none is.
pub fn side_after(slots: &[u32], level: u32) -> String {
    match slots.iter().rposition(|&slot| slot <= level) {
        Some(s) => format!("s{s}_side_q"),
        None => "side_in".into(),
    }
}

/// The stages of a unit whose side band is `full_side` bits (the tag, `t` bits, on top) until level
/// `trim_from` is formed, and the tag alone after it: each stage registers its level's value, and a
/// stage that trims takes the top `t` bits of the one before. Also the expression `tag_o` takes
/// (`tag_i` without stages).
pub fn trimmed_side_stages(
    slots: &[u32],
    full_side: u32,
    t: u32,
    trim_from: u32,
    last_ready: &str,
) -> (Vec<StageCtx>, String) {
    let side_of = |level: u32| if level >= trim_from { t } else { full_side };
    let mut stages = uniform_stages(slots, full_side, last_ready);
    for (r, st) in stages.iter_mut().enumerate() {
        let prev_bits = if r == 0 {
            full_side
        } else {
            side_of(slots[r - 1])
        };
        st.side_bits = side_of(st.level);
        if st.side_bits < prev_bits && st.side_bits > 0 {
            st.prev_side = format!("{}[{} -: {}]", st.prev_side, prev_bits - 1, st.side_bits);
        }
    }
    let tag_out = match stages.last() {
        Some(st) if st.side_bits > t => format!("s{}_side_q[{} -: {t}]", st.index, full_side - 1),
        Some(st) => format!("s{}_side_q", st.index),
        None => "tag_i".into(),
    };
    (stages, tag_out)
}

/// The pipeline stages after the levels in `slots`, each registering its level and the whole side
/// band (`side_bits`), the first fed by `in_valid_i` and `side_in`, the last released by
/// `last_ready`.
pub fn uniform_stages(slots: &[u32], side_bits: u32, last_ready: &str) -> Vec<StageCtx> {
    let s = slots.len() as u32;
    slots
        .iter()
        .enumerate()
        .map(|(r, &level)| {
            let r = r as u32;
            StageCtx {
                index: r,
                level,
                prev_valid: if r == 0 {
                    "in_valid_i".into()
                } else {
                    format!("s{}_valid_q", r - 1)
                },
                next_ready: if r + 1 == s {
                    last_ready.into()
                } else {
                    format!("s{}_ready", r + 1)
                },
                side_bits,
                prev_side: if r == 0 {
                    "side_in".into()
                } else {
                    format!("s{}_side_q", r - 1)
                },
                data: true,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The heaviest run of levels between registers of a placement.
    fn heaviest(weights: &[u32], slots: &[u32]) -> u32 {
        let mut start = 0;
        let mut worst = 0;
        for &s in slots {
            worst = worst.max(weights[start..=s as usize].iter().sum());
            start = s as usize + 1;
        }
        worst
    }

    /// The law of weighted placement: the slots rise, the last registers the last level, and no
    /// other placement of as many stages has a lighter heaviest run (checked against every
    /// placement of small cases); with equal weights the runs differ by at most one level.
    #[test]
    fn weighted_placement_minimises_the_heaviest_run() {
        let cases: [&[u32]; 4] = [
            &[10, 34, 15, 16, 17, 18, 19, 20],
            &[10, 25, 15, 15, 16, 17, 18, 19, 20, 19],
            &[5, 5, 5, 5, 5, 5, 5],
            &[0, 60, 1, 1, 1, 1],
        ];
        for w in cases {
            let n = w.len() as u32;
            for s in 1..=n {
                let slots = place_slots(w, s);
                assert_eq!(slots.len() as u32, s);
                assert_eq!(*slots.last().unwrap(), n - 1);
                assert!(slots.windows(2).all(|p| p[0] < p[1]), "{slots:?}");
                // every placement: the last level plus s - 1 of the others
                let best = (0u32..1 << (n - 1))
                    .filter(|m| m.count_ones() == s - 1)
                    .map(|m| {
                        let mut p: Vec<u32> = (0..n - 1).filter(|k| m >> k & 1 == 1).collect();
                        p.push(n - 1);
                        heaviest(w, &p)
                    })
                    .min()
                    .unwrap();
                assert_eq!(heaviest(w, &slots), best, "{w:?}, S = {s}: {slots:?}");
                if w.iter().all(|&x| x == w[0]) {
                    let mut start = 0i64;
                    let runs: Vec<i64> = slots
                        .iter()
                        .map(|&e| {
                            let r = i64::from(e) + 1 - start;
                            start = i64::from(e) + 1;
                            r
                        })
                        .collect();
                    assert!(runs.iter().max().unwrap() - runs.iter().min().unwrap() <= 1);
                }
            }
        }
        // the tree's dip: at S = 5 of HBFP4 x 64 the even spread put a multiplier and an adder
        // level in one run; weighted, the multiplier stands alone
        let tree = [10, 34, 15, 16, 17, 18, 19, 20];
        assert_eq!(spread_slots(8, 5), vec![0, 2, 3, 5, 7]);
        assert_eq!(heaviest(&tree, &spread_slots(8, 5)), 34 + 15);
        assert_eq!(heaviest(&tree, &place_slots(&tree, 5)), 39);
    }
}
