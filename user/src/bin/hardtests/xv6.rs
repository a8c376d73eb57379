//! xv6 compatibility (issue 7 items 8 and 10): a program linked as xv6
//! links forktest runs; ticks are xv6's 100 ms.

use crate::util::TestResult;
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs, process};

pub const TESTS: &[Test] = &[
    Test::forked("execldn", execldn),
    Test::forked("ticklength", ticklength),
];

/// Item 8: `/execldn` (user/c/ldn/execldn.c) is linked with `ld -N`: its
/// one segment is at address 0 but file offset 0xb0. It checks its own
/// code, data and bss, in a forked child too, and says so.
fn execldn() -> TestResult {
    let [r, w] = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
    let pid = process::spawn(|| {
        let _ = fs::close(r);
        let _ = fs::close(1);
        let _ = fs::dup(w);
        let _ = fs::close(w);
        let _ = process::exec("/execldn", &["execldn"]);
        99
    })
    .map_err(|e| format!("fork: {}", e))?;
    let _ = fs::close(w);
    let mut out = Vec::new();
    let _ = fs::read_to_end(r, &mut out);
    let _ = fs::close(r);
    let st = process::wait_for(pid).map_err(|e| format!("wait: {}", e))?;
    ensure!(st != 99, "exec of an ld -N program failed");
    ensure_eq!(
        st,
        0,
        "execldn's status (output {:?})",
        String::from_utf8_lossy(&out)
    );
    ensure_eq!(
        &out[..],
        &b"execldn: code, data and bss intact\n"[..],
        "execldn's output"
    );
    Ok(())
}

/// The `time` CSR counts at 10 MHz on QEMU's virt machine.
const TIMEBASE: u64 = 10_000_000;

fn rdtime() -> u64 {
    let t: u64;
    // SAFETY: reading the time CSR, which the kernel lets user mode read.
    unsafe { core::arch::asm!("rdtime {}", out(reg) t) };
    t
}

/// Item 10: a user-visible tick is 100 ms, as on xv6. Only lower bounds
/// (a slow host makes everything longer, never shorter).
fn ticklength() -> TestResult {
    // Start on a tick boundary.
    let t0 = process::uptime();
    while process::uptime() == t0 {
        let _ = process::pause(1);
    }
    let (u0, c0) = (process::uptime(), rdtime());
    process::pause(3).map_err(|e| format!("pause: {}", e))?;
    let (u1, c1) = (process::uptime(), rdtime());
    ensure!(u1 >= u0 + 3, "uptime went {} -> {} over pause(3)", u0, u1);
    let ms = (c1 - c0) * 1000 / TIMEBASE;
    ensure!(
        ms >= 250,
        "pause(3) took {} ms of real time; 3 xv6 ticks are 300 ms",
        ms
    );
    Ok(())
}
