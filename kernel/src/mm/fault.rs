//! The page-fault handler: the one place that decides what a fault means.
//!
//! Every fault, from user mode or from the kernel's own copies to and from
//! user memory, arrives here as (address, access). The decision reads the
//! area that covers the address and the page's PTE:
//!
//! | area            | PTE                         | access | outcome                       |
//! |-----------------|-----------------------------|--------|-------------------------------|
//! | none            | -                           | any    | refuse: not mapped / stack overflow (guard page) |
//! | lacks the perm  | -                           | any    | refuse: write to read-only, ...|
//! | any             | valid, COW                  | write  | copy, or take over if last owner |
//! | any             | valid, zero frame           | write  | private zeroed frame          |
//! | any             | valid, W clear (not COW)    | write  | set W (area allows it)        |
//! | any             | valid, A or D clear         | any    | set A (and D on write)        |
//! | any             | valid, allows it            | any    | nothing (another hart did it) |
//! | stack           | absent                      | any    | zeroed frame (stack growth)   |
//! | anonymous       | absent                      | read   | map the shared zero frame     |
//! | anonymous       | absent                      | write  | private zeroed frame          |
//! | file            | absent                      | any    | read the page from the file   |
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
use vm::{Perm, VmaFlags};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    Read,
    Write,
    Execute,
}

impl Access {
    pub fn name(self) -> &'static str {
        match self {
            Access::Read => "load",
            Access::Write => "store",
            Access::Execute => "fetch",
        }
    }
    fn perm(self) -> Perm {
        match self {
            Access::Read => Perm::R,
            Access::Write => Perm::W,
            Access::Execute => Perm::X,
        }
    }
}

/// Why a fault was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Refusal {
    NotMapped,
    ReadOnly,
    NotExecutable,
    NotReadable,
    StackOverflow,
    OutOfMemory,
    IoError,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::NotMapped => "not mapped",
            Refusal::ReadOnly => "write to read-only",
            Refusal::NotExecutable => "not executable",
            Refusal::NotReadable => "not readable",
            Refusal::StackOverflow => "stack overflow",
            Refusal::OutOfMemory => "out of memory",
            Refusal::IoError => "I/O error",
        }
    }
}

/// Resolve a fault at `va`, or say why not.
pub fn handle(asp: &mut AddressSpace, va: usize, access: Access) -> Result<(), Refusal> {
    // reslimit hook: makes room in a resident-limited region first.
    let r = super::reslimit::around_fault(asp, va, |asp| decide(asp, va, access));
    if r.is_err() {
        count_fault(kind::REFUSED);
    }
    r
}

fn decide(asp: &mut AddressSpace, va: usize, access: Access) -> Result<(), Refusal> {
    if va >= MAXVA {
        return Err(Refusal::NotMapped);
    }
    let page = page_round_down(va);
    let Some(vma) = asp.vmas.find(va) else {
        return Err(if (STACK_GUARD..STACK_BOTTOM).contains(&va) {
            Refusal::StackOverflow
        } else {
            Refusal::NotMapped
        });
    };
    if !allows(vma.perm, access) {
        return Err(match access {
            Access::Write => Refusal::ReadOnly,
            Access::Execute => Refusal::NotExecutable,
            Access::Read => Refusal::NotReadable,
        });
    }
    let (perm, flags) = (vma.perm, vma.flags);
    let pte = asp.pt.get(VirtAddr(page)).unwrap_or_default();
    if pte.is_valid() {
        let write = access == Access::Write;
        if write && pte.has(COW) {
            return cow(&mut asp.pt, page, pte);
        }
        if write && PhysAddr(pte.pa()) == frame::zero_frame() {
            asp.pt.unmap(VirtAddr(page));
            return map_new_zeroed(&mut asp.pt, page, perm, kind::ZERO_FILLED);
        }
        if write && !pte.has(W) {
            // The area allows writing but this page was mapped before it
            // did (a private file page read first): make it writable.
            set_pte(&mut asp.pt, page, pte.with(W | A | D));
            count_fault(kind::AD_SET);
            return Ok(());
        }
        let want = if write { A | D } else { A };
        if !pte.has(want) {
            set_pte(&mut asp.pt, page, pte.with(want));
            count_fault(kind::AD_SET);
        }
        // Otherwise another path already made the page: the TLB was stale.
        csr::sfence_vma(page);
        return Ok(());
    }
    if flags.contains(VmaFlags::STACK) {
        return map_new_zeroed(&mut asp.pt, page, perm, kind::STACK_GROWTH);
    }
    let vma = vma.clone();
    match &vma.backing {
        Backing::Anon => anon(&mut asp.pt, page, perm, access),
        Backing::File { .. } => file_page(&mut asp.pt, &vma, page, access),
    }
}

/// Whether an area with `perm` allows `access`. Writable implies readable:
/// Sv39 has no write-only pages (R=0, W=1 is reserved).
fn allows(perm: Perm, access: Access) -> bool {
    perm.contains(access.perm()) || (access == Access::Read && perm.contains(Perm::W))
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
    unsafe { new.as_page().copy_from_slice(old.as_page()) };
    set_pte(
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
    let cached = (file_off % PAGE_SIZE == 0)
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
        if let Some(pte) = pt.get(VirtAddr(va)).filter(|p| p.is_valid() && p.has(D)) {
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
            if pte.is_valid() {
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
