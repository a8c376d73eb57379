//! An image laid out like xv6's mkfs, with a bigger log (61 blocks) than
//! the kernel uses: big preloaded file, 40 new ones, all read back.

use super::{check_disk, pat, read_file, setup, write_file};
use crate::fs;

pub fn run() {
    setup(3000, 300, 61, &[("x", &pat(9, 70000)), ("y", b"y")]);
    let root = fs::root();
    assert_eq!(read_file(&root, "x").unwrap(), pat(9, 70000));
    for i in 0..40 {
        assert_eq!(
            write_file(&root, &format!("f{i}"), &pat(i, 3000 + i as usize * 100)),
            3000 + i as isize * 100
        );
    }
    for i in 0..40 {
        assert_eq!(
            read_file(&root, &format!("f{i}")).unwrap(),
            pat(i, 3000 + i as usize * 100)
        );
    }
    drop(root);
    let r = check_disk();
    assert_eq!(r.files.len(), 42);
    println!("xv6img: ok");
}
