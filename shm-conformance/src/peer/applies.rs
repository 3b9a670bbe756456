//! Whether a catalogue case applies to a peer on one side: what its
//! manifest claims, and what its command line can express. A case that
//! does not apply is reported skipped, with the reason.
//!
//! A peer takes a case's creator role (`parent`) or its attacher roles
//! (every other actor). Checks that the command line has no word for
//! (`probe`, `check-parts`, `view`, `mode`) are made by the runner
//! attaching in Rust, so they still check what the peer did.

use shm_protocol::form::Form;

use super::spec::{PeerSpec, Side};
use crate::catalogue::{Case, ExpectedExit, Step, StepOp};
use crate::record::NotRun;

/// Whether `op` is one of the peer command line's words.
fn peer_word(op: &StepOp) -> bool {
    matches!(
        op,
        StepOp::Attach { .. }
            | StepOp::Get { .. }
            | StepOp::Set { .. }
            | StepOp::Sum
            | StepOp::Fill { .. }
            | StepOp::Emit
            | StepOp::Pattern { .. }
            | StepOp::CheckPattern { .. }
            | StepOp::Exit
            | StepOp::Close
    )
}

/// Whether the runner makes this check itself, in Rust, on a peer's
/// behalf.
pub fn runner_checks(op: &StepOp) -> bool {
    matches!(
        op,
        StepOp::Probe { .. } | StepOp::CheckParts { .. } | StepOp::View { .. } | StepOp::Mode
    )
}

/// Why `case` cannot run with `peer` on `side`, if it cannot: what kind of
/// reason, and the reason.
pub fn not_applicable(case: &Case, peer: &PeerSpec, side: Side) -> Option<(NotRun, String)> {
    let claimed = |why: String| Some((NotRun::NotClaimed, why));
    let outside = |why: String| Some((NotRun::OutsideProtocol, why));
    if let Some((s, why)) = &peer.side_unsupported {
        if *s == side {
            return claimed(why.clone());
        }
    }
    if let Some(why) = peer.deviation(case.name(), Some(side)) {
        return Some((NotRun::Deviation, why.to_owned()));
    }
    if case.group.is_some() {
        return outside("grouped cases run with Rust only".into());
    }
    if let Some(why) = &case.rust_only {
        return outside(why.clone());
    }
    if !takes_part(case, side) {
        return Some((
            NotRun::NoPart,
            "the peer would do nothing the runner checks on this side".into(),
        ));
    }
    for step in &case.steps {
        // The runner kills children itself; it cannot kill a one-shot peer.
        if let StepOp::Kill { target, .. } = &step.op {
            if side.plays(target) {
                return outside("kills a peer process".into());
            }
            continue;
        }
        if !step.on.names().iter().any(|who| side.plays(who)) {
            continue;
        }
        if let Some(why) = step_not_applicable(step, side, peer) {
            return Some(why);
        }
    }
    if let Some(why) = peer.cannot_hold(case.dtype) {
        let name = case.dtype.native().name();
        return claimed(format!("{} cannot hold {name}: {why}", peer.name));
    }
    if !case.dtype.is_native() && !peer.swapped {
        return claimed(format!("{} has no other byte order", peer.name));
    }
    if !peer.empty && case.shapes.iter().any(|s| s.contains(&0)) {
        return claimed(format!("{} cannot make empty arrays", peer.name));
    }
    None
}

/// Whether the peer on `side` does anything in `case` that the runner
/// checks: a step of one of its actors that is a word of its command line
/// (not a check the runner makes itself, not only ending).
fn takes_part(case: &Case, side: Side) -> bool {
    case.steps.iter().any(|step| {
        step.on.names().iter().any(|who| side.plays(who))
            && !runner_checks(&step.op)
            && !matches!(step.op, StepOp::Exit | StepOp::Close)
    })
}

