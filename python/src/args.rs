//! Keyword arguments to the generator's specs, NumPy arrays to the models' lanes and back, and the
//! generator's errors to Python exceptions.

use hbfpgen::units::convert::{InputFormat, Rounding};
use numpy::ndarray::{ArrayD, IxDyn};
use numpy::{Element, IntoPyArray, PyArrayDyn, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use serde_json::{Map, Value};

/// A NumPy array returned to Python.
pub type Arr<'py, T> = Bound<'py, PyArrayDyn<T>>;

/// The NumPy name of an element type the functions take.
pub trait Dtype: Element {
    /// `float32`, `uint32`, `uint8`.
    const NAME: &'static str;
}

impl Dtype for f32 {
    const NAME: &'static str = "float32";
}

impl Dtype for u32 {
    const NAME: &'static str = "uint32";
}

impl Dtype for u8 {
    const NAME: &'static str = "uint8";
}

/// An array argument of element type `T`: any other argument raises a `TypeError` that names
/// what was given and the conversion (the units take FP32 lanes: a float64 array is not rounded
/// to float32 behind the caller's back).
pub struct In<'py, T: Dtype>(PyReadonlyArrayDyn<'py, T>);

impl<'py, T: Dtype> FromPyObject<'py> for In<'py, T> {
    fn extract_bound(ob: &Bound<'py, PyAny>) -> PyResult<Self> {
        ob.extract::<PyReadonlyArrayDyn<'py, T>>()
            .map(In)
            .map_err(|_| {
                let given = match ob.getattr("dtype") {
                    Ok(d) => format!("an array of {d}"),
                    Err(_) => format!(
                        "a {}",
                        ob.get_type()
                            .name()
                            .map(|n| n.to_string())
                            .unwrap_or_default()
                    ),
                };
                PyTypeError::new_err(format!(
                    "a NumPy {} array is expected, not {given}; convert it with \
                 np.asarray(value, dtype=np.{})",
                    T::NAME,
                    T::NAME
                ))
            })
    }
}

impl<'py, T: Dtype> std::ops::Deref for In<'py, T> {
    type Target = PyReadonlyArrayDyn<'py, T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// A `ValueError` with `message`.
pub fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}

/// The generator's error as a `ValueError` with its message.
pub fn to_py(e: hbfpgen::error::Error) -> PyErr {
    value_error(e.to_string())
}

/// The keyword arguments as a JSON object (a `None` value is left out: the default).
pub fn json_map(params: Option<&Bound<'_, PyDict>>) -> PyResult<Map<String, Value>> {
    let mut map = Map::new();
    let Some(params) = params else {
        return Ok(map);
    };
    for (k, v) in params.iter() {
        let key: String = k.extract()?;
        let value = if v.is_none() {
            continue;
        } else if v.is_instance_of::<PyBool>() {
            Value::Bool(v.extract()?)
        } else if v.is_instance_of::<PyInt>() {
            Value::from(v.extract::<i64>()?)
        } else if v.is_instance_of::<PyFloat>() {
            Value::from(v.extract::<f64>()?)
        } else if v.is_instance_of::<PyString>() {
            Value::String(v.extract()?)
        } else {
            return Err(PyTypeError::new_err(format!(
                "parameter `{key}`: a bool, int, float or str is expected, not {}",
                v.get_type().name()?
            )));
        };
        map.insert(key, value);
    }
    Ok(map)
}

/// The keyword arguments as a TOML table (what a unit's `--config` file holds).
pub fn toml_table(params: Option<&Bound<'_, PyDict>>) -> PyResult<toml::Table> {
    let map = json_map(params)?;
    toml::Table::try_from(Value::Object(map)).map_err(|e| value_error(e.to_string()))
}

