//! Library errors raised as the package's exceptions.
//!
//! The classes are defined in Python (`shm_ndarray/_errors.py`), where a
//! class can have two bases: the package's `ShmError` and the built-in
//! exception that fits (`FileNotFoundError`, `ValueError`, ...), which
//! PyO3's exception macros cannot express. Each carries `.kind`, the
//! library's [`ErrorKind`] name.

use std::str::FromStr;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use shm_core::{Error, ErrorKind};

use crate::kinds;

/// The module that defines the exception classes.
const ERRORS_MODULE: &str = "shm_ndarray._errors";

/// `error` as the package's exception for its kind.
pub(crate) fn to_pyerr(error: Error) -> PyErr {
    Python::attach(|py| match build(py, &error) {
        Ok(err) | Err(err) => err,
    })
}

fn build(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
    let make = py.import(ERRORS_MODULE)?.getattr("_from_library")?;
    let exception = make.call1((
        error.kind().name(),
        error.to_string(),
        kinds::errno(error),
        kinds::segment_name(error),
    ))?;
    Ok(PyErr::from_value(exception))
}

/// Results of the library, raised as the package's exceptions.
pub(crate) trait OrRaise<T> {
    /// The value, or the error as a Python exception.
    fn or_raise(self) -> PyResult<T>;
}

impl<T> OrRaise<T> for shm_core::Result<T> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(to_pyerr)
    }
}

/// An [`Error::InvalidArgument`] with `message`, raised.
pub(crate) fn invalid(message: impl Into<String>) -> PyErr {
    to_pyerr(Error::InvalidArgument(message.into()))
}

/// `error_kinds() -> list[tuple[str, str, str]]`: every library error
/// kind with the name of its exception class and of the built-in exception
/// that class also is, as the package defines them.
#[pyfunction]
pub(crate) fn error_kinds() -> Vec<(&'static str, &'static str, &'static str)> {
    ErrorKind::ALL
        .into_iter()
        .map(|k| {
            let p = kinds::py_kind(k);
            (k.name(), p.class, p.builtin)
        })
        .collect()
}

/// `exit_code(kind: str) -> int`: the exit code a command line exits with
/// after an error of this kind (2 wrong input, 3 a failed segment
/// operation), as every command of the workspace does.
#[pyfunction]
pub(crate) fn exit_code(kind: &str) -> PyResult<u8> {
    ErrorKind::from_str(kind)
        .map(kinds::exit_code)
        .map_err(PyRuntimeError::new_err)
}
