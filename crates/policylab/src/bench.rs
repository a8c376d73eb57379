//! `cargo xtask sim --bench`: requests per second per policy on a generated
//! trace, single-threaded, OPT's growth with the trace length, and a sweep
//! on one thread against all cores. The goals (issue 10) are printed next
//! to the numbers, never asserted: the machine may be shared.
//!
//! Each run is timed twice: wall time, and the thread's own time on a CPU
//! (Linux's `/proc/thread-self/schedstat`, in ns), which leaves out the
//! time other processes had the core. Requests per second are computed from
//! the CPU time when there is one; each policy runs up to three times and
//! the fastest run counts. The load average is printed with the numbers.

use crate::policies::{next_uses, simulate_with, PolicyName, SimOptions};
use crate::sweep::{lru_curve, sweep};
use crate::trace::Trace;
use std::fmt::Write;
use std::time::Instant;
use vmpolicy::PolicyKind;

/// Single-threaded requests per second FIFO, LRU and Clock must reach.
pub const GOAL_RPS: f64 = 10e6;

/// A trace of `reqs` requests over `pages` distinct pages, the shape of a
/// program that first touches all its memory and then works on it with a
/// skew: the first `pages` requests touch every page once, in order; the
/// rest pick a rank with a power-law bias (`pages * u^3`, u uniform: a
/// tenth of the pages gets about half the requests) and map it to a page by
/// a fixed permutation, so hot pages are scattered. One request in four is
/// a write. Deterministic (xorshift64 from a fixed seed).
pub fn generate(reqs: usize, pages: usize) -> Trace {
    let pages = pages.min(reqs).max(1);
    let mut t = Trace {
        pages: Vec::with_capacity(reqs),
        writes: Vec::with_capacity(reqs),
        distinct: pages,
        kernel: None,
    };
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    // 1_000_003 is prime, so rank -> rank * P mod pages is a permutation for
    // any smaller page count (and a mere mapping above, still in range).
    const P: u64 = 1_000_003;
    for i in 0..reqs {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let page = if i < pages {
            i as u64
        } else {
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            let rank = (u * u * u * pages as f64) as u64;
            rank * P % pages as u64
        };
        t.pages.push(page as u32);
        t.writes.push(x & 3 == 0);
    }
    t
}

/// How long something took.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// Seconds of wall time.
    pub wall: f64,
    /// Seconds the thread spent on a CPU, where the OS tells.
    pub cpu: Option<f64>,
}

impl Timing {
    /// The time requests per second are computed from: CPU time if known.
    pub fn secs(&self) -> f64 {
        self.cpu.unwrap_or(self.wall)
    }
}

/// This thread's time on a CPU so far, in ns: the first field of
/// `/proc/thread-self/schedstat` (Linux with schedstats).
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// The whole process's CPU time so far (all threads, the finished ones
/// too), in seconds: utime + stime of `/proc/self/stat`, in the kernel's
/// USER_HZ ticks (100 a second on Linux).
fn process_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is the first, utime the 12th and stime the 13th.
    let f: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Runs `f` up to `max_runs` times (fewer if the runs add up to more than
/// two seconds) and returns its result and the fastest run's timing.
pub fn best_of<R>(max_runs: usize, mut f: impl FnMut() -> R) -> (R, Timing) {
    let mut best: Option<(R, Timing)> = None;
    let mut spent = 0.0;
    for _ in 0..max_runs.max(1) {
        let (c0, w0) = (thread_cpu_ns(), Instant::now());
        let r = f();
        let wall = w0.elapsed().as_secs_f64();
        let cpu = match (c0, thread_cpu_ns()) {
            (Some(a), Some(b)) if b > a => Some((b - a) as f64 / 1e9),
            _ => None,
        };
        let t = Timing { wall, cpu };
        spent += wall;
        if best.as_ref().is_none_or(|(_, b)| t.secs() < b.secs()) {
            best = Some((r, t));
        }
        if spent > 2.0 {
            break;
        }
    }
    best.expect("at least one run")
}

/// One policy's line of the bench.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    pub policy: PolicyName,
    pub frames: usize,
    pub requests: usize,
    pub faults: u64,
    pub time: Timing,
}

impl Row {
    /// Requests per second, from CPU time when known.
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.time.secs()
    }
}

/// Times each policy, single-threaded, on `t` with a tenth of its pages as
/// frames (at least 1); `lru-exact` is its one-pass curve at that count.
/// OPT's timing includes building its next-use table.
pub fn measure(t: &Trace, policies: &[PolicyName], o: SimOptions) -> Vec<Row> {
    let frames = (t.distinct / 10).max(1);
    policies
        .iter()
        .map(|&p| {
            let (faults, time) = best_of(3, || match p {
                PolicyName::LruExact => lru_curve(t, &[frames])[0],
                _ => simulate_with(p, frames, t, o, None).faults,
            });
            Row {
                policy: p,
                frames,
                requests: t.len(),
                faults,
                time,
            }
        })
        .collect()
}

