//! A full disk and a full inode table are errors, not panics, and
//! freeing everything gives back every block.

use super::{check_disk, free_blocks, pat, read_file, setup};
use crate::fs::{self, ops, FsError, IoSrc};
use abi::fcntl::*;
use abi::fs::*;

pub fn run() {
    setup(300, 40, 31, &[]);
    let root = fs::root();
    let before = free_blocks();
    let f = ops::open(&root, b"fill", O_CREATE | O_RDWR).unwrap();
    let d = pat(1, 400 * BSIZE);
    let r = f.write(IoSrc::Kernel(&d), d.len());
    assert_eq!(r, -1);
    let size = f.stat().unwrap().size as usize;
    assert!(size > 100 * BSIZE, "{size}");
    assert_eq!(f.write(IoSrc::Kernel(b"more"), 4), -1);
    // other things fail cleanly too
    let mut made = 0;
    for i in 0..100 {
        match ops::mkdir(&root, format!("d{i}").as_bytes()) {
            Ok(()) => made += 1,
            Err(e) => {
                assert!(e == FsError::NoSpace || e == FsError::NoInodes, "{e:?}");
                break;
            }
        }
    }
    println!("full: file {size} bytes, {made} dirs");
    assert_eq!(read_file(&root, "fill").unwrap(), d[..size].to_vec());
    check_disk();
    drop(f);
    ops::unlink(&root, b"fill").unwrap();
    for i in 0..made {
        ops::unlink(&root, format!("d{i}").as_bytes()).unwrap();
    }
    // inodes run out
    let mut n = 0;
    loop {
        match ops::open(&root, format!("i{n}").as_bytes(), O_CREATE | O_RDWR) {
            Ok(_) => n += 1,
            Err(e) => {
                assert_eq!(e, FsError::NoInodes);
                break;
            }
        }
    }
    assert_eq!(n, 40 - 2); // inode 0 unused, 1 root
    for i in 0..n {
        ops::unlink(&root, format!("i{i}").as_bytes()).unwrap();
    }
    drop(root);
    let r = check_disk();
    assert_eq!(r.files.len(), 0);
    assert_eq!(free_blocks(), before);
    // in-memory inode table exhaustion
    let root = fs::root();
    let mut held = Vec::new();
    ops::mkdir(&root, b"t").unwrap();
    let mut err = None;
    for _ in 0..1000 {
        match ops::open(&root, b"t", O_RDONLY) {
            Ok(f) => held.push(f),
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    // the same inode is shared: never exhausts
    assert!(err.is_none());
    println!("full: ok");
}
