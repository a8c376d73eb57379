//! Writing one user page's PTE: the flags an area's permission gives a
//! page, and installing a mapping with the TLB flush it needs. Shared by
//! the fault handler, eager allocation and mprotect, so a page made any of
//! these ways looks the same.
use super::addr::{PhysAddr, VirtAddr};
use super::frame;
use super::pagetable::PageTable;
use crate::arch::riscv::csr;
use crate::arch::riscv::pte::{Pte, R, U};
use vm::fault::Refusal;
use vm::Perm;

/// PTE flags for a user page of an area with `perm`. A PROT_NONE page that
/// is present keeps its frame in a leaf without U (readable by nobody in
/// user mode; V with no R/W/X would mean "next-level table").
pub fn flags_for(perm: Perm) -> u64 {
    if perm.is_empty() {
        return R;
    }
    let mut f = perm.pte_bits() | U;
    if perm.contains(Perm::W) {
        f |= R;
    }
    f
}

/// The permission bits `flags_for` may set (what mprotect replaces).
pub fn perm_mask() -> u64 {
    (Perm::R | Perm::W | Perm::X).pte_bits() | U
}

/// Replace the PTE of a page whose table exists, and flush this hart's TLB
/// entry for it.
pub fn set(pt: &mut PageTable, page: usize, pte: Pte) {
    if let Some(slot) = pt.slot(VirtAddr(page), false) {
        *slot = pte;
    }
    csr::sfence_vma(page);
}

/// Map `pa` at `page`. On failure (no frame for a page-table page) the
/// frame's reference is given back, so the caller has nothing to undo.
pub fn map(pt: &mut PageTable, page: usize, pa: PhysAddr, flags: u64) -> Result<(), Refusal> {
    pt.map(VirtAddr(page), pa, flags).map_err(|_| {
        frame::put(pa);
        Refusal::OutOfMemory
    })?;
    frame::note_user(pa, page); // rmap hook
    csr::sfence_vma(page);
    Ok(())
}

/// Whether a present PTE with these flags may become writable by a
/// permission change: copy-on-write pages and the zero frame must still
/// fault on their next write.
pub fn may_become_writable(pte: Pte) -> bool {
    !pte.has(crate::arch::riscv::pte::COW) && PhysAddr(pte.pa()) != frame::zero_frame()
}
