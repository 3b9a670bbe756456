//! The queue's messages and their JSON-lines form.
//!
//! ```text
//! {"type":"open","version":1,"stream":"shm_0123456789abcdef"}
//! {"type":"array","seq":0,"transfer":"move","descriptor":{"name":"shm_…","shape":[2,3],"dtype":"<f8",…}}
//! {"type":"end","count":1}
//! ```
//!
//! A pool's array is lent, not moved (`"transfer": "lend"` and a `"pool"`
//! object: `{"id": 16 hex digits, "slot", "generation"}`), and the receiver
//! gives it back on the back channel with `{"type": "release", "pool": {...}}`.
//!
//! Keys are exactly these: a message with another key, another type,
//! another version or another transfer is refused, so that a stream written
//! for a later version is never half understood.

use std::io::BufRead;

use serde_json::{Map, Value, json};

use crate::descriptor::Descriptor;
use crate::error::{Error, Result};
use crate::pool::PoolRef;

/// The version of the wire format this library speaks.
pub const VERSION: u64 = 1;

/// The longest line a receiver reads, in bytes (a descriptor of 32
/// dimensions fits many times over; garbage without newlines stops here).
pub const MAX_LINE: usize = 64 * 1024;

/// One message on a queue's stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// The first line: the stream's id.
    Open {
        /// The queue's stream id (leases in transit name it).
        stream: String,
    },
    /// One array: moved to the receiver, or lent from a pool.
    Array {
        /// Its place in the stream, from 0.
        seq: u64,
        /// What to attach.
        descriptor: Descriptor,
        /// For a lent array (`"transfer": "lend"`), its pool slot.
        pool: Option<PoolRef>,
    },
    /// On the back channel: a lent slot given back.
    Release {
        /// The slot and the generation it was lent with.
        pool: PoolRef,
    },
    /// The last line: how many arrays were sent.
    End {
        /// The number of `array` messages before it.
        count: u64,
    },
}

impl Message {
    /// The message as one line of JSON, with its newline.
    pub fn to_line(&self) -> String {
        // Arrays, the hot path, serialise straight from typed fields (no
        // intermediate JSON value to build and take apart).
        let mut line = match self {
            Message::Open { stream } => {
                json!({"type": "open", "version": VERSION, "stream": stream}).to_string()
            }
            Message::Array {
                seq,
                descriptor,
                pool,
            } => serde_json::to_string(&ArrayLine {
                kind: "array",
                seq: *seq,
                transfer: if pool.is_some() { "lend" } else { "move" },
                descriptor: descriptor.canonical(),
                pool: pool.as_ref().map(PoolLine::of),
            })
            .expect("an array message always serialises"),
            Message::Release { pool } => {
                json!({"type": "release", "pool": pool_value(pool)}).to_string()
            }
            Message::End { count } => json!({"type": "end", "count": count}).to_string(),
        };
        line.push('\n');
        line
    }

