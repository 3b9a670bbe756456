//! The command lines' argument words, read as `shm-harness` reads them
//! (`shm_protocol::arguments`, `shm_core::DType::parse`), so that the same
//! words are accepted and refused with the same messages.

use pyo3::prelude::*;
use shm_core::DType;

use super::errors::OrRaise;

/// `_parse_shape(text) -> list[int]`: a shape word (`3,4`; empty for 0-d).
#[pyfunction]
#[pyo3(name = "_parse_shape")]
pub(crate) fn parse_shape(text: &str) -> PyResult<Vec<usize>> {
    shm_protocol::arguments::parse_shape(text).or_raise()
}

/// `_parse_dtype(text) -> str`: a dtype word (`float32`, `>i2`, `?`) as
/// numpy's `dtype.str`.
#[pyfunction]
#[pyo3(name = "_parse_dtype")]
pub(crate) fn parse_dtype(text: &str) -> PyResult<String> {
    Ok(DType::parse(text).or_raise()?.to_string())
}
