//! A user address space: the page table plus the set of areas (VMAs) that
//! say what may be there. Pages are made by the fault handler; this file
//! creates, resizes and tears down.
use super::addr::{page_round_up, PhysAddr, VirtAddr, PAGE_SIZE};
use super::backing::{Backing, Vma, VmaSet};
use super::frame;
use super::pagetable::{NoMemory, PageTable};
use crate::arch::riscv::asm::trampoline;
use crate::arch::riscv::csr;
use crate::arch::riscv::pte::{Pte, R, U, V, W, X};
use abi::layout::{MMAP_BASE, TRAMPOLINE, TRAPFRAME};
use vm::swap::PteState;
use vm::{Perm, VmaError, VmaFlags};

pub struct AddressSpace {
    pub pt: PageTable,
    pub vmas: VmaSet,
    /// Where the heap starts (end of the program's data, page-aligned).
    pub heap_start: usize,
    /// The program break: the heap is [heap_start, brk).
    pub brk: usize,
    /// Regions with a resident limit (mm/reslimit.rs).
    pub limits: super::reslimit::Limits,
    /// Where reclaim's clock hand stopped in this space (a user address).
    pub clock_hand: usize,
}

impl AddressSpace {
    /// An empty space with the trampoline and the process's trapframe.
    pub fn new(trapframe: PhysAddr) -> Result<AddressSpace, NoMemory> {
        let tramp = core::ptr::addr_of!(trampoline) as usize;
        // From here on a failure drops `asp`, which frees every table.
        let mut asp = AddressSpace {
            pt: PageTable::new()?,
            vmas: VmaSet::with_limit(abi::limits::MAX_AREAS),
            heap_start: 0,
            brk: 0,
            limits: super::reslimit::Limits::new(),
            clock_hand: 0,
        };
        asp.pt.map(VirtAddr(TRAMPOLINE), PhysAddr(tramp), R | X)?;
        asp.pt.map(VirtAddr(TRAPFRAME), trapframe, R | W)?;
        Ok(asp)
    }

    /// Release the pages mapped in [start, end): each frame loses one
    /// owner, each swapped page its slot.
    pub fn release_pages(&mut self, start: usize, end: usize) {
        let mut n = 0;
        let counts = frame::counts();
        self.pt.for_each_slot(start, end, |va, slot| {
            let pte = slot.0;
            if pte == 0 {
                return;
            }
            // Present pages, the common case (exit after fork visits every
            // one): one atomic subtract, no further lookups.
            if pte & V != 0 {
                counts.put_last(vm::pte::pte_pa(pte));
                n += 1;
            } else {
                match PteState::of(pte) {
                    PteState::Swapped(s) => super::swap::release(s),
                    PteState::Corrupt(p) => {
                        crate::println!("release_pages: corrupt PTE {p:#x} at {va:#x} dropped")
                    }
                    PteState::Absent | PteState::Present(_) => {}
                }
            }
            *slot = Pte(0);
        });
        // A few pages: flush just them; many: the whole TLB is cheaper.
        if n > 0 && (end - start) / PAGE_SIZE > 16 {
            csr::sfence_vma_all();
        } else if n > 0 {
            (start..end).step_by(PAGE_SIZE).for_each(csr::sfence_vma);
        }
    }

    /// Remove [start, end) from the areas and the page table. Fails,
    /// changing nothing, if splitting would leave too many areas.
    pub fn unmap(&mut self, start: usize, end: usize) -> Result<(), VmaError> {
        // Page tables shared by fork get a private copy first, while
        // failing still changes nothing.
        self.pt
            .unshare_range(start, end)
            .map_err(|_| VmaError::NoMemory)?;
        let (start, end) = self.vmas.split_for_remove(start, end)?;
        // reslimit hook: limits on the range end before its pages go.
        self.limits.forget(start, end);
        // One piece at a time: collecting them would allocate.
        while let Some(piece) = self.vmas.take_first_in(start, end) {
            self.discard(&piece);
        }
        Ok(())
    }

