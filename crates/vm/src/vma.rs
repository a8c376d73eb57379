//! Virtual memory areas: what a process has asked to be mapped, as opposed
//! to what the page table currently holds. Page faults consult the area set
//! to decide whether (and how) to make a page; mmap, munmap, mprotect, sbrk
//! and stack growth edit it. The types here are plain data; the set itself
//! lives in `vma/set.rs`.

use core::ops::{BitAnd, BitOr, BitOrAssign};

mod set;
#[cfg(test)]
mod tests;

pub use set::VmaSet;

/// Access permission of an area. Hand-written rather than `bitflags` so the
/// crate stays dependency-free. The bit values equal `PROT_READ`,
/// `PROT_WRITE` and `PROT_EXEC`, which makes [`Perm::from_prot`] a mask.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Perm(u8);

impl Perm {
    pub const NONE: Perm = Perm(0);
    pub const R: Perm = Perm(1);
    pub const W: Perm = Perm(2);
    pub const X: Perm = Perm(4);
    const ALL: u8 = 7;

    /// Whether every permission in `other` is also in `self`.
    pub fn contains(self, other: Perm) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// From mmap/mprotect's `prot` (PROT_READ=1, PROT_WRITE=2, PROT_EXEC=4).
    /// Unknown bits are dropped; the syscall layer rejects them if it cares.
    pub fn from_prot(prot: usize) -> Perm {
        Perm((prot & Self::ALL as usize) as u8)
    }

    /// The Sv39 leaf R/W/X bits for this permission (without V, U, COW...).
    /// The PTE has R, W, X at bits 1, 2, 3: the same order, one place up.
    pub fn pte_bits(self) -> u64 {
        (self.0 as u64) << 1
    }
}

impl BitOr for Perm {
    type Output = Perm;
    fn bitor(self, rhs: Perm) -> Perm {
        Perm(self.0 | rhs.0)
    }
}

impl BitOrAssign for Perm {
    fn bitor_assign(&mut self, rhs: Perm) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for Perm {
    type Output = Perm;
    fn bitand(self, rhs: Perm) -> Perm {
        Perm(self.0 & rhs.0)
    }
}

/// What kind of area this is, beyond its permission.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VmaFlags(u8);

impl VmaFlags {
    pub const NONE: VmaFlags = VmaFlags(0);
    /// MAP_SHARED: writes go to the file (and other mappers), and fork
    /// shares the frames instead of marking them copy-on-write.
    pub const SHARED: VmaFlags = VmaFlags(1);
    /// The user stack: the kernel may extend it downwards on a fault,
    /// within its bound.
    pub const STACK: VmaFlags = VmaFlags(2);
    /// The sbrk heap: grown by inserting areas that merge with it, shrunk by
    /// unmapping its top.
    pub const HEAP: VmaFlags = VmaFlags(4);

    pub fn contains(self, other: VmaFlags) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn bits(self) -> u8 {
        self.0
    }
}

impl BitOr for VmaFlags {
    type Output = VmaFlags;
    fn bitor(self, rhs: VmaFlags) -> VmaFlags {
        VmaFlags(self.0 | rhs.0)
    }
}

impl BitOrAssign for VmaFlags {
    fn bitor_assign(&mut self, rhs: VmaFlags) {
        self.0 |= rhs.0;
    }
}

/// What backs an area. The kernel instantiates it with its own type (for
/// files it holds an inode reference), so the set is generic.
pub trait Backing: Clone {
    /// The backing of the part of an area that starts `bytes` into it
    /// (a file backing advances its file offset; anonymous is unchanged).
    fn offset_by(&self, bytes: usize) -> Self;
    /// Whether an area with this backing and length `len` can be merged with
    /// `next`, which starts exactly where it ends (same file and contiguous
    /// offsets, or both anonymous).
    fn mergeable(&self, len: usize, next: &Self) -> bool;
}

/// The unit type is the simplest backing: anonymous memory only.
impl Backing for () {
    fn offset_by(&self, _bytes: usize) -> Self {}
    fn mergeable(&self, _len: usize, _next: &Self) -> bool {
        true
    }
}

/// One area: the page-aligned range `[start, end)`.
#[derive(Clone, Debug)]
pub struct Vma<B> {
    pub start: usize,
    pub end: usize,
    pub perm: Perm,
    pub flags: VmaFlags,
    pub backing: B,
}

impl<B> Vma<B> {
    pub fn new(start: usize, end: usize, perm: Perm, flags: VmaFlags, backing: B) -> Self {
        Vma {
            start,
            end,
            perm,
            flags,
            backing,
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Never true for an area inside a [`VmaSet`]; here for completeness.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub fn contains(&self, addr: usize) -> bool {
        self.start <= addr && addr < self.end
    }
}

/// Why an edit of the set was refused. The set is unchanged whenever one of
/// these is returned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VmaError {
    /// The range runs into an existing area.
    Overlap,
    /// Some byte of the range is not in any area (or no area starts at the
    /// given address).
    NotMapped,
    /// An address is not page-aligned.
    Unaligned,
    /// The range (or the resulting area) would have no bytes.
    Empty,
    /// The set would hold more areas than its limit (see
    /// [`VmaSet::with_limit`]).
    TooMany,
    /// The kernel had no memory for the edit (the set itself never
    /// returns this; a kernel's page tables may).
    NoMemory,
}
