//! The `hbfp_dot` unit: the parameters of a block dot-product unit, their validation, and every width
//! and pipeline position derived from them. The golden model, the emitted RTL, the manifest, the
//! testbench and the tests all read these values from here.

use crate::error::{Error, Result};
use crate::format::{check_range, BlockFormat, EXP_BITS_DEFAULT};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Largest accepted tag width (bits).
pub const TAG_BITS_MAX: u32 = 64;
/// Default mantissa width of the default unit (HBFP4).
pub const MANTISSA_DEFAULT: u32 = 4;
/// Default block size of the default unit.
pub const BLOCK_DEFAULT: u32 = 64;

/// How many pipeline register stages to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stages {
    /// Exactly this many stages (0 = combinational).
    Count(u32),
    /// The unit's maximum: a register after the inputs, after the multipliers and after every adder
    /// level. Spelt `max`.
    Max,
}

impl Serialize for Stages {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Stages::Count(n) => s.serialize_u32(*n),
            Stages::Max => s.serialize_str("max"),
        }
    }
}

impl<'de> Deserialize<'de> for Stages {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Stages;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number of stages or \"max\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Stages, E> {
                u32::try_from(v).map(Stages::Count).map_err(|_| {
                    E::custom(format!("stages must be 0 or more, or \"max\"; found {v}"))
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Stages, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(-1))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Stages, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl std::str::FromStr for Stages {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "max" {
            Ok(Stages::Max)
        } else {
            s.parse::<u32>()
                .map(Stages::Count)
                .map_err(|_| format!("expected a whole number or `max`, found {s:?}"))
        }
    }
}

impl std::fmt::Display for Stages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stages::Count(n) => write!(f, "{n}"),
            Stages::Max => f.write_str("max"),
        }
    }
}

/// The user's description of a dot-product unit, as given on the command line or in a TOML file.
/// Unset fields take the defaults of [`DotSpec::resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DotSpec {
    /// Mantissa width M in bits, sign included (2 to 16; default 4).
    pub mantissa: Option<u32>,
    /// Block size B in elements (1 to 4096; default 64).
    pub block: Option<u32>,
    /// Shared-exponent width E in bits (2 to 16; default 10).
    pub exp_bits: Option<u32>,
    /// Pipeline stages (0 to the unit's maximum, or `max`; default `max`).
    pub stages: Option<Stages>,
    /// Width of the tag that travels with each operation (0 to 64; default 0).
    pub tag_bits: Option<u32>,
    /// Module name (default: one that encodes the parameters).
    pub name: Option<String>,
}

impl DotSpec {
    /// Reads a spec from a TOML file; unknown keys and wrong types are errors.
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = crate::output::read_text(path)?;
        Self::from_toml_str(&text).map_err(|message| Error::Config {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses a spec from TOML text; the error is a message naming the key at fault.
    pub fn from_toml_str(text: &str) -> std::result::Result<Self, String> {
        toml::from_str(text).map_err(|e| {
            crate::output::toml_message(
                text,
                &e,
                "mantissa, block, exp_bits, stages, tag_bits, name",
            )
        })
    }

    /// This spec with every field that `over` sets taken from `over`.
    pub fn overridden_by(self, over: &DotSpec) -> DotSpec {
        DotSpec {
            mantissa: over.mantissa.or(self.mantissa),
            block: over.block.or(self.block),
            exp_bits: over.exp_bits.or(self.exp_bits),
            stages: over.stages.or(self.stages),
            tag_bits: over.tag_bits.or(self.tag_bits),
            name: over.name.clone().or(self.name),
        }
    }

    /// Validates the spec and derives the unit.
    pub fn resolve(&self) -> Result<DotUnit> {
        let format = BlockFormat::hbfp(
            self.mantissa.unwrap_or(MANTISSA_DEFAULT),
            self.block.unwrap_or(BLOCK_DEFAULT),
            self.exp_bits.unwrap_or(EXP_BITS_DEFAULT),
        )?;
        let max = DotUnit::max_stages_for(format);
        let stages = resolve_stages(self.stages, max, format.block)?;
        let tag_bits = self.tag_bits.unwrap_or(0);
        check_range("tag_bits", tag_bits, 0, TAG_BITS_MAX)?;
        let name = resolve_name(self.name.as_deref(), || {
            default_name(format, stages, tag_bits)
        })?;
        Ok(DotUnit {
            format,
            stages,
            tag_bits,
            name,
        })
    }
}

/// A validated `hbfp_dot` unit: the one parameter type the model, RTL, manifest and tests derive from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DotUnit {
    /// The block format of both operands.
    pub format: BlockFormat,
    /// Number of pipeline register stages (the latency in cycles).
    pub stages: u32,
    /// Width of the tag that travels with each operation (0 = no tag ports).
    pub tag_bits: u32,
    /// The SystemVerilog module name (also the output files' stem).
    pub name: String,
}

/// One level of the datapath: the values present at one register slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Level {
    /// Index of the level (0 = inputs, 1 = products, 2.. = adder-tree levels).
    pub index: u32,
    /// Number of values at this level.
    pub count: u32,
    /// Width of each value (bits); for level 0, the width of one mantissa.
    pub width: u32,
    /// Whether a pipeline register follows this level.
    pub registered: bool,
}

