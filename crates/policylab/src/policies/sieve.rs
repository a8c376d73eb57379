//! SIEVE (Zhang et al., NSDI 2024), simulator-only. A FIFO queue that never
//! reorders: a hit only sets the page's visited bit. To evict, a hand walks
//! from the oldest page towards the newest, clearing visited bits, and takes
//! the first page without one; the hand stays there for the next eviction,
//! wrapping to the oldest. New pages enter at the newest end.

use super::Cache;
use vmpolicy::FrameList;

pub struct Sieve {
    /// Oldest at the front.
    list: FrameList,
    visited: Vec<bool>,
    hand: Option<usize>,
    frames: usize,
}

impl Sieve {
    pub fn new(frames: usize, distinct: usize) -> Self {
        Sieve {
            list: FrameList::new(distinct),
            visited: vec![false; distinct],
            hand: None,
            frames,
        }
    }

    fn evict(&mut self) {
        let mut h = self.hand.or(self.list.front()).expect("resident pages");
        while self.visited[h] {
            self.visited[h] = false;
            h = self
                .list
                .next_of(h)
                .or(self.list.front())
                .expect("resident");
        }
        self.hand = self.list.next_of(h);
        self.list.remove(h);
    }
}

impl Cache for Sieve {
    fn access(&mut self, _i: usize, page: u32, _w: bool) -> bool {
        let p = page as usize;
        if self.list.contains(p) {
            self.visited[p] = true;
            return true;
        }
        if self.list.len() >= self.frames {
            self.evict();
        }
        self.list.push_back(p);
        self.visited[p] = false;
        false
    }
}