/// Runs the bench and returns its report.
pub fn run(reqs: usize, pages: usize, policies: &[PolicyName], o: SimOptions) -> String {
    let mut s = String::new();
    let t0 = Instant::now();
    let t = generate(reqs, pages);
    let frames = (t.distinct / 10).max(1);
    let _ = writeln!(
        s,
        "bench trace: {} requests over {} distinct pages ({:.2} s to generate), {} frames",
        t.len(),
        t.distinct,
        t0.elapsed().as_secs_f64(),
        frames
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        s,
        "conditions: {cores} cores, load average {}; each policy single-threaded, best of up to 3 runs",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    let _ = writeln!(
        s,
        "requests/s from the thread's CPU time{}; goal: >= {:.0} M requests/s for fifo, lru, clock",
        if thread_cpu_ns().is_some() {
            " (wall time next to it)"
        } else {
            " unavailable here: from wall time"
        },
        GOAL_RPS / 1e6
    );
    let _ = writeln!(
        s,
        "{:<10} {:>10} {:>8} {:>8} {:>14} {:>14}  goal",
        "policy", "faults", "cpu s", "wall s", "requests/s", "(wall)"
    );
    // Enhanced Clock's pass 1 walks the whole circle on every fault once
    // most resident pages are dirty (the lab, like the kernel without a
    // flusher, never cleans a resident page): O(frames) per fault. It runs
    // on a trace a hundredth the size so the bench ends.
    let eclock = PolicyName::Kernel(PolicyKind::EClock);
    let small = generate((reqs / 100).max(1), (pages / 100).max(1));
    let mut rows = measure(
        &t,
        &policies
            .iter()
            .copied()
            .filter(|&p| p != eclock)
            .collect::<Vec<_>>(),
        o,
    );
    if policies.contains(&eclock) {
        rows.extend(measure(&small, &[eclock], o));
    }
    // In the order asked for.
    rows.sort_by_key(|r| policies.iter().position(|&p| p == r.policy));
    for r in &rows {
        let goal = match r.policy {
            PolicyName::Kernel(PolicyKind::Fifo | PolicyKind::Lru | PolicyKind::Clock) => {
                if r.rps() >= GOAL_RPS {
                    "met"
                } else {
                    "NOT MET"
                }
            }
            PolicyName::Kernel(PolicyKind::EClock) => "(1/100 trace: O(frames) per fault)",
            PolicyName::LruExact => "(whole curve, one pass)",
            PolicyName::Opt => "(O(n log n), next-use table included)",
            _ => "",
        };
        let _ = writeln!(
            s,
            "{:<10} {:>10} {:>8} {:>8.3} {:>14.0} {:>14.0}  {goal}",
            r.policy.name(),
            r.faults,
            r.time.cpu.map_or("-".into(), |c| format!("{c:.3}")),
            r.time.wall,
            r.rps(),
            r.requests as f64 / r.time.wall,
        );
    }
    if policies.contains(&PolicyName::Kernel(PolicyKind::Lru)) {
        let _ = writeln!(
            s,
            "lru: aging scan every {} requests (--scan-every; default frames/4)",
            o.scan_every(frames)
        );
    }
    if policies.contains(&PolicyName::Opt) {
        opt_scaling(&mut s, &t, reqs, pages);
    }
    sweep_speedup(&mut s, &t, policies, o);
    s
}

/// OPT's cost per request should grow like log n, not like n.
fn opt_scaling(s: &mut String, t: &Trace, reqs: usize, pages: usize) {
    let quarter = generate((reqs / 4).max(1), (pages / 4).max(1));
    let per_req = |t: &Trace| {
        let frames = (t.distinct / 10).max(1);
        let next = next_uses(&t.pages, t.distinct);
        let (_, time) = best_of(3, || {
            simulate_with(
                PolicyName::Opt,
                frames,
                t,
                SimOptions::default(),
                Some(&next),
            )
        });
        time.secs() * 1e9 / t.len() as f64
    };
    let (small, big) = (per_req(&quarter), per_req(t));
    let _ = writeln!(
        s,
        "opt replay: {small:.0} ns/request at {} requests, {big:.0} at {} (x{:.2}; O(n^2) would be x4)",
        quarter.len(),
        t.len(),
        big / small
    );
}

/// A sweep (the policies but eclock, 4 frame counts) on one thread against
/// all cores, in wall time, and how many cores the threads kept busy on
/// average (CPU time over wall time): on a shared machine the speedup
/// depends on what else runs, the cores used show the sweep spreading.
fn sweep_speedup(s: &mut String, t: &Trace, policies: &[PolicyName], o: SimOptions) {
    let pol: Vec<PolicyName> = policies
        .iter()
        .copied()
        .filter(|&p| p != PolicyName::Kernel(PolicyKind::EClock))
        .collect();
    if pol.len() < 2 {
        return;
    }
    let fr: Vec<usize> = (1..=4).map(|k| (t.distinct * k / 20).max(1)).collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let time = |threads| {
        let (c0, start) = (process_cpu_secs(), Instant::now());
        sweep(&pol, &fr, t, o, threads);
        let wall = start.elapsed().as_secs_f64();
        let busy = match (c0, process_cpu_secs()) {
            (Some(a), Some(b)) => format!(", {:.2} cores busy", (b - a) / wall),
            _ => String::new(),
        };
        (wall, busy)
    };
    let ((one, busy1), (all, busy)) = (time(1), time(cores));
    let _ = writeln!(
        s,
        "sweep of {} policies x {} frame counts (wall): {one:.2} s on 1 thread{busy1}; {all:.2} s on {cores}{busy} ({:.2}x)",
        pol.len(),
        fr.len(),
        one / all
    );
}
