//! mprotect's page-table half: after the areas of [start, end) took their
//! new permission (`VmaSet::protect`, called by `syscall::mm`), the pages
//! already present get it too. Absent and swapped pages get it when they
//! next fault in.
use super::addr::{VirtAddr, PAGE_SIZE};
use super::pagetable::PageTable;
use super::userpte;
use crate::arch::riscv::csr;
use crate::arch::riscv::pte::{Pte, W};
use vm::swap::PteState;
use vm::Perm;

/// Give present pages of [start, end) the permission `perm`, except that
/// copy-on-write pages and the zero frame stay unwritable (their next write
/// must still fault).
pub fn reprotect(pt: &mut PageTable, start: usize, end: usize, perm: Perm) {
    let mut va = start;
    while va < end {
        if let Some(slot) = pt.slot(VirtAddr(va), false) {
            let pte = *slot;
            if let PteState::Present(_) = PteState::of(pte.0) {
                let mut flags = pte.flags() & !userpte::perm_mask() | userpte::flags_for(perm);
                if !userpte::may_become_writable(pte) {
                    flags &= !W;
                }
                *slot = Pte::new(pte.pa(), flags);
                csr::sfence_vma(va);
            }
        }
        va += PAGE_SIZE;
    }
}
