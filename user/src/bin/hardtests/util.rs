//! Helpers shared by the hardtests modules: raw calls that keep the
//! kernel's exact answers, and the free-frame count.

use abi::mman::*;
use ulib::prelude::*;
use ulib::{sys, vm};

pub type TestResult = Result<(), String>;

/// Free frames, with this program's text all in first (see
/// `ulib::probe::fault_in_text`), so that comparing two counts is not
/// thrown off by the first run of some code.
pub fn free_frames() -> Result<u64, String> {
    ulib::probe::fault_in_text();
    vm::vmstat()
        .map(|v| v.free_frames)
        .map_err(|e| format!("vmstat: {}", e))
}

/// Raw mmap of anonymous private memory: the kernel's answer as is.
pub fn mmap_anon(addr: usize, len: usize, prot: usize, fixed: bool) -> isize {
    let flags = MAP_PRIVATE | MAP_ANONYMOUS | if fixed { MAP_FIXED } else { 0 };
    // SAFETY: anonymous memory at addresses no Rust object uses (the
    // callers pick them in the mmap region).
    unsafe { sys::mmap(addr, len, prot, flags, -1, 0) as isize }
}

pub fn munmap(addr: usize, len: usize) -> isize {
    // SAFETY: callers unmap only what they mapped themselves, or nothing.
    unsafe { sys::munmap(addr, len) }
}

pub fn mprotect(addr: usize, len: usize, prot: usize) -> isize {
    // SAFETY: as for munmap.
    unsafe { sys::mprotect(addr, len, prot) }
}

/// sbrk as xv6's kernel sees it: the raw registers, the raw answer.
pub fn sbrk_raw(n: usize, typ: usize) -> isize {
    // SAFETY: the callers never shrink into memory the allocator uses
    // (they only grow, or shrink by more than the heap, which is a no-op).
    unsafe { sys::syscall(abi::syscall::SYS_SBRK, [n, typ, 0, 0, 0, 0]) }
}

pub use ulib::probe::{rd8, wr8};
