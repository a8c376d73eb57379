//! fork, exit, wait, kill, pause.

use crate::util::*;
use abi::limits::NPROC;
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs, process, sys};

pub const TESTS: &[Test] = &[
    // These two check fork/wait themselves, so they run in the harness's
    // own process rather than trusting fork to isolate them.
    Test::inline("forkbasic", forkbasic),
    Test::inline("waitstatus", waitstatus),
    Test::forked("exitwait", exitwait),
    Test::forked("waitnochild", waitnochild),
    Test::forked("waitnull", waitnull),
    Test::forked("exitcodes", exitcodes),
    Test::forked("getpid", getpid),
    Test::forked("forktest", forktest),
    Test::forked("twochildren", twochildren),
    Test::forked("forkfork", forkfork),
    Test::forked("reparent", reparent),
    Test::forked("reparent2", reparent2),
    Test::forked("killstatus", killstatus),
    Test::forked("killsleeping", killsleeping),
    Test::forked("killpause", killpause),
    Test::forked("killbad", killbad),
    Test::forked("preempt", preempt),
    Test::forked("pause", pause),
];

fn forkbasic() -> TestResult {
    let me = process::getpid();
    ensure!(me > 0, "getpid returned {}", me);
    let pid = sys::fork();
    if pid == 0 {
        // Distinguish "child returned 0 from fork" from "fork returned
        // twice in the same process".
        sys::exit(if process::getpid() != me { 7 } else { 8 });
    }
    ensure!(pid > 0, "fork returned {}", pid);
    let mut status = 0i32;
    // SAFETY: status is a valid i32.
    let got = unsafe { sys::wait(&mut status) };
    ensure_eq!(got, pid, "wait's pid");
    ensure!(status != 8, "child had the parent's pid");
    ensure_eq!(status, 7, "child exit status");
    Ok(())
}

fn waitstatus() -> TestResult {
    for code in [0, 1, 3, 100] {
        let pid = ok(process::fork(), "fork")?;
        if pid == 0 {
            process::exit(code);
        }
        let (got, status) = ok(process::wait(), "wait")?;
        ensure_eq!(got, pid, "wait's pid");
        ensure_eq!(status, code, "exit status");
    }
    Ok(())
}

/// xv6 exitwait: the exit status reaches wait, for many children.
fn exitwait() -> TestResult {
    for i in 0..100 {
        let pid = spawn(|| i)?;
        let (got, status) = ok(process::wait(), "wait")?;
        ensure_eq!(got, pid, "wait's pid");
        ensure_eq!(status, i, "exit status");
    }
    Ok(())
}

fn waitnochild() -> TestResult {
    let mut status = 12345;
    // SAFETY: status is a valid i32.
    let r = unsafe { sys::wait(&mut status) };
    ensure_eq!(r, -1, "wait with no children");
    // After children have come and gone, again -1.
    let pid = spawn(|| 0)?;
    ensure_eq!(status_of(pid)?, 0, "child status");
    // SAFETY: null is allowed.
    let r = unsafe { sys::wait(core::ptr::null_mut()) };
    ensure_eq!(r, -1, "wait after the only child was reaped");
    Ok(())
}

fn waitnull() -> TestResult {
    let pid = spawn(|| 3)?;
    // SAFETY: a null status pointer means "don't report".
    let got = unsafe { sys::wait(core::ptr::null_mut()) };
    ensure_eq!(got as i32, pid, "wait(0)'s pid");
    Ok(())
}

fn exitcodes() -> TestResult {
    for code in [0, 1, 42, 127, 255, 256, 1000, -5, -1, i32::MAX, i32::MIN] {
        let pid = spawn(|| code)?;
        ensure_eq!(status_of(pid)?, code, "status passed through exit/wait");
    }
    Ok(())
}

fn getpid() -> TestResult {
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let pid = spawn(|| {
        let me = process::getpid().to_le_bytes();
        if fs::write(w, &me) == Ok(4) {
            0
        } else {
            1
        }
    })?;
    let _ = fs::close(w);
    let mut buf = [0u8; 4];
    ensure_eq!(
        ok(fs::read_full(r, &mut buf), "read")?,
        4,
        "bytes from child"
    );
    ensure_eq!(
        i32::from_le_bytes(buf),
        pid,
        "child's getpid vs fork's result"
    );
    ensure!(pid != process::getpid(), "child has the parent's pid");
    ensure_eq!(status_of(pid)?, 0, "child status");
    let _ = fs::close(r);
    Ok(())
}

/// xv6 forktest: fork until the process table is full, then wait for all;
/// one more wait must fail.
fn forktest() -> TestResult {
    const N: usize = 1000;
    let mut n = 0;
    while n < N {
        let pid = sys::fork();
        if pid < 0 {
            break;
        }
        if pid == 0 {
            sys::exit(0);
        }
        n += 1;
    }
    ensure!(n < N, "fork claimed to work {} times", N);
    ensure!(n > 0, "no fork worked");
    // NPROC is the table size; the harness, init and we hold three.
    ensure!(n <= NPROC, "forked {} children with NPROC {}", n, NPROC);
    for i in 0..n {
        // SAFETY: null status pointer.
        let r = unsafe { sys::wait(core::ptr::null_mut()) };
        ensure!(r > 0, "wait stopped working after {} of {} children", i, n);
    }
    // SAFETY: null status pointer.
    let r = unsafe { sys::wait(core::ptr::null_mut()) };
    ensure_eq!(r, -1, "wait with all children reaped");
    // The table has room again.
    let pid = spawn(|| 0)?;
    ensure_eq!(status_of(pid)?, 0, "fork after the table emptied");
    Ok(())
}

