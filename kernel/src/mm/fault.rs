//! The page-fault handler: carries out what `vm::fault::decide` (a pure,
//! host-tested function; its table is at the top of
//! `crates/vm/src/fault.rs`) says a fault means.
//!
//! Every fault, from user mode or from the kernel's own copies to and from
//! user memory, arrives here as (address, access). The handler reads the
//! area that covers the address and the page's state (absent, present,
//! swapped), asks `decide`, and does the action. An action that needs a
//! frame when none is free first reclaims (`mm::reclaim`), and may wait.
use super::addr::{page_round_down, PhysAddr, VirtAddr, PAGE_SIZE};
use super::aspace::AddressSpace;
use super::backing::{Backing, Vma};
use super::frame;
use super::pagetable::PageTable;
use super::stats::{self, count_fault};
use crate::arch::riscv::csr;
use crate::arch::riscv::pte::{Pte, A, COW, D, U, W};
use abi::layout::{MAXVA, STACK_BOTTOM, STACK_GUARD};
use abi::vmstat::fault as kind;
pub use vm::fault::{Access, Refusal};
use vm::fault::{Action, Area, Page};
use vm::swap::PteState;
use vm::{Perm, VmaFlags};

/// Resolve a fault at `va`, or say why not. Out of frames, it reclaims and
/// tries again; `reclaim::out_of_memory` decides when to give up.
pub fn handle(asp: &mut AddressSpace, va: usize, access: Access) -> Result<(), Refusal> {
    let mut tries = 0;
    let r = loop {
        super::reclaim::before_alloc(Some(asp));
        // reslimit hook: makes room in a resident-limited region first.
        match super::reslimit::around_fault(asp, va, |asp| decide(asp, va, access)) {
            Err(Refusal::OutOfMemory) if super::reclaim::out_of_memory(asp, tries) => tries += 1,
            r => break r,
        }
    };
    if r.is_err() {
        count_fault(kind::REFUSED);
    }
    r
}

/// The state of the slot for `page`: absent if its table does not exist.
pub fn page_state(pt: &PageTable, page: usize) -> PteState {
    PteState::of(pt.get(VirtAddr(page)).unwrap_or_default().0)
}

fn decide(asp: &mut AddressSpace, va: usize, access: Access) -> Result<(), Refusal> {
    if va >= MAXVA {
        return Err(Refusal::NotMapped);
    }
    let page = page_round_down(va);
    let vma = asp.vmas.find(va);
    let area = vma.map(|v| Area {
        perm: v.perm,
        flags: v.flags,
        file: matches!(v.backing, Backing::File { .. }),
    });
    let state = page_state(&asp.pt, page);
    let (zero, sole) = match state {
        // Only a user page of an area has a frame to ask about: outside
        // areas sit the trampoline (kernel text) and the trapframe.
        PteState::Present(p) if vma.is_some() && frame::is_managed(PhysAddr(Pte(p).pa())) => {
            let pa = PhysAddr(Pte(p).pa());
            (pa == frame::zero_frame(), frame::refs(pa) == 1)
        }
        _ => (false, false),
    };
    let in_guard = (STACK_GUARD..STACK_BOTTOM).contains(&va);
    let action = vm::fault::decide(area, in_guard, Page::from_state(state, zero, sole), access);
    let Some(vma) = vma else {
        return match action {
            Action::Refuse(r) => Err(r),
            _ => Err(Refusal::NotMapped),
        };
    };
    let perm = vma.perm;
    let pte = match state {
        PteState::Present(p) => Pte(p),
        _ => Pte(0),
    };
    match action {
        Action::Refuse(r) => Err(r),
        Action::SwapIn(slot) => swap_in(&mut asp.pt, page, perm, vma.flags, slot),
        Action::CowTakeover => {
            set_pte(&mut asp.pt, page, pte.without(COW).with(W | A | D));
            count_fault(kind::COW_TAKEOVER);
            Ok(())
        }
        Action::CowCopy => cow(&mut asp.pt, page, pte),
        Action::ReplaceZero => {
            let pa = frame::alloc_zeroed().ok_or(Refusal::OutOfMemory)?;
            asp.pt.unmap(VirtAddr(page));
            map(&mut asp.pt, page, pa, pte_flags(perm) | A | D)?;
            count_fault(kind::ZERO_FILLED);
            Ok(())
        }
        Action::SetWrite => {
            // The area allows writing but this page was mapped before it
            // did (a private file page read first): make it writable.
            set_pte(&mut asp.pt, page, pte.with(W | A | D));
            count_fault(kind::AD_SET);
            Ok(())
        }
        Action::SetBits(bits) => {
            set_pte(&mut asp.pt, page, pte.with(bits));
            count_fault(kind::AD_SET);
            Ok(())
        }
        Action::Flush => {
            // Another path already made the page: the TLB was stale.
            csr::sfence_vma(page);
            Ok(())
        }
        Action::StackGrow => map_new_zeroed(&mut asp.pt, page, perm, kind::STACK_GROWTH),
        Action::MapZero | Action::ZeroFill => anon(&mut asp.pt, page, perm, access),
        Action::FileRead => {
            let vma = vma.clone();
            file_page(&mut asp.pt, &vma, page, access)
        }
    }
}

