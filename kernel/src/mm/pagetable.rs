//! Sv39 page tables. Walking is `vm::pte` (host-tested over a memory
//! trait); here it runs over real memory, which the kernel maps at its
//! physical address.
use super::addr::{PhysAddr, VirtAddr, PAGE_SIZE};
use super::frame;
use crate::arch::riscv::pte::Pte;
use vm::pte::PhysMem;

/// Physical memory as the kernel sees it: identity-mapped.
struct Identity;

impl PhysMem for Identity {
    fn read_pte(&self, table_pa: usize, index: usize) -> u64 {
        // SAFETY: table_pa is a page-table frame we own; index < 512.
        unsafe { (table_pa as *const u64).add(index).read_volatile() }
    }
    fn write_pte(&mut self, table_pa: usize, index: usize, pte: u64) {
        // SAFETY: as above.
        unsafe { (table_pa as *mut u64).add(index).write_volatile(pte) }
    }
    fn alloc_table(&mut self) -> Option<usize> {
        let pa = frame::alloc_zeroed()?;
        frame::set_kind(pa, vm::rmap::FrameKind::PageTable);
        Some(pa.0)
    }
}

/// Out of memory while building a page table.
#[derive(Debug)]
pub struct NoMemory;

pub struct PageTable {
    root: PhysAddr,
}

impl PageTable {
    pub fn new() -> Result<PageTable, NoMemory> {
        let root = frame::alloc_zeroed().ok_or(NoMemory)?;
        frame::set_kind(root, vm::rmap::FrameKind::PageTable);
        Ok(PageTable { root })
    }

    pub fn root(&self) -> PhysAddr {
        self.root
    }

    /// The leaf slot for `va`, allocating intermediate tables if `alloc`.
    pub fn slot(&mut self, va: VirtAddr, alloc: bool) -> Option<&mut Pte> {
        let (table, idx) = vm::pte::walk(&mut Identity, self.root.0, va.0, alloc)?;
        // SAFETY: (table, idx) is a slot of a table this page table owns; the
        // borrow of self keeps it alive and unshared.
        Some(unsafe { &mut *(table as *mut Pte).add(idx) })
    }

    /// The PTE for `va` (valid or not), if its tables exist.
    pub fn get(&self, va: VirtAddr) -> Option<Pte> {
        let mut mem = Identity;
        let (table, idx) = vm::pte::walk(&mut mem, self.root.0, va.0, false)?;
        Some(Pte(mem.read_pte(table, idx)))
    }

    /// Map one page. The slot must be empty.
    pub fn map(&mut self, va: VirtAddr, pa: PhysAddr, flags: u64) -> Result<(), NoMemory> {
        let slot = self.slot(va, true).ok_or(NoMemory)?;
        assert!(!slot.is_valid(), "map: {:#x} already mapped", va.0);
        *slot = Pte::new(pa.0, flags | crate::arch::riscv::pte::V);
        Ok(())
    }

    /// Map [va, va+size) to [pa, pa+size) (kernel map, trampoline).
    pub fn map_range(
        &mut self,
        va: usize,
        pa: usize,
        size: usize,
        flags: u64,
    ) -> Result<(), NoMemory> {
        let mut off = 0;
        while off < size {
            self.map(VirtAddr(va + off), PhysAddr(pa + off), flags)?;
            off += PAGE_SIZE;
        }
        Ok(())
    }

    /// Clear the PTE for `va`, returning what it held.
    pub fn unmap(&mut self, va: VirtAddr) -> Option<Pte> {
        let slot = self.slot(va, false)?;
        let old = *slot;
        *slot = Pte(0);
        old.is_valid().then_some(old)
    }

    /// The level-0 table covering `va` and `va`'s index in it, if the
    /// table exists (or, with `alloc`, could be made).
    pub fn leaf_table(&mut self, va: usize, alloc: bool) -> Option<(*mut Pte, usize)> {
        let (table, idx) = vm::pte::walk(&mut Identity, self.root.0, va, alloc)?;
        Some((table as *mut Pte, idx))
    }

    /// Call `f(va, slot)` for every leaf slot of [start, end) whose table
    /// exists, a whole level-0 table at a time (regions without a table
    /// are skipped). The fast path for exit, munmap and fork.
    pub fn for_each_slot(&mut self, start: usize, end: usize, mut f: impl FnMut(usize, &mut Pte)) {
        let mut va = start;
        while va < end {
            let stop = (((va >> 21) + 1) << 21).min(end);
            if let Some((table, idx)) = self.leaf_table(va, false) {
                for k in 0..(stop - va) / PAGE_SIZE {
                    // SAFETY: idx + k < 512 (we stay inside one 2 MiB
                    // region); the table is ours, borrowed through self.
                    f(va + k * PAGE_SIZE, unsafe { &mut *table.add(idx + k) });
                }
            }
            va = stop;
        }
    }

    /// Every valid leaf, ascending.
    pub fn for_each_leaf(&self, f: impl FnMut(usize, u64)) {
        vm::pte::for_each_leaf(&Identity, self.root.0, f)
    }

    /// Entries that are not absent at or above `start`, ascending, while
    /// `f` returns true (for walking in bounded pieces).
    pub fn for_each_entry_from(
        &self,
        start: usize,
        f: impl FnMut(usize, vm::swap::PteState) -> bool,
    ) -> bool {
        vm::pte::for_each_entry_from(&Identity, self.root.0, start, f)
    }

    /// Every entry that is not absent (present leaves, swapped pages),
    /// ascending.
    pub fn for_each_entry(&self, f: impl FnMut(usize, vm::swap::PteState)) {
        vm::pte::for_each_entry(&Identity, self.root.0, f)
    }
}

/// A page table owns its table pages, so dropping it frees them on every
/// path, error paths included. It does not own what its leaves map: whoever
/// mapped them (the address space) must have released them first.
impl Drop for PageTable {
    fn drop(&mut self) {
        vm::pte::for_each_table(&Identity, self.root.0, |t| frame::put(PhysAddr(t)));
        frame::put(self.root);
    }
}
