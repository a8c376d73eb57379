//! stacktest: the demand-grown user stack. STACK_PAGES pages below
//! STACK_TOP, STACK_INITIAL present after exec, the rest mapped on first
//! touch (STACK_GROWTH); the page below them is a guard whose touch kills
//! the process ("stack overflow").
//!
//! `stacktest --ptdump` is a helper mode: it counts its own stack pages
//! with ptdump before doing anything else and exits with that count.
#![no_std]
#![no_main]

use abi::layout::{
    PAGE_SIZE as PG, STACK_BOTTOM, STACK_GUARD, STACK_INITIAL, STACK_PAGES, STACK_TOP,
};
use abi::vmstat::{fault, VmStat, PTE_COW, PTE_R, PTE_U, PTE_W, PTE_X};
use core::hint::black_box;
use ulib::prelude::*;
use ulib::probe::stat;
use ulib::test::{expect_killed, run_suite, Test};
use ulib::{ensure, ensure_eq, process, vm};

ulib::entry!(main);

const SUITE: &str = "stack";

/// The STACK_GROWTH counter grew by exactly the stack pages that appeared
/// (from `p0` pages at `v0` to `p1` at `v1`).
fn growth_matches(v0: &VmStat, v1: &VmStat, p0: usize, p1: usize) -> Result<(), String> {
    let grew = v1.faults[fault::STACK_GROWTH] - v0.faults[fault::STACK_GROWTH];
    ensure!(
        grew == (p1 - p0) as u64,
        "STACK_GROWTH grew by {}, but {} stack pages appeared",
        grew,
        p1 - p0
    );
    Ok(())
}

fn main(args: &[&str]) -> i32 {
    if args.get(1) == Some(&"--ptdump") {
        return match stack_rows() {
            Ok(n) => n as i32,
            Err(_) => 100,
        };
    }
    let tests = [
        Test::forked("initial", initial),
        Test::forked("deep", deep),
        Test::forked("bigarray", bigarray),
        Test::forked("guard", guard),
        Test::forked("overflow", overflow),
        Test::forked("below", below),
    ];
    run_suite(SUITE, &tests, args.get(1..).unwrap_or(&[]))
}

/// How many pages of [STACK_BOTTOM, STACK_TOP) this process has mapped.
fn stack_rows() -> Result<usize, String> {
    let rows = vm::ptdump(0).map_err(|e| format!("ptdump: {}", e))?;
    Ok(rows
        .iter()
        .filter(|e| (STACK_BOTTOM..STACK_TOP).contains(&(e.va as usize)))
        .count())
}

fn sp() -> usize {
    let sp: usize;
    // SAFETY: reads a register.
    unsafe { core::arch::asm!("mv {}, sp", out(reg) sp) };
    sp
}

/// Right after exec exactly STACK_INITIAL pages of stack are present.
fn initial() -> Result<(), String> {
    let st = process::run("/stacktest", &["stacktest", "--ptdump"])
        .map_err(|e| format!("running stacktest --ptdump: {}", e))?;
    ensure!(st != 127, "exec of /stacktest failed");
    ensure!(st != 100, "helper: ptdump failed");
    ensure_eq!(
        st,
        STACK_INITIAL as i32,
        "stack pages present right after exec"
    );
    // And here, every mapped stack page is a user data page, not X.
    let rows = vm::ptdump(0).map_err(|e| format!("ptdump: {}", e))?;
    for e in rows
        .iter()
        .filter(|e| (STACK_GUARD..STACK_TOP).contains(&(e.va as usize)))
    {
        ensure!(
            (e.va as usize) >= STACK_BOTTOM,
            "guard page {:#x} is mapped",
            e.va
        );
        // Writable, or copy-on-write: this test runs in a forked child.
        ensure!(
            e.flags & (PTE_R | PTE_U) == PTE_R | PTE_U
                && e.flags & (PTE_W | PTE_COW) != 0
                && e.flags & PTE_X == 0,
            "stack page {:#x} flags {:#x}, want R, U, W or COW, no X",
            e.va,
            e.flags
        );
    }
    Ok(())
}

/// Recurses with a 512-byte frame until sp is below `floor`; returns a
/// checksum of every frame so none can be optimised away.
#[inline(never)]
fn recurse(floor: usize, depth: usize) -> u64 {
    let mut frame = [0u8; 512];
    for (i, b) in frame.iter_mut().enumerate() {
        *b = (i ^ depth) as u8;
    }
    let frame = black_box(frame);
    let below = if sp() > floor {
        recurse(floor, depth + 1)
    } else {
        depth as u64
    };
    black_box(below) + frame.iter().map(|&b| b as u64).sum::<u64>()
}

