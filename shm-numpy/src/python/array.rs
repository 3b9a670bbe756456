//! `SharedArray`: the handle of an n-dimensional array in a named segment.

use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use shm_core::{DType, Descriptor, SharedArray};

use super::errors::{OrRaise, invalid};
use super::owners::ArrayOwner;
use super::values::{array_protocol, np_dtype, py_number, scalar_of};
use super::view;
use crate::elements;

/// An n-dimensional array in a named shared-memory segment.
///
/// Make one with `shm_ndarray.create`, `zeros`, `from_array`, `array`, or
/// `attach` (by descriptor), not with this class. `array` is a numpy view
/// of the segment (no copy: writes are seen by every process that maps
/// it), valid for as long as it lives, even after `close()`.
///
/// An array this process created (or adopted) *owns* its segment: the
/// segment is unlinked by `unlink()`, by leaving a `with` block, or when
/// the array is closed or garbage collected and no view of it is left.
/// An attached array only maps it. Pickling gives the small descriptor;
/// unpickling attaches by name, so `multiprocessing` and
/// `concurrent.futures` pass arrays without copying them.
#[pyclass(module = "shm_ndarray", name = "SharedArray")]
#[derive(Debug)]
pub(crate) struct PySharedArray {
    owner: Option<Py<ArrayOwner>>,
    descriptor: Descriptor,
    view: Option<Py<PyAny>>,
    /// Closed while it owned the segment, which it then freed (or will,
    /// with its last view): a later `unlink()` finds it gone and is fine.
    closed_owning: bool,
}

impl PySharedArray {
    /// A handle of `array`.
    pub(crate) fn new(py: Python<'_>, array: SharedArray) -> PyResult<PySharedArray> {
        let descriptor = array.descriptor().clone();
        Ok(PySharedArray {
            owner: Some(Py::new(py, ArrayOwner::new(array))?),
            descriptor,
            view: None,
            closed_owning: false,
        })
    }

    /// The owner, unless the array is closed.
    pub(crate) fn mapping(&self) -> PyResult<&Py<ArrayOwner>> {
        self.owner
            .as_ref()
            .ok_or_else(|| invalid("the array is closed"))
    }

    /// Lets go of the mapping (see `close`).
    pub(crate) fn close_handle(&mut self, py: Python<'_>) {
        if self.owner.is_some() {
            self.closed_owning = self.is_owner(py);
        }
        self.view = None;
        self.owner = None;
    }

    fn is_owner(&self, py: Python<'_>) -> bool {
        self.owner.as_ref().is_some_and(|o| {
            o.bind(py)
                .get()
                .with(|a| Ok(a.segment().is_some_and(shm_core::Segment::is_owner)))
                .unwrap_or(false)
        })
    }
}

