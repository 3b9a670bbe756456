//! Checks of the peer's `peer` command (sections 4, 5.1, 7) and its
//! `unlink`: what attaching must never do, and the forms a descriptor and
//! an argument come in. The operations themselves and the bad-input table
//! are `operations.rs`'s.

use shm_core::{DType, Descriptor, SharedArray};
use shm_protocol::create::Layout;
use shm_protocol::form::Form;
use shm_protocol::operation::PeerOp;
use shm_protocol::pattern;

use super::invoke::{Asker, file_with};
use super::{Check, Ctx, Verdict, exists};
use crate::peer::Side;
use crate::record::NotRun;

/// A skip when the peer attaches nothing here.
fn attaches(ctx: &Ctx<'_>) -> Option<Verdict> {
    ctx.cannot_take(Side::Attaches)
}

/// The reference's text for `op` on `a` (what the peer must print).
pub(super) fn reference(a: &mut SharedArray, op: &PeerOp) -> Result<String, String> {
    op.perform(a)
        .map(Option::unwrap_or_default)
        .map_err(|(_, e)| e)
}

pub(super) const MISSING_NAME: Check = Check {
    name: "attach-never-creates",
    group: "attach",
    clause: "4.4, 9: attaching a name that does not exist is exit 3 with one error line, for every operation, and leaves the name not existing",
    side: Side::Attaches,
    run: |ctx| {
        if let Some(skip) = attaches(ctx) {
            return skip;
        }
        let (name, sent) = match ctx.missing(&[2], DType::parse("float64").expect("f8")) {
            Ok(missing) => missing,
            Err(e) => return Verdict::Fail(e),
        };
        let mut asker = Asker::default();
        for op in [
            &["sum"][..],
            &["emit"],
            &["get", "0"],
            &["set", "0", "1"],
            &["fill", "1"],
            &["pattern", "1"],
            &["check-pattern", "1"],
        ] {
            let checked = asker
                .peer(&mut ctx.peer, &sent, op)
                .and_then(|out| out.failed(3));
            if let Err(e) = checked {
                return Verdict::Fail(format!("{}: {e}", op.join(" ")));
            }
            if exists(&name) {
                return Verdict::Fail(format!("{} on a missing name created {name}", op.join(" ")));
            }
        }
        asker.end().into()
    },
};

pub(super) const SIZES: Check = Check {
    name: "attach-checks-sizes-and-changes-nothing",
    group: "attach",
    clause: "4.4: a segment smaller than offset + nbytes, or (where sizes are exact) of another size than segment_size, is exit 3 before any element is read; the segment keeps its size, its bytes and its name",
    side: Side::Attaches,
    run: |ctx| {
        if let Some(skip) = attaches(ctx).or_else(|| ctx.needs_bare("undersized")) {
            return skip;
        }
        let result = (|| {
            let dtype = DType::parse("float64").expect("f8");
            let mut a = ctx.rust_array(&[4], dtype)?;
            pattern::write(dtype, a.bytes_mut(), 5).map_err(|e| e.to_string())?;
            let name = a.descriptor().name().unwrap_or_default().to_owned();
            // Lies about the segment's real size (a page where sizes are
            // rounded): one element more, and many more.
            let real = shm_core::Segment::attach(&name)
                .map_err(|e| format!("{name}: {e}"))?
                .len();
            let held = real / 8;
            let mut lies = vec![
                Descriptor::new(&name, &[held + 1], dtype),
                Descriptor::new(&name, &[held + 4096], dtype),
            ];
            if shm_core::segment::EXACT_SIZES {
                lies.push(Descriptor::build(
                    Some(&name),
                    &[2],
                    dtype,
                    shm_core::Order::C,
                    0,
                    Some(24),
                ));
            }
            let mut asker = Asker::default();
            for lie in lies {
                let lie = lie.map_err(|e| e.to_string())?;
                let sent = ctx.sent(&lie);
                for op in [&["sum"][..], &["fill", "1"], &["pattern", "9"]] {
                    let out = asker.peer(&mut ctx.peer, &sent, op)?;
                    out.failed(3)
                        .map_err(|e| format!("{} with {}: {e}", op.join(" "), lie.to_json()))?;
                }
            }
            asker.end()?;
            let seg = shm_core::Segment::attach(&name).map_err(|e| format!("{name}: {e}"))?;
            if seg.len() != real {
                return Err(format!("{name} was resized to {} bytes", seg.len()));
            }
            match pattern::check(dtype, a.bytes(), 5).map_err(|e| e.to_string())? {
                None => Ok(()),
                Some(wrong) => Err(format!("a refused attach wrote: {wrong}")),
            }
        })();
        result.into()
    },
};

