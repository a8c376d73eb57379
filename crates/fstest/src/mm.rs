//! Stand-in for the kernel's memory management: only user-memory access.

pub mod uaccess;
