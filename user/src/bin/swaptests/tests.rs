//! The tests. Sizes are in pages and scale with the RAM the kernel has.
use crate::pages::{check, fill, ram_pages, region, stat};
use abi::layout::PAGE_SIZE as PG;
use abi::vmstat::{PTDUMP_SWAPPED, VMCTL_RECLAIM, VMCTL_WMARK};
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, fs, process, sys, vm};

pub const TESTS: &[Test] = &[
    Test::forked("anon2x", anon2x),
    Test::forked("threeprocs", threeprocs),
    Test::forked("forkswap", forkswap),
    Test::forked("cowrmap", cowrmap),
    Test::forked("sharedlook", crate::shared::sharedlook),
    Test::forked("sharednoframe", crate::shared::sharednoframe),
    Test::forked("sharedfile", sharedfile),
    Test::forked("execshort", execshort),
    Test::forked("swapfull", swapfull),
    Test::forked("policies", crate::global::policies),
    Test::forked("aging", crate::global::aging),
];

/// Twice the RAM of anonymous memory, each page with its own pattern,
/// written once and checked twice.
fn anon2x() -> Result<(), String> {
    let n = 2 * ram_pages()?;
    let s0 = stat()?;
    ensure!(s0.swap_slots_total > 0, "no swap disk");
    let base = region(n)?;
    let t0 = process::uptime();
    fill(base, 0, n, 0x51);
    let t1 = process::uptime();
    check(base, 0, n, 0x51).map_err(|e| format!("first pass: {}", e))?;
    let t2 = process::uptime();
    check(base, 0, n, 0x51).map_err(|e| format!("second pass: {}", e))?;
    let t3 = process::uptime();
    let s1 = stat()?;
    println!(
        "anon2x: {} pages, ticks fill {} check {} {}; swap-outs {} swap-ins {} scanned {} direct {} wakeups {}",
        n,
        t1 - t0,
        t2 - t1,
        t3 - t2,
        s1.swap_outs - s0.swap_outs,
        s1.swap_ins - s0.swap_ins,
        s1.pages_scanned - s0.pages_scanned,
        s1.direct_reclaims - s0.direct_reclaims,
        s1.reclaim_wakeups - s0.reclaim_wakeups
    );
    ensure!(s1.swap_outs > s0.swap_outs, "nothing was swapped out");
    ensure!(s1.swap_ins > s0.swap_ins, "nothing was swapped in");
    Ok(())
}

/// Three processes, each with 2/3 of the RAM, at once: 2x RAM in all.
fn threeprocs() -> Result<(), String> {
    let n = 2 * ram_pages()? / 3;
    let mut pids = Vec::new();
    for i in 0..3u64 {
        let pid = process::spawn(move || {
            let Ok(base) = region(n) else { return 2 };
            fill(base, 0, n, 0x100 + i);
            for pass in 0..2 {
                if let Err(e) = check(base, 0, n, 0x100 + i) {
                    println!("threeprocs: child {} pass {}: {}", i, pass, e);
                    return 1;
                }
            }
            0
        })
        .map_err(|e| format!("fork: {}", e))?;
        pids.push(pid);
    }
    let mut bad = 0;
    for _ in pids {
        let (_, st) = process::wait().map_err(|e| format!("wait: {}", e))?;
        if st != 0 {
            bad += 1;
        }
    }
    ensure!(bad == 0, "{} of 3 children saw wrong pages", bad);
    Ok(())
}

