//! A property case written as a catalogue case (`fixtures/cases/*.toml`),
//! so a failure `prop` found can be pasted in and run by `run --peer` on
//! both sides.
//!
//! A C-order case at offset 0 is the pattern itself: the parent creates and
//! writes the pattern, the child attaches and checks it, writes the second
//! seed, and the parent checks that. A view (an offset or F order) cannot
//! be created by a peer's `create`, so the parent creates the whole segment
//! as a 1-d array filled as `prop` fills the bytes around a view, sets the
//! view's elements one by one, and each side
//! reads the other's elements by index (values compare by value there, so a
//! NaN payload is checked by `prop` itself, not by such a case). The
//! catalogue sizes segments exactly, so a page-rounded case is written with
//! an exact segment.

use std::fmt::Write;

use shm_core::Scalar;

use shm_core::Order;
use shm_protocol::pattern;

use super::case::{OUTSIDE, PropCase, unravel};

/// The most elements a view case is written out for, one step each.
pub(super) const MAX_VIEW_ELEMENTS: usize = 16;

/// The case as a `[[case]]` entry named `name`, or why it cannot be one.
pub(super) fn catalogue_case(c: &PropCase, name: &str) -> Result<String, String> {
    let dtype = c.dtype;
    let count = c.count();
    let plain = c.order == Order::C && c.offset == 0;
    let mut out = String::new();
    let _ = writeln!(out, "[[case]]");
    let _ = writeln!(out, "name = {}", quote(name));
    let _ = writeln!(
        out,
        "description = {}",
        quote(&format!("Found by shm-harness prop: {}.", c.summary()))
    );
    if plain {
        let _ = writeln!(out, "shape = {:?}", c.shape);
        let _ = writeln!(out, "dtype = {}", quote(&c.dtype.to_string()));
        let _ = writeln!(out, "steps = [");
        step(&mut out, "parent", "op = \"create\"");
        step(
            &mut out,
            "parent",
            &format!("op = \"pattern\", seed = {}", c.seed),
        );
        step(&mut out, "child", "op = \"attach\"");
        let check = format!("op = \"check-pattern\", seed = {}", c.seed);
        step(&mut out, "child", &check);
        let write = format!("op = \"pattern\", seed = {}", c.write_seed);
        step(&mut out, "child", &write);
        let check = format!("op = \"check-pattern\", seed = {}", c.write_seed);
        step(&mut out, "parent", &check);
        out.push_str("]\n");
        return Ok(out);
    }
    if count > MAX_VIEW_ELEMENTS {
        return Err(format!(
            "a view of {count} elements is more than {MAX_VIEW_ELEMENTS} steps; replay it with --replay"
        ));
    }
    let base = c.offset / dtype.itemsize();
    let _ = writeln!(out, "shape = [{}]", base + count);
    let _ = writeln!(out, "dtype = {}", quote(&c.dtype.to_string()));
    let _ = writeln!(out, "steps = [");
    // What `prop` writes around a view, so a peer reading outside it sees
    // something other than zeros.
    let outside = [OUTSIDE; 16];
    let fill = match Scalar::from_bytes(dtype, &outside[..dtype.itemsize()]) {
        Ok(v) => v.to_string(),
        Err(_) => "true".into(),
    };
    step(
        &mut out,
        "parent",
        &format!("op = \"create\", fill = {}", quote(&fill)),
    );
    for j in 0..count {
        let v = pattern::stored(dtype, j, c.seed).to_string();
        let set = format!(
            "op = \"set\", index = [{}], value = {}",
            base + j,
            quote(&v)
        );
        step(&mut out, "parent", &set);
    }
    let attach = format!(
        "op = \"attach\", override = {{ shape = {:?}, order = {}, offset = {}, nbytes = {} }}",
        c.shape,
        quote(c.order.as_str()),
        c.offset,
        count * dtype.itemsize()
    );
    step(&mut out, "child", &attach);
    for j in 0..count {
        let v = pattern::stored(dtype, j, c.seed).to_string();
        let index = unravel(j, &c.shape, c.order);
        let get = format!("op = \"get\", index = {index:?}, expect = {}", quote(&v));
        step(&mut out, "child", &get);
    }
    for j in 0..count {
        let v = pattern::stored(dtype, j, c.write_seed).to_string();
        let index = unravel(j, &c.shape, c.order);
        let set = format!("op = \"set\", index = {index:?}, value = {}", quote(&v));
        step(&mut out, "child", &set);
    }
    for j in 0..count {
        let v = pattern::stored(dtype, j, c.write_seed).to_string();
        let get = format!(
            "op = \"get\", index = [{}], expect = {}",
            base + j,
            quote(&v)
        );
        step(&mut out, "parent", &get);
    }
    out.push_str("]\n");
    Ok(out)
}

fn step(out: &mut String, on: &str, rest: &str) {
    let _ = writeln!(out, "    {{ on = \"{on}\", {rest} }},");
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;
    use crate::prop::case::SizeRule;
    use shm_core::DType;

    fn case(order: Order, offset: usize) -> PropCase {
        PropCase {
            note: None,
            creator: crate::prop::case::Creator::Rust,
            dtype: DType::parse(">i2").unwrap(),
            shape: vec![2, 3],
            order,
            offset,
            size: SizeRule::Exact,
            seed: 1,
            write_seed: pattern::EDGE + 2,
        }
    }

    #[test]
    fn printed_cases_are_catalogue_cases() {
        for c in [case(Order::C, 0), case(Order::F, 0), case(Order::C, 4)] {
            let text = catalogue_case(&c, "prop-found").unwrap();
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("found.toml"), &text).unwrap();
            let loaded =
                catalogue::load(Some(dir.path())).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(loaded.len(), 1, "{text}");
        }
    }
}
