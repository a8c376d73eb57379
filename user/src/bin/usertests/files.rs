//! Files: create, read, write, unlink, link, fstat, big files, limits.

use crate::util::*;
use abi::fcntl::*;
use abi::fs::{BSIZE, MAXFILE};
use abi::limits::{MAXPATH, NOFILE};
use abi::{T_DEVICE, T_DIR, T_FILE};
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs, sys};

pub const TESTS: &[Test] = &[
    Test::forked("opentest", opentest),
    Test::forked("createtest", createtest),
    Test::forked("writetest", writetest),
    Test::forked("writebig", writebig),
    Test::forked("bigwrite", bigwrite),
    Test::forked("bigfile", bigfile),
    Test::forked("truncate1", truncate1),
    Test::forked("truncate2", truncate2),
    Test::forked("unlinkread", unlinkread),
    Test::forked("linktest", linktest),
    Test::forked("fstat", fstat),
    Test::forked("readonly", readonly),
    Test::forked("badfd", badfd),
    Test::forked("dup", dup),
    Test::forked("nofile", nofile),
    Test::forked("mknod", mknod),
    Test::forked("longpath", longpath),
];

fn opentest() -> TestResult {
    let fd = ok(Fd::open("/echo", O_RDONLY), "open /echo")?;
    drop(fd);
    must_fail(fs::open("doesnotexist", O_RDONLY), "open of a missing file")?;
    // SAFETY: NUL-terminated path.
    let r = unsafe { sys::open(c"doesnotexist".as_ptr(), O_RDONLY) };
    ensure_eq!(r, -1, "raw open of a missing file");
    must_fail(
        fs::open("doesnotexist/x", O_CREATE | O_RDWR),
        "create under a missing dir",
    )?;
    Ok(())
}

/// xv6 createtest: many files created, then all deleted.
fn createtest() -> TestResult {
    const N: usize = 52;
    let name = |i: usize| format!("create{}", i);
    for i in 0..N {
        let fd = create(&name(i))?;
        drop(fd);
    }
    for i in 0..N {
        let st = ok(fs::stat(&name(i)), "stat of a created file")?;
        ensure_eq!(st.typ, T_FILE, "type of {}", name(i));
        ensure_eq!(st.size, 0, "size of {}", name(i));
    }
    for i in 0..N {
        ok(fs::unlink(&name(i)), "unlink")?;
    }
    for i in 0..N {
        must_fail(fs::open(&name(i), O_RDONLY), "open after unlink")?;
    }
    Ok(())
}

/// Small writes then a read of the whole file.
fn writetest() -> TestResult {
    const N: usize = 100;
    let fd = create("writetest")?;
    for _ in 0..N {
        ensure_eq!(fd.write(b"aaaaaaaaaa"), Ok(10), "write a");
        ensure_eq!(fd.write(b"bbbbbbbbbb"), Ok(10), "write b");
    }
    drop(fd);
    let data = ok(fs::read_file("writetest"), "read back")?;
    ensure_eq!(data.len(), N * 20, "file size");
    for (i, chunk) in data.chunks(10).enumerate() {
        let want = if i % 2 == 0 { b'a' } else { b'b' };
        ensure!(chunk.iter().all(|&c| c == want), "chunk {} corrupted", i);
    }
    ok(fs::unlink("writetest"), "unlink")
}

/// xv6 writebig: a file of exactly MAXFILE blocks; one byte more fails.
fn writebig() -> TestResult {
    let fd = create("writebig")?;
    let mut buf = [0u8; BSIZE];
    for i in 0..MAXFILE {
        buf[..4].copy_from_slice(&(i as u32).to_le_bytes());
        buf[BSIZE - 1] = i as u8;
        ensure_eq!(fd.write(&buf), Ok(BSIZE), "write of block {}", i);
    }
    ensure!(
        fd.write(b"x").is_err(),
        "write past MAXFILE blocks succeeded"
    );
    ensure_eq!(
        ok(fd.fstat(), "fstat")?.size,
        (MAXFILE * BSIZE) as u64,
        "size"
    );
    drop(fd);
    let fd = ok(Fd::open("writebig", O_RDONLY), "reopen")?;
    for i in 0..MAXFILE {
        ensure_eq!(
            ok(fd.read_full(&mut buf), "read")?,
            BSIZE,
            "read of block {}",
            i
        );
        let got = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
        ensure_eq!(got as usize, i, "block number in block {}", i);
        ensure_eq!(buf[BSIZE - 1], i as u8, "last byte of block {}", i);
    }
    ensure_eq!(fd.read(&mut buf), Ok(0), "read at end of file");
    drop(fd);
    ok(fs::unlink("writebig"), "unlink")
}

