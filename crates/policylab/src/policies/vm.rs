//! The kernel's four policies, run through vmpolicy itself. The simulator
//! plays the MMU: every reference sets the page's A bit, a write also sets
//! D, and an evicted page's bits are cleared (its PTE is gone). The LRU
//! aging scan runs after every `scan_every` references.

use super::Cache;
use vmpolicy::{AccessBits, Policy, PolicyKind};

const A: u8 = 1;
const D: u8 = 2;

/// A and D per page.
struct Bits(Vec<u8>);

impl AccessBits for Bits {
    fn test_and_clear_accessed(&mut self, f: usize) -> bool {
        let a = self.0[f] & A != 0;
        self.0[f] &= !A;
        a
    }
    fn accessed(&self, f: usize) -> bool {
        self.0[f] & A != 0
    }
    fn dirty(&self, f: usize) -> bool {
        self.0[f] & D != 0
    }
}

pub struct Vm {
    policy: Policy,
    bits: Bits,
    frames: usize,
    scan_every: u64,
    until_scan: u64,
}

impl Vm {
    /// `distinct` pages, `frames` of them resident at most. Pages are the
    /// policy's frame indices: a policy orders indices and never reads them.
    pub fn new(kind: PolicyKind, frames: usize, distinct: usize, scan_every: u64) -> Self {
        Vm {
            policy: Policy::new(kind, distinct),
            bits: Bits(vec![0; distinct]),
            frames,
            scan_every,
            until_scan: scan_every,
        }
    }
}

impl Cache for Vm {
    fn access(&mut self, _i: usize, page: u32, write: bool) -> bool {
        let p = page as usize;
        let hit = self.policy.contains(p);
        if !hit {
            if self.policy.len() >= self.frames {
                let v = self.policy.victim(&mut self.bits).expect("resident pages");
                self.bits.0[v] = 0;
            }
            self.policy.insert(p);
        }
        self.bits.0[p] |= if write { A | D } else { A };
        self.until_scan -= 1;
        if self.until_scan == 0 {
            self.policy.scan(&mut self.bits);
            self.until_scan = self.scan_every;
        }
        hit
    }
}
