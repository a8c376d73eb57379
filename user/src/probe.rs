//! What the VM test programs share: raw loads and stores at addresses no
//! Rust reference covers (memory the test mapped, or a bad address whose
//! access must get the process killed), the fault counters, page rounding,
//! a child that talks with its parent both ways.
//!
//! The accesses are volatile so each one really happens: a test counts
//! the faults they cause.

use crate::prelude::*;
use abi::layout::PAGE_SIZE;
use abi::vmstat::VmStat;

extern "C" {
    /// End of the text segment (text and read-only data), from user.ld.
    static __text_end: u8;
}

/// Brings in every page of this program's text and read-only data, which
/// exec maps on demand: a test that compares free frames before and after
/// some code is then not charged for code it runs for the first time (which
/// pages that is moves whenever the program is linked differently).
pub fn fault_in_text() {
    // Only the symbol's address is taken; it is never read.
    let end = core::ptr::addr_of!(__text_end) as usize;
    for page in (0..end).step_by(PAGE_SIZE) {
        // SAFETY: a byte load from our own text segment, mapped readable
        // from 0 to `end` (user.ld). In assembly, because page 0 is the
        // null pointer to Rust.
        unsafe {
            core::arch::asm!("lb {x}, 0({a})", a = in(reg) page, x = out(reg) _,
                options(nostack, readonly))
        };
    }
}

/// Byte load from `addr`.
pub fn rd8(addr: usize) -> u8 {
    // SAFETY: the callers are tests that pass addresses of memory their
    // process mapped, which no Rust reference covers, or bad addresses in
    // a child that is meant to die. A bad access traps and the kernel kills
    // the process; it cannot corrupt anything.
    unsafe { core::ptr::read_volatile(addr as *const u8) }
}

/// Byte store to `addr`; see [`rd8`].
pub fn wr8(addr: usize, v: u8) {
    // SAFETY: as in `rd8`.
    unsafe { core::ptr::write_volatile(addr as *mut u8, v) }
}

/// 8-byte load from `addr` (8-aligned); see [`rd8`].
pub fn rd64(addr: usize) -> u64 {
    // SAFETY: as in `rd8`.
    unsafe { core::ptr::read_volatile(addr as *const u64) }
}

/// 8-byte store to `addr` (8-aligned); see [`rd8`].
pub fn wr64(addr: usize, v: u64) {
    // SAFETY: as in `rd8`.
    unsafe { core::ptr::write_volatile(addr as *mut u64, v) }
}

/// The kernel's VM counters, with the error as text (tests report text).
pub fn stat() -> core::result::Result<VmStat, String> {
    crate::vm::vmstat().map_err(|e| format!("vmstat: {}", e))
}

/// How much fault counter `k` (`abi::vmstat::fault::*`) grew from `a` to `b`.
pub fn delta(a: &VmStat, b: &VmStat, k: usize) -> u64 {
    b.faults[k] - a.faults[k]
}

/// `a` rounded up to a page boundary.
pub fn page_up(a: usize) -> usize {
    (a + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

/// A child forked by [`spawn_talking`], and the parent's ends of the two
/// pipes between them.
pub struct Talker {
    pub pid: i32,
    pub to_child: Fd,
    pub from_child: Fd,
}

/// Forks a child that runs `f(from_parent, to_parent)` and exits with its
/// answer; the parent keeps the other two ends. Errors come as text.
pub fn spawn_talking(f: impl FnOnce(&Fd, &Fd) -> i32) -> core::result::Result<Talker, String> {
    let pipe = || Fd::pipe().map_err(|_| String::from("pipe failed"));
    let (from_parent, to_child) = pipe()?;
    let (from_child, to_parent) = pipe()?;
    let pid = crate::process::spawn(|| f(&from_parent, &to_parent))
        .map_err(|_| String::from("fork failed"))?;
    Ok(Talker {
        pid,
        to_child,
        from_child,
    })
}
