//! [`Failure`]: why a measurement stopped, with the exit code it maps to.

use std::io;

use shm_protocol::exit::{CHECK_FAILED, Kind};

/// Why a measurement stopped, with the exit code it maps to.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The exit code it maps to (the one table of `shm_protocol::exit`).
    pub(crate) code: u8,
    /// What went wrong.
    pub(crate) message: String,
}

impl Failure {
    /// A run that failed or gave a wrong result.
    pub(crate) fn run(message: impl Into<String>) -> Failure {
        Failure {
            code: CHECK_FAILED,
            message: message.into(),
        }
    }
}

impl From<shm_core::Error> for Failure {
    fn from(e: shm_core::Error) -> Failure {
        Failure {
            code: Kind::from(e.kind()).exit_code(),
            message: e.to_string(),
        }
    }
}

impl From<io::Error> for Failure {
    /// The link's errors already name the consumer.
    fn from(e: io::Error) -> Failure {
        Failure::run(e.to_string())
    }
}
