//! The two policies that see every reference: exact LRU and OPT.

use super::Cache;
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
/// (never used again counts as farthest; among several such pages any
/// choice gives the same faults). An indexed binary max-heap of the
/// resident pages keyed by next use: a hit raises the page's key (its next
/// use moves from now to later), a fault replaces the top. O(log frames)
/// per reference, and the heap never holds more than `frames` entries, so
/// it stays in cache.
pub struct Opt<'a> {
    next: &'a [u32],
    /// (next use, page), the farthest next use at index 0.
    heap: Vec<(u32, u32)>,
    /// Per page: its index in `heap`, or NOT_IN if not resident.
    pos: Vec<u32>,
    frames: usize,
}

const NOT_IN: u32 = u32::MAX;

impl<'a> Opt<'a> {
    /// `next` is [`next_uses`] of the trace to be replayed.
    pub fn new(frames: usize, next: &'a [u32], distinct: usize) -> Self {
        Opt {
            next,
            heap: Vec::with_capacity(frames.min(distinct)),
            pos: vec![NOT_IN; distinct],
            frames,
        }
    }

    /// Moves the entry at `i` towards the top while its key is larger
    /// than its parent's.
    fn sift_up(&mut self, mut i: usize) {
        let e = self.heap[i];
        while i > 0 {
            let up = (i - 1) / 2;
            let p = self.heap[up];
            if p.0 >= e.0 {
                break;
            }
            self.put(i, p);
            i = up;
        }
        self.put(i, e);
    }

    /// Moves the entry at `i` down while a child has a larger key.
    fn sift_down(&mut self, mut i: usize) {
        let e = self.heap[i];
        let n = self.heap.len();
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let c = if l + 1 < n && self.heap[l + 1].0 > self.heap[l].0 {
                l + 1
            } else {
                l
            };
            let ch = self.heap[c];
            if ch.0 <= e.0 {
                break;
            }
            self.put(i, ch);
            i = c;
        }
        self.put(i, e);
    }

    /// Stores entry `e` at heap index `i` and records where its page is.
    fn put(&mut self, i: usize, e: (u32, u32)) {
        self.heap[i] = e;
        self.pos[e.1 as usize] = i as u32;
    }
}

impl Cache for Opt<'_> {
    fn access(&mut self, i: usize, page: u32, _w: bool) -> bool {
        let p = page as usize;
        let nu = self.next[i];
        let at = self.pos[p];
        if at != NOT_IN {
            // Its key was `i` (this reference); now it is `nu`, later.
            self.heap[at as usize].0 = nu;
            self.sift_up(at as usize);
            return true;
        }
        if self.heap.len() >= self.frames {
            let victim = self.heap[0].1;
            self.pos[victim as usize] = NOT_IN;
            self.heap[0] = (nu, page);
            self.sift_down(0);
        } else {
            self.heap.push((nu, page));
            self.sift_up(self.heap.len() - 1);
        }
        false
    }
}
