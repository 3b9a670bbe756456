//! The queue's ends: `Sender`, `Receiver`, and the arrays a receiver is
//! lent from a pool (`LentArray`). The wire is `shm_core::queue`'s, so any
//! end may be Rust (`shm_core::queue`, `shm-harness queue`), the Python
//! twin (`fixtures/python/shm_queue.py`) or this package.

use std::io::{BufReader, Write};
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use shm_core::pool::{PoolCache, PoolRef};
use shm_core::queue::wire::{MAX_LINE, Message};
use shm_core::queue::{Received, Receiver, Sender};
use shm_core::{Descriptor, Error};

use super::array::PySharedArray;
use super::errors::{OrRaise, invalid};
use super::owners::LentOwner;
use super::pool::{PyLoan, PyPool, PyPoolRef};
use super::stream::{Pending, PyReader, PyWriter, identify};
use super::values::{array_protocol, np_dtype, py_number};
use super::view;

/// The sending end of a queue on a binary file (a pipe, a socket's
/// `makefile("wb")`, `sys.stdout.buffer`): writes the `open` message at
/// once, one message per array, and `end` at `finish()`.
///
/// `send(a)` moves an array this process owns to the receiver without a
/// copy (from then on the receiver frees it; `a` stays a view here);
/// `put(x)` copies anything else into a new segment and moves that; `lend`
/// hands over a pool's slot. Arrays in transit survive this process: if it
/// dies, the receiver still gets them, and `clean` frees them once no
/// process holds the stream.
#[pyclass(module = "shm_ndarray", name = "Sender")]
pub(crate) struct PySender {
    tx: Option<Sender<PyWriter>>,
    pending: Pending,
}

impl PySender {
    fn tx(&mut self) -> PyResult<&mut Sender<PyWriter>> {
        self.tx
            .as_mut()
            .ok_or_else(|| invalid("the sender is closed"))
    }

    /// Runs `f` on the sender; a failure is raised as the library's error
    /// or as the Python exception that interrupted the stream.
    fn run<R>(
        &mut self,
        f: impl FnOnce(&mut Sender<PyWriter>) -> shm_core::Result<R>,
    ) -> PyResult<R> {
        let pending = self.pending.clone();
        f(self.tx()?).map_err(|e| pending.raise(e))
    }
}

#[pymethods]
impl PySender {
    /// A sender on `out`, a binary file; writes the stream's `open`
    /// message now. When `out` has a descriptor, the stream's device and
    /// inode go into the lease of every array in transit, so `clean`
    /// spares them while any process holds the stream.
    #[new]
    fn new(out: Bound<'_, PyAny>) -> PyResult<PySender> {
        let (object, path) = identify(&out);
        let pending = Pending::default();
        let writer = PyWriter::new(out.unbind(), pending.clone());
        let tx = Sender::identified(writer, object, path).map_err(|e| pending.raise(e))?;
        Ok(PySender {
            tx: Some(tx),
            pending,
        })
    }

    /// The stream's id, as its messages and leases carry it.
    #[getter]
    fn stream(&mut self) -> PyResult<String> {
        Ok(self.tx()?.stream().to_owned())
    }

    /// How many arrays were sent (moved or lent).
    #[getter]
    fn sent(&mut self) -> PyResult<u64> {
        Ok(self.tx()?.sent())
    }

    /// Moves `array`, which this process must own, to the receiver without
    /// a copy: its lease is marked in transit, then the message is written.
    /// `array` stays usable here as a view; it no longer owns the segment.
    /// If the write fails, `array` owns it again and the error is raised.
    fn send(&mut self, py: Python<'_>, array: &Bound<'_, PySharedArray>) -> PyResult<()> {
        let owner = array.borrow().mapping()?.clone_ref(py);
        let pending = self.pending.clone();
        let tx = self.tx()?;
        owner
            .get()
            .with(|a| tx.hand_over(a))
            .map_err(|e| pending.raise(e))
    }

