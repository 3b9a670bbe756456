//! Python numbers and numpy dtypes as the library has them.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyComplex, PyFloat, PyInt};
use shm_core::{DType, Scalar};

use super::errors::invalid;
use crate::number::Number;

/// A fill value: a Python `bool`, `int`, `float` or `complex`, or anything
/// that converts to one (numpy scalars: `__index__`, `__float__`,
/// `__complex__`).
pub(crate) fn scalar_of(value: &Bound<'_, PyAny>) -> PyResult<Scalar> {
    let kind = numpy_kind(value);
    let number = if value.is_instance_of::<PyBool>() || kind == Some('b') {
        Number::Bool(value.is_truthy()?)
    } else if value.is_instance_of::<PyComplex>() || kind == Some('c') {
        let c = value.call_method0(intern!(value.py(), "__complex__"))?;
        let c = c.cast::<PyComplex>()?;
        Number::Complex(c.real(), c.imag())
    } else if value.is_instance_of::<PyInt>() || matches!(kind, Some('i' | 'u')) {
        match value.extract::<i128>() {
            Ok(n) => Number::Int(n),
            Err(_) => {
                return Err(invalid(format!("{} does not fit 128 bits", value.repr()?)));
            }
        }
    } else if let Ok(x) = value.extract::<f64>() {
        Number::Float(x)
    } else {
        return Err(invalid(format!(
            "{} is not a number (bool, int, float or complex)",
            value.repr()?
        )));
    };
    Ok(number.to_scalar())
}

/// numpy's kind letter of a numpy scalar (`value.dtype.kind`), if it is one.
fn numpy_kind(value: &Bound<'_, PyAny>) -> Option<char> {
    let py = value.py();
    let numpy = py.import(intern!(py, "numpy")).ok()?;
    let generic = numpy.getattr(intern!(py, "generic")).ok()?;
    if !value.is_instance(&generic).ok()? {
        return None;
    }
    let kind: String = value
        .getattr(intern!(py, "dtype"))
        .and_then(|d| d.getattr(intern!(py, "kind")))
        .and_then(|k| k.extract())
        .ok()?;
    kind.chars().next()
}

/// A value read back as the Python number that holds it exactly.
pub(crate) fn py_number<'py>(py: Python<'py>, value: Scalar) -> PyResult<Bound<'py, PyAny>> {
    Ok(match Number::of_scalar(value) {
        Number::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        Number::Int(n) => n.into_pyobject(py)?.into_any(),
        Number::Float(x) => PyFloat::new(py, x).into_any(),
        Number::Complex(re, im) => PyComplex::from_doubles(py, re, im).into_any(),
    })
}

/// `numpy.dtype` of a library dtype.
pub(crate) fn np_dtype<'py>(py: Python<'py>, dtype: DType) -> PyResult<Bound<'py, PyAny>> {
    py.import(intern!(py, "numpy"))?
        .getattr(intern!(py, "dtype"))?
        .call1((dtype.to_string(),))
}

/// A shape as numpy users give one (an int or ints), checked as the
/// package checks it (`shm_ndarray._arrays.shape_of`).
pub(crate) fn shape_of(shape: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
    let py = shape.py();
    py.import(intern!(py, "shm_ndarray._arrays"))?
        .call_method1(intern!(py, "shape_of"), (shape,))?
        .extract()
}

/// A dtype as numpy users give one (a name, a type, a `numpy.dtype`), read
/// by numpy and then by the library.
pub(crate) fn dtype_of(dtype: &Bound<'_, PyAny>) -> PyResult<DType> {
    let py = dtype.py();
    let text: String = py
        .import(intern!(py, "shm_ndarray._arrays"))?
        .call_method1(intern!(py, "dtype_str"), (dtype,))?
        .extract()?;
    DType::parse(&text).map_err(super::errors::to_pyerr)
}

/// numpy's array protocol over a view: the view itself, or a copy when
/// `copy` is true or `dtype` is another (refused when `copy` is false),
/// with numpy 1 and 2 alike.
pub(crate) fn array_protocol<'py>(
    view: Bound<'py, PyAny>,
    dtype: Option<Bound<'py, PyAny>>,
    copy: Option<bool>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = view.py();
    let numpy = py.import(intern!(py, "numpy"))?;
    let kwargs = pyo3::types::PyDict::new(py);
    if let Some(dtype) = dtype {
        kwargs.set_item(intern!(py, "dtype"), dtype)?;
    }
    if copy == Some(true) {
        kwargs.set_item(intern!(py, "copy"), true)?;
        return numpy
            .getattr(intern!(py, "array"))?
            .call((view,), Some(&kwargs));
    }
    let result = numpy
        .getattr(intern!(py, "asarray"))?
        .call((&view,), Some(&kwargs))?;
    if copy == Some(false) && !result.is(&view) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "a copy is needed for that dtype, and copy=False forbids one",
        ));
    }
    Ok(result)
}
