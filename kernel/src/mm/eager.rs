//! Eager allocation: pages made now instead of on their first fault. Used
//! by `sbrk(n, SBRK_EAGER)` and, before fork, for shared anonymous memory
//! (both sides must map the same frames, so they have to exist). Lazy
//! allocation and zero fill on demand are in mm/fault.rs.
//!
//! The reserve (the decisions are `vm::eager`'s, host-tested): eager sbrk
//! never takes the last `reserve()` free frames (the min watermark): faults need them, and a fault that finds no frame ends in
//! the out-of-memory killer. Near the reserve, it first drops the caller's
//! own clean file pages that it has not used since the previous scan (A
//! bit clear), and clears A on the rest. Eager sbrk fails only when the
//! reserve is reached and no such page is left. So xv6's way of counting
//! free memory (sbrk a page at a time until it fails, give it back) counts
//! the same number each time, even if the program faulted in more of its
//! own code in between: those pages are dropped again while counting,
//! and the pages the counting loop runs on stay (their A bit is set again
//! between two calls).
//!
//! Only the caller's own pages: it holds its address-space lock, it takes
//! no other, and another process is not slowed by one that counts.
//! Nothing is written (not to swap, not to a file), so no lock is needed
//! beyond that one. Pages of resident-limited regions are left to their
//! own policy (`mm/reslimit.rs`).
use super::addr::{PhysAddr, VirtAddr, PAGE_SIZE};
use super::aspace::AddressSpace;
use super::backing::Backing;
use super::frame;
use super::reclaim;
use super::userpte;
use crate::arch::riscv::csr;
use crate::arch::riscv::pte::{Pte, A, D};
use core::sync::atomic::Ordering;
use vm::eager::{after_scan, before_take, visit, Step, Visit};
use vm::fault::Refusal;
use vm::reclaim::PageKind;
use vm::swap::PteState;
use vm::{Perm, VmaFlags};

/// Give `page` of an anonymous area a private zeroed frame now, without a
/// fault. A zero-frame mapping there is replaced.
pub fn zero_fill(asp: &mut AddressSpace, page: usize, perm: Perm) -> Result<(), Refusal> {
    let pa = frame::alloc_zeroed().ok_or(Refusal::OutOfMemory)?;
    asp.pt.unmap(VirtAddr(page));
    userpte::map(&mut asp.pt, page, pa, userpte::flags_for(perm) | A | D)
}

/// Frames eager allocation leaves free for faults.
pub fn reserve() -> usize {
    reclaim::watermarks().0
}

/// One system call's eager allocation: it scans at most once.
#[derive(Default)]
pub struct Call {
    scanned: bool,
}

/// Whether the caller may take one more frame eagerly now; near the
/// reserve this first drops its unused clean file pages.
pub fn may_take(asp: &mut AddressSpace, call: &mut Call) -> bool {
    match before_take(frame::free_count(), reserve(), call.scanned) {
        Step::Take => true,
        Step::Fail => false,
        Step::Scan => {
            call.scanned = true;
            // A test holding frames means "exactly this many free".
            if !super::hold::active() {
                scan(asp);
            }
            after_scan(frame::free_count(), reserve())
        }
    }
}

/// Frames freed per batch: one TLB flush covers a batch.
const BATCH: usize = 32;

/// Drop the unused clean file pages of `asp`, clear A on the used ones.
/// Returns the frames freed.
fn scan(asp: &mut AddressSpace) -> usize {
    let zero = frame::zero_frame();
    // Each dropped page's frame, and for a shared file page its (inode
    // number, page index in the file) for the page cache.
    let mut gone: [(PhysAddr, Option<(u32, usize)>); BATCH] = [(PhysAddr(0), None); BATCH];
    let mut n = 0;
    let mut freed = 0;
    let mut aged = false;
    let limits = &asp.limits;
    let pt = &mut asp.pt;
    for v in asp.vmas.iter() {
        let (kind, file) = match (&v.backing, v.flags.contains(VmaFlags::SHARED)) {
            (Backing::File { .. }, false) => (PageKind::PrivateFile, None),
            (Backing::File { inode, offset, .. }, true) => (
                PageKind::SharedFile,
                Some((inode.inum(), offset / PAGE_SIZE)),
            ),
            (Backing::Anon, _) => continue,
        };
        pt.for_each_slot(v.start, v.end, |va, slot| {
            let PteState::Present(raw) = PteState::of(slot.0) else {
                return;
            };
            if limits.is_limited(va) {
                return;
            }
            let pa = PhysAddr(slot.pa());
            match visit(kind, raw, pa == zero) {
                Visit::Keep => {}
                Visit::ClearAccessed => {
                    *slot = slot.without(A);
                    aged = true;
                }
                Visit::Drop => {
                    *slot = Pte(0);
                    if n == BATCH {
                        freed += release(&mut gone[..n]);
                        n = 0;
                    }
                    gone[n] = (
                        pa,
                        file.map(|(i, first)| (i, first + (va - v.start) / PAGE_SIZE)),
                    );
                    n += 1;
                }
            }
        });
    }
    if aged && n == 0 {
        // The process runs on this hart only (one thread), and every
        // switch to the kernel's page table flushed the other harts' TLBs:
        // a local flush makes the cleared A bits count.
        csr::sfence_vma_all();
    }
    freed += release(&mut gone[..n]);
    reclaim::RECLAIMED.fetch_add(freed as u64, Ordering::Relaxed);
    freed
}

/// Let the frames of unmapped pages go, after a TLB flush. For a shared
/// file page the page cache keeps the frame until nobody maps it.
fn release(gone: &mut [(PhysAddr, Option<(u32, usize)>)]) -> usize {
    if gone.is_empty() {
        return 0;
    }
    csr::sfence_vma_all();
    let mut freed = 0;
    for &(pa, file) in gone.iter() {
        reclaim::FILE_DROPPED.fetch_add(1, Ordering::Relaxed);
        if frame::put_last(pa) {
            freed += 1;
        } else if let Some((inum, idx)) = file.filter(|_| frame::refs(pa) == 1) {
            super::pagecache::release_unmapped(inum, idx, idx);
            freed += 1;
        }
    }
    freed
}
