//! # hbfpgen
//!
//! A generator of bit-exact, synthesisable SystemVerilog for hybrid block floating point (HBFP)
//! arithmetic, with the golden model of every unit it emits.
//!
//! One parameter type describes a unit ([`dot::DotUnit`]); the golden model ([`model`]), the emitted
//! RTL ([`rtl`]), the manifest ([`manifest`]), the test vectors ([`vectors`]) and the tests all derive
//! from it. The numeric rules are specified in `docs/numerics.md`.
//!
//! ```
//! use hbfpgen::dot::{DotSpec, Stages};
//! use hbfpgen::model::Block;
//!
//! let unit = DotSpec { mantissa: Some(4), block: Some(3), stages: Some(Stages::Max), ..Default::default() }
//!     .resolve()
//!     .unwrap();
//! assert_eq!(unit.sum_bits(), 2 * 4 + 1); // 2M + floor(log2 B)
//! let a = Block { exp: 2, man: vec![7, -8, 3] };
//! let b = Block { exp: -1, man: vec![-8, -8, 5] };
//! let r = unit.dot(&a, &b).unwrap();
//! assert_eq!((r.sum, r.exp, r.nan), (23, 1, false));
//! let sv = hbfpgen::rtl::dot_sv(&unit).unwrap();
//! assert!(sv.contains("module hbfp_dot_m4_b3_e10_s4"));
//! ```
#![deny(missing_docs)]

pub mod convert;
pub mod convert_vectors;
pub mod dot;
pub mod error;
pub mod format;
pub mod fp;
pub mod mac;
pub mod mac_vectors;
pub mod manifest;
pub mod mixed;
pub mod mixed_vectors;
pub mod model;
pub mod output;
pub mod plot;
pub mod rtl;
pub mod sweep;
pub mod synth;
pub mod vectors;
pub mod wrapper;

pub use error::{Error, Result};

/// The files that `hbfpgen gen dot` writes for `unit`, as (file name, contents), all rendered.
pub fn dot_files(unit: &dot::DotUnit, testbench: bool) -> Result<Vec<(String, String)>> {
    let mut files = vec![
        (format!("{}.sv", unit.name), rtl::dot_sv(unit)?),
        (
            format!("{}.json", unit.name),
            manifest::DotManifest::of(unit).to_json(),
        ),
    ];
    if testbench {
        files.push((format!("{}_tb.sv", unit.name), rtl::dot_testbench_sv(unit)?));
    }
    Ok(files)
}

/// The files that `hbfpgen gen int-dot` writes for `unit`, as (file name, contents), all rendered.
pub fn int_dot_files(unit: &dot::IntDotUnit) -> Result<Vec<(String, String)>> {
    Ok(vec![
        (format!("{}.sv", unit.name), rtl::int_dot_sv(unit)?),
        (
            format!("{}.json", unit.name),
            manifest::IntDotManifest::of(unit).to_json(),
        ),
    ])
}

/// The files that `hbfpgen gen convert` writes for `unit`, as (file name, contents), all rendered.
pub fn convert_files(
    unit: &convert::ConvertUnit,
    testbench: bool,
) -> Result<Vec<(String, String)>> {
    let mut files = vec![
        (format!("{}.sv", unit.name), rtl::convert_sv(unit)?),
        (
            format!("{}.json", unit.name),
            manifest::ConvertManifest::of(unit).to_json(),
        ),
    ];
    if testbench {
        files.push((
            format!("{}_tb.sv", unit.name),
            rtl::convert_testbench_sv(unit)?,
        ));
    }
    Ok(files)
}

/// The files that `hbfpgen gen mac` writes for `unit`, as (file name, contents), all rendered.
pub fn mac_files(unit: &mac::MacUnit, testbench: bool) -> Result<Vec<(String, String)>> {
    let mut files = vec![
        (format!("{}.sv", unit.name), rtl::mac_sv(unit)?),
        (
            format!("{}.json", unit.name),
            manifest::MacManifest::of(unit).to_json(),
        ),
    ];
    if testbench {
        files.push((format!("{}_tb.sv", unit.name), rtl::mac_testbench_sv(unit)?));
    }
    Ok(files)
}

/// The files that `hbfpgen gen fp-mac` writes for `unit`, as (file name, contents), all rendered.
pub fn fp_mac_files(unit: &mac::FpMacUnit, testbench: bool) -> Result<Vec<(String, String)>> {
    let mut files = vec![
        (format!("{}.sv", unit.name), rtl::fp_mac_sv(unit)?),
        (
            format!("{}.json", unit.name),
            manifest::FpMacManifest::of(unit).to_json(),
        ),
    ];
    if testbench {
        files.push((
            format!("{}_tb.sv", unit.name),
            rtl::fp_mac_testbench_sv(unit)?,
        ));
    }
    Ok(files)
}

/// The files that `hbfpgen gen mixed` writes for `unit`, as (file name, contents), all rendered.
pub fn mixed_files(unit: &mixed::MixedUnit, testbench: bool) -> Result<Vec<(String, String)>> {
    let mut files = vec![
        (format!("{}.sv", unit.name), rtl::mixed_sv(unit)?),
        (
            format!("{}.json", unit.name),
            manifest::MixedManifest::of(unit).to_json(),
        ),
    ];
    if testbench {
        files.push((
            format!("{}_tb.sv", unit.name),
            rtl::mixed_testbench_sv(unit)?,
        ));
    }
    Ok(files)
}
