//! A test hook (`vmctl` `VMCTL_HOLD`/`VMCTL_UNHOLD`): frames taken off the
//! free list and kept aside, so a test can run a system call with exactly N
//! free frames and check that a failure leaks nothing. The held frames form
//! a list threaded through their first word, so holding needs no memory.
use super::addr::PhysAddr;
use super::frame;
use crate::sync::SpinLock;

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
