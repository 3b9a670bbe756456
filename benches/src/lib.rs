//! Benchmarks of handing an n-dimensional array from one process to another:
//! shared by descriptor (`shm-core`) against copied through a pipe or a Unix
//! socket, measured next to their floors (memcpy, a bare pipe round trip, and
//! the same hand-off written with bare `nix` calls).
//!
//! The criterion benches live in `benches/transfer/` (`main.rs` the groups,
//! `streams.rs` the queue and pool children, `anchors.rs` iceoryx2 and the
//! two-thread floor); this library holds what they share with the child
//! process (`src/bin/bench-child.rs`) and the chart generator
//! (`src/bin/bench-chart.rs`):
//!
//! - [`op`]: the operations the child serves;
//! - [`child`]: starting the persistent child on a pipe or a Unix socket;
//! - [`transport`]: socket sizing (the copy path done well);
//! - [`work`]: the fill and checksum every variant uses, so each bench can
//!   check its result before its timing is trusted;
//! - [`iceoryx`]: the iceoryx2 services of the `handoff/iceoryx2_*`
//!   anchor, opened alike by the bench and the child (Unix);
//! - [`raw`]: a segment made and attached with bare `nix` calls, for
//!   `floor/handoff_raw`;
//! - [`sizes`]: the sizes benchmarked and their labels;
//! - [`chart`]: reads criterion's estimates and draws an SVG chart.
//!
//! The framing, the child's handle with its watchdog, pipe sizing and time
//! formatting come from `ipc-bench`, which `shm-harness speedup` uses too.
//!
//! See `docs/benchmarks.md` for the results and how to reproduce them.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod chart;
pub mod child;
#[cfg(unix)]
pub mod iceoryx;
pub mod op;
pub mod raw;
pub mod sizes;
pub mod transport;
pub mod work;
