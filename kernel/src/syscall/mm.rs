//! Memory system calls: sbrk, mmap, munmap, mprotect, and the VM's
//! visibility (vmstat, ptdump) and knobs (vmctl).
use super::{arg, arg_int};
use crate::mm::addr::{page_round_up, PAGE_SIZE};
use crate::mm::backing::{Backing, Vma};
use crate::mm::{fault, stats, uaccess};
use crate::proc::{self, with_aspace};
use abi::layout::{MMAP_BASE, MMAP_TOP, STACK_GUARD};
use abi::mman::*;
use abi::vmstat::{PtEntry, VMCTL_COW, VMCTL_DISKREAD, VMCTL_RECLAIM, VMCTL_WMARK};
use alloc::vec::Vec;
use vm::{Perm, VmaFlags};

/// View a plain-old-data value as bytes for copy_out.
fn bytes_of<T: Copy>(v: &[T]) -> &[u8] {
    // SAFETY: T is a repr(C) plain-old-data type from abi.
    unsafe { core::slice::from_raw_parts(v.as_ptr() as *const u8, core::mem::size_of_val(v)) }
}

pub fn sbrk() -> isize {
    let n = arg_int(0) as isize;
    let eager = arg(1) != abi::syscall::SBRK_LAZY;
    match with_aspace(|a| a.sbrk(n, eager)) {
        Some(old) => old as isize,
        None => -1,
    }
}

pub fn mmap() -> isize {
    let (addr, len, prot, flags, fd, off) = (arg(0), arg(1), arg(2), arg(3), arg_int(4), arg(5));
    map(addr, len, prot, flags, fd, off).map_or(MAP_FAILED as isize, |a| a as isize)
}

fn map(addr: usize, len: usize, prot: usize, flags: usize, fd: i32, off: usize) -> Option<usize> {
    let kind = flags & (MAP_SHARED | MAP_PRIVATE);
    if len == 0
        || len > MMAP_TOP - MMAP_BASE
        || kind == 0
        || kind == (MAP_SHARED | MAP_PRIVATE)
        || flags & !(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS) != 0
        || prot & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0
        || off % PAGE_SIZE != 0
        || (off as isize) < 0
    {
        return None;
    }
    let len = page_round_up(len);
    let shared = kind == MAP_SHARED;
    let backing = if flags & MAP_ANONYMOUS != 0 {
        Backing::Anon
    } else {
        let f = super::file::file_of(fd)?;
        let ip = f.inode()?.clone();
        if ip.typ() != abi::T_FILE
            || !f.readable()
            || (shared && prot & PROT_WRITE != 0 && !f.writable())
        {
            return None;
        }
        Backing::File {
            inode: ip,
            offset: off,
            file_bytes: usize::MAX,
            may_write: f.writable(),
        }
    };
    let vflags = if shared {
        VmaFlags::SHARED
    } else {
        VmaFlags::NONE
    };
    with_aspace(|a| {
        let start = if flags & MAP_FIXED != 0 {
            let end = addr.checked_add(len)?;
            if addr % PAGE_SIZE != 0 || addr == 0 || end > STACK_GUARD {
                return None;
            }
            a.unmap(addr, end);
            addr
        } else {
            let hint = (addr != 0 && addr % PAGE_SIZE == 0).then_some(addr);
            a.vmas.find_free(len, hint, MMAP_BASE, MMAP_TOP)?
        };
        a.vmas
            .insert(Vma::new(
                start,
                start + len,
                Perm::from_prot(prot),
                vflags,
                backing,
            ))
            .ok()?;
        Some(start)
    })
}

fn range(addr: usize, len: usize) -> Option<(usize, usize)> {
    let end = addr.checked_add(page_round_up(len))?;
    (addr % PAGE_SIZE == 0 && len > 0 && end <= abi::layout::MAXVA).then_some((addr, end))
}

pub fn munmap() -> isize {
    let Some((start, end)) = range(arg(0), arg(1)) else {
        return -1;
    };
    with_aspace(|a| a.unmap(start, end));
    0
}

pub fn mprotect() -> isize {
    let (Some((start, end)), prot) = (range(arg(0), arg(1)), arg(2)) else {
        return -1;
    };
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
        return -1;
    }
    let perm = Perm::from_prot(prot);
    with_aspace(|a| {
        // A shared file mapping may not become writable if its file
        // wasn't opened for writing.
        let refused = a.vmas.iter().any(|v| {
            v.start < end
                && v.end > start
                && v.flags.contains(VmaFlags::SHARED)
                && matches!(
                    v.backing,
                    Backing::File {
                        may_write: false,
                        ..
                    }
                )
        });
        if (refused && perm.contains(Perm::W)) || a.vmas.protect(start, end, perm).is_err() {
            return -1;
        }
        fault::reprotect(&mut a.pt, start, end, perm);
        0
    })
}

pub fn vmstat() -> isize {
    let s = stats::snapshot();
    match uaccess::copy_out(arg(0), bytes_of(core::slice::from_ref(&s))) {
        Ok(()) => 0,
        Err(()) => -1,
    }
}

/// Rows of a process's page table: every user mapping with its flags.
pub fn ptdump() -> isize {
    let (pid, buf, max) = (arg_int(0), arg(1), arg_int(2).max(0) as usize);
    let pid = if pid == 0 { proc::me().pid() } else { pid };
    let mut rows: Vec<PtEntry> = Vec::new();
    let mut found = false;
    proc::with_procs(|p_pid, _, _, p| {
        if p_pid != pid {
            return;
        }
        if let Some(a) = p.aspace.lock().as_ref() {
            found = true;
            a.pt.for_each_entry(|va, s| match s {
                vm::swap::PteState::Present(pte) if pte & abi::vmstat::PTE_U != 0 => {
                    rows.push(PtEntry {
                        va: va as u64,
                        pa: vm::pte::pte_pa(pte) as u64,
                        flags: pte & 0x3ff,
                    })
                }
                vm::swap::PteState::Swapped(slot) => rows.push(PtEntry {
                    va: va as u64,
                    pa: slot as u64,
                    flags: abi::vmstat::PTDUMP_SWAPPED,
                }),
                vm::swap::PteState::Present(_)
                | vm::swap::PteState::Absent
                | vm::swap::PteState::Corrupt(_) => {}
            });
        }
    });
    if !found {
        return -1;
    }
    let n = rows.len().min(max);
    if n > 0 && uaccess::copy_out(buf, bytes_of(&rows[..n])).is_err() {
        return -1;
    }
    rows.len() as isize
}

pub fn vmctl() -> isize {
    match arg(0) {
        VMCTL_COW => {
            let old = crate::mm::fork::cow_enabled();
            crate::mm::fork::set_cow(arg(1) != 0);
            old as isize
        }
        VMCTL_WMARK => match crate::mm::reclaim::set_watermarks(arg(1), arg(2), arg(3)) {
            Ok(()) => 0,
            Err(()) => -1,
        },
        VMCTL_DISKREAD => crate::mm::swap::raw_read(arg(1)).map_or(-1, |n| n as isize),
        VMCTL_RECLAIM => {
            let n = arg(1).min(crate::mm::frame::total());
            // The caller's own pages only: a process pushing itself out.
            proc::with_aspace(|a| {
                crate::mm::reclaim::reclaim_from(Some(a), n, crate::mm::reclaim::ALL, false)
            }) as isize
        }
        _ => -1,
    }
}
