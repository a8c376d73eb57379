//! Frames must not leak: the free-frame count after a fork-heavy workload
//! returns to what it was before.

use crate::util::*;
use abi::fcntl::*;
use abi::layout::PAGE_SIZE;
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{fs, process};

pub const TESTS: &[Test] = &[Test::forked("leakcheck", leakcheck)];

/// Forks that grow and touch memory (eager and lazy), talk over pipes and
/// exec a program; file writes. Allocates nothing in this process, so the
/// measurement sees only the kernel's frames.
fn workload() -> Result<(), &'static str> {
    for i in 0..8 {
        let [r, w] = fs::pipe().map_err(|_| "pipe")?;
        let pid = process::spawn(|| {
            let _ = fs::close(r);
            // SAFETY: growing frees nothing.
            let Ok(a) = (unsafe { process::sbrk(16 * PAGE_SIZE as isize) }) else {
                return 1;
            };
            // SAFETY: as above.
            let Ok(b) = (unsafe { process::sbrk_lazy(64 * PAGE_SIZE as isize) }) else {
                return 2;
            };
            for p in 0..16 {
                // SAFETY: the pages just added.
                unsafe { core::ptr::write_volatile((a + p * PAGE_SIZE) as *mut u8, 1) };
            }
            for p in (0..64).step_by(3) {
                // SAFETY: as above.
                unsafe { core::ptr::write_volatile((b + p * PAGE_SIZE) as *mut u8, 1) };
            }
            if i % 2 == 0 {
                // A grandchild too: copy-on-write chains.
                if process::spawn_wait(|| 0) != Ok(0) {
                    return 3;
                }
            }
            if fs::write(w, &[i as u8; 100]) != Ok(100) {
                return 4;
            }
            0
        })
        .map_err(|_| "fork")?;
        let _ = fs::close(w);
        let mut buf = [0u8; 128];
        let n = fs::read_full(r, &mut buf).map_err(|_| "read")?;
        let _ = fs::close(r);
        if n != 100 || process::wait_for(pid) != Ok(0) {
            return Err("memory child failed");
        }
    }
    for _ in 0..2 {
        let [r, w] = fs::pipe().map_err(|_| "pipe")?;
        let pid = process::spawn(|| {
            let _ = fs::close(r);
            let _ = fs::close(1);
            let _ = fs::dup(w);
            let _ = fs::close(w);
            let _ = process::exec("/echo", &["echo", "leak", "check"]);
            1
        })
        .map_err(|_| "fork")?;
        let _ = fs::close(w);
        let mut buf = [0u8; 64];
        let n = fs::read_full(r, &mut buf).map_err(|_| "read")?;
        let _ = fs::close(r);
        if &buf[..n] != b"leak check\n" || process::wait_for(pid) != Ok(0) {
            return Err("exec child failed");
        }
    }
    let fd = fs::open("leakfile", O_CREATE | O_RDWR | O_TRUNC).map_err(|_| "create")?;
    for _ in 0..4 {
        if fs::write(fd, &[5u8; 1024]) != Ok(1024) {
            let _ = fs::close(fd);
            return Err("file write");
        }
    }
    let _ = fs::close(fd);
    fs::unlink("leakfile").map_err(|_| "unlink")?;
    Ok(())
}

fn leakcheck() -> TestResult {
    // Warm-up: whatever the kernel caches (file pages, buffers) gets
    // cached now.
    workload().map_err(|e| format!("workload: {}", e))?;
    let before = free_frames()?;
    let mut after = 0;
    // A leak loses frames every round; a cache settles. Pass as soon as a
    // round ends with as many free frames as before.
    for _ in 0..3 {
        workload().map_err(|e| format!("workload: {}", e))?;
        after = free_frames()?;
        if after >= before {
            return Ok(());
        }
    }
    Err(format!(
        "{} frames free before, {} after 3 rounds: {} frames lost",
        before,
        after,
        before - after
    ))
}
