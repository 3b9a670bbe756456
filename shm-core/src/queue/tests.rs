use super::wire::Message;
use super::*;
use crate::SharedArray;
use crate::error::{Error, ErrorKind};
use crate::lease;

fn lease_of(name: &str) -> Option<lease::Lease> {
    lease::list().into_iter().find(|l| l.name == name)
}

fn gone(name: &str) -> bool {
    matches!(
        crate::segment::Segment::attach(name),
        Err(Error::NotFound { .. })
    )
}

/// A stream of `n` arrays of shape [4], array i filled with i.
fn stream_of(n: usize) -> (Vec<u8>, Vec<String>) {
    let mut wire = Vec::new();
    let mut names = Vec::new();
    let mut tx = Sender::new(&mut wire).unwrap();
    for i in 0..n {
        let a = SharedArray::create(&[4], i as f64).unwrap();
        names.push(a.descriptor().name().unwrap().to_owned());
        tx.send(a).unwrap();
    }
    tx.finish().unwrap();
    (wire, names)
}

/// Frees the named segments however a test ends.
struct Unlink(Vec<String>);
impl Drop for Unlink {
    fn drop(&mut self) {
        for n in &self.0 {
            let _ = lease::unlink(n);
        }
    }
}

// Unix only: these follow names and leases, and Windows has neither unlink
// nor a ledger (a mapping dies with its last handle, so a sender keeps what
// it sent until it is dropped); the catalogue's queue cases that apply to
// Windows run there instead.
#[cfg(unix)]
#[test]
fn arrays_arrive_in_order_owned_and_the_ledger_follows_them() {
    let (wire, names) = stream_of(3);
    let _guard = Unlink(names.clone());
    for n in &names {
        let l = lease_of(n).expect("a lease in transit");
        assert!(l.handed_over);
        assert!(l.stream.is_some(), "it names its stream");
        assert!(!gone(n), "the sender's exit does not free it");
    }
    let mut rx = Receiver::new(wire.as_slice()).unwrap();
    let mut got = Vec::new();
    while let Some(a) = rx.recv().unwrap() {
        let l = lease_of(a.descriptor().name().unwrap()).unwrap();
        assert!(!l.handed_over, "the receiver adopted it");
        assert_eq!(l.pid, std::process::id());
        got.push(a.view::<f64>().unwrap().sum());
    }
    assert_eq!(got, [0.0, 4.0, 8.0]);
    assert_eq!(rx.received(), 3);
    // The received arrays were dropped in the loop: freed, leases gone.
    for n in &names {
        assert!(gone(n));
        assert!(lease_of(n).is_none());
    }
}

