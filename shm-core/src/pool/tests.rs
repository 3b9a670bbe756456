use super::*;
use crate::dtype::DType;
use crate::error::{Error, ErrorKind};
use crate::queue::{Received, Receiver, Sender, read_release, release};

fn u8s() -> DType {
    DType::parse("uint8").unwrap()
}

/// Lends `n` slots of 4 bytes, slot k filled with k + 1, on one stream.
fn lend_all(pool: &mut Pool, n: usize) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut tx = Sender::new(&mut wire).unwrap();
    for k in 0..n {
        let loan = pool.lend(&[4], u8s()).unwrap().expect("a free slot");
        pool.bytes_mut(&loan).unwrap().fill(k as u8 + 1);
        tx.lend(pool, &loan).unwrap();
    }
    tx.finish().unwrap();
    wire
}

fn lent(r: Option<Received>) -> Lent {
    match r {
        Some(Received::Lent(l)) => l,
        other => panic!("expected a lent array, got {other:?}"),
    }
}

#[test]
fn slots_are_lent_read_in_place_released_and_lent_again() {
    let mut pool = Pool::create(2, 4).unwrap();
    let wire = lend_all(&mut pool, 2);
    assert_eq!(pool.free(), 0);
    assert!(
        pool.lend(&[4], u8s()).unwrap().is_none(),
        "every slot is out"
    );
    let mut cache = PoolCache::new();
    let mut rx = Receiver::new(wire.as_slice()).unwrap();
    let a = lent(rx.recv_any(&mut cache).unwrap());
    let b = lent(rx.recv_any(&mut cache).unwrap());
    assert_eq!(cache.len(), 1, "one mapping for the whole pool");
    assert_eq!(a.bytes().unwrap(), [1, 1, 1, 1]);
    assert_eq!(b.view::<u8>().unwrap().sum(), 8);
    assert_eq!(a.descriptor().name(), Some(pool.name()));
    assert!(
        a.descriptor().offset() > 0,
        "a slot is an offset into the pool"
    );
    let mut back = Vec::new();
    release(&mut back, a).unwrap();
    let released = read_release(&mut back.as_slice()).unwrap().unwrap();
    pool.reclaim(released).unwrap();
    assert_eq!(pool.free(), 1);
    assert!(
        pool.reclaim(released).is_err(),
        "a slot released twice is refused"
    );
    assert!(rx.recv_any(&mut cache).unwrap().is_none());
}

#[test]
fn a_stale_holder_never_reads_the_next_array() {
    let mut pool = Pool::create(1, 4).unwrap();
    let wire = lend_all(&mut pool, 1);
    let mut cache = PoolCache::new();
    // Two holders of the same loan: one gives it back, the other keeps it.
    let mut first = Receiver::new(wire.as_slice()).unwrap();
    let mut second = Receiver::new(wire.as_slice()).unwrap();
    let kept = lent(second.recv_any(&mut cache).unwrap());
    let given = lent(first.recv_any(&mut cache).unwrap());
    pool.reclaim(given.release()).unwrap();
    let stale = |r: Result<_, Error>| matches!(r, Err(Error::Stale { .. }));
    assert!(
        stale(kept.bytes().map(|b| b.to_vec())),
        "released: stale at once"
    );
    // Lent again, with other bytes: the stale holder still cannot read them.
    let again = pool.lend(&[4], u8s()).unwrap().unwrap();
    pool.bytes_mut(&again).unwrap().fill(9);
    assert!(stale(kept.bytes().map(|b| b.to_vec())));
    assert!(stale(
        kept.view::<u8>()
            .map(|v| v.iter().copied().collect::<Vec<u8>>())
    ));
    // And an old message resolved later is stale too.
    let mut late = Receiver::new(wire.as_slice()).unwrap();
    assert_eq!(
        late.recv_any(&mut cache).unwrap_err().kind(),
        ErrorKind::Stale
    );
}

