//! A small test harness for in-QEMU test programs.
//!
//! Each test is a `fn() -> Result<(), String>`. [`run_suite`] runs them in
//! order and prints one line per test, each with a single write:
//! `PASS suite/name` or `FAIL suite/name: reason`, then a summary; the
//! program should exit with its return value (0 iff all passed).
//!
//! By default a test runs in a forked child, so a test that crashes (or
//! leaks memory or descriptors) takes only itself down. Tests of fork
//! itself can run in the harness's own process with [`Test::inline`].

use crate::process::{exit, fork, wait};
use crate::{print, println};
use alloc::string::String;
use alloc::vec::Vec;

pub type TestFn = fn() -> Result<(), String>;

#[derive(Clone, Copy)]
pub struct Test {
    pub name: &'static str,
    pub func: TestFn,
    /// Run in the harness's process instead of a forked child.
    pub inline: bool,
}

impl Test {
    pub const fn forked(name: &'static str, func: TestFn) -> Test {
        Test {
            name,
            func,
            inline: false,
        }
    }

    pub const fn inline(name: &'static str, func: TestFn) -> Test {
        Test {
            name,
            func,
            inline: true,
        }
    }
}

/// Exit status of a forked test child that has printed its own FAIL line.
const REPORTED_FAILURE: i32 = 0x5e;

/// Keeps a reason on one line, as the protocol needs.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect()
}

fn report(suite: &str, name: &str, result: &Result<(), String>) {
    match result {
        Ok(()) => println!("PASS {}/{}", suite, name),
        Err(why) => println!("FAIL {}/{}: {}", suite, name, one_line(why)),
    }
}

/// Runs `f` in this process and reports it.
pub fn run_inline(suite: &str, name: &str, f: TestFn) -> bool {
    let r = f();
    report(suite, name, &r);
    r.is_ok()
}

/// Runs `f` in a forked child and reports it. The child prints its own
/// FAIL line (it has the reason); the parent prints PASS only once the
/// child has exited 0, and FAIL for a child that died some other way.
pub fn run_forked(suite: &str, name: &str, f: TestFn) -> bool {
    let pid = match fork() {
        Ok(0) => match f() {
            Ok(()) => exit(0),
            Err(why) => {
                report(suite, name, &Err(why));
                exit(REPORTED_FAILURE);
            }
        },
        Ok(pid) => pid,
        Err(_) => {
            report(suite, name, &Err(String::from("harness: fork failed")));
            return false;
        }
    };
    let status = loop {
        match wait() {
            Ok((p, status)) if p == pid => break status,
            Ok(_) => continue, // a stray child of an earlier inline test
            Err(_) => {
                report(suite, name, &Err(String::from("harness: wait failed")));
                return false;
            }
        }
    };
    match status {
        0 => {
            report(suite, name, &Ok(()));
            true
        }
        REPORTED_FAILURE => false,
        -1 => {
            report(
                suite,
                name,
                &Err(String::from("test process killed (exit status -1)")),
            );
            false
        }
        s => {
            report(
                suite,
                name,
                &Err(alloc::format!("test process exited with status {}", s)),
            );
            false
        }
    }
}

/// Runs the tests named in `args` (all of them if `args` is empty) and
/// returns the exit status for the program: 0 iff every test passed.
/// `-l` lists the test names.
pub fn run_suite(suite: &str, tests: &[Test], args: &[&str]) -> i32 {
    if args.first() == Some(&"-l") {
        for t in tests {
            println!("{}", t.name);
        }
        return 0;
    }
    let mut selected: Vec<Test> = Vec::new();
    if args.is_empty() {
        selected.extend_from_slice(tests);
    } else {
        for a in args {
            match tests.iter().find(|t| t.name == *a) {
                Some(t) => selected.push(*t),
                None => {
                    crate::eprintln!("{}: no test named {} (-l lists them)", suite, a);
                    return 2;
                }
            }
        }
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for t in &selected {
        let ok = if t.inline {
            run_inline(suite, t.name, t.func)
        } else {
            run_forked(suite, t.name, t.func)
        };
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    print!("{}: {} passed, {} failed\n", suite, passed, failed);
    if failed == 0 {
        0
    } else {
        1
    }
}

/// Forks a child that runs `f` and exits with its result; returns that
/// status (-1 if the kernel killed the child).
pub fn child_status(f: impl FnOnce() -> i32) -> Result<i32, String> {
    crate::process::spawn_wait(f).map_err(|e| alloc::format!("spawning a child: {}", e))
}

/// Runs `f` in a child and expects the kernel to kill it (status -1),
/// e.g. for a bad memory access. `what` names the access for the message.
pub fn expect_killed(what: &str, f: impl FnOnce()) -> Result<(), String> {
    let status = child_status(|| {
        f();
        0
    })?;
    if status == -1 {
        Ok(())
    } else {
        Err(alloc::format!(
            "{}: child exited with status {}, expected to be killed (-1)",
            what,
            status
        ))
    }
}

/// The message of a failed `ensure_eq!`, built out of line so that each
/// check costs little code (test programs must fit in MAXFILE blocks).
#[cold]
#[inline(never)]
pub fn mismatch(
    what: core::fmt::Arguments<'_>,
    got: &dyn core::fmt::Debug,
    want: &dyn core::fmt::Debug,
) -> String {
    alloc::format!("{}: got {:?}, want {:?}", what, got, want)
}

/// The message of a failed `ensure!`, out of line like [`mismatch`].
#[cold]
#[inline(never)]
pub fn failed(what: core::fmt::Arguments<'_>) -> String {
    alloc::format!("{}", what)
}

/// `ensure!(cond, "format", args...)`: in a test, return `Err(message)`
/// when `cond` is false.
#[macro_export]
macro_rules! ensure {
    ($cond:expr) => {
        if !$cond {
            return Err($crate::test::failed(format_args!("check failed: {}", stringify!($cond))));
        }
    };
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::test::failed(format_args!($($arg)+)));
        }
    };
}

/// `ensure_eq!(got, want, "what")`: return `Err` naming both values.
#[macro_export]
macro_rules! ensure_eq {
    ($got:expr, $want:expr, $($arg:tt)+) => {
        match (&$got, &$want) {
            (g, w) => {
                if *g != *w {
                    return Err($crate::test::mismatch(format_args!($($arg)+), g, w));
                }
            }
        }
    };
}
