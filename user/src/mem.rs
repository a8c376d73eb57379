//! Memory mappings: mmap, munmap, mprotect.

use crate::error::{check, Error, Result};
use crate::sys;

pub use abi::mman::*;

/// Maps `len` bytes; returns the mapping's address.
///
/// # Safety
/// With `MAP_FIXED` the new mapping replaces whatever was at `addr`.
pub unsafe fn mmap(
    addr: usize,
    len: usize,
    prot: usize,
    flags: usize,
    fd: i32,
    off: isize,
) -> Result<usize> {
    // SAFETY: per the caller.
    let a = unsafe { sys::mmap(addr, len, prot, flags, fd, off) };
    if a == MAP_FAILED {
        Err(Error::Sys("mmap"))
    } else {
        Ok(a)
    }
}

/// Anonymous private zero-filled memory anywhere the kernel likes.
pub fn mmap_anon(len: usize, prot: usize) -> Result<usize> {
    // SAFETY: without MAP_FIXED nothing existing is replaced.
    unsafe { mmap(0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) }
}

/// # Safety
/// The range may hold memory that is still referenced.
pub unsafe fn munmap(addr: usize, len: usize) -> Result<()> {
    // SAFETY: per the caller.
    check("munmap", unsafe { sys::munmap(addr, len) }).map(|_| ())
}

/// # Safety
/// Taking access away from memory in use makes later accesses fault.
pub unsafe fn mprotect(addr: usize, len: usize, prot: usize) -> Result<()> {
    // SAFETY: per the caller.
    check("mprotect", unsafe { sys::mprotect(addr, len, prot) }).map(|_| ())
}