// Unix only: on Windows a name lives while any handle is open, so the old
// pool's name cannot be taken again while the cache maps it.
#[cfg(unix)]
#[test]
fn a_pool_name_reused_for_another_pool_is_mapped_anew() {
    let name = crate::name::generate().unwrap();
    let mut cache = PoolCache::new();
    let mut old = Pool::create_named(&name, 1, 4).unwrap();
    let wire = lend_all(&mut old, 1);
    let mut rx = Receiver::new(wire.as_slice()).unwrap();
    assert_eq!(
        lent(rx.recv_any(&mut cache).unwrap()).bytes().unwrap(),
        [1; 4]
    );
    drop(old); // unlinked; the cache still maps the old object
    let mut new = Pool::create_named(&name, 1, 4).unwrap();
    let loan = new.lend(&[4], u8s()).unwrap().unwrap();
    new.bytes_mut(&loan).unwrap().fill(7);
    let mut wire = Vec::new();
    let mut tx = Sender::new(&mut wire).unwrap();
    tx.lend(&mut new, &loan).unwrap();
    let mut rx = Receiver::new(wire.as_slice()).unwrap();
    let got = lent(rx.recv_any(&mut cache).unwrap());
    assert_eq!(
        got.bytes().unwrap(),
        [7; 4],
        "the new pool, not the cached old one"
    );
    // A message of the old pool now finds another pool under its name.
    let gone = lend_all_wire_of_gone_pool(&name);
    let mut stale = Receiver::new(gone.as_slice()).unwrap();
    assert_eq!(
        stale.recv_any(&mut cache).unwrap_err().kind(),
        ErrorKind::InvalidData
    );
}

/// A lend message naming pool `name` with an id no pool has.
#[cfg(unix)]
fn lend_all_wire_of_gone_pool(name: &str) -> Vec<u8> {
    let d =
        crate::Descriptor::build(Some(name), &[4], u8s(), crate::Order::C, 16384, None).unwrap();
    let mut text = crate::queue::wire::Message::Open { stream: "s".into() }.to_line();
    text += &crate::queue::wire::Message::Array {
        seq: 0,
        descriptor: d,
        pool: Some(PoolRef {
            id: 1,
            slot: 0,
            generation: 0,
        }),
    }
    .to_line();
    text.into_bytes()
}