    /// Puts `obj` on the queue: an array this process owns is moved (as
    /// `send`); anything else (a numpy array, an attached array, a list)
    /// is copied into a new segment, which is moved.
    fn put(&mut self, py: Python<'_>, obj: Bound<'_, PyAny>) -> PyResult<()> {
        if let Ok(array) = obj.cast::<PySharedArray>() {
            if array.getattr(intern!(py, "owner"))?.is_truthy()? {
                return self.send(py, array);
            }
        }
        let copy = py
            .import(intern!(py, "shm_ndarray"))?
            .getattr(intern!(py, "from_array"))?
            .call1((obj,))?;
        let copy = copy.cast::<PySharedArray>()?;
        let sent = self.send(py, copy);
        copy.borrow_mut().close_handle(py);
        sent
    }

    /// Lends `loan`'s slot of `pool` (filled through `loan.array`): the
    /// message carries the slot; the pool stays this process's, and the
    /// slot comes back by a release on the back channel (`read_release`,
    /// `Pool.reclaim`).
    fn lend(&mut self, pool: &Bound<'_, PyPool>, loan: &Bound<'_, PyLoan>) -> PyResult<()> {
        let owner = pool.borrow().owner()?.clone_ref(pool.py());
        let loan = loan.borrow();
        self.run(|tx| owner.get().with(|p| tx.lend(p, loan.loan())))
    }

    /// `lend` for several slots at once, in one write: the receiver wakes
    /// once for the batch.
    fn lend_all(
        &mut self,
        pool: &Bound<'_, PyPool>,
        loans: Vec<PyRef<'_, PyLoan>>,
    ) -> PyResult<()> {
        let owner = pool.borrow().owner()?.clone_ref(pool.py());
        let loans: Vec<_> = loans.iter().map(|l| l.loan().clone()).collect();
        self.run(|tx| owner.get().with(|p| tx.lend_all(p, &loans)))
    }

    /// Records in `pool`'s lease that it lends on this stream (the first
    /// `lend` does it; call it first to keep that write off the hand-off).
    fn bind(&mut self, pool: &Bound<'_, PyPool>) -> PyResult<()> {
        let owner = pool.borrow().owner()?.clone_ref(pool.py());
        self.run(|tx| {
            owner.get().with(|p| {
                tx.bind(p);
                Ok(())
            })
        })
    }

    /// Writes the `end` message (once; later calls do nothing).
    fn finish(&mut self) -> PyResult<()> {
        self.run(Sender::finish)
    }

    /// Finishes the stream if it is not finished, and lets go of it.
    fn close(&mut self) -> PyResult<()> {
        if self.tx.is_some() {
            let finished = self.finish();
            self.tx = None;
            finished?;
        }
        Ok(())
    }

    /// Returns this handle, for a `with` block.
    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// Leaving a `with` block finishes the stream, unless an exception is
    /// on its way out: then the stream is left without its end, so the
    /// receiver sees it truncated.
    fn __exit__(
        &mut self,
        exc_type: Option<Bound<'_, PyAny>>,
        _exc_value: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        if exc_type.is_none() {
            self.close()?;
        } else {
            self.tx = None;
        }
        Ok(false)
    }
}

/// The back channel a receiver writes releases on, shared with the arrays
/// it was lent.
type Back = Arc<Mutex<PyWriter>>;

fn write_release(back: &Back, pool: PoolRef) -> shm_core::Result<()> {
    let line = Message::Release { pool }.to_line();
    let mut back = back.lock().unwrap_or_else(PoisonError::into_inner);
    back.write_all(line.as_bytes())
        .and_then(|()| back.flush())
        .map_err(|e| Error::io("write", &e))
}

/// The receiving end of a queue on a binary file: reads the `open` message
/// at once, then one array per `get()` until the end of the stream.
///
/// A moved array arrives attached and owned: it is this process's to free
/// (`unlink()`, a `with` block, or garbage collection). A lent array
/// (`LentArray`) views a slot of the sender's pool and goes back with
/// `release()`, written on `back`. Bad messages are typed errors that cost
/// nothing already received.
#[pyclass(module = "shm_ndarray", name = "Receiver")]
pub(crate) struct PyReceiver {
    rx: Option<Receiver<BufReader<PyReader>>>,
    cache: PoolCache,
    back: Option<Back>,
    pending: Pending,
}

