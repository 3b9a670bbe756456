//! What `prop` generates for a peer: the peer's capabilities, read from its
//! manifest (through the runner's [`PeerSpec`]), and the proptest strategy
//! of cases within them. Whatever a peer's manifest rules out is not
//! generated, and [`Caps::notes`] says what and why.
//!
//! The strategy covers what breaks implementations: every dtype in both
//! byte orders; 0-d, empty, small, long, long and thin, and many-dimension
//! shapes; offsets; C and F order; exact and page-rounded segments; plain
//! and edge patterns (`pattern.rs`). Each part shrinks towards the simple
//! end: fewer and smaller dimensions, offset 0, C order, exact size, native
//! byte order, the earlier dtype, plain values, seed 0.

use proptest::prelude::*;
use proptest::sample::select;
use shm_core::DType;

use super::case::{Creator, MAX_ELEMENTS, PropCase, SizeRule};
use shm_core::{Kind, Order};
use shm_protocol::create::Layout;
use shm_protocol::form::Form;
use shm_protocol::pattern;

use crate::peer::{PeerSpec, Side};
use crate::report::direction;

/// Every dtype shm-core models, in the order cases shrink towards
/// (simplest first): by size, integers before floats before complex,
/// unsigned before signed before bool.
fn dtypes_simplest_first() -> Vec<DType> {
    let mut all = DType::all_native();
    let rank = |d: &DType| match d.kind() {
        Kind::UInt => (0, d.itemsize(), 0),
        Kind::Int => (0, d.itemsize(), 1),
        Kind::Bool => (0, d.itemsize(), 2),
        Kind::Float => (1, d.itemsize(), 0),
        Kind::Complex => (2, d.itemsize(), 0),
    };
    all.sort_by_key(rank);
    all
}

/// How a note that is a remark, not a limit, starts.
pub(super) const REMARK: &str = "(not a limit) ";

/// The most elements a generated case has.
const MAX_GENERATED: usize = 1 << 16;

/// What may be generated for one peer.
#[derive(Debug, Clone)]
pub(super) struct Caps {
    /// The dtypes it holds (native byte order).
    pub(super) dtypes: Vec<DType>,
    /// Whether the other byte order is generated.
    pub(super) swapped: bool,
    /// Whether shapes with a zero-length dimension are generated.
    pub(super) empty: bool,
    /// Whether the Rust creator's arrays may start at an offset.
    pub(super) offsets: bool,
    /// Whether the Rust creator's arrays may be F order.
    pub(super) fortran: bool,
    /// Whether the Rust creator's segments may be page-rounded.
    pub(super) page: bool,
    /// Whether the peer creates (and Rust attaches).
    pub(super) creates: bool,
    /// Whether Rust creates (and the peer attaches).
    pub(super) attaches: bool,
    /// The share of cases, in percent, that the peer creates (when it
    /// takes both sides).
    pub(super) peer_share: u32,
    /// What is not generated, and why: one line each (those starting
    /// [`REMARK`] say how the peer is driven instead).
    pub(super) notes: Vec<String>,
}

impl Caps {
    /// The capabilities of the peer `spec` describes; `peer_share` percent
    /// of the cases have the peer create.
    pub(super) fn of(spec: &PeerSpec, peer_share: u32) -> Caps {
        let mut notes = Vec::new();
        let mut note = |what: &str, why: &str| notes.push(format!("{what}: {why}"));
        let dtypes: Vec<DType> = dtypes_simplest_first()
            .into_iter()
            .filter(|d| match spec.cannot_hold(*d) {
                Some(why) => {
                    note(&d.name(), why);
                    false
                }
                None => true,
            })
            .collect();
        if !spec.swapped {
            note("the other byte order", "its manifest lists native only");
        }
        let mut empty = spec.empty;
        if !empty {
            note("empty shapes", "its manifest says empty = false");
        } else if let Some(why) = spec.deviation("empty-array", None) {
            note("empty shapes", why);
            empty = false;
        }
        let layout = spec.layout != Layout::Bare;
        let wetlands = !spec.reads(Form::Canonical);
        let mut view = |case: Option<&str>, what: &str| {
            if layout {
                let why = "its manifest's layout describes the whole segment (C order, offset 0)";
                note(what, why);
                return false;
            }
            if wetlands && case.is_some() {
                let why = "the descriptor form it reads (the Wetlands payload) describes C-order arrays at offset 0 only";
                note(what, why);
                return false;
            }
            match case.and_then(|c| spec.deviation(c, Some(Side::Attaches))) {
                Some(why) => {
                    note(what, why);
                    false
                }
                None => true,
            }
        };
        let offsets = view(Some("offset-view"), "offsets");
        let fortran = view(Some("fortran-view"), "F order");
        let page = view(None, "page-rounded segments");
        let side = |s: Side, notes: &mut Vec<String>| match &spec.side_unsupported {
            Some((x, why)) if *x == s => {
                notes.push(format!("{}: {why}", direction(s, &spec.name)));
                false
            }
            _ => true,
        };
        let creates = side(Side::Creates, &mut notes);
        let attaches = side(Side::Attaches, &mut notes);
        if !spec.serve {
            notes.push(format!(
                "{REMARK}{} offers no serve: one process per operation",
                spec.name
            ));
        }
        notes.push(format!(
            "{REMARK}when {} creates, its create makes C order at offset 0 with an exact segment, so offsets, F order and page-rounded sizes are Rust's side only",
            spec.name
        ));
        Caps {
            dtypes,
            swapped: spec.swapped,
            empty,
            offsets,
            fortran,
            page,
            creates,
            attaches,
            peer_share: peer_share.min(100),
            notes,
        }
    }

