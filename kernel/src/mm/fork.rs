//! Duplicating an address space for fork. With copy-on-write (the default)
//! nothing is copied: every private page becomes read-only and marked COW,
//! and the child maps the parent's level-0 page tables themselves (each
//! table gains an owner; `mm::pagetable` says how a shared table is copied
//! before either side changes a leaf). So fork visits each page once, to
//! write-protect it, and the child's exit visits none: a 53 MiB heap is 27
//! shared tables. The
//! `cow=0` boot option (or `vmctl`) selects eager copying, kept to measure
//! what copy-on-write saves.
use super::addr::PhysAddr;
use super::aspace::AddressSpace;
use super::frame;
use super::pagetable::{NoMemory, PageTable};
use super::PAGE_SIZE;
use crate::arch::riscv::csr;
use crate::arch::riscv::pte::{Pte, COW, V, W};
use abi::layout::TRAPFRAME;
use core::sync::atomic::{AtomicBool, Ordering};
use vm::swap::PteState;
use vm::VmaFlags;

static COW_FORK: AtomicBool = AtomicBool::new(true);

pub fn cow_enabled() -> bool {
    COW_FORK.load(Ordering::Relaxed)
}

pub fn set_cow(on: bool) {
    COW_FORK.store(on, Ordering::Relaxed);
}

impl AddressSpace {
    /// A copy of this space for a child whose trapframe is `trapframe`.
    /// On failure everything given to the child is returned (dropping the
    /// child releases each frame it took a reference to).
    pub fn fork(&mut self, trapframe: PhysAddr) -> Result<AddressSpace, NoMemory> {
        // The child's copy of the areas comes from the kernel heap: fail
        // the fork, rather than the heap, if there is no room for it.
        let heap = self.vmas.len() * 2 * core::mem::size_of::<super::backing::Vma>();
        if !super::kheap::has_room(heap) {
            return Err(NoMemory);
        }
        self.materialize_shared_anon()?;
        let mut child = AddressSpace::new(trapframe)?;
        for v in self.vmas.iter() {
            child.vmas.insert(v.clone()).map_err(|_| NoMemory)?;
        }
        child.heap_start = self.heap_start;
        child.brk = self.brk;
        let cow = cow_enabled();
        // Walk the child's areas (the same as ours): no list to allocate.
        let mut result = Ok(());
        for v in child.vmas.iter() {
            result = copy_range(
                &mut self.pt,
                &mut child.pt,
                v.start,
                v.end,
                v.flags.contains(VmaFlags::SHARED),
                v.perm.contains(vm::Perm::W),
                cow,
            );
            if result.is_err() {
                break;
            }
        }
        // Processes are single-threaded and every return to user space
        // flushes the TLB, so only this hart can hold the parent's old
        // writable translations.
        csr::sfence_vma_all();
        result.map(|_| child)
    }
}

/// Give the child the pages of one area [start, end), a level-0 table at a
/// time: pages of shared areas are shared as they are; private pages become
/// copy-on-write in both (without COW, private writable pages are copied).
fn copy_range(
    parent: &mut PageTable,
    child: &mut PageTable,
    start: usize,
    end: usize,
    shared: bool,
    writable: bool,
    cow: bool,
) -> Result<(), NoMemory> {
    let counts = frame::counts();
    let zero = frame::zero_frame().0;
    let mut va = start;
    while va < end {
        let stop = (((va >> 21) + 1) << 21).min(end);
        // The region of the trampoline and the trapframe (each process's
        // own) is never shared; everything else is, with copy-on-write.
        if cow && va >> 21 != TRAPFRAME >> 21 {
            if let Some((ptab, idx)) = parent.leaf_table_shared(va) {
                // A table shared by an earlier fork has every private
                // page write-protected and may not be written. One that was
                // the parent's alone is protected here: before sharing, or,
                // for a later area of the same 2 MiB, while only the parent
                // and this child (not running yet) own it.
                let owners = frame::refs(PhysAddr(ptab as usize));
                let ours = child.leaf_table_shared(va).is_some_and(|(t, _)| t == ptab);
                if !shared && (owners == 1 || ours && owners == 2) {
                    // SAFETY: [idx, idx + n) lies in the level-0 table
                    // `ptab`, which no running space but ours maps.
                    unsafe { write_protect(ptab, idx, (stop - va) / PAGE_SIZE, zero) };
                }
                child.share_leaf(va, ptab)?;
            }
            va = stop;
            continue;
        }
        // A table of the parent's that an earlier fork shares (and cow was
        // turned off since) must be copied to be written: without a frame
        // this fork fails; its pages are there all the same.
        if let Some((ptab, idx)) = parent.own_leaf(va)? {
            let (ctab, _) = child.leaf_table(va, true).ok_or(NoMemory)?;
            for k in idx..idx + (stop - va) / PAGE_SIZE {
                // SAFETY: k < 512 within one 2 MiB region; both tables are
                // ours (borrowed through the page-table arguments).
                let (pslot, cslot) = unsafe { (&mut *ptab.add(k), &mut *ctab.add(k)) };
                let pte = pslot.0;
                if pte == 0 {
                    continue;
                }
                // The common case of a COW fork, kept to a few instructions
                // a page (no rmap or other per-page work belongs here): a
                // present private page becomes COW in both, and its frame
                // gains an owner with one atomic add.
                if cow && !shared && pte & V != 0 && vm::pte::pte_pa(pte) != zero {
                    let marked = Pte(pte).without(W).with(COW);
                    *pslot = marked;
                    *cslot = marked;
                    counts.get(vm::pte::pte_pa(pte));
                    continue;
                }
                copy_slot(
                    pslot,
                    cslot,
                    va + (k - idx) * PAGE_SIZE,
                    shared,
                    writable,
                    cow,
                )?;
            }
        }
        va = stop;
    }
    Ok(())
}

