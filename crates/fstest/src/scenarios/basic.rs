//! Single-threaded tour of the system-call surface: paths (., .., //,
//! long names), files, O_TRUNC, directories, links, unlink rules, devices,
//! open modes, good and bad user addresses, write_within, an open unlinked
//! file freed on last close, MAXFILE, a removed cwd. fsck after.

use super::{check_disk, free_blocks, pat, read_file, setup, write_file};
use crate::fs::{self, ops, FsError, IoDst, IoSrc};
use abi::fcntl::*;
use abi::fs::*;

pub fn run() {
    setup(2000, 200, 31, &[("README", b"hello xv6\n")]);
    let root = fs::root();
    let st = root.stat();
    assert_eq!((st.typ, st.ino, st.nlink), (abi::T_DIR, 1, 1));
    assert_eq!(read_file(&root, "README").unwrap(), b"hello xv6\n");
    assert_eq!(read_file(&root, "/README").unwrap(), b"hello xv6\n");
    assert_eq!(read_file(&root, "nope").unwrap_err(), FsError::NotFound);
    // create, write, read
    let d = pat(1, 5000);
    assert_eq!(write_file(&root, "a", &d), 5000);
    assert_eq!(read_file(&root, "a").unwrap(), d);
    assert_eq!(fs::namei(&root, b"a").unwrap().size(), 5000);
    // O_TRUNC
    assert_eq!(write_file(&root, "a", b"xy"), 2);
    assert_eq!(read_file(&root, "a").unwrap(), b"xy");
    // dirs
    ops::mkdir(&root, b"d").unwrap();
    assert_eq!(ops::mkdir(&root, b"d").unwrap_err(), FsError::Exists);
    ops::mkdir(&root, b"d/e").unwrap();
    assert_eq!(write_file(&root, "d/e/f", b"deep"), 4);
    assert_eq!(read_file(&root, "/d/./e/../e/f").unwrap(), b"deep");
    assert_eq!(read_file(&root, "//d//e//f").unwrap(), b"deep");
    let d_ip = ops::chdir(&root, b"d").unwrap();
    assert_eq!(read_file(&d_ip, "e/f").unwrap(), b"deep");
    assert_eq!(read_file(&d_ip, "../README").unwrap(), b"hello xv6\n");
    assert_eq!(read_file(&d_ip, "../../../README").unwrap(), b"hello xv6\n");
    assert_eq!(ops::chdir(&root, b"README").unwrap_err(), FsError::NotDir);
    assert_eq!(read_file(&root, "README/x").unwrap_err(), FsError::NotDir);
    assert_eq!(fs::namei(&root, b"d").unwrap().stat().nlink, 2);
    assert_eq!(root.stat().nlink, 2);
    // dir opens
    assert_eq!(ops::open(&root, b"d", O_RDWR).err(), Some(FsError::IsDir));
    assert_eq!(
        ops::open(&root, b"d", O_CREATE).err(),
        Some(FsError::Exists)
    );
    let dfile = ops::open(&root, b"d", O_RDONLY).unwrap();
    assert!(dfile.inode().is_none());
    let mut de = [0u8; 16];
    assert_eq!(dfile.read(IoDst::Kernel(&mut de), 16), 16);
    assert_eq!(&de[2..3], b".");
    assert_eq!(dfile.write(IoSrc::Kernel(b"x"), 1), -1);
    drop(dfile);
    // unlink rules
    assert_eq!(ops::unlink(&root, b"d").unwrap_err(), FsError::NotEmpty);
    assert_eq!(ops::unlink(&root, b"d/.").unwrap_err(), FsError::Perm);
    assert_eq!(ops::unlink(&root, b"d/..").unwrap_err(), FsError::Perm);
    assert_eq!(ops::unlink(&root, b"zz").unwrap_err(), FsError::NotFound);
    ops::unlink(&root, b"d/e/f").unwrap();
    ops::unlink(&root, b"d/e").unwrap();
    assert_eq!(fs::namei(&root, b"d").unwrap().stat().nlink, 1);
    // links
    ops::link(&root, b"README", b"d/r2").unwrap();
    assert_eq!(
        ops::link(&root, b"README", b"d/r2").unwrap_err(),
        FsError::Exists
    );
    assert_eq!(ops::link(&root, b"d", b"d2").unwrap_err(), FsError::Perm);
    assert_eq!(fs::namei(&root, b"README").unwrap().stat().nlink, 2);
    assert_eq!(
        ops::link(&root, b"README", b"nodir/x").unwrap_err(),
        FsError::NotFound
    );
    assert_eq!(fs::namei(&root, b"README").unwrap().stat().nlink, 2);
    ops::unlink(&root, b"README").unwrap();
    assert_eq!(read_file(&root, "d/r2").unwrap(), b"hello xv6\n");
    // long names are cut to DIRSIZ
    assert_eq!(write_file(&root, "abcdefghijklmnopqrstuvwxyz", b"long"), 4);
    assert_eq!(read_file(&root, "abcdefghijklmn").unwrap(), b"long");
    assert_eq!(read_file(&root, "abcdefghijklmnXYZ").unwrap(), b"long");
    let long = "a/".repeat(70);
    assert_eq!(
        fs::namei(&root, long.as_bytes()).unwrap_err(),
        FsError::NameTooLong
    );
    // empty path = cwd, nameiparent of "/" fails
    assert_eq!(fs::namei(&root, b"").unwrap().inum(), 1);
    assert!(ops::mkdir(&root, b"/").is_err());
    assert!(ops::open(&root, b"", O_CREATE).is_err());
    // devices
    ops::mknod(&root, b"console", 1, 0).unwrap();
    let c = ops::open(&root, b"console", O_RDWR).unwrap();
    assert_eq!(c.stat().unwrap().typ, abi::T_DEVICE);
    assert_eq!(c.write(IoSrc::Kernel(b"console ok\n"), 11), 11);
    ops::mknod(&root, b"bad", 99, 0).unwrap();
    assert_eq!(
        ops::open(&root, b"bad", O_RDWR).err(),
        Some(FsError::Invalid)
    );
    ops::mknod(&root, b"nodrv", 5, 0).unwrap();
    assert_eq!(
        ops::open(&root, b"nodrv", O_RDWR)
            .unwrap()
            .read(IoDst::Kernel(&mut de), 1),
        -1
    );
    // read/write permissions
    let ro = ops::open(&root, b"a", O_RDONLY).unwrap();
    assert_eq!(ro.write(IoSrc::Kernel(b"z"), 1), -1);
    let wo = ops::open(&root, b"a", O_WRONLY).unwrap();
    assert_eq!(wo.read(IoDst::Kernel(&mut de), 1), -1);
    assert!(wo.inode().is_some());
    // user addresses: good and bad
    {
        let f = ops::open(&root, b"u", O_CREATE | O_RDWR).unwrap();
        crate::mm::uaccess::copy_out(100, b"from user").unwrap();
        assert_eq!(f.write(IoSrc::User(100), 9), 9);
        assert_eq!(f.write(IoSrc::User(usize::MAX - 3), 9), -1);
        assert_eq!(f.write(IoSrc::User(crate::mm::uaccess::SIZE - 4), 9), -1);
        let g = ops::open(&root, b"u", O_RDONLY).unwrap();
        assert_eq!(g.read(IoDst::User(5000), 100), 9);
        let mut b = [0u8; 9];
        crate::mm::uaccess::copy_in(&mut b, 5000).unwrap();
        assert_eq!(&b, b"from user");
        let g = ops::open(&root, b"u", O_RDONLY).unwrap();
        assert_eq!(g.read(IoDst::User(usize::MAX - 2), 100), -1);
        // a failed read doesn't move the offset
        assert_eq!(g.read(IoDst::User(6000), 4), 4);
    }
    // write_frame_within: a page's bytes, only inside the file. On the
    // host a "frame" is a page-sized buffer (PhysAddr is its address).
    {
        let ip = fs::namei(&root, b"u").unwrap();
        let mut page = vec![b'z'; crate::mm::PAGE_SIZE];
        page[..16].copy_from_slice(b"ABCDEFGHIJKLMNOP");
        let pa = crate::mm::PhysAddr(page.as_ptr() as usize);
        assert_eq!(ip.write_frame_within(2, pa).unwrap(), 7);
        assert_eq!(ip.size(), 9);
        assert_eq!(read_file(&root, "u").unwrap(), b"frABCDEFG");
        assert_eq!(ip.write_frame_within(9, pa).unwrap(), 0);
        assert_eq!(ip.write_frame_within(100, pa).unwrap(), 0);
        let mut b = [0u8; 4];
        assert_eq!(ip.read_at(7, IoDst::Kernel(&mut b), 4).unwrap(), 2);
        assert_eq!(ip.read_at(9, IoDst::Kernel(&mut b), 4).unwrap(), 0);
        assert_eq!(ip.read_at(900, IoDst::Kernel(&mut b), 4).unwrap(), 0);
        assert_eq!(ip.read_at(usize::MAX, IoDst::User(0), 4).unwrap(), 0);
        // write_at past end is an error
        assert!(ip.write_at(100, IoSrc::Kernel(b"x"), 1).is_err());
    }
    // orphan: open, unlink, still readable; freed on last close
    {
        let before = free_blocks();
        let f = ops::open(&root, b"orph", O_CREATE | O_RDWR).unwrap();
        let d = pat(3, 20000);
        assert_eq!(f.write(IoSrc::Kernel(&d), d.len()), 20000);
        let ip = f.inode().unwrap().clone();
        assert!(free_blocks() < before);
        ops::unlink(&root, b"orph").unwrap();
        assert_eq!(read_file(&root, "orph").unwrap_err(), FsError::NotFound);
        let mut b = vec![0u8; 20000];
        assert_eq!(ip.read_at(0, IoDst::Kernel(&mut b), 20000).unwrap(), 20000);
        assert_eq!(b, d);
        drop(f);
        assert!(free_blocks() < before);
        drop(ip);
        assert_eq!(free_blocks(), before);
    }
    // MAXFILE
    {
        let f = ops::open(&root, b"big", O_CREATE | O_RDWR).unwrap();
        let d = pat(5, MAXFILE * BSIZE);
        assert_eq!(f.write(IoSrc::Kernel(&d), d.len()), d.len() as isize);
        assert_eq!(f.write(IoSrc::Kernel(b"x"), 1), -1);
        assert_eq!(read_file(&root, "big").unwrap(), d);
        let ip = f.inode().unwrap().clone();
        assert_eq!(
            ip.write_at(MAXFILE * BSIZE - 1, IoSrc::Kernel(b"ab"), 2)
                .unwrap_err(),
            FsError::TooBig
        );
        drop(f);
        drop(ip);
        ops::unlink(&root, b"big").unwrap();
    }
    // mkdir in removed cwd; rmdir of cwd
    {
        ops::mkdir(&root, b"gone").unwrap();
        let cwd = ops::chdir(&root, b"gone").unwrap();
        ops::unlink(&root, b"gone").unwrap();
        assert!(read_file(&cwd, "..").is_ok());
        // A directory with no links takes no new entries (issue 7 item 6):
        // they would be unreachable, lost inodes and blocks.
        assert!(ops::mkdir(&cwd, b"d").is_err());
        assert!(ops::open(&cwd, b"f", O_CREATE | O_RDWR).is_err());
        assert!(ops::mknod(&cwd, b"n", 1, 0).is_err());
        assert!(ops::link(&root, b"README", b"/gone/l").is_err());
        assert!(ops::link(&cwd, b"/README", b"l").is_err());
        drop(cwd);
    }
    drop(d_ip);
    drop(root);
    let r = check_disk();
    println!("basic: ok ({} files, {} orphans)", r.files.len(), r.orphans);
    assert_eq!(r.orphans, 0);
}
