//! The command line: `cargo xtask sim ARGS` runs `policylab ARGS`.
//! [`run`] returns the whole output or the error, so tests drive it
//! directly and a bad input never prints a partial result.

use crate::format::{self, CsvColumns, Format};
use crate::plot;
use crate::policies::{PolicyName, RunResult, SimOptions};
use crate::sweep::{belady_anomalies, sweep};
use crate::trace::Trace;
use std::fmt::Write;
use std::path::PathBuf;

pub const USAGE: &str = "\
usage: cargo xtask sim [options]     (or: cargo run -p policylab -- [options])

Replays a page-reference trace through page-replacement policies and prints
faults, hits and miss ratio per policy and frame count. The kernel's four
policies run the kernel's own code (crates/vmpolicy).

trace (one of):
  --refs LIST            inline page numbers: 1,2,3,4,1,2,5 (a trailing w
                         marks a write: 1,2w,3)
  --trace FILE           a trace file, read as --format says
  --format FMT           text (default): one ID per line, optional r|w after
                                 it, # comments
                         csv: a header line, then rows; --id-col NAME picks
                                 the id column (default id), --op-col NAME
                                 an optional r/w column
                         oracleGeneral: libCacheSim binary, 24-byte LE
                                 records (u32 time, u64 id, u32 size,
                                 i64 next access); decompress .zst first
                         faultline: recorded by the kernel: `r PAGE`,
                                 `w PAGE`, and `f PAGE`/`e PAGE` for the
                                 kernel's own faults/evictions
