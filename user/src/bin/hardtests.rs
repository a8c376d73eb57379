//! hardtests: bad input from user programs gets -1 (or kills only that
//! process), and never panics the kernel or loses a frame; and programs
//! built as xv6 builds them see what they would on xv6. One module per
//! concern; each test names the issue-7 item it guards.
//!
//! `hardtests NAME...` runs just those tests; `hardtests -l` lists them.
#![no_std]
#![no_main]

#[path = "hardtests/areas.rs"]
mod areas;
#[path = "hardtests/dirs.rs"]
mod dirs;
#[path = "hardtests/hold.rs"]
mod hold;
#[path = "hardtests/ptdump.rs"]
mod ptdump;
#[path = "hardtests/util.rs"]
mod util;
#[path = "hardtests/xv6.rs"]
mod xv6;

use ulib::prelude::*;
use ulib::test::{run_suite, Test};

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    let groups: &[&[Test]] = &[
        areas::TESTS,
        ptdump::TESTS,
        hold::TESTS,
        dirs::TESTS,
        xv6::TESTS,
    ];
    let all: Vec<Test> = groups.iter().flat_map(|g| g.iter().copied()).collect();
    run_suite("hardtests", &all, args.get(1..).unwrap_or(&[]))
}
