//! xv6-format file-system images on the host, in one place: `mkfs` makes
//! them (as xv6's mkfs.c lays them out), `read` reads files and directories
//! out of them, `fsck` checks them. xtask uses all three (`cargo xtask mkfs`,
//! `fsck`, the test images); `crates/fstest` makes its RAM disks with `mkfs`
//! and checks what the kernel's file system left with `fsck`.
#![forbid(unsafe_code)]

pub mod fsck;
pub mod mkfs;
pub mod read;

pub use read::FsImage;