#[pymethods]
impl PySharedArray {
    /// The segment's name (no leading slash), or None for an empty array
    /// that has no segment (Wetlands' form).
    #[getter]
    fn name(&self) -> Option<&str> {
        self.descriptor.name()
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

    /// The number of dimensions.
    #[getter]
    fn ndim(&self) -> usize {
        self.descriptor.shape().len()
    }

    /// The number of elements.
    #[getter]
    fn size(&self) -> usize {
        self.descriptor.len()
    }

    /// The bytes the array occupies.
    #[getter]
    fn nbytes(&self) -> usize {
        self.descriptor.nbytes()
    }

    /// Whether this process owns the segment (created or adopted it): then
    /// it unlinks it when done.
    #[getter]
    fn owner(&self, py: Python<'_>) -> bool {
        self.is_owner(py)
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.owner.is_none()
    }

    /// The canonical descriptor, a dict: name, shape, dtype (numpy's
    /// `dtype.str`), order, offset, nbytes, segment_size. Send it to
    /// another process; `shm_ndarray.attach` takes it back.
    #[getter]
    fn descriptor<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.descriptor.to_json())
    }

    /// The canonical descriptor as one line of JSON.
    fn to_json(&self) -> String {
        self.descriptor.to_json()
    }

    /// The descriptor as Wetlands' `wetlands.numpy-shm` payload (a dict
    /// with the `__wetlands_codec__` key; its shape a tuple, as Wetlands
    /// reads it).
    fn to_wetlands<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = self.descriptor.to_wetlands_value().or_raise()?;
        let payload = json_loads(py, &value.to_string())?;
        let inner = payload.get_item(shm_core::descriptor::WETLANDS_MARKER)?;
        let shape = PyTuple::new(py, self.descriptor.shape())?;
        inner.set_item("shape", shape)?;
        Ok(payload)
    }

    /// The array as numpy sees it: a view of the segment, no copy. It stays
    /// valid as long as it lives (its `base` keeps the mapping).
    #[getter]
    fn array<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(view) = &self.view {
            return Ok(view.bind(py).clone());
        }
        let view = view::array_view(self.mapping()?.bind(py))?;
        self.view = Some(view.clone().unbind());
        Ok(view)
    }

    /// numpy's array protocol: `numpy.asarray(a)` is the view, no copy.
    #[pyo3(signature = (dtype = None, copy = None))]
    fn __array__<'py>(
        &mut self,
        py: Python<'py>,
        dtype: Option<Bound<'py, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        array_protocol(self.array(py)?, dtype, copy)
    }

    /// `a[key]`: numpy indexing of the view.
    fn __getitem__<'py>(
        &mut self,
        py: Python<'py>,
        key: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.array(py)?.get_item(key)
    }

    /// `a[key] = value`: writes through the view, into the segment.
    fn __setitem__(
        &mut self,
        py: Python<'_>,
        key: Bound<'_, PyAny>,
        value: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.array(py)?.set_item(key, value)
    }

    /// The length of the first dimension (TypeError for a 0-d array).
    fn __len__(&self) -> PyResult<usize> {
        self.descriptor
            .shape()
            .first()
            .copied()
            .ok_or_else(|| PyTypeError::new_err("len() of a 0-d array"))
    }

    /// What the handle is, for people.
    fn __repr__(&self, py: Python<'_>) -> String {
        let shape = self
            .descriptor
            .shape()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>();
        let shape = match shape.len() {
            1 => format!("({},)", shape[0]),
            _ => format!("({})", shape.join(", ")),
        };
        let name = self
            .descriptor
            .name()
            .map_or("None".to_owned(), |n| format!("'{n}'"));
        let state = if self.closed() {
            ", closed"
        } else if self.is_owner(py) {
            ", owner"
        } else {
            ""
        };
        format!(
            "SharedArray(name={name}, shape={shape}, dtype='{}'{state})",
            self.descriptor.dtype().name()
        )
    }

    /// Writes `value` (a bool, int, float or complex that the dtype holds
    /// exactly, else InvalidArgumentError) into every element, without
    /// holding the GIL.
    fn fill(&self, py: Python<'_>, value: Bound<'_, PyAny>) -> PyResult<()> {
        let value = scalar_of(&value)?;
        let owner = self.mapping()?.get();
        py.detach(|| owner.with(|a| fill_array(a, value)))
            .or_raise()
    }

    /// The sum of the elements, computed without holding the GIL: an int
    /// for bool and integer arrays (exact), a float for float arrays (in
    /// float64), a complex for complex arrays.
    fn sum<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let owner = self.mapping()?.get();
        let total = py
            .detach(|| owner.with(|a| elements::sum(a.descriptor().dtype(), a.bytes())))
            .or_raise()?;
        py_number(py, total)
    }

    /// Lets go of this handle's mapping. Views already made stay valid; an
    /// owned segment is unlinked once no view of it is left. Idempotent.
    fn close(&mut self, py: Python<'_>) {
        self.close_handle(py);
    }

    /// Removes the segment's name now: no process can attach it any more;
    /// every mapping (views here, other processes') stays valid until it
    /// is closed. Ownership ends. NotFoundError if the name is already
    /// gone, unless this handle owned it when it was closed (`close()`
    /// then `unlink()`, as with `multiprocessing.shared_memory`).
    fn unlink(&self, py: Python<'_>) -> PyResult<()> {
        let Some(owner) = &self.owner else {
            // Closed: unlink by name, as any process may. An owner closed
            // first (`close(); unlink()`, multiprocessing.shared_memory's
            // order) freed it already, or will with its last view.
            return match (self.descriptor.name(), self.closed_owning) {
                (None, _) => Ok(()),
                (Some(name), closed_owning) => match shm_core::lease::unlink(name) {
                    Err(shm_core::Error::NotFound { .. }) if closed_owning => Ok(()),
                    other => other.or_raise(),
                },
            };
        };
        owner
            .bind(py)
            .get()
            .with(|a| match a.segment_mut() {
                Some(s) => s.unlink(),
                None => Ok(()),
            })
            .or_raise()
    }

    /// Hands the segment over: this process keeps its mapping but no
    /// longer unlinks it, and the lease says it awaits adoption by another
    /// process (which calls `adopt()`). Only an array this process owns
    /// can be handed over.
    fn disown(&self, py: Python<'_>) -> PyResult<()> {
        self.mapping()?
            .bind(py)
            .get()
            .with(|a| match a.segment_mut() {
                Some(s) if s.is_owner() => {
                    s.disown();
                    Ok(())
                }
                Some(_) => Err(shm_core::Error::InvalidArgument(
                    "only an array this process owns can be handed over".into(),
                )),
                None => Ok(()),
            })
            .or_raise()
    }

    /// Takes the segment over: from now on this process owns it (unlinks
    /// it when done), and the lease names this process.
    fn adopt(&self, py: Python<'_>) -> PyResult<()> {
        self.mapping()?
            .bind(py)
            .get()
            .with(|a| {
                if let Some(s) = a.segment_mut() {
                    if !s.is_owner() {
                        s.adopt();
                    }
                }
                Ok(())
            })
            .or_raise()
    }

    /// Returns this handle, for a `with` block.
    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// Leaving a `with` block unlinks an owned segment and closes the
    /// handle; an attached array is only closed.
    fn __exit__(
        &mut self,
        py: Python<'_>,
        _exc_type: Option<Bound<'_, PyAny>>,
        _exc_value: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        if self.is_owner(py) {
            match self.unlink(py) {
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyFileNotFoundError>(py) => {}
                other => other?,
            }
        }
        self.close_handle(py);
        Ok(false)
    }

    /// Pickles to the descriptor: unpickling attaches by name
    /// (`shm_ndarray.attach`), in this process or another.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        let attach = py
            .import(intern!(py, "shm_ndarray"))?
            .getattr(intern!(py, "attach"))?;
        Ok((attach, (self.descriptor(py)?,)))
    }
}

