//! The text format (one reference per line: `ID` or `ID r|w`, `#` starts a
//! comment) and the inline `--refs` list.

use super::{line_err, parse_op, records};
use crate::trace::{parse_number, Trace, TraceBuilder};

pub fn parse_text(text: &str) -> Result<Trace, String> {
    let mut b = TraceBuilder::new();
    for (n, line, raw) in records(text) {
        let err = |what: &str| line_err(n, raw, what);
        let mut tok = line.split_whitespace();
        let id = tok.next().unwrap_or_default();
        let write = match tok.next() {
            None => false,
            Some(op) => parse_op(op).ok_or_else(|| err("expected `ID` or `ID r|w`"))?,
        };
        if tok.next().is_some() {
            return Err(err("expected `ID` or `ID r|w`"));
        }
        b.push_token(id, write)
            .map_err(|e| format!("line {n}: {e}"))?;
    }
    b.finish()
}

/// `--refs 1,2,3w,4`: numeric page ids separated by commas or spaces; a
/// trailing `w` marks a write (`r` a read).
pub fn parse_refs(list: &str) -> Result<Trace, String> {
    let mut b = TraceBuilder::new();
    for (i, item) in list
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let (num, write) = match item.strip_suffix(['w', 'W']) {
            Some(n) => (n, true),
            None => (item.strip_suffix(['r', 'R']).unwrap_or(item), false),
        };
        let id = parse_number(num).ok_or_else(|| {
            format!(
                "--refs item {} `{item}`: not a page number (decimal or 0x-hex, optional w)",
                i + 1
            )
        })?;
        b.push(id, write)?;
    }
    b.finish().map_err(|e| format!("--refs: {e}"))
}
