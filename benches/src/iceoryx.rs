//! The iceoryx2 anchor: zero-copy publish-subscribe of a `[u8]` slice
//! between two processes, the middleware this project's hand-off is
//! measured against (`handoff/iceoryx2_event`, `handoff/iceoryx2_poll`).
//!
//! The bench is the publisher; `bench-child --iceoryx2 event|poll ROOT
//! PREFIX PUBSUB EVENT` is the subscriber, in the bench's private
//! [`Domain`]. Both sides open their services with
//! [`pubsub`] and [`event`], so the quality of service matches: one
//! publisher, one subscriber, a buffer of one sample, no history. The
//! subscriber replies on its stdout pipe with the framing every other
//! bench uses (`ipc_bench::wire::Reply`), so the reply path is the same as
//! `handoff/shared`'s and only the way there differs.
//!
//! A sample shorter than [`EXIT_BELOW`] bytes tells the subscriber to exit,
//! which it does cleanly (dropping its ports and node, so its resources are
//! removed); it also exits when its parent is gone.

use std::fmt::Debug;
use std::io;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use iceoryx2::prelude::{Path as IoxPath, *};
use iceoryx2::service::port_factory::{event as event_factory, publish_subscribe};

/// A sample shorter than this (no room for a stamp) asks the subscriber to
/// exit; one of exactly this length is a ping, answered like any sample.
pub const EXIT_BELOW: usize = 16;

/// How the subscriber learns that a sample is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// It blocks on an iceoryx2 `Listener`; the publisher sends, then
    /// notifies through a `Notifier`.
    Event,
    /// It spins on `Subscriber::receive` and never sleeps.
    Poll,
}

impl Wake {
    /// The word on `bench-child`'s command line and in bench ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Wake::Event => "event",
            Wake::Poll => "poll",
        }
    }

    /// The mode named by [`Wake::as_str`].
    pub fn parse(word: &str) -> Option<Wake> {
        match word {
            "event" => Some(Wake::Event),
            "poll" => Some(Wake::Poll),
            _ => None,
        }
    }
}

/// Maps an iceoryx2 result to `io::Result`, naming the step that failed.
pub fn check<T, E: Debug>(r: Result<T, E>, what: &str) -> io::Result<T> {
    r.map_err(|e| io::Error::other(format!("iceoryx2: cannot {what}: {e:?}")))
}

/// Names for the publish-subscribe and event services of one bench, new for
/// every run (process id and clock).
pub fn service_names(wake: Wake, size: usize) -> (String, String) {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let base = format!(
        "shm-ndarray-bench/{}-{nanos}/{}/{size}",
        std::process::id(),
        wake.as_str()
    );
    (format!("{base}/data"), format!("{base}/wake"))
}

/// A private iceoryx2 domain for one bench run: its own root directory
/// (static service configs, node records) and its own prefix for the
/// shared-memory objects, so nothing is shared with another iceoryx2 user
/// and everything can be removed at the end, including the global
/// management object iceoryx2 otherwise keeps for good. Dropping it removes
/// the directory and, on Linux, every object in `/dev/shm` with the prefix;
/// drop it after every node of the domain.
#[derive(Debug)]
pub struct Domain {
    config: Config,
    root: PathBuf,
    prefix: String,
}

impl Domain {
    /// A new domain: a root directory in the temporary directory and a
    /// prefix, both named after this process and the clock.
    pub fn new() -> io::Result<Domain> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() % 1_000_000_000)
            .unwrap_or(0);
        let tag = format!("{}_{nanos}", std::process::id());
        let root = std::env::temp_dir().join(format!("shm-ndarray-bench-iceoryx2-{tag}"));
        let prefix = format!("shmb{tag}_");
        let root_text = root
            .to_str()
            .ok_or_else(|| io::Error::other("the temporary directory is not UTF-8"))?;
        let config = config(root_text, &prefix)?;
        Ok(Domain {
            config,
            root,
            prefix,
        })
    }

    /// The domain's configuration, for [`node`].
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The root directory and the prefix, as `bench-child --iceoryx2`
    /// takes them (see [`config`]).
    pub fn args(&self) -> [&str; 2] {
        [self.root.to_str().unwrap_or_default(), &self.prefix]
    }
}

impl Drop for Domain {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
        #[cfg(target_os = "linux")]
        if let Ok(entries) = std::fs::read_dir("/dev/shm") {
            for entry in entries.flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&self.prefix)
                {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }
}

/// The configuration of the domain with root directory `root` (absolute)
/// and object prefix `prefix`; everything else is iceoryx2's default.
pub fn config(root: &str, prefix: &str) -> io::Result<Config> {
    let mut config = Config::default();
    config
        .global
        .set_root_path(&check(IoxPath::new(root.as_bytes()), "use the root path")?);
    config.global.prefix = check(FileName::new(prefix.as_bytes()), "use the prefix")?;
    Ok(config)
}

/// A node of the domain configured by `config`, for iceoryx2's
/// inter-process services. Its signal handling is off: the benches and the
/// child end on their own protocol, and a node must not swallow the
/// terminal's Ctrl-C.
pub fn node(config: &Config) -> io::Result<Node<ipc::Service>> {
    set_log_level(LogLevel::Error);
    check(
        NodeBuilder::new()
            .config(config)
            .signal_handling_mode(SignalHandlingMode::Disabled)
            .create::<ipc::Service>(),
        "create a node",
    )
}

/// Creates or opens the publish-subscribe service `name` for `[u8]` slices:
/// one publisher, one subscriber, a buffer of `depth` samples, as many
/// borrowed at a time, no history.
pub fn pubsub(
    node: &Node<ipc::Service>,
    name: &str,
    depth: usize,
) -> io::Result<publish_subscribe::PortFactory<ipc::Service, [u8], ()>> {
    let name = check(ServiceName::new(name), "make the service name")?;
    check(
        node.service_builder(&name)
            .publish_subscribe::<[u8]>()
            .max_publishers(1)
            .max_subscribers(1)
            .subscriber_max_buffer_size(depth)
            .subscriber_max_borrowed_samples(depth)
            .history_size(0)
            .open_or_create(),
        "open the publish-subscribe service",
    )
}

/// Creates or opens the event service `name`: one notifier, one listener.
pub fn event(
    node: &Node<ipc::Service>,
    name: &str,
) -> io::Result<event_factory::PortFactory<ipc::Service>> {
    let name = check(ServiceName::new(name), "make the service name")?;
    check(
        node.service_builder(&name)
            .event()
            .max_notifiers(1)
            .max_listeners(1)
            .open_or_create(),
        "open the event service",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip_and_names_differ() {
        for wake in [Wake::Event, Wake::Poll] {
            assert_eq!(Wake::parse(wake.as_str()), Some(wake));
        }
        assert_eq!(Wake::parse("spin"), None);
        let (data, wake) = service_names(Wake::Poll, 4096);
        assert_ne!(data, wake);
        assert!(ServiceName::new(&data).is_ok(), "{data}");
    }
}
