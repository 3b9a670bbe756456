//! What the shared transfers are measured against: iceoryx2's
//! publish-subscribe to a `bench-child --iceoryx2` (the anchor), and two
//! threads of one process (the end-to-end floor).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use benches::child::{self};
use benches::iceoryx::{self, Domain, EXIT_BELOW, Wake, check};
use benches::op::Op;
use benches::work;
use iceoryx2::port::notifier::Notifier;
use iceoryx2::port::publisher::Publisher;
use iceoryx2::port::update_connections::UpdateConnections;
use iceoryx2::prelude::{Node, ipc};
use iceoryx2::service::port_factory::{event as event_factory, publish_subscribe};
use ipc_bench::link::Link;
use ipc_bench::wire::Reply;

use super::{CHILD, prefaulted};

/// `bench-child --iceoryx2 MODE`, the subscriber of one size's services,
/// and the publishing ports of this side. Dropping it, also on a panic,
/// tells the child to exit and reaps it (killing it after a grace period),
/// then removes whatever a killed child left behind; the ports, services
/// and node then go, in that order, and with them every iceoryx2 resource.
pub(crate) struct IceoryxChild {
    link: Option<Link>,
    publisher: Publisher<ipc::Service, [u8], ()>,
    notifier: Notifier<ipc::Service>,
    wake: Wake,
    sent: u64,
    _pubsub: publish_subscribe::PortFactory<ipc::Service, [u8], ()>,
    _events: event_factory::PortFactory<ipc::Service>,
    node: Node<ipc::Service>,
}

impl IceoryxChild {
    /// Creates the services (new names each run), a publisher whose loans
    /// hold `size` bytes and a notifier, starts the child, waits until its
    /// subscriber exists, and checks once, untimed, that the child sees
    /// every byte of a sample.
    pub(crate) fn spawn(domain: &Domain, size: usize, wake: Wake) -> IceoryxChild {
        let (data, wake_name) = iceoryx::service_names(wake, size);
        let node = iceoryx::node(domain.config()).expect("an iceoryx2 node");
        let pubsub = iceoryx::pubsub(&node, &data, 1).expect("the data service");
        let events = iceoryx::event(&node, &wake_name).expect("the wake service");
        let publisher = check(
            pubsub
                .publisher_builder()
                .initial_max_slice_len(size)
                .create(),
            "create a publisher",
        )
        .expect("a publisher");
        let notifier =
            check(events.notifier_builder().create(), "create a notifier").expect("a notifier");
        let mut this = IceoryxChild {
            link: None,
            publisher,
            notifier,
            wake,
            sent: 0,
            _pubsub: pubsub,
            _events: events,
            node,
        };
        let [root, prefix] = domain.args();
        let args = ["--iceoryx2", wake.as_str(), root, prefix, &data, &wake_name];
        this.link =
            Some(child::spawn_with(Path::new(CHILD), &args).expect("bench-child --iceoryx2"));
        check(this.publisher.update_connections(), "connect").expect("the subscriber");
        let byte = work::fill_byte(0);
        let reply = this.publish(size, byte, None);
        assert_eq!(
            (reply.a, reply.c),
            (size as u64, work::expected_checksum(size, byte)),
            "the subscriber must see the publisher's bytes"
        );
        this
    }

    /// Loans a `size`-byte sample, writes `byte` into all of it and, with
    /// `stamp`, the stamp into its ends, sends it, notifies in event mode,
    /// and reads the reply. Returns the reply and the time of the loan and
    /// of the send to the reply, without the writing (safe Rust initialises
    /// every byte of a loan; `handoff/shared`'s array is filled before its
    /// clock too).
    pub(crate) fn publish_timed(
        &mut self,
        size: usize,
        byte: u8,
        stamp: Option<u64>,
    ) -> (Reply, Duration) {
        let t = Instant::now();
        let sample = self.publisher.loan_slice_uninit(size).expect("a loan");
        let loan = t.elapsed();
        let mut sample = sample.write_from_fn(|_| byte);
        if let Some(stamp) = stamp {
            work::stamp(sample.payload_mut(), stamp);
        }
        self.wake_up();
        let link = self.link.as_mut().expect("a running subscriber");
        let t = Instant::now();
        let receivers = sample.send().expect("send");
        if self.wake == Wake::Event {
            self.notifier.notify().expect("notify");
        }
        let reply = link.receive().expect("the subscriber's reply");
        let spent = loan + t.elapsed();
        assert_eq!(receivers, 1, "the sample reached the subscriber");
        (reply, spent)
    }

