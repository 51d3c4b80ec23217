//! OCP MX: the converter's model (`mx_convert`), the exact block dot product (`mx_dot`) and the
//! accumulating dot product (`mx_mac`).

use crate::args::{self, array, block_shapes, blocks_per_row, to_py, Arr, In};
use hbfpgen::format::{MxElement, MxValue};
use hbfpgen::model::mx::{MxBlock, MxDotResult};
use hbfpgen::units::mx_convert::{MxConvertSpec, MxConvertUnit};
use hbfpgen::units::mx_dot::MxDotSpec;
use hbfpgen::units::mx_mac::MxMacSpec;
use numpy::{PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value};

/// Converts every block of `x` (cut along its last axis, in C order) with `unit`'s model, handing
/// each block to `each`; returns x's shape. One block's lanes at a time, as `hbfp` does.
fn for_each_block(
    func: &str,
    unit: &MxConvertUnit,
    x: &PyReadonlyArrayDyn<'_, f32>,
    mut each: impl FnMut(MxBlock),
) -> PyResult<Vec<usize>> {
    let c = &unit.conv;
    let shape = x.shape().to_vec();
    blocks_per_row(func, &shape, c.block)?;
    let k = c.block as usize;
    let mut buf = vec![0u64; k];
    for (i, chunk) in args::contiguous(x).chunks(k).enumerate() {
        args::patterns_into(chunk, c.input, i * k, &mut buf)?;
        each(c.convert(&buf).map_err(to_py)?);
    }
    Ok(shape)
}

/// Every block of `x` converted by `unit`'s model, in order, and x's shape.
fn convert_blocks(
    func: &str,
    unit: &MxConvertUnit,
    x: &PyReadonlyArrayDyn<'_, f32>,
) -> PyResult<(Vec<MxBlock>, Vec<usize>)> {
    let mut blocks = Vec::new();
    let shape = for_each_block(func, unit, x, |b| blocks.push(b))?;
    Ok((blocks, shape))
}

/// The converter of `p` (`hbfpgen gen mx-convert`'s flags), its element format `elements`.
fn converter(p: &Map<String, Value>, elements: Option<&Value>) -> PyResult<MxConvertUnit> {
    let mut p = p.clone();
    if let Some(e) = elements {
        p.insert("elements".into(), e.clone());
    }
    args::spec::<MxConvertSpec>("mx-convert", &p)?
        .resolve()
        .map_err(to_py)
}

/// The value of element `code` of format `e` under scale exponent `scale` (exactly, in f64).
fn element_value(e: MxElement, scale: i64, code: u64) -> f64 {
    if scale == 128 {
        return f64::NAN;
    }
    match e.decode(code) {
        MxValue::Finite { neg, fixed } => {
            let v = fixed as f64 * 2f64.powi(scale as i32 - e.frac_bits() as i32);
            if neg {
                -v
            } else {
                v
            }
        }
        MxValue::Inf { neg } => {
            if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
        MxValue::NaN => f64::NAN,
    }
}

/// mx_convert(x, **params) -> (codes, scales)
///
/// Converts a float32 array to OCP MX blocks with the model of `hbfpgen gen mx-convert` (the same
/// parameters: elements, block, input_format, rounding, overflow). Blocks run along the last axis,
/// whose length must be a multiple of the block. Returns the element codes (uint8 bit patterns,
/// shape (..., n / block, block)) and the E8M0 scale codes (uint8, shape (..., n / block); 255 is
/// NaN).
#[pyfunction]
#[pyo3(signature = (x, **params))]
fn mx_convert<'py>(
    py: Python<'py>,
    x: In<'py, f32>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Arr<'py, u8>, Arr<'py, u8>)> {
    let p = args::json_map(params)?;
    args::check_keys("mx_convert", &p, &["mx-convert"], &[])?;
    let unit = converter(&p, None)?;
    let mut codes = Vec::with_capacity(x.len());
    let mut scales = Vec::with_capacity(x.len() / unit.conv.block as usize);
    let shape = for_each_block("mx_convert", &unit, &x, |b| {
        scales.push(b.scale_code() as u8);
        codes.extend(b.codes.iter().map(|&c| c as u8));
    })?;
    let (cs, ss) = block_shapes(&shape, unit.conv.block);
    Ok((array(py, cs, codes)?, array(py, ss, scales)?))
}

/// mx_quantize(x, **params) -> values
///
/// `mx_convert` and back: each element's value after conversion, exactly (float64, x's shape);
/// NaN where the scale or the element is NaN, +-inf for an FP8-E5M2 infinity.
#[pyfunction]
#[pyo3(signature = (x, **params))]
fn mx_quantize<'py>(
    py: Python<'py>,
    x: In<'py, f32>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Arr<'py, f64>> {
    let p = args::json_map(params)?;
    args::check_keys("mx_quantize", &p, &["mx-convert"], &[])?;
    let unit = converter(&p, None)?;
    let e = unit.conv.element;
    let mut out = Vec::with_capacity(x.len());
    let shape = for_each_block("mx_quantize", &unit, &x, |b| {
        out.extend(b.codes.iter().map(|&c| element_value(e, b.scale, c)));
    })?;
    array(py, shape, out)
}

