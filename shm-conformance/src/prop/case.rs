//! One property case as data: what `prop` generates, shrinks, prints,
//! replays and keeps as a regression. This is the one place the schema of
//! `fixtures/prop/regressions.toml` is documented:
//!
//! ```toml
//! [[regression]]
//! note = "..."            # optional, for people: what it caught, where
//! dtype = ">i2"           # numpy dtype string, byte order included
//! shape = [3, 1]          # [] is 0-d; a 0 makes an empty array
//! order = "C"             # C | F (default C)
//! offset = 4              # bytes before the first element (default 0)
//! creator = "rust"        # rust | peer: who creates (the other attaches)
//! size = "exact"          # exact | page: the Rust creator's segment size
//! seed = 5                # what the creator writes (pattern SEED; 2^62 and
//! write_seed = 7          # up select the edge pattern); what the attacher writes
//! ```
//!
//! Unknown keys are errors naming the file and the key.

use serde::{Deserialize, Deserializer, Serialize};
use shm_core::{DType, Descriptor, Order};
use shm_protocol::pattern;

/// How big the Rust creator makes the segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum SizeRule {
    /// `max(offset + nbytes, 1)` bytes.
    #[default]
    Exact,
    /// That, rounded up to a multiple of [`PAGE`].
    Page,
}

/// Who creates the array in a case; the other side attaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Creator {
    /// Rust creates and fills; the peer attaches, checks and writes.
    #[default]
    Rust,
    /// The peer creates (its `create`) and fills; Rust attaches, checks and
    /// writes.
    Peer,
}

/// The page size `size = "page"` rounds to (the smallest of the OSes').
pub(super) const PAGE: usize = 4096;

/// What the Rust creator writes outside the array, to see stray writes.
pub(super) const OUTSIDE: u8 = 0xA5;

/// The most elements a case may have.
pub(super) const MAX_ELEMENTS: usize = 1 << 20;

/// One property case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PropCase {
    /// For people: what it caught (regressions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Who creates.
    #[serde(default)]
    pub creator: Creator,
    /// The dtype, written as numpy's `dtype.str`.
    #[serde(deserialize_with = "dtype_field")]
    pub dtype: DType,
    /// The shape.
    pub shape: Vec<usize>,
    /// `C` or `F`.
    #[serde(default, deserialize_with = "order_field")]
    pub order: Order,
    /// Bytes before the first element, in the Rust creator's segment.
    #[serde(default)]
    pub offset: usize,
    /// The Rust creator's segment size.
    #[serde(default)]
    pub size: SizeRule,
    /// The pattern seed the creator writes.
    pub seed: u64,
    /// The pattern seed the attacher writes.
    pub write_seed: u64,
}

/// A dtype field, its errors naming the field.
fn dtype_field<'de, D: Deserializer<'de>>(d: D) -> Result<DType, D::Error> {
    let text = String::deserialize(d)?;
    DType::parse(&text).map_err(|e| serde::de::Error::custom(format!("dtype: {e}")))
}

/// An order field, its errors naming the field.
fn order_field<'de, D: Deserializer<'de>>(d: D) -> Result<Order, D::Error> {
    match String::deserialize(d)?.as_str() {
        "C" => Ok(Order::C),
        "F" => Ok(Order::F),
        o => Err(serde::de::Error::custom(format!(
            "order: {o:?} is not C or F"
        ))),
    }
}

/// The regressions file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Regressions {
    #[serde(default)]
    regression: Vec<PropCase>,
}

/// The regressions every run replays first.
pub(super) const BUILTIN_REGRESSIONS: &str = data!("fixtures/prop/regressions.toml");

/// Reads a regressions file's text; errors name `file`.
pub(super) fn regressions(file: &str, text: &str) -> Result<Vec<PropCase>, String> {
    let r: Regressions = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    for (i, case) in r.regression.iter().enumerate() {
        case.check()
            .map_err(|e| format!("{file}: regression {}: {e}", i + 1))?;
    }
    Ok(r.regression)
}

impl PropCase {
    /// Reads `--replay`'s text: the case as JSON (as `prop` prints it).
    pub(super) fn parse_replay(text: &str) -> Result<PropCase, String> {
        let case: PropCase =
            serde_json::from_str(text.trim()).map_err(|e| format!("--replay: {e}"))?;
        case.check().map_err(|e| format!("--replay: {e}"))?;
        Ok(case)
    }

    /// Checks what serde cannot: the dtype, order, offset and size (and
    /// that a peer-made array is C order at offset 0 in an exact segment,
    /// as the peer's `create` makes it).
    pub(super) fn check(&self) -> Result<(), String> {
        let d = self.descriptor("check", None)?;
        let plain = d.order() == Order::C && self.offset == 0 && self.size == SizeRule::Exact;
        if self.creator == Creator::Peer && !plain {
            return Err("a peer's create makes C order at offset 0, exactly sized".into());
        }
        if self.seed > i64::MAX as u64 || self.write_seed > i64::MAX as u64 {
            return Err("seeds are at most 2^63 - 1 (a TOML integer)".into());
        }
        if d.len() > MAX_ELEMENTS {
            return Err(format!("{} elements, at most {MAX_ELEMENTS}", d.len()));
        }
        Ok(())
    }

    /// The number of elements (1 for 0-d).
    pub(super) fn count(&self) -> usize {
        self.shape.iter().product()
    }

