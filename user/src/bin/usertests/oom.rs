//! Running out of memory: a process that asks for too much gets -1 (eager
//! sbrk) or is killed (touching lazy memory the machine can't back); the
//! rest of the system carries on and every frame comes back.

use crate::util::*;
use abi::layout::PAGE_SIZE;
use abi::syscall::{SBRK_EAGER, SBRK_LAZY};
use ulib::test::{child_status, Test};
use ulib::{ensure, ensure_eq, fs, process, sys};

pub const TESTS: &[Test] = &[
    Test::forked("oomeager", oomeager),
    Test::forked("oomfork", oomfork),
    Test::forked("oomlazy", oomlazy),
];

/// Frames the kernel may legitimately still hold after a child exits
/// (page-table pages of our own that fork's copy-on-write split, etc.).
const SLACK: u64 = 16;

/// Checks that the frames free before a test (`free0`) are free again,
/// but for `SLACK`, now that its child has exited.
fn frames_back(free0: u64) -> TestResult {
    let free1 = free_frames()?;
    ensure!(
        free1 + SLACK >= free0,
        "{} frames free before, {} after the child exited",
        free0,
        free1
    );
    Ok(())
}

/// Touches 8 KiB of stack so that later calls need no new stack pages
/// (once memory is exhausted, a stack fault would be fatal).
#[inline(never)]
fn prefault_stack() {
    let buf = core::hint::black_box([1u8; 8192]);
    core::hint::black_box(&buf);
}

/// Grows the break eagerly by 1 MiB at a time until the kernel says no;
/// returns how many MiB it got.
fn eat_memory() -> usize {
    const CHUNK: isize = 1 << 20;
    let mut got = 0;
    // SAFETY: growing frees nothing.
    while unsafe { sys::sbrk(CHUNK, SBRK_EAGER) } != usize::MAX {
        got += 1;
    }
    got
}

fn give_back(mib: usize) {
    for _ in 0..mib {
        // SAFETY: the memory eat_memory added; nothing else uses it.
        unsafe { sys::sbrk(-(1 << 20), SBRK_EAGER) };
    }
}

/// A child grows its heap eagerly until sbrk fails: it gets -1, not a
/// kernel panic, and stays alive.
fn oomeager() -> TestResult {
    let free0 = free_frames()?;
    let [r, w] = ok(fs::pipe(), "pipe")?;
    let status = child_status(|| {
        prefault_stack();
        let got = eat_memory();
        // Still alive and able to make system calls with memory gone.
        let pid_ok = sys::getpid() > 0;
        let _ = fs::write(w, &(got as u64).to_le_bytes());
        give_back(got);
        if pid_ok {
            0
        } else {
            1
        }
    })?;
    let _ = fs::close(w);
    let mut b = [0u8; 8];
    ensure_eq!(ok(fs::read_full(r, &mut b), "read")?, 8, "child's report");
    let got_mib = u64::from_le_bytes(b);
    ensure_eq!(status, 0, "status of the child that exhausted memory");
    let free_mib = (free0 * PAGE_SIZE as u64) >> 20;
    ensure!(
        got_mib * 2 >= free_mib,
        "sbrk failed after {} MiB with {} MiB free",
        got_mib,
        free_mib
    );
    frames_back(free0)?;
    Ok(())
}

/// With memory exhausted, fork fails cleanly (or succeeds if it needs
/// nothing); once memory is back, fork works.
fn oomfork() -> TestResult {
    let free0 = free_frames()?;
    let status = child_status(|| {
        prefault_stack();
        let got = eat_memory();
        if got == 0 {
            return 1;
        }
        let pid = sys::fork();
        if pid == 0 {
            sys::exit(0);
        }
        if pid > 0 {
            let mut st = 0;
            // SAFETY: valid pointer.
            if unsafe { sys::wait(&mut st) } != pid {
                return 2;
            }
            // A child that could not get memory is killed; both fine.
            if st != 0 && st != -1 {
                return 3;
            }
        }
        give_back(got);
        match process::spawn_wait(|| 0) {
            Ok(0) => 0,
            _ => 4,
        }
    })?;
    ensure_eq!(
        status,
        0,
        "child (2: wait, 3: grandchild status, 4: fork after freeing)"
    );
    frames_back(free0)?;
    Ok(())
}

/// A child that touches more lazily allocated memory than the machine has
/// is killed; the parent survives and the frames come back.
fn oomlazy() -> TestResult {
    let free0 = free_frames()?;
    let total = total_frames()? as usize * PAGE_SIZE;
    let status = child_status(|| {
        prefault_stack();
        let want = total + (32 << 20);
        let cur = process::brk();
        let a = (cur + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
        let mut grown = 0;
        let need = want + (a - cur);
        while grown < need {
            let step = (need - grown).min(1 << 30);
            // SAFETY: growing frees nothing.
            if unsafe { sys::sbrk(step as isize, SBRK_LAZY) } == usize::MAX {
                return 2;
            }
            grown += step;
        }
        for off in (0..want).step_by(PAGE_SIZE) {
            // SAFETY: lazily allocated memory of ours.
            unsafe { core::ptr::write_volatile((a + off) as *mut u8, 1) };
        }
        3
    })?;
    ensure_eq!(
        status,
        -1,
        "status of a child touching {} MiB with {} MiB of RAM (2: lazy sbrk refused, 3: survived)",
        (total >> 20) + 32,
        total >> 20
    );
    frames_back(free0)?;
    // The system still works.
    ensure_eq!(child_status(|| 7)?, 7, "a fresh child after the OOM kill");
    Ok(())
}
