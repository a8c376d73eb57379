//! One test per row of the decision table (and the edges between rows).
use super::*;
use crate::pte::{pa_to_pte, R, U, V, X};
use crate::swap::{swap_pte, PteState};

fn rw() -> Perm {
    Perm::R | Perm::W
}

fn area(perm: Perm) -> Option<Area> {
    Some(Area {
        perm,
        flags: VmaFlags::NONE,
        file: false,
    })
}

fn file(perm: Perm) -> Option<Area> {
    Some(Area {
        perm,
        flags: VmaFlags::NONE,
        file: true,
    })
}

fn stack() -> Option<Area> {
    Some(Area {
        perm: rw(),
        flags: VmaFlags::STACK,
        file: false,
    })
}

fn present(flags: u64) -> Page {
    Page::Present(Present {
        pte: pa_to_pte(0x8010_0000, V | U | flags),
        zero: false,
        sole: false,
    })
}

#[test]
fn no_area_is_not_mapped() {
    for a in [Access::Read, Access::Write, Access::Execute] {
        assert_eq!(
            decide(None, false, Page::Absent, a),
            Action::Refuse(Refusal::NotMapped)
        );
    }
}

#[test]
fn no_area_in_guard_is_stack_overflow() {
    assert_eq!(
        decide(None, true, Page::Absent, Access::Write),
        Action::Refuse(Refusal::StackOverflow)
    );
}

#[test]
fn missing_permission_is_refused_before_the_page_is_looked_at() {
    let r = area(Perm::R);
    assert_eq!(
        decide(r, false, present(R | A | D), Access::Write),
        Action::Refuse(Refusal::ReadOnly)
    );
    assert_eq!(
        decide(r, false, Page::Swapped(3), Access::Execute),
        Action::Refuse(Refusal::NotExecutable)
    );
    assert_eq!(
        decide(area(Perm::X), false, Page::Absent, Access::Read),
        Action::Refuse(Refusal::NotReadable)
    );
    assert_eq!(
        decide(area(Perm::NONE), false, Page::Swapped(1), Access::Read),
        Action::Refuse(Refusal::NotReadable)
    );
}

#[test]
fn writable_area_is_readable() {
    assert_eq!(
        decide(area(Perm::W), false, Page::Absent, Access::Read),
        Action::MapZero
    );
}

#[test]
fn corrupt_entry_is_refused() {
    let s = PteState::of(W | (5 << 10));
    let p = Page::from_state(s, false, false);
    assert_eq!(p, Page::Corrupt);
    assert_eq!(
        decide(area(rw()), false, p, Access::Read),
        Action::Refuse(Refusal::Corrupt)
    );
}

#[test]
fn swapped_page_swaps_in_for_every_allowed_access() {
    let p = Page::from_state(PteState::of(swap_pte(42)), false, false);
    assert_eq!(p, Page::Swapped(42));
    for a in [Access::Read, Access::Write] {
        assert_eq!(decide(area(rw()), false, p, a), Action::SwapIn(42));
    }
    let rx = area(Perm::R | Perm::X);
    assert_eq!(decide(rx, false, p, Access::Execute), Action::SwapIn(42));
    assert_eq!(decide(stack(), false, p, Access::Read), Action::SwapIn(42));
    assert_eq!(
        decide(file(rw()), false, p, Access::Write),
        Action::SwapIn(42)
    );
}

#[test]
fn cow_store_copies_when_shared_and_takes_over_when_sole() {
    let pte = pa_to_pte(0x8020_0000, V | U | R | A | COW);
    let shared = Page::Present(Present {
        pte,
        zero: false,
        sole: false,
    });
    let sole = Page::Present(Present {
        pte,
        zero: false,
        sole: true,
    });
    assert_eq!(
        decide(area(rw()), false, shared, Access::Write),
        Action::CowCopy
    );
    assert_eq!(
        decide(area(rw()), false, sole, Access::Write),
        Action::CowTakeover
    );
    // A read of a COW page needs nothing.
    assert_eq!(
        decide(area(rw()), false, shared, Access::Read),
        Action::Flush
    );
}

#[test]
fn store_to_zero_frame_replaces_it() {
    let z = Page::Present(Present {
        pte: pa_to_pte(0x8000_0000, V | U | R | A),
        zero: true,
        sole: false,
    });
    assert_eq!(
        decide(area(rw()), false, z, Access::Write),
        Action::ReplaceZero
    );
    assert_eq!(decide(area(rw()), false, z, Access::Read), Action::Flush);
}

#[test]
fn store_to_present_read_only_pte_in_writable_area_sets_w() {
    assert_eq!(
        decide(file(rw()), false, present(R | A), Access::Write),
        Action::SetWrite
    );
}

#[test]
fn clear_accessed_or_dirty_bits_are_set() {
    assert_eq!(
        decide(area(rw()), false, present(R | W), Access::Read),
        Action::SetBits(A)
    );
    assert_eq!(
        decide(area(rw()), false, present(R | W | A), Access::Write),
        Action::SetBits(A | D)
    );
    assert_eq!(
        decide(
            area(Perm::R | Perm::X),
            false,
            present(R | X),
            Access::Execute
        ),
        Action::SetBits(A)
    );
}

#[test]
fn present_and_allowed_only_flushes() {
    assert_eq!(
        decide(area(rw()), false, present(R | W | A | D), Access::Write),
        Action::Flush
    );
}

#[test]
fn absent_stack_page_grows_for_any_access() {
    assert_eq!(
        decide(stack(), false, Page::Absent, Access::Read),
        Action::StackGrow
    );
    assert_eq!(
        decide(stack(), false, Page::Absent, Access::Write),
        Action::StackGrow
    );
}

#[test]
fn absent_anonymous_read_maps_zero_write_fills() {
    assert_eq!(
        decide(area(rw()), false, Page::Absent, Access::Read),
        Action::MapZero
    );
    assert_eq!(
        decide(area(rw()), false, Page::Absent, Access::Write),
        Action::ZeroFill
    );
}

#[test]
fn absent_file_page_is_read() {
    assert_eq!(
        decide(
            file(Perm::R | Perm::X),
            false,
            Page::Absent,
            Access::Execute
        ),
        Action::FileRead
    );
    assert_eq!(
        decide(file(rw()), false, Page::Absent, Access::Write),
        Action::FileRead
    );
}
