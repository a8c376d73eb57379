//! The kernel's four policies, run through vmpolicy itself. The simulator
//! plays the MMU: every reference sets the page's A bit, a write also sets
//! D, and an evicted page's bits are cleared (its PTE is gone). The LRU
//! aging scan runs after every `scan_every` references.

use super::Cache;
use crate::trace::Trace;
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
    /// Per page: its slot, or NONE. The one array as big as the trace's
    /// page count, read once per request.
    slot_of: Vec<u32>,
    /// Per slot: its page.
    page_of: Vec<u32>,
    /// Slots handed out so far; they are used in order before any eviction.
    used: usize,
    scan_every: u64,
}

impl Vm {
    /// `distinct` pages, `frames` of them resident at most.
    pub fn new(kind: PolicyKind, frames: usize, distinct: usize, scan_every: u64) -> Self {
        let frames = frames.min(distinct.max(1));
        Vm {
            policy: Policy::new(kind, frames),
            bits: Bits(vec![0; frames]),
            slot_of: vec![NONE; distinct],
            page_of: vec![NONE; frames],
            used: 0,
            scan_every,
        }
    }

    /// One reference: a hit sets the page's bits, a miss faults it in.
    #[inline(always)]
    fn touch(&mut self, page: u32, write: bool) -> bool {
        let set = if write { A | D } else { A };
        let slot = self.slot_of[page as usize];
        if slot != NONE {
            self.bits.0[slot as usize] |= set;
            return true;
        }
        self.fault(page, set);
        false
    }

    /// A miss: take a free slot or the policy's victim's, map `page` there
    /// with bits `set` (the faulting access) and hand the slot to the policy.
    #[inline]
    fn fault(&mut self, page: u32, set: u8) {
        let slot = if self.used < self.page_of.len() {
            self.used += 1;
            self.used - 1
        } else {
            let v = self.policy.victim(&mut self.bits).expect("resident pages");
            self.slot_of[self.page_of[v] as usize] = NONE;
            v
        };
        self.page_of[slot] = page;
        self.bits.0[slot] = set;
        self.slot_of[page as usize] = slot as u32;
        self.policy.insert(slot);
    }
}

impl Cache for Vm {
    fn access(&mut self, i: usize, page: u32, write: bool) -> bool {
        let hit = self.touch(page, write);
        if (i as u64 + 1).is_multiple_of(self.scan_every) {
            self.policy.scan(&mut self.bits);
        }
        hit
    }

    /// The trace in runs of `scan_every` references with a scan after each
    /// full run (for LRU; the other kinds never scan): the same as
    /// [`access`](Cache::access) one by one, without a counter per request.
    fn replay(&mut self, t: &Trace) -> u64 {
        let run = if self.policy.kind() == PolicyKind::Lru {
            usize::try_from(self.scan_every).unwrap_or(usize::MAX)
        } else {
            usize::MAX
        };
        let mut faults = 0;
        for (pages, writes) in t.pages.chunks(run).zip(t.writes.chunks(run)) {
            for (&p, &w) in pages.iter().zip(writes) {
                faults += u64::from(!self.touch(p, w));
            }
            if pages.len() == run {
                self.policy.scan(&mut self.bits);
            }
        }
        faults
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::generate;

    /// `replay` (runs of `scan_every` references, then a scan) decides
    /// exactly as `access` one reference at a time, also when the trace
    /// does not end on a run boundary.
    #[test]
    fn replay_in_runs_equals_access_one_by_one() {
        let t = generate(4_003, 300);
        for kind in PolicyKind::ALL {
            for (frames, scan_every) in [(1, 1), (7, 1), (70, 17), (150, 50), (299, 3)] {
                let mut one = Vm::new(kind, frames, t.distinct, scan_every);
                let mut want = 0;
                for (i, (&p, &w)) in t.pages.iter().zip(&t.writes).enumerate() {
                    want += u64::from(!one.access(i, p, w));
                }
                let mut runs = Vm::new(kind, frames, t.distinct, scan_every);
                assert_eq!(runs.replay(&t), want, "{kind} {frames} {scan_every}");
                assert_eq!(runs.policy.stats(), one.policy.stats());
            }
        }
    }
}
