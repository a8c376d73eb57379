//! Typed addresses: a physical address and a virtual one are different
//! things, and the type system keeps them apart.
pub const PAGE_SIZE: usize = 4096;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default)]
pub struct PhysAddr(pub usize);

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default)]
pub struct VirtAddr(pub usize);

pub const fn page_round_down(a: usize) -> usize {
    a & !(PAGE_SIZE - 1)
}

/// Round up to a page. Only for values the kernel knows are far below
/// 2^64; a size from a user program goes through [`checked_page_round_up`].
pub const fn page_round_up(a: usize) -> usize {
    (a + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

/// Round up to a page, or None if that passes 2^64 (a length near 2^64
/// would otherwise wrap to a small one).
pub const fn checked_page_round_up(a: usize) -> Option<usize> {
    match a.checked_add(PAGE_SIZE - 1) {
        Some(b) => Some(b & !(PAGE_SIZE - 1)),
        None => None,
    }
}

impl PhysAddr {
    /// The kernel maps all of RAM at its physical address, so a physical
    /// address is also a kernel pointer.
    pub fn as_ptr<T>(self) -> *mut T {
        self.0 as *mut T
    }
    /// Copy `dst.len()` bytes starting at byte `off` of the frame at this
    /// (page-aligned) address into `dst`, by raw copy: no reference to the
    /// frame is made, so the frame may be shared.
    ///
    /// # Safety
    /// The frame stays allocated meanwhile (the caller holds a reference),
    /// and `off + dst.len() <= PAGE_SIZE`. Other harts may read it; user
    /// code may store to it through another mapping (a shared file page
    /// being written back): the copy may then mix old and new bytes, which
    /// is what write-back promises anyway. Kernel code must not write it.
    pub unsafe fn read_bytes(self, off: usize, dst: &mut [u8]) {
        debug_assert!(off + dst.len() <= PAGE_SIZE);
        // SAFETY: inside the frame (identity-mapped RAM); `dst` is ours and
        // cannot overlap a frame we only read.
        unsafe {
            core::ptr::copy_nonoverlapping((self.0 + off) as *const u8, dst.as_mut_ptr(), dst.len())
        };
    }

    /// Zero the frame at this (page-aligned) address: 64 doubleword
    /// stores a step, 512 stores and 16 loop instructions (`fill(0)`'s
    /// memset took 1,560; 8 stores a step, 640). Volatile, so the compiler
    /// keeps the loop instead of calling memset.
    ///
    /// # Safety
    /// The caller owns the frame: no one else reads or writes it meanwhile.
    pub unsafe fn zero_page(self) {
        const STEP: usize = 64;
        let p = self.0 as *mut u64;
        for i in (0..PAGE_SIZE / 8).step_by(STEP) {
            for j in 0..STEP {
                // SAFETY: inside the frame (identity-mapped RAM), which the
                // caller owns.
                unsafe { p.add(i + j).write_volatile(0) };
            }
        }
    }

    /// Copy the frame at `src` into the frame at this address, 16
    /// doublewords a step (about half of memcpy's instructions; loads all
    /// first, then stores, in registers).
    ///
    /// # Safety
    /// The caller owns this frame, and no one writes `src` meanwhile
    /// (other harts may read it: a COW-shared frame is only read).
    pub unsafe fn copy_page_from(self, src: PhysAddr) {
        const STEP: usize = 16;
        let d = self.0 as *mut u64;
        let s = src.0 as *const u64;
        for i in (0..PAGE_SIZE / 8).step_by(STEP) {
            let mut v = [0u64; STEP];
            for (j, w) in v.iter_mut().enumerate() {
                // SAFETY: inside `src`'s frame, which nobody writes now.
                *w = unsafe { s.add(i + j).read_volatile() };
            }
            for (j, w) in v.iter().enumerate() {
                // SAFETY: inside our own frame.
                unsafe { d.add(i + j).write_volatile(*w) };
            }
        }
    }
}
