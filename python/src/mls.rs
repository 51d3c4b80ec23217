//! MLS (multi-level scaling): the converter's model (`mls_convert`), the exact block dot product
//! (`mls_dot`) and the accumulating dot product (`mls_mac`).

use crate::args::{self, array, block_shapes, blocks_per_row, lanes, to_py, value_error, Arr, In};
use hbfpgen::model::mls::{dequantize, MlsBlock};
use hbfpgen::units::convert::{InputFormat, Rounding};
use hbfpgen::units::mls_convert::{MlsConversion, MlsConvertSpec, MlsConvertUnit};
use hbfpgen::units::mls_dot::MlsDotSpec;
use hbfpgen::units::mls_mac::MlsMacSpec;
use numpy::PyReadonlyArrayDyn;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value};

/// The reciprocal tensor scale as a pattern of `input`: `rscale` as given, or 1 / max|x| (1 for
/// an all-zero array), rounded to float32 (to nearest) and for bf16 then truncated to its top 16
/// bits. Returns the pattern and its value.
fn rscale_pattern(
    func: &str,
    rscale: Option<f64>,
    lanes_f32: &[f32],
    input: InputFormat,
) -> PyResult<(u64, f64)> {
    let r = match rscale {
        Some(r) => {
            let f = r as f32;
            if f64::from(f) != r && !r.is_nan() {
                return Err(value_error(format!(
                    "{func}: rscale = {r:e} is not a float32 value; give np.float32(...) of it"
                )));
            }
            f
        }
        None => {
            let max = lanes_f32.iter().fold(0f32, |m, v| m.max(v.abs()));
            if max > 0.0 && max.is_finite() {
                (1.0 / f64::from(max)) as f32
            } else {
                1.0
            }
        }
    };
    let bits = r.to_bits();
    Ok(match input {
        InputFormat::Fp32 => (u64::from(bits), f64::from(r)),
        InputFormat::Bf16 => {
            if rscale.is_some() && bits & 0xffff != 0 {
                return Err(value_error(format!(
                    "{func}: rscale = {r:e} is not a bfloat16 value (input_format=\"bf16\")"
                )));
            }
            let t = bits & 0xffff_0000;
            (u64::from(t >> 16), f64::from(f32::from_bits(t)))
        }
    })
}

/// Converts every block of `x` with `unit`'s model under `rscale` (or the default); returns the
/// conversions, x's shape and the reciprocal scale's value.
fn convert_blocks(
    func: &str,
    unit: &MlsConvertUnit,
    x: &PyReadonlyArrayDyn<'_, f32>,
    rscale: Option<f64>,
    random: Option<In<'_, u32>>,
) -> PyResult<(Vec<MlsConversion>, Vec<usize>, f64)> {
    let c = &unit.conv;
    let (lanes, shape) = lanes(x, c.input)?;
    blocks_per_row(func, &shape, c.block)?;
    let (r_bits, r) = rscale_pattern(func, rscale, &args::contiguous(x), c.input)?;
    let rnd = match c.rounding {
        Rounding::Stochastic { bits } => args::random_lanes(func, random, &shape, bits)?,
        _ => Vec::new(),
    };
    let k = c.block as usize;
    let blocks = lanes
        .chunks(k)
        .enumerate()
        .map(|(i, chunk)| {
            let rn = if rnd.is_empty() {
                &[][..]
            } else {
                &rnd[i * k..(i + 1) * k]
            };
            c.convert(chunk, r_bits, rn)
        })
        .collect::<hbfpgen::error::Result<Vec<_>>>()
        .map_err(to_py)?;
    Ok((blocks, shape, r))
}

/// The converter of `p` (`hbfpgen gen mls-convert`'s flags).
fn converter(func: &str, p: &Map<String, Value>, extra: &[&str]) -> PyResult<MlsConvertUnit> {
    args::check_keys(func, p, &["mls-convert"], extra)?;
    args::spec::<MlsConvertSpec>("mls-convert", p)?
        .resolve()
        .map_err(to_py)
}

