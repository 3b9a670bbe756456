//! Checks of `serve` (section 10): its framing, and that it keeps nothing
//! from one request to the next.

use shm_core::DType;

use super::{Check, Ctx, Verdict};
use crate::peer::Side;
use crate::record::NotRun;

/// A skip when the peer offers no `serve`.
/// A skip when the peer offers no `serve`, or cannot attach here.
fn serves(ctx: &Ctx<'_>) -> Option<Verdict> {
    (!ctx.spec().serve)
        .then(|| Verdict::Skip(NotRun::NotClaimed, "it offers no serve".into()))
        .or_else(|| ctx.cannot_take(Side::Attaches))
}

pub(super) const FRAMING: Check = Check {
    name: "serve-framing",
    group: "serve",
    clause: "10: one answer a request line, a JSON object with code, stdout and stderr exactly as the command would have printed them (key order and spacing free); blank lines skipped; a line that is not a JSON array of peer words, and --descriptor -, answered with code 2 and one error line; serve goes on, and exits 0 at the end of input",
    side: Side::Attaches,
    run: |ctx| {
        if let Some(skip) = serves(ctx) {
            return skip;
        }
        let result = (|| {
            let dtype = DType::parse("int64").expect("i8");
            let mut a = ctx.rust_array(&[3], dtype)?;
            a.fill(shm_core::Scalar::Int(5))
                .map_err(|e| e.to_string())?;
            let d = ctx.sent(a.descriptor());
            let (_, missing) = ctx.missing(&[1], dtype)?;
            let mut served = ctx.peer.serve()?;
            let line = |words: &[&str]| serde_json::to_string(words).expect("words serialise");
            // (request line, code, stdout)
            let requests: Vec<(String, i32, &str)> = vec![
                (line(&["peer", "--descriptor", &d, "sum"]), 0, "15\n"),
                (line(&["peer", "--descriptor", &d, "set", "1", "-6"]), 0, ""),
                (line(&["peer", "--descriptor", &d, "get", "1"]), 0, "-6\n"),
                (line(&["peer", "--descriptor", &d, "get", "9"]), 2, ""),
                (line(&["peer", "--descriptor", &missing, "sum"]), 3, ""),
                (line(&["peer", "--descriptor", "-", "sum"]), 2, ""),
                ("not json".to_owned(), 2, ""),
                (line(&["create", "--shape", "1"]), 2, ""),
                ("[1, 2]".to_owned(), 2, ""),
            ];
            served.send("")?;
            for (request, code, stdout) in &requests {
                served.send(request)?;
                let out = served.answer().map_err(|e| format!("{request}: {e}"))?;
                let checked = if *code == 0 {
                    out.ok().and_then(|printed| match printed == *stdout {
                        true => Ok(()),
                        false => Err(format!("stdout {printed:?}, expected {stdout:?}")),
                    })
                } else {
                    out.failed(*code)
                };
                checked.map_err(|e| format!("{request}: {e}"))?;
                served.send("")?;
            }
            served.end()?;
            match a.sum().map_err(|e| e.to_string())?.to_string().as_str() {
                "4" => Ok(()),
                other => Err(format!(
                    "serve's set was not seen: the array sums to {other}, expected 4"
                )),
            }
        })();
        result.into()
    },
};

pub(super) const NO_MEMORY: Check = Check {
    name: "serve-keeps-nothing",
    group: "serve",
    clause: "10: each request attaches, acts and detaches as a separate process would: a segment replaced under the same name between two requests is seen anew, and a request after a failed one is unaffected",
    side: Side::Attaches,
    run: |ctx| {
        if let Some(skip) = serves(ctx) {
            return skip;
        }
        let result = (|| {
            let dtype = DType::parse("float64").expect("f8");
            let mut first = ctx.rust_array(&[4], dtype)?;
            first
                .fill(shm_core::Scalar::F64(1.0))
                .map_err(|e| e.to_string())?;
            let name = first.descriptor().name().unwrap_or_default().to_owned();
            let mut served = ctx.peer.serve()?;
            let ask = |served: &mut super::invoke::Served, d: &str, words: &[&str]| {
                let mut all = vec!["peer", "--descriptor", d];
                all.extend_from_slice(words);
                served.ask(&all)
            };
            let d1 = ctx.sent(first.descriptor());
            let got = ask(&mut served, &d1, &["sum"])?;
            if got.ok()? != "4.0\n" {
                return Err(format!("the first sum printed {:?}", got.stdout));
            }
            drop(first);
            // The same name, another segment: other values, and where the
            // OS allows, another size.
            let mut second = ctx.rust_array_named(Some(&name), &[8], dtype)?;
            second
                .fill(shm_core::Scalar::F64(2.0))
                .map_err(|e| e.to_string())?;
            let d2 = ctx.sent(second.descriptor());
            ask(&mut served, &d2, &["get", "99"])?.failed(2)?;
            let got = ask(&mut served, &d2, &["sum"])?;
            if got.ok()? != "16.0\n" {
                return Err(format!(
                    "after {name} was made again, sum printed {:?}, expected \"16.0\\n\": serve kept the old segment",
                    got.stdout
                ));
            }
            ask(&mut served, &d2, &["set", "7", "10"])?.ok()?;
            served.end()?;
            match second
                .sum()
                .map_err(|e| e.to_string())?
                .to_string()
                .as_str()
            {
                "24.0" => Ok(()),
                other => Err(format!(
                    "serve's set went elsewhere: the new segment sums to {other}, expected 24.0"
                )),
            }
        })();
        result.into()
    },
};
