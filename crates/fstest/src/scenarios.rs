//! The scenarios, one per file, and what they share: making a disk,
//! checking it, reading and writing whole files through the kernel's calls.

pub mod basic;
pub mod crash;
pub mod full;
pub mod iput_reuse;
pub mod pipe;
pub mod race;
pub mod threads;
pub mod xv6img;

use crate::drivers::virtio_blk::{lock, DISK, SCRATCH_DEV};
use crate::fs::{self, bio, ops, FsError, Inode, IoDst, IoSrc};
use crate::fsck::{fsck, Report};
use crate::mkfs::Img;
use abi::fcntl::*;

/// Put `image` in the disk and forget what the buffer cache holds of the
/// old one. Call with no file-system call in progress and no buffer held,
/// then fs::init.
pub fn insert_disk(image: Vec<u8>) {
    *lock(&DISK) = image;
    // The cache keeps blocks it no longer uses, named by (dev, blockno),
    // and would hand back the old disk's. Reading NBUF blocks of another
    // disk recycles every unused buffer.
    for b in 0..bio::NBUF as u32 {
        drop(bio::bread(SCRATCH_DEV, b));
    }
}

/// A fresh file system of `size` blocks with `files` in the root, mounted.
pub fn setup(size: u32, ninodes: u32, nlog: u32, files: &[(&str, &[u8])]) {
    let mut img = Img::new(size, ninodes, nlog);
    for (n, d) in files {
        img.add_file(n, d);
    }
    insert_disk(img.finish());
    fs::init();
}

/// fsck the disk as it is now; any error fails the test.
pub fn check_disk() -> Report {
    let d = lock(&DISK).clone();
    let r = fsck(&d);
    for e in &r.errors {
        println!("fsck: {e}");
    }
    assert!(r.errors.is_empty(), "fsck found {} errors", r.errors.len());
    r
}

/// Free blocks on disk (what's committed; the log is empty between calls).
pub fn free_blocks() -> usize {
    crate::mkfs::free_blocks(&lock(&DISK))
}

/// `n` bytes of a pattern that differs with `seed` and from block to block.
pub fn pat(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u32 * 7 + seed as u32 + (i / 1024) as u32) as u8)
        .collect()
}

/// Create or truncate `path` and write `data`; returns write's result.
pub fn write_file(cwd: &Inode, path: &str, data: &[u8]) -> isize {
    let f = ops::open(cwd, path.as_bytes(), O_CREATE | O_RDWR | O_TRUNC).expect("open");
    f.write(IoSrc::Kernel(data), data.len())
}

/// The whole of `path`, read in odd-sized pieces.
pub fn read_file(cwd: &Inode, path: &str) -> Result<Vec<u8>, FsError> {
    let f = ops::open(cwd, path.as_bytes(), O_RDONLY)?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 777];
    loop {
        let n = f.read(IoDst::Kernel(&mut buf), 777);
        assert!(n >= 0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
    Ok(out)
}