impl DotUnit {
    /// Number of adder-tree levels, `ceil(log2 B)`.
    pub fn tree_levels(&self) -> u32 {
        Self::tree_levels_for(self.format)
    }

    /// Number of adder-tree levels of a block format, `ceil(log2 B)`.
    pub fn tree_levels_for(format: BlockFormat) -> u32 {
        format.block.next_power_of_two().ilog2()
    }

    /// The maximum number of pipeline stages for a block format: one register slot after the
    /// inputs, one after the multipliers and one after each adder-tree level.
    pub fn max_stages_for(format: BlockFormat) -> u32 {
        Self::tree_levels_for(format) + 2
    }

    /// The maximum number of pipeline stages of this unit.
    pub fn max_stages(&self) -> u32 {
        Self::max_stages_for(self.format)
    }

    /// Latency in cycles from an accepted input to its valid output, without back-pressure.
    pub fn latency(&self) -> u32 {
        self.stages
    }

    /// Mantissa width M.
    pub fn mantissa_bits(&self) -> u32 {
        self.format.element.bits()
    }

    /// Shared-exponent width E.
    pub fn exp_bits(&self) -> u32 {
        self.format.scale.bits()
    }

    /// Block size B.
    pub fn block(&self) -> u32 {
        self.format.block
    }

    /// Width W of `sum_o`.
    pub fn sum_bits(&self) -> u32 {
        self.format.dot_sum_bits()
    }

    /// Width of `exp_o` (E + 1).
    pub fn exp_out_bits(&self) -> u32 {
        self.format.scale.sum_bits()
    }

    /// Width of one exact element product (2M).
    pub fn product_bits(&self) -> u32 {
        self.format.element.product_bits()
    }

    /// Width of `a_man_i` and `b_man_i` (B * M).
    pub fn man_bus_bits(&self) -> u32 {
        self.block() * self.mantissa_bits()
    }

    /// The register slots (level indices) that hold a pipeline register, spread evenly: with
    /// N = [`Self::max_stages`] slots and S stages, stage k (0-based) sits after level
    /// `floor((k + 1) * N / S) - 1`, so S = 1 registers the output and S = N every level.
    pub fn register_slots(&self) -> Vec<u32> {
        spread_slots(self.max_stages(), self.stages)
    }

    /// The datapath's levels, inputs first, with the pipeline registers placed.
    pub fn levels(&self) -> Vec<Level> {
        self.levels_with(&self.register_slots())
    }

    /// The datapath's levels with pipeline registers after the levels in `slots` (a unit that
    /// builds on this datapath places its own registers).
    pub fn levels_with(&self, slots: &[u32]) -> Vec<Level> {
        let b = self.block();
        let mut levels = vec![
            Level {
                index: 0,
                count: b,
                width: self.mantissa_bits(),
                registered: false,
            },
            Level {
                index: 1,
                count: b,
                width: self.product_bits(),
                registered: false,
            },
        ];
        let mut count = b;
        for t in 1..=self.tree_levels() {
            count = count.div_ceil(2);
            let covered = (1u32 << t).min(b);
            levels.push(Level {
                index: t + 1,
                count,
                width: self.format.partial_sum_bits(covered),
                registered: false,
            });
        }
        for l in &mut levels {
            l.registered = slots.contains(&l.index);
        }
        levels
    }
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

/// A unit's module name: `name` when given (it must be a usable identifier), else `default()`.
pub fn resolve_name(name: Option<&str>, default: impl FnOnce() -> String) -> Result<String> {
    match name {
        Some(n) => {
            check_identifier(n)?;
            Ok(n.to_owned())
        }
        None => Ok(default()),
    }
}

/// The default module name, which encodes the parameters.
pub fn default_name(format: BlockFormat, stages: u32, tag_bits: u32) -> String {
    let mut n = format!(
        "hbfp_dot_m{}_b{}_e{}_s{}",
        format.element.bits(),
        format.block,
        format.scale.bits(),
        stages
    );
    if tag_bits > 0 {
        n.push_str(&format!("_t{tag_bits}"));
    }
    n
}

/// An `int_dot` unit: the integer datapath of an `hbfp_dot` unit alone (products and adder tree, with
/// the same pipeline registers), with no exponent, NaN flag or handshake. It is the floor that the
/// synthesis reports compare `hbfp_dot` against. Its geometry is the wrapped [`DotUnit`]'s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntDotUnit {
    /// The `hbfp_dot` unit whose datapath this is (its exponent and tag play no part).
    pub dot: DotUnit,
    /// The SystemVerilog module name.
    pub name: String,
}