/// Pages pushed out before fork are shared by parent and child through
/// the same slots: each side reads the other's unchanged pages and its own
/// writes, and pages read by one come from the swap cache for the other.
fn forkswap() -> Result<(), String> {
    // Small enough that nothing is pushed out again (which would drop the
    // frames the swap cache holds) once the pages are back.
    let n = ram_pages()? / 8;
    let base = region(n)?;
    fill(base, 0, n, 0x77);
    // Push (nearly) all of it out now.
    sys::vmctl(VMCTL_RECLAIM, n);
    let s0 = stat()?;
    let (rd, wr) = {
        let p = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
        (p[0], p[1])
    };
    let child = process::spawn(move || {
        if check(base, 0, n, 0x77).is_err() {
            return 1;
        }
        fill(base, 0, n / 2, 0x99);
        if check(base, 0, n / 2, 0x99).is_err() || check(base, n / 2, n - n / 2, 0x77).is_err() {
            return 2;
        }
        // Let the parent read while we still map the pages we read.
        let _ = fs::write(wr, b"x");
        let _ = process::pause(5);
        0
    })
    .map_err(|e| format!("fork: {}", e))?;
    let mut b = [0u8; 1];
    let _ = fs::read(rd, &mut b);
    check(base, 0, n, 0x77).map_err(|e| format!("parent after child's writes: {}", e))?;
    fill(base, n / 2, n - n / 2, 0x55);
    let st = process::wait_for(child).map_err(|e| format!("wait: {}", e))?;
    ensure!(st == 0, "child saw wrong pages (status {})", st);
    check(base, 0, n / 2, 0x77)?;
    check(base, n / 2, n - n / 2, 0x55)?;
    let s1 = stat()?;
    ensure!(
        s1.swap_cache_hits > s0.swap_cache_hits,
        "no swap-in was served from the swap cache"
    );
    Ok(())
}

/// Pages shared copy-on-write by parent and child go out through the
/// reverse map: a third process's demand for more than the free memory
/// makes global reclaim pick the (older) shared frames, and each goes from
/// both page tables at once, to one slot (the same slot at the same
/// address in both; `rmap-shared` counts such frames). Then both read
/// their pages back, the child writes, and neither sees the other's
/// writes.
fn cowrmap() -> Result<(), String> {
    let n = 64;
    let pipe = || fs::pipe().map_err(|e| format!("pipe: {}", e));
    // The pressure comes from a process forked before the shared pages
    // exist (so it shares none of them) and started later. Parent and
    // child sleep meanwhile: their pages are idle, their locks free.
    let (go, ready, quit) = (pipe()?, pipe()?, pipe()?);
    let hog_n = ram_pages()? + ram_pages()? / 4;
    let hog = process::spawn(move || {
        let _ = fs::close(go[1]);
        let _ = fs::close(ready[0]);
        let _ = fs::close(quit[1]);
        let mut b = [0u8; 1];
        let _ = fs::read(go[0], &mut b);
        let Ok(base) = region(hog_n) else { return 2 };
        fill(base, 0, hog_n, 3);
        let _ = fs::write(ready[1], b"r");
        let _ = fs::read(quit[0], &mut b);
        0
    })
    .map_err(|e| format!("fork: {}", e))?;
    for fd in [go[0], ready[1], quit[0]] {
        let _ = fs::close(fd);
    }
    let base = region(n)?;
    fill(base, 0, n, 0x61);
    let s0 = stat()?;
    let (wake, done) = (pipe()?, pipe()?);
    let child = process::spawn(move || {
        let _ = fs::close(wake[1]);
        let _ = fs::close(done[0]);
        let mut b = [0u8; 1];
        let _ = fs::read(wake[0], &mut b);
        if check(base, 0, n, 0x61).is_err() {
            return 2;
        }
        fill(base, 0, n / 2, 0x62);
        if check(base, 0, n / 2, 0x62).is_err() || check(base, n / 2, n - n / 2, 0x61).is_err() {
            return 3;
        }
        let _ = fs::write(done[1], b"d");
        0
    })
    .map_err(|e| format!("fork: {}", e))?;
    let _ = fs::close(wake[0]);
    let _ = fs::close(done[1]);
    let mut b = [0u8; 1];
    let _ = fs::write(go[1], b"g");
    let hog_ready = fs::read(ready[0], &mut b);
    let mine = vm::ptdump(0);
    let theirs = vm::ptdump(child);
    let _ = fs::write(quit[1], b"q");
    let hog_st = process::wait_for(hog).map_err(|e| format!("wait: {}", e))?;
    let _ = fs::write(wake[1], b"w");
    let _ = fs::read(done[0], &mut b);
    let st = process::wait_for(child).map_err(|e| format!("wait: {}", e))?;
    for fd in [go[1], ready[0], quit[1], wake[1], done[0]] {
        let _ = fs::close(fd);
    }
    ensure!(
        hog_ready == Ok(1) && hog_st == 0,
        "memory hog failed (status {})",
        hog_st
    );
    let (mine, theirs) = (
        mine.map_err(|e| format!("ptdump: {}", e))?,
        theirs.map_err(|e| format!("ptdump: {}", e))?,
    );
    let swapped = |rows: &Vec<abi::vmstat::PtEntry>, va: usize| {
        rows.iter()
            .find(|r| r.va as usize == va && r.flags == PTDUMP_SWAPPED)
            .map(|r| r.pa)
    };
    let same = (0..n)
        .map(|k| base + k * PG)
        .filter(|&va| swapped(&mine, va).is_some() && swapped(&mine, va) == swapped(&theirs, va))
        .count();
    let s1 = stat()?;
    ensure!(st == 0, "child saw wrong pages (status {})", st);
    check(base, 0, n, 0x61).map_err(|e| format!("parent after child's writes: {}", e))?;
    ensure!(
        same > 0,
        "none of {} shared pages was swapped to one slot in both",
        n
    );
    ensure!(
        s1.rmap_shared > s0.rmap_shared,
        "no frame was evicted from several PTEs at once"
    );
    Ok(())
}

