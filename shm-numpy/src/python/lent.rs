//! Arrays a receiver is lent from a sender's pool (`LentArray`), and the
//! back channel their releases travel on (`read_release` reads one).

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use shm_core::pool::{Lent, PoolRef};
use shm_core::queue::wire::{MAX_LINE, Message};
use shm_core::{Descriptor, Error};

use super::errors::{OrRaise, invalid};
use super::owners::LentOwner;
use super::pool::PyPoolRef;
use super::stream::{Pending, PyWriter};
use super::values::{array_protocol, np_dtype, py_number};
use super::view;

/// The back channel a receiver writes releases on, shared with the arrays
/// it was lent.
pub(super) type Back = Arc<Mutex<PyWriter>>;

/// Writes one release on the back channel.
fn write_release(back: &Back, pool: PoolRef) -> shm_core::Result<()> {
    let line = Message::Release { pool }.to_line();
    let mut back = back.lock().unwrap_or_else(PoisonError::into_inner);
    back.write_all(line.as_bytes())
        .and_then(|()| back.flush())
        .map_err(|e| Error::io("write", &e))
}

/// An array lent from a sender's pool: a read-only view of its slot,
/// checked on every access (`array`, `check()`, `sum()`) to still be this
/// array's; once the slot was released and lent again, that is a
/// StaleError, never the next array's bytes. Give it back with
/// `release()` (or a `with` block) as soon as you are done: the sender
/// waits for free slots. Do not keep views of it past its release.
#[pyclass(module = "shm_ndarray", name = "LentArray")]
pub(crate) struct PyLentArray {
    owner: Py<LentOwner>,
    descriptor: Descriptor,
    pool: PoolRef,
    back: Option<Back>,
    pending: Pending,
    released: bool,
    view: Option<Py<PyAny>>,
}

impl PyLentArray {
    /// The handle of an array a receiver was lent; its releases go on
    /// `back`, its errors through `pending`.
    pub(super) fn new(
        py: Python<'_>,
        lent: Lent,
        back: Option<Back>,
        pending: Pending,
    ) -> PyResult<PyLentArray> {
        Ok(PyLentArray {
            descriptor: lent.descriptor().clone(),
            pool: lent.pool_ref(),
            owner: Py::new(py, LentOwner::new(lent))?,
            back,
            pending,
            released: false,
            view: None,
        })
    }

    /// StaleError once the array was released.
    fn live(&self) -> PyResult<()> {
        if self.released {
            return Err(super::errors::to_pyerr(Error::Stale {
                name: self.descriptor.name().unwrap_or_default().to_owned(),
                slot: self.pool.slot,
            }));
        }
        Ok(())
    }
}

#[pymethods]
impl PyLentArray {
    /// A read-only numpy view of the slot, no copy; raises StaleError once
    /// the array was released or its slot lent again.
    #[getter]
    fn array<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.live()?;
        let owner = self.owner.bind(py);
        if let Some(view) = &self.view {
            owner.get().lent().bytes().or_raise()?;
            return Ok(view.bind(py).clone());
        }
        let view = view::lent_view(owner)?;
        self.view = Some(view.clone().unbind());
        Ok(view)
    }

    /// Raises StaleError if the slot is no longer this array's.
    fn check(&self, py: Python<'_>) -> PyResult<()> {
        self.live()?;
        self.owner
            .bind(py)
            .get()
            .lent()
            .bytes()
            .or_raise()
            .map(drop)
    }

    /// The sum of the elements (as `SharedArray.sum`), computed without
    /// holding the GIL, the slot checked as it is read.
    fn sum<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.live()?;
        let owner = self.owner.get();
        let dtype = self.descriptor.dtype();
        let total = py
            .detach(|| crate::elements::sum(dtype, owner.lent().bytes()?))
            .or_raise()?;
        py_number(py, total)
    }

    /// Gives the slot back: writes its release on the receiver's back
    /// channel. Later calls do nothing.
    fn release(&mut self) -> PyResult<()> {
        if self.released {
            return Ok(());
        }
        let back = self.back.as_ref().ok_or_else(|| {
            invalid("a lent array is released on a back channel: give the Receiver one (back=...)")
        })?;
        write_release(back, self.pool).map_err(|e| self.pending.raise(e))?;
        self.released = true;
        self.view = None;
        Ok(())
    }

    /// Whether `release()` was called.
    #[getter]
    fn released(&self) -> bool {
        self.released
    }

    /// The pool, slot and generation this array was lent with.
    #[getter]
    fn pool_ref(&self) -> PyPoolRef {
        PyPoolRef::from(self.pool)
    }

    /// The array's descriptor (the pool's name and the slot's offset), a
    /// dict.
    #[getter]
    fn descriptor<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import(intern!(py, "json"))?
            .getattr(intern!(py, "loads"))?
            .call1((self.descriptor.to_json(),))
    }

    /// The array's shape.
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.descriptor.shape())
    }

    /// The array's dtype, as numpy has it.
    #[getter]
    fn dtype<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        np_dtype(py, self.descriptor.dtype())
    }

    /// numpy's array protocol: the read-only view (a copy if asked).
    #[pyo3(signature = (dtype = None, copy = None))]
    fn __array__<'py>(
        &mut self,
        py: Python<'py>,
        dtype: Option<Bound<'py, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        array_protocol(self.array(py)?, dtype, copy)
    }

    /// What the handle is, for people.
    fn __repr__(&self) -> String {
        format!(
            "LentArray(pool='{}', slot={}, generation={}, shape={:?}, dtype='{}'{})",
            self.descriptor.name().unwrap_or_default(),
            self.pool.slot,
            self.pool.generation,
            self.descriptor.shape(),
            self.descriptor.dtype().name(),
            if self.released { ", released" } else { "" }
        )
    }

    /// Returns this handle, for a `with` block.
    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// Leaving a `with` block releases the array.
    fn __exit__(
        &mut self,
        _exc_type: Option<Bound<'_, PyAny>>,
        _exc_value: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.release()?;
        Ok(false)
    }
}

/// `read_release(back) -> PoolRef | None`: one release from a back channel
/// (a binary file a receiver writes its releases to), or None at its end.
/// Reads exactly one line.
#[pyfunction]
pub(crate) fn read_release(back: Bound<'_, PyAny>) -> PyResult<Option<PyPoolRef>> {
    let py = back.py();
    let line = back.call_method1(intern!(py, "readline"), (MAX_LINE + 1,))?;
    let line: &[u8] = line.cast::<pyo3::types::PyBytes>()?.as_bytes();
    if !line.ends_with(b"\n") {
        return Ok(None); // the end, or a line cut by the writer's death
    }
    let text = std::str::from_utf8(line)
        .map_err(|e| Error::InvalidMessage(format!("not UTF-8: {e}")))
        .or_raise()?;
    match Message::parse(text.trim_end()).or_raise()? {
        Message::Release { pool } => Ok(Some(PyPoolRef::from(pool))),
        _ => Err(Error::InvalidMessage(
            "the back channel carries releases only".into(),
        ))
        .or_raise(),
    }
}
