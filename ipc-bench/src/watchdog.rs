//! Kills a child process that leaves a request unanswered for too long, so
//! a benchmark fails instead of hanging.

use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the watchdog looks.
const TICK: Duration = Duration::from_millis(100);

/// Watches one child from a thread of its own.
///
/// The timed path pays two relaxed atomic increments per request
/// ([`busy`](Watchdog::busy), [`idle`](Watchdog::idle)): the sequence number
/// is odd while a request is outstanding, and the thread, waking every
/// 100 ms, kills the child when it sees the same odd number for longer than
/// the timeout.
#[derive(Debug)]
pub struct Watchdog {
    seq: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// Starts watching `child`, called `name` in the message printed on
    /// stderr when it is killed.
    pub fn start(child: Arc<Mutex<Child>>, name: &str, timeout: Duration) -> Watchdog {
        let seq = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, halt) = (Arc::clone(&seq), Arc::clone(&stop));
        let name = name.to_owned();
        let thread = std::thread::spawn(move || {
            let mut seen = (0, Instant::now());
            while !halt.load(Ordering::Relaxed) {
                std::thread::sleep(TICK);
                let now = s.load(Ordering::Relaxed);
                if now != seen.0 {
                    seen = (now, Instant::now());
                } else if now % 2 == 1 && seen.1.elapsed() > timeout {
                    let mut child = child.lock().expect("child lock");
                    eprintln!(
                        "{name} (pid {}) did not answer in {timeout:?}; killing it",
                        child.id()
                    );
                    let _ = child.kill();
                    return;
                }
            }
        });
        Watchdog {
            seq,
            stop,
            thread: Some(thread),
        }
    }

    /// A request is outstanding from now on.
    pub fn busy(&self) {
        self.seq.fetch_add(1, Ordering::Relaxed);
    }

    /// The request is answered (or failed).
    pub fn idle(&self) {
        self.seq.fetch_add(1, Ordering::Relaxed);
    }

    /// Stops watching and joins the thread; idempotent.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop();
    }
}