fn step_not_applicable(step: &Step, side: Side, peer: &PeerSpec) -> Option<(NotRun, String)> {
    let claimed = |why: String| Some((NotRun::NotClaimed, why));
    let outside = |why: String| Some((NotRun::OutsideProtocol, why));
    let name = step.op.name();
    let creates = matches!(step.op, StepOp::Create { .. });
    if creates && side == Side::Attaches {
        return outside(format!(
            "a child creates ({name}), and on this side Rust creates"
        ));
    }
    if runner_checks(&step.op) {
        // Made by the runner in Rust: any expectation holds as written.
        return None;
    }
    // Errors are held to the contract: the peer's exit code must be the one
    // the expected kind maps to (see `Kind::satisfies`). How a peer process
    // ends is the runner's doing (it closes stdin), so only a clean end can
    // be expected of it.
    if step
        .expect_exit
        .as_ref()
        .is_some_and(|e| *e != ExpectedExit::Code(0))
    {
        return outside(format!("expects the peer to end another way ({name})"));
    }
    match &step.op {
        StepOp::Create { name: Some(_), .. } if !peer.named_create => {
            claimed(format!("{}'s create takes no --name", peer.name))
        }
        StepOp::Create { .. } => None,
        StepOp::Unlink { .. } if !peer.unlink => claimed(format!("{} claims no unlink", peer.name)),
        StepOp::Unlink { .. } => None,
        StepOp::Attach { form, overrides } => {
            // A lying descriptor (override) is sent as it is, in the form
            // the step names, or canonical.
            let sent = match (form, overrides) {
                (Some(f), _) => Some(*f),
                (None, Some(_)) => Some(Form::Canonical),
                (None, None) => None,
            };
            match sent {
                Some(f) if !peer.reads(f) => {
                    claimed(format!("{} reads no {} descriptors", peer.name, f.name()))
                }
                _ => None,
            }
        }
        op if !peer_word(op) => outside(format!("the peer command line has no {name}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PeerSpec {
        PeerSpec {
            name: "p".into(),
            argv: vec!["p".into()],
            forms: vec![Form::Canonical],
            unsupported: vec![(
                shm_core::DType::parse("float16").unwrap(),
                "no half floats".into(),
            )],
            swapped: false,
            empty: true,
            serve: false,
            layout: shm_protocol::create::Layout::Bare,
            side_unsupported: None,
            named_create: true,
            unlink: false,
            deviations: vec![(
                "seed-blog-write".into(),
                Side::Attaches,
                "a known difference".into(),
            )],
        }
    }

    fn case(name: &str) -> Case {
        let all = crate::catalogue::load(None).unwrap();
        all.into_iter().find(|c| c.name() == name).expect(name)
    }

    #[test]
    fn the_contract_a_peer_claims_decides_what_it_plays() {
        let peer = spec();
        assert_eq!(
            not_applicable(&case("seed-blog-write"), &peer, Side::Creates),
            None
        );
        assert_eq!(
            not_applicable(&case("seed-blog-write"), &peer, Side::Attaches),
            Some((NotRun::Deviation, "a known difference".into()))
        );
        let (kind, why) = not_applicable(&case("pattern-float16"), &peer, Side::Creates).unwrap();
        assert!(why.contains("no half floats"), "{why}");
        assert_eq!(kind, NotRun::NotClaimed);
        let (_, why) =
            not_applicable(&case("swapped-child-writes-int16"), &peer, Side::Creates).unwrap();
        assert!(why.contains("byte order"));
        let why = not_applicable(&case("unlink-while-attached"), &peer, Side::Creates);
        assert_eq!(
            why.map(|w| w.0),
            Some(NotRun::OutsideProtocol),
            "rust_only cases stay with Rust"
        );
    }

    #[test]
    fn steps_a_peer_cannot_express_are_named_in_the_reason() {
        let (kind, why) =
            not_applicable(&case("create-existing"), &spec(), Side::Attaches).unwrap();
        assert_eq!(why, "the peer command line has no create-segment");
        assert_eq!(kind, NotRun::OutsideProtocol);
    }
}