    /// Why `case` is outside what this peer claims, if it is.
    pub(super) fn excludes(&self, case: &PropCase) -> Option<String> {
        let dtype = case.dtype;
        match case.creator {
            Creator::Rust if !self.attaches => return Some("it does not attach here".into()),
            Creator::Peer if !self.creates => return Some("it does not create here".into()),
            _ => {}
        }
        if !self.dtypes.contains(&dtype.native()) {
            return Some(format!("{} is not in its dtypes", dtype.native().name()));
        }
        if !self.swapped && !dtype.is_native() {
            return Some("it has no other byte order".into());
        }
        if !self.empty && case.shape.contains(&0) {
            return Some("it makes no empty arrays".into());
        }
        if !self.offsets && case.offset != 0 {
            return Some("no offsets for it".into());
        }
        if !self.fortran && case.order == Order::F {
            return Some("no F order for it".into());
        }
        if !self.page && case.size == SizeRule::Page {
            return Some("no page-rounded segments for it".into());
        }
        None
    }

    /// The strategy of cases within these capabilities.
    pub(super) fn strategy(&self) -> impl Strategy<Value = PropCase> + use<> {
        let min = usize::from(!self.empty);
        let shape = prop_oneof![
            Just(Vec::new()),
            proptest::collection::vec(min..=5usize, 1..=4),
            (1usize..=4096).prop_map(|n| vec![n]),
            (1usize..=2048, any::<bool>()).prop_map(|(n, tall)| if tall {
                vec![n, 1]
            } else {
                vec![1, n]
            }),
            proptest::collection::vec(
                prop_oneof![6 => Just(1usize), 1 => Just(2), 1 => Just(3), 1 => min..=1],
                8..=32
            ),
        ]
        .prop_filter("at most 2^16 elements", |s| {
            s.iter()
                .try_fold(1usize, |n, &d| n.checked_mul(d))
                .is_some_and(|n| n <= MAX_GENERATED.min(MAX_ELEMENTS))
        });
        let swapped = if self.swapped {
            any::<bool>().boxed()
        } else {
            Just(false).boxed()
        };
        let offset = if self.offsets {
            prop_oneof![2 => Just(0usize), 1 => 1usize..=8].boxed()
        } else {
            Just(0usize).boxed()
        };
        let order = if self.fortran {
            prop_oneof![Just(Order::C), Just(Order::F)].boxed()
        } else {
            Just(Order::C).boxed()
        };
        let size = if self.page {
            prop_oneof![Just(SizeRule::Exact), Just(SizeRule::Page)].boxed()
        } else {
            Just(SizeRule::Exact).boxed()
        };
        let seed = || (any::<bool>(), 0..pattern::EDGE).prop_map(|(e, s)| s | edge(e));
        let share = match (self.attaches, self.creates) {
            (true, true) => self.peer_share,
            (false, _) => 100,
            (true, false) => 0,
        };
        let creator = match share {
            0 => Just(Creator::Rust).boxed(),
            100 => Just(Creator::Peer).boxed(),
            n => prop_oneof![100 - n => Just(Creator::Rust), n => Just(Creator::Peer)].boxed(),
        };
        (
            creator,
            select(self.dtypes.clone()),
            swapped,
            shape,
            order,
            offset,
            size,
            seed(),
            seed(),
        )
            .prop_map(
                |(creator, native, swapped, shape, order, offset, size, seed, write)| {
                    let dtype = if swapped { native.swapped() } else { native };
                    // A peer's create makes C order at offset 0, exactly sized.
                    let rust = creator == Creator::Rust;
                    PropCase {
                        note: None,
                        creator,
                        dtype,
                        shape,
                        order: if rust { order } else { Order::C },
                        offset: if rust { offset * dtype.itemsize() } else { 0 },
                        size: if rust { size } else { SizeRule::Exact },
                        seed,
                        write_seed: write,
                    }
                },
            )
    }
}

fn edge(on: bool) -> u64 {
    if on { pattern::EDGE } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn spec() -> PeerSpec {
        crate::peer::Registry::new(Some("python3"))
            .resolve("cli")
            .unwrap()
    }

    #[test]
    fn a_whole_contract_peer_gets_everything_and_cases_stay_inside_caps() {
        let caps = Caps::of(&spec(), 50);
        assert_eq!(caps.dtypes.len(), DType::all_native().len());
        assert!(caps.swapped && caps.empty && caps.offsets && caps.fortran && caps.page);
        let mut runner = TestRunner::deterministic();
        let strategy = caps.strategy();
        for _ in 0..200 {
            let case = strategy.new_tree(&mut runner).unwrap().current();
            case.check().unwrap();
            assert_eq!(caps.excludes(&case), None, "{case:?}");
        }
    }

    #[test]
    fn what_a_manifest_rules_out_is_not_generated_and_is_said() {
        let mut spec = spec();
        spec.swapped = false;
        spec.layout = Layout::SharedArray;
        spec.unsupported = vec![(DType::parse("float16").unwrap(), "no half".into())];
        let caps = Caps::of(&spec, 50);
        assert!(!caps.offsets && !caps.fortran && !caps.page && !caps.swapped);
        assert!(caps.notes.iter().any(|n| n == "float16: no half"));
        let mut runner = TestRunner::deterministic();
        let strategy = caps.strategy();
        for _ in 0..200 {
            let case = strategy.new_tree(&mut runner).unwrap().current();
            assert_eq!(caps.excludes(&case), None, "{case:?}");
        }
    }
}
