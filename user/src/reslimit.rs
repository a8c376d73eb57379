//! Page-replacement experiments: a file-backed region with a resident limit
//! (`vmctl` `VMCTL_LIMIT`), the kernel's counts for it, and the yardsticks
//! the kernel cannot run (OPT, exact LRU) computed here in user space.
//! Used by `belady`, `refs`, `policytests` and `bench`.

use crate::error::{check, Error, Result};
use crate::fd::Fd;
use crate::fs::{O_CREATE, O_RDWR, O_TRUNC};
use crate::mem::{self, MAP_SHARED, PROT_READ, PROT_WRITE};
use crate::sys;
use abi::vmstat::*;
use alloc::vec;
use alloc::vec::Vec;

const PAGE: usize = 4096;

/// The policy number vmctl uses for `name`, or None.
pub fn policy_number(name: &str) -> Option<usize> {
    POLICY_NAMES.iter().position(|n| *n == name).map(|i| i + 1)
}

/// The name of policy number `n` (`?` if unknown).
pub fn policy_name(n: u64) -> &'static str {
    POLICY_NAMES
        .get((n as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("?")
}

/// Set the global policy (by number; 0 only asks); the old number.
pub fn set_policy(n: usize) -> Result<usize> {
    // SAFETY: no buffer.
    check("vmctl policy", unsafe {
        sys::vmctl4(VMCTL_POLICY, n, 0, 0, 0)
    })
}

/// Set the timer scan interval in ms (`usize::MAX` only asks); the old one.
pub fn set_scan_ms(ms: usize) -> Result<usize> {
    // SAFETY: no buffer.
    check("vmctl scan-ms", unsafe {
        sys::vmctl4(VMCTL_SCAN_MS, ms, 0, 0, 0)
    })
}

/// Raw `VMCTL_LIMIT`, for tests of bad input.
pub fn limit(addr: usize, len: usize, frames: usize, how: usize) -> isize {
    // SAFETY: no buffer.
    unsafe { sys::vmctl4(VMCTL_LIMIT, addr, len, frames, how) }
}

/// `VMCTL_REGION_STAT` for the region starting at `addr`.
pub fn region_stat(addr: usize) -> Result<RegionStat> {
    let mut s = RegionStat::default();
    // SAFETY: the kernel writes one RegionStat to `s`.
    check("vmctl stat", unsafe {
        sys::vmctl4(VMCTL_REGION_STAT, addr, &mut s as *mut _ as usize, 0, 0)
    })?;
    Ok(s)
}

/// A scratch file of `pages` pages mapped MAP_SHARED read-write with a
/// resident limit. Unmapped (and the file removed) on drop.
pub struct Region {
    pub addr: usize,
    pub pages: usize,
    path: &'static str,
    _fd: Fd,
}

impl Region {
    /// `policy` 0 follows the global policy; `flags` are `LIMIT_*`.
    pub fn new(
        path: &'static str,
        pages: usize,
        frames: usize,
        policy: usize,
        flags: usize,
    ) -> Result<Region> {
        let fd = Fd::open(path, O_CREATE | O_RDWR | O_TRUNC)?;
        // Write the file whole so every page exists on disk.
        let chunk = vec![0u8; PAGE];
        for _ in 0..pages {
            fd.write_all(&chunk)?;
        }
        let len = pages * PAGE;
        // SAFETY: no MAP_FIXED, nothing is replaced.
        let addr = unsafe { mem::mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw(), 0) }?;
        let r = Region {
            addr,
            pages,
            path,
            _fd: fd,
        };
        if limit(addr, len, frames, policy | flags) < 0 {
            return Err(Error::Sys("vmctl limit"));
        }
        Ok(r)
    }

    /// Touch page `p`: a read, or a write of one byte.
    pub fn touch(&self, p: usize, write: bool) {
        let at = (self.addr + (p % self.pages) * PAGE) as *mut u8;
        // SAFETY: `at` is inside our mapping, which lives as long as self.
        unsafe {
            if write {
                core::ptr::write_volatile(at, core::ptr::read_volatile(at).wrapping_add(1));
            } else {
                core::ptr::read_volatile(at);
            }
        }
    }

    pub fn stat(&self) -> Result<RegionStat> {
        region_stat(self.addr)
    }

    /// One aging scan now.
    pub fn scan(&self) -> Result<()> {
        // SAFETY: no buffer.
        check("vmctl scan", unsafe {
            sys::vmctl4(VMCTL_SCAN, self.addr, 0, 0, 0)
        })
        .map(|_| ())
    }

    /// Recorded events (region made with `LIMIT_TRACE`), oldest first.
    pub fn events(&self, out: &mut Vec<u64>) -> Result<()> {
        let mut buf = [0u64; 64];
        loop {
            // SAFETY: the kernel writes at most 64 u64s to `buf`.
            let n = check("vmctl events", unsafe {
                sys::vmctl4(VMCTL_EVENTS, self.addr, buf.as_mut_ptr() as usize, 64, 0)
            })?;
            out.extend_from_slice(&buf[..n]);
            if n < 64 {
                return Ok(());
            }
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: nothing refers into the mapping once the Region goes.
        let _ = unsafe { mem::munmap(self.addr, self.pages * PAGE) };
        let _ = crate::fs::unlink(self.path);
    }
}

/// One reference: page and whether it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ref {
    pub page: usize,
    pub write: bool,
}