/// mls_convert(x, *, rscale=None, random=None, **params) -> (elems, gscales, invalid)
///
/// Converts a float32 array to MLS blocks with the model of `hbfpgen gen mls-convert` (the same
/// parameters: elem_exp_bits, elem_man_bits, group, group_scale_bits, block, input_format,
/// rounding, random_bits): each lane times the reciprocal tensor scale `rscale` (exactly), per
/// group a power-of-two scale 2^-u, elements rounded. `rscale` defaults to 1 / max|x| rounded to
/// float32. Returns the element codes (uint8, shape (..., n / block, block)), the group-scale
/// codes u (uint8, (..., n / block, block / group)) and each block's invalid flag (bool, (...,
/// n / block): an Inf or a NaN; its codes are zero).
#[pyfunction]
#[pyo3(signature = (x, *, rscale=None, random=None, **params))]
fn mls_convert<'py>(
    py: Python<'py>,
    x: In<'py, f32>,
    rscale: Option<f64>,
    random: Option<In<'py, u32>>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Arr<'py, u8>, Arr<'py, u8>, Arr<'py, bool>)> {
    let p = args::json_map(params)?;
    let unit = converter("mls_convert", &p, &[])?;
    let (blocks, shape, _) = convert_blocks("mls_convert", &unit, &x, rscale, random)?;
    let (es, fs) = block_shapes(&shape, unit.conv.block);
    let mut gs = fs.clone();
    gs.push((unit.conv.block / unit.conv.layout.group) as usize);
    let invalid = blocks.iter().map(|b| b.invalid).collect();
    let scales = blocks
        .iter()
        .flat_map(|b| b.block.scales.iter().map(|&u| u as u8))
        .collect();
    let elems = blocks
        .iter()
        .flat_map(|b| b.block.elems.iter().map(|&c| c as u8))
        .collect();
    Ok((
        array(py, es, elems)?,
        array(py, gs, scales)?,
        array(py, fs, invalid)?,
    ))
}

/// mls_quantize(x, *, rscale=None, random=None, **params) -> values
///
/// `mls_convert` and back: each element's value element * 2^-u divided by the reciprocal tensor
/// scale (float64, x's shape; the division by rscale is float64's, the rest exact); NaN
/// throughout an invalid block.
#[pyfunction]
#[pyo3(signature = (x, *, rscale=None, random=None, **params))]
fn mls_quantize<'py>(
    py: Python<'py>,
    x: In<'py, f32>,
    rscale: Option<f64>,
    random: Option<In<'py, u32>>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Arr<'py, f64>> {
    let p = args::json_map(params)?;
    let unit = converter("mls_quantize", &p, &[])?;
    let (blocks, shape, r) = convert_blocks("mls_quantize", &unit, &x, rscale, random)?;
    let layout = unit.conv.layout;
    let mut out = Vec::with_capacity(blocks.len() * unit.conv.block as usize);
    for b in &blocks {
        if b.invalid {
            out.extend(std::iter::repeat(f64::NAN).take(b.block.elems.len()));
        } else {
            out.extend(dequantize(&layout, &b.block).into_iter().map(|v| v / r));
        }
    }
    array(py, shape, out)
}

/// mls_dot(a, b, *, rscale_a=None, rscale_b=None, **params) -> values
///
/// The exact dot product of each pair of blocks of `a` and `b` (float32 arrays of one shape,
/// blocks along the last axis), as `mls_dot` outputs it: both converted by `mls_convert`'s model
/// under their reciprocal tensor scales (by default 1 / max|.| of each; not stochastic rounding),
/// multiplied by `mls_dot`'s, which leaves the tensor scales out. Returns float64 values (exact
/// up to 2^53), shape (..., n / block); NaN where a block was invalid. Multiply by
/// 1 / (rscale_a * rscale_b) for the product of the tensors' values.
#[pyfunction]
#[pyo3(signature = (a, b, *, rscale_a=None, rscale_b=None, **params))]
fn mls_dot<'py>(
    py: Python<'py>,
    a: In<'py, f32>,
    b: In<'py, f32>,
    rscale_a: Option<f64>,
    rscale_b: Option<f64>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Arr<'py, f64>> {
    const F: &str = "mls_dot";
    let p = args::json_map(params)?;
    args::check_keys(F, &p, &["mls-convert", "mls-dot"], &[])?;
    let unit = converter(F, &p, &[])?;
    args::refuse_stochastic(F, unit.conv.rounding, "mls_convert")?;
    args::same_shape(F, &a, &b)?;
    let (ab, shape, _) = convert_blocks(F, &unit, &a, rscale_a, None)?;
    let (bb, _, _) = convert_blocks(F, &unit, &b, rscale_b, None)?;
    let dot = args::spec::<MlsDotSpec>("mls-dot", &p)?
        .resolve()
        .map_err(to_py)?;
    let frac = dot.layout.dot_frac_bits() as i32;
    let values = ab
        .iter()
        .zip(&bb)
        .map(|(x, y)| {
            if x.invalid || y.invalid {
                f64::NAN
            } else {
                dot.dot(&x.block, &y.block) as f64 * 2f64.powi(-frac)
            }
        })
        .collect();
    array(py, block_shapes(&shape, unit.conv.block).1, values)
}

