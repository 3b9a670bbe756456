//! Numpy views of mappings without a copy: the one module of this crate
//! that allows `unsafe`, for the one call that needs it,
//! [`PyArray1::borrow_from_array`].
//!
//! Each view is a flat `uint8` array over the mapping's bytes whose `base`
//! is the mapping's owner (`owners.rs`), then viewed by numpy as the
//! array's dtype (either byte order), shape and order: numpy's own `view`
//! and `reshape`, which never copy a contiguous array.

#![allow(unsafe_code)]

use numpy::PyArray1;
use numpy::ndarray::{ArrayView1, ArrayViewMut1};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use shm_core::Descriptor;
use shm_core::pool::Loan;

use super::errors::OrRaise;
use super::owners::{ArrayOwner, LentOwner, PoolOwner};

/// A writeable numpy array of the shared array `owner` holds.
pub(crate) fn array_view<'py>(owner: &Bound<'py, ArrayOwner>) -> PyResult<Bound<'py, PyAny>> {
    let descriptor = owner
        .get()
        .with(|a| Ok(a.descriptor().clone()))
        .or_raise()?;
    if descriptor.name().is_none() {
        // An empty Wetlands array: no segment, no bytes to share.
        return unshared(owner.py(), &descriptor);
    }
    let flat = owner
        .get()
        .with(|array| {
            let bytes = ArrayViewMut1::from(array.bytes_mut());
            // SAFETY: `borrow_from_array` asks that `container` (made the
            // new array's base, so it lives as long as the array) is not
            // dropped before the array, and that the memory is not
            // reallocated until `container` is dropped. The container is
            // `owner`, and owners.rs promises that "an owner keeps its
            // mapping, at the same address, until it is dropped". The
            // pointer comes from `bytes_mut`, a unique borrow of the
            // mapping, so numpy may write through it; other writers (views,
            // other processes) follow the aliasing rule of
            // `shm_core::segment`.
            Ok(unsafe { PyArray1::<u8>::borrow_from_array(&bytes, owner.clone().into_any()) })
        })
        .or_raise()?;
    shaped(flat, &descriptor)
}

/// A writeable numpy array of the slot `loan` holds in the pool `owner`
/// holds (for the sender to fill before it lends the slot).
pub(crate) fn slot_view<'py>(
    owner: &Bound<'py, PoolOwner>,
    loan: &Loan,
) -> PyResult<Bound<'py, PyAny>> {
    let flat = owner
        .get()
        .with(|pool| {
            let bytes = ArrayViewMut1::from(pool.bytes_mut(loan)?);
            // SAFETY: as in `array_view`: the container is `owner`, which
            // "keeps its mapping, at the same address, until it is dropped"
            // (owners.rs), and the pointer comes from a unique borrow of
            // the slot's bytes.
            Ok(unsafe { PyArray1::<u8>::borrow_from_array(&bytes, owner.clone().into_any()) })
        })
        .or_raise()?;
    shaped(flat, loan.descriptor())
}

/// A read-only numpy array of the lent array `owner` holds, if its slot is
/// still this array's (else `Stale`).
pub(crate) fn lent_view<'py>(owner: &Bound<'py, LentOwner>) -> PyResult<Bound<'py, PyAny>> {
    let py = owner.py();
    let lent = owner.get().lent();
    let bytes = ArrayView1::from(lent.bytes().or_raise()?);
    // SAFETY: as in `array_view`: the container is `owner`, which "keeps
    // its mapping, at the same address, until it is dropped" (owners.rs).
    // The pointer comes from a shared borrow, so numpy must never write
    // through it: the array is made read-only below, before any Python
    // code sees it, and numpy refuses to make an array writeable again
    // when its base (the owner) exports no writeable buffer.
    let flat = unsafe { PyArray1::<u8>::borrow_from_array(&bytes, owner.clone().into_any()) };
    let kwargs = PyDict::new(py);
    kwargs.set_item("write", false)?;
    flat.call_method(intern!(py, "setflags"), (), Some(&kwargs))?;
    shaped(flat, lent.descriptor())
}

/// The flat bytes as the descriptor's dtype, shape and order.
fn shaped<'py>(
    flat: Bound<'py, PyArray1<u8>>,
    descriptor: &Descriptor,
) -> PyResult<Bound<'py, PyAny>> {
    let py = flat.py();
    let typed = flat.call_method1(intern!(py, "view"), (descriptor.dtype().to_string(),))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "order"), descriptor.order().as_str())?;
    let shape = PyTuple::new(py, descriptor.shape())?;
    typed.call_method(intern!(py, "reshape"), (shape,), Some(&kwargs))
}

/// An array with no segment (Wetlands' empty arrays): an empty numpy array.
fn unshared<'py>(py: Python<'py>, descriptor: &Descriptor) -> PyResult<Bound<'py, PyAny>> {
    let shape = PyTuple::new(py, descriptor.shape())?;
    py.import(intern!(py, "numpy"))?
        .getattr(intern!(py, "zeros"))?
        .call1((shape, descriptor.dtype().to_string()))
}
