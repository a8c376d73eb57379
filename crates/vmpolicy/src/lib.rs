//! Page-replacement policies for faultline: FIFO, LRU by aging, Clock and
//! Enhanced Clock. The kernel runs them on its frame table, and the host
//! policy lab (`cargo xtask sim`) runs the very same code on traces.
//!
//! # The interface
//!
//! A [`Policy`] manages one replacement domain (the whole machine, or one
//! region with a resident limit). Frames are dense indices `0..capacity`:
//! the kernel's frame numbers (the simulator uses page numbers instead; a
//! policy never looks at what an index means). The policy only orders
//! frames; it never touches memory. What it learns about use comes through
//! [`AccessBits`], the hardware A (accessed) and D (dirty) bits.
//!
//! | call | when |
//! |---|---|
//! | [`Policy::new`]`(kind, capacity)` | once; the only call that allocates |
//! | [`insert`](Policy::insert)`(frame)` | a page became resident and evictable |
//! | [`remove`](Policy::remove)`(frame)` | it stops being evictable: freed, unmapped, pinned |
//! | [`victim`](Policy::victim)`(hw)` | memory is short: choose a frame, remove it from the set, return it |
//! | [`scan`](Policy::scan)`(hw)` | periodically (kernel: timer; simulator: every N references) |
//! | [`set_kind`](Policy::set_kind)`(kind)` | switch policy at run time; the resident set is kept |
//! | [`stats`](Policy::stats), [`name`](Policy::name) | for `vmstat` and reports |
//!
//! Nothing here allocates after `new`, panics on bad input (an out-of-range
//! or repeated frame is refused with `false`), or loops without bound, so
//! the kernel may call it in its reclaim path with a lock held.
//!
//! Costs: `insert`, `remove`, FIFO's `victim` and `set_kind` (apart from
//! resetting ages, and rebuilding LRU's or Enhanced Clock's index) are
//! O(1); Clock's `victim` is at most two turns of the hand; LRU's `victim`
//! is amortised O(1) (each frame's A bit is read at most once per scan
//! interval, through a per-age index the scan rebuilds); Enhanced Clock's
//! is Clock's hand plus amortised O(1) for its (0,0) search, which reads
//! only the frames that may be (0,0) (a list of candidates in circle order:
//! a frame leaves it when seen used or dirty, and rejoins when the hand
//! clears its A and it is clean);
//! the LRU `scan` visits every resident frame once. One exception: to keep
//! the scan's loop short it leaves the index's back links out, and the
//! first LRU `remove` after a scan rebuilds them, O(resident) (at most once
//! per scan, and only if something is removed; victims need no back link).
//!
//! Memory: 17 bytes per frame of capacity (two u32 links for the resident
//! list, two for LRU's age index or Enhanced Clock's candidates, the age)
//! plus 4 KiB of bucket sentinels, all allocated by `new`, in five arrays.
//!
//! A frame that `victim` returned is no longer in the set. If the kernel
//! then cannot evict it (it became pinned, swap is full), it `insert`s it
//! again, at the back. There is no `touch`: the kernel never sees single
//! references, and these four policies must work from A and D alone. The
//! lab's exact LRU and OPT see every reference and live in the lab.
//!
//! # The policies
//!
//! * **FIFO** evicts the frame inserted longest ago. It ignores A and D.
//! * **LRU by aging** keeps an 8-bit age per frame, 0 when inserted. Each
//!   [`scan`](Policy::scan) does `age = (age >> 1) | (A << 7)` and clears A.
//!   The victim has the smallest (A, age), A being the bit *now* (a page used
//!   since the last scan is newer than any age, so a page just faulted in is
//!   not taken next); ties go to the oldest insert. With a scan after every
//!   reference this is exact LRU whenever the LRU page was used within the
//!   last 8 references (or all candidates are older: ties then fall back to
//!   FIFO).
//! * **Clock** (second chance): the resident frames form a circle and the
//!   hand points at the front. At the hand, A set: clear it and advance; A
//!   clear: evict it, and the hand rests just past it. New frames go just
//!   behind the hand. Clock sets no bit on insert itself, but the access that
//!   faulted the page in sets A in hardware (the simulator sets it too).
//! * **Enhanced Clock**: classes by (A, D), best victim first (0,0), (0,1),
//!   (1,0), (1,1). Pass 1: one turn looking for (0,0), changing nothing.
//!   Pass 2: one turn looking for (0,1), clearing A of each frame passed.
//!   Then passes 1 and 2 again, which must find one as every A is now clear.
//!   A dirty victim must be written back before its frame is reused; the
//!   policy never clears D.
//!
//! # Counters
//!
//! [`Stats`]: `evictions` (victims returned), `scans` (aging scans done:
//! LRU only, `scan` is a no-op for the others) and `a_clears` (A bits that
//! were set and got cleared, by scans or by the clock hands).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod aging;
mod kind;
mod links;
pub mod list;
mod policy;

pub use kind::PolicyKind;
pub use list::FrameList;
pub use policy::Policy;

/// The A and D bits of resident frames, as the hardware keeps them.
///
/// The kernel implements it over its reverse map: a frame's bit is the OR of
/// the bits of every PTE that maps it, and clearing A clears it in all of
/// them. A cleared A bit may stay clear in a stale TLB entry, so the kernel
/// must flush (`sfence.vma`) before relying on the bit being set again; it
/// may do so once per batch in [`end_batch`](Self::end_batch). The policy
/// lab implements it with bit arrays that each reference sets.
pub trait AccessBits {
    /// Reads and clears `frame`'s A bit.
    fn test_and_clear_accessed(&mut self, frame: usize) -> bool;
    /// Reads `frame`'s A bit without changing it.
    fn accessed(&self, frame: usize) -> bool;
    /// Reads `frame`'s D bit.
    fn dirty(&self, frame: usize) -> bool;
    /// Called once after a `scan` or `victim` that cleared at least one A
    /// bit: the place to flush the TLB once instead of per frame.
    fn end_batch(&mut self) {}
}

/// What a policy has done, for `vmstat`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Victims returned by [`Policy::victim`].
    pub evictions: u64,
    /// Aging scans done (LRU only).
    pub scans: u64,
    /// A bits found set and cleared, by scans and by clock hands.
    pub a_clears: u64,
}
