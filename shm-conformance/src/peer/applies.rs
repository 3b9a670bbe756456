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

/// Why `case` cannot run with `peer` on `side`, if it cannot.
pub fn not_applicable(case: &Case, peer: &PeerSpec, side: Side) -> Option<String> {
    if let Some((s, why)) = &peer.side_unsupported {
        if *s == side {
            return Some(why.clone());
        }
    }
    if let Some(why) = peer.deviation(case.name(), Some(side)) {
        return Some(why.to_owned());
    }
    if let Some(why) = peer.cannot_hold(case.dtype) {
        let name = case.dtype.native().name();
        return Some(format!("{} cannot hold {name}: {why}", peer.name));
    }
    if !case.dtype.is_native() && !peer.swapped {
        return Some(format!("{} has no other byte order", peer.name));
    }
    if !peer.empty && case.shapes.iter().any(|s| s.contains(&0)) {
        return Some(format!("{} cannot make empty arrays", peer.name));
    }
    if case.group.is_some() {
        return Some("grouped cases run with Rust only".into());
    }
    if let Some(why) = &case.rust_only {
        return Some(why.clone());
    }
    for step in &case.steps {
        // The runner kills children itself; it cannot kill a one-shot peer.
        if let StepOp::Kill { target, .. } = &step.op {
            if side.plays(target) {
                return Some("kills a peer process".into());
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
    None
}

fn step_not_applicable(step: &Step, side: Side, peer: &PeerSpec) -> Option<String> {
    let name = step.op.name();
    let creates = matches!(step.op, StepOp::Create { .. });
    if creates && side == Side::Attaches {
        return Some(format!("a child creates ({name})"));
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
        return Some(format!("expects the peer to end another way ({name})"));
    }
    if creates {
        return match &step.op {
            StepOp::Create { name: Some(_), .. } if !peer.named_create => {
                Some(format!("{}'s create takes no --name", peer.name))
            }
            _ => None,
        };
    }
    if !peer_word(&step.op) {
        return Some(format!("the peer command line has no {name}"));
    }
    if let StepOp::Attach { form, overrides } = &step.op {
        // Every peer reads the canonical and the short form; a lying
        // descriptor (override) can be sent as is only in those forms.
        let plain = form.is_none_or(|f| matches!(f, Form::Canonical | Form::Short));
        if !plain || (overrides.is_some() && peer.form != Form::Canonical) {
            return Some("attaches with another descriptor form".into());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PeerSpec {
        PeerSpec {
            name: "p".into(),
            argv: vec!["p".into()],
            form: Form::Canonical,
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
            not_applicable(&case("seed-blog-write"), &peer, Side::Attaches).as_deref(),
            Some("a known difference")
        );
        let why = not_applicable(&case("pattern-float16"), &peer, Side::Creates).unwrap();
        assert!(why.contains("no half floats"), "{why}");
        let why = not_applicable(&case("swapped-child-writes-int16"), &peer, Side::Creates);
        assert!(why.unwrap().contains("byte order"));
        let why = not_applicable(&case("unlink-while-attached"), &peer, Side::Creates);
        assert!(why.is_some(), "rust_only cases stay with Rust");
    }

    #[test]
    fn steps_a_peer_cannot_express_are_named_in_the_reason() {
        let why = not_applicable(&case("create-existing"), &spec(), Side::Attaches).unwrap();
        assert_eq!(why, "the peer command line has no create-segment");
    }
}
