//! Test hooks. `vmctl` `VMCTL_HOLD`/`VMCTL_UNHOLD`: frames taken off the
//! free list and kept aside, so a test can run a system call with exactly N
//! free frames and check that a failure leaks nothing. The held frames form
//! a list threaded through their first word, so holding needs no memory.
//! `VMCTL_FAIL_UNSHARE`: the next copies of a page table shared by fork
//! fail as if no frame were free, while other allocations succeed: the
//! moment in which frames come back between two steps of a fault.
use super::addr::PhysAddr;
use super::frame;
use crate::sync::SpinLock;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Copies of shared page tables still to fail (`VMCTL_FAIL_UNSHARE`).
static FAIL_UNSHARE: AtomicUsize = AtomicUsize::new(0);

/// Make the next `n` copies of a shared page table fail; the old count.
pub fn set_fail_unshare(n: usize) -> usize {
    FAIL_UNSHARE.swap(n, Ordering::Relaxed)
}

/// Whether this copy of a shared page table is to fail (counts it).
pub fn fail_unshare() -> bool {
    FAIL_UNSHARE
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok()
}

/// (head of the list of held frames, how many).
static HELD: SpinLock<(usize, usize)> = SpinLock::new("held", (0, 0));

/// Take frames until at most `keep` are free; returns the number held.
pub fn hold(keep: usize) -> usize {
    // The allocation happens outside the lock: an allocator that reclaims
    // may sleep.
    while frame::free_count() > keep {
        let Some(pa) = frame::alloc() else { break };
        let mut h = HELD.lock();
        // SAFETY: the frame is newly allocated and ours; its first word
        // links it into the held list.
        unsafe { *pa.as_ptr::<usize>() = h.0 };
        *h = (pa.0, h.1 + 1);
    }
    HELD.lock().1
}

/// Whether a test holds frames now. Reclaim and the out-of-memory killer
/// stand aside meanwhile: the test means "exactly N free frames", and
/// reclaim would make more (turning the failure path it tests into a
/// success) or kill someone for a shortage the test made on purpose.
pub fn active() -> bool {
    HELD.lock().1 > 0
}

/// Give every held frame back; returns how many there were.
pub fn unhold() -> usize {
    let mut h = HELD.lock();
    let n = h.1;
    while h.0 != 0 {
        let pa = PhysAddr(h.0);
        // SAFETY: pa is on the held list, which owns it; its first word is
        // the link.
        h.0 = unsafe { *pa.as_ptr::<usize>() };
        frame::put(pa);
    }
    h.1 = 0;
    n
}
