//! The page-fault handler: carries out what `vm::fault::decide` (a pure,
//! host-tested function; its table is at the top of
//! `crates/vm/src/fault.rs`) says a fault means.
//!
//! Every fault, from user mode or from the kernel's own copies to and from
//! user memory, arrives here as (address, access). The handler reads the
//! area that covers the address and the page's state (absent, present,
//! swapped), asks `decide`, and does the action. An action that needs a
//! frame when none is free first reclaims (`mm::reclaim`), and may wait.
//!
//! Where each fault-made mechanism lives (its fault half is here):
//!
//! | mechanism | set up in | fault half |
//! |---|---|---|
//! | lazy sbrk | `aspace.rs` `sbrk` (moves the break, adds the area) | `anon` |
//! | zero fill on demand | (any anonymous area) | `anon`: reads map the zero frame; `ReplaceZero` on the first write |
//! | eager allocation | `eager.rs` (eager sbrk, shared memory before fork) | none |
//! | demand stack | `proc/exec.rs` (area, guard, 2 pages now) | `StackGrow` |
//! | demand-paged exec | `proc/exec.rs` (file-backed areas per segment) | `file_page` |
//! | mmap of files/anonymous memory | `syscall/mm.rs`, `backing.rs` | `file_page`, `anon` |
//! | copy-on-write | `fork.rs` (marks pages COW at fork) | `cow` (copy, or take over as last owner) |
//! | frame reference counts | `frame.rs` | `frame::put`/`refs` in `cow` |
//! | swap | `swap.rs`, `reclaim.rs` (page-out) | `swap_in` |
//! | shared-mapping write-back | `writeback.rs` | none |
//! | mprotect | `syscall/mm.rs`, `mprotect.rs` | `SetWrite` |
//! | writing a PTE | `userpte.rs` | everywhere |
use super::addr::{page_round_down, PhysAddr, VirtAddr, PAGE_SIZE};
use super::aspace::AddressSpace;
use super::backing::{Backing, Vma};
use super::frame;
use super::owned::OwnedFrame;
use super::pagetable::PageTable;
use super::stats::{self, count_fault};
use super::userpte;
use crate::arch::riscv::csr;
use crate::arch::riscv::pte::{Pte, A, COW, D, W};
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
    // One walk: the slot, if its table exists, serves both for the state
    // and for mapping a new page (anon) without walking again.
    // A table shared by fork that cannot be copied for lack of a frame is
    // a shortage (`handle` reclaims and tries again), not an absent page:
    // taken for absent, a frame freed meanwhile made the fill path map
    // over the present page.
    let leaf = match asp.pt.leaf_table(page, false) {
        // SAFETY: `i` < 512 indexes the level-0 table `t` of our page
        // table (leaf_table's promise).
        Some((t, i)) => Some(unsafe { t.add(i) }),
        None if asp.pt.has_leaf_table(page) => return Err(Refusal::OutOfMemory),
        None => None,
    };
    let state = match leaf {
        // SAFETY: as above; we hold the address space, so no one else
        // writes the table, and a table lives as long as its page table.
        Some(p) => PteState::of(unsafe { *p }.0),
        None => PteState::Absent,
    };
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
            userpte::set(&mut asp.pt, page, pte.without(COW).with(W | A | D));
            count_fault(kind::COW_TAKEOVER);
            Ok(())
        }
        Action::CowCopy => cow(&mut asp.pt, page, pte),
        Action::ReplaceZero => {
            let pa = frame::alloc_zeroed().ok_or(Refusal::OutOfMemory)?;
            asp.pt.unmap(VirtAddr(page));
            userpte::map(&mut asp.pt, page, pa, userpte::flags_for(perm) | A | D)?;
            count_fault(kind::ZERO_FILLED);
            Ok(())
        }
        Action::SetWrite => {
            // The area allows writing but this page was mapped before it
            // did (a private file page read first): make it writable.
            userpte::set(&mut asp.pt, page, pte.with(W | A | D));
            count_fault(kind::AD_SET);
            Ok(())
        }
        Action::SetBits(bits) => {
            userpte::set(&mut asp.pt, page, pte.with(bits));
            count_fault(kind::AD_SET);
            Ok(())
        }
        Action::Flush => {
            // Another path already made the page: the TLB was stale.
            csr::sfence_vma(page);
            Ok(())
        }
        Action::StackGrow => map_new_zeroed(&mut asp.pt, page, perm, kind::STACK_GROWTH),
        Action::MapZero | Action::ZeroFill => anon(&mut asp.pt, leaf, page, perm, access),
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
#[inline(never)]
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
    let mut f = userpte::flags_for(perm) | A | D;
    if frame::refs(pa) > 1 && !flags.contains(VmaFlags::SHARED) {
        f = (f & !W) | COW;
    }
    *pte = Pte::new(pa.0, f | crate::arch::riscv::pte::V);
    frame::note_user(pa, page); // rmap hook
    csr::sfence_vma(page);
    count_fault(kind::SWAP_IN);
    Ok(())
}