/// Recursion down to about 7 pages of stack works; each newly touched
/// page is one STACK_GROWTH fault.
fn deep() -> Result<(), String> {
    let p0 = stack_rows()?;
    let _ = stat()?;
    let v0 = stat()?;
    // Leave a page for the frames below the last check.
    let floor = STACK_TOP - 7 * PG + 512;
    let sum = recurse(floor, 0);
    let v1 = stat()?;
    let p1 = stack_rows()?;
    ensure!(sum > 0, "checksum");
    ensure!(
        (7..=STACK_PAGES).contains(&p1),
        "stack pages after deep recursion: {} (before {})",
        p1,
        p0
    );
    growth_matches(&v0, &v1, p0, p1)?;
    // Deep again: the pages are there now, no more growth.
    let v2 = stat()?;
    let sum2 = recurse(floor, 0);
    let v3 = stat()?;
    ensure_eq!(sum2, sum, "second recursion's checksum");
    ensure_eq!(
        v3.faults[fault::STACK_GROWTH] - v2.faults[fault::STACK_GROWTH],
        0,
        "STACK_GROWTH on the second descent"
    );
    Ok(())
}

/// Words in the big local array: 16 KiB, four pages.
const BIG_WORDS: usize = 2048;

#[inline(never)]
fn big_local() -> u64 {
    // Written from the far (low) end first, so the first touch of the
    // frame's lowest pages comes before its higher ones.
    let mut a = [0u64; BIG_WORDS];
    for (i, w) in a.iter_mut().enumerate() {
        *w = (i as u64).wrapping_mul(0x9e37_79b9);
    }
    // By reference: a copy would double the frame.
    let a = black_box(&mut a);
    a.iter().fold(0u64, |s, &x| s.wrapping_add(x))
}

/// A large local array (4 pages) in one frame.
fn bigarray() -> Result<(), String> {
    let want = (0..BIG_WORDS as u64).fold(0u64, |s, i| s.wrapping_add(i.wrapping_mul(0x9e37_79b9)));
    let p0 = stack_rows()?;
    let _ = stat()?;
    let v0 = stat()?;
    let got = big_local();
    let v1 = stat()?;
    let p1 = stack_rows()?;
    ensure_eq!(got, want, "checksum of the 16 KiB local array");
    ensure!(p1 >= 5, "{} stack pages after a 16 KiB frame", p1);
    growth_matches(&v0, &v1, p0, p1)?;
    Ok(())
}

/// A store to the guard page kills; so does a load.
fn guard() -> Result<(), String> {
    expect_killed("store to the stack guard page", || {
        // SAFETY: deliberately invalid: the kernel must kill us.
        unsafe { core::ptr::write_volatile((STACK_GUARD + 64) as *mut u64, 1) };
    })?;
    expect_killed("load from the stack guard page", || {
        // SAFETY: deliberately invalid: the kernel must kill us.
        unsafe { core::ptr::read_volatile((STACK_GUARD + PG - 8) as *const u64) };
    })
}

#[inline(never)]
fn runaway(depth: u64) -> u64 {
    let frame = black_box([depth; 128]);
    if black_box(depth) == u64::MAX {
        return 0; // never: the guard page comes first
    }
    runaway(depth + 1).wrapping_add(frame[(depth % 128) as usize])
}

/// Unbounded recursion runs into the guard page and is killed.
fn overflow() -> Result<(), String> {
    expect_killed("unbounded recursion", || {
        black_box(runaway(0));
    })
}

/// Below the guard page there is nothing either (until mmap's range); a
/// program cannot move its stack pointer past the guard and carry on.
fn below() -> Result<(), String> {
    expect_killed("store below the stack guard", || {
        // SAFETY: deliberately invalid: the kernel must kill us.
        unsafe { core::ptr::write_volatile((STACK_GUARD - 8) as *mut u64, 1) };
    })?;
    expect_killed("store above STACK_TOP", || {
        // SAFETY: deliberately invalid: nothing user-accessible is mapped
        // between STACK_TOP and the trapframe.
        unsafe { core::ptr::write_volatile((STACK_TOP + 8) as *mut u64, 1) };
    })
}