pub(super) const EMIT_AND_FORMS: Check = Check {
    name: "descriptor-forms",
    group: "attach",
    clause: "4.1-4.4, 5.3: emit prints the descriptor as attached, canonical and byte for byte, from the canonical form, the short form, @FILE, - (stdin) and, where the peer reads it, the Wetlands payload; segment_size is filled in only where sizes are exact; F order and an offset view the same bytes",
    side: Side::Attaches,
    run: |ctx| {
        if let Some(skip) = attaches(ctx) {
            return skip;
        }
        let result = (|| {
            let native = DType::parse("uint16").expect("u2");
            let dtype = if ctx.spec().swapped {
                native.swapped()
            } else {
                native
            };
            let mut a = ctx.rust_array(&[2, 3], dtype)?;
            pattern::write(dtype, a.bytes_mut(), 3).map_err(|e| e.to_string())?;
            let d = a.descriptor().clone();
            let name = d.name().unwrap_or_default().to_owned();
            let short = Form::Short
                .write(&d)
                .map_err(|e| e.to_string())?
                .to_string();
            let as_attached = |text: &str| -> Result<String, String> {
                let sent = Descriptor::from_json(text).map_err(|e| e.to_string())?;
                let seg = shm_core::Segment::attach(&name).map_err(|e| e.to_string())?;
                Ok(sent
                    .check_size(seg.len(), shm_core::segment::EXACT_SIZES)
                    .map_err(|e| e.to_string())?
                    .to_json())
            };
            let mut tries: Vec<(String, Option<String>, String)> = Vec::new();
            if ctx.spec().layout != Layout::Bare {
                // A peer with a layout of its own reads the descriptor
                // with its layout key, and prints it so.
                let sent = ctx.sent(&d);
                let file = file_with(ctx.dir, "d.json", &sent)?;
                tries.push((sent.clone(), None, sent.clone()));
                tries.push((format!("@{file}"), None, sent.clone()));
                tries.push(("-".into(), Some(sent.clone()), sent));
            }
            let file = file_with(ctx.dir, "short.json", &short)?;
            if ctx.spec().reads(Form::Canonical) && ctx.spec().layout == Layout::Bare {
                tries.push((d.to_json(), None, d.to_json()));
                tries.push((short.clone(), None, as_attached(&short)?));
                tries.push((format!("@{file}"), None, as_attached(&short)?));
                tries.push(("-".into(), Some(short.clone()), as_attached(&short)?));
            }
            if ctx.spec().reads(Form::Wetlands) {
                let wet = Form::Wetlands
                    .write(&d)
                    .map_err(|e| e.to_string())?
                    .to_string();
                tries.push((wet, None, d.to_json()));
            }
            for (descriptor, stdin, want) in &tries {
                let out = ctx.peer.run(
                    &["peer", "--descriptor", descriptor, "emit"],
                    stdin.as_deref(),
                )?;
                let printed = out.ok().map_err(|e| format!("emit of {descriptor}: {e}"))?;
                if printed != format!("{want}\n") {
                    return Err(format!(
                        "emit of {descriptor} printed {printed:?}, expected {want:?} and a newline"
                    ));
                }
            }
            if !ctx.spec().reads(Form::Canonical) || ctx.spec().layout != Layout::Bare {
                return Ok(());
            }
            // The same bytes as a Fortran-order (3, 2) array, and from an offset.
            let views = [
                (
                    Descriptor::build(Some(&name), &[3, 2], dtype, shm_core::Order::F, 0, None),
                    "1,0",
                ),
                (
                    Descriptor::build(
                        Some(&name),
                        &[2],
                        dtype,
                        shm_core::Order::C,
                        4 * dtype.itemsize() / 2,
                        None,
                    ),
                    "1",
                ),
            ];
            for (view, index) in views {
                let view = view.map_err(|e| e.to_string())?;
                let mut mine = SharedArray::attach(&view).map_err(|e| e.to_string())?;
                let idx: Vec<i64> = index
                    .split(',')
                    .map(|i| i.parse().expect("digits"))
                    .collect();
                let want = reference(&mut mine, &PeerOp::Get(idx))?;
                let out = ctx.peer.run(
                    &["peer", "--descriptor", &view.to_json(), "get", index],
                    None,
                )?;
                let got = out.ok()?;
                if got != format!("{want}\n") {
                    return Err(format!(
                        "get {index} of {} printed {got:?}, expected {want:?}",
                        view.to_json()
                    ));
                }
            }
            Ok(())
        })();
        result.into()
    },
};

