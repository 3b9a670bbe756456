//! [`PoolCache`]: the receiver's mapped pools, and [`Lent`] arrays.

use std::collections::HashMap;
use std::sync::Arc;

use ndarray::{ArrayViewD, IxDyn, ShapeBuilder};

use super::PoolRef;
use super::layout::Layout;
use crate::descriptor::{Descriptor, Order};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::segment::Segment;

/// The pools a receiver has mapped, by name. The first array of a pool maps
/// its segment; later ones are a lookup and two reads of its header.
#[derive(Debug, Default)]
pub struct PoolCache {
    pools: HashMap<String, (Arc<Segment>, Layout)>,
}

/// An array lent from a pool: a view of its slot that checks, on every
/// access, that the slot is still lent with this generation.
#[derive(Debug)]
pub struct Lent {
    segment: Arc<Segment>,
    layout: Layout,
    pool: PoolRef,
    descriptor: Descriptor,
}

impl PoolCache {
    /// An empty cache.
    pub fn new() -> PoolCache {
        PoolCache::default()
    }

    /// How many pools are mapped.
    pub fn len(&self) -> usize {
        self.pools.len()
    }

    /// Whether no pool is mapped.
    pub fn is_empty(&self) -> bool {
        self.pools.is_empty()
    }

    /// The lent array a message describes. A cached mapping is trusted only
    /// when its header shows the message's pool id (a pool's name reused
    /// for another pool maps the new one); the slot must be the pool's, the
    /// descriptor must be that slot's, and its generation the slot's now.
    ///
    /// Errors: the attach errors for a pool not found; [`Error::InvalidData`]
    /// for a segment that is not that pool; [`Error::InvalidMessage`] for a
    /// descriptor that is not the slot's; [`Error::Stale`] for a slot lent
    /// again since.
    pub fn resolve(&mut self, descriptor: &Descriptor, pool: PoolRef) -> Result<Lent> {
        let name = descriptor
            .name()
            .ok_or_else(|| Error::InvalidMessage("a lent array names no pool".into()))?;
        let hit = self
            .pools
            .get(name)
            .filter(|(s, _)| Layout::id(s.as_bytes()) == Some(pool.id))
            .cloned();
        let (segment, layout) = match hit {
            Some(found) => found,
            None => {
                let segment = Arc::new(Segment::attach(name)?);
                let (id, layout) = Layout::read_header(segment.as_bytes())
                    .ok_or_else(|| Error::InvalidData(format!("segment '{name}' is not a pool")))?;
                if id != pool.id {
                    return Err(Error::InvalidData(format!(
                        "segment '{name}' is pool {id:016x}, not {:016x}",
                        pool.id
                    )));
                }
                self.pools
                    .insert(name.to_owned(), (segment.clone(), layout));
                (segment, layout)
            }
        };
        let slot = usize::try_from(pool.slot).unwrap_or(usize::MAX);
        if slot >= layout.slots
            || descriptor.order() != Order::C
            || descriptor.offset() != layout.offset(slot)
            || descriptor.nbytes() > layout.stride
        {
            return Err(Error::InvalidMessage(format!(
                "the descriptor is not slot {slot} of pool '{name}'"
            )));
        }
        let lent = Lent {
            segment,
            layout,
            pool,
            descriptor: descriptor.clone(),
        };
        lent.check()?;
        Ok(lent)
    }
}

impl Lent {
    /// The array's descriptor (pool name, slot offset, shape, dtype).
    pub fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    /// The pool, slot and generation.
    pub fn pool_ref(&self) -> PoolRef {
        self.pool
    }

    fn check(&self) -> Result<()> {
        let slot = self.pool.slot as usize;
        match self.layout.generation(self.segment.as_bytes(), slot) {
            Some(g) if g == self.pool.generation => Ok(()),
            _ => Err(Error::Stale {
                name: self.descriptor.name().unwrap_or_default().to_owned(),
                slot: self.pool.slot,
            }),
        }
    }

    /// The array's bytes, if the slot is still this array's.
    pub fn bytes(&self) -> Result<&[u8]> {
        self.check()?;
        let (offset, len) = (self.descriptor.offset(), self.descriptor.nbytes());
        Ok(&self.segment.as_bytes()[offset..offset + len])
    }

    /// A typed view, if the slot is still this array's.
    pub fn view<T: Element>(&self) -> Result<ArrayViewD<'_, T>> {
        crate::array::check_element::<T>(self.descriptor.dtype())?;
        self.check()?;
        let shape = IxDyn(self.descriptor.shape()).into_shape_with_order();
        let slice = self
            .segment
            .typed::<T>(self.descriptor.offset(), self.descriptor.len())?;
        Ok(ArrayViewD::from_shape(shape, slice).expect("descriptor and slice agree"))
    }

    /// Gives the slot back: the returned reference goes on the back channel
    /// (see [`crate::queue::Receiver::release`]) for the sender's
    /// [`Pool::reclaim`](super::Pool::reclaim).
    pub fn release(self) -> PoolRef {
        self.pool
    }
}
