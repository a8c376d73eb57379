//! `cargo xtask sim --bench`: requests per second per policy on a generated
//! trace, single-threaded, and a sweep on one thread against all cores. The
//! goals (issue 10) are printed next to the numbers, never asserted: the
//! machine may be shared, so wall time is only indicative.

use crate::policies::{simulate_with, PolicyName, SimOptions};
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
/// a write. Deterministic.
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

/// Runs the bench and returns its report.
pub fn run(reqs: usize, pages: usize, policies: &[PolicyName]) -> String {
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
    let _ = writeln!(
        s,
        "single-threaded; goal: >= {:.0} M requests/s for fifo, lru, clock (wall time on a possibly shared machine)",
        GOAL_RPS / 1e6
    );
    let _ = writeln!(
        s,
        "{:<10} {:>10} {:>9} {:>14}  goal",
        "policy", "faults", "seconds", "requests/s"
    );
    let o = SimOptions::default();
    // Enhanced Clock's pass 1 walks the whole circle on every fault once
    // most resident pages are dirty (the lab, like the kernel without a
    // flusher, never cleans a resident page): O(frames) per fault. It runs
    // on a trace a hundredth the size so the bench ends.
    let small = generate((reqs / 100).max(1), (pages / 100).max(1));
    for &p in policies {
        let t = if p == PolicyName::Kernel(PolicyKind::EClock) {
            &small
        } else {
            &t
        };
        let frames = (t.distinct / 10).max(1);
        let start = Instant::now();
        let faults = if p == PolicyName::LruExact {
            lru_curve(t, &[frames])[0]
        } else {
            simulate_with(p, frames, t, o, None).faults
        };
        let secs = start.elapsed().as_secs_f64();
        let rps = t.len() as f64 / secs;
        let goal = match p {
            PolicyName::Kernel(PolicyKind::Fifo | PolicyKind::Lru | PolicyKind::Clock) => {
                if rps >= GOAL_RPS {
                    "met"
                } else {
                    "NOT MET"
                }
            }
            PolicyName::Kernel(PolicyKind::EClock) => "(1/100 trace: O(frames) per fault)",
            PolicyName::LruExact => "(whole curve, one pass)",
            PolicyName::Opt => "(O(n log n))",
            _ => "",
        };
        let _ = writeln!(
            s,
            "{:<10} {faults:>10} {secs:>9.3} {:>14.0}  {goal}",
            p.name(),
            rps
        );
    }
    if policies.contains(&PolicyName::Opt) {
        opt_scaling(&mut s, &t, reqs, pages);
    }
    sweep_speedup(&mut s, &t, policies);
    s
}

/// OPT's cost per request should grow like log n, not like n.
fn opt_scaling(s: &mut String, t: &Trace, reqs: usize, pages: usize) {
    let quarter = generate((reqs / 4).max(1), (pages / 4).max(1));
    let per_req = |t: &Trace| {
        let start = Instant::now();
        let frames = (t.distinct / 10).max(1);
        simulate_with(PolicyName::Opt, frames, t, SimOptions::default(), None);
        start.elapsed().as_secs_f64() * 1e9 / t.len() as f64
    };
    let (small, big) = (per_req(&quarter), per_req(t));
    let _ = writeln!(
        s,
        "opt: {small:.0} ns/request at {} requests, {big:.0} at {} (x{:.2}; O(n^2) would be x4)",
        quarter.len(),
        t.len(),
        big / small
    );
}

/// A sweep (the policies but eclock, 4 frame counts) on one thread against
/// all cores.
fn sweep_speedup(s: &mut String, t: &Trace, policies: &[PolicyName]) {
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
        let start = Instant::now();
        sweep(&pol, &fr, t, SimOptions::default(), threads);
        start.elapsed().as_secs_f64()
    };
    let (one, all) = (time(1), time(cores));
    let _ = writeln!(
        s,
        "sweep of {} policies x {} frame counts: {one:.2} s on 1 thread, {all:.2} s on {cores} ({:.2}x)",
        pol.len(),
        fr.len(),
        one / all
    );
}
