//! Sharing n-dimensional arrays between processes through named shared
//! memory, compatible with numpy and Python's `multiprocessing.shared_memory`.
//!
//! A creator puts an array in a named segment and sends a small JSON
//! [`Descriptor`] (`{"name", "shape", "dtype"}`); a receiver attaches by name,
//! views the bytes as an array, and writes the creator sees.
//!
//! ```
//! use shm_core::{Descriptor, SharedArray};
//!
//! let mut parent = SharedArray::create(&[5, 5], 0.0f64)?;
//! let json = parent.descriptor().to_json(); // send this to another process
//!
//! let mut child = SharedArray::attach_as::<f64>(&Descriptor::from_json(&json)?)?;
//! child.view_mut::<f64>()?[[0, 0]] = 1.0;
//!
//! assert_eq!(parent.view::<f64>()?[[0, 0]], 1.0);
//! assert_eq!(parent.view::<f64>()?.sum(), 1.0);
//! # Ok::<(), shm_core::Error>(())
//! ```
//!
//! Modules, from the bottom up: [`error`], [`name`] (portable names),
//! [`dtype`] and [`element`] (the numpy type model), [`descriptor`] (the
//! JSON form), [`scalar`] (run-time-typed values), [`segment`] (named
//! segments on each OS: system calls only), [`lease`] (who holds which
//! segment, for reclaiming those of dead creators), [`array`]
//! ([`SharedArray`]), [`queue`] (arrays handed over on a stream), [`pool`]
//! (recycled slots both sides map once) and
//! [`foreign`] (other libraries' layouts). All
//! `unsafe` code lives in the segment backends' mapping types (and the
//! macOS process-start-time call of [`lease`]); every other module denies it.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod array;
pub mod descriptor;
pub mod dtype;
pub mod element;
pub mod error;
pub mod foreign;
pub mod lease;
pub mod name;
pub mod pool;
pub mod queue;
pub mod scalar;
pub mod segment;

pub use array::SharedArray;
pub use descriptor::{Descriptor, Order};
pub use dtype::{ByteOrder, DType, Kind};
pub use element::Element;
pub use error::{Error, ErrorKind, Result, Room, SizeExpectation};
pub use lease::LeasedSegment;
pub use scalar::Scalar;
pub use segment::Segment;

pub use half::f16;
pub use ndarray;
pub use num_complex::Complex;
