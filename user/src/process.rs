//! Processes: fork, exit, wait, exec, kill, and the break (sbrk).

use crate::cstr::{to_cstring, with_path};
use crate::error::{check, Error, Result};
use crate::sys;
use abi::limits::MAXARG;
use abi::syscall::{SBRK_EAGER, SBRK_LAZY};
use alloc::vec::Vec;

/// Returns 0 in the child and the child's pid in the parent.
pub fn fork() -> Result<i32> {
    check("fork", sys::fork()).map(|pid| pid as i32)
}

pub fn exit(status: i32) -> ! {
    sys::exit(status)
}

/// Waits for any child: `(pid, exit status)`. Fails if there are no children.
pub fn wait() -> Result<(i32, i32)> {
    let mut status = 0i32;
    // SAFETY: status is a valid i32 for the kernel to fill.
    let pid = check("wait", unsafe { sys::wait(&mut status) })?;
    Ok((pid as i32, status))
}

/// Waits until child `pid` exits and returns its status, reaping any other
/// children that exit first.
pub fn wait_for(pid: i32) -> Result<i32> {
    loop {
        let (p, status) = wait()?;
        if p == pid {
            return Ok(status);
        }
    }
}

/// Replaces this process with the program at `path`. Only returns on
/// failure, with the reason.
pub fn exec(path: &str, args: &[&str]) -> Error {
    if args.len() > MAXARG {
        return Error::TooManyArgs;
    }
    let mut strings: Vec<Vec<u8>> = Vec::new();
    if strings.try_reserve_exact(args.len()).is_err() {
        return Error::NoMemory;
    }
    for a in args {
        match to_cstring(a) {
            Ok(s) => strings.push(s),
            Err(e) => return e,
        }
    }
    let mut argv: Vec<*const u8> = Vec::new();
    if argv.try_reserve_exact(args.len() + 1).is_err() {
        return Error::NoMemory;
    }
    argv.extend(strings.iter().map(|s| s.as_ptr()));
    argv.push(core::ptr::null());
    // SAFETY: NUL-terminated path, NULL-terminated argv of NUL-terminated
    // strings that outlive the call.
    match with_path(path, |p| unsafe { sys::exec(p, argv.as_ptr()) }) {
        Ok(_) => Error::Sys("exec"),
        Err(e) => e,
    }
}

/// Forks a child that runs `f` and exits with its return value; returns the
/// child's pid to the parent.
pub fn spawn(f: impl FnOnce() -> i32) -> Result<i32> {
    let pid = fork()?;
    if pid == 0 {
        exit(f());
    }
    Ok(pid)
}

/// Forks, runs `f` in the child, and waits: the child's exit status
/// (-1 if the kernel killed it).
pub fn spawn_wait(f: impl FnOnce() -> i32) -> Result<i32> {
    let pid = spawn(f)?;
    wait_for(pid)
}

/// Runs the program at `path` in a child and waits for it; the child exits
/// with 127 if exec fails.
pub fn run(path: &str, args: &[&str]) -> Result<i32> {
    spawn_wait(|| {
        let _ = exec(path, args);
        127
    })
}

pub fn kill(pid: i32) -> Result<()> {
    check("kill", sys::kill(pid)).map(|_| ())
}

pub fn getpid() -> i32 {
    sys::getpid() as i32
}

/// Sleeps for `ticks` timer ticks.
pub fn pause(ticks: i32) -> Result<()> {
    check("pause", sys::pause(ticks)).map(|_| ())
}

/// Timer ticks since boot.
pub fn uptime() -> usize {
    sys::uptime().max(0) as usize
}

fn sbrk_typed(n: isize, typ: usize) -> Result<usize> {
    // SAFETY: the callers' contracts cover shrinking.
    let old = unsafe { sys::sbrk(n, typ) };
    if old == usize::MAX {
        Err(Error::Sys("sbrk"))
    } else {
        Ok(old)
    }
}

/// Moves the break by `n` bytes, allocating the new memory now (xv6's
/// `sbrk`). Returns the old break.
///
/// # Safety
/// A negative `n` frees memory at the top of the heap, which the global
/// allocator may be using if it grew the break after you did.
pub unsafe fn sbrk(n: isize) -> Result<usize> {
    sbrk_typed(n, SBRK_EAGER)
}

/// Moves the break by `n` bytes; memory is allocated when first touched
/// (xv6's `sbrklazy`). Returns the old break.
///
/// # Safety
/// As for [`sbrk`].
pub unsafe fn sbrk_lazy(n: isize) -> Result<usize> {
    sbrk_typed(n, SBRK_LAZY)
}

/// The current break.
pub fn brk() -> usize {
    sbrk_typed(0, SBRK_EAGER).unwrap_or(0)
}

/// Stops the machine; QEMU exits with `status`.
pub fn poweroff(status: i32) -> ! {
    sys::poweroff(status)
}
