//! Checks of the peer's `create` (section 5.2): the line it prints, what
//! it makes, and how it holds, releases and hands over.

use shm_core::{DType, Descriptor, Scalar, Segment, SharedArray};
use shm_protocol::create::Layout;
use shm_protocol::form::Form;
use shm_protocol::pattern;

use super::{Check, Ctx, Verdict, exists};
use crate::peer::Side;
use crate::record::NotRun;

/// A skip when the peer creates nothing here.
fn creates(ctx: &Ctx<'_>) -> Option<Verdict> {
    ctx.cannot_take(Side::Creates)
}

/// A skip when the peer's create takes no `--name`.
fn named(ctx: &Ctx<'_>) -> Option<Verdict> {
    creates(ctx).or_else(|| {
        (!ctx.spec().named_create)
            .then(|| Verdict::Skip(NotRun::NotClaimed, "its create takes no --name".into()))
    })
}

/// The descriptor `line` must be: valid, the canonical form byte for byte,
/// C order at offset 0 in a segment of `max(nbytes, 1)` bytes, of `shape`
/// and `dtype`. A peer with a layout of its own adds its layout key, and its
/// `segment_size` is the segment's real size; a peer that reads only the
/// Wetlands payload prints that (its keys in any order).
fn canonical(
    ctx: &Ctx<'_>,
    line: &str,
    shape: &[usize],
    dtype: DType,
) -> Result<Descriptor, String> {
    use shm_core::foreign::sharedarray;
    let d = sharedarray::from_json(line)
        .ok()
        .flatten()
        .map_or_else(|| Descriptor::from_json(line), Ok)
        .map_err(|e| format!("create printed {line:?}: {e}"))?;
    let (want, size) = if ctx.spec().layout == Layout::SharedArray {
        let real = Segment::attach(d.name().unwrap_or_default()).map_err(|e| e.to_string())?;
        (sharedarray::descriptor_json(&d), real.len())
    } else {
        (d.to_json(), d.nbytes().max(1))
    };
    let printed_as_wetlands = !ctx.spec().reads(Form::Canonical)
        && serde_json::from_str::<serde_json::Value>(line).ok() == Form::Wetlands.write(&d).ok();
    if line != want && !printed_as_wetlands {
        return Err(format!(
            "create printed {line:?}, not the canonical line {want:?} (seven keys in order, compact)"
        ));
    }
    if d.shape() != shape || d.dtype() != dtype {
        return Err(format!(
            "create printed shape {:?} dtype {}, asked for {shape:?} {dtype}",
            d.shape(),
            d.dtype()
        ));
    }
    let no_segment = printed_as_wetlands && d.name().is_none() && d.nbytes() == 0;
    // Where the OS rounds sizes up, the size made may also be the rounded
    // one the segment reports (section 4.1).
    let rounded = match d.name() {
        Some(name) if !shm_core::segment::EXACT_SIZES => {
            Segment::attach(name).ok().map(|s| s.len())
        }
        _ => None,
    };
    let size_ok = no_segment || d.segment_size() == Some(size) || d.segment_size() == rounded;
    if !size_ok || d.offset() != 0 {
        let or_rounded = rounded
            .map(|r| format!(" (or {r}, its rounded size)"))
            .unwrap_or_default();
        return Err(format!(
            "create printed segment_size {:?} offset {}, must be {size}{or_rounded} and 0",
            d.segment_size(),
            d.offset()
        ));
    }
    Ok(d)
}

