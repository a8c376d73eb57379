//! Filling pages with a pattern that names the page, and checking it.
use abi::layout::PAGE_SIZE as PG;
use ulib::prelude::*;
use ulib::vm;

const WORDS: usize = PG / 8;

/// Word `k` of page `p` in pattern `seed`.
fn word(seed: u64, p: usize, k: usize) -> u64 {
    ((p as u64) << 32 | k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ seed
}

/// Fill pages [first, first+n) of the region at `base` with `seed`.
pub fn fill(base: usize, first: usize, n: usize, seed: u64) {
    for p in first..first + n {
        let page = (base + p * PG) as *mut u64;
        for k in 0..WORDS {
            // SAFETY: the caller's region holds these pages, read-write.
            unsafe { page.add(k).write_volatile(word(seed, p, k)) };
        }
    }
}

/// Check pages [first, first+n) hold `seed`'s pattern: the first bad page.
pub fn check(base: usize, first: usize, n: usize, seed: u64) -> Result<(), String> {
    for p in first..first + n {
        let page = (base + p * PG) as *const u64;
        let mut sum_bad = 0;
        for k in 0..WORDS {
            // SAFETY: as in `fill`.
            let w = unsafe { page.add(k).read_volatile() };
            if w != word(seed, p, k) {
                sum_bad += 1;
            }
        }
        if sum_bad != 0 {
            return Err(format!(
                "page {} (at {:#x}) has {} wrong words",
                p,
                base + p * PG,
                sum_bad
            ));
        }
    }
    Ok(())
}

/// Frames of RAM the kernel manages.
pub fn ram_pages() -> Result<usize, String> {
    vm::vmstat()
        .map(|v| v.total_frames as usize)
        .map_err(|e| format!("vmstat: {}", e))
}

pub fn stat() -> Result<abi::vmstat::VmStat, String> {
    vm::vmstat().map_err(|e| format!("vmstat: {}", e))
}

/// An anonymous private read-write region of `n` pages.
pub fn region(n: usize) -> Result<usize, String> {
    ulib::mem::mmap_anon(n * PG, abi::mman::PROT_READ | abi::mman::PROT_WRITE)
        .map_err(|e| format!("mmap of {} pages: {}", n, e))
}
