//! The `faultline` trace format, written by the kernel (see
//! docs/policy-lab.md). Line-oriented text:
//!
//! ```text
//! # comment (anywhere after #)
//! r PAGE     a read of virtual page PAGE   (replayed)
//! w PAGE     a write to PAGE               (replayed)
//! f PAGE     the kernel took a page fault on PAGE   (counted, not replayed)
//! e PAGE     the kernel evicted PAGE                (counted, not replayed)
//! ```
//!
//! PAGE is a virtual page number (address >> 12), decimal or `0x`-hex.

use super::{line_err, records};
use crate::trace::{parse_number, Trace, TraceBuilder};

pub fn parse_faultline(text: &str) -> Result<Trace, String> {
    let mut b = TraceBuilder::new();
    for (n, line, raw) in records(text) {
        let err = |what: &str| line_err(n, raw, what);
        let tok: Vec<&str> = line.split_whitespace().collect();
        let [op, page] = tok[..] else {
            return Err(err("expected `r|w|f|e PAGE`"));
        };
        let page = parse_number(page).ok_or_else(|| err("PAGE is not a number"))?;
        match op {
            "r" | "w" => b
                .push(page, op == "w")
                .map_err(|e| format!("line {n}: {e}"))?,
            "f" | "e" => b.kernel_event(op == "f"),
            _ => return Err(err("unknown record type (want r, w, f or e)")),
        }
    }
    b.finish()
}