/// The value of an exact MX block dot product, in f64.
fn dot_value(r: &MxDotResult, fa: MxElement, fb: MxElement) -> f64 {
    if r.nan {
        f64::NAN
    } else if r.pinf {
        f64::INFINITY
    } else if r.ninf {
        f64::NEG_INFINITY
    } else {
        r.sum as f64 * 2f64.powi(r.exp as i32 - (fa.frac_bits() + fb.frac_bits()) as i32)
    }
}

/// mx_dot(a, b, **params) -> values
///
/// The exact dot product of each pair of blocks of `a` and `b` (float32 arrays of one shape,
/// blocks along the last axis), as `mx_dot` outputs it: `a` converted to `elements`, `b` to
/// `elements_b` (default: the same) by `mx_convert`'s model, multiplied by `mx_dot`'s. Returns
/// float64 values, exact, shape (..., n / block); NaN or +-inf as `mx_dot` flags them.
#[pyfunction]
#[pyo3(signature = (a, b, **params))]
fn mx_dot<'py>(
    py: Python<'py>,
    a: In<'py, f32>,
    b: In<'py, f32>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Arr<'py, f64>> {
    const F: &str = "mx_dot";
    let p = args::json_map(params)?;
    args::check_keys(F, &p, &["mx-convert", "mx-dot"], &[])?;
    args::same_shape(F, &a, &b)?;
    let ua = converter(&p, None)?;
    let ub = converter(&p, p.get("elements_b").or(p.get("elements")))?;
    let (ab, shape) = convert_blocks(F, &ua, &a)?;
    let (bb, _) = convert_blocks(F, &ub, &b)?;
    let dot = args::spec::<MxDotSpec>("mx-dot", &p)?
        .resolve()
        .map_err(to_py)?;
    let (fa, fb) = (ua.conv.element, ub.conv.element);
    let values = ab
        .iter()
        .zip(&bb)
        .map(|(x, y)| dot_value(&dot.dot(x, y), fa, fb))
        .collect();
    array(py, block_shapes(&shape, ua.conv.block).1, values)
}

/// mx_matvec(A, x, **params) -> y
///
/// y = A x through the MX units' models: the rows of A converted to `elements` and x to
/// `elements_b` (default: the same) block by block (`mx_convert`'s rounding and overflow), each
/// pair of blocks multiplied exactly (`mx_dot`), and a row's block results summed in float64
/// (without acc) or accumulated in order from +0 by `mx_mac`'s model into FP(e, m) (acc="fp32",
/// "bf16", "fp16", "fp12" or "custom" with acc_exp_bits, acc_man_bits; saturate), whose final
/// pattern is returned as its value. A is float32 (rows x n), x float32 (n).
#[pyfunction]
#[pyo3(signature = (a, x, **params))]
fn mx_matvec<'py>(
    py: Python<'py>,
    a: In<'py, f32>,
    x: In<'py, f32>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Arr<'py, f64>> {
    const F: &str = "mx_matvec";
    let p = args::json_map(params)?;
    args::check_keys(F, &p, &["mx-convert", "mx-mac"], &[])?;
    let (rows, _) = args::matvec_operands(F, &a, &x)?;
    let ua = converter(&p, None)?;
    let ub = converter(&p, p.get("elements_b").or(p.get("elements")))?;
    let (ab, _) = convert_blocks(F, &ua, &a)?;
    let (xb, _) = convert_blocks(F, &ub, &x)?;
    let per_row = xb.len();
    let (fa, fb) = (ua.conv.element, ub.conv.element);
    let mut y = Vec::with_capacity(rows);
    if args::wants_acc(&p) {
        let mac = args::spec::<MxMacSpec>("mx-mac", &p)?
            .resolve()
            .map_err(to_py)?;
        for r in 0..rows {
            let pairs: Vec<(MxBlock, MxBlock)> = ab[r * per_row..(r + 1) * per_row]
                .iter()
                .cloned()
                .zip(xb.iter().cloned())
                .collect();
            y.push(args::pattern_f64(mac.acc.format, mac.dot_product(&pairs)));
        }
    } else {
        let dot = args::spec::<MxDotSpec>("mx-dot", &p)?
            .resolve()
            .map_err(to_py)?;
        for r in 0..rows {
            let s: f64 = ab[r * per_row..(r + 1) * per_row]
                .iter()
                .zip(&xb)
                .map(|(ba, bx)| dot_value(&dot.dot(ba, bx), fa, fb))
                .sum();
            y.push(s);
        }
    }
    array(py, vec![rows], y)
}

/// Adds the MX functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mx_convert, m)?)?;
    m.add_function(wrap_pyfunction!(mx_quantize, m)?)?;
    m.add_function(wrap_pyfunction!(mx_dot, m)?)?;
    m.add_function(wrap_pyfunction!(mx_matvec, m)?)?;
    Ok(())
}