options:
  --policy LIST|all      comma-separated (default all):
                           fifo       kernel: evict in load order
                           lru        kernel: LRU by aging (8-bit ages)
                           clock      kernel: Clock (second chance)
                           eclock     kernel: Enhanced Clock, (A,D) classes
                           lru-exact  exact LRU (sees every reference)
                           opt        OPT, Belady's MIN (knows the future)
                           arc        simulator-only: ARC
                           sieve      simulator-only: SIEVE
                           s3fifo     simulator-only: S3-FIFO
  --frames LIST          frame counts, each N or A..B (inclusive):
                         3,4 or 1..10 or 1..4,8,16 (required)
  --scan-every N         run lru's aging scan after every N references
                         (default max(1, frames/4): 8 scans then cover
                         about twice the frames' worth of references)
  --csv                  print CSV: policy,frames,requests,faults,miss_ratio
  --svg FILE             also write the miss-ratio curves as an SVG plot
  --belady-check         print only the Belady check: every step to more
                         frames where a policy faults more (the table
                         prints it too, when there are 2+ frame counts)
  --threads N            threads for the sweep (default: all cores)
  --bench [REQS PAGES]   no trace: time each --policy on a generated trace
                         (default 10000000 requests over 1000000 pages)
  --help                 this text

Every reference sets the page's A bit, a write also sets D; a fault brings
the page in and, when all frames are full, the policy picks a victim.
";

/// A parsed command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Args {
    pub policies: Vec<PolicyName>,
    pub frames: Vec<usize>,
    pub source: Source,
    pub format: Format,
    pub cols: CsvColumns,
    pub opts: SimOptions,
    pub csv: bool,
    pub svg: Option<PathBuf>,
    pub belady_only: bool,
    /// 0: all cores.
    pub threads: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Refs(String),
    File(PathBuf),
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Command {
    Help,
    Run(Args),
    /// `--bench`: requests and distinct pages of the generated trace, the
    /// policies to time, and the options (`--scan-every`).
    Bench(usize, usize, Vec<PolicyName>, SimOptions),
}

/// Runs the command line `args` (without the program name): the text to
/// print, or an error message.
pub fn run(args: &[String]) -> Result<String, String> {
    match parse_args(args)? {
        Command::Help => Ok(USAGE.to_string()),
        Command::Bench(reqs, pages, p, o) => Ok(crate::bench::run(reqs, pages, &p, o)),
        Command::Run(a) => {
            let (trace, label) = load(&a)?;
            let results = sweep(&a.policies, &a.frames, &trace, a.opts, a.threads);
            if let Some(path) = &a.svg {
                let title = format!("miss ratio: {label}");
                let doc = plot::svg(&results, &title)?;
                std::fs::write(path, doc).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            Ok(if a.belady_only {
                belady(&results)
            } else if a.csv {
                csv(&results)
            } else {
                table(&a, &trace, &label, &results)
            })
        }
    }
}

pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut policies = None;
    let mut frames = None;
    let mut source = None;
    let mut format = None;
    let mut id_col = None;
    let mut op_col = None;
    let mut scan_every = None;
    let mut csv = false;
    let mut svg = None;
    let mut belady_only = false;
    let mut threads = 0;
    let mut bench = None;
    let mut it = args.iter().peekable();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .map(String::as_str)
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" | "help" => return Ok(Command::Help),
            "--csv" => csv = true,
            "--belady-check" => belady_only = true,
            "--svg" => svg = Some(PathBuf::from(value()?)),
            "--threads" => {
                let v = value()?;
                threads = v
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| (1..=1024).contains(&n))
                    .ok_or_else(|| format!("--threads {v}: need a number from 1 to 1024"))?
            }
            "--bench" => {
                let mut sizes = [10_000_000, 1_000_000];
                for s in &mut sizes {
                    if let Some(v) = it.next_if(|v| !v.starts_with('-')) {
                        *s = v
                            .parse::<usize>()
                            .ok()
                            .filter(|&n| (1..=1 << 30).contains(&n))
                            .ok_or_else(|| format!("--bench {v}: need a count from 1 to 2^30"))?;
                    }
                }
                bench = Some((sizes[0], sizes[1]))
            }
            "--policy" | "--policies" => policies = Some(parse_policies(value()?)?),
            "--frames" => frames = Some(parse_frames(value()?)?),
            "--refs" | "--trace" if source.is_some() => {
                return Err("give one trace: --refs or --trace, once".into())
            }
            "--refs" => source = Some(Source::Refs(value()?.to_string())),
            "--trace" => source = Some(Source::File(PathBuf::from(value()?))),
            "--format" => {
                let v = value()?;
                format = Some(Format::from_name(v).ok_or_else(|| {
                    let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                    format!("unknown format `{v}`; known: {}", names.join(", "))
                })?)
            }
            "--id-col" => id_col = Some(value()?.to_string()),
            "--op-col" => op_col = Some(value()?.to_string()),
            "--scan-every" => {
                let v = value()?;
                scan_every = Some(
                    v.parse::<u64>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("--scan-every {v}: need a number of at least 1"))?,
                )
            }
            a => return Err(format!("unexpected argument `{a}` (see --help)")),
        }
    }
    if let Some((reqs, pages)) = bench {
        let p = policies.unwrap_or_else(|| PolicyName::ALL.to_vec());
        return Ok(Command::Bench(reqs, pages, p, SimOptions { scan_every }));
    }
    if belady_only && csv {
        return Err("--belady-check prints the check alone: drop --csv".into());
    }
    let source = source.ok_or("no trace: give --refs LIST or --trace FILE (see --help)")?;
    let frames = frames.ok_or("no frame counts: give --frames, e.g. --frames 3,4 or 1..16")?;
    if format.is_some() && matches!(source, Source::Refs(_)) {
        return Err("--format is for --trace files, not --refs".into());
    }
    let format = format.unwrap_or(Format::Text);
    if (id_col.is_some() || op_col.is_some()) && format != Format::Csv {
        return Err("--id-col and --op-col need --format csv".into());
    }
    let mut cols = CsvColumns::default();
    if let Some(c) = id_col {
        cols.id = c;
    }
    cols.op = op_col;
    Ok(Command::Run(Args {
        policies: policies.unwrap_or_else(|| PolicyName::ALL.to_vec()),
        frames,
        source,
        format,
        cols,
        opts: SimOptions { scan_every },
        csv,
        svg,
        belady_only,
        threads,
    }))
}

