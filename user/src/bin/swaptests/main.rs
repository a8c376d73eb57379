//! swaptests: paging to disk. Run with little RAM (the suite boots with
//! 64M and a swap disk of twice that) so every test pushes pages out.
//!
//! Each test runs in a forked child. Around each one the harness checks
//! that free frames and used swap slots come back to their baseline
//! exactly (a `NAME-baseline` line): see `baseline.rs` for how it keeps
//! its own pages, which reclaim may also push out, out of the count.
#![no_std]
#![no_main]

mod baseline;
mod global;
mod pages;
mod shared;
mod tests;

use ulib::prelude::*;

ulib::entry!(main);

const SUITE: &str = "swaptests";

fn main(args: &[&str]) -> i32 {
    let names = args.get(1..).unwrap_or(&[]);
    if names.first() == Some(&"-l") {
        for t in tests::TESTS {
            println!("{}", t.name);
        }
        return 0;
    }
    let mut base = baseline::Baseline::new();
    // The harness's own first fork, wait and report grow its heap: do them
    // once before the first measurement.
    ulib::test::run_forked(SUITE, "setup", || Ok(()));
    let mut failed = 0;
    let mut passed = 1;
    for t in tests::TESTS {
        if !names.is_empty() && !names.contains(&t.name) {
            continue;
        }
        let before = base.measure();
        if ulib::test::run_forked(SUITE, t.name, t.func) {
            passed += 1;
        } else {
            failed += 1;
        }
        let after = base.measure();
        match (before, after) {
            (Ok(b), Ok(a)) if a == b => {
                println!("PASS {}/{}-baseline", SUITE, t.name);
                passed += 1;
            }
            (Ok(b), Ok(a)) => {
                println!(
                    "FAIL {}/{}-baseline: free frames {} -> {}, used swap slots {} -> {}",
                    SUITE, t.name, b.free_frames, a.free_frames, b.used_slots, a.used_slots
                );
                failed += 1;
            }
            (Err(e), _) | (_, Err(e)) => {
                println!("FAIL {}/{}-baseline: {}", SUITE, t.name, e);
                failed += 1;
            }
        }
    }
    println!("{}: {} passed, {} failed", SUITE, passed, failed);
    (failed != 0) as i32
}