#[test]
fn the_wire_is_json_lines_with_open_arrays_and_end() {
    let (wire, names) = stream_of(1);
    let _guard = Unlink(names.clone());
    let text = String::from_utf8(wire).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(matches!(Message::parse(lines[0]), Ok(Message::Open { .. })));
    let v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(v["type"], "array");
    assert_eq!(v["seq"], 0);
    assert_eq!(v["transfer"], "move");
    assert_eq!(v["descriptor"]["name"], names[0].as_str());
    assert_eq!(v["descriptor"]["dtype"], "<f8");
    assert_eq!(lines[2], r#"{"count":1,"type":"end"}"#);
}

// Unix only: these follow names and leases, and Windows has neither unlink
// nor a ledger (a mapping dies with its last handle, so a sender keeps what
// it sent until it is dropped); the catalogue's queue cases that apply to
// Windows run there instead.
#[cfg(unix)]
#[test]
fn a_stream_without_end_is_truncated_and_keeps_what_arrived() {
    let (wire, names) = stream_of(2);
    let _guard = Unlink(names.clone());
    let cut = wire.len() - br#"{"count":2,"type":"end"}"#.len() - 1;
    let mut rx = Receiver::new(&wire[..cut]).unwrap();
    let a = rx.recv().unwrap().unwrap();
    let b = rx.recv().unwrap().unwrap();
    assert!(matches!(rx.recv(), Err(Error::Truncated { received: 2 })));
    assert_eq!(
        a.view::<f64>().unwrap().sum() + b.view::<f64>().unwrap().sum(),
        4.0
    );
    // Cut inside a line: truncated too.
    let text = Message::Open { stream: "s".into() }.to_line() + r#"{"type":"arr"#;
    let mut rx = Receiver::new(text.as_bytes()).unwrap();
    assert!(matches!(rx.recv(), Err(Error::Truncated { received: 0 })));
}

// Unix only: these follow names and leases, and Windows has neither unlink
// nor a ledger (a mapping dies with its last handle, so a sender keeps what
// it sent until it is dropped); the catalogue's queue cases that apply to
// Windows run there instead.
#[cfg(unix)]
#[test]
fn bad_lines_are_typed_errors_and_reading_goes_on() {
    let a = SharedArray::create(&[2], 7i32).unwrap();
    let d = a.descriptor().clone();
    let _guard = Unlink(vec![d.name().unwrap().to_owned()]);
    let missing = crate::Descriptor::new("shm_queue_test_missing", &[2], d.dtype()).unwrap();
    // More than any page-rounded size of an 8-byte segment.
    let undersized = crate::Descriptor::new(d.name().unwrap(), &[1 << 16], d.dtype()).unwrap();
    let mut text = Message::Open { stream: "s".into() }.to_line();
    text += "garbage\n";
    text += r#"{"type":"array","seq":0,"transfer":"copy","descriptor":{}}"#;
    text += "\n";
    text += &Message::Array {
        seq: 0,
        descriptor: missing,
        pool: None,
    }
    .to_line();
    text += &Message::Array {
        seq: 1,
        descriptor: undersized,
        pool: None,
    }
    .to_line();
    text += &Message::Array {
        seq: 5,
        descriptor: d.clone(),
        pool: None,
    }
    .to_line();
    text += &format!("{}\n", "x".repeat(super::wire::MAX_LINE + 10));
    text += &Message::Array {
        seq: 3,
        descriptor: d.clone(),
        pool: None,
    }
    .to_line();
    text += &Message::End { count: 4 }.to_line();
    let mut rx = Receiver::new(text.as_bytes()).unwrap();
    let kinds: Vec<ErrorKind> = (0..6).map(|_| rx.recv().unwrap_err().kind()).collect();
    assert_eq!(
        kinds,
        [
            ErrorKind::InvalidMessage,
            ErrorKind::InvalidMessage,
            ErrorKind::NotFound,
            ErrorKind::SizeMismatch,
            ErrorKind::InvalidMessage,
            ErrorKind::InvalidMessage,
        ]
    );
    // seq 5 was refused as out of order, so seq 3 is next: attached.
    let b = rx
        .recv()
        .unwrap()
        .expect("the good message after the bad ones");
    assert_eq!(b.view::<i32>().unwrap().sum(), 14);
    assert!(rx.recv().unwrap().is_none());
    drop(b);
    assert!(
        gone(d.name().unwrap()),
        "the receiver owned it and freed it"
    );
    std::mem::forget(a); // its segment is already unlinked by the receiver
}

#[test]
fn a_stream_that_is_not_a_queue_is_refused_at_once() {
    assert!(matches!(
        Receiver::new(&b""[..]),
        Err(Error::Truncated { received: 0 })
    ));
    assert!(matches!(
        Receiver::new(&b"{\"type\":\"end\",\"count\":0}\n"[..]),
        Err(Error::InvalidMessage(_))
    ));
    let future = r#"{"type":"open","version":2,"stream":"s"}"#;
    assert!(matches!(
        Message::parse(future),
        Err(Error::InvalidMessage(_))
    ));
    let extra = r#"{"type":"end","count":0,"more":1}"#;
    assert!(matches!(
        Message::parse(extra),
        Err(Error::InvalidMessage(_))
    ));
}

// Unix only: these follow names and leases, and Windows has neither unlink
// nor a ledger (a mapping dies with its last handle, so a sender keeps what
// it sent until it is dropped); the catalogue's queue cases that apply to
// Windows run there instead.
#[cfg(unix)]
#[test]
fn closing_early_frees_the_unread_arrays_at_once() {
    let (wire, names) = stream_of(5);
    let _guard = Unlink(names.clone());
    let mut rx = Receiver::new(wire.as_slice()).unwrap();
    let first = rx.recv().unwrap().unwrap();
    assert_eq!(rx.close().unwrap(), 4);
    for n in &names[1..] {
        assert!(gone(n), "{n} was freed by close");
        assert!(lease_of(n).is_none());
    }
    drop(first);
    assert!(gone(&names[0]));
}

#[test]
fn only_owned_arrays_can_be_sent_and_a_failed_write_frees_the_array() {
    let a = SharedArray::create(&[2], 1u8).unwrap();
    let name = a.descriptor().name().unwrap().to_owned();
    let _guard = Unlink(vec![name.clone()]);
    let attached = SharedArray::attach(a.descriptor()).unwrap();
    let mut tx = Sender::new(Vec::new()).unwrap();
    assert_eq!(
        tx.send(attached).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );

    assert_eq!(
        Sender::new(FailAfter(0)).unwrap_err().kind(),
        ErrorKind::Os,
        "the open line cannot be written"
    );
    let mut later = Sender::new(FailAfter(1)).unwrap();
    match later.send(a) {
        Err(Error::Os { call: "write", .. }) => {}
        other => panic!("expected a write error, got {other:?}"),
    }
    assert!(gone(&name), "the sender took the array back and freed it");
    assert!(lease_of(&name).is_none());
}

/// A writer that accepts `n` writes and then fails as a closed pipe does.
#[derive(Debug)]
struct FailAfter(usize);
impl std::io::Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::Error::from_raw_os_error(32));
        }
        self.0 -= 1;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(unix)]
