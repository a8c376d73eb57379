//! The kernel's four policies, run through vmpolicy itself. The simulator
//! plays the MMU: every reference sets the page's A bit, a write also sets
//! D, and an evicted page's bits are cleared (its PTE is gone). The LRU
//! aging scan runs after every `scan_every` references.

use super::Cache;
use vmpolicy::{AccessBits, Policy, PolicyKind};

const A: u8 = 1;
const D: u8 = 2;

/// A and D per frame slot.
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

/// No slot / no page.
const NONE: u32 = u32::MAX;

/// The lab's MMU and frame table. Like the kernel, it gives the policy
/// frame numbers, not page numbers: `frames` slots, a page-to-slot map and
/// back. Same decisions as indexing the policy by page (a policy orders
/// indices and forgets a removed one), but the policy's arrays are as big
/// as the frame count instead of the number of distinct pages, which keeps
/// them in cache on big traces.
pub struct Vm {
    policy: Policy,
    /// A and D per slot.
    bits: Bits,
    slot_of: Vec<u32>,
    page_of: Vec<u32>,
    scan_every: u64,
    until_scan: u64,
}

impl Vm {
    /// `distinct` pages, `frames` of them resident at most.
    pub fn new(kind: PolicyKind, frames: usize, distinct: usize, scan_every: u64) -> Self {
        let frames = frames.min(distinct.max(1));
        Vm {
            policy: Policy::new(kind, frames),
            bits: Bits(vec![0; frames]),
            slot_of: vec![NONE; distinct],
            page_of: Vec::with_capacity(frames),
            scan_every,
            until_scan: scan_every,
        }
    }
}

impl Cache for Vm {
    fn access(&mut self, _i: usize, page: u32, write: bool) -> bool {
        let p = page as usize;
        let mut slot = self.slot_of[p];
        let hit = slot != NONE;
        if !hit {
            if self.page_of.len() < self.page_of.capacity() {
                // A free frame: frames are used in order before any eviction.
                slot = self.page_of.len() as u32;
                self.page_of.push(page);
            } else {
                let v = self.policy.victim(&mut self.bits).expect("resident pages");
                self.slot_of[self.page_of[v] as usize] = NONE;
                self.page_of[v] = page;
                slot = v as u32;
            }
            self.bits.0[slot as usize] = 0;
            self.slot_of[p] = slot;
            self.policy.insert(slot as usize);
        }
        self.bits.0[slot as usize] |= if write { A | D } else { A };
        self.until_scan -= 1;
        if self.until_scan == 0 {
            self.policy.scan(&mut self.bits);
            self.until_scan = self.scan_every;
        }
        hit
    }
}