/// A child that holds all but `leave` free frames until told to exit:
/// (pid, the pipe end that tells it).
pub(crate) fn hog(leave: usize) -> Result<(i32, i32), String> {
    let free = stat()?.free_frames as usize;
    let n = free.saturating_sub(leave);
    // One pipe each way: a child reading its own "ready" would hang us.
    let ready = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
    let quit = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
    let pid = process::spawn(move || {
        let _ = fs::close(ready[0]);
        let _ = fs::close(quit[1]);
        let Ok(base) = region(n) else { return 2 };
        fill(base, 0, n, 3);
        let _ = fs::write(ready[1], b"r");
        let mut b = [0u8; 1];
        let _ = fs::read(quit[0], &mut b);
        0
    })
    .map_err(|e| format!("fork: {}", e))?;
    let _ = fs::close(ready[1]);
    let _ = fs::close(quit[0]);
    let mut b = [0u8; 1];
    let got = fs::read(ready[0], &mut b).map_err(|e| format!("read: {}", e))?;
    let _ = fs::close(ready[0]);
    ensure!(got == 1, "memory hog died before it was ready");
    Ok((pid, quit[1]))
}

pub(crate) fn unhog((pid, quit): (i32, i32)) -> Result<(), String> {
    fs::write(quit, b"q").map_err(|e| format!("write: {}", e))?;
    let _ = fs::close(quit);
    let st = process::wait_for(pid).map_err(|e| format!("wait: {}", e))?;
    ensure!(st == 0, "memory hog exited with {}", st);
    Ok(())
}

/// Watermarks for the duration of a test, restored on drop.
pub(crate) struct Wmarks(u64, u64, u64);

impl Wmarks {
    pub(crate) fn set(min: usize, low: usize, high: usize) -> Result<Wmarks, String> {
        let s = stat()?;
        ensure!(
            sys::vmctl3(VMCTL_WMARK, min, low, high) == 0,
            "vmctl wmark {} {} {} refused",
            min,
            low,
            high
        );
        Ok(Wmarks(s.wmark_min, s.wmark_low, s.wmark_high))
    }
}

impl Drop for Wmarks {
    fn drop(&mut self) {
        sys::vmctl3(
            VMCTL_WMARK,
            self.0 as usize,
            self.1 as usize,
            self.2 as usize,
        );
    }
}

