//! [`SharedArray`]: an n-dimensional array in a named segment, with typed
//! `ndarray` views and run-time-typed element access.
//!
//! Views borrow the array, so no view outlives its mapping; this is checked at
//! compile time:
//!
//! ```compile_fail
//! use shm_core::SharedArray;
//! let view = {
//!     let a = SharedArray::create(&[3], 0.0f64).unwrap();
//!     a.view::<f64>().unwrap()
//! }; // `a` is dropped (unmapped, unlinked) here, while `view` lives on
//! println!("{view}");
//! ```
//!
//! Typed views need the dtype in this machine's byte order. An array of the
//! other order attaches all the same; its bytes are available through
//! [`SharedArray::bytes`] and its elements through [`SharedArray::get`] and
//! [`SharedArray::set`], and typed views are refused with
//! [`Error::NonNativeByteOrder`].
//!
//! The library does not synchronise writers in different processes; see
//! the aliasing rule in [`crate::segment`].

use ndarray::{ArrayBase, ArrayViewD, ArrayViewMutD, Data, Dimension, IxDyn, ShapeBuilder};

use crate::descriptor::{Descriptor, Order};
use crate::dtype::DType;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::lease::LeasedSegment;
use crate::scalar::Scalar;
use crate::segment::{EXACT_SIZES, Segment};

/// An n-dimensional array in a named shared-memory segment.
///
/// An array this process created owns its segment: dropping it unlinks the
/// segment, and a lease in the ledger names this process meanwhile (see
/// [`crate::lease`]). An attached array owns nothing until it adopts.
#[derive(Debug)]
pub struct SharedArray {
    segment: Option<LeasedSegment>,
    descriptor: Descriptor,
}

impl SharedArray {
    /// Creates an array of `shape` filled with `fill` under a generated name.
    pub fn create<T: Element>(shape: &[usize], fill: T) -> Result<SharedArray> {
        let mut a = SharedArray::create_dtype(None, shape, T::dtype())?;
        a.view_mut::<T>()?.fill(fill);
        Ok(a)
    }

    /// Creates a zero-filled array of any modelled dtype (either byte order)
    /// in a new segment named `name`, or under a generated name.
    ///
    /// The segment has `nbytes` bytes, or 1 for an empty array (segments
    /// cannot be empty); the descriptor's `segment_size` says which.
    pub fn create_dtype(name: Option<&str>, shape: &[usize], dtype: DType) -> Result<SharedArray> {
        // Validate shape and dtype before touching the OS.
        let probe = Descriptor::new(name.unwrap_or("probe"), shape, dtype)?;
        let size = probe.nbytes().max(1);
        let segment = match name {
            Some(n) => LeasedSegment::create(n, size)?,
            None => LeasedSegment::create_unique(size)?,
        };
        let descriptor = Descriptor::build(
            Some(segment.segment().name()),
            shape,
            dtype,
            Order::C,
            0,
            Some(size),
        )?;
        Ok(SharedArray {
            segment: Some(segment),
            descriptor,
        })
    }

    /// Creates a shared copy of `array` (in C order) under a generated name.
    pub fn from_array<T, S, D>(array: &ArrayBase<S, D>) -> Result<SharedArray>
    where
        T: Element,
        S: Data<Elem = T>,
        D: Dimension,
    {
        let mut a = SharedArray::create_dtype(None, array.shape(), T::dtype())?;
        a.view_mut::<T>()?.assign(&array.view().into_dyn());
        Ok(a)
    }

    /// Attaches to the array a descriptor describes, making every check
    /// before any view exists: the segment exists, its real size is at least
    /// `offset + nbytes`, and where the OS reports exact sizes
    /// ([`EXACT_SIZES`]) and `segment_size` is given, the real size equals it
    /// (a name reused for another segment is caught). Never unlinks.
    ///
    /// A descriptor without `segment_size` gets the real size filled in where
    /// sizes are exact, so [`descriptor`](Self::descriptor) is complete.
    ///
    /// A descriptor with no name (an empty Wetlands array) attaches to no
    /// segment.
    pub fn attach(descriptor: &Descriptor) -> Result<SharedArray> {
        let Some(name) = descriptor.name() else {
            return Ok(SharedArray {
                segment: None,
                descriptor: descriptor.clone(),
            });
        };
        let segment = LeasedSegment::attach(name)?;
        let descriptor = descriptor.check_size(segment.segment().len(), EXACT_SIZES)?;
        Ok(SharedArray {
            segment: Some(segment),
            descriptor,
        })
    }

