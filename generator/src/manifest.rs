//! The JSON manifest written beside every generated unit: its parameters, ports, latency, derived
//! widths and the generator's version. The verification crate builds its wrappers from it.

use crate::convert::ConvertUnit;
use crate::dot::{DotUnit, IntDotUnit, Level};
use crate::format::BlockFormat;
use crate::mac::{FpMacUnit, MacUnit};
use crate::rtl::{command_line, int_dot_command_line, GENERATOR_VERSION};
use serde::Serialize;

/// Direction of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Driven into the unit.
    Input,
    /// Driven by the unit.
    Output,
}

/// One port of a generated module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Port {
    /// Port name.
    pub name: String,
    /// Direction.
    pub direction: Direction,
    /// Width in bits.
    pub width: u32,
    /// Whether the port is declared signed.
    pub signed: bool,
    /// What the port carries.
    pub description: String,
}

/// The generator that wrote a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GeneratorInfo {
    /// Always `hbfpgen`.
    pub name: &'static str,
    /// The generator's version.
    pub version: &'static str,
    /// The command line that regenerates the unit.
    pub command: String,
}

/// The parameters of an `hbfp_dot` unit as the manifest records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DotParameters {
    /// Mantissa width M (bits, sign included).
    pub mantissa: u32,
    /// Block size B (lanes).
    pub block: u32,
    /// Shared-exponent width E (bits).
    pub exp_bits: u32,
    /// Pipeline stages S.
    pub stages: u32,
    /// Tag width T (bits).
    pub tag_bits: u32,
}

/// Widths and positions derived from the parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DotDerived {
    /// Width of one exact product (2M).
    pub product_bits: u32,
    /// Width W of `sum_o` (2M + floor(log2 B)).
    pub sum_bits: u32,
    /// Width of `exp_o` (E + 1).
    pub exp_out_bits: u32,
    /// Adder-tree levels, ceil(log2 B).
    pub tree_levels: u32,
    /// The largest accepted number of stages.
    pub max_stages: u32,
    /// Most positive and most negative possible sums.
    pub sum_range: [i64; 2],
    /// Exponent code of the canonical zero block.
    pub zero_exp: i64,
    /// Exponent code of a NaN block.
    pub nan_exp: i64,
    /// The datapath levels with their register placement.
    pub levels: Vec<Level>,
}

/// The manifest of an `hbfp_dot` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DotManifest {
    /// The generator.
    pub generator: GeneratorInfo,
    /// The kind of unit: `hbfp_dot`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// The block format of both operands.
    pub format: BlockFormat,
    /// The parameters.
    pub parameters: DotParameters,
    /// Cycles from an accepted input to its output, without back-pressure.
    pub latency: u32,
    /// Operations accepted per cycle without back-pressure.
    pub throughput: u32,
    /// Derived widths.
    pub derived: DotDerived,
    /// Every port, in declaration order.
    pub ports: Vec<Port>,
}

fn port(name: &str, direction: Direction, width: u32, signed: bool, d: &str) -> Port {
    Port {
        name: name.into(),
        direction,
        width,
        signed,
        description: d.into(),
    }
}

/// The ports of the two blocks (`a_man_i`, `a_exp_i`, `b_man_i`, `b_exp_i`; `bus` bits of lanes
/// described by `lanes`, `e`-bit exponents), the tag ports when `t` > 0, and the output handshake.
fn block_ports(ports: &mut Vec<Port>, bus: u32, e: u32, lanes: &str, t: u32) {
    use Direction::{Input, Output};
    ports.extend([
        port("a_man_i", Input, bus, false, &format!("block A: {lanes}")),
        port("a_exp_i", Input, e, true, "block A: shared exponent"),
        port("b_man_i", Input, bus, false, &format!("block B: {lanes}")),
        port("b_exp_i", Input, e, true, "block B: shared exponent"),
    ]);
    if t > 0 {
        ports.push(port(
            "tag_i",
            Input,
            t,
            false,
            "travels unchanged with the operation",
        ));
        ports.push(port(
            "tag_o",
            Output,
            t,
            false,
            "the tag of the operation on the outputs",
        ));
    }
    ports.extend([
        port(
            "out_valid_o",
            Output,
            1,
            false,
            "a result is presented; held until accepted",
        ),
        port(
            "out_ready_i",
            Input,
            1,
            false,
            "the consumer accepts the presented result",
        ),
    ]);
}

