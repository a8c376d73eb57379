//! Areas and sizes (issue 7 items 1, 5 and 9): a process cannot make more
//! than `MAX_AREAS` areas, by any call; many processes doing so at once
//! exhaust nothing the kernel needs; lengths near 2^64 are refused; sbrk
//! takes xv6's C int and leaves the break alone when asked to shrink by
//! more than the heap.

use crate::util::*;
use abi::layout::PAGE_SIZE as PG;
use abi::limits::MAX_AREAS;
use abi::mman::*;
use abi::syscall::{SBRK_EAGER, SBRK_LAZY};
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs, process};

pub const TESTS: &[Test] = &[
    Test::forked("arealimit", arealimit),
    Test::forked("arealimitsplit", arealimitsplit),
    Test::forked("areaheapfull", areaheapfull),
    Test::forked("hugelen", hugelen),
    Test::forked("sbrkxv6", sbrkxv6),
];

/// Where the tests place their MAP_FIXED areas: in the mmap region, far
/// below where mmap puts areas by itself.
const BASE: usize = 0x30_0000_0000;
const RW: usize = PROT_READ | PROT_WRITE;

/// Map one-page areas of alternating protection (they never merge) from
/// `at` up until mmap refuses or `cap` are made; returns how many were made.
fn fill(at: usize, cap: usize) -> usize {
    for n in 0..cap {
        let prot = if n % 2 == 0 { PROT_READ } else { RW };
        if mmap_anon(at + n * PG, PG, prot, true) != (at + n * PG) as isize {
            return n;
        }
    }
    cap
}

/// Item 1: mmap stops at the limit; fork and exit of a process at the limit
/// work and give back every frame.
fn arealimit() -> TestResult {
    let before = free_frames()?;
    let st = process::spawn_wait(|| {
        // A process has a few areas already (text, data, stack, heap).
        let n = fill(BASE, MAX_AREAS + 10);
        if n > MAX_AREAS || n + 8 < MAX_AREAS {
            return 10;
        }
        // Touch the writable ones so there are frames to give back.
        for k in (1..n).step_by(2) {
            wr8(BASE + k * PG, 1);
        }
        // A fork copies every area; the child at the limit exits at once.
        match process::spawn_wait(|| if rd8(BASE + PG) == 1 { 0 } else { 1 }) {
            Ok(0) | Err(_) => 0,
            Ok(_) => 11,
        }
    });
    ensure_eq!(st, Ok(0), "status of the child that filled its areas");
    let after = free_frames()?;
    ensure!(after >= before, "{} frames lost", before - after);
    Ok(())
}

/// Item 1: at the limit, every call that would add an area fails and
/// changes nothing: mprotect or munmap splitting an area, sbrk growing into
/// a new area; calls that do not add one still work.
fn arealimitsplit() -> TestResult {
    let st = process::spawn_wait(|| {
        // A heap whose top page is a hole: growing the heap must then make
        // a new area instead of stretching the old one.
        let old = sbrk_raw(2 * PG, SBRK_LAZY);
        if old < 0 {
            return 1;
        }
        let top = (old as usize + 2 * PG).next_multiple_of(PG);
        if munmap(top - PG, PG) != 0 {
            return 2;
        }
        let big = BASE - 16 * PG;
        if mmap_anon(big, 3 * PG, RW, true) != big as isize {
            return 3;
        }
        wr8(big + PG, 7);
        let n = fill(BASE, MAX_AREAS + 10);
        if n > MAX_AREAS {
            return 4;
        }
        if mprotect(big + PG, PG, PROT_READ) != -1 {
            return 5; // would split one area into three
        }
        if munmap(big + PG, PG) != -1 {
            return 6; // would split one area into two
        }
        if sbrk_raw(PG, SBRK_LAZY) != -1 {
            return 7; // a new heap area above the hole
        }
        if rd8(big + PG) != 7 {
            return 8; // the refused calls changed something
        }
        wr8(big + PG, 8);
        // Calls that add no area still work: re-protecting a whole area
        // (it merges with both neighbours), unmapping a whole one.
        let k = 2;
        if mprotect(BASE + k * PG, PG, RW) != 0 {
            return 9;
        }
        if munmap(big, 3 * PG) != 0 {
            return 12;
        }
        0
    });
    ensure_eq!(st, Ok(0), "status of the child at the limit");
    Ok(())
}

