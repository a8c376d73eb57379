//! Eager allocation: pages made now instead of on their first fault. Used
//! by `sbrk(n, SBRK_EAGER)` and, before fork, for shared anonymous memory
//! (both sides must map the same frames, so they have to exist). Lazy
//! allocation and zero fill on demand are in mm/fault.rs.
use super::addr::VirtAddr;
use super::aspace::AddressSpace;
use super::frame;
use super::userpte;
use crate::arch::riscv::pte::{A, D};
use vm::fault::Refusal;
use vm::Perm;

/// Give `page` of an anonymous area a private zeroed frame now, without a
/// fault. A zero-frame mapping there is replaced.
pub fn zero_fill(asp: &mut AddressSpace, page: usize, perm: Perm) -> Result<(), Refusal> {
    let pa = frame::alloc_zeroed().ok_or(Refusal::OutOfMemory)?;
    asp.pt.unmap(VirtAddr(page));
    userpte::map(&mut asp.pt, page, pa, userpte::flags_for(perm) | A | D)
}
