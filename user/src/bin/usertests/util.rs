//! Helpers shared by the usertests modules.

use abi::fcntl::{O_CREATE, O_RDWR, O_TRUNC};
use ulib::prelude::*;
use ulib::{fs, process, vm};

pub type TestResult = Result<(), String>;

/// Creates (truncating) `path` for reading and writing.
pub fn create(path: &str) -> Result<Fd, String> {
    Fd::open(path, O_CREATE | O_RDWR | O_TRUNC).map_err(|e| format!("create {}: {}", path, e))
}

/// Ok if `r` failed; `what` names the call for the message.
pub fn must_fail<T: core::fmt::Debug>(r: ulib::Result<T>, what: &str) -> TestResult {
    match r {
        Err(_) => Ok(()),
        Ok(v) => Err(format!("{} succeeded ({:?}), expected failure", what, v)),
    }
}

/// `r` with its error labelled by `what`.
pub fn ok<T>(r: ulib::Result<T>, what: &str) -> Result<T, String> {
    r.map_err(|e| format!("{}: {}", what, e))
}

/// Free physical frames according to the kernel.
pub fn free_frames() -> Result<u64, String> {
    ok(vm::vmstat(), "vmstat").map(|v| v.free_frames)
}

/// Total physical frames according to the kernel.
pub fn total_frames() -> Result<u64, String> {
    ok(vm::vmstat(), "vmstat").map(|v| v.total_frames)
}

/// Waits for `n` children; each must exit 0.
pub fn wait_n_ok(n: usize, what: &str) -> TestResult {
    let mut bad = None;
    for _ in 0..n {
        match process::wait() {
            Ok((_, 0)) => {}
            Ok((pid, s)) => bad = Some(format!("{}: child {} exited with {}", what, pid, s)),
            Err(_) => return Err(format!("{}: wait failed with children left", what)),
        }
    }
    bad.map_or(Ok(()), Err)
}

/// Removes `path`, ignoring a missing file (cleanup before a test).
pub fn remove(path: &str) {
    let _ = fs::unlink(path);
}

/// The exit status of child `pid`.
pub fn status_of(pid: i32) -> Result<i32, String> {
    process::wait_for(pid).map_err(|e| format!("waiting for child {}: {}", pid, e))
}

/// Forks a child running `f` (exiting with its result); returns the pid.
pub fn spawn(f: impl FnOnce() -> i32) -> Result<i32, String> {
    process::spawn(f).map_err(|e| format!("fork: {}", e))
}

/// A byte pattern that differs per position and seed.
pub fn pattern(seed: usize, i: usize) -> u8 {
    (i.wrapping_mul(31).wrapping_add(seed.wrapping_mul(7)) % 251) as u8
}

/// The lowest free descriptor right now (opens and closes one).
pub fn lowest_free_fd() -> Result<i32, String> {
    let fd = ok(fs::open("/", abi::fcntl::O_RDONLY), "open /")?;
    let _ = fs::close(fd);
    Ok(fd)
}

/// A NUL-terminated copy of `s` for raw system calls.
pub fn cstr(s: &str) -> Vec<u8> {
    let mut v = Vec::from(s.as_bytes());
    v.push(0);
    v
}
