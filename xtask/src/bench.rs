//! `cargo xtask bench`: runs /bench in QEMU, once under `-icount shift=0`
//! (deterministic instruction counts; needs a single hart) and once without
//! (real time), merges the rows by name, prints a table and writes
//! target/bench.json.
//!
//! /bench prints one line per row:
//!     BENCH name=<row> instructions=<n> [frames=<n>] [wall_ms=<n>] [k=v...]
//! From the icount boot we keep every field but wall_ms (its clock is the
//! instruction counter there); from the real-time boot we keep only wall_ms.

use crate::builder::{self, Built};
use crate::qemu::{self, Machine};
use std::path::Path;
use std::time::Duration;

/// One pair of boots (icount + real time) with its kernel options and the
/// arguments of /bench.
#[derive(Clone, Copy, Debug)]
pub struct BenchBoot {
    /// Recorded as "boot" in each row.
    pub label: &'static str,
    pub kopts: &'static [&'static str],
    pub argv: &'static [&'static str],
    pub timeout_s: u64,
    /// QEMU -m; the swap disk is twice that.
    pub mem: &'static str,
}

/// Append boots here (e.g. another kernel option to compare).
pub const BOOTS: &[BenchBoot] = &[
    // One run of every row. `bench` itself switches fork between
    // copy-on-write and eager copying (vmctl) for the fork60 rows; the
    // `cow=0` boot option selects eager copying from boot instead.
    BenchBoot {
        label: "all",
        kopts: &[],
        argv: &["bench"],
        timeout_s: 600,
        mem: qemu::DEFAULT_MEM,
    },
    // Paging to disk, with little RAM so a 2x-RAM pass stays short.
    BenchBoot {
        label: "swap",
        kopts: &[],
        argv: &["bench", "swap"],
        timeout_s: 900,
        mem: "48M",
    },
];

/// The boot that runs only the named rows (`cargo xtask bench ROW...`):
/// the swap boot's small memory if any row pages to disk, else the default.
fn subset_boot(rows: &[String]) -> BenchBoot {
    let swap = rows
        .iter()
        .any(|r| r.starts_with("swap/") || r.starts_with("disk/"));
    let base = BOOTS[usize::from(swap)];
    let mut argv = vec!["bench"];
    // Leaked: one small list per xtask run.
    argv.extend(rows.iter().map(|r| &*Box::leak(r.clone().into_boxed_str())));
    BenchBoot {
        label: if swap { "swap" } else { "rows" },
        argv: Box::leak(argv.into_boxed_slice()),
        ..base
    }
}

/// A parsed BENCH line: its name and the other k=v fields in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub fields: Vec<(String, String)>,
}

impl Row {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses the BENCH lines of `out`; malformed ones are returned as warnings.
pub fn parse_rows(out: &str) -> (Vec<Row>, Vec<String>) {
    let mut rows = Vec::new();
    let mut warn = Vec::new();
    for raw in out.lines() {
        let line = raw.trim_end_matches('\r').trim();
        let Some(rest) = line.strip_prefix("BENCH ") else {
            continue;
        };
        let mut name = None;
        let mut fields = Vec::new();
        let mut bad = false;
        for tok in rest.split_whitespace() {
            match tok.split_once('=') {
                Some(("name", v)) if !v.is_empty() => name = Some(v.to_string()),
                Some((k, v)) if !k.is_empty() && k != "name" => {
                    fields.push((k.to_string(), v.to_string()))
                }
                _ => bad = true,
            }
        }
        match name {
            Some(name) if !bad => rows.push(Row { name, fields }),
            _ => warn.push(format!("malformed bench line: {line:?}")),
        }
    }
    (rows, warn)
}

/// A row of the result: fields from the icount run plus wall_ms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    pub name: String,
    pub boot: String,
    pub instructions: Option<String>,
    pub wall_ms: Option<String>,
    pub extra: Vec<(String, String)>,
}