/// mls_matvec(A, x, *, rscale_a=None, rscale_x=None, **params) -> y
///
/// y = A x through the MLS units' models: A and x converted block by block (`mls_convert`, each
/// under its reciprocal tensor scale, by default 1 / its max|.|; not stochastic rounding), each
/// pair of blocks multiplied exactly (`mls_dot`: the tensor scales are left out), a row's block
/// results summed in float64 (without acc) or accumulated in order from +0 by `mls_mac`'s model
/// into FP(e, m) (acc="fp32", "bf16", "fp16", "fp12" or "custom" with acc_exp_bits,
/// acc_man_bits; saturate), and the row's result divided by rscale_a * rscale_x in float64.
#[pyfunction]
#[pyo3(signature = (a, x, *, rscale_a=None, rscale_x=None, **params))]
fn mls_matvec<'py>(
    py: Python<'py>,
    a: In<'py, f32>,
    x: In<'py, f32>,
    rscale_a: Option<f64>,
    rscale_x: Option<f64>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Arr<'py, f64>> {
    const F: &str = "mls_matvec";
    let p = args::json_map(params)?;
    args::check_keys(F, &p, &["mls-convert", "mls-mac"], &[])?;
    let unit = converter(F, &p, &["acc", "acc_exp_bits", "acc_man_bits", "saturate"])?;
    args::refuse_stochastic(F, unit.conv.rounding, "mls_convert")?;
    let (rows, _) = args::matvec_operands(F, &a, &x)?;
    let (ab, _, ra) = convert_blocks(F, &unit, &a, rscale_a, None)?;
    let (xb, _, rx) = convert_blocks(F, &unit, &x, rscale_x, None)?;
    let per_row = xb.len();
    let scale = ra * rx;
    let mut y = Vec::with_capacity(rows);
    let row_pairs = |r: usize| -> Option<Vec<(MlsBlock, MlsBlock)>> {
        let row = &ab[r * per_row..(r + 1) * per_row];
        if row.iter().chain(&xb).any(|b| b.invalid) {
            return None;
        }
        Some(
            row.iter()
                .map(|b| b.block.clone())
                .zip(xb.iter().map(|b| b.block.clone()))
                .collect(),
        )
    };
    if args::wants_acc(&p) {
        let mac = args::spec::<MlsMacSpec>("mls-mac", &p)?
            .resolve()
            .map_err(to_py)?;
        for r in 0..rows {
            y.push(match row_pairs(r) {
                None => f64::NAN,
                Some(pairs) => args::pattern_f64(mac.acc.format, mac.dot_product(&pairs)) / scale,
            });
        }
    } else {
        let dot = args::spec::<MlsDotSpec>("mls-dot", &p)?
            .resolve()
            .map_err(to_py)?;
        let frac = dot.layout.dot_frac_bits() as i32;
        for r in 0..rows {
            y.push(match row_pairs(r) {
                None => f64::NAN,
                Some(pairs) => {
                    let s: f64 = pairs
                        .iter()
                        .map(|(ba, bx)| dot.dot(ba, bx) as f64 * 2f64.powi(-frac))
                        .sum();
                    s / scale
                }
            });
        }
    }
    array(py, vec![rows], y)
}

/// Adds the MLS functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mls_convert, m)?)?;
    m.add_function(wrap_pyfunction!(mls_quantize, m)?)?;
    m.add_function(wrap_pyfunction!(mls_dot, m)?)?;
    m.add_function(wrap_pyfunction!(mls_matvec, m)?)?;
    Ok(())
}
