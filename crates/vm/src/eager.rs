//! Eager allocation (xv6's eager `sbrk`) and the frames it leaves for
//! faults, as pure decisions the kernel carries out (`mm/eager.rs`).
//!
//! Eager allocation never takes the last `reserve` free frames: they are
//! kept for page faults, which cannot fail politely (a fault that finds no
//! frame ends in the out-of-memory killer). Near the reserve it first
//! gives back the caller's own clean file pages that it has not used
//! lately (they are in the file; a fault reads them again), with a second
//! chance on the Accessed bit: a scan drops the pages whose A bit is clear
//! and clears A on the others. A program that counts free memory xv6's
//! way (sbrk one page at a time until it fails) thus counts every frame
//! but the reserve and the pages its counting loop runs on, whatever it
//! touched before: the count is the same each time.
//!
//! Scans are one per system call at most: between two calls the program
//! runs and sets A again on the pages it uses, so a page found with A
//! clear was not used since the last scan. Two scans in one call would
//! see A clear on every page (no user code ran in between) and drop the
//! pages the caller is running on.

use crate::pte::A;
use crate::reclaim::{evict_how, Allowed, Evict, PageKind};

/// Eager allocation starts scanning this many frames above the reserve, so
/// that by the time free frames reach the reserve, a scan one or more calls
/// earlier has cleared the A bits and the pages still unused are known.
pub const WINDOW: usize = 32;

/// What eager allocation does before taking one frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Step {
    /// Take the frame.
    Take,
    /// Scan the caller's clean file pages first, then take the frame if
    /// free frames are above the reserve ([`after_scan`]), or fail.
    Scan,
    /// Fail: at the reserve, and this call has scanned already.
    Fail,
}

/// `free` frames are free, `reserve` must stay so; `scanned`: this system
/// call has already scanned.
pub fn before_take(free: usize, reserve: usize, scanned: bool) -> Step {
    if free > reserve.saturating_add(WINDOW) {
        Step::Take
    } else if !scanned {
        Step::Scan
    } else if free > reserve {
        Step::Take
    } else {
        Step::Fail
    }
}

/// After a scan: whether the frame may be taken.
pub fn after_scan(free: usize, reserve: usize) -> bool {
    free > reserve
}

/// What a scan does with one present page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Visit {
    /// Not a clean file page: leave it.
    Keep,
    /// A clean file page used since the last scan: clear A, keep it.
    ClearAccessed,
    /// A clean file page unused since the last scan: unmap it, free the
    /// frame.
    Drop,
}

/// A present page of `kind` with PTE `pte`; `zero`: it maps the zero frame.
/// Only clean file pages are candidates: nothing is written, to swap or to
/// a file.
pub fn visit(kind: PageKind, pte: u64, zero: bool) -> Visit {
    let clean_only = Allowed {
        swap: false,
        write_file: false,
    };
    match evict_how(kind, pte, zero, clean_only) {
        Evict::Drop if pte & A != 0 => Visit::ClearAccessed,
        Evict::Drop => Visit::Drop,
        Evict::Keep | Evict::Swap | Evict::WriteBack => Visit::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pte::{D, R, U, V, W, X};

    const TEXT: u64 = V | R | X | U;

    #[test]
    fn far_above_the_reserve_frames_are_just_taken() {
        assert_eq!(before_take(1000, 16, false), Step::Take);
        assert_eq!(before_take(16 + WINDOW + 1, 16, true), Step::Take);
    }

    #[test]
    fn near_the_reserve_the_first_frame_of_a_call_scans() {
        assert_eq!(before_take(16 + WINDOW, 16, false), Step::Scan);
        assert_eq!(before_take(17, 16, false), Step::Scan);
        assert_eq!(before_take(16, 16, false), Step::Scan);
        assert_eq!(before_take(0, 16, false), Step::Scan);
    }

    #[test]
    fn one_scan_per_call_then_take_down_to_the_reserve_and_fail() {
        assert_eq!(before_take(16 + WINDOW, 16, true), Step::Take);
        assert_eq!(before_take(17, 16, true), Step::Take);
        assert_eq!(before_take(16, 16, true), Step::Fail);
        assert_eq!(before_take(3, 16, true), Step::Fail);
    }

    #[test]
    fn after_a_scan_the_reserve_stays() {
        assert!(after_scan(17, 16));
        assert!(!after_scan(16, 16));
        assert!(!after_scan(0, 16));
    }

    #[test]
    fn a_huge_reserve_does_not_overflow() {
        assert_eq!(before_take(usize::MAX, usize::MAX, false), Step::Scan);
        assert_eq!(before_take(usize::MAX, usize::MAX, true), Step::Fail);
    }

    #[test]
    fn clean_file_pages_get_a_second_chance() {
        for kind in [PageKind::PrivateFile, PageKind::SharedFile] {
            assert_eq!(visit(kind, TEXT | A, false), Visit::ClearAccessed);
            assert_eq!(visit(kind, TEXT, false), Visit::Drop);
        }
    }

    #[test]
    fn nothing_is_written_anywhere() {
        // Dirty file pages would need swap or a write to the file.
        assert_eq!(
            visit(PageKind::PrivateFile, TEXT | W | D, false),
            Visit::Keep
        );
        assert_eq!(
            visit(PageKind::SharedFile, TEXT | W | D, false),
            Visit::Keep
        );
        // Anonymous memory would need swap; its A bit is left alone too.
        assert_eq!(visit(PageKind::Anon, V | R | W | U | A, false), Visit::Keep);
        assert_eq!(visit(PageKind::Anon, V | R | W | U, false), Visit::Keep);
        assert_eq!(visit(PageKind::SharedAnon, V | R | U, false), Visit::Keep);
    }

    #[test]
    fn the_zero_frame_and_kernel_only_pages_stay() {
        assert_eq!(visit(PageKind::PrivateFile, TEXT, true), Visit::Keep);
        assert_eq!(visit(PageKind::PrivateFile, V | R, false), Visit::Keep);
    }
}
