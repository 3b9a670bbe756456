//! `Pool`: slots of one segment a sender lends over a queue and gets back,
//! and the `Loan` of one slot.

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use shm_core::pool::{Loan, Pool, PoolRef};

use super::errors::{OrRaise, invalid};
use super::owners::PoolOwner;
use super::values::{dtype_of, np_dtype, shape_of};
use super::view;

/// A pool of shared memory this process owns: `slots` slots of at least
/// `slot_bytes` bytes each (whole pages), every page reserved now (a full
/// /dev/shm is OutOfSpaceError here, never a SIGBUS later).
///
/// `lend(shape, dtype)` gives a free slot's `Loan`; fill `loan.array` and
/// lend it with `Sender.lend`; the receiver's release comes back on the
/// back channel (`read_release`) and `reclaim` frees the slot. The segment
/// is unlinked once the pool is closed (or garbage collected) and no view
/// of it is left; if this process dies, `clean` spares the pool while the
/// stream it lent on is held, then reclaims it.
#[pyclass(module = "shm_ndarray", name = "Pool")]
pub(crate) struct PyPool {
    owner: Option<Py<PoolOwner>>,
    name: String,
    id: u64,
    slots: usize,
    slot_bytes: usize,
}

impl PyPool {
    pub(crate) fn owner(&self) -> PyResult<&Py<PoolOwner>> {
        self.owner
            .as_ref()
            .ok_or_else(|| invalid("the pool is closed"))
    }
}

#[pymethods]
impl PyPool {
    /// A new pool of `slots` slots of `slot_bytes` bytes each (rounded up
    /// to whole pages), under a generated name or `name` (never an
    /// existing one: AlreadyExistsError).
    #[new]
    #[pyo3(signature = (slots, slot_bytes, *, name = None))]
    fn new(
        py: Python<'_>,
        slots: usize,
        slot_bytes: usize,
        name: Option<&str>,
    ) -> PyResult<PyPool> {
        let pool = py
            .detach(|| match name {
                Some(n) => Pool::create_named(n, slots, slot_bytes),
                None => Pool::create(slots, slot_bytes),
            })
            .or_raise()?;
        Ok(PyPool {
            name: pool.name().to_owned(),
            id: pool.id(),
            slot_bytes: pool.slot_bytes(),
            slots,
            owner: Some(Py::new(py, PoolOwner::new(pool))?),
        })
    }

    /// The pool segment's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The pool's id (random; in its header and in every lend message).
    #[getter]
    fn id(&self) -> u64 {
        self.id
    }

    /// How many slots the pool has.
    #[getter]
    fn slots(&self) -> usize {
        self.slots
    }

    /// The bytes each slot holds.
    #[getter]
    fn slot_bytes(&self) -> usize {
        self.slot_bytes
    }

    /// How many slots are free now.
    #[getter]
    fn free(&self, py: Python<'_>) -> PyResult<usize> {
        self.owner()?
            .bind(py)
            .get()
            .with(|p| Ok(p.free()))
            .or_raise()
    }

    /// Lends a free slot for a C-order array of `shape` and `dtype` (as
    /// numpy takes them): its `Loan`, or None when every slot is out (read
    /// a release and `reclaim` it). InvalidArgumentError when the array
    /// does not fit a slot.
    fn lend(
        &self,
        py: Python<'_>,
        shape: Bound<'_, PyAny>,
        dtype: Bound<'_, PyAny>,
    ) -> PyResult<Option<PyLoan>> {
        let shape = shape_of(&shape)?;
        let dtype = dtype_of(&dtype)?;
        let owner = self.owner()?;
        let loan = owner
            .bind(py)
            .get()
            .with(|p| p.lend(&shape, dtype))
            .or_raise()?;
        Ok(loan.map(|loan| PyLoan {
            loan,
            owner: owner.clone_ref(py),
            view: None,
        }))
    }

    /// Takes back the slot a receiver released (`read_release`): its
    /// generation moves on and it is free again. InvalidMessageError for a
    /// slot that is not out with that generation.
    fn reclaim(&self, py: Python<'_>, released: &PyPoolRef) -> PyResult<()> {
        self.owner()?
            .bind(py)
            .get()
            .with(|p| p.reclaim(released.0))
            .or_raise()
    }

    /// Takes back every slot still lent (the receiver is gone); returns
    /// how many.
    fn reclaim_all(&self, py: Python<'_>) -> PyResult<usize> {
        self.owner()?
            .bind(py)
            .get()
            .with(|p| Ok(p.reclaim_all()))
            .or_raise()
    }

