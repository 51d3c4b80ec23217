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

/// The `hbfp_mixed_dot` models: `dp_mixed` (HBFP4/6/8 on 16 lanes, every stage), `dp_mixed_s0`
/// (HBFP4/6 on 3 lanes, no stage before the accumulator) and `dp_mixed_b2` (HBFP4/6/8 on 2
/// lanes, one stage; the exhaustive 6-bit check).
pub fn datapath_mixed() -> Vec<hbfpgen::mixed::MixedUnit> {
    use hbfpgen::dot::Stages;
    [
        ("dp_mixed", vec![4, 6, 8], 16, Stages::Max),
        ("dp_mixed_s0", vec![4, 6], 3, Stages::Count(0)),
        ("dp_mixed_b2", vec![4, 6, 8], 2, Stages::Count(1)),
    ]
    .into_iter()
    .map(|(name, modes, block, stages)| {
        hbfpgen::mixed::MixedSpec {
            modes: Some(modes),
            block: Some(block),
            stages: Some(stages),
            tag_bits: Some(if name == "dp_mixed" { 5 } else { 0 }),
            name: Some(name.into()),
            ..Default::default()
        }
        .resolve()
        .expect("the mixed-mantissa models are valid")
    })
    .collect()
}
