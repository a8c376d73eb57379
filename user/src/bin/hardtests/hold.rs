//! Item 4 of issue 7: a fork or exec that fails for lack of frames gives
//! back every frame it took. The kernel's test hook (`vmctl` VMCTL_HOLD)
//! sets aside all free frames but N; the call runs with exactly N free;
//! then the hold is released and the free count must be what it was.
//!
//! Between the call and the release the caller must not touch memory: a
//! store to a copy-on-write page would need a frame that is not there
//! (`ulib::hold` makes the call and the release in registers only).

use crate::util::*;
use abi::layout::PAGE_SIZE as PAGE;
use abi::mman::{PROT_READ, PROT_WRITE};
use abi::syscall::{SYS_EXEC, SYS_FORK};
use abi::vmstat::VMCTL_COW;
use ulib::prelude::*;
use ulib::probe::{rd8, wr8};
use ulib::test::Test;
use ulib::{ensure, hold, process, vm};

pub const TESTS: &[Test] = &[
    Test::forked("holdfork", holdfork),
    Test::forked("holdexec", holdexec),
    Test::forked("cowtable-oom", cowtable_oom),
    Test::forked("eagerfork-sharedtable", eagerfork_sharedtable),
];

/// Largest number of free frames the tests try a call with.
const MOST: usize = 12;

/// fork with exactly `keep` free frames; the child exits at once. Returns
/// fork's answer in the parent, -2 if the hold failed.
fn fork_holding(keep: usize) -> isize {
    hold::call_holding(keep, SYS_FORK, 0, 0).unwrap_or(-2)
}

fn holdfork() -> TestResult {
    let mut refused = 0;
    for keep in 0..=MOST {
        let before = free_frames()?;
        let pid = fork_holding(keep);
        ensure!(pid != -2, "vmctl(VMCTL_HOLD) failed");
        if pid > 0 {
            process::wait_for(pid as i32).map_err(|_| String::from("wait"))?;
        } else {
            refused += 1;
        }
        let after = free_frames()?;
        ensure!(
            after >= before,
            "fork with {} free frames ({}) lost {} frames",
            keep,
            if pid > 0 { "succeeded" } else { "failed" },
            before - after
        );
    }
    ensure!(
        refused >= 2,
        "fork failed only {} times with <= {} free frames",
        refused,
        MOST
    );
    Ok(())
}

/// In a child (exec replaces it if it works): exec `/execldn quiet` (which
/// prints nothing) with exactly `keep` free frames, then release the hold.
/// Exits 0 if exec failed.
fn exec_holding(keep: usize) -> i32 {
    let path = b"/execldn\0";
    let (arg0, arg1) = (b"execldn\0", b"quiet\0");
    let argv: [*const u8; 3] = [arg0.as_ptr(), arg1.as_ptr(), core::ptr::null()];
    // Touch everything exec reads before holding.
    let _ = (core::hint::black_box(path), core::hint::black_box(&argv));
    match hold::call_holding(
        keep,
        SYS_EXEC,
        path.as_ptr() as usize,
        argv.as_ptr() as usize,
    ) {
        None => 2,
        Some(-1) => 0,
        Some(_) => 3,
    }
}

fn holdexec() -> TestResult {
    let mut refused = 0;
    for keep in 0..=MOST {
        let before = free_frames()?;
        let st = process::spawn_wait(|| exec_holding(keep));
        // If exec worked, echo ran with the hold in place; drop it now.
        hold::release();
        if let Ok(0) = st {
            refused += 1
        }
        let after = free_frames()?;
        ensure!(
            after >= before,
            "exec with {} free frames lost {} frames (child status {:?})",
            keep,
            before - after,
            st
        );
    }
    ensure!(
        refused >= 1,
        "exec never failed with <= {} free frames",
        MOST
    );
    Ok(())
}

/// A write to a copy-on-write page whose page table fork shares, when no
/// frame is left for the process's own copy of the table: the fault is
/// refused (the child is killed for lack of memory), the page is not taken
/// for absent. It was: the fill path then found a frame for a zeroed page,
/// and mapping it copied the table after all (frames had come back) and
/// found the old page there: "map: already mapped", a kernel panic. The
/// hook fails just the table copy, so frames are there for the rest.
fn cowtable_oom() -> TestResult {
    let page = vec![0x5au8; 2 * PAGE];
    let at = (page.as_ptr() as usize).next_multiple_of(PAGE);
    let before = free_frames()?;
    let keep = before as usize / 2;
    let st = process::spawn_wait(move || hold::store_failing_unshare(keep, at, 0xa5));
    hold::release();
    ensure!(
        st == Ok(-1),
        "child status {:?}: the store was not refused",
        st
    );
    ensure!(page.iter().all(|&b| b == 0x5a), "the parent's page changed");
    let after = free_frames()?;
    ensure!(after >= before, "lost {} frames", before - after);
    Ok(())
}

/// A fork without copy-on-write (`vmctl` cow off) of a process whose page
/// tables an earlier fork still shares: the parent's table must be copied
/// before its pages can be copied, and when that copy finds no frame the
/// fork fails. It used to take the table for "no pages here", and the
/// child started without the pages of that table. The data sits in a 2 MiB
/// region of its own that the parent does not write after the first fork,
/// so its table is still shared at the second.
fn eagerfork_sharedtable() -> TestResult {
    const AT: usize = 0x31_0000_0000;
    const N: usize = 4;
    ensure!(
        mmap_anon(AT, N * PAGE, PROT_READ | PROT_WRITE, true) == AT as isize,
        "mmap at {AT:#x}"
    );
    (0..N).for_each(|p| wr8(AT + p * PAGE, 0x3c));
    let sharer = process::spawn(|| {
        let _ = process::pause(10_000);
        0
    })
    .map_err(|e| format!("fork: {e}"))?;
    let before = free_frames()?;
    let cow = vm::vmctl(VMCTL_COW, 0).map_err(|e| format!("vmctl cow: {e}"))?;
    let pid = hold::call_failing_unshare(SYS_FORK, 0, 0);
    if pid == 0 {
        let intact = (0..N).all(|p| rd8(AT + p * PAGE) == 0x3c);
        process::exit(if intact { 0 } else { 1 });
    }
    let _ = vm::vmctl(VMCTL_COW, cow);
    let st = if pid > 0 {
        process::wait_for(pid as i32).map_err(|e| format!("wait: {e}"))
    } else {
        Ok(0)
    };
    let _ = process::kill(sharer);
    let _ = process::wait_for(sharer);
    ensure!(st == Ok(0), "the child's copy of the data is wrong: {st:?}");
    ensure!(pid == -1, "fork did not fail with its table copy failing");
    let after = free_frames()?;
    ensure!(after >= before, "lost {} frames", before - after);
    Ok(())
}
