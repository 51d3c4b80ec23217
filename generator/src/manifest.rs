//! The JSON manifest written beside every generated unit: what every manifest shares (the
//! generator that wrote it and how to regenerate it) and the writer. Each unit's manifest type lives
//! in its folder; the verification crate builds its wrappers from the ports it lists.

use crate::render::GENERATOR_VERSION;
use serde::Serialize;

/// The generator that wrote a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GeneratorInfo {
    /// Always `hbfpgen`.
    pub name: &'static str,
    /// The generator's version.
    pub version: &'static str,
    /// The command line that regenerates the unit.
    pub command: String,
}

impl GeneratorInfo {
    /// This generator, with the command line that regenerates the unit.
    pub fn new(command: String) -> Self {
        GeneratorInfo {
            name: "hbfpgen",
            version: GENERATOR_VERSION,
            command,
        }
    }
}

/// A manifest as pretty-printed JSON with a final newline.
pub fn to_json<M: Serialize>(manifest: &M) -> String {
    let mut s = serde_json::to_string_pretty(manifest).expect("the manifest serialises");
    s.push('\n');
    s
}
