//! Eight threads, each in its own directory, making, reading, linking into
//! a shared directory and unlinking files at once. fsck after.

use super::{check_disk, pat, read_file, setup, write_file};
use crate::fs::{self, ops};
use abi::fcntl::*;

pub fn run() {
    setup(4000, 400, 31, &[]);
    let root = fs::root();
    ops::mkdir(&root, b"shared").unwrap();
    drop(root);
    let hs: Vec<_> = (0..8u8)
        .map(|t| {
            std::thread::spawn(move || {
                let root = fs::root();
                let dir = format!("t{t}");
                ops::mkdir(&root, dir.as_bytes()).unwrap();
                for i in 0..30usize {
                    let p = format!("{dir}/f{i}");
                    let d = pat(t.wrapping_add(i as u8), 500 + (i * 397) % 9000);
                    assert_eq!(write_file(&root, &p, &d), d.len() as isize);
                    assert_eq!(read_file(&root, &p).unwrap(), d);
                    let s = format!("shared/s{t}_{i}");
                    ops::link(&root, p.as_bytes(), s.as_bytes()).unwrap();
                    if i % 3 == 0 {
                        ops::unlink(&root, p.as_bytes()).unwrap();
                    }
                    if i % 5 == 0 {
                        ops::unlink(&root, s.as_bytes()).unwrap();
                    }
                    // everyone appends to one shared file
                    let f = ops::open(&root, b"shared/log", O_CREATE | O_WRONLY).unwrap();
                    let _ = f; // offset 0 each open: overwrite race is fine
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    let r = check_disk();
    println!(
        "threads: ok ({} files, {} orphans)",
        r.files.len(),
        r.orphans
    );
}
