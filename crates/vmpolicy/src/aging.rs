//! The index that makes LRU-by-aging's victim search cheap: resident frames
//! in 512 buckets by (class, age). Class 0 holds frames whose A bit has not
//! been seen set since the last scan, class 1 those seen set. Each bucket is
//! in load order (see `Policy::lru_victim` for why that holds), so the
//! front of the first non-empty bucket is the frame with the smallest
//! (A, age), oldest load first, without looking at every frame.
//!
//! Every scan rebuilds the index (every age changes), so the rebuild is the
//! hot loop of aging: [`AgeIndex::append`] is four stores and no
//! bookkeeping, and the emptiness bits are set once per scan by
//! [`AgeIndex::seal`].

use crate::links::Links;

pub(crate) const BUCKETS: usize = 512;
const WORDS: usize = BUCKETS / 64;

/// Bucket of a frame with `age` in class `seen` (A seen set).
#[inline]
pub(crate) fn bucket(seen: bool, age: u8) -> usize {
    usize::from(seen) * 256 + usize::from(age)
}

#[derive(Clone, Debug)]
pub(crate) struct AgeIndex {
    /// Circular bucket lists; nodes `cap..cap + BUCKETS` are the buckets'
    /// sentinels. A frame's bucket is not stored: when a removal leaves
    /// both neighbours sentinels, they are its bucket's sentinel, and the
    /// bucket is empty.
    links: Links,
    /// Bit b set: bucket b is not empty.
    nonempty: [u64; WORDS],
    cap: usize,
}

impl AgeIndex {
    pub(crate) fn new(cap: usize) -> Self {
        let mut x = AgeIndex {
            links: Links::new(cap + BUCKETS),
            nonempty: [0; WORDS],
            cap,
        };
        x.clear();
        x
    }

    /// Empties every bucket. Frames' links become garbage: each is relinked
    /// by `push` or `append` before it is used again (the policy re-adds
    /// every resident frame right after).
    pub(crate) fn clear(&mut self) {
        for s in self.cap..self.cap + BUCKETS {
            self.links.self_loop(s);
        }
        self.nonempty = [0; WORDS];
    }

    /// Appends `frame` (not linked) to bucket `b`, leaving the emptiness
    /// bits stale: call [`seal`](Self::seal) after a run of appends.
    #[inline]
    pub(crate) fn append(&mut self, frame: usize, b: usize) {
        self.links.link_before(frame, self.cap + b);
    }

    /// Puts `frame` (not linked) at the front of bucket `b`, leaving the
    /// emptiness bits stale like [`append`](Self::append).
    #[inline]
    pub(crate) fn prepend(&mut self, frame: usize, b: usize) {
        self.links.link_after(frame, self.cap + b);
    }

    /// Moves every class-1 bucket to the back of the class-0 bucket of the
    /// same age, leaving class 1 empty. The scan builds the back half of the
    /// load order in class 1 (see `Policy::scan`).
    pub(crate) fn splice_class1_after_class0(&mut self) {
        for age in 0..256 {
            let (s0, s1) = (self.cap + age, self.cap + 256 + age);
            let (first, last) = (self.links.next(s1), self.links.prev(s1));
            if first == s1 {
                continue;
            }
            let tail = self.links.prev(s0);
            self.links.set_next(tail, first);
            self.links.set_prev(first, tail);
            self.links.set_next(last, s0);
            self.links.set_prev(s0, last);
            self.links.self_loop(s1);
        }
    }

    /// Recomputes the emptiness bits after `append`s.
    pub(crate) fn seal(&mut self) {
        for b in 0..BUCKETS {
            let s = self.cap + b;
            if self.links.next(s) != s {
                self.nonempty[b / 64] |= 1 << (b % 64);
            }
        }
    }

    /// Appends `frame` (not linked) to bucket `b`.
    #[inline]
    pub(crate) fn push(&mut self, frame: usize, b: usize) {
        self.append(frame, b);
        self.nonempty[b / 64] |= 1 << (b % 64);
    }

    /// Unlinks `frame`, the front of bucket `b` (as [`first`](Self::first)
    /// gave them): the victim search's removals, cheaper than `remove`.
    #[inline(always)]
    pub(crate) fn remove_front(&mut self, b: usize, frame: usize) {
        let s = self.cap + b;
        debug_assert_eq!(self.links.next(s), frame);
        let n = self.links.next(frame);
        self.links.set_next(s, n);
        self.links.set_prev(n, s);
        if n == s {
            self.nonempty[b / 64] &= !(1 << (b % 64));
        }
    }

    /// Unlinks `frame`, which must be linked.
    #[inline]
    pub(crate) fn remove(&mut self, frame: usize) {
        let (p, n) = self.links.unlink(frame);
        if p >= self.cap && n >= self.cap {
            let b = p - self.cap;
            self.nonempty[b / 64] &= !(1 << (b % 64));
        }
    }

    /// The first non-empty bucket in `from..to` and its front frame.
    #[inline]
    pub(crate) fn first(&self, from: usize, to: usize) -> Option<(usize, usize)> {
        let mut w = from / 64;
        let mut bits = self.nonempty[w] & (!0u64 << (from % 64));
        loop {
            if bits != 0 {
                let b = w * 64 + bits.trailing_zeros() as usize;
                return (b < to).then(|| (b, self.links.next(self.cap + b)));
            }
            w += 1;
            if w * 64 >= to {
                return None;
            }
            bits = self.nonempty[w];
        }
    }
}
