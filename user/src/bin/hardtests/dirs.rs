//! Item 6 of issue 7: a directory removed while it is a process's working
//! directory takes no new entries (they would be unreachable: lost inodes
//! and blocks that fsck reports).

use crate::util::TestResult;
use abi::fcntl::*;
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs, process};

pub const TESTS: &[Test] = &[Test::forked("rmcwd", rmcwd)];

fn rmcwd() -> TestResult {
    let _ = fs::unlink("/hardrmcwd");
    fs::mkdir("/hardrmcwd").map_err(|e| format!("mkdir: {}", e))?;
    let st = process::spawn_wait(|| {
        if fs::chdir("/hardrmcwd").is_err() || fs::unlink("/hardrmcwd").is_err() {
            return 1;
        }
        let mut bad = 0;
        if fs::mkdir("d").is_ok() {
            bad |= 2;
        }
        if fs::open("f", O_CREATE | O_RDWR).is_ok() {
            bad |= 4;
        }
        if fs::mknod("n", 1, 0).is_ok() {
            bad |= 8;
        }
        if fs::link("/README", "l").is_ok() {
            bad |= 16;
        }
        // Still a directory one can look in and leave.
        if fs::open(".", O_RDONLY).is_err() || fs::chdir("..").is_err() {
            bad |= 32;
        }
        bad
    });
    ensure!(
        fs::stat("/hardrmcwd").is_err(),
        "the directory is still there"
    );
    ensure_eq!(
        st,
        Ok(0),
        "status (2 mkdir, 4 create, 8 mknod, 16 link succeeded in the removed directory)"
    );
    Ok(())
}
