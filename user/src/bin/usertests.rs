//! usertests: faultline's counterpart of xv6's usertests.
//!
//! Each test is named and prints `PASS usertests/NAME` or
//! `FAIL usertests/NAME: reason`; the program exits 0 iff all pass.
//! `usertests NAME...` runs just those tests; `usertests -l` lists them.
//! Tests run in a forked child each (see `ulib::test`), except the few
//! that check fork/wait themselves.
//!
//! Tests work in "/" (like xv6's) and remove what they create. Names of
//! scratch files start with the test's name so a leftover shows who made
//! it.
#![no_std]
#![no_main]

// A crate root looks for modules beside itself, so point into usertests/.
#[path = "usertests/badptr.rs"]
mod badptr;
#[path = "usertests/concurrent.rs"]
mod concurrent;
#[path = "usertests/dirs.rs"]
mod dirs;
#[path = "usertests/diskfull.rs"]
mod diskfull;
#[path = "usertests/exec.rs"]
mod exec;
#[path = "usertests/files.rs"]
mod files;
#[path = "usertests/leak.rs"]
mod leak;
#[path = "usertests/oom.rs"]
mod oom;
#[path = "usertests/pipes.rs"]
mod pipes;
#[path = "usertests/procs.rs"]
mod procs;
#[path = "usertests/sbrk.rs"]
mod sbrk;
#[path = "usertests/util.rs"]
mod util;

use ulib::prelude::*;
use ulib::test::{run_suite, Test};

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    // Order: basics first (fork, files) so a broken primitive is reported
    // early and plainly; then everything else; memory exhaustion and the
    // leak check near the end; filling the disk last.
    let groups: &[&[Test]] = &[
        procs::TESTS,
        files::TESTS,
        dirs::TESTS,
        pipes::TESTS,
        exec::TESTS,
        sbrk::TESTS,
        badptr::TESTS,
        concurrent::TESTS,
        oom::TESTS,
        leak::TESTS,
        diskfull::TESTS,
    ];
    let all: Vec<Test> = groups.iter().flat_map(|g| g.iter().copied()).collect();
    run_suite("usertests", &all, args.get(1..).unwrap_or(&[]))
}