/// The clock and reset ports of a unit of `stages` pipeline stages: none when it is combinational.
fn clock_ports(ports: &mut Vec<Port>, stages: u32) {
    if stages > 0 {
        ports.push(port(
            "clk_i",
            Direction::Input,
            1,
            false,
            "clock, rising edge",
        ));
        ports.push(port(
            "rst_ni",
            Direction::Input,
            1,
            false,
            "asynchronous reset, active low (clears valid bits only)",
        ));
    }
}

impl DotManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &DotUnit) -> Self {
        use Direction::{Input, Output};
        let (m, b, e, t) = (
            unit.mantissa_bits(),
            unit.block(),
            unit.exp_bits(),
            unit.tag_bits,
        );
        let lanes =
            format!("{b} lanes of {m}-bit two's-complement mantissas, lane i at [i*{m} +: {m}]");
        let mut ports = Vec::new();
        clock_ports(&mut ports, unit.stages);
        ports.extend([
            port("in_valid_i", Input, 1, false, "an operation is presented"),
            port(
                "in_ready_o",
                Output,
                1,
                false,
                "the unit accepts the presented operation",
            ),
        ]);
        block_ports(&mut ports, unit.man_bus_bits(), e, &lanes, t);
        ports.extend([
            port(
                "sum_o",
                Output,
                unit.sum_bits(),
                true,
                "exact sum of the lane products",
            ),
            port("exp_o", Output, unit.exp_out_bits(), true, "a_exp + b_exp"),
            port("nan_o", Output, 1, false, "either operand is a NaN block"),
        ]);
        DotManifest {
            generator: GeneratorInfo {
                name: "hbfpgen",
                version: GENERATOR_VERSION,
                command: command_line(unit),
            },
            unit: "hbfp_dot",
            module: unit.name.clone(),
            format: unit.format,
            parameters: DotParameters {
                mantissa: m,
                block: b,
                exp_bits: e,
                stages: unit.stages,
                tag_bits: t,
            },
            latency: unit.latency(),
            throughput: 1,
            derived: DotDerived {
                product_bits: unit.product_bits(),
                sum_bits: unit.sum_bits(),
                exp_out_bits: unit.exp_out_bits(),
                tree_levels: unit.tree_levels(),
                max_stages: unit.max_stages(),
                sum_range: [unit.format.max_dot_sum(), unit.format.min_dot_sum()],
                zero_exp: unit.format.scale.zero_exp(),
                nan_exp: unit.format.scale.nan_exp(),
                levels: unit.levels(),
            },
            ports,
        }
    }

    /// The manifest as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the manifest serialises");
        s.push('\n');
        s
    }
}

/// The parameters of an `int_dot` unit as its manifest records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntDotParameters {
    /// Mantissa width M (bits, sign included).
    pub mantissa: u32,
    /// Block size B (lanes).
    pub block: u32,
    /// Pipeline stages S.
    pub stages: u32,
}

/// The manifest of an `int_dot` unit (see [`IntDotUnit`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntDotManifest {
    /// Who wrote the unit, and how to regenerate it.
    pub generator: GeneratorInfo,
    /// Always `int_dot`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// Its parameters.
    pub parameters: IntDotParameters,
    /// Cycles from inputs to `sum_o` (there is no handshake).
    pub latency: u32,
    /// Width of `sum_o`.
    pub sum_bits: u32,
    /// The datapath's levels, as in `hbfp_dot`.
    pub levels: Vec<Level>,
    /// The ports, in declaration order.
    pub ports: Vec<Port>,
}

