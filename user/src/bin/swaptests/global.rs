//! Global replacement under each policy: the frame table's policy, switched
//! at run time, and LRU's aging scan, which runs on the timer.
use crate::pages::{check, fill, ram_pages, region, stat};
use abi::layout::PAGE_SIZE as PG;
use ulib::prelude::*;
use ulib::reslimit::{policy_name, set_policy, set_scan_ms};
use ulib::{ensure, mem, process};

/// Sets the global policy and scan interval for a test, and puts the old
/// ones back however the test ends.
struct Setting {
    policy: usize,
    scan_ms: usize,
}

impl Setting {
    fn new(policy: usize, scan_ms: usize) -> Result<Setting, String> {
        let e = |e: ulib::Error| format!("{e}");
        let old = Setting {
            policy: set_policy(policy).map_err(e)?,
            scan_ms: set_scan_ms(scan_ms).map_err(e)?,
        };
        Ok(old)
    }
}

impl Drop for Setting {
    fn drop(&mut self) {
        let _ = set_policy(self.policy);
        let _ = set_scan_ms(self.scan_ms);
    }
}

/// Each policy in turn, chosen at run time, evicts from the whole frame
/// table: 1.25x the RAM of anonymous memory is filled and read back under
/// each, and the policy's own eviction count moves. Enhanced Clock here
/// once took minutes (every victim read the bits of every frame).
pub fn policies() -> Result<(), String> {
    let n = ram_pages()? * 5 / 4;
    for p in 1..=4 {
        let _s = Setting::new(p, 10)?;
        let s0 = stat()?;
        ensure!(
            s0.policy == p as u64,
            "policy {} not set",
            policy_name(p as u64)
        );
        let base = region(n)?;
        let t0 = process::uptime();
        fill(base, 0, n, 0x600 + p as u64);
        check(base, 0, n, 0x600 + p as u64)
            .map_err(|e| format!("{}: {}", policy_name(p as u64), e))?;
        let t1 = process::uptime();
        let s1 = stat()?;
        unmap(base, n)?;
        println!(
            "policies: {} {} pages, {} ticks, swap-outs {} swap-ins {} evictions {} scans {} a-clears {}",
            policy_name(p as u64),
            n,
            t1 - t0,
            s1.swap_outs - s0.swap_outs,
            s1.swap_ins - s0.swap_ins,
            s1.policy_evictions - s0.policy_evictions,
            s1.policy_scans - s0.policy_scans,
            s1.policy_a_clears - s0.policy_a_clears,
        );
        ensure!(
            s1.policy_evictions - s0.policy_evictions >= (n / 4) as u64,
            "{}: {} evictions for {} pages over RAM",
            policy_name(p as u64),
            s1.policy_evictions - s0.policy_evictions,
            n / 5
        );
        // Each page goes at most once in the fill and once in the check:
        // vmstat counts pages that went, not victims the policy offered
        // and reclaim put back (a page of a process busy faulting).
        ensure!(
            s1.policy_evictions - s0.policy_evictions <= 2 * n as u64,
            "{}: {} evictions of {} pages in two passes",
            policy_name(p as u64),
            s1.policy_evictions - s0.policy_evictions,
            n
        );
        ensure!(s1.swap_ins > s0.swap_ins, "nothing swapped in");
    }
    Ok(())
}

/// Global LRU ages pages on the timer, not only when reclaim runs: with
/// memory near the watermarks (free frames between high and twice high,
/// where nothing is evicted yet) and this process asleep, scans happen and
/// clear the A bits of the pages it touched. With plenty of memory free,
/// none happen.
pub fn aging() -> Result<(), String> {
    let _s = Setting::new(2, 10)?;
    let s = stat()?;
    let (low, high) = (s.wmark_low as usize, s.wmark_high as usize);
    let idle = |ticks| -> Result<(u64, u64, u64), String> {
        let s0 = stat()?;
        process::pause(ticks).map_err(|e| format!("pause: {e}"))?;
        let s1 = stat()?;
        Ok((
            s1.policy_scans - s0.policy_scans,
            s1.policy_a_clears - s0.policy_a_clears,
            s1.pages_scanned - s0.pages_scanned,
        ))
    };
    // Plenty free: no scans.
    ensure!(
        s.free_frames as usize > 3 * high,
        "only {} frames free",
        s.free_frames
    );
    let (scans, _, _) = idle(3)?;
    ensure!(
        scans == 0,
        "{scans} scans with {} frames free",
        s.free_frames
    );
    // Fill until free frames sit at 1.5 high (the page tables take a few).
    let n = s.free_frames as usize - high * 3 / 2;
    let base = region(n)?;
    fill(base, 0, n, 0x77);
    let free = stat()?.free_frames as usize;
    ensure!(
        free > low && free < 2 * high,
        "{free} frames free after filling, want between {low} and {}",
        2 * high
    );
    // Every page read again sets its A bit; scans clear them, during the
    // reads (memory is near the watermarks already) and in 5 ticks asleep
    // (50 intervals of 10 ms) after.
    let s0 = stat()?;
    check(base, 0, n, 0x77)?;
    let (scans, _, reclaimed) = idle(5)?;
    let s1 = stat()?;
    let clears = s1.policy_a_clears - s0.policy_a_clears;
    println!("aging: {n} pages, {free} free: {scans} scans, {clears} a-clears, {reclaimed} pages scanned by reclaim");
    ensure!(scans >= 10, "{scans} aging scans in 5 ticks");
    ensure!(
        clears >= n as u64 / 2,
        "{clears} A bits cleared of {n} pages touched"
    );
    ensure!(reclaimed == 0, "reclaim ran ({reclaimed} pages scanned)");
    unmap(base, n)
}

/// Unmap `n` pages at `base`, a region of ours that nothing refers to.
fn unmap(base: usize, n: usize) -> Result<(), String> {
    // SAFETY: `base` is a region this test mapped; no reference into it
    // outlives this call.
    unsafe { mem::munmap(base, n * PG) }.map_err(|e| format!("munmap: {e}"))
}