/// Bring `page` back from swap `slot`. If other PTEs still hold the slot,
/// the frame stays in the swap cache and this private mapping is
/// copy-on-write; if this was the last, the page is ours and writable.
/// Either way it is dirty: its bytes are in no file.
fn swap_in(
    pt: &mut PageTable,
    page: usize,
    perm: Perm,
    flags: VmaFlags,
    slot: u32,
) -> Result<(), Refusal> {
    let pa = super::swap::read(slot)?;
    // Make sure the table exists before giving up the slot.
    let Some(pte) = pt.slot(VirtAddr(page), true) else {
        frame::put(pa);
        return Err(Refusal::OutOfMemory);
    };
    super::swap::release(slot);
    let mut f = pte_flags(perm) | A | D;
    if frame::refs(pa) > 1 && !flags.contains(VmaFlags::SHARED) {
        f = (f & !W) | COW;
    }
    *pte = Pte::new(pa.0, f | crate::arch::riscv::pte::V);
    frame::note_user(pa, page); // rmap hook
    csr::sfence_vma(page);
    count_fault(kind::SWAP_IN);
    Ok(())
}

/// PTE flags for a user page of an area with `perm`. A PROT_NONE page that
/// is present keeps its frame in a leaf without U (readable by nobody in
/// user mode; V with no R/W/X would mean "next-level table").
fn pte_flags(perm: Perm) -> u64 {
    if perm.is_empty() {
        return crate::arch::riscv::pte::R;
    }
    let mut f = perm.pte_bits() | U;
    if perm.contains(Perm::W) {
        f |= crate::arch::riscv::pte::R;
    }
    f
}

fn set_pte(pt: &mut PageTable, page: usize, pte: Pte) {
    if let Some(slot) = pt.slot(VirtAddr(page), false) {
        *slot = pte;
    }
    csr::sfence_vma(page);
}

fn map(pt: &mut PageTable, page: usize, pa: PhysAddr, flags: u64) -> Result<(), Refusal> {
    pt.map(VirtAddr(page), pa, flags).map_err(|_| {
        frame::put(pa);
        Refusal::OutOfMemory
    })?;
    frame::note_user(pa, page); // rmap hook
    csr::sfence_vma(page);
    Ok(())
}

fn map_new_zeroed(pt: &mut PageTable, page: usize, perm: Perm, what: usize) -> Result<(), Refusal> {
    let pa = frame::alloc_zeroed().ok_or(Refusal::OutOfMemory)?;
    map(pt, page, pa, pte_flags(perm) | A | D)?;
    count_fault(what);
    Ok(())
}

/// A never-touched anonymous page: reads share the zero frame (read-only,
/// so the first write faults again and gets its own frame).
fn anon(pt: &mut PageTable, page: usize, perm: Perm, access: Access) -> Result<(), Refusal> {
    if access == Access::Write {
        return map_new_zeroed(pt, page, perm, kind::ZERO_FILLED);
    }
    let flags = pte_flags(perm) & !W | A;
    map(pt, page, frame::zero_frame(), flags)?;
    count_fault(kind::ZERO_MAPPED);
    Ok(())
}

/// Give `page` of an anonymous area a private zeroed frame now, without a
/// fault (eager sbrk, shared memory before fork). A zero-frame mapping
/// there is replaced.
pub fn zero_fill(asp: &mut AddressSpace, page: usize, perm: Perm) -> Result<(), Refusal> {
    let pa = frame::alloc_zeroed().ok_or(Refusal::OutOfMemory)?;
    asp.pt.unmap(VirtAddr(page));
    map(&mut asp.pt, page, pa, pte_flags(perm) | A | D)
}

/// Store to a copy-on-write page: the last owner takes the frame over,
/// anyone else copies it.
fn cow(pt: &mut PageTable, page: usize, pte: Pte) -> Result<(), Refusal> {
    let old = PhysAddr(pte.pa());
    if frame::refs(old) == 1 {
        set_pte(pt, page, pte.without(COW).with(W | A | D));
        count_fault(kind::COW_TAKEOVER);
        return Ok(());
    }
    let new = frame::alloc().ok_or(Refusal::OutOfMemory)?;
    // SAFETY: `new` is ours alone; `old` is shared read-only by everyone
    // mapping it, so nobody writes it while we copy.
    unsafe { new.copy_page_from(old) };
    set_pte(
        pt,
        page,
        Pte::new(new.0, pte.without(COW).flags() | W | A | D),
    );
    frame::note_user(new, page); // rmap hook
    frame::put(old);
    count_fault(kind::COW_COPY);
    Ok(())
}

