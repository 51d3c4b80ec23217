//! `hbfpgen`: the command line over the `hbfpgen` library.

use clap::{Args, Parser, Subcommand};
use hbfpgen::dot::{DotSpec, Stages};
use hbfpgen::{dot_files, output, vectors, Result};
use std::path::PathBuf;
use std::process::ExitCode;

/// Generates bit-exact SystemVerilog for HBFP (hybrid block floating point) arithmetic units,
/// with manifests, test vectors from the golden model, and self-checking testbenches.
///
/// Numerics: docs/numerics.md. Vector file format: docs/vectors.md.
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
}

#[derive(Subcommand)]
enum InfoUnit {
    /// Information on an hbfp_dot unit.
    Dot {
        #[command(flatten)]
        unit: DotArgs,
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
        Command::Info {
            unit: InfoUnit::Dot { unit },
        } => {
            let unit = unit.resolve()?;
            print!("{}", hbfpgen::manifest::DotManifest::of(&unit).to_json());
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
