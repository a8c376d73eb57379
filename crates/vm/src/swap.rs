//! What a leaf page-table slot holds, as one `match`able state, and the
//! encoding of a page that is out on the swap disk.
//!
//! A swapped page's PTE is *not valid* (V=0, so the hardware faults on any
//! access and ignores every other bit), carries the software marker
//! [`SWAPPED`] in bit 8, and the slot number in bits 10..42 where a valid
//! PTE has its PPN:
//!
//! ```text
//!  63      42 41                 10 9 8 7      1 0
//! +----------+---------------------+-+-+--------+-+
//! |   zero   |     swap slot       |0|1|  zero  |0|
//! +----------+---------------------+-+-+--------+-+
//!                                     |          +-- V = 0
//!                                     +------------- SWAPPED
//! ```
//!
//! An all-zero entry is absent. Any other not-valid pattern is never
//! written by the kernel; [`PteState::of`] reports it as `Corrupt` so a
//! walker must decide what to do with it instead of reading it as absent.

use crate::pte::V;

/// Software marker of a swapped-out page (RSW bit 8; in a valid PTE the
/// same bit means copy-on-write, but the two never meet: V differs).
pub const SWAPPED: u64 = 1 << 8;
/// Slot numbers are 32 bits.
const SLOT_SHIFT: u32 = 10;

/// The state of one leaf slot.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PteState {
    /// Nothing there: the page has never been made, or was dropped.
    Absent,
    /// Valid: the raw PTE (flags and frame).
    Present(u64),
    /// Out on the swap disk in this slot.
    Swapped(u32),
    /// Not valid, not zero and no swap marker: never written by the kernel.
    Corrupt(u64),
}

impl PteState {
    pub fn of(pte: u64) -> PteState {
        if pte & V != 0 {
            PteState::Present(pte)
        } else if pte == 0 {
            PteState::Absent
        } else if pte & SWAPPED != 0 && pte & !(SWAPPED | (0xffff_ffff << SLOT_SHIFT)) == 0 {
            PteState::Swapped((pte >> SLOT_SHIFT) as u32)
        } else {
            PteState::Corrupt(pte)
        }
    }
}

/// The PTE of a page swapped out to `slot`.
pub fn swap_pte(slot: u32) -> u64 {
    ((slot as u64) << SLOT_SHIFT) | SWAPPED
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pte::{pa_to_pte, A, COW, R, U, W};

    #[test]
    fn round_trip_every_width() {
        for slot in [0u32, 1, 2, 4095, 0x1234_5678, u32::MAX] {
            let p = swap_pte(slot);
            assert_eq!(p & V, 0, "a swapped PTE is never valid");
            assert_eq!(PteState::of(p), PteState::Swapped(slot));
        }
    }

    #[test]
    fn zero_is_absent_and_slot_zero_is_not() {
        assert_eq!(PteState::of(0), PteState::Absent);
        assert_ne!(swap_pte(0), 0);
    }

    #[test]
    fn valid_cow_is_present_not_swapped() {
        let p = pa_to_pte(0x8000_0000, V | R | U | A | COW);
        assert_eq!(PteState::of(p), PteState::Present(p));
        let p = pa_to_pte(0x8000_1000, V | R | W | U);
        assert_eq!(PteState::of(p), PteState::Present(p));
    }

    #[test]
    fn stray_bits_are_corrupt() {
        assert_eq!(PteState::of(R), PteState::Corrupt(R));
        let bad = swap_pte(3) | W;
        assert_eq!(PteState::of(bad), PteState::Corrupt(bad));
        let high = swap_pte(3) | (1 << 50);
        assert_eq!(PteState::of(high), PteState::Corrupt(high));
    }
}
