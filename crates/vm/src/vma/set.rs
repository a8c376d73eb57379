//! The set of areas of one address space, kept in a B-tree keyed by start
//! address. Invariants after every public call: areas are page-aligned,
//! non-empty and disjoint, and each key equals its area's `start`.
//! Operations that fail return an error before changing anything.
//!
//! A set may have a limit on its number of areas (a process's, like Linux's
//! max_map_count): every operation that could end above it fails with
//! `TooMany` first. Apart from the B-tree's own nodes, the kernel-facing
//! operations allocate nothing, so tearing a space down cannot run out of
//! memory.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use super::{Backing, Perm, Vma, VmaError};
use crate::{is_page_aligned, page_round_down, page_round_up};

pub struct VmaSet<B: Backing> {
    map: BTreeMap<usize, Vma<B>>,
    /// Most areas the set may hold.
    limit: usize,
    /// Start of the area `find` last found: faults come in runs over one
    /// area, and a lookup by key is cheaper than the range search. Only a
    /// hint: whatever area (if any) starts there now is checked.
    last: AtomicUsize,
}

impl<B: Backing> Default for VmaSet<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backing> VmaSet<B> {
    /// Const so a kernel can put an empty set in a static initializer.
    pub const fn new() -> Self {
        Self::with_limit(usize::MAX)
    }

