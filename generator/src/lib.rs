//! # hbfpgen
//!
//! A generator of bit-exact, synthesisable SystemVerilog for hybrid block floating point (HBFP)
//! arithmetic, with the golden model of every unit it emits.
//!
//! Each unit lives in one folder of [`units`] and implements [`unit::Unit`] once: its spec
//! (parameters, defaults, ranges) resolves into its plan (every width and register position,
//! computed in one place), from which its golden model, ports, RTL, manifest, vectors and
//! testbench derive. [`units::REGISTRY`] lists the units; the command line, the FPGA flow
//! ([`synth`], [`sweep`]) and the verification crate reach every unit through it. The shared
//! foundations below the units: number formats ([`format`], [`fp`]), the exact block dot product
//! ([`model`]), pipeline placement ([`pipeline`]), the shared datapaths ([`datapath`],
//! [`accumulate`]), ports ([`ports`]), template rendering and provenance ([`render`]), manifests
//! ([`manifest`]), vector files ([`vectors`]), the testbench ([`testbench`]) and file output
//! ([`output`]). The numeric rules are specified in `docs/numerics.md`; the map is
//! `docs/architecture.md`.
//!
//! ```
//! use hbfpgen::dot::{DotSpec, Stages};
//! use hbfpgen::model::Block;
//! use hbfpgen::unit::Unit;
//!
//! let unit = DotSpec { mantissa: Some(4), block: Some(3), stages: Some(Stages::Max), ..Default::default() }
//!     .resolve()
//!     .unwrap();
//! assert_eq!(unit.sum_bits(), 2 * 4 + 1); // 2M + floor(log2 B)
//! let a = Block { exp: 2, man: vec![7, -8, 3] };
//! let b = Block { exp: -1, man: vec![-8, -8, 5] };
//! let r = unit.dot(&a, &b).unwrap();
//! assert_eq!((r.sum, r.exp, r.nan), (23, 1, false));
//! let sv = unit.sv().unwrap();
//! assert!(sv.contains(&format!("module hbfp_dot_m4_b3_e10_s{}", unit.max_stages())));
//! ```
#![deny(missing_docs)]

pub mod acc_loop;
pub mod accumulate;
pub mod bitheap;
pub mod compare;
pub mod datapath;
pub mod design;
pub mod error;
pub mod format;
pub mod fp;
pub mod fusesoc;
pub mod ident;
pub mod manifest;
pub mod matrix;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod ports;
pub mod render;
pub mod sweep;
pub mod synth;
pub mod testbench;
pub mod unit;
pub mod units;
pub mod vectors;
pub mod wrapper;

pub use error::{Error, Result};
/// The units by name, for short paths (`hbfpgen::dot::DotSpec`).
pub use units::{convert, dot, fp_mac, int_dot, mac, mixed, mx_convert, mx_dot, mx_mac};