/// `map` into the empty slot `leaf` for `page` if the fault already found
/// it (no second walk), else through the page table. Its callers map the
/// zero frame or a frame `frame::alloc_zeroed_user` noted for the reverse
/// map already.
fn map_at(
    pt: &mut PageTable,
    leaf: Option<*mut Pte>,
    page: usize,
    pa: PhysAddr,
    flags: u64,
) -> Result<(), Refusal> {
    let Some(p) = leaf else {
        return userpte::map(pt, page, pa, flags);
    };
    // SAFETY: `p` is `page`'s slot in a table of `pt`, which we hold
    // exclusively (`decide`'s walk; tables are freed only with the page
    // table itself).
    let slot = unsafe { &mut *p };
    assert!(!slot.is_valid(), "map: {page:#x} already mapped");
    *slot = Pte::new(pa.0, flags | crate::arch::riscv::pte::V);
    csr::sfence_vma(page);
    Ok(())
}

fn map_new_zeroed(pt: &mut PageTable, page: usize, perm: Perm, what: usize) -> Result<(), Refusal> {
    let pa = frame::alloc_zeroed().ok_or(Refusal::OutOfMemory)?;
    userpte::map(pt, page, pa, userpte::flags_for(perm) | A | D)?;
    count_fault(what);
    Ok(())
}

/// A never-touched anonymous page: reads share the zero frame (read-only,
/// so the first write faults again and gets its own frame). `leaf`: its
/// empty slot, if the caller found it.
#[inline(always)]
fn anon(
    pt: &mut PageTable,
    leaf: Option<*mut Pte>,
    page: usize,
    perm: Perm,
    access: Access,
) -> Result<(), Refusal> {
    if access == Access::Write {
        let pa = frame::alloc_zeroed_user(page).ok_or(Refusal::OutOfMemory)?;
        map_at(pt, leaf, page, pa, userpte::flags_for(perm) | A | D)?;
        count_fault(kind::ZERO_FILLED);
        return Ok(());
    }
    let flags = userpte::flags_for(perm) & !W | A;
    map_at(pt, leaf, page, frame::zero_frame(), flags)?;
    count_fault(kind::ZERO_MAPPED);
    Ok(())
}

/// Store to a copy-on-write page: the last owner takes the frame over,
/// anyone else copies it.
#[inline(never)]
fn cow(pt: &mut PageTable, page: usize, pte: Pte) -> Result<(), Refusal> {
    let old = PhysAddr(pte.pa());
    if frame::refs(old) == 1 {
        userpte::set(pt, page, pte.without(COW).with(W | A | D));
        count_fault(kind::COW_TAKEOVER);
        return Ok(());
    }
    let new = frame::alloc_user(page).ok_or(Refusal::OutOfMemory)?;
    // SAFETY: `new` is ours alone; `old` is shared read-only by everyone
    // mapping it, so nobody writes it while we copy.
    unsafe { new.copy_page_from(old) };
    userpte::set(
        pt,
        page,
        Pte::new(new.0, pte.without(COW).flags() | W | A | D),
    );
    frame::put(old);
    count_fault(kind::COW_COPY);
    Ok(())
}

/// A page of a file-backed area. Shared areas map the file's one cached
/// frame; private ones get their own copy. Past the file's bytes (bss, the
/// tail of the last page) a page is zero.
#[inline(never)]
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
        return anon(pt, None, page, vma.perm, access);
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
            // SAFETY: a cached file page is never written by the kernel,
            // and user code writes only through shared mappings, whose
            // stores at worst make this private copy a moment old.
            let copy = unsafe { OwnedFrame::copy_of(c) };
            frame::put(c);
            let mut copy = copy.ok_or(Refusal::OutOfMemory)?;
            // Past the area's file bytes the page is zero.
            copy.bytes_mut()[in_file..].fill(0);
            copy.publish()
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
    let mut flags = userpte::flags_for(vma.perm) | A;
    if shared {
        flags |= crate::arch::riscv::pte::SHARED;
    }
    if access == Access::Write {
        flags |= D;
    }
    userpte::map(pt, page, pa, flags)?;
    count_fault(kind::FILE_READ);
    Ok(())
}

/// A new frame holding `n` bytes of the file at `off`, zeros after.
fn read_page(inode: &crate::fs::Inode, off: usize, n: usize) -> Result<PhysAddr, Refusal> {
    let mut f = OwnedFrame::alloc_zeroed().ok_or(Refusal::OutOfMemory)?;
    if n > 0 {
        let buf = &mut f.bytes_mut()[..n];
        match inode.read_at(off, crate::fs::IoDst::Kernel(buf), n) {
            Ok(got) if got == n => {}
            _ => return Err(Refusal::IoError),
        }
        stats::FILE_PAGES_READ.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    }
    Ok(f.publish())
}