/// xv6 bigwrite: writes of many sizes, some spanning several blocks.
fn bigwrite() -> TestResult {
    let buf = vec![0xaau8; 3 * BSIZE * 4];
    let mut sz = 499;
    while sz < 12 * BSIZE {
        let fd = create("bigwrite")?;
        for _ in 0..2 {
            ensure_eq!(fd.write(&buf[..sz]), Ok(sz), "write of {} bytes", sz);
        }
        ensure_eq!(ok(fd.fstat(), "fstat")?.size, 2 * sz as u64, "size");
        drop(fd);
        ok(fs::unlink("bigwrite"), "unlink")?;
        sz += 471;
    }
    Ok(())
}

/// xv6 bigfile: write in one chunk size, read back in another.
fn bigfile() -> TestResult {
    const N: usize = 20;
    const SZ: usize = 600;
    let fd = create("bigfile")?;
    for i in 0..N {
        ensure_eq!(fd.write(&[i as u8; SZ]), Ok(SZ), "write {}", i);
    }
    drop(fd);
    let fd = ok(Fd::open("bigfile", O_RDONLY), "reopen")?;
    let mut buf = [0u8; SZ / 2];
    let mut total = 0;
    let mut i = 0;
    loop {
        let n = ok(fd.read(&mut buf), "read")?;
        if n == 0 {
            break;
        }
        ensure_eq!(n, SZ / 2, "short read {}", i);
        ensure!(
            buf[0] == (i / 2) as u8 && buf[SZ / 2 - 1] == (i / 2) as u8,
            "read {} has the wrong contents",
            i
        );
        total += n;
        i += 1;
    }
    ensure_eq!(total, N * SZ, "total bytes read");
    drop(fd);
    ok(fs::unlink("bigfile"), "unlink")
}

/// xv6 truncate1: O_TRUNC empties the file under every open descriptor.
fn truncate1() -> TestResult {
    remove("truncfile");
    let fd1 = create("truncfile")?;
    ensure_eq!(fd1.write(b"abcd"), Ok(4), "write");
    drop(fd1);
    let mut buf = [0u8; 32];
    let fd2 = ok(Fd::open("truncfile", O_RDONLY), "open")?;
    ensure_eq!(fd2.read(&mut buf), Ok(4), "read before truncation");
    let fd1 = ok(Fd::open("truncfile", O_WRONLY | O_TRUNC), "open O_TRUNC")?;
    let fd3 = ok(Fd::open("truncfile", O_RDONLY), "open")?;
    ensure_eq!(fd3.read(&mut buf), Ok(0), "read of truncated file");
    ensure_eq!(
        fd2.read(&mut buf),
        Ok(0),
        "read at old offset after truncation"
    );
    ensure_eq!(fd1.write(b"abcdef"), Ok(6), "write after truncation");
    ensure_eq!(fd3.read(&mut buf), Ok(6), "read of rewritten file");
    ensure_eq!(&buf[..6], b"abcdef", "contents");
    ensure_eq!(fd2.read(&mut buf), Ok(2), "read from old offset 4");
    ok(fs::unlink("truncfile"), "unlink")
}

/// xv6 truncate2: writing at an offset beyond the end of a file that was
/// truncated under us fails (xv6 differs from POSIX here) and nothing
/// breaks.
fn truncate2() -> TestResult {
    remove("truncfile2");
    let fd1 = create("truncfile2")?;
    ensure_eq!(fd1.write(b"abcd"), Ok(4), "write");
    let fd2 = ok(Fd::open("truncfile2", O_TRUNC | O_WRONLY), "open O_TRUNC")?;
    let r = fd1.write(b"x");
    ensure!(
        r.is_err(),
        "write past the end of a truncated file returned {:?}",
        r
    );
    drop(fd2);
    drop(fd1);
    ok(fs::unlink("truncfile2"), "unlink")
}

