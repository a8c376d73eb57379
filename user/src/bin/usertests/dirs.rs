//! Directories: mkdir, chdir, unlink rules, "..", long names, references.

use crate::util::*;
use abi::fcntl::*;
use abi::fs::{DIRSIZ, ROOTINO};
use abi::T_DIR;
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs};

pub const TESTS: &[Test] = &[
    Test::forked("dirtest", dirtest),
    Test::forked("subdir", subdir),
    Test::forked("rmdot", rmdot),
    Test::forked("dirfile", dirfile),
    Test::forked("dotdot", dotdot),
    Test::forked("fourteen", fourteen),
    Test::forked("iref", iref),
    Test::forked("iput", iput),
    Test::forked("exitiput", exitiput),
    Test::forked("bigdir", bigdir),
];

/// xv6 dirtest.
fn dirtest() -> TestResult {
    ok(fs::mkdir("dir0"), "mkdir")?;
    let st = ok(fs::stat("dir0"), "stat")?;
    ensure_eq!(st.typ, T_DIR, "type");
    ok(fs::chdir("dir0"), "chdir dir0")?;
    let dot = ok(fs::stat("."), "stat .")?;
    ensure_eq!(dot.ino, st.ino, ". inside dir0");
    ok(fs::chdir(".."), "chdir ..")?;
    ensure_eq!(
        ok(fs::stat(".."), "stat ..")?.ino,
        ROOTINO,
        "back at the root"
    );
    ok(fs::unlink("dir0"), "unlink dir0")?;
    must_fail(fs::chdir("dir0"), "chdir to a removed dir")
}

/// xv6 subdir: the rules of a hierarchical file system.
fn subdir() -> TestResult {
    remove("ff");
    ok(fs::mkdir("dd"), "mkdir dd")?;
    ok(fs::write_file("dd/ff", b"ff"), "create dd/ff")?;
    must_fail(fs::unlink("dd"), "unlink of non-empty dd")?;
    ok(fs::mkdir("/dd/dd"), "mkdir /dd/dd")?;
    ok(fs::write_file("dd/dd/ff", b"FF"), "create dd/dd/ff")?;
    let data = ok(fs::read_file("dd/dd/../ff"), "open dd/dd/../ff")?;
    ensure_eq!(data, b"ff".to_vec(), "dd/dd/../ff is dd/ff");
    ok(
        fs::link("dd/dd/ff", "dd/dd/ffff"),
        "link dd/dd/ff dd/dd/ffff",
    )?;
    ok(fs::unlink("dd/dd/ff"), "unlink dd/dd/ff")?;
    must_fail(fs::open("dd/dd/ff", O_RDONLY), "open of unlinked dd/dd/ff")?;
    ok(fs::chdir("dd"), "chdir dd")?;
    ok(fs::chdir("dd/../../dd"), "chdir dd/../../dd")?;
    ok(fs::chdir("dd/../../../dd"), "chdir dd/../../../dd")?;
    ok(fs::chdir("./.."), "chdir ./..")?;
    ensure_eq!(ok(fs::stat("."), "stat .")?.ino, ROOTINO, "cwd after ./..");
    let data = ok(fs::read_file("dd/dd/ffff"), "open dd/dd/ffff")?;
    ensure_eq!(data, b"FF".to_vec(), "contents through the new link");
    must_fail(fs::open("dd/dd/ff", O_RDONLY), "open of unlinked dd/dd/ff")?;
    must_fail(
        fs::open("dd/ff/ff", O_CREATE | O_RDWR),
        "create under a file",
    )?;
    must_fail(
        fs::open("dd/xx/ff", O_CREATE | O_RDWR),
        "create under a missing dir",
    )?;
    must_fail(fs::open("dd", O_CREATE), "open of a dir with O_CREATE")?;
    must_fail(fs::open("dd", O_RDWR), "open of a dir O_RDWR")?;
    must_fail(fs::open("dd", O_WRONLY), "open of a dir O_WRONLY")?;
    must_fail(fs::link("dd/ff/ff", "dd/dd/xx"), "link from under a file")?;
    must_fail(
        fs::link("dd/xx/ff", "dd/dd/xx"),
        "link from under a missing dir",
    )?;
    must_fail(
        fs::link("dd/ff", "dd/dd/ffff"),
        "link onto an existing name",
    )?;
    must_fail(fs::mkdir("dd/ff/ff"), "mkdir under a file")?;
    must_fail(fs::mkdir("dd/xx/ff"), "mkdir under a missing dir")?;
    must_fail(fs::mkdir("dd/dd/ffff"), "mkdir over an existing file")?;
    must_fail(fs::unlink("dd/xx/ff"), "unlink under a missing dir")?;
    must_fail(fs::unlink("dd/ff/ff"), "unlink under a file")?;
    must_fail(fs::chdir("dd/ff"), "chdir to a file")?;
    must_fail(fs::chdir("dd/xx"), "chdir to a missing dir")?;
    ok(fs::unlink("dd/dd/ffff"), "unlink dd/dd/ffff")?;
    ok(fs::unlink("dd/ff"), "unlink dd/ff")?;
    must_fail(fs::unlink("dd"), "unlink of non-empty dd (holds dd/dd)")?;
    ok(fs::unlink("dd/dd"), "unlink dd/dd")?;
    ok(fs::unlink("dd"), "unlink dd")
}

