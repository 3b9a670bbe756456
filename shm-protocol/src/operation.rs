//! The `peer` operations (protocol section 5.3), interpreted once: parsed
//! from the command line's words, performed on the bytes of an attached
//! array whoever mapped them, and written back as words for a peer that is
//! driven through its command line.
//!
//! Indices may count from the end (`-1` is the last), as the catalogue
//! writes them; the command line takes only non-negative ones, so a driver
//! resolves them against the shape first ([`from_end`]).

use std::process::ExitCode;

use shm_core::{Descriptor, Error, Scalar};

use crate::exit::{self, HarnessKind, Kind};
use crate::pattern;

/// An attached array's descriptor and bytes (`nbytes` of them, from
/// `offset`), however they were mapped.
pub trait ArrayBytes {
    /// The array's descriptor, complete as attached.
    fn descriptor(&self) -> &Descriptor;
    /// The array's bytes.
    fn bytes(&self) -> &[u8];
    /// The array's bytes, mutably.
    fn bytes_mut(&mut self) -> &mut [u8];
}

impl ArrayBytes for shm_core::SharedArray {
    fn descriptor(&self) -> &Descriptor {
        shm_core::SharedArray::descriptor(self)
    }

    fn bytes(&self) -> &[u8] {
        shm_core::SharedArray::bytes(self)
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        shm_core::SharedArray::bytes_mut(self)
    }
}

/// One operation of `peer --descriptor D OP`.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerOp {
    /// `sum`: print the sum of all elements.
    Sum,
    /// `get I,J`: print one element (negative entries count from the end).
    Get(Vec<i64>),
    /// `set I,J VALUE`: write one element.
    Set(Vec<i64>, String),
    /// `fill VALUE`: write every element.
    Fill(String),
    /// `emit`: print the attached array's canonical descriptor.
    Emit,
    /// `pattern SEED`: write the deterministic pattern.
    Pattern(u64),
    /// `check-pattern SEED`: check every element against it; print `ok`.
    CheckPattern(u64),
}

/// A failed operation: its kind (which decides the exit code) and what
/// happened, for people.
pub type Failure = (Kind, String);

/// The usage line of the operations.
const USAGE: &str =
    "sum | get I,J.. | set I,J.. VALUE | fill VALUE | emit | pattern SEED | check-pattern SEED";

