//! Memory system calls: sbrk, mmap, munmap, mprotect, and the VM's
//! visibility (vmstat, ptdump) and knobs (vmctl).
use super::{arg, arg_int};
use crate::mm::addr::{checked_page_round_up, PAGE_SIZE};
use crate::mm::backing::{Backing, Vma};
use crate::mm::{reslimit, stats, uaccess};
use crate::pod::{bytes_of, bytes_of_one};
use crate::proc::{self, with_aspace};
use abi::layout::{MMAP_BASE, MMAP_TOP, STACK_GUARD};
use abi::mman::*;
use abi::vmstat::*;
use core::mem::size_of;
use vm::{Perm, VmaFlags};

/// Kernel heap one area operation may need (a few B-tree nodes); see
/// `kheap::has_room`.
const AREA_OP_HEAP: usize = 4096;

/// Whether the kernel heap has room for an area operation.
fn heap_room() -> bool {
    crate::mm::kheap::has_room(AREA_OP_HEAP)
}

pub fn sbrk() -> isize {
    // xv6's sys_sbrk: n is a C int; only type SBRK_EAGER allocates now.
    let n = arg_int(0) as isize;
    let eager = arg_int(1) == abi::syscall::SBRK_EAGER as i32;
    if n > 0 && !heap_room() {
        return -1;
    }
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
        || !off.is_multiple_of(PAGE_SIZE)
        || (off as isize) < 0
        || !heap_room()
    {
        return None;
    }
    let len = checked_page_round_up(len)?;
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
            // Fail before unmapping what is there if the new area would not
            // fit under the limit (merging with a neighbour not counted).
            if !addr.is_multiple_of(PAGE_SIZE)
                || addr == 0
                || end > STACK_GUARD
                || a.vmas.len_after_remove(addr, end) >= a.vmas.limit()
            {
                return None;
            }
            a.unmap(addr, end).ok()?;
            addr
        } else {
            let hint = (addr != 0 && addr.is_multiple_of(PAGE_SIZE)).then_some(addr);
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

/// The page range [addr, addr + len rounded up) of munmap and mprotect;
/// None if it is unaligned, empty, or runs past MAXVA (or past 2^64).
fn range(addr: usize, len: usize) -> Option<(usize, usize)> {
    let end = addr.checked_add(checked_page_round_up(len)?)?;
    (addr.is_multiple_of(PAGE_SIZE) && len > 0 && end <= abi::layout::MAXVA).then_some((addr, end))
}

pub fn munmap() -> isize {
    let Some((start, end)) = range(arg(0), arg(1)) else {
        return -1;
    };
    if !heap_room() {
        return -1;
    }
    match with_aspace(|a| a.unmap(start, end)) {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

pub fn mprotect() -> isize {
    let (Some((start, end)), prot) = (range(arg(0), arg(1)), arg(2)) else {
        return -1;
    };
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0 || !heap_room() {
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
        // Page tables shared by fork are copied first, so the change
        // below cannot fail half done.
        if (refused && perm.contains(Perm::W))
            || a.pt.unshare_range(start, end).is_err()
            || a.vmas.protect(start, end, perm).is_err()
        {
            return -1;
        }
        crate::mm::mprotect::reprotect(&mut a.pt, start, end, perm);
        0
    })
}

pub fn vmstat() -> isize {
    let s = stats::snapshot();
    match uaccess::copy_out(arg(0), bytes_of_one(&s)) {
        Ok(()) => 0,
        Err(()) => -1,
    }
}

/// Rows of a process's page table: every user mapping with its flags.
/// Only the caller's own table or a child's may be dumped. The rows go out
/// in pieces of [`PIECE`] through a buffer on the kernel stack, so a huge
/// address space costs no kernel memory; the target's lock is dropped
/// before each copy (the copy may fault in the caller's own space). Returns
/// the number of mappings, which may exceed `max`.
pub fn ptdump() -> isize {
    let (pid, buf, max) = (arg_int(0), arg(1), arg_int(2).max(0) as usize);
    let me = proc::me();
    let pid = if pid == 0 { me.pid() } else { pid };
    let mut target = None;
    proc::with_procs(|p_pid, ppid, _, p| {
        if p_pid == pid && (p_pid == me.pid() || ppid == me.pid()) {
            target = Some(p);
        }
    });
    let Some(p) = target else {
        return -1;
    };
    // Rows copied out so far; rows past `max`, only counted.
    let (mut from, mut copied, mut extra) = (0usize, 0usize, 0usize);
    loop {
        let mut piece = [PtEntry::default(); PIECE];
        let mut n = 0;
        let finished = {
            let guard = p.aspace.lock();
            let Some(a) = guard.as_ref().filter(|_| p.pid() == pid) else {
                return -1;
            };
            a.pt.for_each_entry_from(from, |va, s| {
                use vm::swap::PteState;
                let row = match s {
                    PteState::Present(pte) if pte & abi::vmstat::PTE_U != 0 => PtEntry {
                        va: va as u64,
                        pa: vm::pte::pte_pa(pte) as u64,
                        flags: pte & 0x3ff,
                    },
                    // A swapped page: its slot where the frame would be.
                    PteState::Swapped(slot) => PtEntry {
                        va: va as u64,
                        pa: slot as u64,
                        flags: abi::vmstat::PTDUMP_SWAPPED,
                    },
                    PteState::Present(_) | PteState::Absent | PteState::Corrupt(_) => return true,
                };
                if copied + n >= max {
                    extra += 1;
                    return true;
                }
                piece[n] = row;
                n += 1;
                from = va + PAGE_SIZE;
                n < PIECE
            })
        };
        if n > 0 {
            let Some(at) = buf.checked_add(copied * size_of::<PtEntry>()) else {
                return -1;
            };
            if uaccess::copy_out(at, bytes_of(&piece[..n])).is_err() {
                return -1;
            }
        }
        copied += n;
        if finished {
            return (copied + extra) as isize;
        }
    }
}

/// Rows ptdump copies out at a time.
const PIECE: usize = 32;

pub fn vmctl() -> isize {
    match arg(0) {
        VMCTL_COW => {
            let old = crate::mm::fork::cow_enabled();
            crate::mm::fork::set_cow(arg(1) != 0);
            old as isize
        }
        VMCTL_HOLD => crate::mm::hold::hold(arg(1)) as isize,
        VMCTL_UNHOLD => crate::mm::hold::unhold() as isize,
        VMCTL_POLICY => reslimit::set_policy(arg(1)),
        VMCTL_SCAN_MS => reslimit::set_scan_ms(arg(1)),
        VMCTL_LIMIT => with_aspace(|a| reslimit::limit(a, arg(1), arg(2), arg(3), arg(4))),
        VMCTL_UNLIMIT => with_aspace(|a| reslimit::unlimit(a, arg(1))),
        VMCTL_SCAN => with_aspace(|a| reslimit::scan_now(a, arg(1))),
        VMCTL_REGION_STAT => match with_aspace(|a| reslimit::stat(a, arg(1))) {
            Some(s) if uaccess::copy_out(arg(2), bytes_of_one(&s)).is_ok() => 0,
            _ => -1,
        },
        VMCTL_EVENTS => match with_aspace(|a| reslimit::take_events(a, arg(1), arg(3))) {
            Some(ev) if ev.is_empty() || uaccess::copy_out(arg(2), bytes_of(&ev)).is_ok() => {
                ev.len() as isize
            }
            _ => -1,
        },
        VMCTL_WMARK => match crate::mm::reclaim::set_watermarks(arg(1), arg(2), arg(3)) {
            Ok(()) => 0,
            Err(()) => -1,
        },
        VMCTL_IDLE => crate::proc::idle_instret() as isize,
        VMCTL_FAIL_UNSHARE => crate::mm::hold::set_fail_unshare(arg(1)) as isize,
        VMCTL_TABLE_SHARED => with_aspace(|a| {
            a.pt.leaf_is_shared(crate::mm::addr::VirtAddr(arg(1)))
                .map_or(-1, isize::from)
        }),
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