    /// Lets go of the pool: its segment is unlinked once no view of a slot
    /// is left. Idempotent.
    fn close(&mut self) {
        self.owner = None;
    }

    /// Returns this handle, for a `with` block.
    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// Leaving a `with` block closes the pool.
    fn __exit__(
        &mut self,
        _exc_type: Option<Bound<'_, PyAny>>,
        _exc_value: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) -> bool {
        self.close();
        false
    }

    /// What the handle is, for people.
    fn __repr__(&self) -> String {
        format!(
            "Pool(name='{}', slots={}, slot_bytes={}{})",
            self.name,
            self.slots,
            self.slot_bytes,
            if self.owner.is_none() { ", closed" } else { "" }
        )
    }
}

/// One slot of a `Pool`, lent: fill `array`, then `Sender.lend(pool, loan)`.
#[pyclass(module = "shm_ndarray", name = "Loan")]
pub(crate) struct PyLoan {
    loan: Loan,
    owner: Py<PoolOwner>,
    view: Option<Py<PyAny>>,
}

impl PyLoan {
    pub(crate) fn loan(&self) -> &Loan {
        &self.loan
    }
}

#[pymethods]
impl PyLoan {
    /// A writeable numpy view of the slot (no copy), to fill before the
    /// slot is lent; write it only until then.
    #[getter]
    fn array<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(view) = &self.view {
            return Ok(view.bind(py).clone());
        }
        let view = view::slot_view(self.owner.bind(py), &self.loan)?;
        self.view = Some(view.clone().unbind());
        Ok(view)
    }

    /// The slot's index in the pool.
    #[getter]
    fn slot(&self) -> u64 {
        self.loan.pool_ref().slot
    }

    /// The slot's generation when it was lent.
    #[getter]
    fn generation(&self) -> u64 {
        self.loan.pool_ref().generation
    }

    /// The pool, slot and generation.
    #[getter]
    fn pool_ref(&self) -> PyPoolRef {
        PyPoolRef(self.loan.pool_ref())
    }

    /// The slot's array as a descriptor (the pool's name, the slot's
    /// offset), a dict: what any numpy user attaches.
    #[getter]
    fn descriptor<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?
            .getattr("loads")?
            .call1((self.loan.descriptor().to_json(),))
    }

    /// The array's shape.
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.loan.descriptor().shape())
    }

    /// The array's dtype, as numpy has it.
    #[getter]
    fn dtype<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        np_dtype(py, self.loan.descriptor().dtype())
    }

    /// What the handle is, for people.
    fn __repr__(&self) -> String {
        let r = self.loan.pool_ref();
        format!(
            "Loan(slot={}, generation={}, shape={:?}, dtype='{}')",
            r.slot,
            r.generation,
            self.loan.descriptor().shape(),
            self.loan.descriptor().dtype().name()
        )
    }
}

/// What a lend message and its release say of a slot: the pool's id, the
/// slot, and the slot's generation when it was lent.
#[pyclass(module = "shm_ndarray", name = "PoolRef", frozen, eq)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PyPoolRef(pub(crate) PoolRef);

impl From<PoolRef> for PyPoolRef {
    fn from(r: PoolRef) -> PyPoolRef {
        PyPoolRef(r)
    }
}

#[pymethods]
impl PyPoolRef {
    /// A reference to `slot` of pool `id` at `generation`.
    #[new]
    fn new(id: u64, slot: u64, generation: u64) -> PyPoolRef {
        PyPoolRef(PoolRef {
            id,
            slot,
            generation,
        })
    }

    /// The pool's id.
    #[getter]
    fn id(&self) -> u64 {
        self.0.id
    }

    /// The slot's index.
    #[getter]
    fn slot(&self) -> u64 {
        self.0.slot
    }

    /// The slot's generation when it was lent.
    #[getter]
    fn generation(&self) -> u64 {
        self.0.generation
    }

    /// A hash of the pool, slot and generation.
    fn __hash__(&self) -> u64 {
        self.0.id ^ self.0.slot.rotate_left(32) ^ self.0.generation.rotate_left(16)
    }

    /// What the handle is, for people.
    fn __repr__(&self) -> String {
        format!(
            "PoolRef(id=0x{:016x}, slot={}, generation={})",
            self.0.id, self.0.slot, self.0.generation
        )
    }
}
