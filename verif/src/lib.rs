//! # hbfp-verif
//!
//! Co-simulation of the units that `hbfpgen` emits, for any configuration of any unit in the
//! registry, and for RTL the user edited. [`compile::build`] verilates a unit's RTL, compiles it
//! and a C ABI shim laid out from the unit's ports ([`layout`], [`shim`]) with the `cc` crate into
//! a shared library in a cache keyed by the RTL's hash, and loads it. [`sim::Sim`] drives one
//! instance cycle by cycle; [`stream::run`] plays a [`stream::Case`] of vector words (input gaps,
//! output stalls, resets) through it and checks every output against the golden model's and every
//! handshake law; [`props`] runs that under proptest and, on a failure, saves the shrunk case and
//! a VCD waveform and gives the command that replays it. [`cosim::run`] is `hbfpgen cosim`.
//!
//! The laws are listed in `docs/verification.md`.
#![deny(missing_docs)]

pub mod compile;
pub mod cosim;
pub mod datapath;
/// The units of the datapath demonstration.
pub mod datapath_units;
mod driver;
pub mod formal;
pub mod formal_datapath;
/// Where each port lives in the word buffers that cross the FFI.
pub mod layout;
pub mod matrix;
pub mod props;
pub mod shim;
pub mod sim;
pub mod stream;

use std::os::raw::{c_char, c_int, c_void};

/// The target triple this crate was built for: the C++ of the models is compiled for it.
pub const VERIF_TARGET: &str = env!("VERIF_TARGET");

/// The C functions of one compiled model (the same ABI for every model).
#[derive(Clone, Copy, Debug)]
pub struct ModelFns {
    pub(crate) new: unsafe extern "C" fn() -> *mut c_void,
    pub(crate) free: unsafe extern "C" fn(*mut c_void),
    pub(crate) trace: unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int,
    pub(crate) step: unsafe extern "C" fn(*mut c_void, *const u32, *mut u32),
    pub(crate) cxx_loop: unsafe extern "C" fn(
        *mut c_void,
        *const u32,
        usize,
        *const u32,
        usize,
        u64,
        *mut u64,
    ) -> u64,
}