    /// An untimed round trip with an empty-ish sample, so the subscriber is
    /// not asleep when the clock starts: writing a large sample takes
    /// milliseconds, long enough for its idle virtual CPU to sleep deeply,
    /// and waking one takes tens of microseconds that are no part of a
    /// hand-off (`shm-harness speedup` does the same before its clocks).
    pub(crate) fn wake_up(&mut self) {
        let ping = self
            .publisher
            .loan_slice_uninit(EXIT_BELOW)
            .expect("a loan");
        let receivers = ping.write_from_fn(|_| 0).send().expect("send");
        if self.wake == Wake::Event {
            self.notifier.notify().expect("notify");
        }
        let link = self.link.as_mut().expect("a running subscriber");
        let reply = link.receive().expect("the subscriber's reply");
        assert_eq!((receivers, reply.a), (1, EXIT_BELOW as u64));
    }

    pub(crate) fn publish(&mut self, size: usize, byte: u8, stamp: Option<u64>) -> Reply {
        self.publish_timed(size, byte, stamp).0
    }

    /// `iters` hand-offs of `size` bytes, each stamped afresh and checked:
    /// the subscriber's view has every byte and the stamp at both ends.
    pub(crate) fn handoffs(&mut self, size: usize, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            self.sent += 1;
            let stamp = self.sent;
            let (reply, spent) = self.publish_timed(size, work::fill_byte(stamp), Some(stamp));
            total += spent;
            assert_eq!((reply.a, reply.b), (size as u64, 2 * stamp));
        }
        total
    }

    /// Sends the exit sample, waits for the child's exit and, if it had to
    /// be killed, removes what it left.
    pub(crate) fn stop(&mut self) -> std::io::Result<()> {
        let Some(link) = self.link.take() else {
            return Ok(());
        };
        let sent = check(self.publisher.loan_slice_uninit(EXIT_BELOW - 1), "loan")
            .and_then(|s| check(s.write_from_fn(|_| 0).send(), "send"));
        if self.wake == Wake::Event {
            let _ = self.notifier.notify();
        }
        let finished = link.finish(Op::Exit);
        self.node.try_cleanup_dead_nodes();
        sent.and(finished)
    }

    pub(crate) fn finish(mut self) {
        self.stop().expect("bench-child --iceoryx2 exits cleanly");
    }
}

impl Drop for IceoryxChild {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// `end_to_end/two_thread_floor`: one thread fills a buffer, a second sums
/// it, the buffer going over a std channel and coming back, two buffers in
/// turn so the fill of one overlaps the sum of the other (what two
/// processes on two cores can do). Each sum is checked as it comes back.
pub(crate) struct TwoThreads {
    to_summer: Option<std::sync::mpsc::Sender<(Vec<u8>, u8)>>,
    from_summer: std::sync::mpsc::Receiver<(Vec<u8>, u8, u64)>,
    summer: Option<std::thread::JoinHandle<()>>,
    free: Vec<Vec<u8>>,
    round: u64,
}

impl TwoThreads {
    pub(crate) fn new(size: usize) -> TwoThreads {
        let (to_summer, work) = std::sync::mpsc::channel::<(Vec<u8>, u8)>();
        let (done, from_summer) = std::sync::mpsc::channel();
        let summer = std::thread::spawn(move || {
            for (buf, byte) in work {
                let sum = work::checksum(black_box(&buf));
                if done.send((buf, byte, sum)).is_err() {
                    break;
                }
            }
        });
        TwoThreads {
            to_summer: Some(to_summer),
            from_summer,
            summer: Some(summer),
            free: vec![prefaulted(size), prefaulted(size)],
            round: 0,
        }
    }

    /// A buffer back from the summing thread, its sum checked.
    pub(crate) fn collect(&mut self, size: usize) -> Vec<u8> {
        let (buf, byte, sum) = self.from_summer.recv().expect("the summing thread");
        assert_eq!(buf.len(), size);
        assert_eq!(sum, work::expected_checksum(size, byte));
        buf
    }

    /// `iters` buffers filled and summed, from the first fill to the last
    /// sum back.
    pub(crate) fn run(&mut self, size: usize, iters: u64) -> Duration {
        let to_summer = self.to_summer.clone().expect("the channel");
        let mut in_flight = 0;
        let t = Instant::now();
        for _ in 0..iters {
            let mut buf = match self.free.pop() {
                Some(b) => b,
                None => {
                    in_flight -= 1;
                    self.collect(size)
                }
            };
            let byte = work::fill_byte(self.round);
            self.round += 1;
            work::fill(&mut buf, byte);
            to_summer.send((buf, byte)).expect("the summing thread");
            in_flight += 1;
        }
        while in_flight > 0 {
            in_flight -= 1;
            let buf = self.collect(size);
            self.free.push(buf);
        }
        t.elapsed()
    }
}

impl Drop for TwoThreads {
    fn drop(&mut self) {
        drop(self.to_summer.take());
        if let Some(summer) = self.summer.take() {
            let _ = summer.join();
        }
    }
}