impl IntDotManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &IntDotUnit) -> Self {
        use Direction::{Input, Output};
        let d = &unit.dot;
        let (m, b) = (d.mantissa_bits(), d.block());
        let lanes =
            format!("{b} lanes of {m}-bit two's-complement integers, lane i at [i*{m} +: {m}]");
        let mut ports = Vec::new();
        if d.stages > 0 {
            ports.push(port("clk_i", Input, 1, false, "clock, rising edge"));
        }
        ports.extend([
            port(
                "a_man_i",
                Input,
                d.man_bus_bits(),
                false,
                &format!("vector A: {lanes}"),
            ),
            port(
                "b_man_i",
                Input,
                d.man_bus_bits(),
                false,
                &format!("vector B: {lanes}"),
            ),
            port(
                "sum_o",
                Output,
                d.sum_bits(),
                true,
                "exact sum of the lane products",
            ),
        ]);
        IntDotManifest {
            generator: GeneratorInfo {
                name: "hbfpgen",
                version: GENERATOR_VERSION,
                command: int_dot_command_line(unit),
            },
            unit: "int_dot",
            module: unit.name.clone(),
            parameters: IntDotParameters {
                mantissa: m,
                block: b,
                stages: d.stages,
            },
            latency: d.latency(),
            sum_bits: d.sum_bits(),
            levels: d.levels(),
            ports,
        }
    }

    /// The manifest as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the manifest serialises");
        s.push('\n');
        s
    }
}

/// Widths and positions derived from the parameters of an `hbfp_convert` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConvertDerived {
    /// Bits per input lane (32 or 16).
    pub lane_bits: u32,
    /// Random bits per lane on `rnd_i` (0 unless stochastic).
    pub random_bits: u32,
    /// Levels of the max tree, ceil(log2 B).
    pub tree_levels: u32,
    /// The largest accepted number of stages.
    pub max_stages: u32,
    /// The range the shared exponent is clamped to.
    pub exp_range: [i64; 2],
    /// The shared exponent's range before clamping (over all finite inputs).
    pub natural_exp_range: [i64; 2],
    /// Exponent code of the canonical zero block.
    pub zero_exp: i64,
    /// Exponent code of a NaN block.
    pub nan_exp: i64,
    /// The datapath levels with their register placement.
    pub levels: Vec<crate::convert::ConvertLevel>,
}

/// The manifest of an `hbfp_convert` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConvertManifest {
    /// The generator.
    pub generator: GeneratorInfo,
    /// The kind of unit: `hbfp_convert`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// The conversion: output block format, input format, rounding, exponent rule, FTZ.
    pub conversion: crate::convert::Converter,
    /// Pipeline stages S.
    pub stages: u32,
    /// Tag width T (bits).
    pub tag_bits: u32,
    /// Cycles from an accepted input to its output, without back-pressure.
    pub latency: u32,
    /// Blocks accepted per cycle without back-pressure.
    pub throughput: u32,
    /// Derived widths.
    pub derived: ConvertDerived,
    /// Every port, in declaration order.
    pub ports: Vec<Port>,
}

impl ConvertManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &ConvertUnit) -> Self {
        use Direction::{Input, Output};
        let (m, b, e, t, r, lw) = (
            unit.mantissa_bits(),
            unit.block(),
            unit.exp_bits(),
            unit.tag_bits,
            unit.random_bits(),
            unit.lane_bits(),
        );
        let mut ports = Vec::new();
        clock_ports(&mut ports, unit.stages);
        ports.extend([
            port(
                "in_valid_i",
                Input,
                1,
                false,
                "a block of floats is presented",
            ),
            port(
                "in_ready_o",
                Output,
                1,
                false,
                "the unit accepts the presented block",
            ),
            port(
                "fp_i",
                Input,
                b * lw,
                false,
                &format!(
                    "{b} lanes of {}, lane i at [i*{lw} +: {lw}]",
                    unit.conv.input.name()
                ),
            ),
        ]);
        if r > 0 {
            ports.push(port(
                "rnd_i",
                Input,
                b * r,
                false,
                &format!(
                    "{r} random bits per lane for stochastic rounding, lane i at [i*{r} +: {r}]"
                ),
            ));
        }
        if t > 0 {
            ports.push(port(
                "tag_i",
                Input,
                t,
                false,
                "travels unchanged with the block",
            ));
            ports.push(port(
                "tag_o",
                Output,
                t,
                false,
                "the tag of the block on the outputs",
            ));
        }
        ports.extend([
            port(
                "out_valid_o",
                Output,
                1,
                false,
                "a block is presented; held until accepted",
            ),
            port(
                "out_ready_i",
                Input,
                1,
                false,
                "the consumer accepts the presented block",
            ),
            port(
                "man_o",
                Output,
                b * m,
                false,
                &format!(
                    "{b} lanes of {m}-bit two's-complement elements, lane i at [i*{m} +: {m}]"
                ),
            ),
            port("exp_o", Output, e, true, "the shared exponent code"),
        ]);
        let scale = unit.conv.format.scale;
        let (lo, hi) = unit.exp_range();
        let (nlo, nhi) = unit.natural_exp_range();
        ConvertManifest {
            generator: GeneratorInfo {
                name: "hbfpgen",
                version: GENERATOR_VERSION,
                command: crate::rtl::convert_command_line(unit),
            },
            unit: "hbfp_convert",
            module: unit.name.clone(),
            conversion: unit.conv,
            stages: unit.stages,
            tag_bits: t,
            latency: unit.latency(),
            throughput: 1,
            derived: ConvertDerived {
                lane_bits: lw,
                random_bits: r,
                tree_levels: unit.tree_levels(),
                max_stages: unit.max_stages(),
                exp_range: [lo, hi],
                natural_exp_range: [nlo, nhi],
                zero_exp: scale.zero_exp(),
                nan_exp: scale.nan_exp(),
                levels: unit.levels(),
            },
            ports,
        }
    }

    /// The manifest as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the manifest serialises");
        s.push('\n');
        s
    }
}