/// A shared file mapping bigger than the memory left free: written
/// through the mapping, pushed out (dirty pages written back), read back
/// through the mapping, then through read() after munmap.
fn sharedfile() -> Result<(), String> {
    const PAGES: usize = 64; // 256 KiB: near xv6's largest file
    let path = format!("swf.{}", process::getpid());
    fs::write_file(&path, &vec![0u8; PAGES * PG]).map_err(|e| format!("create: {}", e))?;
    let _w = Wmarks::set(8, 16, 32)?;
    let h = hog(PAGES / 2)?;
    let fd = fs::open(&path, abi::fcntl::O_RDWR).map_err(|e| format!("open: {}", e))?;
    // SAFETY: a new mapping; nothing is replaced.
    let base = unsafe {
        ulib::mem::mmap(
            0,
            PAGES * PG,
            abi::mman::PROT_READ | abi::mman::PROT_WRITE,
            abi::mman::MAP_SHARED,
            fd,
            0,
        )
    }
    .map_err(|e| format!("mmap: {}", e))?;
    let s0 = stat()?;
    fill(base, 0, PAGES, 0xf11e);
    sys::vmctl(VMCTL_RECLAIM, 4 * PAGES);
    check(base, 0, PAGES, 0xf11e).map_err(|e| format!("through the mapping: {}", e))?;
    let s1 = stat()?;
    // SAFETY: our own mapping, no references into it remain.
    unsafe { ulib::mem::munmap(base, PAGES * PG) }.map_err(|e| format!("munmap: {}", e))?;
    let _ = fs::close(fd);
    unhog(h)?;
    let data = fs::read_file(&path).map_err(|e| format!("read back: {}", e))?;
    let _ = fs::unlink(&path);
    ensure!(data.len() == PAGES * PG, "file is {} bytes", data.len());
    check(data.as_ptr() as usize, 0, PAGES, 0xf11e)
        .map_err(|e| format!("file after munmap: {}", e))?;
    ensure!(
        s1.dirty_written_back > s0.dirty_written_back,
        "reclaim wrote no dirty file page back"
    );
    Ok(())
}

/// Programs still start while memory is short: their text is dropped by
/// reclaim and read again from the file.
fn execshort() -> Result<(), String> {
    // Little above min: every exec needs reclaim (with or without swap).
    let h = hog(stat()?.wmark_min as usize + 64)?;
    let s0 = stat()?;
    for _ in 0..5 {
        sys::vmctl(VMCTL_RECLAIM, 64);
        let st = process::run("/echo", &["echo", "exec while short"])
            .map_err(|e| format!("run echo: {}", e))?;
        ensure!(st == 0, "echo exited {}", st);
    }
    let s1 = stat()?;
    unhog(h)?;
    ensure!(
        s1.file_pages_dropped > s0.file_pages_dropped,
        "no clean file page was dropped"
    );
    Ok(())
}

/// A process that touches more than RAM and swap together is killed (with
/// a message on the console), and everything else goes on.
fn swapfull() -> Result<(), String> {
    let s0 = stat()?;
    let n = (s0.total_frames + s0.swap_slots_total) as usize + 1024;
    let st = process::spawn_wait(move || {
        let Ok(base) = region(n) else { return 2 };
        fill(base, 0, n, 9);
        3
    })
    .map_err(|e| format!("fork: {}", e))?;
    ensure!(
        st == -1,
        "the hog exited with {} instead of being killed",
        st
    );
    let s1 = stat()?;
    ensure!(s1.oom_kills > s0.oom_kills, "no out-of-memory kill counted");
    // The machine still works: a small process runs.
    let st = process::run("/echo", &["echo", "after oom"]).map_err(|e| format!("run: {}", e))?;
    ensure!(st == 0, "echo after the kill exited {}", st);
    Ok(())
}