impl IntDotUnit {
    /// The `int_dot` unit of the same mantissa width, block and stages as `dot`, named `name` or
    /// `int_dot_m<M>_b<B>_s<S>`.
    pub fn of(dot: &DotUnit, name: Option<&str>) -> Result<Self> {
        let name = match name {
            Some(n) => {
                check_identifier(n)?;
                n.to_owned()
            }
            None => format!(
                "int_dot_m{}_b{}_s{}",
                dot.mantissa_bits(),
                dot.block(),
                dot.stages
            ),
        };
        Ok(IntDotUnit {
            dot: dot.clone(),
            name,
        })
    }
}

/// SystemVerilog (IEEE 1800-2017) reserved words, which cannot name a module.
const SV_KEYWORDS: &[&str] = &[
    "accept_on",
    "alias",
    "always",
    "always_comb",
    "always_ff",
    "always_latch",
    "and",
    "assert",
    "assign",
    "assume",
    "automatic",
    "before",
    "begin",
    "bind",
    "bins",
    "binsof",
    "bit",
    "break",
    "buf",
    "bufif0",
    "bufif1",
    "byte",
    "case",
    "casex",
    "casez",
    "cell",
    "chandle",
    "checker",
    "class",
    "clocking",
    "cmos",
    "config",
    "const",
    "constraint",
    "context",
    "continue",
    "cover",
    "covergroup",
    "coverpoint",
    "cross",
    "deassign",
    "default",
    "defparam",
    "design",
    "disable",
    "dist",
    "do",
    "edge",
    "else",
    "end",
    "endcase",
    "endchecker",
    "endclass",
    "endclocking",
    "endconfig",
    "endfunction",
    "endgenerate",
    "endgroup",
    "endinterface",
    "endmodule",
    "endpackage",
    "endprimitive",
    "endprogram",
    "endproperty",
    "endspecify",
    "endsequence",
    "endtable",
    "endtask",
    "enum",
    "event",
    "eventually",
    "expect",
    "export",
    "extends",
    "extern",
    "final",
    "first_match",
    "for",
    "force",
    "foreach",
    "forever",
    "fork",
    "forkjoin",
    "function",
    "generate",
    "genvar",
    "global",
    "highz0",
    "highz1",
    "if",
    "iff",
    "ifnone",
    "ignore_bins",
    "illegal_bins",
    "implements",
    "implies",
    "import",
    "incdir",
    "include",
    "initial",
    "inout",
    "input",
    "inside",
    "instance",
    "int",
    "integer",
    "interconnect",
    "interface",
    "intersect",
    "join",
    "join_any",
    "join_none",
    "large",
    "let",
    "liblist",
    "library",
    "local",
    "localparam",
    "logic",
    "longint",
    "macromodule",
    "matches",
    "medium",
    "modport",
    "module",
    "nand",
    "negedge",
    "nettype",
    "new",
    "nexttime",
    "nmos",
    "nor",
    "noshowcancelled",
    "not",
    "notif0",
    "notif1",
    "null",
    "or",
    "output",
    "package",
    "packed",
    "parameter",
    "pmos",
    "posedge",
    "primitive",
    "priority",
    "program",
    "property",
    "protected",
    "pull0",
    "pull1",
    "pulldown",
    "pullup",
    "pulsestyle_ondetect",
    "pulsestyle_onevent",
    "pure",
    "rand",
    "randc",
    "randcase",
    "randsequence",
    "rcmos",
    "real",
    "realtime",
    "ref",
    "reg",
    "reject_on",
    "release",
    "repeat",
    "restrict",
    "return",
    "rnmos",
    "rpmos",
    "rtran",
    "rtranif0",
    "rtranif1",
    "s_always",
    "s_eventually",
    "s_nexttime",
    "s_until",
    "s_until_with",
    "scalared",
    "sequence",
    "shortint",
    "shortreal",
    "showcancelled",
    "signed",
    "small",
    "soft",
    "solve",
    "specify",
    "specparam",
    "static",
    "string",
    "strong",
    "strong0",
    "strong1",
    "struct",
    "super",
    "supply0",
    "supply1",
    "sync_accept_on",
    "sync_reject_on",
    "table",
    "tagged",
    "task",
    "this",
    "throughout",
    "time",
    "timeprecision",
    "timeunit",
    "tran",
    "tranif0",
    "tranif1",
    "tri",
    "tri0",
    "tri1",
    "triand",
    "trior",
    "trireg",
    "type",
    "typedef",
    "union",
    "unique",
    "unique0",
    "unsigned",
    "until",
    "until_with",
    "untyped",
    "use",
    "uwire",
    "var",
    "vectored",
    "virtual",
    "void",
    "wait",
    "wait_order",
    "wand",
    "weak",
    "weak0",
    "weak1",
    "while",
    "wildcard",
    "wire",
    "with",
    "within",
    "wor",
    "xnor",
    "xor",
];

