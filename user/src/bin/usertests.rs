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

mod badptr;
mod concurrent;
mod dirs;
mod diskfull;
mod exec;
mod files;
mod leak;
mod oom;
mod pipes;
mod procs;
mod sbrk;
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
