//! Filling the disk and the inode table: writes and creates fail cleanly,
//! and everything comes back after unlinking.

use crate::util::*;
use abi::fcntl::*;
use abi::fs::{BSIZE, MAXFILE};
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, fs};

pub const TESTS: &[Test] = &[
    Test::forked("outofinodes", outofinodes),
    Test::forked("diskfull", diskfull),
];

/// Most files / blocks we try before deciding the disk is absurdly big.
const MAXFILES: usize = 1000;
const MAXBLOCKS: usize = 256 * 1024;

fn fname(i: usize) -> String {
    format!("diskfull{}", i)
}

#[derive(Debug, PartialEq)]
enum Stop {
    /// A write returned less than asked: the disk is full.
    DiskFull,
    /// open(O_CREATE) failed: out of inodes.
    NoInode,
    /// Reached `limit` blocks.
    Limit,
}

/// Writes MAXFILE-block files until something fails or `limit` blocks are
/// written. Returns (files made, blocks written, why it stopped).
fn fill(limit: usize) -> (usize, usize, Stop) {
    let buf = [b'd'; BSIZE];
    let mut blocks = 0;
    for f in 0..MAXFILES {
        let fd = match Fd::open(&fname(f), O_CREATE | O_RDWR | O_TRUNC) {
            Ok(fd) => fd,
            Err(_) => return (f, blocks, Stop::NoInode),
        };
        for _ in 0..MAXFILE {
            if blocks == limit {
                return (f + 1, blocks, Stop::Limit);
            }
            match fd.write(&buf) {
                Ok(n) if n == BSIZE => blocks += 1,
                _ => return (f + 1, blocks, Stop::DiskFull),
            }
        }
    }
    (MAXFILES, blocks, Stop::Limit)
}

fn unlink_all(files: usize) -> TestResult {
    for f in 0..files {
        ok(fs::unlink(&fname(f)), "unlink").map_err(|e| format!("{} {}", e, fname(f)))?;
    }
    Ok(())
}

/// Write until a write returns less than asked, unlink everything, and
/// check that the same amount fits again.
fn diskfull() -> TestResult {
    for f in 0..MAXFILES {
        remove(&fname(f));
    }
    let (files, blocks, why) = fill(MAXBLOCKS);
    ensure!(
        why == Stop::DiskFull,
        "stopped after {} files, {} blocks: {:?} before the disk filled",
        files,
        blocks,
        why
    );
    ensure!(blocks > 0, "no block could be written");
    // The disk is full but intact: the files read back.
    let data = ok(fs::read_file(&fname(0)), "read the first file")?;
    ensure!(
        data.len() == blocks.min(MAXFILE) * BSIZE && data.iter().all(|&b| b == b'd'),
        "first file corrupted ({} bytes)",
        data.len()
    );
    unlink_all(files)?;
    let (files2, blocks2, why2) = fill(blocks);
    let cleanup = unlink_all(files2);
    ensure!(
        blocks2 == blocks,
        "after unlinking, only {} of {} blocks fit again ({:?})",
        blocks2,
        blocks,
        why2
    );
    cleanup
}

/// xv6 outofinodes: create files until the inode table is full, remove
/// them, and the same number can be created again.
fn outofinodes() -> TestResult {
    const NZZ: usize = 32 * 32;
    let name = |i: usize| {
        let b = [b'z', b'z', b'0' + (i / 32) as u8, b'0' + (i % 32) as u8];
        String::from_utf8_lossy(&b).into_owned()
    };
    let make = |n: usize| -> usize {
        for i in 0..n {
            remove(&name(i));
            match fs::open(&name(i), O_CREATE | O_RDWR | O_TRUNC) {
                Ok(fd) => {
                    let _ = fs::close(fd);
                }
                Err(_) => return i,
            }
        }
        n
    };
    let made = make(NZZ);
    ensure!(made > 0, "no file could be created");
    for i in 0..made {
        ok(fs::unlink(&name(i)), "unlink")?;
    }
    let again = make(made);
    for i in 0..again {
        remove(&name(i));
    }
    ensure!(
        again == made,
        "{} files the first time, {} after cleanup",
        made,
        again
    );
    Ok(())
}
