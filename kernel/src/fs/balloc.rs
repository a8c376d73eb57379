//! Block allocation: the free-block bitmap, one bit per block of the image
//! (1 = in use), bit b in block `sb.bblock(b)`, LSB first. mkfs marks the
//! boot block, superblock, log, inodes and bitmap as used.
//!
//! Both functions must run inside a transaction: the bitmap (and a newly
//! allocated block, which is zeroed) change through the log.

use super::bio;
use super::log::log_write;
use super::FsError;
use abi::fs::BPB;
use core::sync::atomic::{AtomicU32, Ordering};

/// No block below this one is free: where the next search starts. Without
/// it, filling a large disk costs a scan of the whole bitmap per block.
static HINT: AtomicU32 = AtomicU32::new(0);

/// Allocate a zeroed disk block. A full disk is an error, not a panic.
pub fn balloc(dev: usize) -> Result<u32, FsError> {
    let sb = super::sb();
    let start = HINT.load(Ordering::Relaxed).min(sb.size);
    let mut base = start - start % BPB as u32;
    while base < sb.size {
        let mut bp = bio::bread(dev, sb.bblock(base));
        let bits = (BPB as u32).min(sb.size - base) as usize;
        let first = if base <= start {
            (start - base) as usize
        } else {
            0
        };
        let mut bi = first;
        while bi < bits {
            let byte = bp.data()[bi / 8];
            if byte == 0xff {
                bi = (bi / 8 + 1) * 8; // a full byte: skip it whole
                continue;
            }
            let mask = 1u8 << (bi % 8);
            if byte & mask == 0 {
                bp.data_mut()[bi / 8] |= mask;
                log_write(&bp);
                drop(bp);
                let b = base + bi as u32;
                HINT.fetch_max(b + 1, Ordering::Relaxed);
                bzero(dev, b);
                return Ok(b);
            }
            bi += 1;
        }
        base += BPB as u32;
    }
    Err(FsError::NoSpace)
}

/// Free disk block `b`.
pub fn bfree(dev: usize, b: u32) {
    let sb = super::sb();
    let mut bp = bio::bread(dev, sb.bblock(b));
    let bi = b as usize % BPB;
    let mask = 1u8 << (bi % 8);
    if bp.data()[bi / 8] & mask == 0 {
        panic!("bfree: block {b} is already free (corrupt file system)");
    }
    bp.data_mut()[bi / 8] &= !mask;
    log_write(&bp);
    HINT.fetch_min(b, Ordering::Relaxed);
}

/// Zero block `b` (through the log, so a crash never leaves a new file
/// showing an old file's data).
fn bzero(dev: usize, b: u32) {
    let mut bp = bio::bread(dev, b);
    bp.data_mut().fill(0);
    log_write(&bp);
}
