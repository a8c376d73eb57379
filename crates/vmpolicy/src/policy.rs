//! [`Policy`]: the resident set of one replacement domain and the four
//! victim-choosing algorithms over it. One struct for all four kinds, so
//! switching kind at run time is a field change: the resident set and its
//! order are kept and nothing is allocated.

use crate::aging::{bucket, AgeIndex, BUCKETS};
use crate::{AccessBits, FrameList, PolicyKind, Stats};
use alloc::vec;
use alloc::vec::Vec;

/// A replacement policy over frames `0..capacity`. See the crate docs for
/// the contract.
#[derive(Clone, Debug)]
pub struct Policy {
    kind: PolicyKind,
    /// Resident (evictable) frames. FIFO and LRU: load order, oldest first.
    /// Clock and Enhanced Clock: the circle, front = where the hand points.
    list: FrameList,
    /// LRU aging counters; 0 for a newly inserted frame. Enhanced Clock
    /// marks its candidates here (`ECLOCK_CANDIDATE`).
    age: Vec<u8>,
    /// LRU: the resident frames by (A seen, age), kept while the kind is
    /// `Lru` and rebuilt when it becomes `Lru`. Enhanced Clock: bucket 0
    /// holds the frames that may be (A=0, D=0), in circle order.
    index: AgeIndex,
    stats: Stats,
}

impl Policy {
    /// A policy of `kind` for frames `0..capacity`, with nothing resident.
    /// Allocates; no other method does.
    pub fn new(kind: PolicyKind, capacity: usize) -> Self {
        Policy {
            kind,
            list: FrameList::new(capacity),
            age: vec![0; capacity],
            index: AgeIndex::new(capacity),
            stats: Stats::default(),
        }
    }

    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// `fifo`, `lru`, `clock` or `eclock`.
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// Switches to `kind`, keeping the resident set and its order (which
    /// becomes the new policy's load order or clock circle, front first).
    /// Ages restart at 0. The counters are kept.
    pub fn set_kind(&mut self, kind: PolicyKind) {
        if kind == self.kind {
            return;
        }
        self.kind = kind;
        for f in 0..self.age.len() {
            self.age[f] = 0;
        }
        match kind {
            PolicyKind::Lru => self.rebuild_index(),
            // Nothing is known of the bits: every frame may be (0,0).
            PolicyKind::EClock => {
                self.index.clear();
                let mut node = self.list.front();
                while let Some(f) = node {
                    self.eclock_candidate(f);
                    node = self.list.next_of(f);
                }
            }
            _ => {}
        }
    }

    /// Puts every resident frame in its class-0 bucket, in load order.
    fn rebuild_index(&mut self) {
        let mut ix = self.index.rebuild();
        for f in self.list.iter() {
            ix.append(f, bucket(false, self.age[f]));
        }
        self.index.seal();
    }

    pub fn capacity(&self) -> usize {
        self.list.capacity()
    }