/// xv6 unlinkread: an unlinked file stays usable through open descriptors.
fn unlinkread() -> TestResult {
    let fd = create("unlinkread")?;
    ensure_eq!(fd.write(b"hello"), Ok(5), "write");
    drop(fd);
    let fd = ok(Fd::open("unlinkread", O_RDWR), "open")?;
    ok(fs::unlink("unlinkread"), "unlink")?;
    must_fail(fs::open("unlinkread", O_RDONLY), "open after unlink")?;
    let fd1 = create("unlinkread")?;
    ensure_eq!(fd1.write(b"yyy"), Ok(3), "write new file");
    drop(fd1);
    let mut buf = [0u8; 16];
    ensure_eq!(fd.read(&mut buf), Ok(5), "read from unlinked file");
    ensure_eq!(&buf[..5], b"hello", "contents of unlinked file");
    ensure_eq!(fd.write(&buf[..10]), Ok(10), "write to unlinked file");
    drop(fd);
    ensure_eq!(
        ok(fs::read_file("unlinkread"), "read new")?,
        b"yyy".to_vec(),
        "new file"
    );
    ok(fs::unlink("unlinkread"), "unlink")
}

/// xv6 linktest.
fn linktest() -> TestResult {
    remove("lf1");
    remove("lf2");
    let fd = create("lf1")?;
    ensure_eq!(fd.write(b"hello"), Ok(5), "write");
    drop(fd);
    ok(fs::link("lf1", "lf2"), "link lf1 lf2")?;
    let st = ok(fs::stat("lf2"), "stat lf2")?;
    ensure_eq!(st.nlink, 2, "nlink after link");
    ensure_eq!(
        st.ino,
        ok(fs::stat("lf1"), "stat lf1")?.ino,
        "both names, one inode"
    );
    ok(fs::unlink("lf1"), "unlink lf1")?;
    must_fail(fs::open("lf1", O_RDONLY), "open of unlinked lf1")?;
    ensure_eq!(
        ok(fs::stat("lf2"), "stat lf2")?.nlink,
        1,
        "nlink after unlink"
    );
    ensure_eq!(
        ok(fs::read_file("lf2"), "read lf2")?,
        b"hello".to_vec(),
        "contents"
    );
    must_fail(fs::link("lf2", "lf2"), "link to an existing name")?;
    ok(fs::unlink("lf2"), "unlink lf2")?;
    must_fail(fs::link("lf2", "lf1"), "link of a missing file")?;
    must_fail(fs::link(".", "lf1"), "link of a directory")?;
    must_fail(fs::open("lf1", O_RDONLY), "lf1 after failed links")?;
    Ok(())
}

fn fstat() -> TestResult {
    let fd = create("fstatfile")?;
    let st = ok(fd.fstat(), "fstat new file")?;
    ensure_eq!(st.typ, T_FILE, "type");
    ensure_eq!(st.size, 0, "size of new file");
    ensure_eq!(st.nlink, 1, "nlink");
    ensure!(st.ino > 1, "ino {} of a new file", st.ino);
    ensure_eq!(fd.write(&[7u8; 100]), Ok(100), "write");
    let st2 = ok(fd.fstat(), "fstat")?;
    ensure_eq!(st2.size, 100, "size after write");
    ensure_eq!(st2.ino, st.ino, "ino stable");
    let by_path = ok(fs::stat("fstatfile"), "stat by path")?;
    ensure_eq!(by_path, st2, "stat by path vs fstat");
    drop(fd);
    ok(fs::unlink("fstatfile"), "unlink")?;

    let root = ok(fs::stat("/"), "stat /")?;
    ensure_eq!(root.typ, T_DIR, "type of /");
    ensure_eq!(root.ino, abi::fs::ROOTINO, "ino of /");
    ensure!(
        root.size > 0 && root.size % 16 == 0,
        "size of / is {}",
        root.size
    );
    ensure!(root.nlink >= 1, "nlink of / is {}", root.nlink);
    let dev = ok(fs::fstat(0), "fstat of fd 0")?;
    ensure_eq!(dev.typ, T_DEVICE, "type of the console");
    ensure_eq!(dev.dev, root.dev, "console and / on the same disk");
    Ok(())
}

