// The units of the datapath demonstration, converter -> block dot product -> accumulator, whose
// models `verif-demo` and the datapath tests build and drive.

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

/// The `hbfp_mixed_dot` unit of the exhaustive 6-bit check, `dp_mixed_b2`: HBFP4/6/8 on 2 lanes, one
/// stage.
pub fn datapath_mixed_b2() -> hbfpgen::mixed::MixedUnit {
    hbfpgen::mixed::MixedSpec {
        modes: Some(vec![4, 6, 8]),
        block: Some(2),
        stages: Some(hbfpgen::dot::Stages::Count(1)),
        tag_bits: Some(0),
        name: Some("dp_mixed_b2".into()),
        ..Default::default()
    }
    .resolve()
    .expect("the mixed-mantissa unit is valid")
}

/// The fp32 `hbfp_mac` of the datapath with contexts (`--contexts auto`), `dp_mac_fp32_ctx`: the
/// demonstration feeds it the matrix's rows as contexts.
pub fn datapath_mac_contexts() -> MacUnit {
    MacSpec {
        mantissa: Some(DATAPATH_MANTISSA),
        block: Some(DATAPATH_BLOCK),
        acc: Some("fp32".into()),
        contexts: Some(hbfpgen::acc_loop::Contexts::Auto),
        name: Some("dp_mac_fp32_ctx".into()),
        ..Default::default()
    }
    .resolve()
    .expect("the datapath accumulator with contexts is valid")
}
