//! `hbfpgen` for Python: the generator's bit-exact golden models over NumPy arrays.
//!
//! Every function takes the generator's parameters as keyword arguments with the names of its
//! command-line flags (`_` for `-`: `mantissa=4, block=64, rounding="stochastic"`), resolves them
//! through the same specs as `hbfpgen gen` (so the defaults and the validation are the
//! generator's; an invalid parameter raises `ValueError` with the generator's message), and calls
//! the unit's Rust model. Nothing here computes a number itself: the arrays are cut into blocks,
//! passed to the models, and the models' outputs put back into arrays. docs/python.md.

mod args;
mod hbfp;
mod mls;
mod mx;
mod s2fp8;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Every unit the generator builds, by its command-line name (`dot`, `mx-convert`).
#[pyfunction]
fn units() -> Vec<&'static str> {
    hbfpgen::units::REGISTRY
        .iter()
        .map(|k| k.command())
        .collect()
}

/// The manifest of a configuration (what `hbfpgen gen UNIT ...` writes to NAME.json: the
/// parameters resolved, the latency, every port), as a dict. `unit` is a command-line name
/// (`dot`) or a kind (`hbfp_dot`); the parameters are the unit's flags.
#[pyfunction]
#[pyo3(signature = (unit, **params))]
fn manifest(py: Python<'_>, unit: &str, params: Option<&Bound<'_, PyDict>>) -> PyResult<PyObject> {
    let kind = hbfpgen::units::find(unit).ok_or_else(|| {
        args::value_error(format!(
            "unknown unit `{unit}`; the units are {}",
            units().join(", ")
        ))
    })?;
    let table = args::toml_table(params)?;
    let u = kind
        .resolve_table(table, std::path::Path::new("keyword arguments"))
        .map_err(args::to_py)?;
    let json = py.import("json")?;
    Ok(json.call_method1("loads", (u.manifest(),))?.unbind())
}

/// The Python module.
#[pymodule]
fn _hbfpgen(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(units, m)?)?;
    m.add_function(wrap_pyfunction!(manifest, m)?)?;
    hbfp::register(m)?;
    mx::register(m)?;
    mls::register(m)?;
    s2fp8::register(m)?;
    let names: Vec<String> = m
        .dict()
        .keys()
        .iter()
        .filter_map(|k| k.extract::<String>().ok())
        .filter(|k| !k.starts_with('_'))
        .collect();
    m.add("__all__", PyList::new(m.py(), names)?)?;
    Ok(())
}