    /// [`attach`](Self::attach), then checks that `T` is the descriptor's
    /// element type (kind, size and byte order).
    pub fn attach_as<T: Element>(descriptor: &Descriptor) -> Result<SharedArray> {
        check_element::<T>(descriptor.dtype())?;
        SharedArray::attach(descriptor)
    }

    /// The canonical descriptor to send to another process.
    pub fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    /// The segment, unless the array is an empty one with no segment.
    pub fn segment(&self) -> Option<&Segment> {
        self.segment.as_ref().map(LeasedSegment::segment)
    }

    /// The segment with its lease, mutably (to
    /// [`disown`](LeasedSegment::disown), [`adopt`](LeasedSegment::adopt) or
    /// [`unlink`](LeasedSegment::unlink) it), unless the array has none.
    pub fn segment_mut(&mut self) -> Option<&mut LeasedSegment> {
        self.segment.as_mut()
    }

    /// The array's bytes (`nbytes` of them, from `offset`).
    pub fn bytes(&self) -> &[u8] {
        let d = &self.descriptor;
        match &self.segment {
            Some(s) => &s.segment().as_bytes()[d.offset()..d.required_size()],
            None => &[],
        }
    }

    /// The array's bytes, mutably.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        let (offset, end) = (self.descriptor.offset(), self.descriptor.required_size());
        match &mut self.segment {
            Some(s) => &mut s.as_bytes_mut()[offset..end],
            None => &mut [],
        }
    }

    /// A typed view. Fails with [`Error::DtypeMismatch`] when `T` is not the
    /// descriptor's element type, [`Error::NonNativeByteOrder`] when the
    /// dtype is of the other byte order, and [`Error::InvalidData`] when a
    /// `bool` array holds a byte other than 0 or 1.
    pub fn view<T: Element>(&self) -> Result<ArrayViewD<'_, T>> {
        check_element::<T>(self.descriptor.dtype())?;
        let shape = self.ix();
        let d = &self.descriptor;
        let slice: &[T] = match &self.segment {
            Some(s) => s.segment().typed(d.offset(), d.len())?,
            None => &[],
        };
        Ok(ArrayViewD::from_shape(shape, slice).expect("descriptor and slice agree"))
    }

    /// A typed mutable view; errors as for [`view`](Self::view).
    pub fn view_mut<T: Element>(&mut self) -> Result<ArrayViewMutD<'_, T>> {
        check_element::<T>(self.descriptor.dtype())?;
        let shape = self.ix();
        let (offset, len) = (self.descriptor.offset(), self.descriptor.len());
        let slice: &mut [T] = match &mut self.segment {
            Some(s) => s.segment_mut().typed_mut(offset, len)?,
            None => &mut [],
        };
        Ok(ArrayViewMutD::from_shape(shape, slice).expect("descriptor and slice agree"))
    }

    /// The element at `index`, whatever the dtype and byte order.
    pub fn get(&self, index: &[usize]) -> Result<Scalar> {
        let range = self.element_range(index)?;
        Scalar::from_bytes(self.descriptor.dtype(), &self.bytes()[range])
    }

    /// Writes `value` at `index` (range-checked against the dtype).
    pub fn set(&mut self, index: &[usize], value: Scalar) -> Result<()> {
        let range = self.element_range(index)?;
        let dtype = self.descriptor.dtype();
        value.to_bytes(dtype, &mut self.bytes_mut()[range])
    }

    /// Writes `value` into every element.
    pub fn fill(&mut self, value: Scalar) -> Result<()> {
        let dtype = self.descriptor.dtype();
        crate::scalar::fill(dtype, value, self.bytes_mut())
    }

    /// The sum of all elements (see [`crate::scalar::sum`]).
    pub fn sum(&self) -> Result<Scalar> {
        crate::scalar::sum(self.descriptor.dtype(), self.bytes())
    }

    /// Byte range of the element at `index` within [`bytes`](Self::bytes).
    fn element_range(&self, index: &[usize]) -> Result<std::ops::Range<usize>> {
        self.descriptor.element_range(index)
    }

    fn ix(&self) -> ndarray::Shape<IxDyn> {
        let shape = IxDyn(self.descriptor.shape());
        match self.descriptor.order() {
            Order::C => shape.into_shape_with_order(),
            Order::F => shape.f(),
        }
    }
}

pub(crate) fn check_element<T: Element>(dtype: DType) -> Result<()> {
    let want = T::dtype();
    if dtype.kind() != want.kind() || dtype.itemsize() != want.itemsize() {
        return Err(Error::DtypeMismatch {
            expected: want.to_string(),
            found: dtype.to_string(),
        });
    }
    if !dtype.is_native() {
        return Err(Error::NonNativeByteOrder {
            dtype: dtype.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