impl PeerOp {
    /// Parses the operation words.
    pub fn parse(words: &[String]) -> Result<PeerOp, Error> {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let seed = |s: &str| {
            s.parse::<u64>().map_err(|_| {
                Error::InvalidArgument(format!("seed {s:?} is not a non-negative integer"))
            })
        };
        let index = |text: &str| -> Result<Vec<i64>, Error> {
            crate::arguments::parse_index(text)?
                .into_iter()
                .map(|i| {
                    i64::try_from(i).map_err(|_| {
                        Error::InvalidArgument(format!("index {text:?}: {i} is out of range"))
                    })
                })
                .collect()
        };
        Ok(match words.as_slice() {
            ["sum"] => PeerOp::Sum,
            ["emit"] => PeerOp::Emit,
            ["get", i] => PeerOp::Get(index(i)?),
            ["set", i, v] => PeerOp::Set(index(i)?, (*v).to_owned()),
            ["fill", v] => PeerOp::Fill((*v).to_owned()),
            ["pattern", s] => PeerOp::Pattern(seed(s)?),
            ["check-pattern", s] => PeerOp::CheckPattern(seed(s)?),
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "unknown operation {:?}: expected {USAGE}",
                    words.join(" ")
                )));
            }
        })
    }

    /// The command line's words for this operation on an array of `shape`:
    /// negative index entries are resolved against it, since the command
    /// line takes none (an entry still negative, or too large, is sent as
    /// it is, for the peer to refuse).
    pub fn to_words(&self, shape: &[usize]) -> Vec<String> {
        let index = |i: &[i64]| {
            from_end(shape, i)
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        match self {
            PeerOp::Sum => vec!["sum".into()],
            PeerOp::Get(i) => vec!["get".into(), index(i)],
            PeerOp::Set(i, value) => vec!["set".into(), index(i), value.clone()],
            PeerOp::Fill(value) => vec!["fill".into(), value.clone()],
            PeerOp::Emit => vec!["emit".into()],
            PeerOp::Pattern(seed) => vec!["pattern".into(), seed.to_string()],
            PeerOp::CheckPattern(seed) => vec!["check-pattern".into(), seed.to_string()],
        }
    }

    /// Performs the operation; `Some(line)` is what it prints.
    pub fn perform(&self, array: &mut dyn ArrayBytes) -> Result<Option<String>, Failure> {
        let fail = |e: Error| (Kind::from(e.kind()), e.to_string());
        let dtype = array.descriptor().dtype();
        match self {
            PeerOp::Sum => shm_core::scalar::sum(dtype, array.bytes())
                .map(|v| Some(v.to_string()))
                .map_err(fail),
            PeerOp::Get(index) => {
                let range = element_range(array.descriptor(), index).map_err(fail)?;
                let value = Scalar::from_bytes(dtype, &array.bytes()[range]).map_err(fail)?;
                Ok(Some(value.to_string()))
            }
            PeerOp::Set(index, text) => {
                let range = element_range(array.descriptor(), index).map_err(fail)?;
                let value = Scalar::parse(dtype, text).map_err(fail)?;
                value
                    .to_bytes(dtype, &mut array.bytes_mut()[range])
                    .map_err(fail)?;
                Ok(None)
            }
            PeerOp::Fill(text) => {
                let value = Scalar::parse(dtype, text).map_err(fail)?;
                shm_core::scalar::fill(dtype, value, array.bytes_mut()).map_err(fail)?;
                Ok(None)
            }
            PeerOp::Emit => Ok(Some(array.descriptor().to_json())),
            PeerOp::Pattern(seed) => {
                pattern::write(dtype, array.bytes_mut(), *seed).map_err(fail)?;
                Ok(None)
            }
            PeerOp::CheckPattern(seed) => match pattern::check(dtype, array.bytes(), *seed) {
                Ok(None) => Ok(Some("ok".to_owned())),
                Ok(Some(wrong)) => Err((Kind::Harness(HarnessKind::Mismatch), wrong)),
                Err(e) => Err(fail(e)),
            },
        }
    }
}

/// `index` with each negative entry counted from the end of its dimension
/// of `shape` (Python's rule); an entry with no dimension is left as is.
pub fn from_end(shape: &[usize], index: &[i64]) -> Vec<i64> {
    index
        .iter()
        .zip(shape.iter().map(Some).chain(std::iter::repeat(None)))
        .map(|(&i, n)| match n {
            Some(&n) if i < 0 => i64::try_from(n).unwrap_or(i64::MAX).saturating_add(i),
            _ => i,
        })
        .collect()
}

/// The element index of `index` in an array of `shape`: one entry per
/// dimension, each inside it once counted from the end where negative.
pub fn resolve_index(shape: &[usize], index: &[i64]) -> Result<Vec<usize>, Error> {
    if index.len() != shape.len() {
        return Err(Error::InvalidArgument(format!(
            "index {index:?} has {} dimensions, the array {}",
            index.len(),
            shape.len()
        )));
    }
    from_end(shape, index)
        .iter()
        .zip(shape)
        .map(|(&i, &n)| {
            usize::try_from(i).ok().filter(|&i| i < n).ok_or_else(|| {
                Error::InvalidArgument(format!("index {index:?} is outside {shape:?}"))
            })
        })
        .collect()
}

/// The byte range of the element at `index` in the array `d` describes.
fn element_range(d: &Descriptor, index: &[i64]) -> Result<std::ops::Range<usize>, Error> {
    d.element_range(&resolve_index(d.shape(), index)?)
}

