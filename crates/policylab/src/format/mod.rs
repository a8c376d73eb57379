//! Trace file formats. Every parser returns the whole [`Trace`] or an error
//! naming the line (or record) and what was wrong: never a partial trace.

mod csv;
mod faultline;
mod oracle;
mod text;

use crate::trace::Trace;

pub use csv::{parse_csv, CsvColumns};
pub use faultline::parse_faultline;
pub use oracle::{parse_oracle_general, RECORD_SIZE};
pub use text::{parse_refs, parse_text};

/// What `--format` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    OracleGeneral,
    Faultline,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Text,
        Format::Csv,
        Format::OracleGeneral,
        Format::Faultline,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Csv => "csv",
            Format::OracleGeneral => "oracleGeneral",
            Format::Faultline => "faultline",
        }
    }

    pub fn from_name(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// Parses `data` (a whole file) in format `f`. `cols` matters for CSV only.
pub fn parse(f: Format, data: &[u8], cols: &CsvColumns) -> Result<Trace, String> {
    match f {
        Format::OracleGeneral => parse_oracle_general(data),
        _ => {
            let text = std::str::from_utf8(data).map_err(|e| {
                format!(
                    "not UTF-8 text at byte {} (is it a binary trace? try --format oracleGeneral)",
                    e.valid_up_to()
                )
            })?;
            match f {
                Format::Text => parse_text(text),
                Format::Csv => parse_csv(text, cols),
                Format::Faultline => parse_faultline(text),
                Format::OracleGeneral => unreachable!(),
            }
        }
    }
}

/// Whether `op` names a write (`w`, `write`), a read (`r`, `read`), in any
/// case; None for anything else.
pub(crate) fn parse_op(op: &str) -> Option<bool> {
    match op.to_ascii_lowercase().as_str() {
        "w" | "write" => Some(true),
        "r" | "read" => Some(false),
        _ => None,
    }
}

/// `line` without a `#` comment, trimmed.
pub(crate) fn strip_comment(line: &str) -> &str {
    line.split('#').next().unwrap_or("").trim()
}

/// The records of a line-oriented trace: (line number from 1, the line
/// without its comment, the whole line trimmed, for messages), blank and
/// comment-only lines left out.
pub(crate) fn records(text: &str) -> impl Iterator<Item = (usize, &str, &str)> {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let line = strip_comment(raw);
        (!line.is_empty()).then_some((i + 1, line, raw.trim()))
    })
}

/// An error about record `n` (`raw`: the line, as `records` gives it).
pub(crate) fn line_err(n: usize, raw: &str, what: &str) -> String {
    format!("line {n}: {what}: `{raw}`")
}
