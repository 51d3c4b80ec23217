//! The co-simulation matrix of `make test`: `verif/matrix.toml`, a matrix file
//! ([`hbfpgen::matrix`]) of configurations of any unit, each run through the whole property suite
//! of [`crate::cosim`]. A set may give `cases` (cases per property; default 32, or
//! `PROPTEST_CASES`). Add a set to check another configuration on every `make test`.

use std::path::{Path, PathBuf};

/// The matrix file of this crate.
pub fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("matrix.toml")
}

/// One configuration and its cases per property.
pub struct Config {
    /// The unit.
    pub unit: Box<dyn hbfpgen::unit::AnyUnit>,
    /// Cases per property, if the set gives them.
    pub cases: Option<u32>,
}

/// The configurations of the matrix file `path` that this run checks: those of the sets marked
/// `soak = true` only when [`hbfpgen::matrix::soak_requested`].
pub fn read(path: &Path) -> hbfpgen::Result<Vec<Config>> {
    let soak = hbfpgen::matrix::soak_requested();
    Ok(hbfpgen::matrix::read(path, &["cases"])?
        .into_iter()
        .filter(|e| soak || !e.soak)
        .map(|e| Config {
            cases: e
                .extra
                .get("cases")
                .and_then(|c| c.as_integer())
                .map(|c| c as u32),
            unit: e.unit,
        })
        .collect())
}
