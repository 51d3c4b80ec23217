//! Matrix files: lists of configurations of any unit, as grids. The RTL matrix of `make test`
//! (`generator/tests/rtl_matrix.toml`) and the co-simulation matrix (`verif/matrix.toml`) are
//! such files; a user checks more configurations by adding a set to one.
//!
//! A file holds `[[set]]` tables. Each names its `unit` (a command-line name such as `dot`, or a
//! kind such as `hbfp_dot`) and gives the unit's parameters, each a value or a list of values:
//! the set is every combination (a parameter whose value is itself a list, such as `modes`, takes
//! a list of lists). Keys that are not parameters but say how to check the set (the caller's
//! `extra` keys, such as `vectors`) are returned beside each configuration. `soak = true` marks a
//! set that only the long runs check (`make soak`, which sets [`SOAK_ENV`]), so that `make test`
//! stays short.

use crate::error::{Error, Result};
use crate::unit::{grid, AnyUnit};
use std::path::Path;

/// One configuration of a matrix file, and the set's keys that are not unit parameters.
pub struct Entry {
    /// The resolved unit.
    pub unit: Box<dyn AnyUnit>,
    /// The set's other keys (those of `extra` it gives).
    pub extra: toml::Table,
    /// Whether the set is marked `soak = true`: checked by the long runs only.
    pub soak: bool,
}

/// The environment variable that asks for the sets marked `soak = true` too (`make soak` sets it
/// to 1).
pub const SOAK_ENV: &str = "HBFPGEN_SOAK";

/// Whether this run checks the sets marked `soak = true` ([`SOAK_ENV`] is set and not 0).
pub fn soak_requested() -> bool {
    std::env::var(SOAK_ENV).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The configurations of the matrix file `path`, in file order. `extra` lists the keys a set may
/// give besides `unit` and the unit's parameters.
pub fn read(path: &Path, extra: &[&str]) -> Result<Vec<Entry>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
        path: path.to_owned(),
        source: e,
    })?;
    parse(&text, path, extra)
}

/// The configurations of matrix text `text` (named `path` in errors).
pub fn parse(text: &str, path: &Path, extra: &[&str]) -> Result<Vec<Entry>> {
    let bad = |message: String| Error::Config {
        path: path.to_owned(),
        message,
    };
    let file: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    if let Some(k) = file.keys().find(|k| *k != "set") {
        return Err(bad(format!(
            "unknown key `{k}`: a matrix file holds [[set]] tables"
        )));
    }
    let sets = match file.get("set") {
        Some(toml::Value::Array(a)) => a,
        _ => return Err(bad("no [[set]] tables".into())),
    };
    let mut out = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        let mut set = set
            .as_table()
            .ok_or_else(|| bad(format!("set {}: not a table", i + 1)))?
            .clone();
        let unit = match set.remove("unit") {
            Some(toml::Value::String(u)) => u,
            _ => {
                return Err(bad(format!(
                    "set {}: `unit = \"<unit>\"` is missing",
                    i + 1
                )))
            }
        };
        let kind = crate::units::find(&unit).ok_or_else(|| {
            let names: Vec<&str> = crate::units::REGISTRY.iter().map(|k| k.command()).collect();
            bad(format!(
                "set {}: `{unit}` is not a unit (one of {})",
                i + 1,
                names.join(", ")
            ))
        })?;
        let soak = match set.remove("soak") {
            None => false,
            Some(toml::Value::Boolean(b)) => b,
            Some(v) => {
                return Err(bad(format!(
                    "set {}: `soak` is true or false, found {v}",
                    i + 1
                )))
            }
        };
        let mut extras = toml::Table::new();
        for k in extra {
            if let Some(v) = set.remove(*k) {
                extras.insert((*k).to_owned(), v);
            }
        }
        let axes: Vec<(String, Vec<toml::Value>)> = set
            .into_iter()
            .map(|(k, v)| match v {
                toml::Value::Array(a) => (k, a),
                one => (k, vec![one]),
            })
            .collect();
        for t in grid(&axes) {
            let unit = kind.resolve_table(t.clone(), path).map_err(|e| {
                let why = match e {
                    Error::Config { message, .. } => message,
                    other => other.to_string(),
                };
                let t = toml::to_string(&t).unwrap_or_default().replace('\n', " ");
                bad(format!(
                    "set {} ({} {}): {why}",
                    i + 1,
                    kind.command(),
                    t.trim()
                ))
            })?;
            out.push(Entry {
                unit,
                extra: extras.clone(),
                soak,
            });
        }
    }
    Ok(out)
}
