//! `mmap`/`mprotect` flags. PROT_ and MAP_SHARED/MAP_PRIVATE are xv6 lab
//! values; MAP_FIXED and MAP_ANONYMOUS are ours and equal Linux's.

pub const PROT_NONE: usize = 0x0;
pub const PROT_READ: usize = 0x1;
pub const PROT_WRITE: usize = 0x2;
pub const PROT_EXEC: usize = 0x4;

pub const MAP_SHARED: usize = 0x01;
pub const MAP_PRIVATE: usize = 0x02;
/// Place the mapping exactly at `addr`, replacing what is there.
pub const MAP_FIXED: usize = 0x10;
/// No file: zero-filled memory; `fd` and `off` are ignored.
pub const MAP_ANONYMOUS: usize = 0x20;

/// What `mmap` returns on failure.
pub const MAP_FAILED: usize = usize::MAX;