/// Widths derived from the parameters of an `hbfp_mac` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MacDerived {
    /// Width W of a block sum (2M + floor(log2 B)).
    pub sum_bits: u32,
    /// Width n of the accumulator's alignment window.
    pub window_bits: u32,
    /// Width of the accumulator's signed exponent arithmetic.
    pub exp_arith_bits: u32,
    /// The largest accepted number of stages.
    pub max_stages: u32,
    /// Level indices followed by a pipeline register (the dot product's levels, then the
    /// normalisation level).
    pub register_slots: Vec<u32>,
}

/// The manifest of an `hbfp_mac` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MacManifest {
    /// The generator.
    pub generator: GeneratorInfo,
    /// The kind of unit: `hbfp_mac`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// The block format of both operands.
    pub format: BlockFormat,
    /// The accumulator.
    pub accumulator: crate::mac::Accumulator,
    /// Pipeline stages before the accumulator.
    pub stages: u32,
    /// Tag width T (bits).
    pub tag_bits: u32,
    /// Cycles from the last block pair of a dot product to its result, without back-pressure.
    pub latency: u32,
    /// Block pairs accepted per cycle without back-pressure.
    pub throughput: u32,
    /// Derived widths.
    pub derived: MacDerived,
    /// Every port, in declaration order.
    pub ports: Vec<Port>,
}

impl MacManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &MacUnit) -> Self {
        use Direction::{Input, Output};
        let d = &unit.dot;
        let (m, b, e, t) = (d.mantissa_bits(), d.block(), d.exp_bits(), unit.tag_bits);
        let lanes =
            format!("{b} lanes of {m}-bit two's-complement mantissas, lane i at [i*{m} +: {m}]");
        let mut ports = Vec::new();
        clock_ports(&mut ports, 1);
        ports.extend([
            port("in_valid_i", Input, 1, false, "a block pair is presented"),
            port(
                "in_ready_o",
                Output,
                1,
                false,
                "the unit accepts the presented pair",
            ),
            port(
                "a_man_i",
                Input,
                d.man_bus_bits(),
                false,
                &format!("block A: {lanes}"),
            ),
            port("a_exp_i", Input, e, true, "block A: shared exponent"),
            port(
                "b_man_i",
                Input,
                d.man_bus_bits(),
                false,
                &format!("block B: {lanes}"),
            ),
            port("b_exp_i", Input, e, true, "block B: shared exponent"),
        ]);
        accumulating_ports(&mut ports, t, unit.acc.format);
        MacManifest {
            generator: GeneratorInfo {
                name: "hbfpgen",
                version: GENERATOR_VERSION,
                command: crate::rtl::mac_command_line(unit),
            },
            unit: "hbfp_mac",
            module: unit.name.clone(),
            format: d.format,
            accumulator: unit.acc,
            stages: unit.stages,
            tag_bits: t,
            latency: unit.latency(),
            throughput: 1,
            derived: MacDerived {
                sum_bits: d.sum_bits(),
                window_bits: unit.datapath().window_bits(),
                exp_arith_bits: unit.datapath().exp_arith_bits(),
                max_stages: unit.max_stages(),
                register_slots: unit.register_slots(),
            },
            ports,
        }
    }

    /// The manifest as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the manifest serialises");
        s.push('\n');
        s
    }
}

