//! `shm-harness create`: make an array, print its descriptor, hold it or
//! hand it over (protocol 5.2), with shm-core.

use std::process::ExitCode;

use shm_core::{Error, SharedArray};
use shm_harness::cli::CreateArgs;
use shm_protocol::create::{CreatePlan, Layout};
use shm_protocol::form::Form;
use shm_protocol::hold::create_and_hold;

/// `shm-harness create`.
pub(super) fn create(args: &CreateArgs) -> ExitCode {
    let make = || -> Result<(SharedArray, String), Error> {
        let mut plan = CreatePlan::read(&args.shape, &args.dtype, args.fill.as_deref())?;
        plan.name = args.name.clone();
        if args.sharedarray {
            plan.layout = Layout::SharedArray;
        }
        if args.wetlands {
            plan.printed = Form::Wetlands;
        }
        plan.make()
    };
    create_and_hold(args.keep, make, |array: &mut SharedArray| {
        if let Some(segment) = array.segment_mut() {
            segment.disown();
        }
    })
}
