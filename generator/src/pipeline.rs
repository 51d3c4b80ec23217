//! Pipeline placement, shared by every unit: how many stages the user asked for ([`Stages`]),
//! how they resolve against a unit's maximum, and where the registers go ([`spread_slots`]).

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
