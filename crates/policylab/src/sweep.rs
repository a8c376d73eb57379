//! Sweeps: every policy at every frame count, spread over all cores, with
//! exact LRU's whole miss-ratio curve from one pass over the trace
//! (Mattson's stack distances), and the Belady check over the results.

use crate::policies::{next_uses, simulate_with, PolicyName, RunResult, SimOptions};
use crate::trace::Trace;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Exact LRU's fault count at each of `frames`, from one pass.
///
/// LRU is a stack algorithm: with c frames it holds the c most recently
/// used pages, so a reference hits iff its *stack distance* (the number of
/// distinct pages used since the last use of the same page, itself
/// included) is at most c. A Fenwick tree over reference times marks each
/// page's latest use; the distance is one plus the marks between the
/// previous use and now. O(n log n) for the whole curve.
pub fn lru_curve(t: &Trace, frames: &[usize]) -> Vec<u64> {
    let n = t.len();
    let mut marks = Fenwick::new(n);
    let mut last = vec![u32::MAX; t.distinct];
    // hist[d]: references with stack distance d (1..=distinct).
    let mut hist = vec![0u64; t.distinct + 1];
    let mut cold = 0u64;
    for (i, &p) in t.pages.iter().enumerate() {
        let prev = last[p as usize];
        if prev == u32::MAX {
            cold += 1;
        } else {
            let prev = prev as usize;
            let d = 1 + marks.prefix(i) - marks.prefix(prev + 1);
            hist[d as usize] += 1;
            marks.add(prev, -1);
        }
        marks.add(i, 1);
        last[p as usize] = i as u32;
    }
    // beyond[c]: references with distance > c, i.e. misses with c frames
    // other than the cold ones.
    let mut beyond = vec![0u64; t.distinct + 1];
    for c in (0..t.distinct).rev() {
        beyond[c] = beyond[c + 1] + hist[c + 1];
    }
    frames
        .iter()
        .map(|&c| cold + beyond[c.min(t.distinct)])
        .collect()
}

/// Binary indexed tree of counts over positions `0..n`.
struct Fenwick(Vec<i32>);

impl Fenwick {
    fn new(n: usize) -> Self {
        Fenwick(vec![0; n + 1])
    }

    fn add(&mut self, pos: usize, v: i32) {
        let mut i = pos + 1;
        while i < self.0.len() {
            self.0[i] += v;
            i += i & i.wrapping_neg();
        }
    }

    /// Sum over positions `0..end`.
    fn prefix(&self, end: usize) -> u64 {
        let (mut i, mut s) = (end, 0i64);
        while i > 0 {
            s += i64::from(self.0[i]);
            i &= i - 1;
        }
        s as u64
    }
}

/// One unit of work: a policy at one frame count, or LRU's whole curve.
enum Job {
    One(PolicyName, usize),
    LruCurve,
}

/// Runs every policy at every frame count on `threads` threads (0: all
/// cores). Results come in the order policies x frames, as given. Exact LRU
/// is one job for all frame counts; OPT's next-use table is built once and
/// shared.
pub fn sweep(
    policies: &[PolicyName],
    frames: &[usize],
    t: &Trace,
    o: SimOptions,
    threads: usize,
) -> Vec<RunResult> {
    let mut jobs = Vec::new();
    for &p in policies {
        match p {
            PolicyName::LruExact => jobs.push(Job::LruCurve),
            _ => jobs.extend(frames.iter().map(|&f| Job::One(p, f))),
        }
    }
    let next = policies
        .contains(&PolicyName::Opt)
        .then(|| next_uses(&t.pages, t.distinct));
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(jobs.len());
    let done: Vec<Mutex<Vec<RunResult>>> = jobs.iter().map(|_| Mutex::new(Vec::new())).collect();
    let todo = AtomicUsize::new(0);
    let work = || loop {
        let j = todo.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(j) else { break };
        let r = match *job {
            Job::One(p, f) => vec![simulate_with(p, f, t, o, next.as_deref())],
            Job::LruCurve => lru_curve(t, frames)
                .into_iter()
                .zip(frames)
                .map(|(faults, &f)| RunResult {
                    policy: PolicyName::LruExact,
                    frames: f,
                    requests: t.len() as u64,
                    faults,
                })
                .collect(),
        };
        *done[j].lock().unwrap_or_else(|e| e.into_inner()) = r;
    };
    if threads <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    done.into_iter()
        .flat_map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

/// A place where a policy faults more with more frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anomaly {
    pub policy: PolicyName,
    /// Fewer frames, and the faults there.
    pub from: (usize, u64),
    /// More frames, and the (larger) faults there.
    pub to: (usize, u64),
}

/// Belady's anomaly, checked: for each policy, the frame counts run in
/// increasing order, and every step to the next larger count that raises
/// the fault count is listed. Only the frame counts that were run are
/// compared, so `1..N` checks every step.
pub fn belady_anomalies(results: &[RunResult]) -> Vec<Anomaly> {
    let mut out = Vec::new();
    let mut seen: Vec<PolicyName> = Vec::new();
    for r in results {
        if seen.contains(&r.policy) {
            continue;
        }
        seen.push(r.policy);
        let mut pts: Vec<(usize, u64)> = results
            .iter()
            .filter(|x| x.policy == r.policy)
            .map(|x| (x.frames, x.faults))
            .collect();
        pts.sort_unstable();
        pts.dedup_by_key(|p| p.0);
        for w in pts.windows(2) {
            if w[1].1 > w[0].1 {
                out.push(Anomaly {
                    policy: r.policy,
                    from: w[0],
                    to: w[1],
                });
            }
        }
    }
    out
}