pub(super) const ARGUMENT_FORMS: Check = Check {
    name: "argument-forms",
    group: "attach",
    clause: "5, 5.1: options in any order and as --option=value, values beginning with -, and indices written (1, 2), ' 1 , 2 ' or with Python's trailing comma",
    side: Side::Attaches,
    run: |ctx| {
        if let Some(skip) = attaches(ctx) {
            return skip;
        }
        if !ctx.spec().reads(Form::Canonical) {
            return Verdict::Skip(
                NotRun::NotClaimed,
                "it reads only the Wetlands payload".into(),
            );
        }
        let result = (|| {
            let dtype = DType::parse("int32").expect("i4");
            let a = ctx.rust_array(&[2, 3], dtype)?;
            let d = ctx.sent(a.descriptor());
            let with_eq = format!("--descriptor={d}");
            let tries: &[(&[&str], &str)] = &[
                (&["peer", "--descriptor", &d, "set", "1,2", "-5"], ""),
                (&["peer", "get", "1,2", "--descriptor", &d], "-5\n"),
                (&["peer", &with_eq, "get", "(1, 2)"], "-5\n"),
                (&["peer", "--descriptor", &d, "get", " 1 , 2 "], "-5\n"),
                (
                    &["peer", "--descriptor", &d, "set", "(0, 0)", "-2147483648"],
                    "",
                ),
                (&["peer", "--descriptor", &d, "sum"], "-2147483653\n"),
            ];
            for (args, want) in tries {
                let out = ctx.peer.run(args, None)?;
                let got = out.ok().map_err(|e| format!("{}: {e}", args.join(" ")))?;
                if got != *want {
                    return Err(format!(
                        "{} printed {got:?}, expected {want:?}",
                        args.join(" ")
                    ));
                }
            }
            if ctx.spec().layout != Layout::Bare {
                return Ok(());
            }
            let one = Descriptor::new(a.descriptor().name().unwrap_or_default(), &[6], dtype)
                .map_err(|e| e.to_string())?
                .to_json();
            let out = ctx
                .peer
                .run(&["peer", "--descriptor", &one, "get", "(5,)"], None)?;
            match out.ok()? {
                "-5\n" => Ok(()),
                other => Err(format!("get (5,) printed {other:?}, expected \"-5\\n\"")),
            }
        })();
        result.into()
    },
};

pub(super) const UNLINK: Check = Check {
    name: "unlink",
    group: "attach",
    clause: "5.5: unlink NAME (one leading / accepted) removes the name and exits 0 printing nothing; a missing name is exit 3 with one error line",
    side: Side::Attaches,
    run: |ctx| {
        if !ctx.spec().unlink {
            return Verdict::Skip(NotRun::NotClaimed, "it claims no unlink".into());
        }
        if !shm_core::segment::UNLINK_REMOVES_NAME {
            return Verdict::Skip(
                NotRun::NotHere,
                "this OS has no unlink: a name goes with its last handle".into(),
            );
        }
        let result = (|| {
            for slash in ["", "/"] {
                let a = ctx.rust_array(&[2], DType::parse("uint8").expect("u1"))?;
                let name = a.descriptor().name().unwrap_or_default().to_owned();
                let out = ctx.peer.run(&["unlink", &format!("{slash}{name}")], None)?;
                if !out.ok()?.is_empty() {
                    return Err(format!("unlink printed {:?}", out.stdout));
                }
                if exists(&name) {
                    return Err(format!("unlink {slash}{name} left it"));
                }
                ctx.peer
                    .run(&["unlink", &name], None)?
                    .failed(3)
                    .map_err(|e| format!("unlink of a missing name: {e}"))?;
            }
            Ok(())
        })();
        result.into()
    },
};
