//! # hbfp-verif
//!
//! Co-simulation of the units that `hbfpgen` emits. The build script generates the RTL of a matrix
//! of configurations through the `hbfpgen` library, compiles each with Verilator into this crate, and
//! writes a C ABI shim and the table [`MODELS`] from each unit's manifest. [`dut::Dut`] drives one
//! model cycle by cycle; [`harness::run`] plays a [`harness::Case`] (operations, input gaps, output
//! stalls, resets) through it and checks every output against the golden model and every handshake
//! law; [`check::check`] runs that as a proptest property and, on a failure, writes the shrunk case
//! and a VCD waveform and gives the command that replays it.
//!
//! The laws are listed in `docs/verification.md`.
#![deny(missing_docs)]

pub mod check;
pub mod datapath;
/// The units of the datapath demonstration (shared with the build script).
pub mod datapath_units;
pub mod dut;
pub mod formal;
pub mod harness;
/// Where each port lives in the word buffers that cross the FFI (shared with the build script).
pub mod layout;
pub mod strategy;

pub use hbfpgen::dot::emit::Fault;
use hbfpgen::dot::{DotSpec, DotUnit, Stages};
use std::os::raw::{c_char, c_int, c_void};

/// The C functions of one compiled model (the same ABI for every model).
#[derive(Clone, Copy, Debug)]
pub struct ModelFns {
    pub(crate) new: unsafe extern "C" fn() -> *mut c_void,
    pub(crate) free: unsafe extern "C" fn(*mut c_void),
    pub(crate) trace: unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int,
    pub(crate) step: unsafe extern "C" fn(*mut c_void, *const u32, *mut u32),
    pub(crate) cxx_loop:
        unsafe extern "C" fn(*mut c_void, *const u32, *const u32, usize, u64, *mut u64) -> u64,
}

/// One Verilated model compiled into this crate: the parameters of its unit and its functions.
#[derive(Clone, Copy, Debug)]
pub struct ModelInfo {
    /// The module name (and the `--prefix` of its C++ class, with a `V`).
    pub name: &'static str,
    /// Mantissa width M.
    pub mantissa: u32,
    /// Block size B.
    pub block: u32,
    /// Exponent width E.
    pub exp_bits: u32,
    /// Pipeline stages S.
    pub stages: u32,
    /// Tag width T.
    pub tag_bits: u32,
    /// A deliberate defect built into the model (only in the models that check the checker).
    pub fault: Option<Fault>,
    pub(crate) fns: ModelFns,
}

impl ModelInfo {
    /// The unit this model was generated from (the same `DotUnit` the build script used).
    pub fn unit(&self) -> DotUnit {
        DotSpec {
            mantissa: Some(self.mantissa),
            block: Some(self.block),
            exp_bits: Some(self.exp_bits),
            stages: Some(Stages::Count(self.stages)),
            tag_bits: Some(self.tag_bits),
            name: Some(self.name.to_owned()),
        }
        .resolve()
        .expect("compiled models are valid units")
    }

    /// The model called `name`.
    pub fn by_name(name: &str) -> Option<&'static ModelInfo> {
        MODELS.iter().find(|m| m.name == name)
    }

    /// The models without a fault: the matrix proper.
    pub fn correct() -> impl Iterator<Item = &'static ModelInfo> {
        MODELS.iter().filter(|m| m.fault.is_none())
    }
}

/// A compiled datapath model (a converter or an accumulator of [`datapath_units`]).
#[derive(Clone, Copy, Debug)]
pub struct DatapathModel {
    /// The module name.
    pub name: &'static str,
    pub(crate) fns: ModelFns,
}

mod models {
    #![allow(missing_docs)]
    use super::{DatapathModel, ModelFns, ModelInfo};
    #[allow(unused_imports)]
    use hbfpgen::dot::emit::Fault;
    include!(concat!(env!("OUT_DIR"), "/models.rs"));
}
pub use models::{DATAPATH_MODELS, MODELS, VERILATOR_VERSION};