/// Parse a reference string: one page per line, optional `w`/`r` after
/// it, `#` comments, blank lines skipped. Err names the bad line.
pub fn parse_refs(text: &[u8]) -> core::result::Result<Vec<Ref>, usize> {
    let mut v = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = core::str::from_utf8(line).map_err(|_| i + 1)?;
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut w = line.split_whitespace();
        let page = w.next().and_then(|p| p.parse().ok()).ok_or(i + 1)?;
        let write = match w.next() {
            None | Some("r") | Some("R") => false,
            Some("w") | Some("W") => true,
            _ => return Err(i + 1),
        };
        if w.next().is_some() || page > 1 << 20 {
            return Err(i + 1);
        }
        v.push(Ref { page, write });
    }
    Ok(v)
}

/// A pseudo-random string with locality: a working set of `ws` pages that
/// moves up one page every `drift` references over `pages` pages; 90% of
/// the references fall inside it, and a quarter of them are writes.
/// (xorshift64; `xtask/src/policycheck.rs` does not need to regenerate it.)
pub fn locality_string(n: usize, pages: usize, ws: usize, drift: usize, seed: u64) -> Vec<Ref> {
    let drift = drift.max(1);
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut base = 0usize;
    (0..n)
        .map(|i| {
            if i % drift == drift - 1 {
                base = (base + 1) % pages;
            }
            let r = next();
            let page = if r % 10 < 9 {
                (base + (r >> 8) as usize % ws) % pages
            } else {
                (r >> 8) as usize % pages
            };
            Ref {
                page,
                write: (r >> 40) % 4 == 0,
            }
        })
        .collect()
}

/// Faults of OPT (Belady's MIN) with `frames` frames.
pub fn opt_faults(refs: &[usize], frames: usize) -> usize {
    let mut res: Vec<usize> = Vec::new();
    let mut faults = 0;
    for (i, &p) in refs.iter().enumerate() {
        if res.contains(&p) {
            continue;
        }
        faults += 1;
        if res.len() == frames {
            let next_use = |q: usize| {
                refs[i + 1..]
                    .iter()
                    .position(|&r| r == q)
                    .unwrap_or(usize::MAX)
            };
            let (at, _) = res
                .iter()
                .enumerate()
                .max_by_key(|(_, &q)| next_use(q))
                .unwrap_or((0, &0));
            res.swap_remove(at);
        }
        res.push(p);
    }
    faults
}

/// Faults of exact LRU with `frames` frames.
pub fn lru_faults(refs: &[usize], frames: usize) -> usize {
    let mut res: Vec<usize> = Vec::new(); // most recent last
    let mut faults = 0;
    for &p in refs {
        if let Some(at) = res.iter().position(|&q| q == p) {
            res.remove(at);
        } else {
            faults += 1;
            if res.len() == frames {
                res.remove(0);
            }
        }
        res.push(p);
    }
    faults
}

/// What a kernel run of a reference string counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Run {
    pub faults: u64,
    pub evictions: u64,
    pub writebacks: u64,
    pub a_clears: u64,
}

/// Replay `refs` over a fresh limited region with `frames` frames under
/// `policy` (a number), a scan after every reference if `scan_each`. With
/// `trace`, each reference and the kernel's events for it are appended in
/// the faultline format.
pub fn replay(
    refs: &[Ref],
    frames: usize,
    policy: usize,
    scan_each: bool,
    mut trace: Option<&mut Vec<u8>>,
) -> Result<Run> {
    let pages = refs.iter().map(|r| r.page).max().unwrap_or(0) + 1;
    let mut flags = if scan_each { LIMIT_MANUAL_SCAN } else { 0 };
    if trace.is_some() {
        flags |= LIMIT_TRACE;
    }
    let reg = Region::new("refs.region", pages, frames, policy, flags)?;
    let mut ev = Vec::new();
    for r in refs {
        reg.touch(r.page, r.write);
        if scan_each {
            reg.scan()?;
        }
        if let Some(t) = trace.as_deref_mut() {
            let vpn = (reg.addr / PAGE + r.page) as u64;
            let op = if r.write { 'w' } else { 'r' };
            t.extend_from_slice(alloc::format!("{op} {vpn:#x}\n").as_bytes());
            ev.clear();
            reg.events(&mut ev)?;
            for e in &ev {
                let c = if e & 1 == event::EVICT { 'e' } else { 'f' };
                t.extend_from_slice(alloc::format!("{c} {:#x}\n", e >> 1).as_bytes());
            }
        }
    }
    let s = reg.stat()?;
    if s.events_lost != 0 {
        return Err(Error::Sys("trace events lost"));
    }
    Ok(Run {
        faults: s.faults,
        evictions: s.evictions,
        writebacks: s.writebacks,
        a_clears: s.a_clears,
    })
}