/// The ports that every accumulating unit ends with: the framing (first, last), the tag, the
/// output handshake and the accumulator's result.
fn accumulating_ports(ports: &mut Vec<Port>, t: u32, acc: crate::fp::FpFormat) {
    use Direction::{Input, Output};
    ports.extend([
        port(
            "first_i",
            Input,
            1,
            false,
            "the pair begins a dot product (the accumulator restarts from +0)",
        ),
        port(
            "last_i",
            Input,
            1,
            false,
            "the pair ends a dot product (its result is output)",
        ),
    ]);
    if t > 0 {
        ports.push(port(
            "tag_i",
            Input,
            t,
            false,
            "travels with the pair; the last pair's tag leaves with the result",
        ));
        ports.push(port(
            "tag_o",
            Output,
            t,
            false,
            "the tag of the result's last pair",
        ));
    }
    ports.extend([
        port(
            "out_valid_o",
            Output,
            1,
            false,
            "a result is presented; held until accepted",
        ),
        port(
            "out_ready_i",
            Input,
            1,
            false,
            "the consumer accepts the presented result",
        ),
        port(
            "acc_o",
            Output,
            acc.bits(),
            false,
            &format!("the dot product as a {acc} bit pattern"),
        ),
    ]);
}

/// The manifest of an `fp_mac` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FpMacManifest {
    /// The generator.
    pub generator: GeneratorInfo,
    /// The kind of unit: `fp_mac`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// The operand format and the accumulator.
    pub mac: crate::mac::FpMac,
    /// Pipeline stages before the accumulator.
    pub stages: u32,
    /// Tag width T (bits).
    pub tag_bits: u32,
    /// Cycles from the last operand pair of a dot product to its result, without back-pressure.
    pub latency: u32,
    /// Operand pairs accepted per cycle without back-pressure.
    pub throughput: u32,
    /// The accumulator loop's widths: the product is its addend.
    pub accumulator_datapath: crate::mac::AccumulatorDatapath,
    /// Every port, in declaration order.
    pub ports: Vec<Port>,
}

impl FpMacManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &FpMacUnit) -> Self {
        use Direction::{Input, Output};
        let ob = unit.mac.operand.bits();
        let t = unit.tag_bits;
        let mut ports = Vec::new();
        clock_ports(&mut ports, 1);
        ports.extend([
            port(
                "in_valid_i",
                Input,
                1,
                false,
                "an operand pair is presented",
            ),
            port(
                "in_ready_o",
                Output,
                1,
                false,
                "the unit accepts the presented pair",
            ),
            port(
                "a_i",
                Input,
                ob,
                false,
                &format!("operand a, {}", unit.mac.operand),
            ),
            port(
                "b_i",
                Input,
                ob,
                false,
                &format!("operand b, {}", unit.mac.operand),
            ),
        ]);
        accumulating_ports(&mut ports, t, unit.mac.acc.format);
        FpMacManifest {
            generator: GeneratorInfo {
                name: "hbfpgen",
                version: GENERATOR_VERSION,
                command: crate::rtl::fp_mac_command_line(unit),
            },
            unit: "fp_mac",
            module: unit.name.clone(),
            mac: unit.mac,
            stages: unit.stages,
            tag_bits: t,
            latency: unit.latency(),
            throughput: 1,
            accumulator_datapath: unit.datapath(),
            ports,
        }
    }

    /// The manifest as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the manifest serialises");
        s.push('\n');
        s
    }
}

/// One built mode of an `hbfp_mixed_dot` unit, as its manifest records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MixedMode {
    /// The value of `mode_i` that selects it.
    pub code: u32,
    /// The operand mantissa width M (bits, sign included).
    pub mantissa: u32,
    /// Radix-8 digits per element (k).
    pub digits: u32,
    /// Cycles per block pair (k * k): one operation is accepted every this many cycles.
    pub cycles_per_block: u32,
    /// Cycles from the first cycle an operation is presented to its result, without
    /// back-pressure.
    pub latency: u32,
    /// The beats of the schedule, in order.
    pub schedule: Vec<crate::mixed::Beat>,
    /// Width of `hbfp_dot`'s sum for this mode; `sum_o` holds it sign-extended.
    pub sum_bits: u32,
}