/// Joins the icount rows and the real-time rows of one boot by name.
pub fn merge(boot: &str, counted: &[Row], timed: &[Row]) -> Vec<Merged> {
    let mut out: Vec<Merged> = counted
        .iter()
        .map(|r| Merged {
            name: r.name.clone(),
            boot: boot.to_string(),
            instructions: r.get("instructions").map(str::to_string),
            wall_ms: timed
                .iter()
                .find(|t| t.name == r.name)
                .and_then(|t| t.get("wall_ms"))
                .map(str::to_string),
            extra: r
                .fields
                .iter()
                .filter(|(k, _)| k != "instructions" && k != "wall_ms")
                .map(|(k, v)| {
                    // Rates (`mib_s`...) are per real second: the
                    // real-time boot's value, if it printed one.
                    let timed_v = timed
                        .iter()
                        .find(|t| t.name == r.name)
                        .and_then(|t| t.get(k))
                        .filter(|_| k.ends_with("_s"));
                    (k.clone(), timed_v.map_or_else(|| v.clone(), str::to_string))
                })
                .collect(),
        })
        .collect();
    // Rows only the real-time boot printed still get their wall time.
    for t in timed {
        if !counted.iter().any(|r| r.name == t.name) {
            out.push(Merged {
                name: t.name.clone(),
                boot: boot.to_string(),
                instructions: None,
                wall_ms: t.get("wall_ms").map(str::to_string),
                extra: Vec::new(),
            });
        }
    }
    out
}

