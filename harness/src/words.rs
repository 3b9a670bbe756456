//! The command line's list words: shapes (`5,5`) and indices (`1,2`).
//!
//! Shared by `shm-harness` and `shared_memory_peer` (included by path), so
//! every Rust peer reads them alike.

use shm_core::Error;

/// Parses `5,5` into a shape; the empty string (or `()`) is the 0-d shape.
pub(crate) fn parse_shape(text: &str) -> Result<Vec<usize>, Error> {
    parse_list(text, "shape")
}

/// Parses `1,2` into an index; the empty string (or `()`) indexes a 0-d array.
pub(crate) fn parse_index(text: &str) -> Result<Vec<usize>, Error> {
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
