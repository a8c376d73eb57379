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
    /// The frames' `prev` links are stale: a rebuild sets only `next`
    /// (and the sentinels' links). Everything but a general
    /// [`remove`](Self::remove) works without them; that one relinks them
    /// all first.
    stale_prev: bool,
    cap: usize,
}

impl AgeIndex {
    pub(crate) fn new(cap: usize) -> Self {
        let mut x = AgeIndex {
            links: Links::new(cap + BUCKETS),
            nonempty: [0; WORDS],
            stale_prev: false,
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
        self.stale_prev = false;
    }

    /// Empties every bucket and returns the view the scan refills them
    /// through; call [`splice_class1_after_class0`] and [`seal`] after.
    ///
    /// [`splice_class1_after_class0`]: Self::splice_class1_after_class0
    /// [`seal`]: Self::seal
    #[inline]
    pub(crate) fn rebuild(&mut self) -> Rebuild<'_> {
        self.clear();
        self.stale_prev = true;
        let cap = self.cap;
        let (next, prev) = self.links.arrays_mut();
        let (next, snext) = next.split_at_mut(cap);
        let (_, sprev) = prev.split_at_mut(cap);
        // `links` has cap + BUCKETS nodes, by construction.
        let (Some(snext), Some(sprev)) = (
            snext.first_chunk_mut::<BUCKETS>(),
            sprev.first_chunk_mut::<BUCKETS>(),
        ) else {
            unreachable!("AgeIndex: links of cap + BUCKETS nodes")
        };
        Rebuild { next, snext, sprev }
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

    /// Ends a [`rebuild`](Self::rebuild): closes each bucket's chain (its
    /// last frame's `next` back to the sentinel, which appends leave out)
    /// and recomputes the emptiness bits.
    pub(crate) fn seal(&mut self) {
        for b in 0..BUCKETS {
            let s = self.cap + b;
            if self.links.next(s) != s {
                let tail = self.links.prev(s);
                self.links.set_next(tail, s);
                self.nonempty[b / 64] |= 1 << (b % 64);
            }
        }
    }

    /// Sets every linked frame's `prev` from the `next` chains: O(frames
    /// linked), once after a rebuild, and only if something is removed
    /// from the middle of a bucket.
    fn fix_prev(&mut self) {
        for b in 0..BUCKETS {
            let s = self.cap + b;
            let (mut p, mut n) = (s, self.links.next(s));
            // Bounded even if the links were inconsistent.
            for _ in 0..self.cap {
                if n == s {
                    break;
                }
                self.links.set_prev(n, p);
                (p, n) = (n, self.links.next(n));
            }
        }
        self.stale_prev = false;
    }

    /// Appends `frame` (not linked) to bucket `b`.
    #[inline]
    pub(crate) fn push(&mut self, frame: usize, b: usize) {
        self.links.link_before(frame, self.cap + b);
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
        if self.stale_prev {
            self.fix_prev();
        }
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

/// The index's links split for the scan's hot loop: the frames' links
/// (`0..cap`) apart from the buckets' sentinels (node `cap + b` is entry
/// `b`), so that, given one check that a frame is below `cap`, every index
/// below is known in range and the loop carries no bounds checks.
///
/// It writes as little as it can, as the scan touches every frame: the
/// frames' `prev` links not at all (the index marks them stale), and an
/// append only the `next` of the bucket's last frame, a line the walk
/// touched a moment ago. The last frame's own `next` and the emptiness
/// bits are set by [`AgeIndex::seal`].
pub(crate) struct Rebuild<'a> {
    pub(crate) next: &'a mut [u32],
    snext: &'a mut [u32; BUCKETS],
    sprev: &'a mut [u32; BUCKETS],
}

impl Rebuild<'_> {
    /// Appends `frame` (below `cap`, not linked) to bucket `b`.
    #[inline(always)]
    pub(crate) fn append(&mut self, frame: usize, b: usize) {
        let cap = self.next.len();
        let t = self.sprev[b % BUCKETS] as usize;
        if t < cap {
            self.next[t] = frame as u32;
        } else {
            // The bucket was empty: its sentinel is its own tail.
            self.snext[b % BUCKETS] = frame as u32;
        }
        self.sprev[b % BUCKETS] = frame as u32;
    }

    /// Puts `frame` (below `cap`, not linked) at the front of bucket `b`.
    #[inline(always)]
    pub(crate) fn prepend(&mut self, frame: usize, b: usize) {
        let cap = self.next.len();
        let h = self.snext[b % BUCKETS] as usize;
        if h >= cap {
            // The bucket was empty: `frame` is also its last.
            self.sprev[b % BUCKETS] = frame as u32;
        }
        self.next[frame] = h as u32;
        self.snext[b % BUCKETS] = frame as u32;
    }
}