    /// Tear down the pages of an area already taken out of the set: write
    /// back what a shared file mapping dirtied, release the frames, and let
    /// the page cache drop pages nobody maps any more.
    fn discard(&mut self, vma: &Vma) {
        super::writeback::write_back(&mut self.pt, vma);
        self.release_pages(vma.start, vma.end);
        if let (true, Backing::File { inode, offset, .. }) =
            (vma.flags.contains(VmaFlags::SHARED), &vma.backing)
        {
            let first = offset / PAGE_SIZE;
            super::pagecache::release_unmapped(inode.inum(), first, first + vma.len() / PAGE_SIZE);
        }
    }

    /// Set up the heap area after exec has placed the program.
    pub fn init_heap(&mut self, start: usize) {
        self.heap_start = start;
        self.brk = start;
    }

    /// Move the break by `n` bytes. Growth only records the new size
    /// (pages come on first touch) unless `eager`, which allocates every
    /// new page now and undoes everything if memory runs out. Shrinking
    /// frees at once; shrinking by more than the heap changes nothing.
    /// Returns the old break, or None if the break cannot move there.
    pub fn sbrk(&mut self, n: isize, eager: bool) -> Option<usize> {
        let old = self.brk;
        let new = if n >= 0 {
            old.checked_add(n as usize)?
        } else {
            match old.checked_sub(n.unsigned_abs()) {
                Some(new) if new >= self.heap_start => new,
                // Shrinking by more than the heap: xv6 (uvmdealloc) leaves
                // the break where it is and sbrk returns it, so do we. (xv6
                // would shrink into the program's data if it could; the
                // heap is all faultline will give back.)
                _ => return Some(old),
            }
        };
        if new > MMAP_BASE {
            return None;
        }
        let (old_top, new_top) = (page_round_up(old), page_round_up(new));
        if new_top > old_top {
            // A new area above the old top; the set merges it with the heap
            // below when they match (a hole munmapped in the heap stays a hole).
            let area = Vma::new(
                old_top,
                new_top,
                Perm::R | Perm::W,
                VmaFlags::HEAP,
                Backing::Anon,
            );
            if self.vmas.insert(area).is_err() {
                return None;
            }
            if eager {
                let mut call = super::eager::Call::default();
                for va in (old_top..new_top).step_by(PAGE_SIZE) {
                    // The last free frames are the faults' (mm/eager.rs):
                    // near them, our own unused clean file pages go first,
                    // then it is -1.
                    let r = if super::eager::may_take(self, &mut call) {
                        super::eager::zero_fill(self, va, Perm::R | Perm::W)
                    } else {
                        Err(vm::fault::Refusal::OutOfMemory)
                    };
                    if r.is_err() {
                        // Removing what was just added cannot split anything
                        // but the heap below: the count cannot grow.
                        let _ = self.unmap(old_top, new_top);
                        return None;
                    }
                }
            }
        } else if new_top < old_top {
            self.unmap(new_top, old_top).ok()?;
        }
        self.brk = new;
        Some(old)
    }

    /// Frames mapped by user pages (for `procs`).
    pub fn resident(&self) -> usize {
        let mut n = 0;
        self.pt.for_each_leaf(|_, pte| {
            if pte & U != 0 {
                n += 1
            }
        });
        n
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        // Allocates nothing: a process with the most areas must be able to
        // exit when the kernel heap is full. Page tables shared with a
        // parent or child just lose us as an owner (their pages stay with
        // the others): a COW child's exit visits no page.
        self.pt.detach_shared();
        while let Some(vma) = self.vmas.take_first_in(0, usize::MAX) {
            self.discard(&vma);
        }
        // The trampoline and trapframe aren't ours to free.
        self.pt.unmap(VirtAddr(TRAMPOLINE));
        self.pt.unmap(VirtAddr(TRAPFRAME));
        // Every area was discarded above; anything left is outside them.
        self.pt.for_each_entry(|_, s| match s {
            PteState::Present(pte) => frame::put(PhysAddr(vm::pte::pte_pa(pte))),
            PteState::Swapped(slot) => super::swap::release(slot),
            PteState::Absent | PteState::Corrupt(_) => {}
        });
        // The tables themselves go when `self.pt` is dropped.
    }
}
