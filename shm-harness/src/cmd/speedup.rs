//! `shm-harness speedup`: the shared_numpy workload measured
//! (`shm_speedup` documents it).

use std::process::ExitCode;

use shm_harness::cli::{SpeedupArgs, TableFormat};
use shm_speedup::{Role, SpeedupOptions};

/// `shm-harness speedup`.
pub(super) fn speedup(args: &SpeedupArgs) -> ExitCode {
    shm_speedup::run(&SpeedupOptions {
        arrays: args.arrays,
        shape: args.shape.clone(),
        dtype: args.dtype.clone(),
        python: args.python.clone(),
        iceoryx2: args.iceoryx2.clone(),
        repeat: args.repeat,
        format: match args.format {
            TableFormat::Human => shm_speedup::TableFormat::Human,
            TableFormat::Json => shm_speedup::TableFormat::Json,
        },
        role: match (&args.consumer, &args.queue_consumer) {
            (true, _) => Role::Consumer,
            (false, Some(how)) => Role::QueueConsumer(how.clone()),
            (false, None) => Role::Producer,
        },
    })
}
