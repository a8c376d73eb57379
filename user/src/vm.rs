//! faultline's VM introspection calls: vmstat, ptdump, procs, vmctl.

use crate::error::{check, Error, Result};
use crate::sys;
use abi::vmstat::*;
use abi::ProcInfo;
use alloc::vec::Vec;

pub use abi::vmstat::{PtEntry, VmStat};

pub fn vmstat() -> Result<VmStat> {
    let mut v = VmStat::default();
    // SAFETY: v is a valid VmStat for the kernel to fill.
    check("vmstat", unsafe { sys::vmstat(&mut v) })?;
    Ok(v)
}

/// Every mapping of process `pid` (0 = this one).
pub fn ptdump(pid: i32) -> Result<Vec<PtEntry>> {
    let mut cap = 64usize;
    // The mapping count can change between calls (another hart may fault a
    // page in), so grow and retry a few times.
    for _ in 0..8 {
        let mut buf: Vec<PtEntry> = Vec::new();
        buf.try_reserve_exact(cap).map_err(|_| Error::NoMemory)?;
        buf.resize(cap, PtEntry::default());
        let max = cap.min(i32::MAX as usize) as i32;
        // SAFETY: buf holds `max` entries.
        let total = check("ptdump", unsafe { sys::ptdump(pid, buf.as_mut_ptr(), max) })?;
        if total <= cap {
            buf.truncate(total);
            return Ok(buf);
        }
        cap = total + total / 4 + 8;
    }
    Err(Error::Sys("ptdump"))
}

/// The process table (up to NPROC rows).
pub fn procs() -> Result<Vec<ProcInfo>> {
    let cap = abi::limits::NPROC;
    let mut buf: Vec<ProcInfo> = Vec::new();
    buf.try_reserve_exact(cap).map_err(|_| Error::NoMemory)?;
    buf.resize(cap, ProcInfo::default());
    // SAFETY: buf holds `cap` entries.
    let n = check("procs", unsafe { sys::procs(buf.as_mut_ptr(), cap as i32) })?;
    buf.truncate(n.min(cap));
    Ok(buf)
}

pub fn vmctl(op: usize, arg: usize) -> Result<usize> {
    check("vmctl", sys::vmctl(op, arg))
}

/// A PTE's flag bits as the letters `VRWXUGADCS`, '-' where clear.
pub fn flag_letters(flags: u64) -> [u8; 10] {
    const BITS: [(u64, u8); 10] = [
        (PTE_V, b'V'),
        (PTE_R, b'R'),
        (PTE_W, b'W'),
        (PTE_X, b'X'),
        (PTE_U, b'U'),
        (PTE_G, b'G'),
        (PTE_A, b'A'),
        (PTE_D, b'D'),
        (PTE_COW, b'C'),
        (PTE_SHARED, b'S'),
    ];
    let mut out = [b'-'; 10];
    for (i, (bit, c)) in BITS.iter().enumerate() {
        if flags & bit != 0 {
            out[i] = *c;
        }
    }
    out
}

/// A process state number as a word.
pub fn state_name(state: i32) -> &'static str {
    match state {
        0 => "unused",
        1 => "used",
        2 => "sleep",
        3 => "runble",
        4 => "run",
        5 => "zombie",
        _ => "???",
    }
}
