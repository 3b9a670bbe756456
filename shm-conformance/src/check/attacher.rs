//! Checks of the peer's `peer` command (sections 4, 5.1, 5.3, 7, 8, 9) and
//! its `unlink`: what attaching must never do, the forms a descriptor and
//! an argument come in, every operation on every dtype it claims, and the
//! table of bad input every peer must refuse alike.

use std::collections::BTreeMap;

use shm_core::{DType, Descriptor, Scalar, SharedArray};
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
fn reference(a: &mut SharedArray, op: &PeerOp) -> Result<String, String> {
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

pub(super) const OPERATIONS: Check = Check {
    name: "operations-on-every-dtype",
    group: "attach",
    clause: "5.3, 6, 7, 8: on every dtype it claims (both byte orders where claimed), 0-d, empty and (3, 4): the pattern and edge patterns both ways bit for bit, check-pattern's exit 1 and its error line, sums and elements printed as the reference prints them, set and fill read back",
    side: Side::Attaches,
    run: |ctx| {
        if let Some(skip) = attaches(ctx) {
            return skip;
        }
        let mut dtypes = ctx.dtypes();
        if ctx.spec().swapped {
            dtypes.extend(dtypes.clone().iter().map(|d| d.swapped()));
        }
        let mut asker = Asker::default();
        for dtype in dtypes {
            let mut shapes = vec![vec![3, 4], vec![]];
            if ctx.spec().empty {
                shapes.push(vec![2, 0, 3]);
            }
            for shape in shapes {
                if let Err(e) = operations(ctx, &mut asker, dtype, &shape) {
                    return Verdict::Fail(format!("{dtype} {shape:?}: {e}"));
                }
            }
        }
        asker.end().into()
    },
};

/// The operations of [`OPERATIONS`] on one array.
fn operations(
    ctx: &mut Ctx<'_>,
    asker: &mut Asker,
    dtype: DType,
    shape: &[usize],
) -> Result<(), String> {
    let mut a = ctx.rust_array(shape, dtype)?;
    let sent = ctx.sent(a.descriptor());
    let mut ask = |ctx: &mut Ctx<'_>, words: &[&str]| asker.peer(&mut ctx.peer, &sent, words);
    for seed in ["11", "4611686018427387917"] {
        ask(ctx, &["pattern", seed])?
            .ok()
            .map_err(|e| format!("pattern {seed}: {e}"))?;
        let seed: u64 = seed.parse().expect("digits");
        if let Some(wrong) = pattern::check(dtype, a.bytes(), seed).map_err(|e| e.to_string())? {
            return Err(format!("after the peer's pattern {seed}: {wrong}"));
        }
    }
    for seed in [12u64, u64::MAX] {
        pattern::write(dtype, a.bytes_mut(), seed).map_err(|e| e.to_string())?;
        let out = ask(ctx, &["check-pattern", &seed.to_string()])?;
        if out.ok().map_err(|e| format!("check-pattern {seed}: {e}"))? != "ok\n" {
            return Err(format!(
                "check-pattern {seed} printed {:?}, expected \"ok\\n\"",
                out.stdout
            ));
        }
    }
    let count: usize = shape.iter().product();
    if count > 0 && dtype.kind() != shm_core::Kind::Bool {
        let out = ask(ctx, &["check-pattern", "13"])?;
        out.failed(1)
            .map_err(|e| format!("check-pattern of a wrong seed: {e}"))?;
    }
    let sum = reference(&mut a, &PeerOp::Sum)?;
    let got = ask(ctx, &["sum"])?;
    if got.ok()? != format!("{sum}\n") {
        return Err(format!("sum printed {:?}, expected {sum:?}", got.stdout));
    }
    if count == 0 {
        return ask(ctx, &["get", "0,0,0"])?
            .failed(2)
            .map_err(|e| format!("get in an empty array: {e}"));
    }
    let last: Vec<usize> = shape.iter().map(|n| n - 1).collect();
    let index = last
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let idx: Vec<i64> = last.iter().map(|&i| i as i64).collect();
    let want = reference(&mut a, &PeerOp::Get(idx.clone()))?;
    let got = ask(ctx, &["get", &index])?;
    if got.ok()? != format!("{want}\n") {
        return Err(format!(
            "get {index} printed {:?}, expected {want:?}",
            got.stdout
        ));
    }
    let value = match dtype.kind() {
        shm_core::Kind::Bool => "true",
        shm_core::Kind::Int => "-7",
        shm_core::Kind::UInt => "200",
        shm_core::Kind::Float => "-2.5",
        shm_core::Kind::Complex => "(1.5-2j)",
    };
    let want = Scalar::parse(dtype, value).map_err(|e| e.to_string())?;
    for words in [&["set", &index, value][..], &["fill", value]] {
        ask(ctx, words)?
            .ok()
            .map_err(|e| format!("{}: {e}", words.join(" ")))?;
        let range = a
            .descriptor()
            .element_range(&last)
            .map_err(|e| e.to_string())?;
        let found = Scalar::from_bytes(dtype, &a.bytes()[range]).map_err(|e| e.to_string())?;
        if !found.same_value(&want) {
            return Err(format!("after {}: the element is {found}", words.join(" ")));
        }
    }
    let sum = reference(&mut a, &PeerOp::Sum)?;
    match ask(ctx, &["sum"])?.ok()? {
        got if got == format!("{sum}\n") => Ok(()),
        got => Err(format!("sum after fill printed {got:?}, expected {sum:?}")),
    }
}

/// One row of `fixtures/cli/peer-errors.toml`.
#[derive(serde::Deserialize)]
struct ErrorRow {
    name: String,
    args: Vec<String>,
    code: i32,
}

/// The bad-input table every peer must refuse alike.
const ERRORS: &str = data!("fixtures/cli/peer-errors.toml");

pub(super) const BAD_INPUT: Check = Check {
    name: "bad-input",
    group: "errors",
    clause: "3, 4.2, 5, 9: the bad-input table (fixtures/cli/peer-errors.toml): each row its exit code, exactly one line on stderr starting `error: `, nothing on stdout, nothing created and the live arrays unchanged",
    side: Side::Attaches,
    run: |ctx| {
        let table: BTreeMap<String, Vec<ErrorRow>> = match toml::from_str(ERRORS) {
            Ok(t) => t,
            Err(e) => return Verdict::Fail(format!("fixtures/cli/peer-errors.toml: {e}")),
        };
        let result = (|| {
            let live = ctx.rust_array(&[5, 5], DType::parse("float64").expect("f8"))?;
            let live_u8 = ctx.rust_array(&[4], DType::parse("uint8").expect("u1"))?;
            let (live_text, live_u8_text) =
                (ctx.sent(live.descriptor()), ctx.sent(live_u8.descriptor()));
            let (_, gone) = ctx.missing(&[2], DType::parse("float64").expect("f8"))?;
            let creates = !matches!(ctx.spec().side_unsupported, Some((Side::Creates, _)));
            let mut failures = Vec::new();
            for row in table.get("case").into_iter().flatten() {
                let first = row.args.first().map(String::as_str);
                if (first == Some("unlink") && !ctx.spec().unlink)
                    || (first == Some("create") && !creates)
                {
                    continue;
                }
                let args: Vec<String> = row
                    .args
                    .iter()
                    .map(|a| {
                        a.replace("{live_u8}", &live_u8_text)
                            .replace("{live}", &live_text)
                            .replace("{gone}", &gone)
                    })
                    .collect();
                if let Some(i) = args.iter().position(|a| a == "--name") {
                    ctx.made
                        .push(args[i + 1].trim_start_matches('/').to_owned());
                }
                let words: Vec<&str> = args.iter().map(String::as_str).collect();
                if let Err(e) = ctx
                    .peer
                    .run(&words, None)
                    .and_then(|out| out.failed(row.code))
                {
                    failures.push(format!("{}: {e}", row.name));
                }
            }
            let zero = |a: &SharedArray| a.bytes().iter().all(|b| *b == 0);
            if !zero(&live) || !zero(&live_u8) {
                failures.push("a refused command changed a live array".into());
            }
            match failures.is_empty() {
                true => Ok(()),
                false => Err(failures.join("; ")),
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
