//! CSV traces: a header line naming the columns, then one reference per
//! row. `--id-col` picks the page/object id column (default `id`),
//! `--op-col` an optional read/write column. Fields may be quoted with `"`
//! (a doubled `""` inside is a quote); empty lines and lines starting with
//! `#` are skipped.

use super::parse_op;
use crate::trace::{Trace, TraceBuilder};

/// Which columns hold what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvColumns {
    pub id: String,
    pub op: Option<String>,
}

impl Default for CsvColumns {
    fn default() -> Self {
        CsvColumns {
            id: "id".into(),
            op: None,
        }
    }
}

pub fn parse_csv(text: &str, cols: &CsvColumns) -> Result<Trace, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((hline, header)) = lines.next() else {
        return Err("the trace is empty: no header line".into());
    };
    let names = split(header).map_err(|e| format!("line {}: {e}", hline + 1))?;
    let find = |want: &str, flag: &str| {
        names.iter().position(|n| n == want).ok_or_else(|| {
            format!(
                "line {}: no column `{want}` (for {flag}); the header has: {}",
                hline + 1,
                names.join(", ")
            )
        })
    };
    let id_col = find(&cols.id, "--id-col")?;
    let op_col = match &cols.op {
        Some(op) => Some(find(op, "--op-col")?),
        None => None,
    };
    let mut b = TraceBuilder::new();
    for (i, line) in lines {
        let n = i + 1;
        let f = split(line).map_err(|e| format!("line {n}: {e}"))?;
        if f.len() != names.len() {
            return Err(format!(
                "line {n}: {} fields, the header has {}",
                f.len(),
                names.len()
            ));
        }
        let id = f[id_col].as_str();
        if id.is_empty() {
            return Err(format!("line {n}: empty id in column `{}`", cols.id));
        }
        let write = match op_col {
            Some(c) => parse_op(&f[c]).ok_or_else(|| {
                format!(
                    "line {n}: operation `{}` is neither r/read nor w/write",
                    f[c]
                )
            })?,
            None => false,
        };
        b.push_token(id, write)
            .map_err(|e| format!("line {n}: {e}"))?;
    }
    b.finish()
}

/// One CSV line's fields, trimmed, quotes removed.
fn split(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    out.push(cur.trim().to_string());
    Ok(out)
}
