//! Raw system calls: one function per `abi::syscall` number.
//!
//! `ecall` with the number in a7, arguments in a0..a5, the result in a0.
//! These return exactly what the kernel returns (-1 on error) and take raw
//! pointers, so tests can hand the kernel bad addresses on purpose. Calls
//! that take a pointer are `unsafe`: the kernel may write through it.
//! Everything else in `ulib` is built on these.

use abi::syscall::*;
use abi::vmstat::{PtEntry, VmStat};
use abi::{ProcInfo, Stat};
use core::arch::asm;

/// Traps into the kernel with call number `n`.
///
/// # Safety
/// The kernel may read or write memory that the arguments point to.
#[inline(always)]
pub unsafe fn syscall(n: usize, args: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: the caller vouches for the pointer arguments; the kernel saves
    // and restores every register except a0, and may touch memory (no
    // `nomem`), so the compiler keeps memory effects ordered around it.
    unsafe {
        asm!(
            "ecall",
            inlateout("a0") args[0] => ret,
            in("a1") args[1],
            in("a2") args[2],
            in("a3") args[3],
            in("a4") args[4],
            in("a5") args[5],
            in("a7") n,
            options(nostack),
        );
    }
    ret
}

#[inline(always)]
fn call0(n: usize) -> isize {
    // SAFETY: no pointer arguments.
    unsafe { syscall(n, [0; 6]) }
}

#[inline(always)]
fn call1(n: usize, a0: usize) -> isize {
    // SAFETY: callers pass no pointers through this helper.
    unsafe { syscall(n, [a0, 0, 0, 0, 0, 0]) }
}

pub fn fork() -> isize {
    call0(SYS_FORK)
}

pub fn exit(status: i32) -> ! {
    call1(SYS_EXIT, status as isize as usize);
    // exit never returns; if a broken kernel lets it, don't run on.
    loop {
        call1(SYS_EXIT, status as isize as usize);
    }
}

/// # Safety
/// `status` is null or points to an i32 the kernel may write.
pub unsafe fn wait(status: *mut i32) -> isize {
    // SAFETY: per the caller.
    unsafe { syscall(SYS_WAIT, [status as usize, 0, 0, 0, 0, 0]) }
}

/// # Safety
/// `fds` points to two i32 the kernel may write.
pub unsafe fn pipe(fds: *mut i32) -> isize {
    // SAFETY: per the caller.
    unsafe { syscall(SYS_PIPE, [fds as usize, 0, 0, 0, 0, 0]) }
}

/// # Safety
/// The kernel writes up to `n` bytes at `buf`.
pub unsafe fn read(fd: i32, buf: *mut u8, n: usize) -> isize {
    // SAFETY: per the caller.
    unsafe { syscall(SYS_READ, [fd as isize as usize, buf as usize, n, 0, 0, 0]) }
}

pub fn kill(pid: i32) -> isize {
    call1(SYS_KILL, pid as isize as usize)
}

/// # Safety
/// `path` and `argv` are what xv6's exec expects (NUL-terminated string,
/// NULL-terminated array), or deliberately bad addresses.
pub unsafe fn exec(path: *const u8, argv: *const *const u8) -> isize {
    // SAFETY: exec only reads user memory (and replaces it on success).
    unsafe { syscall(SYS_EXEC, [path as usize, argv as usize, 0, 0, 0, 0]) }
}

/// # Safety
/// The kernel writes a `Stat` at `st`.
pub unsafe fn fstat(fd: i32, st: *mut Stat) -> isize {
    // SAFETY: per the caller.
    unsafe { syscall(SYS_FSTAT, [fd as isize as usize, st as usize, 0, 0, 0, 0]) }
}

/// # Safety
/// `path` is a NUL-terminated string (or a deliberately bad address).
pub unsafe fn chdir(path: *const u8) -> isize {
    // SAFETY: the kernel only reads the string.
    unsafe { syscall(SYS_CHDIR, [path as usize, 0, 0, 0, 0, 0]) }
}

pub fn dup(fd: i32) -> isize {
    call1(SYS_DUP, fd as isize as usize)
}

pub fn getpid() -> isize {
    call0(SYS_GETPID)
}

/// `sbrk(n, typ)`: returns the old break, or `usize::MAX` on failure.
///
/// # Safety
/// A negative `n` unmaps memory that may still be in use (e.g. by the heap
/// allocator, which also grows the break).
pub unsafe fn sbrk(n: isize, typ: usize) -> usize {
    // SAFETY: per the caller; no pointers are passed.
    unsafe { syscall(SYS_SBRK, [n as usize, typ, 0, 0, 0, 0]) as usize }
}

pub fn pause(ticks: i32) -> isize {
    call1(SYS_PAUSE, ticks as isize as usize)
}

pub fn uptime() -> isize {
    call0(SYS_UPTIME)
}

/// # Safety
/// `path` is a NUL-terminated string (or a deliberately bad address).
pub unsafe fn open(path: *const u8, flags: i32) -> isize {
    // SAFETY: the kernel only reads the string.
    unsafe {
        syscall(
            SYS_OPEN,
            [path as usize, flags as isize as usize, 0, 0, 0, 0],
        )
    }
}

