// Shared by the build script (`include!`) and the library (`mod datapath_units`): the units of the
// datapath demonstration, converter -> block dot product -> accumulator, so that the compiled
// models and the Rust that drives them are generated from the same parameters.

use hbfpgen::convert::{ConvertSpec, ConvertUnit};
use hbfpgen::mac::{MacSpec, MacUnit};

/// Lanes of the datapath models.
pub const DATAPATH_BLOCK: u32 = 16;
/// Mantissa width of the datapath models (HBFP4).
pub const DATAPATH_MANTISSA: u32 = 4;
/// The accumulator presets of the datapath models, one `hbfp_mac` each.
pub const DATAPATH_ACCS: [&str; 4] = ["fp32", "bf16", "fp16", "fp12"];

/// The FP32-to-HBFP4 converter of the datapath (round to nearest even).
pub fn datapath_converter() -> ConvertUnit {
    ConvertSpec {
        mantissa: Some(DATAPATH_MANTISSA),
        block: Some(DATAPATH_BLOCK),
        name: Some("dp_convert".into()),
        ..Default::default()
    }
    .resolve()
    .expect("the datapath converter is valid")
}

/// The `hbfp_mac` units of the datapath, one per accumulator preset, named `dp_mac_<preset>`.
pub fn datapath_macs() -> Vec<MacUnit> {
    DATAPATH_ACCS
        .iter()
        .map(|acc| {
            MacSpec {
                mantissa: Some(DATAPATH_MANTISSA),
                block: Some(DATAPATH_BLOCK),
                acc: Some((*acc).into()),
                name: Some(format!("dp_mac_{acc}")),
                ..Default::default()
            }
            .resolve()
            .expect("the datapath accumulators are valid")
        })
        .collect()
}

/// The `fp_mac` baselines of the datapath: fp32 and bf16 operands into an fp32 accumulator,
/// named `dp_fp_mac_<operand>`.
pub fn datapath_fp_macs() -> Vec<hbfpgen::mac::FpMacUnit> {
    ["fp32", "bf16"]
        .iter()
        .map(|op| {
            hbfpgen::mac::FpMacSpec {
                operand: Some((*op).into()),
                name: Some(format!("dp_fp_mac_{op}")),
                ..Default::default()
            }
            .resolve()
            .expect("the datapath baselines are valid")
        })
        .collect()
}
