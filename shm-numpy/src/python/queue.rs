//! The queue's ends: `Sender` and `Receiver` (the arrays a receiver is
//! lent from a pool are `lent.rs`'s). The wire is `shm_core::queue`'s, so any
//! end may be Rust (`shm_core::queue`, `shm-harness queue`), the Python
//! twin (`fixtures/python/shm_queue.py`) or this package.

use std::io::BufReader;
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::intern;
use pyo3::prelude::*;
use shm_core::pool::PoolCache;
use shm_core::queue::{Received, Receiver, Sender};

use super::array::PySharedArray;
use super::errors::invalid;
use super::lent::{Back, PyLentArray};
use super::pool::{PyLoan, PyPool};
use super::stream::{Pending, PyReader, PyWriter, identify};

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
                let lent = PyLentArray::new(py, lent, self.back.clone(), pending)?;
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
