//! Write-back of shared file mappings: before a `MAP_SHARED` file area
//! goes away (munmap, exit, exec) or a resident-limited page of one is
//! evicted, its dirty pages are written to the file. Only the bytes the
//! file already has are written: a mapping never grows its file.
//! (Reclaim writes dirty shared pages back on its own path, mm/reclaim.rs.)
use super::addr::{PhysAddr, PAGE_SIZE};
use super::backing::{Backing, Vma};
use super::pagetable::PageTable;
use super::stats;
use crate::arch::riscv::pte::{Pte, D};
use vm::swap::PteState;
use vm::VmaFlags;

/// Write the dirty pages of a shared file area back to its file and mark
/// them clean.
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
        let dirty = match super::fault::page_state(pt, va) {
            PteState::Present(p) => Some(Pte(p)).filter(|p| p.has(D)),
            PteState::Absent | PteState::Swapped(_) | PteState::Corrupt(_) => None,
        };
        if let Some(pte) = dirty {
            let off = offset + (va - vma.start);
            if inode.write_frame_within(off, PhysAddr(pte.pa())).is_ok() {
                stats::FILE_PAGES_WRITTEN.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                super::userpte::set(pt, va, pte.without(D));
            }
        }
        va += PAGE_SIZE;
    }
}