/// A page of a file-backed area. Shared areas map the file's one cached
/// frame; private ones get their own copy. Past the file's bytes (bss, the
/// tail of the last page) a page is zero.
fn file_page(pt: &mut PageTable, vma: &Vma, page: usize, access: Access) -> Result<(), Refusal> {
    let Backing::File {
        inode,
        offset,
        file_bytes,
        ..
    } = &vma.backing
    else {
        unreachable!()
    };
    let into = page - vma.start;
    let avail = file_bytes.saturating_sub(into).min(PAGE_SIZE);
    let file_off = offset + into;
    let in_file = inode.size().saturating_sub(file_off).min(avail);
    let shared = vma.flags.contains(VmaFlags::SHARED);
    if in_file == 0 && !shared {
        return anon(pt, page, vma.perm, access);
    }
    let index = file_off / PAGE_SIZE;
    // Only a page-aligned piece of the file is a page of the cache; an ELF
    // segment may start anywhere in the file (`ld -N`), and then its pages
    // are read from the file.
    let cached = file_off
        .is_multiple_of(PAGE_SIZE)
        .then(|| super::pagecache::get(inode.inum(), index))
        .flatten();
    let pa = match (cached, shared) {
        (Some(pa), true) => pa,
        (Some(c), false) => {
            let pa = frame::alloc().ok_or_else(|| {
                frame::put(c);
                Refusal::OutOfMemory
            })?;
            // SAFETY: `pa` is ours; `c` is a live cached frame we hold a
            // reference to.
            unsafe { pa.as_page().copy_from_slice(c.as_page()) };
            // SAFETY: as above; past the area's file bytes the page is zero.
            unsafe { pa.as_page()[in_file..].fill(0) };
            frame::put(c);
            pa
        }
        (None, _) => {
            let pa = read_page(inode, file_off, in_file)?;
            if shared {
                super::pagecache::insert(inode.inum(), index, pa)
            } else {
                pa
            }
        }
    };
    let mut flags = pte_flags(vma.perm) | A;
    if shared {
        flags |= crate::arch::riscv::pte::SHARED;
    }
    if access == Access::Write {
        flags |= D;
    }
    map(pt, page, pa, flags)?;
    count_fault(kind::FILE_READ);
    Ok(())
}

/// A new frame holding `n` bytes of the file at `off`, zeros after.
fn read_page(inode: &crate::fs::Inode, off: usize, n: usize) -> Result<PhysAddr, Refusal> {
    let pa = frame::alloc_zeroed().ok_or(Refusal::OutOfMemory)?;
    if n > 0 {
        // SAFETY: the frame is ours until mapped.
        let buf = unsafe { &mut pa.as_page()[..n] };
        match inode.read_at(off, crate::fs::IoDst::Kernel(buf), n) {
            Ok(got) if got == n => {}
            _ => {
                frame::put(pa);
                return Err(Refusal::IoError);
            }
        }
        stats::FILE_PAGES_READ.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    }
    Ok(pa)
}

/// Before a shared file mapping goes away, write its dirty pages back.
pub fn write_back(pt: &mut PageTable, vma: &Vma) {
    if !vma.flags.contains(VmaFlags::SHARED) {
        return;
    }
    let Backing::File { inode, offset, .. } = &vma.backing else {
        return;
    };
    let mut va = vma.start;
    while va < vma.end {
        // Shared file pages are dropped, never swapped: only present ones
        // can be dirty.
        let dirty = match page_state(pt, va) {
            PteState::Present(p) => Some(Pte(p)).filter(|p| p.has(D)),
            PteState::Absent | PteState::Swapped(_) | PteState::Corrupt(_) => None,
        };
        if let Some(pte) = dirty {
            // SAFETY: reading a mapped frame; concurrent writers at worst
            // make the written copy a moment old, as with any write-back.
            let data = unsafe { PhysAddr(pte.pa()).as_page() };
            if inode.write_within(offset + (va - vma.start), data).is_ok() {
                stats::FILE_PAGES_WRITTEN.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                set_pte(pt, va, pte.without(D));
            }
        }
        va += PAGE_SIZE;
    }
}

/// After mprotect: give present pages of [start, end) the new permission,
/// except that copy-on-write pages and the zero frame stay unwritable (their
/// next write must still fault).
pub fn reprotect(pt: &mut PageTable, start: usize, end: usize, perm: Perm) {
    let mut va = start;
    while va < end {
        if let Some(slot) = pt.slot(VirtAddr(va), false) {
            let pte = *slot;
            // A swapped page gets the area's permission when it comes back.
            if let PteState::Present(_) = PteState::of(pte.0) {
                let mut flags = pte.flags() & !(perm_mask() | U) | pte_flags(perm);
                if pte.has(COW) || PhysAddr(pte.pa()) == frame::zero_frame() {
                    flags &= !W;
                }
                *slot = Pte::new(pte.pa(), flags);
                csr::sfence_vma(va);
            }
        }
        va += PAGE_SIZE;
    }
}

fn perm_mask() -> u64 {
    (Perm::R | Perm::W | Perm::X).pte_bits()
}
