//! Duplicating an address space for fork. With copy-on-write (the default)
//! nothing is copied: every private writable page becomes read-only and
//! marked COW in both parent and child, and its frame gains an owner. The
//! `cow=0` boot option (or `vmctl`) selects eager copying, kept to measure
//! what copy-on-write saves.
use super::addr::{PhysAddr, VirtAddr};
use super::aspace::AddressSpace;
use super::frame;
use super::pagetable::NoMemory;
use crate::arch::riscv::csr;
use crate::arch::riscv::pte::{Pte, COW, U, W};
use core::sync::atomic::{AtomicBool, Ordering};
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
        self.materialize_shared_anon()?;
        let mut child = AddressSpace::new(trapframe)?;
        for v in self.vmas.iter() {
            child.vmas.insert(v.clone()).map_err(|_| NoMemory)?;
        }
        child.heap_start = self.heap_start;
        child.brk = self.brk;
        let cow = cow_enabled();
        let root = self.pt.root();
        let mut result = Ok(());
        let vmas = &self.vmas;
        self.pt.for_each_leaf(|va, raw| {
            if result.is_err() || raw & U == 0 {
                return;
            }
            let pte = Pte(raw);
            let pa = PhysAddr(pte.pa());
            let shared = vmas
                .find(va)
                .is_some_and(|v| v.flags.contains(VmaFlags::SHARED));
            let private_writable = !shared && (pte.has(W) || pte.has(COW));
            let child_pte = if !private_writable || pa == frame::zero_frame() {
                frame::get(pa);
                pte
            } else if cow {
                let marked = pte.without(W).with(COW);
                // The parent's page turns read-only too.
                if let Some(slot) = super::pagetable::slot_of(root, VirtAddr(va)) {
                    // SAFETY: the parent's own table, alive for this call;
                    // the iteration only reads entries it has passed.
                    unsafe { *slot = marked };
                }
                frame::get(pa);
                marked
            } else {
                let Some(copy) = frame::alloc() else {
                    result = Err(NoMemory);
                    return;
                };
                // SAFETY: `copy` is new and ours; `pa` is the parent's page,
                // which nobody else writes while the parent is in fork.
                unsafe { copy.as_page().copy_from_slice(pa.as_page()) };
                Pte::new(copy.0, pte.without(COW).flags() | W)
            };
            if let Some(slot) = child.pt.slot(VirtAddr(va), true) {
                *slot = child_pte;
            } else {
                frame::put(PhysAddr(child_pte.pa()));
                result = Err(NoMemory);
            }
        });
        // Processes are single-threaded and every return to user space
        // flushes the TLB, so only this hart can hold the parent's old
        // writable translations.
        csr::sfence_vma_all();
        result.map(|_| child)
    }
}


impl AddressSpace {
    /// Shared anonymous memory has no file to meet in, so before fork every
    /// page of it gets its own frame (instead of the zero frame or nothing);
    /// parent and child then map the same frames.
    fn materialize_shared_anon(&mut self) -> Result<(), NoMemory> {
        let ranges: alloc::vec::Vec<(usize, usize, vm::Perm)> = self
            .vmas
            .iter()
            .filter(|v| v.flags.contains(VmaFlags::SHARED) && matches!(v.backing, super::backing::Backing::Anon))
            .map(|v| (v.start, v.end, v.perm))
            .collect();
        for (start, end, perm) in ranges {
            for va in (start..end).step_by(super::PAGE_SIZE) {
                let present = self
                    .pt
                    .get(VirtAddr(va))
                    .is_some_and(|p| p.is_valid() && PhysAddr(p.pa()) != frame::zero_frame());
                if !present {
                    super::fault::zero_fill(self, va, perm).map_err(|_| NoMemory)?;
                }
            }
        }
        Ok(())
    }
}
