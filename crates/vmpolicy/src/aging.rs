//! The index that makes LRU-by-aging's victim search cheap: resident frames
//! in 512 buckets by (class, age). Class 0 holds frames whose A bit has not
//! been seen set since the last scan, class 1 those seen set. Each bucket is
//! in load order (see `Policy::lru_victim` for why that holds), so the
//! front of the first non-empty bucket is the frame with the smallest
//! (A, age), oldest load first, without looking at every frame.

use alloc::vec;
use alloc::vec::Vec;

const NONE: u32 = u32::MAX;
pub(crate) const BUCKETS: usize = 512;
const WORDS: usize = BUCKETS / 64;

/// Bucket of a frame with `age` in class `seen` (A seen set).
pub(crate) fn bucket(seen: bool, age: u8) -> usize {
    usize::from(seen) * 256 + usize::from(age)
}

#[derive(Clone, Debug)]
pub(crate) struct AgeIndex {
    /// Links; nodes `cap..cap + BUCKETS` are the buckets' sentinels.
    next: Vec<u32>,
    prev: Vec<u32>,
    /// Each linked frame's bucket.
    at: Vec<u16>,
    /// Bit b set: bucket b is not empty.
    nonempty: [u64; WORDS],
    cap: usize,
}

impl AgeIndex {
    pub(crate) fn new(cap: usize) -> Self {
        let mut x = AgeIndex {
            next: vec![NONE; cap + BUCKETS],
            prev: vec![NONE; cap + BUCKETS],
            at: vec![0; cap],
            nonempty: [0; WORDS],
            cap,
        };
        x.clear();
        x
    }

    /// Empties every bucket. Frames' links become garbage: each is relinked
    /// by `push` before it is used again (the policy re-pushes every
    /// resident frame right after).
    pub(crate) fn clear(&mut self) {
        for b in 0..BUCKETS {
            let s = self.cap + b;
            self.next[s] = s as u32;
            self.prev[s] = s as u32;
        }
        self.nonempty = [0; WORDS];
    }

    /// Appends `frame` (not linked) to bucket `b`.
    pub(crate) fn push(&mut self, frame: usize, b: usize) {
        let s = self.cap + b;
        let p = self.prev[s] as usize;
        self.next[p] = frame as u32;
        self.prev[frame] = p as u32;
        self.next[frame] = s as u32;
        self.prev[s] = frame as u32;
        self.at[frame] = b as u16;
        self.nonempty[b / 64] |= 1 << (b % 64);
    }

    /// Unlinks `frame`, which must be linked.
    pub(crate) fn remove(&mut self, frame: usize) {
        let (p, n) = (self.prev[frame] as usize, self.next[frame] as usize);
        self.next[p] = n as u32;
        self.prev[n] = p as u32;
        let b = usize::from(self.at[frame]);
        let s = self.cap + b;
        if self.next[s] as usize == s {
            self.nonempty[b / 64] &= !(1 << (b % 64));
        }
    }

    /// The front frame of the first non-empty bucket in `from..to`.
    pub(crate) fn first(&self, from: usize, to: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut bits = self.nonempty[w] & (!0u64 << (from % 64));
        loop {
            if bits != 0 {
                let b = w * 64 + bits.trailing_zeros() as usize;
                return (b < to).then(|| self.next[self.cap + b] as usize);
            }
            w += 1;
            if w * 64 >= to {
                return None;
            }
            bits = self.nonempty[w];
        }
    }
}
