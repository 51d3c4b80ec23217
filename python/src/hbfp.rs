//! HBFP: the converter's model (`hbfp_convert`), the exact block dot product (`hbfp_dot`) and the
//! accumulating dot product (`hbfp_mac`).

use crate::args::{self, array, block_shapes, blocks_per_row, to_py, Arr, In};
use hbfpgen::model::Block;
use hbfpgen::units::convert::{ConvertSpec, ConvertUnit, Rounding};
use hbfpgen::units::dot::DotSpec;
use hbfpgen::units::mac::MacSpec;
use numpy::{PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Converts every block of `x` (cut along its last axis, in C order) with `unit`'s model, handing
/// each block to `each` with its index; returns x's shape. One block's lanes at a time: nothing
/// of the size of x is allocated here.
fn for_each_block(
    func: &str,
    unit: &ConvertUnit,
    x: &PyReadonlyArrayDyn<'_, f32>,
    random: Option<In<'_, u32>>,
    mut each: impl FnMut(usize, Block),
) -> PyResult<Vec<usize>> {
    let c = &unit.conv;
    let shape = x.shape().to_vec();
    blocks_per_row(func, &shape, c.format.block)?;
    let rnd = match c.rounding {
        Rounding::Stochastic { bits } => args::random_lanes(func, random, &shape, bits)?,
        _ => Vec::new(),
    };
    let b = c.format.block as usize;
    let mut buf = vec![0u64; b];
    let values = args::contiguous(x);
    for (i, chunk) in values.chunks(b).enumerate() {
        args::patterns_into(chunk, c.input, i * b, &mut buf)?;
        let r = if rnd.is_empty() {
            &[][..]
        } else {
            &rnd[i * b..(i + 1) * b]
        };
        each(i, c.convert(&buf, r).map_err(to_py)?);
    }
    Ok(shape)
}

/// Every block of `x` converted by `unit`'s model, in order.
fn convert_blocks(
    func: &str,
    unit: &ConvertUnit,
    x: &PyReadonlyArrayDyn<'_, f32>,
    random: Option<In<'_, u32>>,
) -> PyResult<Vec<Block>> {
    let mut blocks = Vec::new();
    for_each_block(func, unit, x, random, |_, b| blocks.push(b))?;
    Ok(blocks)
}

/// The converter of the keyword arguments (`hbfpgen gen convert`'s flags).
fn converter(
    func: &str,
    params: Option<&Bound<'_, PyDict>>,
    extra: &[&str],
) -> PyResult<ConvertUnit> {
    let p = args::json_map(params)?;
    args::check_keys(func, &p, &["convert"], extra)?;
    args::spec::<ConvertSpec>("convert", &p)?
        .resolve()
        .map_err(to_py)
}

/// hbfp_convert(x, *, random=None, **params) -> (man, exp)
///
/// Converts a float32 array to HBFP blocks with the model of `hbfpgen gen convert` (the same
/// parameters: mantissa, block, exp_bits, input_format, rounding, random_bits, emulator_compat,
/// ftz). Blocks run along the last axis, whose length must be a multiple of the block. Returns
/// the two's-complement mantissas (int64, shape (..., n / block, block)) and the shared exponents
/// (int64, shape (..., n / block)); element i of a block has the value man * 2^(exp - (mantissa -
/// 1)). A block with an Inf or a NaN has the NaN exponent code's value and zero mantissas.
/// `random` (uint32, x's shape, random_bits wide) is required by rounding="stochastic".
#[pyfunction]
#[pyo3(signature = (x, *, random=None, **params))]
fn hbfp_convert<'py>(
    py: Python<'py>,
    x: In<'py, f32>,
    random: Option<In<'py, u32>>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Arr<'py, i64>, Arr<'py, i64>)> {
    let unit = converter("hbfp_convert", params, &[])?;
    let n = x.len();
    let mut mans = Vec::with_capacity(n);
    let mut exps = Vec::with_capacity(n / unit.conv.format.block as usize);
    let shape = for_each_block("hbfp_convert", &unit, &x, random, |_, b| {
        exps.push(b.exp);
        mans.extend_from_slice(&b.man);
    })?;
    let (ms, es) = block_shapes(&shape, unit.conv.format.block);
    Ok((array(py, ms, mans)?, array(py, es, exps)?))
}

/// hbfp_quantize(x, *, random=None, **params) -> values
///
/// `hbfp_convert` and back: each element's value after conversion, exactly (float64, x's shape);
/// NaN throughout a block that held an Inf or a NaN.
#[pyfunction]
#[pyo3(signature = (x, *, random=None, **params))]
fn hbfp_quantize<'py>(
    py: Python<'py>,
    x: In<'py, f32>,
    random: Option<In<'py, u32>>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Arr<'py, f64>> {
    let unit = converter("hbfp_quantize", params, &[])?;
    let f = unit.conv.format;
    let frac = i64::from(f.element.frac_bits());
    let mut out = Vec::with_capacity(x.len());
    let shape = for_each_block("hbfp_quantize", &unit, &x, random, |_, b| {
        if b.is_nan(f) {
            out.extend(std::iter::repeat(f64::NAN).take(b.man.len()));
        } else {
            // the element's value man * 2^(exp - frac), exactly: one power of two per block
            let ulp = args::pow2(b.exp - frac);
            out.extend(b.man.iter().map(|&m| m as f64 * ulp));
        }
    })?;
    array(py, shape, out)
}

