//! Stand-ins for the kernel's device drivers that the file system calls.

pub mod console;
pub mod virtio_blk;