/// xv6 twochildren: two children at a time, many times.
fn twochildren() -> TestResult {
    for _ in 0..200 {
        spawn(|| 0)?;
        spawn(|| 0)?;
        wait_n_ok(2, "twochildren")?;
    }
    Ok(())
}

/// xv6 forkfork: two processes forking in parallel.
fn forkfork() -> TestResult {
    for _ in 0..2 {
        spawn(|| {
            for _ in 0..200 {
                match process::fork() {
                    Ok(0) => process::exit(0),
                    Ok(pid) => {
                        if process::wait_for(pid) != Ok(0) {
                            return 1;
                        }
                    }
                    Err(_) => return 2,
                }
            }
            0
        })?;
    }
    wait_n_ok(2, "forkfork")
}

/// A grandchild whose parent exits is not ours to wait for: it goes to
/// init, and our wait sees only our own child.
fn reparent() -> TestResult {
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let pid = spawn(|| {
        let _ = fs::close(r);
        match process::fork() {
            Ok(0) => {
                // Outlive the parent, then say so.
                let _ = process::pause(5);
                let _ = fs::write(w, b"g");
                0
            }
            Ok(_) => 0,
            Err(_) => 1,
        }
    })?;
    let _ = fs::close(w);
    ensure_eq!(status_of(pid)?, 0, "child status");
    let mut c = [0u8; 1];
    // The grandchild still runs after its parent is gone.
    ensure_eq!(ok(fs::read(r, &mut c), "read")?, 1, "grandchild's byte");
    ensure_eq!(process::wait().ok(), None, "wait returned a grandchild");
    let _ = fs::close(r);
    Ok(())
}

/// xv6 reparent2: many orphans; if init did not reap them the process
/// table would fill and fork would fail.
fn reparent2() -> TestResult {
    for i in 0..400 {
        let pid = match process::fork() {
            Ok(pid) => pid,
            Err(_) => {
                return Err(format!(
                    "fork failed at iteration {}: orphans not reaped?",
                    i
                ))
            }
        };
        if pid == 0 {
            let _ = process::fork();
            let _ = process::fork();
            process::exit(0);
        }
        // SAFETY: null status pointer.
        unsafe { sys::wait(core::ptr::null_mut()) };
    }
    Ok(())
}

/// xv6 killstatus: a killed child exits with -1.
fn killstatus() -> TestResult {
    for _ in 0..100 {
        let pid = spawn(|| loop {
            sys::getpid();
        })?;
        let _ = process::pause(1);
        ok(process::kill(pid), "kill")?;
        ensure_eq!(status_of(pid)?, -1, "killed child's status");
    }
    Ok(())
}

/// A child blocked reading an empty pipe is woken and killed.
fn killsleeping() -> TestResult {
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let pid = spawn(|| {
        let mut c = [0u8; 1];
        let _ = fs::read(r, &mut c);
        0 // returning means the read ended without the kill
    })?;
    let _ = process::pause(3);
    ok(process::kill(pid), "kill")?;
    ensure_eq!(status_of(pid)?, -1, "status of a child killed in read");
    let _ = fs::close(r);
    let _ = fs::close(w);
    Ok(())
}

/// A child in a long pause is killed promptly.
fn killpause() -> TestResult {
    let pid = spawn(|| {
        let _ = process::pause(100_000);
        0
    })?;
    let _ = process::pause(2);
    let t0 = process::uptime();
    ok(process::kill(pid), "kill")?;
    ensure_eq!(status_of(pid)?, -1, "status of a child killed in pause");
    let dt = process::uptime() - t0;
    ensure!(dt < 1000, "kill of a pausing child took {} ticks", dt);
    Ok(())
}

fn killbad() -> TestResult {
    for pid in [-1, 0, 100_000, i32::MAX] {
        ensure_eq!(sys::kill(pid), -1, "kill({})", pid);
    }
    Ok(())
}

/// xv6 preempt: two children spin forever; a third gets to run anyway
/// (the timer preempts), then all three are killed.
fn preempt() -> TestResult {
    let spin = || -> i32 {
        loop {
            core::hint::spin_loop();
        }
    };
    let p1 = spawn(spin)?;
    let p2 = spawn(spin)?;
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let p3 = spawn(|| {
        let _ = fs::close(r);
        if fs::write(w, b"x") != Ok(1) {
            return 1;
        }
        let _ = fs::close(w);
        loop {
            core::hint::spin_loop();
        }
    })?;
    let _ = fs::close(w);
    let mut c = [0u8; 1];
    let n = fs::read(r, &mut c);
    let _ = fs::close(r);
    for p in [p1, p2, p3] {
        let _ = process::kill(p);
    }
    // Reap all three in whatever order they die.
    for _ in 0..3 {
        let (p, status) = ok(process::wait(), "wait")?;
        ensure!([p1, p2, p3].contains(&p), "wait returned a stranger {}", p);
        ensure_eq!(status, -1, "status of killed spinner {}", p);
    }
    ensure_eq!(n, Ok(1), "read from the preempted writer");
    Ok(())
}

fn pause() -> TestResult {
    let t0 = process::uptime();
    ok(process::pause(0), "pause(0)")?;
    ok(process::pause(5), "pause(5)")?;
    let t1 = process::uptime();
    ensure!(t1 >= t0 + 5, "pause(5) returned after {} ticks", t1 - t0);
    Ok(())
}
