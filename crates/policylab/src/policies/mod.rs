//! Every policy the lab knows, by the name the kernel and the CSV output
//! use, and one loop that replays a trace through any of them.

mod arc;
mod exact;
mod lists;
mod s3fifo;
mod sieve;
mod vm;

use crate::trace::Trace;
use vmpolicy::PolicyKind;

pub use exact::next_uses;

/// A cache of fixed size replaying references one by one.
pub trait Cache {
    /// Reference number `i` (its index in the trace) to `page`. True on a
    /// hit; on a miss the page is brought in, evicting one if full.
    fn access(&mut self, i: usize, page: u32, write: bool) -> bool;

    /// Replays all of `t` from the start and returns the faults: `access`
    /// for each reference in order. A cache may do the same faster.
    fn replay(&mut self, t: &Trace) -> u64 {
        let mut faults = 0;
        for (i, (&p, &w)) in t.pages.iter().zip(&t.writes).enumerate() {
            faults += u64::from(!self.access(i, p, w));
        }
        faults
    }
}

/// A policy the lab can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyName {
    /// One of the kernel's, run through vmpolicy.
    Kernel(PolicyKind),
    LruExact,
    Opt,
    Arc,
    Sieve,
    S3Fifo,
}

impl PolicyName {
    /// Every policy, in the order `all` runs them.
    pub const ALL: [PolicyName; 9] = [
        PolicyName::Kernel(PolicyKind::Fifo),
        PolicyName::Kernel(PolicyKind::Lru),
        PolicyName::Kernel(PolicyKind::Clock),
        PolicyName::Kernel(PolicyKind::EClock),
        PolicyName::LruExact,
        PolicyName::Opt,
        PolicyName::Arc,
        PolicyName::Sieve,
        PolicyName::S3Fifo,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PolicyName::Kernel(k) => k.name(),
            PolicyName::LruExact => "lru-exact",
            PolicyName::Opt => "opt",
            PolicyName::Arc => "arc",
            PolicyName::Sieve => "sieve",
            PolicyName::S3Fifo => "s3fifo",
        }
    }

    pub fn from_name(s: &str) -> Option<PolicyName> {
        PolicyName::ALL.into_iter().find(|p| p.name() == s)
    }

    /// Policies the kernel does not have (the modern ones). Exact LRU and
    /// OPT are yardsticks: also not in the kernel, but not "simulator-only"
    /// in the sense of competing with it.
    pub fn simulator_only(self) -> bool {
        matches!(
            self,
            PolicyName::Arc | PolicyName::Sieve | PolicyName::S3Fifo
        )
    }

    pub fn describe(self) -> &'static str {
        match self {
            PolicyName::Kernel(PolicyKind::Fifo) => "kernel: evict in load order",
            PolicyName::Kernel(PolicyKind::Lru) => {
                "kernel: LRU by aging (8-bit ages, scan every --scan-every refs)"
            }
            PolicyName::Kernel(PolicyKind::Clock) => "kernel: Clock (second chance)",
            PolicyName::Kernel(PolicyKind::EClock) => "kernel: Enhanced Clock, (A,D) classes",
            PolicyName::LruExact => "exact LRU (sees every reference)",
            PolicyName::Opt => "OPT, Belady's MIN (knows the future)",
            PolicyName::Arc => "simulator-only: ARC (Megiddo & Modha 2003)",
            PolicyName::Sieve => "simulator-only: SIEVE (Zhang et al. 2024)",
            PolicyName::S3Fifo => "simulator-only: S3-FIFO (Yang et al. 2023)",
        }
    }
}

/// Options that change how a policy runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimOptions {
    /// References between two LRU aging scans (at least 1); None: the
    /// default for the frame count, [`default_scan_every`].
    pub scan_every: Option<u64>,
}

impl SimOptions {
    /// The scan interval used with `frames` frames.
    pub fn scan_every(&self, frames: usize) -> u64 {
        self.scan_every
            .unwrap_or_else(|| default_scan_every(frames))
    }
}

/// `max(1, frames / 4)` references: 8 scans of history then span about
/// twice the references a page survives in memory (under LRU, a page not used
/// for `frames` distinct references is evicted), so ages can order the
/// pages that compete for eviction. A scan after every reference would
/// remember only the last 8 references: with more than ~8 frames every
/// candidate has age 0 and aging falls back to FIFO order. For 1 to 7
/// frames this is 1, where aging equals exact LRU on the textbook strings.
pub fn default_scan_every(frames: usize) -> u64 {
    (frames as u64 / 4).max(1)
}

/// The outcome of one replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunResult {
    pub policy: PolicyName,
    pub frames: usize,
    pub requests: u64,
    pub faults: u64,
}

impl RunResult {
    pub fn hits(&self) -> u64 {
        self.requests - self.faults
    }

    pub fn miss_ratio(&self) -> f64 {
        self.faults as f64 / self.requests as f64
    }
}

/// Replays `t` through `policy` with `frames` frames (at least 1).
pub fn simulate(policy: PolicyName, frames: usize, t: &Trace, o: SimOptions) -> RunResult {
    simulate_with(policy, frames, t, o, None)
}

/// [`simulate`], with OPT's [`next_uses`] of `t` if the caller has them
/// (a sweep builds them once for every frame count).
pub fn simulate_with(
    policy: PolicyName,
    frames: usize,
    t: &Trace,
    o: SimOptions,
    next: Option<&[u32]>,
) -> RunResult {
    let scan_every = o.scan_every(frames);
    assert!(frames > 0 && scan_every > 0, "checked by the caller");
    let n = t.distinct;
    let faults = match policy {
        PolicyName::Kernel(k) => replay(&mut vm::Vm::new(k, frames, n, scan_every), t),
        PolicyName::LruExact => replay(&mut exact::LruExact::new(frames, n), t),
        PolicyName::Opt => {
            let own;
            let next = match next {
                Some(v) => v,
                None => {
                    own = next_uses(&t.pages, n);
                    &own
                }
            };
            replay(&mut exact::Opt::new(frames, next, n), t)
        }
        PolicyName::Arc => replay(&mut arc::Arc::new(frames, n), t),
        PolicyName::Sieve => replay(&mut sieve::Sieve::new(frames, n), t),
        PolicyName::S3Fifo => replay(&mut s3fifo::S3Fifo::new(frames, n), t),
    };
    RunResult {
        policy,
        frames,
        requests: t.len() as u64,
        faults,
    }
}

fn replay(c: &mut impl Cache, t: &Trace) -> u64 {
    c.replay(t)
}
