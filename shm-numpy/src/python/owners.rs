//! Owners: the small frozen objects that hold a mapping. Every numpy view
//! of a mapping has its owner as `base`, and a handle (`SharedArray`,
//! `Pool`, `LentArray`) holds it too, so the mapping lives until the last
//! of them is gone.
//!
//! The one promise `view.rs` relies on: **an owner keeps its mapping, at
//! the same address, until it is dropped.** Nothing here takes the value
//! out of an owner except `Drop`, and neither the library's arrays nor its
//! pools move or remap their bytes while they live.
//!
//! A forked child (multiprocessing's `fork` start method, `os.fork`)
//! inherits its parent's objects. An owner it inherited and drops must not
//! unlink what the parent owns, so an owner remembers the process that made
//! it, and dropped in another one it forgets its value (no unmap, no
//! unlink, no ledger write: the mapping was inherited with the process and
//! goes with it).

use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use shm_core::pool::{Lent, Pool};
use shm_core::{Error, SharedArray};

/// A value that a process other than its maker (a forked child) never
/// drops, only forgets.
#[derive(Debug)]
pub(crate) struct ForkGuarded<T> {
    value: Mutex<Option<T>>,
    pid: u32,
}

impl<T> ForkGuarded<T> {
    fn new(value: T) -> ForkGuarded<T> {
        ForkGuarded {
            value: Mutex::new(Some(value)),
            pid: std::process::id(),
        }
    }

    /// Runs `f` on the value, under its lock.
    pub(crate) fn with<R>(
        &self,
        f: impl FnOnce(&mut T) -> shm_core::Result<R>,
    ) -> shm_core::Result<R> {
        let mut guard = self.value.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_mut() {
            Some(value) => f(value),
            // Only `Drop` empties it, and nothing runs after that.
            None => Err(Error::InvalidArgument("the mapping is released".into())),
        }
    }
}

impl<T> Drop for ForkGuarded<T> {
    fn drop(&mut self) {
        let value = self
            .value
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(value) = value {
            if std::process::id() != self.pid {
                std::mem::forget(value);
            }
        }
    }
}

/// The owner of a shared array's mapping (and, for an array this process
/// owns, of its segment: dropping the last reference unlinks it).
#[pyclass(module = "shm_ndarray._shm_ndarray", name = "_ArrayOwner", frozen)]
#[derive(Debug)]
pub(crate) struct ArrayOwner {
    array: ForkGuarded<SharedArray>,
}

impl ArrayOwner {
    pub(crate) fn new(array: SharedArray) -> ArrayOwner {
        ArrayOwner {
            array: ForkGuarded::new(array),
        }
    }

    /// Runs `f` on the array, under its lock.
    pub(crate) fn with<R>(
        &self,
        f: impl FnOnce(&mut SharedArray) -> shm_core::Result<R>,
    ) -> shm_core::Result<R> {
        self.array.with(f)
    }
}

/// The owner of a pool's mapping: the pool's segment is this process's,
/// and dropping the last reference unlinks it.
#[pyclass(module = "shm_ndarray._shm_ndarray", name = "_PoolOwner", frozen)]
#[derive(Debug)]
pub(crate) struct PoolOwner {
    pool: ForkGuarded<Pool>,
}

impl PoolOwner {
    pub(crate) fn new(pool: Pool) -> PoolOwner {
        PoolOwner {
            pool: ForkGuarded::new(pool),
        }
    }

    /// Runs `f` on the pool, under its lock.
    pub(crate) fn with<R>(
        &self,
        f: impl FnOnce(&mut Pool) -> shm_core::Result<R>,
    ) -> shm_core::Result<R> {
        self.pool.with(f)
    }
}

/// The owner of a lent array's view of its pool (a receiver's mapping of
/// the sender's pool, shared by every array lent from it).
#[pyclass(module = "shm_ndarray._shm_ndarray", name = "_LentOwner", frozen)]
#[derive(Debug)]
pub(crate) struct LentOwner {
    lent: Lent,
}

impl LentOwner {
    pub(crate) fn new(lent: Lent) -> LentOwner {
        LentOwner { lent }
    }

    /// The lent array (its slot is checked on every access).
    pub(crate) fn lent(&self) -> &Lent {
        &self.lent
    }
}
