//! NUL-terminated copies of Rust strings for the kernel.
//!
//! Paths go in a stack buffer of MAXPATH bytes (the kernel's own limit), so
//! path calls never allocate; longer paths fail here with `PathTooLong`,
//! which is what the kernel would answer anyway.

use crate::error::{Error, Result};
use abi::limits::MAXPATH;
use alloc::vec::Vec;

/// Calls `f` with a NUL-terminated copy of `s` that lives on the stack.
pub fn with_path<R>(s: &str, f: impl FnOnce(*const u8) -> R) -> Result<R> {
    let bytes = s.as_bytes();
    if bytes.len() >= MAXPATH {
        return Err(Error::PathTooLong);
    }
    if bytes.contains(&0) {
        return Err(Error::Nul);
    }
    let mut buf = [0u8; MAXPATH];
    buf[..bytes.len()].copy_from_slice(bytes);
    Ok(f(buf.as_ptr()))
}

/// A heap copy of `s` with a NUL appended (for exec's arguments).
pub fn to_cstring(s: &str) -> Result<Vec<u8>> {
    if s.as_bytes().contains(&0) {
        return Err(Error::Nul);
    }
    let mut v = Vec::new();
    v.try_reserve_exact(s.len() + 1)
        .map_err(|_| Error::NoMemory)?;
    v.extend_from_slice(s.as_bytes());
    v.push(0);
    Ok(v)
}

/// Length of the NUL-terminated string at `p`.
///
/// # Safety
/// `p` points to a readable NUL-terminated string.
pub unsafe fn strlen(p: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: per the caller, every byte up to the NUL is readable.
    while unsafe { *p.add(n) } != 0 {
        n += 1;
    }
    n
}