    /// An empty set that never holds more than `limit` areas.
    pub const fn with_limit(limit: usize) -> Self {
        VmaSet {
            map: BTreeMap::new(),
            limit,
            last: AtomicUsize::new(usize::MAX),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The area containing `addr`: the last one starting at or below it, if
    /// it reaches that far.
    pub fn find(&self, addr: usize) -> Option<&Vma<B>> {
        if let Some(v) = self.map.get(&self.last.load(Ordering::Relaxed)) {
            if v.contains(addr) {
                return Some(v);
            }
        }
        let (&start, v) = self.map.range(..=addr).next_back()?;
        if !v.contains(addr) {
            return None;
        }
        self.last.store(start, Ordering::Relaxed);
        Some(v)
    }

    pub fn find_mut(&mut self, addr: usize) -> Option<&mut Vma<B>> {
        let (_, v) = self.map.range_mut(..=addr).next_back()?;
        v.contains(addr).then_some(v)
    }

    /// Whether any area has a byte in `[start, end)`. Since areas are
    /// disjoint and sorted, only the last one starting below `end` can.
    pub fn overlaps(&self, start: usize, end: usize) -> bool {
        if start >= end {
            return false;
        }
        match self.map.range(..end).next_back() {
            Some((_, v)) => v.end > start,
            None => false,
        }
    }

    /// Add an area. It must be page-aligned, non-empty and free; it is then
    /// merged with neighbours it continues seamlessly (same perm and flags,
    /// backing says so), which keeps the set small for repeated mmaps.
    pub fn insert(&mut self, vma: Vma<B>) -> Result<(), VmaError> {
        if !is_page_aligned(vma.start) || !is_page_aligned(vma.end) {
            return Err(VmaError::Unaligned);
        }
        if vma.start >= vma.end {
            return Err(VmaError::Empty);
        }
        if self.overlaps(vma.start, vma.end) {
            return Err(VmaError::Overlap);
        }
        if self.map.len() >= self.limit && !self.would_merge(&vma) {
            return Err(VmaError::TooMany);
        }
        let (start, end) = (vma.start, vma.end);
        self.map.insert(start, vma);
        self.merge_around(start, end);
        Ok(())
    }

    /// Remove `[start, end)`, rounded outwards to pages so the set stays
    /// page-aligned (the kernel should already have rejected unaligned user
    /// input). Areas partly inside are split; their outside parts stay. The
    /// removed pieces come back in address order so the caller can unmap,
    /// write back and drop them. No area in the range is not an error.
    /// This allocates the vector; the kernel, which must not allocate while
    /// tearing down, calls [`Self::split_for_remove`] and
    /// [`Self::take_first_in`] itself.
    pub fn remove_range(&mut self, start: usize, end: usize) -> Result<Vec<Vma<B>>, VmaError> {
        let (start, end) = self.split_for_remove(start, end)?;
        let mut removed = Vec::new();
        while let Some(v) = self.take_first_in(start, end) {
            removed.push(v);
        }
        Ok(removed)
    }

    /// First step of a removal: round `[start, end)` outwards to pages and
    /// split the areas straddling its edges, so that the range holds whole
    /// areas only. Returns the rounded range. Fails with `TooMany`,
    /// changing nothing, if the set would end up over its limit.
    pub fn split_for_remove(
        &mut self,
        start: usize,
        end: usize,
    ) -> Result<(usize, usize), VmaError> {
        let start = page_round_down(start);
        let end = page_round_up(end).unwrap_or(page_round_down(usize::MAX));
        if start >= end {
            return Ok((start, start));
        }
        if self.len_after_remove(start, end) > self.limit.max(self.map.len()) {
            return Err(VmaError::TooMany);
        }
        self.split_at(start);
        self.split_at(end);
        Ok((start, end))
    }

    /// Take out the lowest area starting in `[start, end)`, if any.
    pub fn take_first_in(&mut self, start: usize, end: usize) -> Option<Vma<B>> {
        if start >= end {
            return None;
        }
        let k = *self.map.range(start..end).next()?.0;
        self.map.remove(&k)
    }

    /// How many areas the set would hold after removing the page-aligned
    /// `[start, end)`: one more for each edge that falls inside an area,
    /// one fewer for each area the range touches.
    pub fn len_after_remove(&self, start: usize, end: usize) -> usize {
        let inside = |a: usize| self.find(a).is_some_and(|v| v.start != a);
        let splits = inside(start) as usize + inside(end) as usize;
        let touched = match self.find(start) {
            Some(_) => 1,
            None => 0,
        } + self
            .map
            .range(start..end)
            .filter(|(k, _)| **k != start)
            .count();
        (self.map.len() + splits).saturating_sub(touched)
    }

    /// Set the permission of `[start, end)`, which must be page-aligned and
    /// entirely mapped (else the set is left unchanged). Areas are split at
    /// the edges, then neighbours that have become identical are merged.
    /// An empty range is a successful no-op, as mprotect's is.
    pub fn protect(&mut self, start: usize, end: usize, perm: Perm) -> Result<(), VmaError> {
        if !is_page_aligned(start) || !is_page_aligned(end) {
            return Err(VmaError::Unaligned);
        }
        if start > end {
            return Err(VmaError::Empty);
        }
        if start == end {
            return Ok(());
        }
        if !self.covers(start, end) {
            return Err(VmaError::NotMapped);
        }
        // An edge inside an area of another permission splits it for good;
        // other splits merge back below. Merges with outside neighbours are
        // not counted, so at the limit this errs on the side of refusing.
        let splits_for_good =
            |a: usize| self.find(a).is_some_and(|v| v.start != a && v.perm != perm);
        let splits = splits_for_good(start) as usize + splits_for_good(end) as usize;
        if splits > 0 && self.map.len() + splits > self.limit {
            return Err(VmaError::TooMany);
        }
        self.split_at(start);
        self.split_at(end);
        for (_, v) in self.map.range_mut(start..end) {
            v.perm = perm;
        }
        self.merge_around(start, end);
        Ok(())
    }

    /// The highest free page-aligned range of `len` bytes (rounded up to
    /// pages) inside `[lo, hi)`, returned as its start; mmap places areas
    /// top-down like Linux. A page-aligned `hint` whose range is free and
    /// inside the bounds wins.
    pub fn find_free(
        &self,
        len: usize,
        hint: Option<usize>,
        lo: usize,
        hi: usize,
    ) -> Option<usize> {
        let len = page_round_up(len)?;
        let lo = page_round_up(lo)?;
        let hi = page_round_down(hi);
        if len == 0 || lo >= hi || hi - lo < len {
            return None;
        }
        if let Some(addr) = hint {
            let inside = is_page_aligned(addr) && addr >= lo && addr <= hi - len;
            if inside && !self.overlaps(addr, addr + len) {
                return Some(addr);
            }
        }
        // Walk areas downwards from `hi`; `top` is the end of the current gap.
        let mut top = hi;
        for (_, v) in self.map.range(..hi).rev() {
            if v.end <= lo {
                break;
            }
            if v.end < top && top - v.end >= len {
                return Some(top - len);
            }
            top = top.min(v.start);
            if top < lo || top - lo < len {
                return None;
            }
        }
        (top >= lo && top - lo >= len).then(|| top - len)
    }

    /// Areas in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Vma<B>> {
        self.map.values()
    }

    /// Areas in address order, mutable (e.g. to mark a backing). Changing
    /// `start`/`end` through this breaks the set; don't.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Vma<B>> {
        self.map.values_mut()
    }

