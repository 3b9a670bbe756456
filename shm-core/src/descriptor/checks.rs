//! What a descriptor says about real bytes: the attach-time size check and
//! where each element lies.

use super::{Descriptor, Order};
use crate::error::{Error, Result, SizeExpectation};

impl Descriptor {
    /// The same descriptor with `segment_size` set (it must hold
    /// `offset + nbytes`).
    pub fn with_segment_size(&self, size: usize) -> Result<Descriptor> {
        Descriptor::build(
            self.name(),
            &self.shape,
            self.dtype,
            self.order,
            self.offset,
            Some(size),
        )
    }

    /// Checks a real segment of `found` bytes (as the OS reports its size)
    /// against this descriptor, the attach-time check every attacher makes
    /// before any view exists: `found` must hold `offset + nbytes`, and
    /// where sizes are `exact` (see [`crate::segment::EXACT_SIZES`]) and
    /// `segment_size` is given, equal it, so a name reused for another
    /// segment is caught. Returns the descriptor with `segment_size` filled
    /// in where sizes are exact and it was missing.
    ///
    /// Errors: [`Error::SizeMismatch`] naming the segment.
    pub fn check_size(&self, found: usize, exact: bool) -> Result<Descriptor> {
        let mismatch = |expected| Error::SizeMismatch {
            name: self.name().unwrap_or_default().to_owned(),
            expected,
            found,
        };
        if found < self.required_size() {
            return Err(mismatch(SizeExpectation::AtLeast(self.required_size())));
        }
        match self.segment_size() {
            Some(size) if exact && found != size => Err(mismatch(SizeExpectation::Exactly(size))),
            // Where sizes are exact, what the OS reports is what was asked for.
            None if exact => self.with_segment_size(found),
            _ => Ok(self.clone()),
        }
    }

    /// The byte range of the element at `index` within the array's bytes
    /// (`nbytes` of them, from `offset`), in the descriptor's order.
    ///
    /// Errors: [`Error::InvalidArgument`] for an index outside the shape.
    pub fn element_range(&self, index: &[usize]) -> Result<std::ops::Range<usize>> {
        let shape = self.shape();
        if index.len() != shape.len() || index.iter().zip(shape).any(|(i, n)| i >= n) {
            return Err(Error::InvalidArgument(format!(
                "index {index:?} is outside shape {shape:?}"
            )));
        }
        let dims: Box<dyn Iterator<Item = (&usize, &usize)>> = match self.order() {
            Order::C => Box::new(index.iter().zip(shape).rev()),
            Order::F => Box::new(index.iter().zip(shape)),
        };
        let (mut linear, mut stride) = (0, 1);
        for (i, n) in dims {
            linear += i * stride;
            stride *= n;
        }
        let size = self.dtype().itemsize();
        Ok(linear * size..(linear + 1) * size)
    }
}