    /// Number of resident (evictable) frames.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn contains(&self, frame: usize) -> bool {
        self.list.contains(frame)
    }

    /// The resident frames in policy order: load order for FIFO and LRU,
    /// the circle starting at the hand for Clock and Enhanced Clock.
    pub fn iter(&self) -> crate::list::Iter<'_> {
        self.list.iter()
    }

    /// `frame`'s LRU age, if resident (0 under Enhanced Clock, which keeps
    /// its own marks there; kept, but unused, by FIFO and Clock).
    pub fn age(&self, frame: usize) -> Option<u8> {
        self.contains(frame).then(|| match self.kind {
            PolicyKind::EClock => 0,
            _ => self.age[frame],
        })
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// `frame` became resident and evictable: it goes to the back of the
    /// load order, or just behind the clock hand, with age 0. False (nothing
    /// changes) if it is out of range or already resident.
    #[inline]
    pub fn insert(&mut self, frame: usize) -> bool {
        if !self.list.push_back(frame) {
            return false;
        }
        self.age[frame] = 0;
        match self.kind {
            PolicyKind::Lru => self.index.push(frame, bucket(false, 0)),
            // Its bits are not known yet.
            PolicyKind::EClock => self.eclock_candidate(frame),
            _ => {}
        }
        true
    }

    /// `frame` stops being evictable (freed, unmapped, pinned). False if it
    /// was not resident.
    pub fn remove(&mut self, frame: usize) -> bool {
        if !self.list.remove(frame) {
            return false;
        }
        self.forget_indexed(frame);
        true
    }

    /// Takes `frame`, just out of the resident list, out of the index too
    /// if it is there (every frame under LRU; a candidate under Enhanced
    /// Clock).
    fn forget_indexed(&mut self, frame: usize) {
        match self.kind {
            PolicyKind::Lru => self.index.remove(frame),
            PolicyKind::EClock if self.age[frame] == ECLOCK_CANDIDATE => {
                self.index.remove(frame);
                self.age[frame] = 0;
            }
            _ => {}
        }
    }

    /// Chooses a victim, removes it from the resident set and returns it;
    /// None if nothing is resident. Clock and Enhanced Clock clear A bits on
    /// the way (through `hw`). If the caller cannot evict the frame after
    /// all, it calls [`insert`](Self::insert) to put it back.
    pub fn victim<A: AccessBits + ?Sized>(&mut self, hw: &mut A) -> Option<usize> {
        if self.list.is_empty() {
            return None;
        }
        let clears = self.stats.a_clears;
        let v = match self.kind {
            PolicyKind::Fifo => self.list.pop_front()?,
            PolicyKind::Lru => {
                let v = self.lru_victim(&*hw)?;
                self.list.remove(v);
                v
            }
            // Both leave the victim at the front (the hand).
            PolicyKind::Clock => {
                self.clock_victim(hw);
                self.list.pop_front()?
            }
            PolicyKind::EClock => {
                self.eclock_victim(hw);
                let v = self.list.pop_front()?;
                // Only if no pass found one and the hand's frame is taken.
                self.forget_indexed(v);
                v
            }
        };
        self.stats.evictions += 1;
        if self.stats.a_clears != clears {
            hw.end_batch();
        }
        Some(v)
    }

    /// The periodic scan. LRU: for every resident frame, shift its A bit
    /// into the top of its age and clear A. Other kinds: nothing (and it is
    /// not counted).
    pub fn scan<A: AccessBits + ?Sized>(&mut self, hw: &mut A) {
        if self.kind != PolicyKind::Lru {
            return;
        }
        self.stats.scans += 1;
        // The index is rebuilt in the same pass, in load order. This is most
        // of aging's cost (every resident frame, every scan), and following
        // the list is a chain of dependent loads that miss the cache on big
        // lists. So two walkers go at once, from the front and from the
        // back, two independent chains: the front half is appended to the
        // class-0 buckets, the back half, walking backwards, is prepended to
        // the class-1 buckets (empty after a scan), and each class-1 bucket
        // is then spliced after its class-0 twin: load order in every bucket.
        let n = self.list.len();
        let s = self.list.sentinel();
        let (mut a, mut b) = (self.list.raw_next(s), self.list.raw_prev(s));
        let cap = self.age.len();
        let age = &mut self.age[..cap];
        let (next, prev) = self.list.frame_links();
        let mut ix = self.index.rebuild();
        let mut cleared = 0u64;
        for _ in 0..n / 2 {
            // Always true for a sound list; it also tells the compiler that
            // every index below is in range.
            if a >= cap || b >= cap || ix.next.len() != cap {
                break;
            }
            let (ha, hb) = (hw.test_and_clear_accessed(a), hw.test_and_clear_accessed(b));
            cleared += u64::from(ha) + u64::from(hb);
            let age_a = (age[a] >> 1) | (u8::from(ha) << 7);
            let age_b = (age[b] >> 1) | (u8::from(hb) << 7);
            age[a] = age_a;
            age[b] = age_b;
            ix.append(a, bucket(false, age_a));
            ix.prepend(b, bucket(true, age_b));
            a = next[a] as usize;
            b = prev[b] as usize;
        }
        if n % 2 == 1 && a < cap && ix.next.len() == cap {
            let ha = hw.test_and_clear_accessed(a);
            cleared += u64::from(ha);
            let age_a = (age[a] >> 1) | (u8::from(ha) << 7);
            age[a] = age_a;
            ix.append(a, bucket(false, age_a));
        }
        self.index.splice_class1_after_class0();
        self.index.seal();
        self.stats.a_clears += cleared;
        if cleared != 0 {
            hw.end_batch();
        }
    }

    /// Smallest (A, age): a frame used since the last scan counts as newer
    /// than any age, so a page just loaded is not the next victim. Ties go
    /// to the oldest load.
    ///
    /// The index keeps class 0 (A not seen set since the scan) by age, each
    /// bucket in load order: the scan pushes frames in load order, and an
    /// insert (age 0, newest load) goes to the back of bucket 0. Walk it from
    /// the front: a frame whose A is now set moves to the back of its class-1
    /// bucket, and the first frame with A clear is the victim. A frames are
    /// only set between scans, so each frame moves at most once per scan,
    /// and frames reach a class-1 bucket in the order the walk meets them,
    /// which within one age is load order. If class 0 runs out, the victim
    /// is the front of class 1: smallest age, oldest load.
    ///
    /// Returns the victim, already out of the index.
    fn lru_victim<A: AccessBits + ?Sized>(&mut self, hw: &A) -> Option<usize> {
        while let Some((b, f)) = self.index.first(0, 256) {
            self.index.remove_front(b, f);
            if !hw.accessed(f) {
                return Some(f);
            }
            self.index.push(f, bucket(true, self.age[f]));
        }
        let (b, f) = self.index.first(256, BUCKETS)?;
        self.index.remove_front(b, f);
        Some(f)
    }

    /// Second chance: at the hand, A set -> clear it and move on; A clear ->
    /// that is the victim, and the hand stops just past it. After one turn
    /// every A is clear, so two turns always find one; if another hart keeps
    /// setting bits, the frame at the hand after two turns is taken anyway.
    /// Leaves the victim at the front, for the caller to pop.
    ///
    /// The hand walks the links without moving anything, skipping the
    /// sentinel, and the circle is turned once at the end (the frames
    /// passed go to the back, in order): the same as moving each passed
    /// frame to the back, for one relink instead of one per step.
    fn clock_victim<A: AccessBits + ?Sized>(&mut self, hw: &mut A) {
        let s = self.list.sentinel();
        let mut f = self.list.raw_next(s);
        let mut cleared = 0u64;
        for _ in 0..2 * self.list.len() {
            if f == s {
                f = self.list.raw_next(s);
            }
            if !hw.test_and_clear_accessed(f) {
                break;
            }
            cleared += 1;
            f = self.list.raw_next(f);
        }
        if f == s {
            f = self.list.raw_next(s);
        }
        self.stats.a_clears += cleared;
        self.list.rotate_to_front(f);
    }

    /// Enhanced Clock, the textbook passes from the hand:
    /// 1. look one turn for (A=0, D=0), changing nothing;
    /// 2. look one turn for (0, 1), clearing A of every frame passed;
    /// 3. and 4. repeat 1 and 2: every A is clear now, so one of them finds a
    ///    victim (unless another hart keeps setting bits, when the frame at
    ///    the hand is taken).
    ///
    /// Leaves the victim at the front (the hand), for the caller to pop, so
    /// the hand stops just past it. The kernel writes a dirty victim back
    /// before reusing its frame (the policy never clears D).
    ///
    /// Pass 1 does not walk the circle. It reads only the *candidates*: the
    /// frames that may be (0,0), kept in circle order in the index's bucket
    /// 0 (see [`EClock's candidates`](Self::eclock_candidate)). The
    /// hardware only ever sets A and D, so a frame once seen with either set
    /// cannot be (0,0) until this policy clears its A, in pass 2, which
    /// makes it a candidate again if it is clean. Each candidate read and
    /// found used or dirty leaves the list. So pass 1 costs one read per
    /// candidate dropped, not one per resident frame: without this, a
    /// machine whose pages are all dirty (anonymous memory) read every
    /// frame's bits, through the reverse map, for every victim.
    ///
    /// Pass 2 is the clock hand over the circle, as Clock's: each step
    /// clears an A bit or stops.
    fn eclock_victim<A: AccessBits + ?Sized>(&mut self, hw: &mut A) {
        for _ in 0..2 {
            while let Some((_, f)) = self.index.first(0, 1) {
                self.index.remove_front(0, f);
                self.age[f] = 0;
                if !hw.accessed(f) && !hw.dirty(f) {
                    self.list.rotate_to_front(f);
                    return;
                }
            }
            // No (0,0) frame: so no candidate either, and those pass 2 makes
            // are appended in the order it passes them, which is their
            // circle order once the hand has moved past them.
            let mut node = self.list.front();
            while let Some(f) = node {
                if !hw.test_and_clear_accessed(f) {
                    self.list.rotate_to_front(f);
                    return;
                }
                self.stats.a_clears += 1;
                if !hw.dirty(f) {
                    self.eclock_candidate(f);
                }
                node = self.list.next_of(f);
            }
        }
    }

    /// Enhanced Clock: `frame` may be (0,0): put it at the back of the
    /// candidates (bucket 0 of the index), marked by age 1. Every resident
    /// frame that is (0,0) is a candidate, and the candidates are in circle
    /// order (front nearest the hand): a new frame joins at the back of
    /// both; pass 2 appends the frames it clears in the order it passes
    /// them, and the hand then moves past them, to the back of the circle.
    fn eclock_candidate(&mut self, frame: usize) {
        self.index.push(frame, 0);
        self.age[frame] = ECLOCK_CANDIDATE;
    }
}

/// Enhanced Clock's mark, in `age`, of a frame on its candidate list.
const ECLOCK_CANDIDATE: u8 = 1;
