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
use ::xv6img::mkfs::{Mkfs, Params};
use ::xv6img::FsImage;
use abi::fcntl::*;
use abi::fs::ROOTINO;
use std::collections::BTreeMap;

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
    let mut img = Mkfs::new(Params {
        size,
        ninodes,
        nlog,
    })
    .expect("mkfs parameters");
    for (n, d) in files {
        img.add_file(ROOTINO, n, d).expect("mkfs add_file");
    }
    insert_disk(img.finish());
    fs::init();
}

/// What fsck found on a disk (xv6img's checker, the one `cargo xtask
/// fsck` uses), with the contents of every file.
pub struct Report {
    /// Inconsistencies (orphans not included).
    pub errors: Vec<String>,
    /// Allocated inodes no directory reaches (legal after a crash with
    /// open unlinked files).
    pub orphans: usize,
    /// Path ("/d/f") to contents of every regular file.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// fsck an image; a log that still holds blocks is an error (the tests
/// check after recovery or with no transaction in flight).
pub fn fsck(d: &[u8]) -> Report {
    let fs = match FsImage::new(d) {
        Ok(fs) => fs,
        Err(e) => {
            return Report {
                errors: vec![e],
                orphans: 0,
                files: BTreeMap::new(),
            }
        }
    };
    let r = ::xv6img::fsck::report(&fs);
    for (inum, typ) in &r.orphans {
        println!("fsck: orphan inode {inum} (type {typ})");
    }
    let mut errors = r.problems.clone();
    if r.log_pending != 0 {
        errors.push(format!("log header n = {}", r.log_pending));
    }
    Report {
        errors,
        orphans: r.orphans.len(),
        files: r.files(&fs),
    }
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
    let d = lock(&DISK);
    let fs = FsImage::new(&d).expect("superblock");
    (0..fs.sb.size).filter(|&b| !fs.block_in_use(b)).count()
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