/// Access modes are enforced, and directories only open read-only.
fn readonly() -> TestResult {
    let fd = create("readonly")?;
    ensure_eq!(fd.write(b"data"), Ok(4), "write");
    drop(fd);
    let r = ok(Fd::open("readonly", O_RDONLY), "open read-only")?;
    // SAFETY: the buffer is valid for reading.
    ensure_eq!(
        unsafe { sys::write(r.raw(), b"x".as_ptr(), 1) },
        -1,
        "write to O_RDONLY fd"
    );
    let w = ok(Fd::open("readonly", O_WRONLY), "open write-only")?;
    let mut buf = [0u8; 4];
    // SAFETY: buf is valid for writing.
    ensure_eq!(
        unsafe { sys::read(w.raw(), buf.as_mut_ptr(), 4) },
        -1,
        "read from O_WRONLY fd"
    );
    drop((r, w));
    ensure_eq!(
        ok(fs::read_file("readonly"), "read")?,
        b"data".to_vec(),
        "contents unchanged"
    );
    ok(fs::unlink("readonly"), "unlink")?;

    must_fail(fs::open(".", O_WRONLY), "open . O_WRONLY")?;
    must_fail(fs::open(".", O_RDWR), "open . O_RDWR")?;
    must_fail(fs::open("/", O_CREATE | O_RDWR), "open / O_CREATE")?;
    let d = ok(Fd::open(".", O_RDONLY), "open . read-only")?;
    ensure!(d.write(b"x").is_err(), "write to a directory succeeded");
    Ok(())
}

fn badfd() -> TestResult {
    let mut buf = [0u8; 8];
    for fd in [
        -1,
        3,
        NOFILE as i32 - 1,
        NOFILE as i32,
        100,
        i32::MAX,
        i32::MIN,
    ] {
        // SAFETY: buf is valid; the kernel must reject the descriptor.
        unsafe {
            ensure_eq!(sys::read(fd, buf.as_mut_ptr(), 8), -1, "read fd {}", fd);
            ensure_eq!(sys::write(fd, buf.as_ptr(), 8), -1, "write fd {}", fd);
        }
        ensure_eq!(sys::close(fd), -1, "close fd {}", fd);
        ensure_eq!(sys::dup(fd), -1, "dup fd {}", fd);
        let mut st = abi::Stat::default();
        // SAFETY: st is valid.
        ensure_eq!(unsafe { sys::fstat(fd, &mut st) }, -1, "fstat fd {}", fd);
    }
    let fd = ok(fs::open("/echo", O_RDONLY), "open")?;
    ok(fs::close(fd), "close")?;
    ensure_eq!(sys::close(fd), -1, "second close");
    Ok(())
}

/// dup gives the lowest free descriptor, sharing the file offset.
fn dup() -> TestResult {
    let fd = create("duptest")?;
    let low = lowest_free_fd()?;
    let d = ok(fd.dup(), "dup")?;
    ensure_eq!(d.raw(), low, "dup's descriptor");
    ensure_eq!(fd.write(b"ab"), Ok(2), "write via original");
    ensure_eq!(d.write(b"cd"), Ok(2), "write via dup");
    drop(fd);
    ensure_eq!(
        d.write(b"ef"),
        Ok(2),
        "write via dup after closing original"
    );
    drop(d);
    ensure_eq!(
        ok(fs::read_file("duptest"), "read")?,
        b"abcdef".to_vec(),
        "contents"
    );
    // A read offset is shared too.
    let r = ok(Fd::open("duptest", O_RDONLY), "open")?;
    let r2 = ok(r.dup(), "dup")?;
    let mut b = [0u8; 3];
    ensure_eq!(r.read(&mut b), Ok(3), "read");
    ensure_eq!(r2.read(&mut b), Ok(3), "read via dup");
    ensure_eq!(&b, b"def", "dup continues at the shared offset");
    drop((r, r2));
    ok(fs::unlink("duptest"), "unlink")
}

