//! Child processes: the facade [`ChildProc`] (`child.rs`), the same on
//! every OS, over one file per OS (`unix.rs`: forked, spawned and warm
//! children read with `poll(2)`; `windows.rs`: spawned children read by a
//! thread), `fork.rs` (`fork(child_fn)`, Unix), `warm.rs` (Python children
//! forked from a warm interpreter, Linux), `launcher.rs` (how a run starts
//! other programs) and `ending.rs` (how a child ended).

mod child;
mod ending;
#[cfg(unix)]
mod fork;
mod launcher;
#[cfg(unix)]
mod unix;
#[cfg(target_os = "linux")]
mod warm;
#[cfg(windows)]
mod windows;

pub use child::ChildProc;
pub use ending::{Exit, NoReply};
pub use launcher::Launcher;
