//! The Python package `shm_ndarray`: numpy arrays in named shared memory,
//! built on [`shm_core`] with PyO3 and the `numpy` crate.
//!
//! The extension module (`shm_ndarray._shm_ndarray`) lives in `src/python/`
//! and is compiled only with the `python` feature, which maturin turns on
//! (`pyproject.toml`); without it this crate is plain Rust, so `cargo test
//! --workspace` needs no Python. The Python side of the package (the
//! exception classes, the array constructors, the `Queue`, the command
//! lines) is in `python/shm_ndarray/`; `docs/PYTHON.md` is its API page.
//!
//! The plain-Rust parts, tested without Python:
//!
//! - [`kinds`]: each library error kind's Python exception class, `errno`
//!   and exit code;
//! - [`number`]: Python numbers as element values and back;
//! - [`elements`]: filling and summing bytes at memory speed;
//! - [`clean`]: the lines `clean` prints, as `shm-harness clean` prints them.
//!
//! `unsafe` is denied here as everywhere in the workspace, except in the
//! one module that turns a mapping into a numpy array without a copy
//! (`python/view.rs`).

pub mod clean;
pub mod elements;
pub mod kinds;
pub mod number;

#[cfg(feature = "python")]
mod python;
