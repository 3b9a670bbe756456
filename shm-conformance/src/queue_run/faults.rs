//! The faults a queue case injects into the stream, each as the receiver
//! would meet it from a broken or malicious sender: a missing segment, a
//! descriptor that lies about the size, a stale lent array, an early end,
//! a pool's name reused for another pool.

use shm_core::Descriptor;
use shm_core::lease;
use shm_core::pool::Pool;
use shm_core::queue::wire::Message;
use shm_protocol::queue_ends::{Plan, value_for};

use super::relay::Relay;
use crate::catalogue::Injected;

/// The line an `inject` step writes.
pub(super) fn injected(relay: &mut Relay, plan: &Plan, line: &Injected) -> Result<String, String> {
    let descriptor = match line {
        Injected::Missing => Descriptor::new("shmq_missing_segment", &plan.shape, plan.dtype),
        Injected::Stale => return stale(relay),
        Injected::End => return Ok(Message::End { count: relay.seq }.to_line()),
        Injected::Undersized => {
            let next = relay
                .pending_messages()
                .find_map(|m| match m {
                    Message::Array { descriptor, .. } => Some(descriptor),
                    _ => None,
                })
                .ok_or("no array left to lie about")?;
            // A thousand times the array, and at least a MiB: more than
            // any segment it could be, exact or rounded up to pages.
            let n: usize = plan.shape.iter().product();
            Descriptor::new(
                next.name().unwrap_or_default(),
                &[(n.max(1) * 1000).max((1 << 20) / plan.dtype.itemsize())],
                plan.dtype,
            )
        }
        Injected::Text(text) => return Ok(format!("{text}\n")),
    }
    .map_err(|e| e.to_string())?;
    let seq = relay.seq;
    relay.seq += 1;
    Ok(Message::Array {
        seq,
        descriptor,
        pool: None,
    }
    .to_line())
}

/// The `$stale` line: a lent array message forwarded before whose slot
/// the stream has lent again since, as the next array.
fn stale(relay: &mut Relay) -> Result<String, String> {
    let lent: Vec<_> = relay
        .forwarded_messages()
        .filter_map(|m| match m {
            Message::Array {
                descriptor,
                pool: Some(p),
                ..
            } => Some((descriptor, p)),
            _ => None,
        })
        .collect();
    let (descriptor, pool) = lent
        .iter()
        .find(|(_, p)| {
            lent.iter()
                .any(|(_, q)| q.slot == p.slot && q.generation != p.generation)
        })
        .cloned()
        .ok_or("no slot of the stream was lent twice yet")?;
    let seq = relay.seq;
    relay.seq += 1;
    Ok(Message::Array {
        seq,
        descriptor,
        pool: Some(pool),
    }
    .to_line())
}

/// The `reuse-pool-name` step: another pool under the sender's pool's
/// name, one slot of it filled as the next array and sent as that. Returns
/// the new pool, which must live until the run ends.
pub(super) fn reuse_pool_name(relay: &mut Relay, plan: &Plan) -> Result<Pool, String> {
    let (name, slots, bytes) = match (relay.names.first(), relay.pool) {
        (Some(n), Some(slots)) => (n.clone(), slots as usize, plan.nbytes().max(1)),
        _ => return Err("no pool to reuse the name of".into()),
    };
    if relay.sender.as_mut().is_some_and(|s| s.alive()) {
        return Err("the sender still lives (its pool would unlink the new one)".into());
    }
    lease::unlink(&name).map_err(|e| format!("unlink the pool: {e}"))?;
    let mut pool = Pool::create_named(&name, slots, bytes).map_err(|e| e.to_string())?;
    let loan = pool
        .lend(&plan.shape, plan.dtype)
        .map_err(|e| e.to_string())?
        .ok_or("the new pool has no free slot")?;
    let value = value_for(plan.dtype, relay.seq);
    let bytes = pool.bytes_mut(&loan).map_err(|e| e.to_string())?;
    shm_core::scalar::fill(plan.dtype, value, bytes).map_err(|e| e.to_string())?;
    let seq = relay.seq;
    relay.seq += 1;
    let line = Message::Array {
        seq,
        descriptor: loan.descriptor().clone(),
        pool: Some(loan.pool_ref()),
    }
    .to_line();
    relay.write(&line)?;
    Ok(pool)
}