#[test]
fn ten_thousand_small_arrays_leave_no_segment_and_no_lease() {
    use std::io::BufReader;
    let (read, write) = nix::unistd::pipe().unwrap();
    let sender = std::thread::spawn(move || {
        let mut tx = Sender::over(std::fs::File::from(write)).unwrap();
        let mut names = Vec::new();
        for i in 0..10_000u32 {
            let a = SharedArray::create(&[2], i).unwrap();
            names.push(a.descriptor().name().unwrap().to_owned());
            tx.send(a).unwrap();
        }
        tx.finish().unwrap();
        names
    });
    let mut rx = Receiver::new(BufReader::new(std::fs::File::from(read))).unwrap();
    let mut sum = 0u64;
    while let Some(a) = rx.recv().unwrap() {
        sum += a
            .view::<u32>()
            .unwrap()
            .iter()
            .map(|&v| u64::from(v))
            .sum::<u64>();
    }
    let names = sender.join().unwrap();
    let _guard = Unlink(names.clone());
    assert_eq!(sum, 2 * (0..10_000u64).sum::<u64>());
    assert!(names.iter().all(|n| gone(n)), "every segment freed");
    let leases = lease::list();
    assert!(
        names.iter().all(|n| leases.iter().all(|l| &l.name != n)),
        "every lease removed"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn clean_spares_arrays_in_transit_while_the_stream_is_held() {
    use std::io::BufReader;
    let (read, write) = nix::unistd::pipe().unwrap();
    let mut tx = Sender::over(std::fs::File::from(write)).unwrap();
    let a = SharedArray::create(&[2], 1.0f32).unwrap();
    let name = a.descriptor().name().unwrap().to_owned();
    let _guard = Unlink(vec![name.clone()]);
    tx.send(a).unwrap();
    tx.finish().unwrap();
    let decided = lease::reclaim(Some(&name), false).unwrap();
    assert_eq!(decided[0].1, lease::Verdict::HandedOver);
    assert!(!gone(&name));
    let mut rx = Receiver::new(BufReader::new(std::fs::File::from(read))).unwrap();
    let a = rx.recv().unwrap().unwrap();
    assert_eq!(
        lease::reclaim(Some(&name), false).unwrap()[0].1,
        lease::Verdict::HolderAlive
    );
    drop(a);
}

#[cfg(target_os = "linux")]
#[test]
fn a_stream_identified_by_its_caller_is_held_as_one_the_sender_read_itself() {
    use std::io::BufReader;
    use std::os::fd::AsFd;
    let (read, write) = nix::unistd::pipe().unwrap();
    let stat = nix::sys::stat::fstat(write.as_fd()).unwrap();
    let object = Some((stat.st_dev, stat.st_ino));
    let mut tx = Sender::identified(std::fs::File::from(write), object, None).unwrap();
    let a = SharedArray::create(&[2], 1.0f32).unwrap();
    let name = a.descriptor().name().unwrap().to_owned();
    let _guard = Unlink(vec![name.clone()]);
    tx.send(a).unwrap();
    tx.finish().unwrap();
    let lease = lease_of(&name).unwrap();
    let key = lease.stream.expect("the lease names the stream");
    assert_eq!((key.id.as_str(), key.object), (tx.stream(), object));
    assert_eq!(
        lease::reclaim(Some(&name), true).unwrap()[0].1,
        lease::Verdict::HandedOver
    );
    let mut rx = Receiver::new(BufReader::new(std::fs::File::from(read))).unwrap();
    assert_eq!(
        rx.recv().unwrap().unwrap().view::<f32>().unwrap().sum(),
        2.0
    );
}