/// hbfp_dot(a, b, **params) -> values
///
/// The exact dot product of each pair of blocks of `a` and `b` (float32 arrays of one shape,
/// blocks along the last axis), as `hbfp_dot` outputs it: both converted by `hbfp_convert`'s
/// model (not stochastic rounding), multiplied by `hbfp_dot`'s. Returns float64 values, exact,
/// shape (..., n / block); NaN where a block held an Inf or a NaN.
#[pyfunction]
#[pyo3(signature = (a, b, **params))]
fn hbfp_dot<'py>(
    py: Python<'py>,
    a: In<'py, f32>,
    b: In<'py, f32>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Arr<'py, f64>> {
    const F: &str = "hbfp_dot";
    let p = args::json_map(params)?;
    args::check_keys(F, &p, &["convert", "dot"], &[])?;
    let unit = args::spec::<ConvertSpec>("convert", &p)?
        .resolve()
        .map_err(to_py)?;
    args::refuse_stochastic(F, unit.conv.rounding, "hbfp_convert")?;
    args::same_shape(F, &a, &b)?;
    let ab = convert_blocks(F, &unit, &a, None)?;
    let bb = convert_blocks(F, &unit, &b, None)?;
    let dot = args::spec::<DotSpec>("dot", &p)?.resolve().map_err(to_py)?;
    let values = ab
        .iter()
        .zip(&bb)
        .map(|(x, y)| dot.dot(x, y).map(|r| r.value(dot.format)))
        .collect::<hbfpgen::error::Result<Vec<_>>>()
        .map_err(to_py)?;
    array(
        py,
        block_shapes(a.shape(), unit.conv.format.block).1,
        values,
    )
}

/// hbfp_matvec(A, x, *, acc=None, **params) -> y
///
/// y = A x through the HBFP units' models: each row of A and x converted block by block (the
/// converter's parameters; not stochastic rounding), each pair of blocks multiplied exactly
/// (`hbfp_dot`), and the block results of a row either summed in float64 (acc=None) or
/// accumulated in order from +0 by `hbfp_mac`'s model into FP(e, m) (acc="fp32", "bf16",
/// "fp16", "fp12" or "custom" with acc_exp_bits and acc_man_bits; saturate), whose final pattern
/// is returned as its value. A is float32 (rows x n), x float32 (n), n a multiple of the block.
#[pyfunction]
#[pyo3(signature = (a, x, **params))]
fn hbfp_matvec<'py>(
    py: Python<'py>,
    a: In<'py, f32>,
    x: In<'py, f32>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Arr<'py, f64>> {
    const F: &str = "hbfp_matvec";
    let p = args::json_map(params)?;
    args::check_keys(F, &p, &["convert", "mac"], &[])?;
    let unit = args::spec::<ConvertSpec>("convert", &p)?
        .resolve()
        .map_err(to_py)?;
    args::refuse_stochastic(F, unit.conv.rounding, "hbfp_convert")?;
    let (rows, _) = args::matvec_operands(F, &a, &x)?;
    let ab = convert_blocks(F, &unit, &a, None)?;
    let xb = convert_blocks(F, &unit, &x, None)?;
    let per_row = xb.len();
    let mut y = Vec::with_capacity(rows);
    if args::wants_acc(&p) {
        let mac = args::spec::<MacSpec>("mac", &p)?.resolve().map_err(to_py)?;
        for r in 0..rows {
            let pairs: Vec<(Block, Block)> = ab[r * per_row..(r + 1) * per_row]
                .iter()
                .cloned()
                .zip(xb.iter().cloned())
                .collect();
            let bits = mac.dot_product(&pairs).map_err(to_py)?;
            y.push(args::pattern_f64(mac.acc.format, bits));
        }
    } else {
        let dot = args::spec::<DotSpec>("dot", &p)?.resolve().map_err(to_py)?;
        for r in 0..rows {
            let mut s = 0.0;
            for (ba, bx) in ab[r * per_row..(r + 1) * per_row].iter().zip(&xb) {
                s += dot.dot(ba, bx).map_err(to_py)?.value(dot.format);
            }
            y.push(s);
        }
    }
    array(py, vec![rows], y)
}

/// Adds the HBFP functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(hbfp_convert, m)?)?;
    m.add_function(wrap_pyfunction!(hbfp_quantize, m)?)?;
    m.add_function(wrap_pyfunction!(hbfp_dot, m)?)?;
    m.add_function(wrap_pyfunction!(hbfp_matvec, m)?)?;
    Ok(())
}