/// xv6 rmdot: "." and ".." can't be unlinked.
fn rmdot() -> TestResult {
    ok(fs::mkdir("dots"), "mkdir dots")?;
    ok(fs::chdir("dots"), "chdir dots")?;
    must_fail(fs::unlink("."), "unlink .")?;
    must_fail(fs::unlink(".."), "unlink ..")?;
    ok(fs::chdir("/"), "chdir /")?;
    must_fail(fs::unlink("dots/."), "unlink dots/.")?;
    must_fail(fs::unlink("dots/.."), "unlink dots/..")?;
    ok(fs::unlink("dots"), "unlink dots")
}

/// xv6 dirfile: a file is not a directory.
fn dirfile() -> TestResult {
    ok(fs::write_file("dirfile", b""), "create dirfile")?;
    must_fail(fs::chdir("dirfile"), "chdir to a file")?;
    must_fail(fs::open("dirfile/xx", O_RDONLY), "open under a file")?;
    must_fail(fs::open("dirfile/xx", O_CREATE), "create under a file")?;
    must_fail(fs::mkdir("dirfile/xx"), "mkdir under a file")?;
    must_fail(fs::unlink("dirfile/xx"), "unlink under a file")?;
    must_fail(fs::link("/echo", "dirfile/xx"), "link under a file")?;
    ok(fs::unlink("dirfile"), "unlink dirfile")?;
    must_fail(fs::open(".", O_RDWR), "open . O_RDWR")?;
    let fd = ok(Fd::open(".", O_RDONLY), "open .")?;
    ensure!(fd.write(b"x").is_err(), "write to a directory succeeded");
    Ok(())
}

/// ".." everywhere, including the root's (which is the root).
fn dotdot() -> TestResult {
    ensure_eq!(ok(fs::stat("/.."), "stat /..")?.ino, ROOTINO, "/.. is /");
    ensure_eq!(
        ok(fs::stat("/../../.."), "stat /../../..")?.ino,
        ROOTINO,
        "/../../.."
    );
    ok(fs::mkdir("dotdot"), "mkdir")?;
    ok(fs::mkdir("dotdot/sub"), "mkdir sub")?;
    let top = ok(fs::stat("dotdot"), "stat dotdot")?.ino;
    ok(fs::chdir("dotdot/sub"), "chdir")?;
    ensure_eq!(ok(fs::stat(".."), "stat ..")?.ino, top, ".. of dotdot/sub");
    ensure_eq!(ok(fs::stat("../.."), "stat ../..")?.ino, ROOTINO, "../..");
    ok(fs::write_file("../f", b"up"), "create ../f")?;
    ensure_eq!(
        ok(fs::read_file("/dotdot/f"), "read")?,
        b"up".to_vec(),
        "file made via .."
    );
    ok(fs::chdir("../../../.."), "chdir above the root")?;
    ensure_eq!(
        ok(fs::stat("."), "stat .")?.ino,
        ROOTINO,
        "cwd above the root is /"
    );
    // A directory's ".." entry counts as a link to its parent.
    let names: Vec<Vec<u8>> = ok(fs::read_dir("dotdot/sub"), "read dir")?
        .iter()
        .map(|d| d.name().to_vec())
        .collect();
    ensure!(
        names.contains(&b".".to_vec()) && names.contains(&b"..".to_vec()),
        "dotdot/sub lacks . or .."
    );
    ok(fs::unlink("dotdot/f"), "unlink f")?;
    ok(fs::unlink("dotdot/sub"), "unlink sub")?;
    ok(fs::unlink("dotdot"), "unlink dotdot")
}

