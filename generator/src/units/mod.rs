//! The units, one folder each (its spec and plan, golden model, emitter, vectors and manifest; its
//! templates in `rtl-templates/<kind>/`), and the one registry that lists them. A new unit is a new
//! folder here, its templates, and one line in [`REGISTRY`]; see `docs/architecture.md`.

pub mod convert;
pub mod dot;
pub mod fp_mac;
pub mod int_dot;
pub mod mac;
pub mod mixed;
pub mod mls_convert;
pub mod mls_dot;
pub mod mls_mac;
pub mod mx_convert;
pub mod mx_dot;
pub mod mx_mac;
pub mod s2fp8_decode;
pub mod s2fp8_decode_table;
pub mod s2fp8_encode;
pub mod s2fp8_stats;

use crate::unit::{Kind, UnitKind};

/// Every unit the generator builds, in the order `hbfpgen --help` lists them.
pub static REGISTRY: &[&dyn UnitKind] = &[
    &Kind::<dot::DotUnit>::new(),
    &Kind::<convert::ConvertUnit>::new(),
    &Kind::<mac::MacUnit>::new(),
    &Kind::<fp_mac::FpMacUnit>::new(),
    &Kind::<mixed::MixedUnit>::new(),
    &Kind::<int_dot::IntDotUnit>::new(),
    &Kind::<mx_convert::MxConvertUnit>::new(),
    &Kind::<mx_dot::MxDotUnit>::new(),
    &Kind::<mx_mac::MxMacUnit>::new(),
    &Kind::<mls_convert::MlsConvertUnit>::new(),
    &Kind::<mls_dot::MlsDotUnit>::new(),
    &Kind::<mls_mac::MlsMacUnit>::new(),
    &Kind::<s2fp8_stats::S2fp8StatsUnit>::new(),
    &Kind::<s2fp8_encode::S2fp8EncodeUnit>::new(),
    &Kind::<s2fp8_decode::S2fp8DecodeUnit>::new(),
    &Kind::<s2fp8_decode_table::S2fp8DecodeTableUnit>::new(),
];

/// The registry entry whose command-line name (`dot`) or kind (`hbfp_dot`) is `name`.
pub fn find(name: &str) -> Option<&'static dyn UnitKind> {
    REGISTRY
        .iter()
        .copied()
        .find(|k| k.command() == name || k.kind() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for k in REGISTRY {
            assert_eq!(find(k.command()).unwrap().kind(), k.kind());
            assert_eq!(find(k.kind()).unwrap().command(), k.command());
        }
        assert!(find("nope").is_none());
    }
}