/// Make the `n` present private pages from slot `idx` of `table` read-only
/// and copy-on-write (the zero frame is read-only already): about eight
/// instructions a page, the whole cost of a COW fork per page.
///
/// # Safety
/// `table` is a level-0 table of the forking space that no other space
/// maps, idx + n <= 512.
unsafe fn write_protect(table: *mut Pte, idx: usize, n: usize, zero: usize) {
    let zero_ppn = (zero >> 12) as u64;
    let protect = |k: usize| {
        // SAFETY: inside the table (the caller's promise).
        let slot = unsafe { &mut *table.add(k) };
        let pte = slot.0;
        if pte & V != 0 && pte >> 10 != zero_ppn {
            slot.0 = (pte & !W) | COW;
        }
    };
    // Four at a time: the loop's own instructions once per four pages.
    let (mut k, end) = (idx, idx + n);
    while k + 4 <= end {
        for j in 0..4 {
            protect(k + j);
        }
        k += 4;
    }
    while k < end {
        protect(k);
        k += 1;
    }
}

/// One slot of `copy_range` outside its fast path: swapped pages, the zero
/// frame, shared areas and eager copies.
fn copy_slot(
    pslot: &mut Pte,
    cslot: &mut Pte,
    va: usize,
    shared: bool,
    writable: bool,
    cow: bool,
) -> Result<(), NoMemory> {
    let pte = *pslot;
    match PteState::of(pte.0) {
        PteState::Absent => return Ok(()),
        PteState::Present(_) => {}
        PteState::Swapped(slot) => {
            // Both hold the slot; the first to fault reads it and leaves
            // the frame in the swap cache for the other (copy-on-write
            // through swap).
            if !super::swap::dup(slot) {
                return Err(NoMemory);
            }
            *cslot = pte;
            return Ok(());
        }
        PteState::Corrupt(_) => return Err(NoMemory),
    }
    let pa = PhysAddr(pte.pa());
    // Every private page is shared copy-on-write, read-only ones too:
    // mprotect may make them writable later, and a write must never reach
    // the other process's copy.
    let private = !shared && pa != frame::zero_frame();
    let copy_now = !cow && (pte.has(W) || pte.has(COW));
    *cslot = if !private {
        frame::get(pa);
        pte
    } else if !copy_now {
        let marked = pte.without(W).with(COW);
        *pslot = marked;
        frame::get(pa);
        marked
    } else {
        let copy = frame::alloc().ok_or(NoMemory)?;
        // SAFETY: `copy` is new and ours; `pa` is the parent's page, which
        // nobody writes while the parent forks.
        unsafe { copy.copy_page_from(pa) };
        frame::note_user(copy, va); // rmap hook
                                    // The copy is writable only if the area is.
        let w = if writable { W } else { 0 };
        Pte::new(copy.0, pte.without(COW | W).flags() | w)
    };
    Ok(())
}

impl AddressSpace {
    /// Shared anonymous memory has no file to meet in, so before fork every
    /// page of it gets its own frame (instead of the zero frame or nothing);
    /// parent and child then map the same frames.
    fn materialize_shared_anon(&mut self) -> Result<(), NoMemory> {
        // One area at a time, found again from the last one's end: zero_fill
        // needs the whole space, and a list of areas would allocate.
        let mut from = 0;
        loop {
            let next = self
                .vmas
                .iter()
                .find(|v| {
                    v.start >= from
                        && v.flags.contains(VmaFlags::SHARED)
                        && matches!(v.backing, super::backing::Backing::Anon)
                })
                .map(|v| (v.start, v.end, v.perm));
            let Some((start, end, perm)) = next else {
                break;
            };
            from = end;
            for va in (start..end).step_by(super::PAGE_SIZE) {
                // Shared anonymous pages are never swapped out (reclaim
                // skips them), so a page here is absent or present.
                let present = match super::fault::page_state(&self.pt, va) {
                    PteState::Present(p) => PhysAddr(Pte(p).pa()) != frame::zero_frame(),
                    PteState::Absent | PteState::Swapped(_) | PteState::Corrupt(_) => false,
                };
                if !present {
                    super::eager::zero_fill(self, va, perm).map_err(|_| NoMemory)?;
                }
            }
        }
        Ok(())
    }
}