/// xv6 fourteen: names are cut to DIRSIZ (14) bytes.
fn fourteen() -> TestResult {
    const A: &str = "12345678901234"; // exactly DIRSIZ
    const B: &str = "123456789012345"; // one more: same name as A
    ensure_eq!(A.len(), DIRSIZ, "test setup");
    ok(fs::mkdir(A), "mkdir 12345678901234")?;
    ok(
        fs::mkdir(&format!("{}/{}", A, B)),
        "mkdir 12345678901234/123456789012345",
    )?;
    ok(
        fs::write_file(&format!("{}/{}/{}", B, B, B), b""),
        "create 123456789012345/123456789012345/123456789012345",
    )?;
    let fd = ok(
        fs::open(&format!("{}/{}/{}", A, A, A), O_RDONLY),
        "open 12345678901234/12345678901234/12345678901234",
    )?;
    let _ = fs::close(fd);
    must_fail(
        fs::mkdir(&format!("{}/{}", A, A)),
        "mkdir 12345678901234/12345678901234",
    )?;
    must_fail(
        fs::mkdir(&format!("{}/{}", B, A)),
        "mkdir 123456789012345/12345678901234",
    )?;
    // Clean up (some of these are aliases and fail; that's fine).
    remove(&format!("{}/{}", B, A));
    remove(&format!("{}/{}", A, A));
    ok(fs::unlink(&format!("{}/{}/{}", A, A, A)), "unlink the file")?;
    remove(&format!("{}/{}/{}", B, B, B));
    ok(fs::unlink(&format!("{}/{}", A, B)), "unlink the inner dir")?;
    ok(fs::unlink(A), "unlink the outer dir")
}

/// xv6 iref: more nested directories than the kernel has in-memory
/// inodes, with failed operations on "" in each; checks that references
/// are dropped.
fn iref() -> TestResult {
    const N: usize = 51; // xv6's NINODE + 1
    for i in 0..N {
        ok(fs::mkdir("irefd"), "mkdir irefd").map_err(|e| format!("{} at depth {}", e, i))?;
        ok(fs::chdir("irefd"), "chdir irefd")?;
        let _ = fs::mkdir("");
        let _ = fs::link("/echo", "");
        if let Ok(fd) = fs::open("", O_CREATE) {
            let _ = fs::close(fd);
        }
        if let Ok(fd) = fs::open("xx", O_CREATE) {
            let _ = fs::close(fd);
        }
        let _ = fs::unlink("xx");
    }
    for _ in 0..N {
        ok(fs::chdir(".."), "chdir ..")?;
        ok(fs::unlink("irefd"), "unlink irefd")?;
    }
    ok(fs::chdir("/"), "chdir /")
}

/// xv6 iputtest: remove the directory we are in, then leave it.
fn iput() -> TestResult {
    ok(fs::mkdir("iputdir"), "mkdir")?;
    ok(fs::chdir("iputdir"), "chdir")?;
    ok(fs::unlink("../iputdir"), "unlink ../iputdir")?;
    ok(fs::chdir("/"), "chdir /")?;
    must_fail(fs::stat("iputdir"), "stat of removed dir")
}

/// xv6 exitiput: a process exits while its cwd is an unlinked directory.
fn exitiput() -> TestResult {
    let pid = spawn(|| {
        if fs::mkdir("iputdir2").is_err() || fs::chdir("iputdir2").is_err() {
            return 1;
        }
        if fs::unlink("../iputdir2").is_err() {
            return 2;
        }
        0
    })?;
    ensure_eq!(status_of(pid)?, 0, "child status");
    must_fail(fs::stat("iputdir2"), "stat of removed dir")?;
    // The inode really went away: the name can be made again.
    ok(fs::mkdir("iputdir2"), "mkdir again")?;
    ok(fs::unlink("iputdir2"), "unlink")
}

/// xv6 bigdir: a directory with hundreds of entries.
fn bigdir() -> TestResult {
    const N: usize = 500;
    let name = |i: usize| {
        let b = [b'x', b'0' + (i / 64) as u8, b'0' + (i % 64) as u8];
        String::from_utf8_lossy(&b).into_owned()
    };
    ok(fs::mkdir("bigdir"), "mkdir bigdir")?;
    ok(fs::write_file("bigdir/bd", b""), "create bd")?;
    ok(fs::chdir("bigdir"), "chdir")?;
    for i in 0..N {
        ok(fs::link("bd", &name(i)), "link").map_err(|e| format!("{} #{}", e, i))?;
    }
    ensure_eq!(
        ok(fs::stat("bd"), "stat")?.nlink as usize,
        N + 1,
        "nlink of bd"
    );
    let entries = ok(fs::read_dir("."), "read dir")?;
    ensure_eq!(entries.len(), N + 3, "entries (. .. bd and the links)");
    for i in 0..N {
        ok(fs::unlink(&name(i)), "unlink").map_err(|e| format!("{} #{}", e, i))?;
    }
    ensure_eq!(ok(fs::stat("bd"), "stat")?.nlink, 1, "nlink after unlinks");
    ok(fs::unlink("bd"), "unlink bd")?;
    ok(fs::chdir("/"), "chdir /")?;
    ok(fs::unlink("bigdir"), "unlink bigdir")
}