/// Checks that `name` can name a module and its files: an SV identifier without `$`, not a keyword.
pub fn check_identifier(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok_start = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_');
    let ok_rest = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok_start && ok_rest && name.len() <= 128 && !SV_KEYWORDS.contains(&name) {
        Ok(())
    } else {
        Err(Error::BadName {
            name: name.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(m: u32, b: u32, s: Stages) -> DotUnit {
        DotSpec {
            mantissa: Some(m),
            block: Some(b),
            stages: Some(s),
            ..Default::default()
        }
        .resolve()
        .unwrap()
    }

    #[test]
    fn register_slots_are_distinct_increasing_and_end_at_the_output() {
        for b in [1u32, 2, 3, 16, 64, 100, 4096] {
            let n = unit(4, b, Stages::Max).max_stages();
            for s in 0..=n {
                let u = unit(4, b, Stages::Count(s));
                let slots = u.register_slots();
                assert_eq!(slots.len() as u32, s);
                assert!(slots.windows(2).all(|w| w[0] < w[1]), "{slots:?}");
                if s > 0 {
                    assert_eq!(*slots.last().unwrap(), n - 1, "output registered");
                }
                assert_eq!(u.levels().iter().filter(|l| l.registered).count() as u32, s);
            }
        }
    }

    #[test]
    fn tree_reduces_to_one_value_of_the_sum_width() {
        for b in 1..=300u32 {
            let u = unit(6, b, Stages::Max);
            let levels = u.levels();
            let last = levels.last().unwrap();
            assert_eq!(last.count, 1, "B = {b}");
            assert_eq!(last.width, u.sum_bits(), "B = {b}");
            assert_eq!(levels.len() as u32, u.max_stages());
        }
    }

    #[test]
    fn stages_above_the_maximum_are_rejected_with_the_range() {
        let e = DotSpec {
            block: Some(64),
            stages: Some(Stages::Count(9)),
            ..Default::default()
        }
        .resolve()
        .unwrap_err()
        .to_string();
        assert!(e.contains("`stages`") && e.contains("0 to 8"), "{e}");
    }

    #[test]
    fn identifiers() {
        for good in ["a", "_x", "hbfp_dot_m4", "Unit9"] {
            check_identifier(good).unwrap();
        }
        for bad in ["", "9a", "a-b", "a$b", "module", "a b", "ü"] {
            assert!(check_identifier(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn toml_rejects_unknown_keys_and_wrong_types() {
        let e = DotSpec::from_toml_str("mantisa = 4\n").unwrap_err();
        assert!(e.contains("mantisa") && e.contains("keys:"), "{e}");
        let e = DotSpec::from_toml_str("block = \"wide\"\n").unwrap_err();
        assert!(e.contains("block") || e.contains("integer"), "{e}");
        let e = DotSpec::from_toml_str("stages = \"most\"\n").unwrap_err();
        assert!(e.contains("max"), "{e}");
        let s = DotSpec::from_toml_str("mantissa = 8\nstages = \"max\"\nblock = 3\n").unwrap();
        assert_eq!(s.stages, Some(Stages::Max));
        assert_eq!(s.resolve().unwrap().stages, 4);
    }
}
