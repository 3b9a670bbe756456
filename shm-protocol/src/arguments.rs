//! The argument words every Rust peer reads alike (protocol section 5):
//! shapes (`5,5`), indices (`1,2`) and descriptor arguments
//! (`JSON|@FILE|-`), and the descriptor such an argument holds.

use std::io::Read;

use shm_core::foreign::sharedarray;
use shm_core::{Descriptor, Error};

/// The text of a descriptor argument: the JSON itself, `@FILE`, or `-` for
/// stdin.
pub fn descriptor_text(arg: &str) -> Result<String, Error> {
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::InvalidDescriptor(format!("cannot read stdin: {e}")))?;
        Ok(s)
    } else if let Some(path) = arg.strip_prefix('@') {
        std::fs::read_to_string(path)
            .map_err(|e| Error::InvalidDescriptor(format!("cannot read {path}: {e}")))
    } else {
        Ok(arg.to_owned())
    }
}

/// Reads a descriptor argument: JSON text, `@FILE`, or `-` for stdin. A
/// descriptor with `"layout": "sharedarray"` (an extension outside the
/// protocol) is read by attaching by name, with shape and dtype from the
/// segment's trailer.
pub fn read_descriptor(arg: &str) -> Result<Descriptor, Error> {
    let text = descriptor_text(arg)?;
    if let Some(d) = sharedarray::from_json(&text)? {
        return Ok(d);
    }
    Descriptor::from_json(&text)
}

/// Parses `5,5` into a shape; the empty string (or `()`) is the 0-d shape.
pub fn parse_shape(text: &str) -> Result<Vec<usize>, Error> {
    parse_list(text, "shape")
}

/// Parses `1,2` into an index; the empty string (or `()`) indexes a 0-d array.
pub fn parse_index(text: &str) -> Result<Vec<usize>, Error> {
    parse_list(text, "index")
}

fn parse_list(text: &str, what: &str) -> Result<Vec<usize>, Error> {
    let t = text.trim();
    let t = t
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(t);
    // Python writes a one-element tuple as `(5,)`.
    let t = t.trim().strip_suffix(',').unwrap_or(t.trim());
    if t.is_empty() {
        return Ok(Vec::new());
    }
    t.split(',')
        .map(str::trim)
        .map(|p| {
            if p.starts_with('-') {
                return Err(Error::InvalidArgument(format!(
                    "{what} {text:?}: negative value {p}"
                )));
            }
            p.parse::<usize>().map_err(|_| {
                Error::InvalidArgument(format!(
                    "{what} {text:?}: {p:?} is not a non-negative integer that fits in 64 bits"
                ))
            })
        })
        .collect()
}
