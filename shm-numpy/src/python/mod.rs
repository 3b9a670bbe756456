//! The extension module `shm_ndarray._shm_ndarray` (feature `python`).
//!
//! The classes users meet ([`SharedArray`](array::PySharedArray), the
//! queue's [`Sender`](queue::PySender) and [`Receiver`](queue::PyReceiver),
//! [lent arrays](lent::PyLentArray), the [`Pool`](pool::PyPool)) are handles; each holds an
//! *owner* (`owners.rs`), a small frozen object that holds the mapping and
//! that every numpy view of it has as its `base`, so a mapping lives as
//! long as its handle or any view of it, whichever is last. The Python
//! package (`python/shm_ndarray`) adds what is easier said in Python:
//! the exception classes, argument normalisation through numpy, the
//! `Queue` and the command lines.
//!
//! Modules: `errors.rs` (library errors as the package's exceptions),
//! `owners.rs` (the owners, and what a forked child must not do with an
//! owner it inherited), `view.rs` (the one `unsafe` module: numpy views of
//! a mapping without a copy), `array.rs`, `stream.rs` (Python file objects
//! as Rust streams), `queue.rs`, `lent.rs` (lent arrays and their
//! releases), `pool.rs`, `values.rs` (Python numbers),
//! `clean.rs`, `words.rs` (the command lines' words, read as
//! `shm-harness` reads them).

mod array;
mod clean;
mod errors;
mod lent;
mod owners;
mod pool;
mod queue;
mod stream;
mod values;
mod view;
mod words;

use pyo3::prelude::*;

/// The extension module: the classes and functions of `shm_ndarray`
/// implemented in Rust. Import `shm_ndarray`, not this.
#[pymodule]
mod _shm_ndarray {
    #[pymodule_export]
    use super::array::{PySharedArray, attach_descriptor, create_array, unlink_name};
    #[pymodule_export]
    use super::clean::{PyCleanVerdict, clean, clean_summary};
    #[pymodule_export]
    use super::errors::{error_kinds, exit_code};
    #[pymodule_export]
    use super::lent::{PyLentArray, read_release};
    #[pymodule_export]
    use super::pool::{PyLoan, PyPool, PyPoolRef};
    #[pymodule_export]
    use super::queue::{PyReceiver, PySender};
    #[pymodule_export]
    use super::words::{parse_dtype, parse_shape};
}