#[pymethods]
impl PyReceiver {
    /// A receiver on `inp`, a binary file; reads the stream's `open`
    /// message now (waiting for it). `back`, a binary file, is where lent
    /// arrays are released.
    #[new]
    #[pyo3(signature = (inp, back = None))]
    fn new(inp: Bound<'_, PyAny>, back: Option<Bound<'_, PyAny>>) -> PyResult<PyReceiver> {
        let pending = Pending::default();
        let reader = BufReader::new(PyReader::new(inp.unbind(), pending.clone()));
        let rx = Receiver::new(reader).map_err(|e| pending.raise(e))?;
        let back = back.map(|b| Arc::new(Mutex::new(PyWriter::new(b.unbind(), pending.clone()))));
        Ok(PyReceiver {
            rx: Some(rx),
            cache: PoolCache::new(),
            back,
            pending,
        })
    }

    /// The stream's id.
    #[getter]
    fn stream(&self) -> PyResult<String> {
        Ok(self.rx()?.stream().to_owned())
    }

    /// How many array messages were read.
    #[getter]
    fn received(&self) -> PyResult<u64> {
        Ok(self.rx()?.received())
    }

    /// The next array: a `SharedArray` this process now owns, a
    /// `LentArray`, or None after the end of the stream.
    ///
    /// Errors: TruncatedError (an EOFError) when the stream stops without
    /// its end, InvalidMessageError for a line that is not the next
    /// message, the attach errors (NotFoundError, ...) for an array that
    /// cannot be attached, which is left in place; reading may go on.
    fn get(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let pending = self.pending.clone();
        let rx = self
            .rx
            .as_mut()
            .ok_or_else(|| invalid("the receiver is closed"))?;
        let received = rx.recv_any(&mut self.cache).map_err(|e| pending.raise(e))?;
        Ok(match received {
            None => None,
            Some(Received::Owned(array)) => {
                Some(Py::new(py, PySharedArray::new(py, array)?)?.into_any())
            }
            Some(Received::Lent(lent)) => {
                let lent = PyLentArray {
                    descriptor: lent.descriptor().clone(),
                    pool: lent.pool_ref(),
                    owner: Py::new(py, LentOwner::new(lent))?,
                    back: self.back.clone(),
                    pending,
                    released: false,
                    view: None,
                };
                Some(Py::new(py, lent)?.into_any())
            }
        })
    }

    /// Iterates over the arrays until the end of the stream.
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The next array (`get()`); StopIteration at the end.
    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.get(py)
    }

    /// Closes the queue early: reads the rest of the stream (until its end,
    /// or until it stops) and frees every array still on it; each lent one
    /// is given back unread on `back`. Returns how many. Waits for the
    /// sender to finish or go away.
    fn close(&mut self) -> PyResult<u64> {
        let Some(rx) = self.rx.take() else {
            return Ok(0);
        };
        let pending = self.pending.clone();
        let done = match &self.back {
            Some(back) => {
                let mut back = back.lock().unwrap_or_else(PoisonError::into_inner);
                rx.close_releasing(&mut *back)
            }
            None => rx.close(),
        };
        done.map_err(|e| pending.raise(e))
    }

    /// Returns this handle, for a `with` block.
    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// Leaving a `with` block closes the queue (see `close`).
    fn __exit__(
        &mut self,
        _exc_type: Option<Bound<'_, PyAny>>,
        _exc_value: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.close()?;
        Ok(false)
    }
}

impl PyReceiver {
    fn rx(&self) -> PyResult<&Receiver<BufReader<PyReader>>> {
        self.rx
            .as_ref()
            .ok_or_else(|| invalid("the receiver is closed"))
    }
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
