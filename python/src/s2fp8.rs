//! S2FP8: the statistics (`s2fp8_stats`), the encoder (`s2fp8_encode`) and the decoder
//! (`s2fp8_decode`, `s2fp8_decode_table`: the same values).

use crate::args::{self, array, lanes, value_error, Arr, In};
use hbfpgen::fp::FpFormat;
use hbfpgen::model::s2fp8::{decode_with, encode_with, stats, STAT_FRAC};
use hbfpgen::units::convert::InputFormat;
use numpy::PyUntypedArrayMethods;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The `input_format` (or `output_format`) argument.
fn format_of(func: &str, what: &str, name: &str) -> PyResult<InputFormat> {
    name.parse::<InputFormat>().map_err(|_| {
        value_error(format!(
            "{func}: {what} = \"{name}\" is not a format; it is \"fp32\" or \"bf16\""
        ))
    })
}

/// s2fp8_stats(x, *, input_format="fp32") -> dict
///
/// The S2FP8 coefficients of the whole tensor `x` (every element, any shape) as `s2fp8_stats`
/// outputs them: alpha, beta, inv_alpha and mu in units of 2^-16 (alpha and inv_alpha unsigned,
/// beta and mu two's complement), the largest log2|x| (max, same units), the count of non-zero
/// finite entries, and whether an entry was an Inf or a NaN (invalid; left out).
#[pyfunction]
#[pyo3(signature = (x, *, input_format="fp32"))]
fn s2fp8_stats<'py>(
    py: Python<'py>,
    x: In<'py, f32>,
    input_format: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let input = format_of("s2fp8_stats", "input_format", input_format)?;
    let (l, _) = lanes(&x, input)?;
    let s = stats(input.format(), &l);
    let d = PyDict::new(py);
    d.set_item("alpha", s.alpha)?;
    d.set_item("beta", s.beta)?;
    d.set_item("inv_alpha", s.inv_alpha)?;
    d.set_item("mu", s.mu)?;
    d.set_item("max", s.max)?;
    d.set_item("count", s.count)?;
    d.set_item("invalid", s.invalid)?;
    d.set_item("frac_bits", STAT_FRAC)?;
    Ok(d)
}

/// s2fp8_encode(x, *, alpha, beta, input_format="fp32") -> codes
///
/// The S2FP8 codes (uint8 E5M2 patterns, x's shape) of `x` under alpha and beta in units of
/// 2^-16, as `s2fp8_encode` forms them.
#[pyfunction]
#[pyo3(signature = (x, *, alpha, beta, input_format="fp32"))]
fn s2fp8_encode<'py>(
    py: Python<'py>,
    x: In<'py, f32>,
    alpha: u64,
    beta: i64,
    input_format: &str,
) -> PyResult<Arr<'py, u8>> {
    let input = format_of("s2fp8_encode", "input_format", input_format)?;
    let (l, shape) = lanes(&x, input)?;
    let f = input.format();
    array(
        py,
        shape,
        l.iter()
            .map(|&p| encode_with(f, alpha, beta, p) as u8)
            .collect(),
    )
}

/// The value of a pattern of `f` (FP32 or bf16) as float32.
fn to_f32(f: FpFormat, p: u64) -> f32 {
    if f == FpFormat::BF16 {
        f32::from_bits((p as u32) << 16)
    } else {
        f32::from_bits(p as u32)
    }
}

/// s2fp8_decode(codes, *, inv_alpha, beta, output_format="fp32") -> values
///
/// The values (float32, the codes' shape; bf16 values as float32) of S2FP8 codes (uint8) under
/// 1/alpha and beta in units of 2^-16, as `s2fp8_decode` and `s2fp8_decode_table` form them.
#[pyfunction]
#[pyo3(signature = (codes, *, inv_alpha, beta, output_format="fp32"))]
fn s2fp8_decode<'py>(
    py: Python<'py>,
    codes: In<'py, u8>,
    inv_alpha: u64,
    beta: i64,
    output_format: &str,
) -> PyResult<Arr<'py, f32>> {
    let f = format_of("s2fp8_decode", "output_format", output_format)?.format();
    let shape = codes.shape().to_vec();
    let out = codes
        .as_array()
        .iter()
        .map(|&c| to_f32(f, decode_with(f, inv_alpha, beta, u64::from(c))))
        .collect();
    array(py, shape, out)
}

/// s2fp8_quantize(x, *, input_format="fp32") -> values
///
/// The tensor through S2FP8 and back: its statistics, each element encoded and decoded to the
/// input format (float32, x's shape).
#[pyfunction]
#[pyo3(signature = (x, *, input_format="fp32"))]
fn s2fp8_quantize<'py>(
    py: Python<'py>,
    x: In<'py, f32>,
    input_format: &str,
) -> PyResult<Arr<'py, f32>> {
    let input = format_of("s2fp8_quantize", "input_format", input_format)?;
    let (l, shape) = lanes(&x, input)?;
    let f = input.format();
    let s = stats(f, &l);
    let out = l
        .iter()
        .map(|&p| {
            let c = encode_with(f, s.alpha, s.beta, p);
            to_f32(f, decode_with(f, s.inv_alpha, s.beta, c))
        })
        .collect();
    args::array(py, shape, out)
}

/// Adds the S2FP8 functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(s2fp8_stats, m)?)?;
    m.add_function(wrap_pyfunction!(s2fp8_encode, m)?)?;
    m.add_function(wrap_pyfunction!(s2fp8_decode, m)?)?;
    m.add_function(wrap_pyfunction!(s2fp8_quantize, m)?)?;
    Ok(())
}