/// The manifest of an `hbfp_mixed_dot` unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MixedManifest {
    /// The generator.
    pub generator: GeneratorInfo,
    /// The kind of unit: `hbfp_mixed_dot`.
    pub unit: &'static str,
    /// The module name.
    pub module: String,
    /// The parameters (`modes`, `block`, `exp_bits`, `stages`, `tag_bits`).
    pub parameters: crate::mixed::MixedSpec,
    /// The built modes, by code.
    pub modes: Vec<MixedMode>,
    /// Width of each lane on `a_man_i` and `b_man_i` (the widest mode).
    pub lane_bits: u32,
    /// Width of `sum_o`.
    pub sum_bits: u32,
    /// The largest accepted number of stages.
    pub max_stages: u32,
    /// The 4-bit datapath's levels with their register placement (the accumulator follows).
    pub levels: Vec<Level>,
    /// Every port, in declaration order.
    pub ports: Vec<Port>,
}

impl MixedManifest {
    /// The manifest of `unit`.
    pub fn of(unit: &crate::mixed::MixedUnit) -> Self {
        use crate::mixed::{digit_count, schedule, MixedUnit};
        use Direction::{Input, Output};
        let (b, e, t, l, mb) = (
            unit.block(),
            unit.exp_bits(),
            unit.tag_bits,
            unit.lane_bits(),
            unit.mode_bits(),
        );
        let codes = unit
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
        let mut ports = Vec::new();
        clock_ports(&mut ports, 1);
        ports.extend([
            port("in_valid_i", Input, 1, false, "an operation is presented"),
            port(
                "in_ready_o",
                Output,
                1,
                false,
                "the unit accepts the presented operation (in the last cycle of its schedule; \
                 depends on mode_i)",
            ),
        ]);
        if mb > 0 {
            ports.push(port(
                "mode_i",
                Input,
                mb,
                false,
                &format!("the operation's mode: {codes}; another code gives a NaN result"),
            ));
        }
        block_ports(&mut ports, unit.man_bus_bits(), e, &lanes, t);
        ports.extend([
            port(
                "sum_o",
                Output,
                unit.sum_bits(),
                true,
                "exact sum of the lane products, as hbfp_dot of the mode's width (sign-extended); \
                 0 for an invalid mode code",
            ),
            port("exp_o", Output, unit.exp_out_bits(), true, "a_exp + b_exp"),
            port(
                "nan_o",
                Output,
                1,
                false,
                "either operand is a NaN block, or the mode code is invalid",
            ),
        ]);
        if mb > 0 {
            ports.push(port(
                "mode_o",
                Output,
                mb,
                false,
                "the mode code of the result",
            ));
        }
        MixedManifest {
            generator: GeneratorInfo {
                name: "hbfpgen",
                version: GENERATOR_VERSION,
                command: crate::rtl::mixed_command_line(unit),
            },
            unit: "hbfp_mixed_dot",
            module: unit.name.clone(),
            parameters: crate::mixed::MixedSpec {
                modes: Some(unit.modes.clone()),
                block: Some(b),
                exp_bits: Some(e),
                stages: Some(crate::dot::Stages::Count(unit.stages())),
                tag_bits: Some(t),
                name: None,
            },
            modes: unit
                .modes
                .iter()
                .enumerate()
                .map(|(code, &m)| MixedMode {
                    code: code as u32,
                    mantissa: m,
                    digits: digit_count(m),
                    cycles_per_block: MixedUnit::cycles_per_block(m),
                    latency: unit.latency(m),
                    schedule: schedule(m),
                    sum_bits: unit.format_of(m).dot_sum_bits(),
                })
                .collect(),
            lane_bits: l,
            sum_bits: unit.sum_bits(),
            max_stages: unit.max_stages(),
            levels: unit.lanes.levels(),
            ports,
        }
    }

    /// The manifest as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the manifest serialises");
        s.push('\n');
        s
    }
}