pub(super) const CANONICAL_LINE: Check = Check {
    name: "create-prints-the-canonical-line",
    group: "create",
    clause: "5.2, 4.1: create prints the canonical descriptor as one compact line and flushes before holding; segment_size is max(nbytes, 1) (or, where the OS rounds sizes up, the rounded size); released on stdin's end it unlinks and exits 0, printing nothing more",
    side: Side::Creates,
    run: |ctx| {
        if let Some(skip) = creates(ctx) {
            return skip;
        }
        // Every dtype it claims (in both byte orders if it claims both) as
        // a (2, 3) array; the 0-d and empty shapes once each.
        let mut dtypes = ctx.dtypes();
        if ctx.spec().swapped {
            dtypes.extend(dtypes.clone().iter().map(|d| d.swapped()));
        }
        let mut runs: Vec<(&str, Vec<usize>, DType)> =
            dtypes.iter().map(|d| ("2,3", vec![2, 3], *d)).collect();
        if let Some(first) = dtypes.first() {
            runs.push(("", vec![], *first));
            if ctx.spec().empty {
                runs.push(("0", vec![0], *first));
            }
        }
        {
            for (text, shape, dtype) in &runs {
                let (shape, dtype) = (shape, *dtype);
                let dt = dtype.to_string();
                let result = ctx
                    .peer
                    .hold(&["--shape", text, "--dtype", &dt])
                    .and_then(|held| {
                        let d = canonical(ctx, held.descriptor(), shape, dtype)?;
                        let Some(name) = d.name().map(str::to_owned) else {
                            // An empty array in the Wetlands payload has no
                            // segment (section 4.3).
                            return held.release();
                        };
                        ctx.made.push(name.clone());
                        if !exists(&name) {
                            return Err(format!("create printed {name}, which does not exist"));
                        }
                        held.release()?;
                        if exists(&name) {
                            return Err(format!("{name} was left after the release"));
                        }
                        Ok(())
                    });
                if let Err(e) = result {
                    return Verdict::Fail(format!("--shape {text:?} --dtype {dt}: {e}"));
                }
            }
        }
        Verdict::Pass
    },
};

pub(super) const FILL: Check = Check {
    name: "create-fills",
    group: "create",
    clause: "5.2, 5.4: --fill V writes V into every element (read as the nearest float64, rounded once at the dtype's width); without it the segment is zero",
    side: Side::Creates,
    run: |ctx| {
        if let Some(skip) = creates(ctx) {
            return skip;
        }
        let fills: &[(&str, &str)] = &[
            ("int16", "-7"),
            ("uint8", "200"),
            ("float32", "0.1"),
            ("float16", "1.0004882812509095"),
            ("complex128", "(1.5-2j)"),
            ("bool", "True"),
        ];
        for (dt, fill) in fills {
            let dtype = DType::parse(dt).expect("a modelled dtype");
            if ctx.spec().cannot_hold(dtype).is_some() {
                continue;
            }
            let check = |with: Option<&str>, ctx: &mut Ctx<'_>| -> Result<(), String> {
                let mut args = vec!["--shape", "3,2", "--dtype", dt];
                if let Some(v) = with {
                    args.extend(["--fill", v]);
                }
                let held = ctx.peer.hold(&args)?;
                let d = canonical(ctx, held.descriptor(), &[3, 2], dtype)?;
                ctx.made.extend(d.name().map(str::to_owned));
                let found = SharedArray::attach(&d)
                    .map(|a| a.bytes().to_vec())
                    .map_err(|e| e.to_string());
                let released = held.release();
                let mut want = vec![0u8; 6 * dtype.itemsize()];
                let value = Scalar::parse(dtype, with.unwrap_or("0")).map_err(|e| e.to_string())?;
                shm_core::scalar::fill(dtype, value, &mut want).map_err(|e| e.to_string())?;
                if found? != want {
                    return Err(format!("the elements are not {value}, bit for bit"));
                }
                released
            };
            for with in [Some(*fill), None] {
                if let Err(e) = check(with, ctx) {
                    return Verdict::Fail(format!("--dtype {dt} --fill {with:?}: {e}"));
                }
            }
        }
        Verdict::Pass
    },
};

