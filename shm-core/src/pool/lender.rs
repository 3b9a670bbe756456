//! [`Pool`]: the sender's side of a pool, which lends its slots.

use ndarray::{ArrayViewMutD, IxDyn, ShapeBuilder};

use super::PoolRef;
use super::layout::Layout;
use crate::descriptor::{Descriptor, Order};
use crate::dtype::DType;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::lease::{LeasedSegment, StreamKey};

/// A pool of shared memory this process created and owns (its lease names
/// this process; dropping the pool unlinks it). Slots are lent one array at
/// a time and come back through [`reclaim`](Self::reclaim).
#[derive(Debug)]
pub struct Pool {
    segment: LeasedSegment,
    id: u64,
    layout: Layout,
    free: Vec<usize>,
    /// The generation each lent slot went out with.
    lent: Vec<Option<u64>>,
    /// The stream the lease says this pool lends on, once it does.
    stream: Option<String>,
}

/// One slot lent out: what the lend message carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Loan {
    pool: PoolRef,
    descriptor: Descriptor,
}

impl Loan {
    /// The slot's array, as any numpy user attaches it (the pool's name,
    /// the slot's offset, shape and dtype).
    pub fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    /// The pool, slot and generation.
    pub fn pool_ref(&self) -> PoolRef {
        self.pool
    }
}

impl Pool {
    /// Creates a pool of `slots` slots of at least `slot_bytes` bytes each
    /// (rounded up to whole pages), every page reserved now (a full
    /// `/dev/shm` is [`Error::OutOfSpace`] here, not a `SIGBUS` later).
    pub fn create(slots: usize, slot_bytes: usize) -> Result<Pool> {
        Pool::make(None, slots, slot_bytes)
    }

    /// [`create`](Self::create) under a given name (never an existing one:
    /// a taken name is [`Error::AlreadyExists`]).
    pub fn create_named(name: &str, slots: usize, slot_bytes: usize) -> Result<Pool> {
        Pool::make(Some(name), slots, slot_bytes)
    }

    fn make(name: Option<&str>, slots: usize, slot_bytes: usize) -> Result<Pool> {
        let layout = Layout::new(slots, slot_bytes)?;
        let mut segment = match name {
            Some(n) => LeasedSegment::create(n, layout.size()?)?,
            None => LeasedSegment::create_unique(layout.size()?)?,
        };
        let mut id = [0u8; 8];
        crate::name::random_bytes(&mut id)?;
        let id = u64::from_le_bytes(id);
        layout.write_header(segment.as_bytes_mut(), id);
        Ok(Pool {
            segment,
            id,
            layout,
            free: (0..slots).rev().collect(),
            lent: vec![None; slots],
            stream: None,
        })
    }

    /// The pool segment's name.
    pub fn name(&self) -> &str {
        self.segment.segment().name()
    }

    /// The pool's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// How many slots are free now.
    pub fn free(&self) -> usize {
        self.free.len()
    }

    /// The bytes a slot holds.
    pub fn slot_bytes(&self) -> usize {
        self.layout.stride
    }

    /// Lends a free slot for a C-order array of `shape` and `dtype`, or
    /// `None` when every slot is out.
    ///
    /// Errors: [`Error::InvalidArgument`] when the array does not fit a slot.
    pub fn lend(&mut self, shape: &[usize], dtype: DType) -> Result<Option<Loan>> {
        let probe = Descriptor::new(self.name(), shape, dtype)?;
        if probe.nbytes() > self.layout.stride {
            return Err(Error::InvalidArgument(format!(
                "an array of {} bytes does not fit a slot of {}",
                probe.nbytes(),
                self.layout.stride
            )));
        }
        let Some(slot) = self.free.pop() else {
            return Ok(None);
        };
        let bytes = self.segment.segment().as_bytes();
        let generation = self
            .layout
            .generation(bytes, slot)
            .expect("a slot of this pool");
        let descriptor = Descriptor::build(
            Some(self.name()),
            shape,
            dtype,
            Order::C,
            self.layout.offset(slot),
            Some(bytes.len()),
        )?;
        self.lent[slot] = Some(generation);
        Ok(Some(Loan {
            pool: PoolRef {
                id: self.id,
                slot: slot as u64,
                generation,
            },
            descriptor,
        }))
    }

    /// The lent slot's bytes, to write the array before sending the loan.
    pub fn bytes_mut(&mut self, loan: &Loan) -> Result<&mut [u8]> {
        self.check(loan.pool)?;
        let (offset, len) = (loan.descriptor.offset(), loan.descriptor.nbytes());
        Ok(&mut self.segment.as_bytes_mut()[offset..offset + len])
    }

    /// The lent slot as a typed, mutable view.
    pub fn view_mut<T: Element>(&mut self, loan: &Loan) -> Result<ArrayViewMutD<'_, T>> {
        crate::array::check_element::<T>(loan.descriptor.dtype())?;
        let shape = IxDyn(loan.descriptor.shape()).into_shape_with_order();
        let (offset, len) = (loan.descriptor.offset(), loan.descriptor.len());
        self.check(loan.pool)?;
        let slice = self.segment.segment_mut().typed_mut::<T>(offset, len)?;
        Ok(ArrayViewMutD::from_shape(shape, slice).expect("descriptor and slice agree"))
    }

    /// Records, once per stream, that this pool lends on `stream` (see
    /// [`LeasedSegment::lend_on`]): if this process dies, `clean` spares
    /// the pool while a party to the stream lives.
    pub(crate) fn bind(&mut self, stream: &StreamKey) {
        if self.stream.as_deref() != Some(stream.id.as_str()) {
            self.segment.lend_on(stream);
            self.stream = Some(stream.id.clone());
        }
    }

    /// That `pool` is a slot this pool has out with that generation.
    ///
    /// Errors: [`Error::InvalidArgument`] otherwise.
    pub(crate) fn check(&self, pool: PoolRef) -> Result<()> {
        let slot = usize::try_from(pool.slot).unwrap_or(usize::MAX);
        if pool.id != self.id || self.lent.get(slot).copied().flatten() != Some(pool.generation) {
            return Err(Error::InvalidArgument(format!(
                "slot {} (generation {}) is not lent from this pool",
                pool.slot, pool.generation
            )));
        }
        Ok(())
    }

    /// Takes back every slot still lent, when the receiver is gone (its
    /// back channel ended): each one's generation moves on, so a view that
    /// somehow outlived it is stale. Returns how many came back.
    pub fn reclaim_all(&mut self) -> usize {
        let out: Vec<(usize, u64)> = self
            .lent
            .iter()
            .enumerate()
            .filter_map(|(k, g)| g.map(|g| (k, g)))
            .collect();
        for &(slot, generation) in &out {
            self.layout.set_generation(
                self.segment.as_bytes_mut(),
                slot,
                generation.wrapping_add(1),
            );
            self.lent[slot] = None;
            self.free.push(slot);
        }
        out.len()
    }

    /// Takes back a slot the receiver released: its generation moves on
    /// (every holder of the old one is stale from now) and it is free again.
    ///
    /// Errors: [`Error::InvalidMessage`] for a slot that is not out with
    /// that generation (a release sent twice, or for another pool).
    pub fn reclaim(&mut self, released: PoolRef) -> Result<()> {
        self.check(released)
            .map_err(|e| Error::InvalidMessage(format!("release: {e}")))?;
        let slot = released.slot as usize;
        self.layout.set_generation(
            self.segment.as_bytes_mut(),
            slot,
            released.generation.wrapping_add(1),
        );
        self.lent[slot] = None;
        self.free.push(slot);
        Ok(())
    }
}