fn json_string(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Whether `s` is a JSON number as written (so it can go out unquoted).
fn is_json_number(s: &str) -> bool {
    let b = s.strip_prefix('-').unwrap_or(s).as_bytes();
    let digits = |b: &[u8]| b.iter().take_while(|c| c.is_ascii_digit()).count();
    let n = digits(b);
    if n == 0 || (n > 1 && b[0] == b'0') {
        return false;
    }
    let mut i = n;
    if b.get(i) == Some(&b'.') {
        let f = digits(&b[i + 1..]);
        if f == 0 {
            return false;
        }
        i += 1 + f;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let e = digits(&b[i..]);
        if e == 0 {
            return false;
        }
        i += e;
    }
    i == b.len()
}

fn json_value(v: Option<&str>) -> String {
    match v {
        None => "null".to_string(),
        Some(v) if is_json_number(v) => v.to_string(),
        Some(v) => json_string(v),
    }
}

/// The rows as a JSON list of objects: name, boot, instructions, wall_ms,
/// then the extra fields.
pub fn to_json(rows: &[Merged]) -> String {
    let mut o = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        let mut kv = vec![
            ("name".to_string(), json_string(&r.name)),
            ("boot".to_string(), json_string(&r.boot)),
            (
                "instructions".to_string(),
                json_value(r.instructions.as_deref()),
            ),
            ("wall_ms".to_string(), json_value(r.wall_ms.as_deref())),
        ];
        for (k, v) in &r.extra {
            if !kv.iter().any(|(key, _)| key == k) {
                kv.push((k.clone(), json_value(Some(v))));
            }
        }
        let body: Vec<String> = kv
            .iter()
            .map(|(k, v)| format!("{}: {v}", json_string(k)))
            .collect();
        o.push_str(&format!("  {{{}}}", body.join(", ")));
        o.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
    o.push(']');
    o.push('\n');
    o
}

/// The table printed at the end.
pub fn table(rows: &[Merged]) -> String {
    let w = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    let mut o = format!(
        "{:<w$}  {:<6}  {:>14}  {:>9}  extra\n",
        "name", "boot", "instructions", "wall_ms"
    );
    for r in rows {
        let extra: Vec<String> = r.extra.iter().map(|(k, v)| format!("{k}={v}")).collect();
        o.push_str(&format!(
            "{:<w$}  {:<6}  {:>14}  {:>9}  {}\n",
            r.name,
            r.boot,
            r.instructions.as_deref().unwrap_or("-"),
            r.wall_ms.as_deref().unwrap_or("-"),
            extra.join(" ")
        ));
    }
    o
}

/// One boot of /bench; returns its rows, or why it failed.
fn boot(root: &Path, b: &Built, bb: &BenchBoot, icount: bool) -> Result<Vec<Row>, String> {
    let prog = match bb.argv.first() {
        Some(p) if p.contains('/') => p.to_string(),
        Some(p) => format!("/{p}"),
        None => return Err("empty argv".to_string()),
    };
    let fs = crate::fsread::FsImage::new(&b.image)?;
    if fs.lookup(&prog)?.is_none() {
        return Err(format!("{prog} is not in the image"));
    }
    let disk = builder::target_dir(root).join("bench.img");
    std::fs::write(&disk, &b.image).map_err(|e| format!("{}: {e}", disk.display()))?;
    let mut m = Machine::new(b.kernel.clone(), disk);
    // One hart in both boots: icount needs it, and the real-time boot
    // should run the same machine.
    m.smp = 1;
    m.mem = bb.mem.to_string();
    let swap = builder::target_dir(root).join("bench.swap.img");
    m.swap = qemu::make_swap(&swap, qemu::swap_bytes(None, bb.mem)?)?;
    m.icount = icount;
    m.bootargs = qemu::bootargs(bb.kopts, bb.argv)?;
    println!(
        "==> bench {} ({}): {}",
        bb.label,
        if icount { "icount" } else { "wall time" },
        m.display()
    );
    let r = qemu::run_captured(m.command(), Some(Duration::from_secs(bb.timeout_s)), true)?;
    let (rows, warn) = parse_rows(&r.stdout);
    for w in warn {
        eprintln!("xtask bench: {w}");
    }
    if r.timed_out {
        return Err(format!("timed out after {} s", bb.timeout_s));
    }
    if r.code != Some(0) {
        return Err(format!("QEMU exit status {:?}", r.code));
    }
    if let Some(p) = r.stdout.lines().find(|l| l.trim().starts_with("panic:")) {
        return Err(format!("kernel {}", p.trim()));
    }
    if rows.is_empty() {
        return Err("no BENCH lines".to_string());
    }
    Ok(rows)
}

/// Runs the benchmarks; returns the process exit status.
pub fn main(root: &Path, args: &[String]) -> i32 {
    if let Some(a) = args.iter().find(|a| a.starts_with('-')) {
        if a != "-h" && a != "--help" {
            eprintln!("xtask bench: unexpected argument {a}");
        }
        println!("usage: cargo xtask bench [ROW...]");
        println!("  no ROW: every boot in xtask/src/bench.rs, icount and wall time");
        println!("  ROW...: only those rows of /bench, one icount boot (no wall time)");
        return if a == "-h" || a == "--help" { 0 } else { 2 };
    }
    let b = match crate::prereq::ensure_prereqs().and_then(|_| builder::build(root, false)) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("xtask bench: {e}");
            return 1;
        }
    };
    let mut all = Vec::new();
    let mut failed = false;
    if !args.is_empty() {
        let bb = subset_boot(args);
        match boot(root, &b, &bb, true) {
            Ok(rows) => all.extend(merge(bb.label, &rows, &[])),
            Err(e) => {
                eprintln!("xtask bench: boot {} (icount) failed: {e}", bb.label);
                failed = true;
            }
        }
    }
    for bb in BOOTS.iter().filter(|_| args.is_empty()) {
        let counted = boot(root, &b, bb, true);
        let timed = boot(root, &b, bb, false);
        for (what, r) in [("icount", &counted), ("wall time", &timed)] {
            if let Err(e) = r {
                eprintln!("xtask bench: boot {} ({what}) failed: {e}", bb.label);
                failed = true;
            }
        }
        let none = Vec::new();
        all.extend(merge(
            bb.label,
            counted.as_ref().unwrap_or(&none),
            timed.as_ref().unwrap_or(&none),
        ));
    }
    print!("{}", table(&all));
    let path = builder::target_dir(root).join("bench.json");
    if let Err(e) = std::fs::write(&path, to_json(&all)) {
        eprintln!("xtask bench: {}: {e}", path.display());
        return 1;
    }
    println!("wrote {}", path.display());
    i32::from(failed || all.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bench_lines() {
        let out = "boot noise\r\n\
                   BENCH name=fork instructions=12345 frames=7 wall_ms=3\r\n\
                   BENCH name=sbrk-lazy instructions=99 note=x\n\
                   BENCH instructions=1\n\
                   BENCH name=bad junk\n\
                   not BENCH name=x\n";
        let (rows, warn) = parse_rows(out);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "fork");
        assert_eq!(rows[0].get("instructions"), Some("12345"));
        assert_eq!(rows[0].get("frames"), Some("7"));
        assert_eq!(rows[1].get("note"), Some("x"));
        assert_eq!(warn.len(), 2);
    }

    #[test]
    fn merges_by_name() {
        let (c, _) = parse_rows(
            "BENCH name=a instructions=100 frames=2 wall_ms=999\nBENCH name=b instructions=5\n",
        );
        let (t, _) = parse_rows(
            "BENCH name=b instructions=777 wall_ms=1.5\nBENCH name=a instructions=1 wall_ms=20\nBENCH name=c wall_ms=4\n",
        );
        let m = merge("cow", &c, &t);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].name, "a");
        assert_eq!(m[0].instructions.as_deref(), Some("100"));
        assert_eq!(m[0].wall_ms.as_deref(), Some("20"));
        assert_eq!(m[0].extra, [("frames".to_string(), "2".to_string())]);
        assert_eq!(m[1].instructions.as_deref(), Some("5"));
        assert_eq!(m[1].wall_ms.as_deref(), Some("1.5"));
        assert_eq!(m[2].name, "c");
        assert_eq!(m[2].instructions, None);
        // A boot that failed entirely still yields the other's rows.
        assert_eq!(merge("x", &c, &[])[0].wall_ms, None);
    }

    #[test]
    fn rates_come_from_the_real_time_boot() {
        let (c, _) = parse_rows("BENCH name=swap/in instructions=9 mib_s=1 pages=4\n");
        let (t, _) = parse_rows("BENCH name=swap/in instructions=8 wall_ms=3 mib_s=42 pages=5\n");
        let m = merge("swap", &c, &t);
        assert_eq!(
            m[0].extra,
            [
                ("mib_s".to_string(), "42".to_string()),
                ("pages".to_string(), "4".to_string())
            ]
        );
    }

    #[test]
    fn json_output() {
        let rows = vec![
            Merged {
                name: "fork".into(),
                boot: "cow".into(),
                instructions: Some("123".into()),
                wall_ms: Some("4.5".into()),
                extra: vec![
                    ("frames".into(), "7".into()),
                    ("mode".into(), "a\"b".into()),
                    ("neg".into(), "-3e2".into()),
                    ("lead0".into(), "012".into()),
                ],
            },
            Merged {
                name: "x".into(),
                boot: "eager".into(),
                instructions: None,
                wall_ms: None,
                extra: vec![],
            },
        ];
        let j = to_json(&rows);
        assert_eq!(
            j,
            "[\n  {\"name\": \"fork\", \"boot\": \"cow\", \"instructions\": 123, \"wall_ms\": 4.5, \
             \"frames\": 7, \"mode\": \"a\\\"b\", \"neg\": -3e2, \"lead0\": \"012\"},\n  \
             {\"name\": \"x\", \"boot\": \"eager\", \"instructions\": null, \"wall_ms\": null}\n]\n"
        );
        assert_eq!(to_json(&[]), "[\n]\n");
        let t = table(&rows);
        assert!(t.lines().nth(1).unwrap().contains("123"));
        assert!(t.lines().nth(2).unwrap().contains(" - "));
    }

    #[test]
    fn json_numbers() {
        for ok in ["0", "12", "-1", "1.5", "1e9", "2E-3", "-0.25"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "0x10", "12ms", "NaN"] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn boots_are_well_formed() {
        for b in BOOTS {
            qemu::bootargs(b.kopts, b.argv).unwrap();
            assert_eq!(b.argv[0], "bench");
        }
    }
}
