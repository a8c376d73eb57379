//! The file system: xv6's, in layers, each in its own file.
//!
//!   disk       drivers::virtio_blk: whole 1024-byte blocks
//!   bio        buffer cache: one locked copy of each block in memory
//!   log        write-ahead log: multi-block updates are atomic (crash safe)
//!   balloc     free-block bitmap
//!   inode      inode table, block map, read/write of file contents
//!   dir        directories: (name, inode number) entries
//!   path       path names: /usr/rtm/xv6/fs.c
//!   file, pipe open files, pipes (what file descriptors refer to)
//!   ops        path-level operations for the system calls
//!
//! The on-disk format is abi::fs; every size comes from the superblock, so
//! images made by xv6's mkfs work.
//!
//! Lock order (outermost first): File offset lock, Transaction (log),
//! inode sleep locks (parent before child), buffer sleep locks, spinlocks.
//! Nothing in this module holds a file-system lock while copying to or from
//! user memory: such copies may fault pages in from files.

mod balloc;
pub mod bio;
mod bmap;
mod dir;
pub mod file;
mod inode;
pub mod log;
pub mod ops;
mod path;
pub mod pipe;
mod rw;
mod stat;

pub use file::File;
pub use inode::Inode;
pub use path::namei;

use crate::sync::SpinLock;
use abi::fs::{SuperBlock, FSMAGIC, ROOTINO};

/// virtio-blk disk index of the file system (QEMU's virtio-mmio-bus.0).
pub const ROOTDEV: usize = 0;

/// Where a read puts its bytes.
pub enum IoDst<'a> {
    /// A user virtual address in the current process.
    User(usize),
    Kernel(&'a mut [u8]),
}

/// Where a write takes its bytes from.
pub enum IoSrc<'a> {
    /// A user virtual address in the current process.
    User(usize),
    #[allow(dead_code)] // part of the interface; the kernel writes no files yet
    Kernel(&'a [u8]),
}

impl IoDst<'_> {
    /// Copy `bytes` to offset `off` of the destination.
    pub fn copy_to(&mut self, off: usize, bytes: &[u8]) -> Result<(), ()> {
        match self {
            IoDst::User(va) => crate::mm::uaccess::copy_out(va.checked_add(off).ok_or(())?, bytes),
            IoDst::Kernel(buf) => {
                let end = off.checked_add(bytes.len()).ok_or(())?;
                buf.get_mut(off..end).ok_or(())?.copy_from_slice(bytes);
                Ok(())
            }
        }
    }
}

impl IoSrc<'_> {
    /// Fill `buf` from offset `off` of the source.
    pub fn copy_from(&self, off: usize, buf: &mut [u8]) -> Result<(), ()> {
        match self {
            IoSrc::User(va) => crate::mm::uaccess::copy_in(buf, va.checked_add(off).ok_or(())?),
            IoSrc::Kernel(src) => {
                let end = off.checked_add(buf.len()).ok_or(())?;
                buf.copy_from_slice(src.get(off..end).ok_or(())?);
                Ok(())
            }
        }
    }
}

/// Why a file-system operation failed. System calls turn any of them into -1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsError {
    NotFound,
    Exists,
    NotDir,
    IsDir,
    NotEmpty,
    /// No free data blocks.
    NoSpace,
    /// No free inodes, on disk or in the in-memory inode table.
    NoInodes,
    NameTooLong,
    BadPath,
    Perm,
    /// A bad user address, or an inconsistent file system.
    Io,
    /// Past the largest file (MAXFILE blocks).
    TooBig,
    CrossDevice,
    #[allow(dead_code)] // part of the interface
    Busy,
    Invalid,
}

static SB: SpinLock<Option<SuperBlock>> = SpinLock::new("superblock", None);

/// The superblock, read once by `init`.
pub fn sb() -> SuperBlock {
    SB.lock().expect("fs: not initialised")
}

/// Read the superblock and recover the log. Call after
/// `drivers::virtio_blk::init()` and before any other file-system call.
pub fn init() {
    let sb: SuperBlock = bio::bread(ROOTDEV, 1).read_pod(0);
    if sb.magic != FSMAGIC {
        panic!(
            "fs: bad superblock magic {:#x} on disk {}",
            sb.magic, ROOTDEV
        );
    }
    crate::println!(
        "fs: size {} blocks, {} data, {} inodes, log {} at {}, inodes at {}, bitmap at {}",
        sb.size,
        sb.nblocks,
        sb.ninodes,
        sb.nlog,
        sb.logstart,
        sb.inodestart,
        sb.bmapstart
    );
    *SB.lock() = Some(sb);
    log::init(ROOTDEV, &sb);
}

/// The root directory.
pub fn root() -> Inode {
    Inode::get(ROOTDEV, ROOTINO).expect("fs: no inode slot for the root")
}