pub(super) const MODE: Check = Check {
    name: "create-mode-0600",
    group: "create",
    clause: "1: segments are created with mode 0600 (only their owner reads or writes them)",
    side: Side::Creates,
    run: |ctx| {
        if let Some(skip) = creates(ctx) {
            return skip;
        }
        if cfg!(windows) {
            return Verdict::Skip(NotRun::NotHere, "Windows mappings have no mode bits".into());
        }
        if let Some(why) = ctx.spec().deviation("permissions", Some(Side::Creates)) {
            return Verdict::Skip(NotRun::Deviation, why.to_owned());
        }
        let result = ctx
            .peer
            .hold(&["--shape", "4", "--dtype", "uint8"])
            .and_then(|held| {
                let d = canonical(
                    ctx,
                    held.descriptor(),
                    &[4],
                    DType::parse("uint8").expect("u1"),
                )?;
                ctx.made.extend(d.name().map(str::to_owned));
                let mode = Segment::attach(d.name().unwrap_or_default())
                    .map_err(|e| e.to_string())?
                    .mode();
                held.release()?;
                match mode {
                    Some(0o600) | None => Ok(()),
                    Some(m) => Err(format!("the segment's mode is {m:04o}, not 0600")),
                }
            });
        result.into()
    },
};

pub(super) const EXCLUSIVE: Check = Check {
    name: "create-is-exclusive",
    group: "create",
    clause: "1, 2, 9: create --name of a taken name is exit 3 with one error line, and the segment under that name is untouched (not opened, resized, written or unlinked)",
    side: Side::Creates,
    run: |ctx| {
        if let Some(skip) = named(ctx) {
            return skip;
        }
        let dtype = DType::parse("uint8").expect("u1");
        let result = (|| {
            let mut theirs = ctx.rust_array(&[7], dtype)?;
            pattern::write(dtype, theirs.bytes_mut(), 41).map_err(|e| e.to_string())?;
            let name = theirs.descriptor().name().unwrap_or_default().to_owned();
            let before = Segment::attach(&name).map_err(|e| e.to_string())?.len();
            let out = ctx.peer.run(
                &[
                    "create", "--shape", "3", "--dtype", "int64", "--name", &name, "--keep",
                ],
                None,
            )?;
            out.failed(3)?;
            let seg = Segment::attach(&name).map_err(|e| format!("{name} is gone: {e}"))?;
            if seg.len() != before {
                return Err(format!("{name} was resized to {} bytes", seg.len()));
            }
            match pattern::check(dtype, theirs.bytes(), 41) {
                Ok(None) => Ok(()),
                Ok(Some(wrong)) => Err(format!("the taken segment was written: {wrong}")),
                Err(e) => Err(e.to_string()),
            }
        })();
        result.into()
    },
};

pub(super) const VALIDATES_FIRST: Check = Check {
    name: "create-validates-first",
    group: "create",
    clause: "5.2, 9: create checks shape, dtype, fill value and name before any segment exists: bad input is exit 2, one error line, and nothing under the name",
    side: Side::Creates,
    run: |ctx| {
        if let Some(skip) = named(ctx) {
            return skip;
        }
        let bad: &[&[&str]] = &[
            &["--shape", "3", "--dtype", "int8", "--fill", "128"],
            &["--shape", "3", "--dtype", "uint8", "--fill", "-1"],
            &["--shape", "3", "--dtype", "float32", "--fill", "1e39"],
            &["--shape", "3", "--dtype", "int16", "--fill", "x"],
            &["--shape", "3", "--dtype", "float128"],
            &["--shape", "3,-1", "--dtype", "int8"],
        ];
        // A dtype the peer does not claim must be refused too (section 3).
        let unclaimed: Vec<String> = DType::all_native()
            .into_iter()
            .filter(|d| ctx.spec().cannot_hold(*d).is_some())
            .map(|d| d.name())
            .collect();
        let refused: Vec<Vec<&str>> = unclaimed
            .iter()
            .map(|d| vec!["--shape", "3", "--dtype", d.as_str()])
            .collect();
        for args in bad.iter().copied().chain(refused.iter().map(Vec::as_slice)) {
            let name = ctx.fresh_name();
            let mut all = vec!["create"];
            all.extend_from_slice(args);
            all.extend(["--name", &name, "--keep"]);
            let checked = ctx.peer.run(&all, None).and_then(|out| out.failed(2));
            if let Err(e) = checked {
                return Verdict::Fail(format!("{}: {e}", all.join(" ")));
            }
            if exists(&name) {
                return Verdict::Fail(format!("{} left {name} behind", all.join(" ")));
            }
        }
        Verdict::Pass
    },
};

