//! Sv39 page tables. Walking is `vm::pte` (host-tested over a memory
//! trait); here it runs over real memory, which the kernel maps at its
//! physical address.
//!
//! Copy-on-write fork shares level-0 tables (see `mm::fork`): the child's
//! level-1 entry points at the parent's table and the table's frame counts
//! one more owner. A shared table is never written: every way to change
//! a leaf (`slot`, `leaf_table`, `for_each_slot`, `map`, `unmap`) first
//! gives this page table its own copy (`unshare`), so the other sharers
//! keep theirs. Reads (`get`, the `for_each_*` walks over `&self`) look
//! through shared tables as they are. The frames a shared table maps count
//! one owner for the table, not one per sharer.
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
    /// None also if its table is shared and there is no frame to copy it.
    pub fn slot(&mut self, va: VirtAddr, alloc: bool) -> Option<&mut Pte> {
        let (table, idx) = self.walk_own(va.0, alloc)?;
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
    /// A shared table is copied first (None if there is no frame for it).
    pub fn leaf_table(&mut self, va: usize, alloc: bool) -> Option<(*mut Pte, usize)> {
        let (table, idx) = self.walk_own(va, alloc)?;
        Some((table as *mut Pte, idx))
    }

    /// The level-0 table covering `va` and `va`'s index in it, this page
    /// table's own: Ok(None) if there is no table, Err if it is shared by
    /// fork and there is no frame for the copy. (`leaf_table` says None for
    /// both; a caller that would take the second for "no pages here" must
    /// use this.)
    /// Inline: it is on the fault path.
    #[inline(always)]
    pub fn own_leaf(&mut self, va: usize) -> Result<Option<(*mut Pte, usize)>, NoMemory> {
        match self.walk_own(va, false) {
            Some((table, idx)) => Ok(Some((table as *mut Pte, idx))),
            None if self.has_leaf_table(va) => Err(NoMemory),
            None => Ok(None),
        }
    }

    /// Whether a level-0 table covers `va` (ours or shared). After
    /// `leaf_table` found none: a shared one there means its copy failed.
    #[cold]
    #[inline(never)]
    pub fn has_leaf_table(&self, va: usize) -> bool {
        self.leaf_table_shared(va).is_some()
    }

    /// `vm::pte::walk`, but the level-0 table found is this page table's
    /// own: a shared one is copied first. Inline: it is on the fault path.
    #[inline(always)]
    fn walk_own(&mut self, va: usize, alloc: bool) -> Option<(usize, usize)> {
        let (table, idx) = vm::pte::walk(&mut Identity, self.root.0, va, alloc)?;
        if !frame::is_shared(PhysAddr(table)) {
            return Some((table, idx));
        }
        self.walk_unshared(va)
    }

    #[cold]
    #[inline(never)]
    fn walk_unshared(&mut self, va: usize) -> Option<(usize, usize)> {
        self.unshare(va).ok()?;
        vm::pte::walk(&mut Identity, self.root.0, va, false)
    }

    /// The level-1 entry that points at the level-0 table covering `va`,
    /// if the level-1 table exists.
    fn l1_entry(&self, va: usize) -> Option<*mut u64> {
        if va >= vm::pte::MAXVA {
            return None;
        }
        let e2 = Identity.read_pte(self.root.0, vm::pte::va_index(va, 2));
        if e2 & vm::pte::V == 0 || vm::pte::is_leaf(e2) {
            return None;
        }
        let l1 = vm::pte::pte_pa(e2) as *mut u64;
        // SAFETY: a level-1 table of ours; the index is < 512.
        Some(unsafe { l1.add(vm::pte::va_index(va, 1)) })
    }

    /// The leaf slot for `va` if its table exists and is this page
    /// table's alone; None for a table shared by fork. Reclaim scans with
    /// it: a page of a shared table is mapped once for all its sharers,
    /// so copying the table to evict the page from one copy would take a
    /// frame and free none (the other copy still maps the page).
    pub fn slot_unshared(&mut self, va: VirtAddr) -> Option<&mut Pte> {
        let (table, idx) = vm::pte::walk(&mut Identity, self.root.0, va.0, false)?;
        if frame::is_shared(PhysAddr(table)) {
            return None;
        }
        // SAFETY: (table, idx) is a slot of a table this page table owns
        // alone; the borrow of self keeps it alive and unshared.
        Some(unsafe { &mut *(table as *mut Pte).add(idx) })
    }

    /// The level-0 table covering `va`, without copying a shared one: for
    /// fork, which shares it, and for reads.
    pub fn leaf_table_shared(&self, va: usize) -> Option<(*mut Pte, usize)> {
        // SAFETY: l1_entry's slot is in a table of ours.
        let e1 = unsafe { *self.l1_entry(va)? };
        (e1 & vm::pte::V != 0 && !vm::pte::is_leaf(e1))
            .then(|| (vm::pte::pte_pa(e1) as *mut Pte, vm::pte::va_index(va, 0)))
    }

    /// Whether the level-0 table covering `va` is shared by fork (None:
    /// there is none). For `vmctl(VMCTL_TABLE_SHARED)`, a test hook.
    pub fn leaf_is_shared(&self, va: VirtAddr) -> Option<bool> {
        let (table, _) = self.leaf_table_shared(va.0)?;
        Some(frame::is_shared(PhysAddr(table as usize)))
    }

    /// Clear the Accessed bit of `va`'s PTE where it is, in a table shared
    /// by fork too; whether it was set. The one change a shared table takes
    /// in place: the hardware sets A there on every sharer's access anyway,
    /// A says nothing about who owns what, and an `unshare` copying the PTE
    /// meanwhile copies at worst a stale A (one page mis-aged). Atomic,
    /// because another hart's page walk may be setting A or D meanwhile.
    pub fn test_and_clear_accessed(&self, va: VirtAddr) -> bool {
        let Some((table, idx)) = self.leaf_table_shared(va.0) else {
            return false;
        };
        // SAFETY: (table, idx) is the level-0 slot of `va` in a live table
        // of ours (shared or not); PTEs are 8-byte aligned, and every
        // concurrent writer (hardware A/D updates, this) is atomic.
        let pte = unsafe { core::sync::atomic::AtomicU64::from_ptr(table.add(idx) as *mut u64) };
        let a = crate::arch::riscv::pte::A;
        let old = pte.fetch_and(!a, core::sync::atomic::Ordering::Relaxed);
        old & crate::arch::riscv::pte::V != 0 && old & a != 0
    }

    /// Make the 2 MiB region of `va` in `self` map `parent`'s level-0
    /// table `table` (fork: the table gains an owner). The region must
    /// have no table in `self` yet, or this one already.
    pub fn share_leaf(&mut self, va: usize, table: *mut Pte) -> Result<(), NoMemory> {
        if self.leaf_table_shared(va).map(|(t, _)| t) == Some(table) {
            return Ok(());
        }
        // Make the level-1 table exist (walk allocates down to level 0;
        // the level-0 slot it would need is what we fill in instead).
        let e1p = match self.l1_entry(va) {
            Some(p) => p,
            None => {
                let l1 = frame::alloc_zeroed().ok_or(NoMemory)?;
                Identity.write_pte(
                    self.root.0,
                    vm::pte::va_index(va, 2),
                    vm::pte::pa_to_pte(l1.0, vm::pte::V),
                );
                self.l1_entry(va).ok_or(NoMemory)?
            }
        };
        // SAFETY: a slot of our level-1 table.
        let e1 = unsafe { &mut *e1p };
        assert!(*e1 & vm::pte::V == 0, "share_leaf: {va:#x} has a table");
        frame::get(PhysAddr(table as usize));
        *e1 = vm::pte::pa_to_pte(table as usize, vm::pte::V);
        Ok(())
    }

    /// Give this page table its own copy of the shared level-0 table
    /// covering `va`: the copy takes a reference to every frame and swap
    /// slot it maps, then the shared table loses us as an owner. If the
    /// other owners let go meanwhile (another hart), the table is ours
    /// alone and the copy is undone instead.
    fn unshare(&mut self, va: usize) -> Result<(), NoMemory> {
        let Some(e1p) = self.l1_entry(va) else {
            return Ok(());
        };
        // SAFETY: a slot of our level-1 table.
        let e1 = unsafe { &mut *e1p };
        let old = vm::pte::pte_pa(*e1);
        if super::hold::fail_unshare() {
            return Err(NoMemory);
        }
        let new = frame::alloc().ok_or(NoMemory)?;
        frame::set_kind(new, vm::rmap::FrameKind::PageTable);
        let counts = frame::counts();
        let (src, dst) = (old as *const u64, new.0 as *mut u64);
        for i in 0..vm::pte::ENTRIES {
            // SAFETY: both are level-0 tables, 512 entries; the shared one
            // is only read (no one writes a shared table).
            let pte = unsafe { src.add(i).read_volatile() };
            let ok = share_entry(&counts, pte);
            // SAFETY: as above; the new table is ours.
            unsafe { dst.add(i).write(if ok { pte } else { 0 }) };
            if !ok {
                release_entries(&counts, dst, i);
                frame::put(new);
                return Err(NoMemory);
            }
        }
        if frame::drop_shared(PhysAddr(old)) {
            *e1 = vm::pte::pa_to_pte(new.0, vm::pte::V);
            // A level-1 entry changed: flush every cached translation
            // (only this hart runs this single-threaded process).
            crate::arch::riscv::csr::sfence_vma_all();
        } else {
            release_entries(&counts, dst, vm::pte::ENTRIES);
            frame::put(new);
        }
        Ok(())
    }

    /// Before tearing down: stop sharing every shared level-0 table (it
    /// loses us as an owner; its pages stay with the others). Allocates
    /// nothing, so exit always works.
    pub fn detach_shared(&mut self) {
        for i2 in 0..vm::pte::ENTRIES {
            let e2 = Identity.read_pte(self.root.0, i2);
            if e2 & vm::pte::V == 0 || vm::pte::is_leaf(e2) {
                continue;
            }
            let l1 = vm::pte::pte_pa(e2);
            for i1 in 0..vm::pte::ENTRIES {
                let e1 = Identity.read_pte(l1, i1);
                if e1 & vm::pte::V == 0 || vm::pte::is_leaf(e1) {
                    continue;
                }
                let t = PhysAddr(vm::pte::pte_pa(e1));
                if frame::is_shared(t) && frame::drop_shared(t) {
                    Identity.write_pte(l1, i1, 0);
                }
            }
        }
    }

    /// Give every level-0 table in [start, end) that is shared a private
    /// copy, so that changing its leaves cannot fail part way (munmap,
    /// mprotect).
    pub fn unshare_range(&mut self, start: usize, end: usize) -> Result<(), NoMemory> {
        let mut va = start;
        while va < end {
            if let Some((t, _)) = self.leaf_table_shared(va) {
                if frame::is_shared(PhysAddr(t as usize)) {
                    self.unshare(va)?;
                }
            }
            va = ((va >> 21) + 1) << 21;
        }
        Ok(())
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

/// Take the reference a copy of a shared table's entry `pte` needs: its
/// frame gains an owner, its swap slot a holder. False if the slot cannot
/// take another (nothing was taken).
fn share_entry(counts: &frame::Counts, pte: u64) -> bool {
    if pte & vm::pte::V != 0 {
        counts.get(vm::pte::pte_pa(pte));
        return true;
    }
    match vm::swap::PteState::of(pte) {
        vm::swap::PteState::Swapped(slot) => super::swap::dup(slot),
        _ => true,
    }
}

/// Undo `share_entry` for the first `n` entries of `table`.
fn release_entries(counts: &frame::Counts, table: *mut u64, n: usize) {
    for i in 0..n {
        // SAFETY: `table` is a level-0 table of ours, i < 512.
        let pte = unsafe { table.add(i).read() };
        if pte & vm::pte::V != 0 {
            counts.put_last(vm::pte::pte_pa(pte));
        } else if let vm::swap::PteState::Swapped(slot) = vm::swap::PteState::of(pte) {
            super::swap::release(slot);
        }
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
