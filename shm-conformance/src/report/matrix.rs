//! The interop matrix as text: a table for people (each peer a row, its
//! two directions the columns, a cell `passed/total`; unavailable peers
//! and every failure listed under it), or one JSON object.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::words::{direction, peer_column};
use crate::matrix::{Cell, Matrix};
use crate::peer::Side;

/// The matrix as a table for people.
pub fn matrix_human(m: &Matrix) -> String {
    let mut out = String::new();
    let (c0, c1) = (
        direction(Side::Creates, "peer"),
        direction(Side::Attaches, "peer"),
    );
    let _ = writeln!(out, "{:<14} {:>28} {:>28}", "peer", c0, c1);
    for row in &m.rows {
        let show = |c: &Cell| match &row.unavailable {
            Some(_) if c.total() == 0 => "unavailable".to_owned(),
            _ => format!("{}/{}", c.passed, c.total()),
        };
        let (a, b) = (show(&row.creates), show(&row.attaches));
        let _ = writeln!(out, "{:<14} {a:>28} {b:>28}", row.peer);
    }
    for row in &m.rows {
        if let Some(why) = &row.unavailable {
            let _ = writeln!(out, "\n{}: {why}", row.peer);
        }
    }
    if m.failed() {
        let _ = writeln!(out, "\nfailures:");
        for r in &m.failures {
            let peer = peer_column(r).unwrap_or_default();
            let _ = writeln!(out, "  {} [{peer}]: {}", r.case.name, r.message);
        }
    }
    out
}

/// The matrix as one JSON object: `{"matrix": {PEER: {...}}, "failures":
/// [...]}`.
pub fn matrix_json(m: &Matrix) -> Value {
    let cell = |c: &Cell| json!({"passed": c.passed, "failed": c.failed, "total": c.total(), "not_applicable": c.skipped});
    let peers: serde_json::Map<String, Value> = m
        .rows
        .iter()
        .map(|row| {
            (
                row.peer.clone(),
                json!({
                    "peer_creates_rust_attaches": cell(&row.creates),
                    "rust_creates_peer_attaches": cell(&row.attaches),
                    "unavailable": row.unavailable,
                }),
            )
        })
        .collect();
    let failed: Vec<Value> = m
        .failures
        .iter()
        .map(|r| json!({"case": r.case.name, "peer": peer_column(r), "message": r.message}))
        .collect();
    json!({"matrix": peers, "failures": failed})
}