    /// Reads one message from a line (with or without its newline).
    pub fn parse(line: &str) -> Result<Message> {
        let bad = |why: String| Error::InvalidMessage(why);
        let value: Value = serde_json::from_str(line.trim_end_matches(['\n', '\r']))
            .map_err(|e| bad(format!("not JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(bad("not a JSON object".into()));
        };
        let kind = match map.get("type") {
            Some(Value::String(t)) => t.clone(),
            _ => return Err(bad("no \"type\" string".into())),
        };
        match kind.as_str() {
            "open" => {
                only_keys(&map, &["type", "version", "stream"])?;
                let version = uint(&map, "version")?;
                if version != VERSION {
                    return Err(bad(format!(
                        "version {version}; this reader speaks version {VERSION}"
                    )));
                }
                match map.get("stream") {
                    Some(Value::String(s)) if !s.is_empty() => {
                        Ok(Message::Open { stream: s.clone() })
                    }
                    _ => Err(bad("open: \"stream\" must be a non-empty string".into())),
                }
            }
            "array" => {
                let lend = match map.get("transfer") {
                    Some(Value::String(t)) if t == "move" => false,
                    Some(Value::String(t)) if t == "lend" => true,
                    other => {
                        return Err(bad(format!(
                            "array: transfer {other:?}; only \"move\" and \"lend\" are known"
                        )));
                    }
                };
                if lend {
                    only_keys(&map, &["type", "seq", "transfer", "descriptor", "pool"])?;
                } else {
                    only_keys(&map, &["type", "seq", "transfer", "descriptor"])?;
                }
                let pool = if lend {
                    Some(pool_ref(map.get("pool"))?)
                } else {
                    None
                };
                let descriptor = Descriptor::from_value(
                    map.get("descriptor")
                        .ok_or_else(|| bad("array: no \"descriptor\"".into()))?,
                )?;
                if descriptor.name().is_none() {
                    return Err(bad("array: the descriptor names no segment".into()));
                }
                Ok(Message::Array {
                    seq: uint(&map, "seq")?,
                    descriptor,
                    pool,
                })
            }
            "release" => {
                only_keys(&map, &["type", "pool"])?;
                Ok(Message::Release {
                    pool: pool_ref(map.get("pool"))?,
                })
            }
            "end" => {
                only_keys(&map, &["type", "count"])?;
                Ok(Message::End {
                    count: uint(&map, "count")?,
                })
            }
            other => Err(bad(format!("unknown type {other:?}"))),
        }
    }
}

/// An array message as serde writes it.
#[derive(serde::Serialize)]
struct ArrayLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    seq: u64,
    transfer: &'static str,
    descriptor: crate::descriptor::Canonical<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pool: Option<PoolLine>,
}

/// A pool slot as serde writes it: the id as 16 hex digits.
#[derive(serde::Serialize)]
struct PoolLine {
    id: String,
    slot: u64,
    generation: u64,
}

impl PoolLine {
    fn of(p: &PoolRef) -> PoolLine {
        PoolLine {
            id: format!("{:016x}", p.id),
            slot: p.slot,
            generation: p.generation,
        }
    }
}

/// A pool slot as JSON: the id as 16 hex digits (any JSON reader keeps
/// it exact), the slot and generation as numbers.
fn pool_value(p: &PoolRef) -> Value {
    serde_json::to_value(PoolLine::of(p)).expect("a pool slot always serialises")
}

fn pool_ref(value: Option<&Value>) -> Result<PoolRef> {
    let Some(Value::Object(map)) = value else {
        return Err(Error::InvalidMessage(
            "a lent array needs a \"pool\" object".into(),
        ));
    };
    only_keys(map, &["id", "slot", "generation"])?;
    let id = match map.get("id") {
        Some(Value::String(s)) if s.len() == 16 => u64::from_str_radix(s, 16).ok(),
        _ => None,
    }
    .ok_or_else(|| Error::InvalidMessage("pool id must be 16 hex digits".into()))?;
    Ok(PoolRef {
        id,
        slot: uint(map, "slot")?,
        generation: uint(map, "generation")?,
    })
}

fn only_keys(map: &Map<String, Value>, allowed: &[&str]) -> Result<()> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(Error::InvalidMessage(format!("unknown key {k:?}"))),
        None => Ok(()),
    }
}

fn uint(map: &Map<String, Value>, key: &str) -> Result<u64> {
    map.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| Error::InvalidMessage(format!("\"{key}\" must be a non-negative integer")))
}

/// What reading one line from a stream found.
#[derive(Debug)]
pub(crate) enum Line {
    /// A whole line (without its newline).
    Text(String),
    /// The stream ended cleanly between lines.
    Eof,
    /// The stream ended inside a line.
    Cut,
}

/// Reads one line of at most [`MAX_LINE`] bytes. A longer line is
/// [`Error::InvalidMessage`] (and is skipped, so reading may go on); bytes
/// that are not UTF-8 are too.
pub(crate) fn read_line<R: BufRead>(input: &mut R) -> Result<Line> {
    let mut buf = Vec::new();
    let n = std::io::Read::take(&mut *input, MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|e| Error::io("read", &e))?;
    if n == 0 {
        return Ok(Line::Eof);
    }
    if buf.last() != Some(&b'\n') {
        if buf.len() <= MAX_LINE {
            return Ok(Line::Cut);
        }
        skip_line(input)?;
        return Err(Error::InvalidMessage(format!(
            "a line longer than {MAX_LINE} bytes"
        )));
    }
    buf.pop();
    String::from_utf8(buf)
        .map(Line::Text)
        .map_err(|_| Error::InvalidMessage("a line that is not UTF-8".into()))
}

fn skip_line<R: BufRead>(input: &mut R) -> Result<()> {
    loop {
        let chunk = input.fill_buf().map_err(|e| Error::io("read", &e))?;
        if chunk.is_empty() {
            return Ok(());
        }
        match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                return Ok(());
            }
            None => {
                let len = chunk.len();
                input.consume(len);
            }
        }
    }
}