/// The parameters of the generator's units `units` (command-line names): checks that each key
/// of `params` belongs to one of them or to `extra` (the function's own), else a `ValueError`
/// that lists the keys it takes.
pub fn check_keys(
    func: &str,
    params: &Map<String, Value>,
    units: &[&str],
    extra: &[&str],
) -> PyResult<()> {
    let mut known: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    for u in units {
        let kind = hbfpgen::units::find(u).expect("a registered unit");
        for k in kind.keys() {
            if !known.contains(&k) && k != "name" && k != "tag_bits" && k != "stages" {
                known.push(k);
            }
        }
    }
    for k in params.keys() {
        if !known.contains(k) {
            return Err(value_error(format!(
                "{func}: unknown parameter `{k}`; it takes {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

/// The spec of unit `unit` (a command-line name) from the keys of `params` that it knows; its
/// resolution is the caller's (`spec.resolve()`), which validates every value.
pub fn spec<S: serde::de::DeserializeOwned>(
    unit: &str,
    params: &Map<String, Value>,
) -> PyResult<S> {
    let keys = hbfpgen::units::find(unit)
        .expect("a registered unit")
        .keys();
    let mut own = Map::new();
    for (k, v) in params {
        if keys.contains(k) {
            own.insert(k.clone(), v.clone());
        }
    }
    serde_json::from_value(Value::Object(own)).map_err(|e| value_error(e.to_string()))
}

/// A float array's lanes as patterns of `input`, in C order, with its shape (see
/// [`patterns_into`]).
pub fn lanes(
    x: &PyReadonlyArrayDyn<'_, f32>,
    input: InputFormat,
) -> PyResult<(Vec<u64>, Vec<usize>)> {
    let values = contiguous(x);
    let mut out = vec![0; values.len()];
    patterns_into(&values, input, 0, &mut out)?;
    Ok((out, x.shape().to_vec()))
}

/// The array's values in C order: borrowed when it is C-contiguous, else copied.
pub fn contiguous<'a>(x: &'a PyReadonlyArrayDyn<'_, f32>) -> std::borrow::Cow<'a, [f32]> {
    // as_slice also takes a Fortran-ordered array, in its memory order
    match x.as_slice() {
        Ok(s) if x.is_c_contiguous() => std::borrow::Cow::Borrowed(s),
        _ => std::borrow::Cow::Owned(x.as_array().iter().copied().collect()),
    }
}

/// `values` (lanes `first`.. of an array) as patterns of `input` in `out`. bfloat16 lanes are
/// given as float32 values whose low 16 bits are zero (`x.astype(np.float32)` of a bf16 tensor).
pub fn patterns_into(
    values: &[f32],
    input: InputFormat,
    first: usize,
    out: &mut [u64],
) -> PyResult<()> {
    match input {
        InputFormat::Fp32 => {
            for (o, v) in out.iter_mut().zip(values) {
                *o = u64::from(v.to_bits());
            }
        }
        InputFormat::Bf16 => {
            for (i, (o, v)) in out.iter_mut().zip(values).enumerate() {
                let b = v.to_bits();
                if b & 0xffff != 0 {
                    return Err(not_bf16(first + i, *v));
                }
                *o = u64::from(b >> 16);
            }
        }
    }
    Ok(())
}

/// The error of a float32 element that is not a bfloat16 value.
fn not_bf16(i: usize, v: f32) -> PyErr {
    value_error(format!(
        "element {i} ({v:e}) is not a bfloat16 value (its low 16 bits are not zero); \
         round the array to bfloat16 first, or use input_format=\"fp32\""
    ))
}

/// 2^e exactly, for e in f64's normal and subnormal range.
pub fn pow2(e: i64) -> f64 {
    if (-1022..=1023).contains(&e) {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        2f64.powi(e as i32)
    }
}

/// The number of blocks of `block` lanes along the last axis of `shape`, or a `ValueError`.
pub fn blocks_per_row(func: &str, shape: &[usize], block: u32) -> PyResult<usize> {
    let n = *shape.last().ok_or_else(|| {
        value_error(format!(
            "{func}: a 0-dimensional array has no blocks; give at least one axis"
        ))
    })?;
    let b = block as usize;
    if n % b != 0 {
        return Err(value_error(format!(
            "{func}: the last axis has {n} elements, not a multiple of the block ({b}); \
             pad it (with zeros) or choose a block that divides it"
        )));
    }
    Ok(n / b)
}

/// The random bits of stochastic rounding: an unsigned integer array of `shape`, each below
/// 2^bits.
pub fn random_lanes(
    func: &str,
    random: Option<In<'_, u32>>,
    shape: &[usize],
    bits: u32,
) -> PyResult<Vec<u64>> {
    let Some(r) = random else {
        return Err(value_error(format!(
            "{func}: stochastic rounding needs `random`, a uint32 array of the input's shape of \
             {bits}-bit values (for example np.random.default_rng(0).integers(0, 2**{bits}, x.shape, dtype=np.uint32))"
        )));
    };
    if r.shape() != shape {
        return Err(value_error(format!(
            "{func}: `random` has shape {:?}, the input {shape:?}",
            r.shape()
        )));
    }
    let mut out = Vec::with_capacity(r.len());
    for (i, v) in r.as_array().iter().enumerate() {
        if bits < 32 && *v >> bits != 0 {
            return Err(value_error(format!(
                "{func}: random value {i} is {v}, wider than random_bits = {bits}"
            )));
        }
        out.push(u64::from(*v));
    }
    Ok(out)
}

/// `data` as an array of `shape`.
pub fn array<'py, T: Element>(
    py: Python<'py>,
    shape: Vec<usize>,
    data: Vec<T>,
) -> PyResult<Arr<'py, T>> {
    let a = ArrayD::from_shape_vec(IxDyn(&shape), data).map_err(|e| value_error(e.to_string()))?;
    Ok(a.into_pyarray(py))
}

/// `shape` with its last axis (n lanes) replaced by (n / block, block), and by (n / block).
pub fn block_shapes(shape: &[usize], block: u32) -> (Vec<usize>, Vec<usize>) {
    let b = block as usize;
    let mut lanes = shape[..shape.len() - 1].to_vec();
    lanes.push(shape[shape.len() - 1] / b);
    let scales = lanes.clone();
    lanes.push(b);
    (lanes, scales)
}

/// The value of a pattern of an accumulator's format, in f64.
pub fn pattern_f64(format: hbfpgen::fp::FpFormat, bits: u64) -> f64 {
    format.decode(bits).to_f64()
}

/// Whether the keyword arguments ask for an accumulator (any of its parameters): the products
/// are then accumulated by the accumulating unit's model, else summed in float64.
pub fn wants_acc(params: &Map<String, Value>) -> bool {
    ["acc", "acc_exp_bits", "acc_man_bits", "saturate"]
        .iter()
        .any(|k| params.contains_key(*k))
}

/// A `ValueError` for a product of converted operands under stochastic rounding, which needs
/// random bits per element: `convert` is the function that takes them.
pub fn refuse_stochastic(func: &str, rounding: Rounding, convert: &str) -> PyResult<()> {
    if matches!(rounding, Rounding::Stochastic { .. }) {
        return Err(value_error(format!(
            "{func}: stochastic rounding needs random bits per element; convert the operands \
             with {convert}(..., random=...) instead"
        )));
    }
    Ok(())
}

/// Checks that the two operands of a block dot product have one shape.
pub fn same_shape(
    func: &str,
    a: &PyReadonlyArrayDyn<'_, f32>,
    b: &PyReadonlyArrayDyn<'_, f32>,
) -> PyResult<()> {
    if a.shape() == b.shape() {
        Ok(())
    } else {
        Err(value_error(format!(
            "{func}: a and b must have one shape; they have {:?} and {:?}",
            a.shape(),
            b.shape()
        )))
    }
}

/// A matrix A (rows x n) and a vector x (n) for a matrix-vector product, checked.
pub fn matvec_operands(
    func: &str,
    a: &PyReadonlyArrayDyn<'_, f32>,
    x: &PyReadonlyArrayDyn<'_, f32>,
) -> PyResult<(usize, usize)> {
    let (sa, sx) = (a.shape(), x.shape());
    match (sa, sx) {
        ([rows, n], [m]) if n == m => Ok((*rows, *n)),
        _ => Err(value_error(format!(
            "{func}: A must be 2-D (rows x n) and x 1-D (n); they have shapes {sa:?} and {sx:?}"
        ))),
    }
}
