//! Checks of what an attaching peer does (sections 3, 5, 6, 7, 8, 9):
//! every operation on every dtype it claims, read back bit for bit, and the
//! table of bad input every peer must refuse alike.

use std::collections::BTreeMap;

use shm_core::{DType, Scalar, SharedArray};
use shm_protocol::operation::PeerOp;
use shm_protocol::pattern;

use super::attacher::reference;
use super::invoke::Asker;
use super::{Check, Ctx, Verdict};
use crate::peer::Side;

pub(super) const OPERATIONS: Check = Check {
    name: "operations-on-every-dtype",
    group: "attach",
    clause: "5.3, 6, 7, 8: on every dtype it claims (both byte orders where claimed), 0-d, empty and (3, 4): the pattern and edge patterns both ways bit for bit, check-pattern's exit 1 and its error line, sums and elements printed as the reference prints them, set and fill read back",
    side: Side::Attaches,
    run: |ctx| {
        if let Some(skip) = ctx.cannot_take(Side::Attaches) {
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