/// `fifo,lru` or `all` (which may be mixed in); duplicates dropped.
pub fn parse_policies(s: &str) -> Result<Vec<PolicyName>, String> {
    let mut out = Vec::new();
    for name in s.split(',').map(str::trim) {
        let add: Vec<PolicyName> = if name == "all" {
            PolicyName::ALL.to_vec()
        } else {
            vec![PolicyName::from_name(name).ok_or_else(|| {
                let known: Vec<_> = PolicyName::ALL.iter().map(|p| p.name()).collect();
                format!("unknown policy `{name}`; known: {}, all", known.join(", "))
            })?]
        };
        for p in add {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Frame counts: items `N` or `A..B` (`A..=B` too, both inclusive),
/// comma-separated. Every count must be at least 1.
pub fn parse_frames(s: &str) -> Result<Vec<usize>, String> {
    const MAX_COUNTS: usize = 1 << 20;
    let num = |v: &str| -> Result<usize, String> {
        let n: usize = v
            .trim()
            .parse()
            .map_err(|_| format!("--frames {s}: `{v}` is not a number"))?;
        if n == 0 {
            return Err(format!("--frames {s}: a frame count must be at least 1"));
        }
        Ok(n)
    };
    let mut out = Vec::new();
    for item in s.split(',') {
        match item.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b.strip_prefix('=').unwrap_or(b))?);
                if a > b {
                    return Err(format!("--frames {s}: range {item} is empty"));
                }
                if b - a >= MAX_COUNTS {
                    return Err(format!("--frames {s}: range {item} is too long"));
                }
                out.extend(a..=b);
            }
            None => out.push(num(item)?),
        }
    }
    Ok(out)
}

/// The trace and a label saying where it came from.
fn load(a: &Args) -> Result<(Trace, String), String> {
    match &a.source {
        Source::Refs(list) => Ok((format::parse_refs(list)?, "--refs".into())),
        Source::File(path) => {
            let shown = path.display();
            let data = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
            let t = format::parse(a.format, &data, &a.cols).map_err(|e| format!("{shown}: {e}"))?;
            Ok((t, format!("{shown} ({})", a.format.name())))
        }
    }
}

/// The CSV header every consumer relies on.
pub const CSV_HEADER: &str = "policy,frames,requests,faults,miss_ratio";

pub fn csv(results: &[RunResult]) -> String {
    let mut s = String::from(CSV_HEADER);
    s.push('\n');
    for r in results {
        let _ = writeln!(
            s,
            "{},{},{},{},{:.6}",
            r.policy.name(),
            r.frames,
            r.requests,
            r.faults,
            r.miss_ratio()
        );
    }
    s
}

/// The Belady check: a line per step to more frames where a policy faults
/// more, or one line saying there is none.
pub fn belady(results: &[RunResult]) -> String {
    let found = belady_anomalies(results);
    if found.is_empty() {
        return "belady check: no policy faults more with more frames\n".into();
    }
    let mut s = String::new();
    for x in found {
        let _ = writeln!(
            s,
            "belady check: {} faults more with more frames: {} -> {} frames, {} -> {} faults",
            x.policy.name(),
            x.from.0,
            x.to.0,
            x.from.1,
            x.to.1
        );
    }
    s
}

fn table(a: &Args, t: &Trace, label: &str, results: &[RunResult]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "trace: {label}: {} requests, {} distinct pages, {} writes",
        t.len(),
        t.distinct,
        t.write_count()
    );
    if let Some(k) = t.kernel {
        let _ = writeln!(
            s,
            "kernel recorded: {} faults, {} evictions",
            k.faults, k.evictions
        );
    }
    let _ = writeln!(
        s,
        "{:<10} {:>7} {:>10} {:>10} {:>10} {:>10}",
        "policy", "frames", "requests", "faults", "hits", "miss_ratio"
    );
    for r in results {
        let _ = writeln!(
            s,
            "{:<10} {:>7} {:>10} {:>10} {:>10} {:>10.4}",
            r.policy.name(),
            r.frames,
            r.requests,
            r.faults,
            r.hits(),
            r.miss_ratio()
        );
    }
    if a.frames.len() > 1 {
        s.push_str(&belady(results));
    }
    if a.policies
        .contains(&PolicyName::Kernel(vmpolicy::PolicyKind::Lru))
    {
        let _ = match a.opts.scan_every {
            Some(n) => writeln!(s, "lru: aging scan every {n} references"),
            None => writeln!(s, "lru: aging scan every max(1, frames/4) references"),
        };
    }
    let sim_only: Vec<_> = a
        .policies
        .iter()
        .filter(|p| p.simulator_only())
        .map(|p| p.name())
        .collect();
    if !sim_only.is_empty() {
        let _ = writeln!(
            s,
            "simulator-only (not in the kernel): {}",
            sim_only.join(", ")
        );
    }
    s
}
