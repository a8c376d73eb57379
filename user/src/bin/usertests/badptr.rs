//! System calls given bad pointers return -1 and the caller lives on
//! (xv6's copyin, copyout, copyinstr, validate and badarg tests).

use crate::util::*;
use abi::fcntl::*;
use abi::layout::*;
use abi::vmstat::{PtEntry, VmStat};
use abi::{ProcInfo, Stat};
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs, process, sys};

pub const TESTS: &[Test] = &[
    Test::forked("copyin", copyin),
    Test::forked("copyout", copyout),
    Test::forked("copyinstr", copyinstr),
    Test::forked("badptrcalls", badptrcalls),
    Test::forked("waitbadptr", waitbadptr),
    Test::forked("validate", validate),
];

/// Addresses no user buffer may use: the kernel, the trampoline and
/// trapframe, at and past MAXVA, unmapped user space, the stack guard.
fn bad_addrs() -> [usize; 10] {
    [
        0x8000_0000,
        0x8000_0000 + 0x1_0000,
        TRAPFRAME,
        TRAMPOLINE,
        MAXVA - 1,
        MAXVA,
        usize::MAX,
        0x10_0000_0000,
        STACK_GUARD,
        MMAP_BASE + 0x1000,
    ]
}

/// The last 100 bytes of the heap, with the next page unmapped: a buffer
/// that starts valid and runs off the end.
fn straddling() -> Result<usize, String> {
    let cur = process::brk();
    let end = (cur + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    // SAFETY: growing frees nothing.
    unsafe { process::sbrk((end - cur) as isize) }.map_err(|_| String::from("sbrk"))?;
    Ok(end - 100)
}

fn copyin() -> TestResult {
    for a in bad_addrs() {
        let fd = create("copyin1")?;
        // SAFETY: a deliberately bad buffer; the kernel must refuse it.
        let n = unsafe { sys::write(fd.raw(), a as *const u8, 8192) };
        ensure_eq!(n, -1, "write to a file from {:#x}", a);
        drop(fd);
        ok(fs::unlink("copyin1"), "unlink")?;
        // The console and pipes may report 0 bytes rather than -1 (xv6
        // returns what was copied so far), but never success.
        // SAFETY: as above.
        let n = unsafe { sys::write(1, a as *const u8, 8192) };
        ensure!(n <= 0, "write to the console from {:#x} returned {}", a, n);
        let (r, w) = ok(Fd::pipe(), "pipe")?;
        // SAFETY: as above.
        let n = unsafe { sys::write(w.raw(), a as *const u8, 8192) };
        ensure!(n <= 0, "write to a pipe from {:#x} returned {}", a, n);
        drop((r, w));
    }
    // A buffer that runs off the end of the heap: a file write fails as a
    // whole. Nothing may allocate after straddling() (the heap would grow
    // over the unmapped page).
    let a = straddling()?;
    let fd = create("copyin2")?;
    // SAFETY: as above.
    let n = unsafe { sys::write(fd.raw(), a as *const u8, 8192) };
    drop(fd);
    let _ = fs::unlink("copyin2");
    ensure_eq!(n, -1, "write to a file from a buffer running off the heap");
    Ok(())
}

fn copyout() -> TestResult {
    for a in bad_addrs() {
        let fd = ok(Fd::open("/echo", O_RDONLY), "open /echo")?;
        // SAFETY: a deliberately bad buffer; the kernel must refuse it.
        let n = unsafe { sys::read(fd.raw(), a as *mut u8, 8192) };
        ensure_eq!(n, -1, "read from a file into {:#x}", a);
        drop(fd);
        let (r, w) = ok(Fd::pipe(), "pipe")?;
        ensure_eq!(w.write(b"x"), Ok(1), "write");
        // SAFETY: as above.
        let n = unsafe { sys::read(r.raw(), a as *mut u8, 8192) };
        ensure!(n <= 0, "read from a pipe into {:#x} returned {}", a, n);
        drop((r, w));
    }
    // Nothing may allocate after straddling(), as in copyin.
    let a = straddling()?;
    let fd = ok(Fd::open("/echo", O_RDONLY), "open /echo")?;
    // SAFETY: as above.
    let n = unsafe { sys::read(fd.raw(), a as *mut u8, 8192) };
    drop(fd);
    ensure_eq!(n, -1, "read from a file into a buffer running off the heap");
    Ok(())
}

/// Bad pointers as path names.
fn copyinstr() -> TestResult {
    let good = cstr("/echo");
    for a in bad_addrs() {
        let p = a as *const u8;
        // SAFETY: deliberately bad pointers; the kernel must refuse them.
        unsafe {
            ensure_eq!(sys::open(p, O_CREATE | O_WRONLY), -1, "open({:#x})", a);
            ensure_eq!(sys::open(p, O_RDONLY), -1, "open({:#x}) read-only", a);
            ensure_eq!(sys::mkdir(p), -1, "mkdir({:#x})", a);
            ensure_eq!(sys::chdir(p), -1, "chdir({:#x})", a);
            ensure_eq!(sys::unlink(p), -1, "unlink({:#x})", a);
            ensure_eq!(sys::mknod(p, 1, 0), -1, "mknod({:#x})", a);
            ensure_eq!(sys::link(good.as_ptr(), p), -1, "link(/echo, {:#x})", a);
            ensure_eq!(sys::link(p, good.as_ptr()), -1, "link({:#x}, /echo)", a);
        }
    }
    // A string that runs off the end of valid memory into an unmapped page.
    let end = straddling()? + 100;
    let start = end - 16;
    for i in 0..16 {
        // SAFETY: the last 16 bytes of the heap are ours.
        unsafe { core::ptr::write_volatile((start + i) as *mut u8, b'a') };
    }
    // SAFETY: an unterminated string at the edge of the heap.
    let r = unsafe { sys::open(start as *const u8, O_CREATE | O_WRONLY) };
    ensure_eq!(r, -1, "open of a string running off the heap");
    Ok(())
}

/// pipe, fstat, vmstat, ptdump, procs with bad result pointers; no
/// descriptors leak when pipe fails.
fn badptrcalls() -> TestResult {
    let low = lowest_free_fd()?;
    for a in bad_addrs() {
        // SAFETY: deliberately bad pointers; the kernel must refuse them.
        unsafe {
            ensure_eq!(sys::pipe(a as *mut i32), -1, "pipe({:#x})", a);
            ensure_eq!(sys::fstat(0, a as *mut Stat), -1, "fstat(0, {:#x})", a);
            ensure_eq!(sys::vmstat(a as *mut VmStat), -1, "vmstat({:#x})", a);
            ensure_eq!(
                sys::ptdump(0, a as *mut PtEntry, 4),
                -1,
                "ptdump(0, {:#x})",
                a
            );
            ensure_eq!(sys::procs(a as *mut ProcInfo, 4), -1, "procs({:#x})", a);
        }
        ensure_eq!(
            lowest_free_fd()?,
            low,
            "lowest free fd after pipe({:#x})",
            a
        );
    }
    Ok(())
}

/// wait with a bad status pointer fails; the child can still be reaped.
fn waitbadptr() -> TestResult {
    let pid = spawn(|| 5)?;
    let _ = process::pause(2);
    // SAFETY: deliberately bad pointer.
    let r = unsafe { sys::wait(0x8000_0000 as *mut i32) };
    ensure!(r == -1 || r == pid as isize, "wait(bad) returned {}", r);
    if r == -1 {
        let mut st = 0;
        // SAFETY: valid pointer.
        let r = unsafe { sys::wait(&mut st) };
        ensure_eq!(r, pid as isize, "wait after wait(bad)");
        ensure_eq!(st, 5, "status");
    }
    Ok(())
}

/// xv6 validatetest: sweep a path pointer over the address space.
fn validate() -> TestResult {
    let name = cstr("nosuchfile");
    for p in (0..=1100 * PAGE_SIZE).step_by(PAGE_SIZE) {
        // SAFETY: the kernel must cope with any pointer.
        let r = unsafe { sys::link(name.as_ptr(), p as *const u8) };
        ensure_eq!(r, -1, "link(nosuchfile, {:#x})", p);
    }
    Ok(())
}
