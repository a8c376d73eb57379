//! The inode freed by iput is handed out again by ialloc before iput has
//! given back its reference; the new file is unlinked and closed in that
//! window. The new file must still be freed (it leaked before the fix in
//! `Inode::drop`: "1 orphans").
//!
//! Two threads each create, write, close and unlink their own file in a
//! loop, so each one's ialloc takes the inode the other has just freed.
//! `proc::WIDEN` stretches iput's window to 2 ms so the interleaving
//! happens in most runs of a few hundred iterations, not once in thousands.

use super::{check_disk, setup};
use crate::fs::{self, ops, IoSrc};
use crate::proc::WIDEN;
use abi::fcntl::*;
use std::sync::atomic::Ordering;

pub fn run() {
    setup(3000, 200, 31, &[]);
    WIDEN.store(true, Ordering::Relaxed);
    let hs: Vec<_> = (0..2u8)
        .map(|t| {
            std::thread::spawn(move || {
                let root = fs::root();
                let name = [b'f', b'0' + t];
                for _ in 0..300 {
                    let f = ops::open(&root, &name, O_CREATE | O_RDWR).unwrap();
                    assert_eq!(f.write(IoSrc::Kernel(&[t; 100]), 100), 100);
                    drop(f);
                    ops::unlink(&root, &name).unwrap();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    WIDEN.store(false, Ordering::Relaxed);
    let r = check_disk();
    println!("iput_reuse: {} orphans", r.orphans);
    assert_eq!(r.orphans, 0);
    assert!(r.files.is_empty());
}
