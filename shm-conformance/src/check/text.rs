//! Values as text (section 6), byte for byte, in every float and complex
//! dtype the peer claims and in both byte orders where it claims both:
//! the rows of the catalogue's `value-text-*` cases (ties, exponent
//! notation, subnormals, the largest values, signed zeros, infinities,
//! NaN), printed by the peer from what Rust wrote, and read by the peer
//! from text into the bits Rust reads back.

use shm_core::{DType, Kind, Scalar};
use shm_protocol::operation::PeerOp;

use super::invoke::Asker;
use super::{Check, Ctx, Verdict};
use crate::catalogue::{self, StepOp};
use crate::peer::Side;
use crate::record::NotRun;

/// One row: the text a value is set from, and how it prints.
struct Row {
    value: String,
    text: String,
}

/// The rows of the catalogue case `value-text-{dtype}`, and its sum.
fn rows(dtype: DType) -> Result<(Vec<Row>, String), String> {
    let name = format!("value-text-{}", dtype.native().name());
    let case = catalogue::load(None)?
        .into_iter()
        .find(|c| c.name() == name)
        .ok_or(format!("the catalogue has no case {name}"))?;
    let mut values = Vec::new();
    let mut texts = Vec::new();
    let mut sum = None;
    for step in case.steps.iter().filter(|s| s.on.names() == ["parent"]) {
        match (&step.op, &step.expect_text) {
            (StepOp::Set { value, .. }, _) => values.push(value.clone()),
            (StepOp::Get { .. }, Some(text)) => texts.push(text.clone()),
            (StepOp::Sum, Some(text)) => sum = Some(text.clone()),
            _ => {}
        }
    }
    let rows = values
        .into_iter()
        .zip(texts)
        .map(|(value, text)| Row { value, text })
        .collect();
    Ok((rows, sum.ok_or(format!("{name} has no sum"))?))
}

pub(super) const VALUE_TEXT: Check = Check {
    name: "value-text",
    group: "text",
    clause: "6, 7, 5.4: every hard row of section 6 (ties to the larger magnitude for float32 and float64, to even for float16's digits, exponent notation from 1e16 and below 1e-4, subnormals, the largest finite values, signed zeros, inf, nan, complex parts) prints byte for byte as the reference prints it, sums too, and reads from text into the same bits",
    side: Side::Attaches,
    run: |ctx| {
        if let Some(skip) = ctx.cannot_take(Side::Attaches) {
            return skip;
        }
        let mut dtypes: Vec<DType> = ctx
            .dtypes()
            .into_iter()
            .filter(|d| matches!(d.kind(), Kind::Float | Kind::Complex))
            .collect();
        if dtypes.is_empty() {
            return Verdict::Skip(
                NotRun::NotClaimed,
                "it claims no float or complex dtype".into(),
            );
        }
        if ctx.spec().swapped {
            dtypes.extend(dtypes.clone().iter().map(|d| d.swapped()));
        }
        let mut asker = Asker::default();
        for dtype in dtypes {
            if let Err(e) = one_dtype(ctx, &mut asker, dtype) {
                return Verdict::Fail(format!("{dtype}: {e}"));
            }
        }
        asker.end().into()
    },
};

fn one_dtype(ctx: &mut Ctx<'_>, asker: &mut Asker, dtype: DType) -> Result<(), String> {
    let (rows, sum) = rows(dtype)?;
    let mut a = ctx.rust_array(&[rows.len()], dtype)?;
    for (i, row) in rows.iter().enumerate() {
        PeerOp::Set(vec![i as i64], row.value.clone())
            .perform(&mut a)
            .map_err(|(_, e)| e)?;
    }
    let sent = ctx.sent(a.descriptor());
    for (i, row) in rows.iter().enumerate() {
        let out = asker.peer(&mut ctx.peer, &sent, &["get", &i.to_string()])?;
        let got = out.ok()?;
        if got != format!("{}\n", row.text) {
            return Err(format!(
                "get {i} (set from {}) printed {got:?}, expected {:?}",
                row.value, row.text
            ));
        }
    }
    let got = asker.peer(&mut ctx.peer, &sent, &["sum"])?;
    if got.ok()? != format!("{sum}\n") {
        return Err(format!("sum printed {:?}, expected {sum:?}", got.stdout));
    }
    // Now the peer reads each value from text; Rust reads the bits back.
    a.bytes_mut().fill(0);
    for (i, row) in rows.iter().enumerate() {
        let index = i.to_string();
        asker
            .peer(&mut ctx.peer, &sent, &["set", &index, &row.value])?
            .ok()
            .map_err(|e| format!("set {i} {}: {e}", row.value))?;
        let range = a
            .descriptor()
            .element_range(&[i])
            .map_err(|e| e.to_string())?;
        let found = Scalar::from_bytes(dtype, &a.bytes()[range]).map_err(|e| e.to_string())?;
        if found.to_string() != row.text {
            return Err(format!(
                "set {i} {} stored {found}, expected {}",
                row.value, row.text
            ));
        }
    }
    Ok(())
}