    /// The segment size the Rust creator makes.
    pub(super) fn segment_size(&self) -> Result<usize, String> {
        let itemsize = self.dtype.itemsize();
        let end = self
            .count()
            .checked_mul(itemsize)
            .and_then(|n| n.checked_add(self.offset))
            .ok_or("offset + nbytes overflows")?
            .max(1);
        Ok(match self.size {
            SizeRule::Exact => end,
            SizeRule::Page => end.div_ceil(PAGE) * PAGE,
        })
    }

    /// The descriptor of the array in the segment `name`, as the Rust
    /// creator sends it (`segment_size` given, or `None` for absent).
    pub(super) fn descriptor(&self, name: &str, size: Option<usize>) -> Result<Descriptor, String> {
        let size = match size {
            Some(s) => Some(s),
            None => Some(self.segment_size()?),
        };
        Descriptor::build(
            Some(name),
            &self.shape,
            self.dtype,
            self.order,
            self.offset,
            size,
        )
        .map_err(|e| e.to_string())
    }

    /// One line for people: `rust creates >i2 [3, 1] F order, offset 4,
    /// page-rounded size, plain values seed 5 then edge seed 4611...`.
    pub(super) fn summary(&self) -> String {
        let values = |s: u64| if s >= pattern::EDGE { "edge" } else { "plain" };
        format!(
            "{} creates {} {:?} {} order, offset {}, {} size, {} values seed {} then {} seed {}",
            match self.creator {
                Creator::Rust => "rust",
                Creator::Peer => "peer",
            },
            self.dtype,
            self.shape,
            self.order.as_str(),
            self.offset,
            match self.size {
                SizeRule::Exact => "exact",
                SizeRule::Page => "page-rounded",
            },
            values(self.seed),
            self.seed,
            values(self.write_seed),
            self.write_seed
        )
    }

    /// The case as one JSON line, what `--replay` takes.
    pub(super) fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a case serialises")
    }

    /// The case as a `[[regression]]` entry.
    pub(super) fn to_regression(&self, note: &str) -> String {
        let mut case = self.clone();
        case.note = Some(note.to_owned());
        match toml::to_string(&case) {
            Ok(table) => format!("[[regression]]\n{table}"),
            Err(e) => format!("(not as TOML: {e})"),
        }
    }
}

/// The index of memory position `j` in an array of `shape`, in `order`:
/// C (last index fastest) or F (first index fastest).
pub(super) fn unravel(mut j: usize, shape: &[usize], order: Order) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    let dims: Vec<usize> = match order {
        Order::F => (0..shape.len()).collect(),
        Order::C => (0..shape.len()).rev().collect(),
    };
    for d in dims {
        index[d] = j % shape[d];
        j /= shape[d];
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> PropCase {
        PropCase {
            note: None,
            creator: Creator::Rust,
            dtype: DType::parse(">i2").unwrap(),
            shape: vec![3, 1],
            order: Order::F,
            offset: 4,
            size: SizeRule::Page,
            seed: 5,
            write_seed: pattern::EDGE + 7,
        }
    }

    #[test]
    fn a_case_round_trips_as_a_regression_and_as_a_replay() {
        let c = case();
        let text = c.to_regression("found by a test");
        let back = regressions("r.toml", &text).unwrap();
        assert_eq!(back[0].note.as_deref(), Some("found by a test"));
        assert_eq!(
            PropCase {
                note: None,
                ..back[0].clone()
            },
            c
        );
        assert_eq!(PropCase::parse_replay(&c.to_json()).unwrap(), c);
        assert_eq!(c.segment_size().unwrap(), PAGE);
    }

    #[test]
    fn bad_cases_are_errors_that_say_what_is_wrong() {
        let bad = |f: &dyn Fn(&mut PropCase)| {
            let mut c = case();
            f(&mut c);
            PropCase::parse_replay(&c.to_json()).unwrap_err()
        };
        // A field the type cannot hold, written into the JSON.
        let bad_field = |key: &str, value: &str| {
            let mut json: serde_json::Value = serde_json::from_str(&case().to_json()).unwrap();
            json[key] = value.into();
            PropCase::parse_replay(&json.to_string()).unwrap_err()
        };
        assert!(bad(&|c| c.offset = 3).contains("offset"));
        assert!(bad_field("order", "K").contains("order"));
        assert!(bad_field("dtype", "f16").contains("dtype"));
        assert!(bad(&|c| c.shape = vec![1 << 30]).contains("elements"));
        assert!(bad(&|c| c.seed = u64::MAX).contains("seeds"));
        let e = regressions("r.toml", "[[regression]]\nnope = 1").unwrap_err();
        assert!(e.contains("r.toml") && e.contains("nope"), "{e}");
        assert!(PropCase::parse_replay("{").is_err());
    }

    #[test]
    fn memory_positions_unravel_in_either_order() {
        assert_eq!(unravel(1, &[2, 3], Order::C), [0, 1]);
        assert_eq!(unravel(1, &[2, 3], Order::F), [1, 0]);
        assert_eq!(unravel(0, &[], Order::C), Vec::<usize>::new());
    }

    #[test]
    fn the_builtin_regressions_read() {
        regressions("fixtures/prop/regressions.toml", BUILTIN_REGRESSIONS).unwrap();
    }
}
