//! The two policies that see every reference: exact LRU and OPT.

use super::Cache;
use std::collections::BinaryHeap;
use vmpolicy::FrameList;

/// Exact LRU: a list from least to most recently used; a hit moves the page
/// to the back, a fault evicts the front.
pub struct LruExact {
    list: FrameList,
    frames: usize,
}

impl LruExact {
    pub fn new(frames: usize, distinct: usize) -> Self {
        LruExact {
            list: FrameList::new(distinct),
            frames,
        }
    }
}

impl Cache for LruExact {
    fn access(&mut self, _i: usize, page: u32, _w: bool) -> bool {
        let p = page as usize;
        if self.list.move_to_back(p) {
            return true;
        }
        if self.list.len() >= self.frames {
            self.list.pop_front();
        }
        self.list.push_back(p);
        false
    }
}

/// Never used again.
const NEVER: u32 = u32::MAX;

/// For each reference, the index of the next reference to the same page, or
/// NEVER. One backward pass.
pub fn next_uses(pages: &[u32], distinct: usize) -> Vec<u32> {
    let mut last = vec![NEVER; distinct];
    let mut next = vec![NEVER; pages.len()];
    for i in (0..pages.len()).rev() {
        let p = pages[i] as usize;
        next[i] = last[p];
        last[p] = i as u32;
    }
    next
}

/// Belady's MIN: evict the resident page whose next use is farthest away
/// (never used again counts as farthest). A max-heap of (next use, page)
/// with lazy deletion: an entry is live only while it matches the page's
/// current next use, so each reference costs O(log n).
pub struct Opt<'a> {
    next: &'a [u32],
    /// The current next use of each resident page; None if not resident.
    cur: Vec<Option<u32>>,
    heap: BinaryHeap<(u32, u32)>,
    resident: usize,
    frames: usize,
}

impl<'a> Opt<'a> {
    /// `next` is [`next_uses`] of the trace to be replayed.
    pub fn new(frames: usize, next: &'a [u32], distinct: usize) -> Self {
        Opt {
            next,
            cur: vec![None; distinct],
            heap: BinaryHeap::new(),
            resident: 0,
            frames,
        }
    }
}

impl Cache for Opt<'_> {
    fn access(&mut self, i: usize, page: u32, _w: bool) -> bool {
        let p = page as usize;
        let nu = self.next[i];
        let hit = self.cur[p].is_some();
        if !hit {
            if self.resident >= self.frames {
                while let Some((u, q)) = self.heap.pop() {
                    if self.cur[q as usize] == Some(u) {
                        self.cur[q as usize] = None;
                        self.resident -= 1;
                        break;
                    }
                }
            }
            self.resident += 1;
        }
        self.cur[p] = Some(nu);
        self.heap.push((nu, page));
        hit
    }
}