    /// Number of areas.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Take every area out, in address order (exit/exec). The iterator
    /// owns the areas; nothing is allocated.
    pub fn drain(&mut self) -> impl Iterator<Item = Vma<B>> + use<B> {
        core::mem::take(&mut self.map).into_values()
    }

    /// Whether `vma` (free and aligned) would merge with a neighbour on
    /// insert, so that the set would not grow.
    fn would_merge(&self, vma: &Vma<B>) -> bool {
        let seamless = |a: &Vma<B>, b: &Vma<B>| {
            a.perm == b.perm && a.flags == b.flags && a.backing.mergeable(a.len(), &b.backing)
        };
        let left = vma
            .start
            .checked_sub(1)
            .and_then(|a| self.find(a))
            .is_some_and(|l| seamless(l, vma));
        let right = self.map.get(&vma.end).is_some_and(|r| seamless(vma, r));
        left || right
    }

    /// Whether every byte of `[start, end)` is in some area.
    fn covers(&self, start: usize, end: usize) -> bool {
        let mut at = start;
        while at < end {
            match self.find(at) {
                Some(v) => at = v.end,
                None => return false,
            }
        }
        true
    }

    /// If `addr` falls strictly inside an area, cut it there into two areas
    /// with the same perm and flags; the upper one's backing is advanced.
    fn split_at(&mut self, addr: usize) {
        let Some(v) = self.find_mut(addr) else {
            return;
        };
        if v.start == addr {
            return;
        }
        let tail = Vma {
            start: addr,
            end: v.end,
            perm: v.perm,
            flags: v.flags,
            backing: v.backing.offset_by(addr - v.start),
        };
        v.end = addr;
        self.map.insert(addr, tail);
    }

    /// Merge, left to right, every mergeable adjacent pair among the areas
    /// from the one ending at `start` to the one starting at `end`.
    fn merge_around(&mut self, start: usize, end: usize) {
        let lo = match start.checked_sub(1).and_then(|a| self.find(a)) {
            Some(v) => v.start,
            None => start,
        };
        // Walk the keys without collecting them: a merge only removes the
        // key after `k`, so the next key above `k` is still the right one.
        let mut next = self.map.range(lo..=end).next().map(|(k, _)| *k);
        while let Some(k) = next {
            while self.merge_with_next(k) {}
            if k >= end {
                break;
            }
            next = self.map.range(k + 1..=end).next().map(|(k, _)| *k);
        }
    }

    /// Absorb the area that starts where the one at `key` ends, if they can
    /// be one area. Returns whether it did.
    fn merge_with_next(&mut self, key: usize) -> bool {
        let Some(v) = self.map.get(&key) else {
            return false;
        };
        let Some(next) = self.map.get(&v.end) else {
            return false;
        };
        if v.perm != next.perm
            || v.flags != next.flags
            || !v.backing.mergeable(v.len(), &next.backing)
        {
            return false;
        }
        let next_key = v.end;
        let next_end = next.end;
        self.map.remove(&next_key);
        if let Some(v) = self.map.get_mut(&key) {
            v.end = next_end;
        }
        true
    }
}
