//! Copies between the kernel and the current process's memory. They walk
//! the process's page table in software (the kernel runs on its own page
//! table) and, where a page is missing or needs copy-on-write, call the
//! same fault handler as a user access would. A refused access returns
//! Err: the system call fails with -1 and the process lives.
use super::addr::{page_round_down, PhysAddr, VirtAddr, PAGE_SIZE};
use super::aspace::AddressSpace;
use super::fault::{self, Access};
use crate::arch::riscv::pte::{A, COW, D, R, U, W};
use crate::proc;

/// The physical address backing user `va` for `access`, faulting the page
/// in (or copying it on write) as a user access would.
pub fn user_pa(
    asp: &mut AddressSpace,
    va: usize,
    access: Access,
) -> Result<PhysAddr, fault::Refusal> {
    let page = page_round_down(va);
    // Usually one fault makes the page. Under memory pressure the next
    // fault's reclaim may push it out again before we get here; a few
    // more tries, then give up as not mapped.
    for _ in 0..8 {
        if let Some(slot) = asp.pt.slot(VirtAddr(page), false) {
            let pte = *slot;
            let present = match vm::swap::PteState::of(pte.0) {
                vm::swap::PteState::Present(_) => true,
                // Swapped: the fault handler brings it back.
                vm::swap::PteState::Absent
                | vm::swap::PteState::Swapped(_)
                | vm::swap::PteState::Corrupt(_) => false,
            };
            let ok = present
                && pte.has(U)
                && match access {
                    Access::Write => pte.has(W) && !pte.has(COW),
                    _ => pte.has(R),
                };
            if ok {
                // The hardware would set these on a user access; keep the
                // page's history true for the kernel's accesses as well.
                let ad = if access == Access::Write { A | D } else { A };
                if !pte.has(ad) {
                    *slot = pte.with(ad);
                }
                return Ok(PhysAddr(pte.pa() + (va - page)));
            }
        }
        // reslimit hook: no file writes from eviction inside a system call.
        super::reslimit::in_kernel_copy(asp, |asp| fault::handle(asp, va, access))?;
    }
    Err(fault::Refusal::NotMapped)
}

/// Run `f` on each piece of user range [va, va+len), split at page
/// boundaries, with the piece's kernel pointer.
fn for_pages(
    asp: &mut AddressSpace,
    va: usize,
    len: usize,
    access: Access,
    mut f: impl FnMut(*mut u8, usize, usize),
) -> Result<(), ()> {
    let end = va.checked_add(len).ok_or(())?;
    let mut cur = va;
    while cur < end {
        let n = (PAGE_SIZE - (cur % PAGE_SIZE)).min(end - cur);
        let pa = user_pa(asp, cur, access).map_err(|_| ())?;
        f(pa.as_ptr(), cur - va, n);
        cur += n;
    }
    Ok(())
}

/// Copy `src` to `dst_va` in address space `asp` (exec builds the new
/// stack this way before the space is the process's own).
pub fn copy_to(asp: &mut AddressSpace, dst_va: usize, src: &[u8]) -> Result<(), ()> {
    for_pages(asp, dst_va, src.len(), Access::Write, |p, off, n| {
        // SAFETY: p points at n bytes of a frame mapped writable by the user.
        unsafe { core::ptr::copy_nonoverlapping(src[off..].as_ptr(), p, n) }
    })
}

/// Make sure [va, va+len) of the current process can be written (faulting
/// pages in), without writing.
pub fn probe_write(va: usize, len: usize) -> Result<(), ()> {
    proc::with_aspace(|asp| for_pages(asp, va, len, Access::Write, |_, _, _| {}))
}

/// Copy `src` to user address `dst_va`.
pub fn copy_out(dst_va: usize, src: &[u8]) -> Result<(), ()> {
    proc::with_aspace(|asp| copy_to(asp, dst_va, src))
}

/// Copy from user address `src_va` into `dst`.
pub fn copy_in(dst: &mut [u8], src_va: usize) -> Result<(), ()> {
    proc::with_aspace(|asp| {
        for_pages(asp, src_va, dst.len(), Access::Read, |p, off, n| {
            // SAFETY: p points at n readable bytes of a user frame.
            unsafe { core::ptr::copy_nonoverlapping(p, dst[off..].as_mut_ptr(), n) }
        })
    })
}

/// Copy a NUL-terminated string from user space into `buf`; returns its
/// length (without the NUL). Err if it's unreadable or doesn't fit.
pub fn copy_in_str(src_va: usize, buf: &mut [u8]) -> Result<usize, ()> {
    proc::with_aspace(|asp| {
        let mut i = 0;
        while i < buf.len() {
            let va = src_va.checked_add(i).ok_or(())?;
            let pa = user_pa(asp, va, Access::Read).map_err(|_| ())?;
            let n = (PAGE_SIZE - (va % PAGE_SIZE)).min(buf.len() - i);
            // SAFETY: n readable bytes of a user frame, copied raw (no
            // reference to it: another process sharing the page may be
            // writing it).
            unsafe { core::ptr::copy_nonoverlapping(pa.as_ptr::<u8>(), buf[i..].as_mut_ptr(), n) };
            if let Some(z) = buf[i..i + n].iter().position(|&c| c == 0) {
                return Ok(i + z);
            }
            i += n;
        }
        Err(())
    })
}

/// Read a u64 from user space.
pub fn read_u64(va: usize) -> Result<u64, ()> {
    let mut b = [0u8; 8];
    copy_in(&mut b, va)?;
    Ok(u64::from_le_bytes(b))
}
