//! Memory management: physical frames and their metadata, the kernel heap,
//! Sv39 page tables, the kernel's own map, user address spaces made of VMAs,
//! the one page-fault handler, and copies to and from user memory.
pub mod addr;
pub mod aspace;
pub mod backing;
pub mod eager;
pub mod fault;
pub mod fork;
pub mod frame;
pub mod hold;
pub mod kheap;
pub mod kvm;
pub mod mprotect;
pub mod owned;
pub mod pagecache;
pub mod pagetable;
pub mod reclaim;
pub mod replace;
pub mod reslimit;
pub mod rmap;
pub mod stats;
pub mod swap;
pub mod uaccess;
pub mod userpte;
pub mod writeback;

pub use addr::{PhysAddr, VirtAddr, PAGE_SIZE};
