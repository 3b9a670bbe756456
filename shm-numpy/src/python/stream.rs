//! Python file objects as Rust streams, for the queue's ends.
//!
//! Reading and writing call the file's own methods (`read1` or `read`,
//! `write`, `flush`), so any binary file works: a pipe's, a socket's
//! `makefile()`, `sys.stdout.buffer`, `io.BytesIO`. Python's file methods
//! release the GIL while they wait.
//!
//! An `OSError` from the file becomes the library's `Os` error (a
//! receiver gone is `EPIPE`, as in Rust); any other exception (a
//! `KeyboardInterrupt` in the middle of a read) is kept in the stream's
//! [`Pending`] slot and raised as itself once the library call returns.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::PyOSError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::errors::to_pyerr;

/// A Python exception that interrupted a stream, to raise instead of the
/// library's error about it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pending(Arc<Mutex<Option<PyErr>>>);

impl Pending {
    fn keep(&self, err: PyErr) -> io::Error {
        let text = err.to_string();
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(err);
        io::Error::other(text)
    }

    /// The library's error raised: the Python exception behind it, if
    /// one interrupted the stream, else the error itself.
    pub(crate) fn raise(&self, error: shm_core::Error) -> PyErr {
        match self.0.lock().unwrap_or_else(PoisonError::into_inner).take() {
            Some(err) => err,
            None => to_pyerr(error),
        }
    }

    /// `OSError`s as the OS's errors; others kept to raise as themselves.
    fn io_error(&self, py: Python<'_>, err: PyErr) -> io::Error {
        if err.is_instance_of::<PyOSError>(py) {
            let errno = err
                .value(py)
                .getattr("errno")
                .and_then(|e| e.extract::<Option<i32>>())
                .ok()
                .flatten();
            if let Some(code) = errno {
                return io::Error::from_raw_os_error(code);
            }
        }
        self.keep(err)
    }
}

/// A Python file read from Rust.
#[derive(Debug)]
pub(crate) struct PyReader {
    file: Py<PyAny>,
    pending: Pending,
}

impl PyReader {
    pub(crate) fn new(file: Py<PyAny>, pending: Pending) -> PyReader {
        PyReader { file, pending }
    }
}

impl Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Python::attach(|py| {
            let file = self.file.bind(py);
            // `read1` returns what one read gives (a pipe's line as soon as
            // it is there); a raw file's `read` does the same.
            let method = if file.hasattr(intern!(py, "read1")).unwrap_or(false) {
                intern!(py, "read1")
            } else {
                intern!(py, "read")
            };
            let data = file
                .call_method1(method, (buf.len(),))
                .map_err(|e| self.pending.io_error(py, e))?;
            if data.is_none() {
                // A non-blocking file with nothing to read yet.
                return Err(io::Error::from(io::ErrorKind::WouldBlock));
            }
            let bytes = data.cast::<PyBytes>().map_err(|_| {
                self.pending.keep(pyo3::exceptions::PyTypeError::new_err(
                    "the queue's stream must be a binary file (read returned no bytes)",
                ))
            })?;
            let bytes = bytes.as_bytes();
            let n = bytes.len().min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            Ok(n)
        })
    }
}

/// A Python file written from Rust.
#[derive(Debug)]
pub(crate) struct PyWriter {
    file: Py<PyAny>,
    pending: Pending,
}

impl PyWriter {
    pub(crate) fn new(file: Py<PyAny>, pending: Pending) -> PyWriter {
        PyWriter { file, pending }
    }
}

impl Write for PyWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Python::attach(|py| {
            let written = self
                .file
                .bind(py)
                .call_method1(intern!(py, "write"), (PyBytes::new(py, buf),))
                .map_err(|e| self.pending.io_error(py, e))?;
            // Buffered files return the length; raw ones what they wrote,
            // or None when a non-blocking file would block.
            match written.extract::<Option<usize>>() {
                Ok(Some(n)) => Ok(n.min(buf.len())),
                Ok(None) => Err(io::Error::from(io::ErrorKind::WouldBlock)),
                Err(_) => Ok(buf.len()),
            }
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Python::attach(|py| {
            let file = self.file.bind(py);
            if file.hasattr(intern!(py, "flush")).unwrap_or(false) {
                file.call_method0(intern!(py, "flush"))
                    .map_err(|e| self.pending.io_error(py, e))?;
            }
            Ok(())
        })
    }
}

/// The stream key of a file: its `(device, inode)` from `os.fstat` and, for
/// a regular file on Linux, its path; `None`s when it has no descriptor.
pub(crate) fn identify(file: &Bound<'_, PyAny>) -> (Option<(u64, u64)>, Option<String>) {
    let py = file.py();
    let found = (|| -> PyResult<_> {
        let fd: i64 = file.call_method0(intern!(py, "fileno"))?.extract()?;
        let os = py.import(intern!(py, "os"))?;
        let st = os.call_method1(intern!(py, "fstat"), (fd,))?;
        let dev: u64 = st.getattr(intern!(py, "st_dev"))?.extract()?;
        let ino: u64 = st.getattr(intern!(py, "st_ino"))?.extract()?;
        let mode = st.getattr(intern!(py, "st_mode"))?;
        let regular: bool = py
            .import(intern!(py, "stat"))?
            .call_method1(intern!(py, "S_ISREG"), (mode,))?
            .extract()?;
        let path = if regular && cfg!(any(target_os = "linux", target_os = "android")) {
            os.call_method1(intern!(py, "readlink"), (format!("/proc/self/fd/{fd}"),))
                .and_then(|p| p.extract::<String>())
                .ok()
        } else {
            None
        };
        Ok((Some((dev, ino)), path))
    })();
    found.unwrap_or((None, None))
}