/// `_create(shape, dtype, name, fill)`: a new array this process owns,
/// zero-filled or filled with `fill` (without holding the GIL).
#[pyfunction]
#[pyo3(name = "_create", signature = (shape, dtype, name = None, fill = None))]
pub(crate) fn create_array(
    py: Python<'_>,
    shape: Vec<usize>,
    dtype: &str,
    name: Option<&str>,
    fill: Option<Bound<'_, PyAny>>,
) -> PyResult<PySharedArray> {
    let dtype = DType::parse(dtype).or_raise()?;
    let fill = fill.map(|v| scalar_of(&v)).transpose()?;
    let array = py
        .detach(|| {
            let mut array = SharedArray::create_dtype(name, &shape, dtype)?;
            if let Some(value) = fill {
                fill_array(&mut array, value)?;
            }
            Ok(array)
        })
        .or_raise()?;
    PySharedArray::new(py, array)
}

/// `_attach(descriptor_json, adopt)`: the array a descriptor describes,
/// attached (and adopted, if asked).
#[pyfunction]
#[pyo3(name = "_attach", signature = (descriptor, adopt = false))]
pub(crate) fn attach_descriptor(
    py: Python<'_>,
    descriptor: &str,
    adopt: bool,
) -> PyResult<PySharedArray> {
    let descriptor = Descriptor::from_json(descriptor).or_raise()?;
    let mut array = SharedArray::attach(&descriptor).or_raise()?;
    if adopt {
        if let Some(s) = array.segment_mut() {
            s.adopt();
        }
    }
    PySharedArray::new(py, array)
}

/// `unlink(name)`: removes the segment `name` and its lease, whoever made
/// it (`shm_core::lease::unlink`); mappings stay valid. `NotFoundError`
/// when there is none.
#[pyfunction]
#[pyo3(name = "unlink")]
pub(crate) fn unlink_name(py: Python<'_>, name: &str) -> PyResult<()> {
    py.detach(|| shm_core::lease::unlink(name)).or_raise()
}

/// Writes `value` into every element of `array`, at memory speed.
fn fill_array(array: &mut SharedArray, value: shm_core::Scalar) -> shm_core::Result<()> {
    let dtype = array.descriptor().dtype();
    elements::fill(dtype, value, array.bytes_mut())
}

fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import(intern!(py, "json"))?
        .getattr(intern!(py, "loads"))?
        .call1((text,))
}