/// A process can have NOFILE descriptors open, no more.
fn nofile() -> TestResult {
    let first = lowest_free_fd()?;
    let mut fds = Vec::new();
    while let Ok(fd) = fs::open("/echo", O_RDONLY) {
        fds.push(fd);
        ensure!(fds.len() <= NOFILE, "opened more than NOFILE files");
    }
    ensure_eq!(fds.len() + first as usize, NOFILE, "descriptors available");
    ensure!(fs::dup(0).is_err(), "dup with a full table succeeded");
    ensure!(fs::pipe().is_err(), "pipe with a full table succeeded");
    for fd in &fds {
        ok(fs::close(*fd), "close")?;
    }
    ensure_eq!(lowest_free_fd()?, first, "lowest free fd after closing all");
    // pipe needs two slots; with one left it must fail and leak nothing.
    let mut fds = Vec::new();
    while fds.len() + first as usize + 1 < NOFILE {
        fds.push(ok(fs::open("/echo", O_RDONLY), "open")?);
    }
    ensure!(fs::pipe().is_err(), "pipe with one free slot succeeded");
    let last = ok(fs::open("/echo", O_RDONLY), "open of the last slot")?;
    ensure_eq!(last as usize, NOFILE - 1, "last slot");
    for fd in fds.iter().chain(core::iter::once(&last)) {
        let _ = fs::close(*fd);
    }
    Ok(())
}

fn mknod() -> TestResult {
    remove("mknodtest");
    ok(fs::mknod("mknodtest", abi::CONSOLE_MAJOR, 0), "mknod")?;
    let st = ok(fs::stat("mknodtest"), "stat")?;
    ensure_eq!(st.typ, T_DEVICE, "type of the node");
    must_fail(
        fs::mknod("mknodtest", abi::CONSOLE_MAJOR, 0),
        "mknod of an existing name",
    )?;
    ok(fs::unlink("mknodtest"), "unlink")
}

/// Paths must fit in MAXPATH bytes including the NUL; longer ones are
/// refused by every call that takes a path (xv6 copyinstr2).
fn longpath() -> TestResult {
    // "./././..." names "." itself; the longest allowed is MAXPATH-1 bytes.
    let mut ok_path = String::new();
    while ok_path.len() + 2 < MAXPATH {
        ok_path.push_str("./");
    }
    while ok_path.len() < MAXPATH - 1 {
        ok_path.push('.');
    }
    let p = cstr(&ok_path);
    // SAFETY: NUL-terminated.
    let fd = unsafe { sys::open(p.as_ptr(), O_RDONLY) };
    ensure!(fd >= 0, "open of a {}-byte path failed", ok_path.len());
    sys::close(fd as i32);

    for len in [MAXPATH, MAXPATH + 1, 2 * MAXPATH, 1000] {
        // `dots` would name "." and `fresh` a new file, if they were short
        // enough, so success can't hide behind "no such file".
        let mut dots = String::new();
        while dots.len() + 2 <= len {
            dots.push_str("./");
        }
        let mut fresh = dots.clone();
        while dots.len() < len {
            dots.push('.');
        }
        while fresh.len() < len {
            fresh.push('x');
        }
        let d = cstr(&dots);
        let f = cstr(&fresh);
        let q = cstr("/echo");
        let argv = [q.as_ptr(), core::ptr::null()];
        // SAFETY: NUL-terminated strings; the kernel must reject the length.
        unsafe {
            ensure_eq!(
                sys::open(d.as_ptr(), O_RDONLY),
                -1,
                "open of a {}-byte path",
                len
            );
            ensure_eq!(sys::chdir(d.as_ptr()), -1, "chdir to a {}-byte path", len);
            ensure_eq!(
                sys::open(f.as_ptr(), O_CREATE | O_RDWR),
                -1,
                "create, {} bytes",
                len
            );
            ensure_eq!(sys::mkdir(f.as_ptr()), -1, "mkdir of a {}-byte path", len);
            ensure_eq!(sys::unlink(f.as_ptr()), -1, "unlink of a {}-byte path", len);
            ensure_eq!(
                sys::link(q.as_ptr(), f.as_ptr()),
                -1,
                "link to a {}-byte path",
                len
            );
            ensure_eq!(
                sys::link(f.as_ptr(), q.as_ptr()),
                -1,
                "link from a {}-byte path",
                len
            );
            ensure_eq!(
                sys::mknod(f.as_ptr(), 1, 0),
                -1,
                "mknod of a {}-byte path",
                len
            );
            ensure_eq!(
                sys::exec(f.as_ptr(), argv.as_ptr()),
                -1,
                "exec of a {}-byte path",
                len
            );
        }
    }
    // The library refuses too, before asking the kernel.
    let long = "a".repeat(MAXPATH);
    ensure_eq!(
        fs::open(&long, O_RDONLY),
        Err(ulib::Error::PathTooLong),
        "fs::open"
    );
    Ok(())
}