pub(super) const SIGNALS: Check = Check {
    name: "create-releases-on-signals",
    group: "create",
    clause: "5.2: a held creator released by SIGTERM, SIGINT or SIGHUP (blocked from before the segment exists) unlinks and exits 0",
    side: Side::Creates,
    run: |ctx| {
        if let Some(skip) = creates(ctx) {
            return skip;
        }
        #[cfg(unix)]
        {
            use nix::sys::signal::Signal;
            for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
                let result = ctx
                    .peer
                    .hold(&["--shape", "3", "--dtype", "int32"])
                    .and_then(|mut held| {
                        let d =
                            Descriptor::from_json(held.descriptor()).map_err(|e| e.to_string())?;
                        let name = d.name().unwrap_or_default().to_owned();
                        ctx.made.push(name.clone());
                        held.process.signal(signal).map_err(|e| e.to_string())?;
                        let out = held.ended()?;
                        out.ok()?;
                        if exists(&name) {
                            return Err(format!("{name} was left behind"));
                        }
                        Ok(())
                    });
                if let Err(e) = result {
                    return Verdict::Fail(format!("{}: {e}", signal.as_str()));
                }
            }
            Verdict::Pass
        }
        #[cfg(not(unix))]
        Verdict::Skip(NotRun::NotHere, "no POSIX signals on this OS".into())
    },
};

pub(super) const KEEP: Check = Check {
    name: "create-keep-hands-over",
    group: "create",
    clause: "5.2: create --keep prints the line, exits 0 at once and never unlinks: the segment is the receiver's",
    side: Side::Creates,
    run: |ctx| {
        if let Some(skip) = creates(ctx) {
            return skip;
        }
        if !shm_core::segment::UNLINK_REMOVES_NAME {
            return Verdict::Skip(
                NotRun::NotHere,
                "a Windows mapping goes with its last handle, so nothing outlives --keep's exit"
                    .into(),
            );
        }
        let result = ctx
            .peer
            .run(
                &[
                    "create", "--shape", "4", "--dtype", "int32", "--fill", "3", "--keep",
                ],
                None,
            )
            .and_then(|out| {
                let line = out.ok()?.to_owned();
                let d = canonical(
                    ctx,
                    line.trim_end(),
                    &[4],
                    DType::parse("int32").expect("i4"),
                )?;
                let name = d.name().unwrap_or_default().to_owned();
                ctx.made.push(name.clone());
                let sum = SharedArray::attach(&d)
                    .and_then(|a| a.sum())
                    .map_err(|e| format!("{name} after --keep: {e}"))?;
                // Handed over to this check, which now removes it.
                shm_core::lease::unlink(&name).map_err(|e| e.to_string())?;
                match sum.to_string().as_str() {
                    "12" => Ok(()),
                    other => Err(format!("the kept array sums to {other}, expected 12")),
                }
            });
        result.into()
    },
};

pub(super) const STDOUT_CLOSED: Check = Check {
    name: "create-with-stdout-closed",
    group: "create",
    clause: "5.2: a creator that cannot write its line (stdout closed) unlinks and exits 3; it must not die of SIGPIPE",
    side: Side::Creates,
    run: |ctx| {
        if let Some(skip) = named(ctx) {
            return skip;
        }
        #[cfg(unix)]
        {
            let name = ctx.fresh_name();
            let mut cmd = ctx.peer.command(&[
                "create", "--shape", "2", "--dtype", "uint8", "--name", &name,
            ]);
            let timeout = ctx.peer.timeout;
            let result = (|| {
                let (read, write) = nix::unistd::pipe().map_err(|e| e.to_string())?;
                drop(read);
                cmd.stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::from(write));
                let (status, stderr) = super::invoke::run_raw(cmd, timeout)?;
                if status.code() != Some(3) {
                    return Err(format!(
                        "ended with {status}, expected exit code 3: {stderr}"
                    ));
                }
                super::invoke::one_error_line(&stderr, "")?;
                if exists(&name) {
                    return Err(format!("{name} was left behind"));
                }
                Ok(())
            })();
            result.into()
        }
        #[cfg(not(unix))]
        Verdict::Skip(
            NotRun::NotHere,
            "needs a closed pipe for stdout (Unix)".into(),
        )
    },
};