/// Item 1: many processes at the limit at once need more kernel heap than
/// there is: each is refused (-1) when the heap runs low, none panics the
/// kernel, and when they exit every frame comes back.
fn areaheapfull() -> TestResult {
    const KIDS: usize = 40;
    // Everything this process allocates, allocated before counting frames.
    let mut pids = Vec::with_capacity(KIDS);
    let mut counts = Vec::with_capacity(KIDS);
    let mut bad = Vec::with_capacity(KIDS);
    let before = free_frames()?;
    let [r, w] = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
    let [gr, gw] = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
    for i in 0..KIDS {
        match process::spawn(|| {
            let _ = fs::close(r);
            let _ = fs::close(gw);
            let n = fill(BASE + i * 4 * MAX_AREAS * PG, MAX_AREAS + 10);
            let _ = fs::write(w, &(n as u32).to_le_bytes());
            // Stay at the limit until the parent closes the pipe.
            let mut b = [0u8; 1];
            let _ = fs::read(gr, &mut b);
            if n > MAX_AREAS {
                1
            } else {
                0
            }
        }) {
            Ok(pid) => pids.push(pid),
            Err(_) => break,
        }
    }
    let _ = fs::close(w);
    let _ = fs::close(gr);
    for _ in 0..pids.len() {
        let mut b = [0u8; 4];
        if fs::read_full(r, &mut b) != Ok(4) {
            break;
        }
        counts.push(u32::from_le_bytes(b) as usize);
    }
    // The kernel still answers while the heap is full: a fork works, or
    // fails with -1 when its copy of our areas would eat into the heap's
    // reserve (which of the two depends on how close to the reserve the
    // children stopped: on one hart always the second).
    let alive = process::spawn_wait(|| 0);
    let _ = fs::close(gw);
    let _ = fs::close(r);
    for _ in &pids {
        match process::wait() {
            Ok((_, 0)) => {}
            st => bad.push(st),
        }
    }
    ensure!(
        bad.is_empty(),
        "{} children went past the limit or died: {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
    ensure_eq!(counts.len(), pids.len(), "children that reported");
    ensure!(
        counts.iter().any(|&n| n + 8 < MAX_AREAS) || pids.len() < KIDS,
        "{} processes each made their {} areas: the heap never ran low (counts {:?})",
        pids.len(),
        MAX_AREAS,
        &counts[..4.min(counts.len())]
    );
    ensure!(
        matches!(alive, Ok(0) | Err(ulib::Error::Sys("fork"))),
        "fork while the heap was full: got {:?}, want Ok(0) or -1",
        alive
    );
    // With the children gone, the heap is back: fork works.
    let again = process::spawn_wait(|| 0);
    ensure_eq!(again, Ok(0), "fork after the children exited");
    let after = free_frames()?;
    ensure!(after >= before, "{} frames lost", before - after);
    Ok(())
}

/// Item 5: lengths whose page round-up passes 2^64 are refused, and the
/// mapping they named is untouched.
fn hugelen() -> TestResult {
    let a = BASE;
    ensure_eq!(mmap_anon(a, 2 * PG, RW, true), a as isize, "mmap");
    wr8(a, 5);
    for len in [!0usize, !0 - 100, !0 - PG + 2, 1 << 63] {
        ensure_eq!(munmap(a, len), -1, "munmap(addr, {:#x})", len);
        ensure_eq!(
            mprotect(a, len, PROT_READ),
            -1,
            "mprotect(addr, {:#x})",
            len
        );
        ensure_eq!(
            mmap_anon(0, len, RW, false),
            MAP_FAILED as isize,
            "mmap(0, {:#x})",
            len
        );
    }
    ensure_eq!(rd8(a), 5, "the mapping after the refused calls");
    wr8(a + PG, 6);
    // read and write take a C int: a huge count is negative.
    let mut b = [0u8; 4];
    // SAFETY: the kernel refuses before touching the buffer.
    let n = unsafe { ulib::sys::read(0, b.as_mut_ptr(), !0 - 3) };
    ensure_eq!(n, -1, "read with a count near 2^64");
    ensure_eq!(munmap(a, 2 * PG), 0, "munmap");
    Ok(())
}

/// Item 9: sbrk as xv6 2025 has it.
fn sbrkxv6() -> TestResult {
    let brk0 = sbrk_raw(0, SBRK_EAGER);
    ensure!(brk0 > 0, "sbrk(0) = {}", brk0);
    let too_far = (-(brk0 + PG as isize)) as usize;
    ensure_eq!(sbrk_raw(too_far, SBRK_EAGER), brk0, "sbrk(-(brk + 4096))");
    ensure_eq!(sbrk_raw(0, SBRK_EAGER), brk0, "the break after it");
    // xv6's sbrk8000: 0x80000004 is a negative int.
    ensure_eq!(sbrk_raw(0x8000_0004, SBRK_EAGER), brk0, "sbrk(0x80000004)");
    ensure_eq!(sbrk_raw(0, SBRK_EAGER), brk0, "the break after it");
    // Only the low 32 bits of n count.
    ensure_eq!(
        sbrk_raw(0xffff_ffff_0000_0000 | PG, SBRK_LAZY),
        brk0,
        "sbrk(hi|4096)"
    );
    ensure_eq!(
        sbrk_raw(0, SBRK_EAGER),
        brk0 + PG as isize,
        "break after sbrk(hi|4096)"
    );
    ensure_eq!(
        sbrk_raw((-(PG as isize)) as usize, SBRK_LAZY),
        brk0 + PG as isize,
        "shrink"
    );
    // A type other than 1 is lazy in xv6: no frames now.
    let f0 = free_frames()?;
    ensure_eq!(sbrk_raw(64 * PG, 7), brk0, "sbrk(64 pages, type 7)");
    let f1 = free_frames()?;
    ensure_eq!(
        sbrk_raw((-64 * PG as isize) as usize, 7),
        brk0 + 64 * PG as isize,
        "shrink"
    );
    ensure!(
        f0 < f1 + 32,
        "sbrk with type 7 allocated {} frames",
        f0 - f1
    );
    Ok(())
}