/// `peer --descriptor D OP` for any Rust peer: parses the operation, reads
/// the descriptor with `read`, attaches with `attach`, performs the
/// operation and prints its line; every failure is one `error:` line and
/// the exit code of its kind.
pub fn peer_command<A: ArrayBytes>(
    words: &[String],
    descriptor: &str,
    read: impl FnOnce(&str) -> Result<Descriptor, Error>,
    attach: impl FnOnce(&Descriptor) -> Result<A, Error>,
) -> ExitCode {
    let prepared = PeerOp::parse(words).and_then(|op| Ok((op, read(descriptor)?)));
    let (op, descriptor) = match prepared {
        Ok(p) => p,
        Err(e) => return exit::fail_with(&e),
    };
    let mut array = match attach(&descriptor) {
        Ok(a) => a,
        Err(e) => return exit::fail_with(&e),
    };
    match op.perform(&mut array) {
        Ok(Some(line)) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{line}").and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => exit::fail(exit::SEGMENT_FAILED, format!("cannot write to stdout: {e}")),
            }
        }
        Ok(None) => ExitCode::SUCCESS,
        Err((kind, message)) => exit::fail(kind.exit_code(), message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn words_parse_into_operations_and_back() {
        assert_eq!(PeerOp::parse(&words("sum")).unwrap(), PeerOp::Sum);
        let set = PeerOp::parse(&words("set 1,2 -3")).unwrap();
        assert_eq!(set, PeerOp::Set(vec![1, 2], "-3".into()));
        assert_eq!(set.to_words(&[2, 3]), words("set 1,2 -3"));
        assert_eq!(
            PeerOp::parse(&words("check-pattern 7")).unwrap(),
            PeerOp::CheckPattern(7)
        );
        for bad in ["", "sum 1", "get -1", "pattern x", "frobnicate"] {
            let e = PeerOp::parse(&words(bad)).unwrap_err();
            assert_eq!(e.kind(), shm_core::ErrorKind::InvalidArgument, "{bad:?}");
        }
    }

    #[test]
    fn negative_indices_count_from_the_end_once() {
        assert_eq!(from_end(&[2, 3], &[-1, -3]), [1, 0]);
        assert_eq!(from_end(&[2, 3], &[-5, 1]), [-3, 1], "still negative");
        assert_eq!(resolve_index(&[2, 3], &[-1, 2]).unwrap(), [1, 2]);
        assert!(resolve_index(&[2, 3], &[-3, 0]).is_err());
        assert!(resolve_index(&[2, 3], &[0]).is_err());
        assert_eq!(
            PeerOp::Get(vec![-1, -1]).to_words(&[2, 3]),
            words("get 1,2")
        );
    }

    #[test]
    fn operations_act_on_the_bytes_and_report_mismatches_as_kind_1() {
        let mut a = shm_core::SharedArray::create(&[2, 2], 0.0f64).unwrap();
        PeerOp::Set(vec![1, 0], "2.5".into())
            .perform(&mut a)
            .unwrap();
        assert_eq!(
            PeerOp::Get(vec![-1, 0]).perform(&mut a).unwrap().as_deref(),
            Some("2.5")
        );
        assert_eq!(PeerOp::Sum.perform(&mut a).unwrap().as_deref(), Some("2.5"));
        PeerOp::Pattern(3).perform(&mut a).unwrap();
        assert!(PeerOp::CheckPattern(3).perform(&mut a).is_ok());
        let (kind, _) = PeerOp::CheckPattern(4).perform(&mut a).unwrap_err();
        assert_eq!(kind.exit_code(), exit::CHECK_FAILED);
        let (kind, _) = PeerOp::Get(vec![2, 0]).perform(&mut a).unwrap_err();
        assert_eq!(kind.exit_code(), exit::BAD_INPUT);
    }
}
