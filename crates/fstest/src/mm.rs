//! Stand-in for the kernel's memory management: only user-memory access.

pub mod uaccess;

#[allow(dead_code)]
#[path = "../../../kernel/src/mm/addr.rs"]
mod addr;
pub use addr::{PhysAddr, PAGE_SIZE};