/// # Safety
/// The kernel reads `n` bytes at `buf`.
pub unsafe fn write(fd: i32, buf: *const u8, n: usize) -> isize {
    // SAFETY: the kernel only reads the buffer.
    unsafe { syscall(SYS_WRITE, [fd as isize as usize, buf as usize, n, 0, 0, 0]) }
}

/// # Safety
/// `path` is a NUL-terminated string (or a deliberately bad address).
pub unsafe fn mknod(path: *const u8, major: i16, minor: i16) -> isize {
    // SAFETY: the kernel only reads the string.
    unsafe {
        syscall(
            SYS_MKNOD,
            [
                path as usize,
                major as isize as usize,
                minor as isize as usize,
                0,
                0,
                0,
            ],
        )
    }
}

/// # Safety
/// `path` is a NUL-terminated string (or a deliberately bad address).
pub unsafe fn unlink(path: *const u8) -> isize {
    // SAFETY: the kernel only reads the string.
    unsafe { syscall(SYS_UNLINK, [path as usize, 0, 0, 0, 0, 0]) }
}

/// # Safety
/// Both are NUL-terminated strings (or deliberately bad addresses).
pub unsafe fn link(old: *const u8, new: *const u8) -> isize {
    // SAFETY: the kernel only reads the strings.
    unsafe { syscall(SYS_LINK, [old as usize, new as usize, 0, 0, 0, 0]) }
}

/// # Safety
/// `path` is a NUL-terminated string (or a deliberately bad address).
pub unsafe fn mkdir(path: *const u8) -> isize {
    // SAFETY: the kernel only reads the string.
    unsafe { syscall(SYS_MKDIR, [path as usize, 0, 0, 0, 0, 0]) }
}

pub fn close(fd: i32) -> isize {
    call1(SYS_CLOSE, fd as isize as usize)
}

/// Returns the mapping's address or `abi::mman::MAP_FAILED`.
///
/// # Safety
/// `MAP_FIXED` may replace memory that is in use.
pub unsafe fn mmap(
    addr: usize,
    len: usize,
    prot: usize,
    flags: usize,
    fd: i32,
    off: isize,
) -> usize {
    // SAFETY: per the caller.
    unsafe {
        syscall(
            SYS_MMAP,
            [addr, len, prot, flags, fd as isize as usize, off as usize],
        ) as usize
    }
}

/// # Safety
/// The range may hold memory that is in use.
pub unsafe fn munmap(addr: usize, len: usize) -> isize {
    // SAFETY: per the caller.
    unsafe { syscall(SYS_MUNMAP, [addr, len, 0, 0, 0, 0]) }
}

/// # Safety
/// Removing access to memory in use makes later accesses fault.
pub unsafe fn mprotect(addr: usize, len: usize, prot: usize) -> isize {
    // SAFETY: per the caller.
    unsafe { syscall(SYS_MPROTECT, [addr, len, prot, 0, 0, 0]) }
}

/// # Safety
/// The kernel writes a `VmStat` at `out`.
pub unsafe fn vmstat(out: *mut VmStat) -> isize {
    // SAFETY: per the caller.
    unsafe { syscall(SYS_VMSTAT, [out as usize, 0, 0, 0, 0, 0]) }
}

/// Fills up to `max` rows for process `pid` (0 = self); returns how many
/// mappings there are in all.
///
/// # Safety
/// The kernel writes up to `max` `PtEntry` at `buf`.
pub unsafe fn ptdump(pid: i32, buf: *mut PtEntry, max: i32) -> isize {
    // SAFETY: per the caller.
    unsafe {
        syscall(
            SYS_PTDUMP,
            [
                pid as isize as usize,
                buf as usize,
                max as isize as usize,
                0,
                0,
                0,
            ],
        )
    }
}

pub fn poweroff(status: i32) -> ! {
    call1(SYS_POWEROFF, status as isize as usize);
    // A kernel that refuses leaves us nothing better to do than exit.
    exit(status)
}

/// # Safety
/// The kernel writes up to `max` `ProcInfo` at `buf`.
pub unsafe fn procs(buf: *mut ProcInfo, max: i32) -> isize {
    // SAFETY: per the caller.
    unsafe { syscall(SYS_PROCS, [buf as usize, max as isize as usize, 0, 0, 0, 0]) }
}

pub fn vmctl(op: usize, arg: usize) -> isize {
    // SAFETY: no pointer arguments.
    unsafe { syscall(SYS_VMCTL, [op, arg, 0, 0, 0, 0]) }
}

/// `vmctl` with up to four arguments (the resident-limit operations).
///
/// # Safety
/// Operations that take a buffer write to it (see `abi::vmstat::VMCTL_*`).
pub unsafe fn vmctl4(op: usize, a: usize, b: usize, c: usize, d: usize) -> isize {
    // SAFETY: per the caller.
    unsafe { syscall(SYS_VMCTL, [op, a, b, c, d, 0]) }
}
