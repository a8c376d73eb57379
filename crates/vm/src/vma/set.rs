//! The set of areas of one address space, kept in a B-tree keyed by start
//! address. Invariants after every public call: areas are page-aligned,
//! non-empty and disjoint, and each key equals its area's `start`.
//! Operations that fail return an error before changing anything.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::{Backing, Perm, Vma, VmaError};
use crate::{is_page_aligned, page_round_down, page_round_up};

pub struct VmaSet<B: Backing> {
    map: BTreeMap<usize, Vma<B>>,
}

impl<B: Backing> Default for VmaSet<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backing> VmaSet<B> {
    /// Const so a kernel can put an empty set in a static initializer.
    pub const fn new() -> Self {
        VmaSet {
            map: BTreeMap::new(),
        }
    }

    /// The area containing `addr`: the last one starting at or below it, if
    /// it reaches that far.
    pub fn find(&self, addr: usize) -> Option<&Vma<B>> {
        let (_, v) = self.map.range(..=addr).next_back()?;
        v.contains(addr).then_some(v)
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
    pub fn remove_range(&mut self, start: usize, end: usize) -> Vec<Vma<B>> {
        let start = page_round_down(start);
        let end = page_round_up(end).unwrap_or(page_round_down(usize::MAX));
        let mut removed = Vec::new();
        if start >= end {
            return removed;
        }
        self.split_at(start);
        self.split_at(end);
        let keys: Vec<usize> = self.map.range(start..end).map(|(k, _)| *k).collect();
        for k in keys {
            if let Some(v) = self.map.remove(&k) {
                removed.push(v);
            }
        }
        removed
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
        self.split_at(start);
        self.split_at(end);
        for (_, v) in self.map.range_mut(start..end) {
            v.perm = perm;
        }
        self.merge_around(start, end);
        Ok(())
    }

    /// Move the end of the area starting exactly at `start` (sbrk). Growth
    /// must not run into another area. The area keeps its identity (it is
    /// never merged here), so the kernel can keep addressing the heap by its
    /// start. Shrinking only edits the set: unmapping the pages in
    /// `[new_end, old_end)` is the caller's job. An area cannot shrink to
    /// nothing (Empty); remove it instead.
    pub fn set_end(&mut self, start: usize, new_end: usize) -> Result<(), VmaError> {
        if !is_page_aligned(new_end) {
            return Err(VmaError::Unaligned);
        }
        let old_end = self.map.get(&start).ok_or(VmaError::NotMapped)?.end;
        if new_end <= start {
            return Err(VmaError::Empty);
        }
        if new_end > old_end && self.overlaps(old_end, new_end) {
            return Err(VmaError::Overlap);
        }
        if let Some(v) = self.map.get_mut(&start) {
            v.end = new_end;
        }
        Ok(())
    }

    /// Move the start of the area starting exactly at `old_start`: downwards
    /// for stack growth (whether the bound allows it is the kernel's call),
    /// or upwards to drop its low part. Moving up advances the backing;
    /// moving down keeps it, which is only meaningful for anonymous areas.
    pub fn set_start(&mut self, old_start: usize, new_start: usize) -> Result<(), VmaError> {
        if !is_page_aligned(new_start) {
            return Err(VmaError::Unaligned);
        }
        let end = self.map.get(&old_start).ok_or(VmaError::NotMapped)?.end;
        if new_start >= end {
            return Err(VmaError::Empty);
        }
        if new_start < old_start && self.overlaps(new_start, old_start) {
            return Err(VmaError::Overlap);
        }
        if let Some(mut v) = self.map.remove(&old_start) {
            if new_start > old_start {
                v.backing = v.backing.offset_by(new_start - old_start);
            }
            v.start = new_start;
            self.map.insert(new_start, v);
        }
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

    /// Take every area out, in address order (exit/exec).
    pub fn drain(&mut self) -> Vec<Vma<B>> {
        core::mem::take(&mut self.map).into_values().collect()
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
        let keys: Vec<usize> = self.map.range(lo..=end).map(|(k, _)| *k).collect();
        for k in keys {
            while self.merge_with_next(k) {}
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