#[test]
fn bad_loans_and_lies_are_typed_errors() {
    let mut pool = Pool::create(1, 4).unwrap();
    assert_eq!(
        pool.lend(&[1 << 20], u8s()).unwrap_err().kind(),
        ErrorKind::InvalidArgument,
        "larger than a slot"
    );
    assert_eq!(
        Pool::create(0, 4).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let loan = pool.lend(&[4], u8s()).unwrap().unwrap();
    let mut cache = PoolCache::new();
    let wrong_offset = crate::Descriptor::build(
        Some(pool.name()),
        &[4],
        u8s(),
        crate::Order::C,
        loan.descriptor().offset() + 8,
        None,
    )
    .unwrap();
    assert_eq!(
        cache
            .resolve(&wrong_offset, loan.pool_ref())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidMessage
    );
    let mut other = loan.pool_ref();
    other.slot = 5;
    assert_eq!(
        cache.resolve(loan.descriptor(), other).unwrap_err().kind(),
        ErrorKind::InvalidMessage
    );
    // A plain receiver refuses a lent array rather than adopting the pool.
    let mut wire = Vec::new();
    let mut tx = Sender::new(&mut wire).unwrap();
    tx.lend(&mut pool, &loan).unwrap();
    let mut rx = Receiver::new(wire.as_slice()).unwrap();
    assert_eq!(rx.recv().unwrap_err().kind(), ErrorKind::InvalidMessage);
}

#[test]
fn a_gone_receiver_gives_every_slot_back() {
    let mut pool = Pool::create(3, 4).unwrap();
    let wire = lend_all(&mut pool, 2);
    let mut cache = PoolCache::new();
    let mut rx = Receiver::new(wire.as_slice()).unwrap();
    let held = lent(rx.recv_any(&mut cache).unwrap());
    assert_eq!(pool.free(), 1);
    assert_eq!(pool.reclaim_all(), 2, "the back channel ended");
    assert_eq!(pool.free(), 3);
    assert_eq!(held.bytes().unwrap_err().kind(), ErrorKind::Stale);
}

#[test]
fn closing_early_gives_every_unread_slot_back_unmapped() {
    let mut pool = Pool::create(3, 4).unwrap();
    let wire = lend_all(&mut pool, 3);
    let mut cache = PoolCache::new();
    let mut rx = Receiver::new(wire.as_slice()).unwrap();
    let first = lent(rx.recv_any(&mut cache).unwrap());
    let mut back = Vec::new();
    release(&mut back, first).unwrap();
    assert_eq!(rx.close_releasing(&mut back).unwrap(), 2);
    let mut back = back.as_slice();
    let mut slots = Vec::new();
    while let Some(released) = read_release(&mut back).unwrap() {
        slots.push(released.slot);
        pool.reclaim(released).unwrap();
    }
    assert_eq!(slots, [0, 1, 2]);
    assert_eq!(pool.free(), 3);
}

#[cfg(target_os = "linux")]
#[test]
fn a_pool_lending_on_a_stream_is_its_live_senders() {
    let (_read, write) = nix::unistd::pipe().unwrap();
    let mut tx = Sender::over(std::fs::File::from(write)).unwrap();
    let mut pool = Pool::create(1, 4).unwrap();
    tx.bind(&mut pool);
    let lease = crate::lease::list()
        .into_iter()
        .find(|l| l.name == pool.name())
        .expect("the pool's lease");
    assert!(!lease.handed_over, "the pool stays the sender's");
    assert_eq!(lease.stream.map(|k| k.id), Some(tx.stream().to_owned()));
    let decided = crate::lease::reclaim(Some(pool.name()), false).unwrap();
    assert_eq!(decided[0].1, crate::lease::Verdict::HolderAlive);
}

#[test]
fn a_batch_of_loans_arrives_in_order_after_single_ones() {
    let mut pool = Pool::create(3, 4).unwrap();
    let loans: Vec<Loan> = (0..3)
        .map(|k| {
            let loan = pool.lend(&[4], u8s()).unwrap().unwrap();
            pool.bytes_mut(&loan).unwrap().fill(k + 1);
            loan
        })
        .collect();
    let mut wire = Vec::new();
    let mut tx = Sender::new(&mut wire).unwrap();
    tx.lend(&mut pool, &loans[0]).unwrap();
    tx.lend_all(&mut pool, &loans[1..]).unwrap();
    tx.finish().unwrap();
    assert_eq!(tx.sent(), 3);
    let mut cache = PoolCache::new();
    let mut rx = Receiver::new(wire.as_slice()).unwrap();
    for k in 0..3u8 {
        let got = lent(rx.recv_any(&mut cache).unwrap());
        assert_eq!(got.bytes().unwrap(), [k + 1; 4]);
    }
    assert!(
        rx.recv_any(&mut cache).unwrap().is_none(),
        "the end message counts all three"
    );
}

#[test]
fn a_loan_is_lent_only_from_its_own_pool_and_only_while_out() {
    let mut pool = Pool::create(1, 4).unwrap();
    let mut other = Pool::create(1, 4).unwrap();
    let loan = pool.lend(&[4], u8s()).unwrap().unwrap();
    let mut wire = Vec::new();
    let mut tx = Sender::new(&mut wire).unwrap();
    let kind = |r: crate::error::Result<()>| r.unwrap_err().kind();
    assert_eq!(kind(tx.lend(&mut other, &loan)), ErrorKind::InvalidArgument);
    assert_eq!(
        kind(tx.lend_all(&mut other, std::slice::from_ref(&loan))),
        ErrorKind::InvalidArgument
    );
    pool.reclaim(loan.pool_ref()).unwrap();
    assert_eq!(
        kind(tx.lend(&mut pool, &loan)),
        ErrorKind::InvalidArgument,
        "returned"
    );
    assert_eq!(tx.sent(), 0, "nothing was written");
}
