//! Helpers for the mmap tests: raw access to mapped memory, test files
//! with known contents, and thin wrappers over the raw system calls that
//! keep the kernel's exact answers (MAP_FAILED, -1, 0).

use abi::layout::PAGE_SIZE as PG;
use ulib::prelude::*;
use ulib::{fs, process, sys};

pub use abi::mman::*;

pub use ulib::probe::{rd64, rd8, stat, wr64, wr8};

/// Byte `k` of a test file made with `seed`.
pub fn pat(seed: u8, k: usize) -> u8 {
    (k as u8).wrapping_mul(29).wrapping_add(seed)
        ^ ((k >> 8) as u8).wrapping_mul(7)
        ^ (k >> 12) as u8
}

/// A file name unique to this process.
pub fn name(base: &str) -> String {
    format!("mm{}.{}", base, process::getpid())
}

/// Creates `path` holding `len` bytes of pattern `seed`.
pub fn make_file(path: &str, len: usize, seed: u8) -> Result<(), String> {
    let data: Vec<u8> = (0..len).map(|k| pat(seed, k)).collect();
    fs::write_file(path, &data).map_err(|e| format!("creating {}: {}", path, e))
}

pub fn open(path: &str, flags: i32) -> Result<Fd, String> {
    Fd::open(path, flags).map_err(|e| format!("open {}: {}", path, e))
}

pub fn read_all(path: &str) -> Result<Vec<u8>, String> {
    fs::read_file(path).map_err(|e| format!("reading {}: {}", path, e))
}

/// The raw mmap call, at an address of the kernel's choosing: the
/// address, or None for MAP_FAILED.
pub fn try_map(len: usize, prot: usize, flags: usize, fd: i32, off: isize) -> Option<usize> {
    // SAFETY: callers never pass MAP_FIXED here (`map_fixed` is for that),
    // so nothing in use is replaced.
    unsafe { ulib::mem::mmap(0, len, prot, flags, fd, off) }.ok()
}

/// Anonymous private memory at exactly `at`, replacing what is there: the
/// address, or None for MAP_FAILED.
pub fn map_fixed(at: usize, len: usize, prot: usize) -> Option<usize> {
    let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    // SAFETY: callers pass ranges of their own test mappings (or bad
    // addresses the kernel must refuse).
    unsafe { ulib::mem::mmap(at, len, prot, flags, -1, 0) }.ok()
}

/// mmap that must succeed.
pub fn map(len: usize, prot: usize, flags: usize, fd: i32, off: isize) -> Result<usize, String> {
    let a = try_map(len, prot, flags, fd, off).ok_or_else(|| {
        format!(
            "mmap(len {:#x}, prot {}, flags {:#x}, fd {}, off {:#x}) failed",
            len, prot, flags, fd, off
        )
    })?;
    if a % PG != 0 || a < abi::layout::MMAP_BASE || a + len > abi::layout::MMAP_TOP {
        return Err(format!(
            "mmap returned {:#x} for {:#x} bytes, outside [MMAP_BASE, MMAP_TOP)",
            a, len
        ));
    }
    Ok(a)
}

pub fn anon(pages: usize, prot: usize, flags: usize) -> Result<usize, String> {
    map(pages * PG, prot, flags | MAP_ANONYMOUS, -1, 0)
}

/// The raw munmap call's answer.
pub fn munmap(addr: usize, len: usize) -> isize {
    // SAFETY: callers only unmap their own test mappings.
    unsafe { sys::munmap(addr, len) }
}

/// munmap that must answer 0.
pub fn unmap(addr: usize, len: usize) -> Result<(), String> {
    match munmap(addr, len) {
        0 => Ok(()),
        r => Err(format!("munmap({:#x}, {:#x}) = {}", addr, len, r)),
    }
}

/// The raw mprotect call's answer.
pub fn mprotect(addr: usize, len: usize, prot: usize) -> isize {
    // SAFETY: callers only change their own test mappings.
    unsafe { sys::mprotect(addr, len, prot) }
}

/// Checks `len` bytes at `addr` against pattern `seed` from file offset
/// `off`.
pub fn check_pattern(
    addr: usize,
    len: usize,
    seed: u8,
    off: usize,
    what: &str,
) -> Result<(), String> {
    for k in 0..len {
        let got = rd8(addr + k);
        let want = pat(seed, off + k);
        if got != want {
            return Err(format!(
                "{}: byte {} (file offset {}) is {:#x}, want {:#x}",
                what,
                k,
                off + k,
                got,
                want
            ));
        }
    }
    Ok(())
}

pub fn check_zero(addr: usize, len: usize, what: &str) -> Result<(), String> {
    for k in 0..len {
        if rd8(addr + k) != 0 {
            return Err(format!(
                "{}: byte {} is {:#x}, want 0",
                what,
                k,
                rd8(addr + k)
            ));
        }
    }
    Ok(())
}

/// A warm-up child, so this process's own pages and tables are in place
/// before a frame count that must come out exact.
pub fn warm_up() -> Result<(), String> {
    match ulib::test::child_status(|| 0)? {
        0 => Ok(()),
        s => Err(format!("warm-up child exited {}", s)),
    }
}
