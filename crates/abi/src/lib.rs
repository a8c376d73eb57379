//! faultline's user/kernel contract, shared by the kernel, the Rust user
//! library, the C runtime's generated stubs and the host-side mkfs.
//!
//! Everything numbered 1..=21, 27 and 28 is xv6-riscv's (2025 edition) and
//! must not change: C programs built against xv6's `user.h` depend on it.
//! faultline's own calls start at 40.
#![no_std]
#![forbid(unsafe_code)]

pub mod elf;
pub mod fs;
pub mod layout;
pub mod mman;
pub mod syscall;
pub mod vmstat;

/// `open` flags (xv6 values).
pub mod fcntl {
    pub const O_RDONLY: i32 = 0x000;
    pub const O_WRONLY: i32 = 0x001;
    pub const O_RDWR: i32 = 0x002;
    pub const O_CREATE: i32 = 0x200;
    pub const O_TRUNC: i32 = 0x400;
}

/// Inode types as `struct stat` reports them (and as the disk stores them).
pub const T_DIR: i16 = 1;
pub const T_FILE: i16 = 2;
pub const T_DEVICE: i16 = 3;

/// Device major number of the console.
pub const CONSOLE_MAJOR: i16 = 1;

/// xv6's `struct stat`, 24 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub dev: i32,
    pub ino: u32,
    pub typ: i16,
    pub nlink: i16,
    pub _pad: u32,
    pub size: u64,
}
const _: () = assert!(core::mem::size_of::<Stat>() == 24);

/// Limits that user programs can see.
pub mod limits {
    /// Most arguments `exec` accepts (xv6's MAXARG).
    pub const MAXARG: usize = 32;
    /// Longest path, including the terminating NUL (xv6's MAXPATH).
    pub const MAXPATH: usize = 128;
    /// Open files per process.
    pub const NOFILE: usize = 16;
    /// Processes in the system.
    pub const NPROC: usize = 64;
    /// Most areas (VMAs) one process may have, as Linux's max_map_count.
    /// mmap, mprotect, munmap and sbrk return -1 rather than go past it.
    /// Each area costs the kernel heap some 100 bytes, so 64 processes at
    /// the limit fit the 8 MiB heap; the heap's headroom check (kernel
    /// `mm/kheap.rs`) catches what is left.
    pub const MAX_AREAS: usize = 1024;
}

/// A process's state as `SYS_PROCS` reports it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    /// 0 unused, 1 used, 2 sleeping, 3 runnable, 4 running, 5 zombie.
    pub state: i32,
    pub _pad: i32,
    /// Bytes of user address space below the break.
    pub size: u64,
    /// Frames this process maps that are resident.
    pub resident: u64,
    pub name: [u8; 16],
}
