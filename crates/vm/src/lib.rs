//! Virtual-memory logic that needs no hardware, so it can be unit-tested on
//! the host: the per-address-space set of areas ([`VmaSet`]), an Sv39
//! page-table walker over an abstract physical memory ([`pte`]), the
//! page-fault decision table ([`fault`]), the swapped-PTE encoding
//! ([`swap`]), the swap-slot allocator ([`slots`]), eager allocation and its
//! reserve ([`eager`]), the reverse map ([`rmap`]) and what evicting a page
//! of a resident-limited region means ([`evict`]).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod eager;
pub mod evict;
pub mod fault;
pub mod pte;
pub mod reclaim;
pub mod rmap;
pub mod slots;
pub mod swap;
mod vma;

pub use vma::*;

/// Sv39 base page size. Kept here (not taken from `abi`) so the crate has no
/// dependencies; a test checks it equals `abi::layout::PAGE_SIZE`.
pub const PAGE_SIZE: usize = 4096;

/// Whether `addr` sits on a page boundary.
pub const fn is_page_aligned(addr: usize) -> bool {
    addr.is_multiple_of(PAGE_SIZE)
}

/// `addr` rounded down to its page.
pub const fn page_round_down(addr: usize) -> usize {
    addr & !(PAGE_SIZE - 1)
}

/// `addr` rounded up to a page boundary, or `None` if that would overflow.
pub const fn page_round_up(addr: usize) -> Option<usize> {
    match addr.checked_add(PAGE_SIZE - 1) {
        Some(a) => Some(page_round_down(a)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_matches_abi() {
        assert_eq!(PAGE_SIZE, abi::layout::PAGE_SIZE);
    }

    #[test]
    fn rounding() {
        assert!(is_page_aligned(0));
        assert!(is_page_aligned(0x3000));
        assert!(!is_page_aligned(0x3001));
        assert_eq!(page_round_down(0x3fff), 0x3000);
        assert_eq!(page_round_up(0x3001), Some(0x4000));
        assert_eq!(page_round_up(0x3000), Some(0x3000));
        assert_eq!(page_round_up(usize::MAX), None);
    }
}
