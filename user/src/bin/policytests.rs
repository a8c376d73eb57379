//! policytests: page replacement on real faults, in regions with a
//! resident limit (docs/replacement.md). Checks the kernel-counted faults
//! of each policy against the textbook numbers, writes traces that
//! `cargo xtask test` replays through the policy lab on the host, and
//! feeds the resident-limit calls bad input.
#![no_std]
#![no_main]

use abi::vmstat::{LIMIT_MANUAL_SCAN, VMCTL_UNLIMIT};
use ulib::prelude::*;
use ulib::reslimit::{
    limit, locality_string, lru_faults, opt_faults, policy_number, region_stat, replay, set_policy,
    set_scan_ms, Ref, Region,
};
use ulib::test::{run_suite, Test};
use ulib::{ensure, ensure_eq, mem, process, sys, vm};

ulib::entry!(main);

const SUITE: &str = "policy";
const PAGE: usize = 4096;

/// The locality string the trace tests record (the host side replays it
/// with the same frame count: keep in step with xtask/src/policycheck.rs).
pub const TRACE_FRAMES: usize = 16;
const TRACE_LEN: usize = 3000;

fn main(args: &[&str]) -> i32 {
    // `policytests --boot POLICY MS`: the suite booted with
    // `--kopt policy=POLICY --kopt scan_ms=MS` checks that they took.
    if let [_, "--boot", policy, ms] = args {
        return match boot_options(policy, ms) {
            Ok(()) => {
                println!("PASS {SUITE}/boot-options");
                0
            }
            Err(why) => {
                println!("FAIL {SUITE}/boot-options: {why}");
                1
            }
        };
    }
    let tests = [
        Test::forked("belady-fifo", belady_fifo),
        Test::forked("belady-lru", belady_lru),
        Test::forked("belady-program", belady_program),
        Test::forked("textbook", textbook),
        Test::forked("locality", locality),
        Test::forked("trace-fifo", || trace("fifo", "/trace-fifo.txt")),
        Test::forked("trace-clock", || trace("clock", "/trace-clock.txt")),
        Test::forked("writeback", writeback),
        Test::forked("timer-scan", timer_scan),
        Test::forked("anon-limit", anon_limit),
        Test::forked("bad-input", bad_input),
        Test::forked("unmap-while-listed", unmap_while_listed),
        Test::forked("exit-while-listed", exit_while_listed),
        Test::forked("switch-while-faulting", switch_while_faulting),
        Test::forked("vmstat", vmstat_counts),
        Test::forked("vmctl-program", vmctl_program),
        Test::forked("syscall-copy-no-writeback", syscall_copy),
    ];
    run_suite(SUITE, &tests, args.get(1..).unwrap_or(&[]))
}

fn err(e: ulib::Error) -> String {
    format!("{e}")
}

fn pol(name: &str) -> usize {
    policy_number(name).unwrap_or(0)
}

fn reads(pages: &[usize]) -> Vec<Ref> {
    pages
        .iter()
        .map(|&page| Ref { page, write: false })
        .collect()
}

const BELADY: [usize; 12] = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
const TEXTBOOK: [usize; 20] = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];

fn kernel_faults(pages: &[usize], frames: usize, policy: &str) -> Result<u64, String> {
    Ok(replay(&reads(pages), frames, pol(policy), true, None)
        .map_err(err)?
        .faults)
}

fn belady_fifo() -> Result<(), String> {
    ensure_eq!(kernel_faults(&BELADY, 3, "fifo")?, 9, "FIFO, 3 frames");
    ensure_eq!(kernel_faults(&BELADY, 4, "fifo")?, 10, "FIFO, 4 frames");
    Ok(())
}

fn belady_lru() -> Result<(), String> {
    ensure_eq!(kernel_faults(&BELADY, 3, "lru")?, 10, "LRU, 3 frames");
    ensure_eq!(kernel_faults(&BELADY, 4, "lru")?, 8, "LRU, 4 frames");
    ensure_eq!(opt_faults(&BELADY, 3), 7, "OPT, 3 frames");
    ensure_eq!(opt_faults(&BELADY, 4), 6, "OPT, 4 frames");
    Ok(())
}

fn belady_program() -> Result<(), String> {
    for args in [&["belady"][..], &["belady", "--policy", "lru"][..]] {
        ensure_eq!(process::run("/belady", args).map_err(err)?, 0, "{args:?}");
    }
    ensure_eq!(
        process::run("/belady", &["belady", "--policy", "nope"]).map_err(err)?,
        2,
        "unknown policy"
    );
    Ok(())
}

fn textbook() -> Result<(), String> {
    ensure_eq!(kernel_faults(&TEXTBOOK, 3, "fifo")?, 15, "FIFO");
    ensure_eq!(
        kernel_faults(&TEXTBOOK, 3, "lru")?,
        12,
        "LRU by aging, a scan per reference"
    );
    ensure_eq!(lru_faults(&TEXTBOOK, 3), 12, "exact LRU");
    ensure_eq!(opt_faults(&TEXTBOOK, 3), 9, "OPT");
    // Through the refs program and a file, as a student would run it.
    let text: String = TEXTBOOK.iter().map(|p| format!("{p}\n")).collect();
    ulib::fs::write_file("/textbook.txt", text.as_bytes()).map_err(err)?;
    let st = process::run("/refs", &["refs", "--policy", "fifo", "/textbook.txt"]).map_err(err)?;
    ensure_eq!(st, 0, "refs --policy fifo /textbook.txt");
    Ok(())
}

/// The string with locality the tests replay: 6 hot pages of 64 that move
/// up one page every 200 references.
fn local(n: usize, seed: u64) -> Vec<Ref> {
    locality_string(n, 64, 6, 200, seed)
}

/// Clock and Enhanced Clock within 10% of exact LRU on a string with
/// locality, when the frames hold the working set with room to spare (with
/// 12 frames Clock is 13% off on this string: it cannot tell the oldest of
/// the recently used pages apart).
fn locality() -> Result<(), String> {
    let refs = local(3000, 7);
    let pages: Vec<usize> = refs.iter().map(|r| r.page).collect();
    for frames in [16] {
        let lru = lru_faults(&pages, frames) as u64;
        for p in ["clock", "eclock"] {
            let k = replay(&refs, frames, pol(p), true, None)
                .map_err(err)?
                .faults;
            ensure!(
                k * 10 <= lru * 11 && k * 10 >= lru * 9,
                "{p} with {frames} frames: {k} faults, exact LRU {lru}: not within 10%"
            );
        }
        let fifo = replay(&refs, frames, pol("fifo"), true, None)
            .map_err(err)?
            .faults;
        ensure!(
            fifo >= lru,
            "FIFO {fifo} below exact LRU {lru} on a string with locality"
        );
    }
    Ok(())
}

/// Record the locality string with the kernel's faults and evictions in the
/// faultline format; the host replays it (xtask policycheck).
fn trace(policy: &str, path: &str) -> Result<(), String> {
    let refs = local(TRACE_LEN, 42);
    let mut buf =
        format!("# faultline trace v1\n# prog=policytests frames={TRACE_FRAMES} policy={policy}\n")
            .into_bytes();
    let run = replay(&refs, TRACE_FRAMES, pol(policy), true, Some(&mut buf)).map_err(err)?;
    let text = core::str::from_utf8(&buf).map_err(|_| "trace not UTF-8".to_string())?;
    let f = text.lines().filter(|l| l.starts_with("f ")).count() as u64;
    let e = text.lines().filter(|l| l.starts_with("e ")).count() as u64;
    ensure_eq!(f, run.faults, "f lines against the region's fault count");
    ensure_eq!(e, run.evictions, "e lines against the region's evictions");
    ensure_eq!(
        run.faults,
        run.evictions + TRACE_FRAMES as u64,
        "faults = evictions + frames"
    );
    ulib::fs::write_file(path, &buf).map_err(err)?;
    println!("policytests: {path}: {policy} frames={TRACE_FRAMES} kernel faults={f}");
    Ok(())
}

/// Dirty shared pages are written to the file when evicted and read back
/// intact; clean ones are not written.
fn writeback() -> Result<(), String> {
    let reg = Region::new("wb.region", 8, 2, pol("fifo"), LIMIT_MANUAL_SCAN).map_err(err)?;
    for p in 0..8 {
        for _ in 0..=p {
            reg.touch(p, true);
        }
    }
    for p in 0..8 {
        reg.touch(p, false);
    }
    let s = reg.stat().map_err(err)?;
    ensure_eq!(s.faults, 16, "page-ins (8 written, 8 read back)");
    ensure_eq!(s.writebacks, 8, "each written page written back once");
    ensure!(s.resident <= 2, "resident {} over the limit 2", s.resident);
    for p in 0..8 {
        // SAFETY: inside the mapping.
        let v = unsafe { core::ptr::read_volatile((reg.addr + p * PAGE) as *const u8) };
        ensure_eq!(v as usize, p + 1, "page {p} after eviction");
    }
    // And the file itself has the bytes.
    let data = ulib::fs::read_file("wb.region").map_err(err)?;
    for p in 0..8 {
        ensure_eq!(data[p * PAGE] as usize, p + 1, "file byte of page {p}");
    }
    Ok(())
}

/// LRU regions age on timer ticks without any scan call.
fn timer_scan() -> Result<(), String> {
    let old = set_scan_ms(10).map_err(err)?;
    // No evictions: the loop stays in user mode, where the timer hook runs.
    let reg = Region::new("ts.region", 8, 8, pol("lru"), 0).map_err(err)?;
    // Scans run on timer interrupts that arrive in user mode, so spend the
    // time there: many rounds between two uptime calls.
    let t0 = sys::uptime();
    while sys::uptime() - t0 < 10 {
        for i in 0..20_000 {
            reg.touch(i % 8, false);
        }
    }
    let s = reg.stat().map_err(err)?;
    set_scan_ms(old).map_err(err)?;
    ensure!(s.scans >= 3, "only {} timer scans in 10 ticks", s.scans);
    ensure!(s.a_clears > 0, "no A bits cleared");
    ensure_eq!(s.faults, 8, "page-ins with every page resident");
    Ok(())
}

fn bad_input() -> Result<(), String> {
    let reg = Region::new("bad.region", 4, 2, pol("fifo"), 0).map_err(err)?;
    let len = 4 * PAGE;
    let total = vm::vmstat().map_err(err)?.total_frames as usize;
    // Already limited, overlapping.
    ensure_eq!(limit(reg.addr, len, 2, 0), -1, "second limit on a region");
    // SAFETY: no buffer.
    unsafe {
        ensure_eq!(sys::vmctl4(VMCTL_UNLIMIT, reg.addr, 0, 0, 0), 0, "unlimit");
        ensure_eq!(
            sys::vmctl4(VMCTL_UNLIMIT, reg.addr, 0, 0, 0),
            -1,
            "unlimit twice"
        );
    }
    ensure_eq!(limit(reg.addr, len, 0, 0), -1, "limit 0");
    ensure_eq!(limit(reg.addr, len, total + 1, 0), -1, "limit over RAM");
    ensure_eq!(limit(reg.addr, len, 2, 9), -1, "unknown policy 9");
    ensure_eq!(limit(reg.addr, len, 2, 1 << 12), -1, "unknown flag");
    ensure_eq!(limit(reg.addr + 1, len, 2, 0), -1, "misaligned");
    ensure_eq!(limit(reg.addr, len + PAGE, 2, 0), -1, "past the area");
    ensure_eq!(limit(0, len, 2, 0), -1, "address 0");
    ensure_eq!(limit(reg.addr, usize::MAX, 2, 0), -1, "length overflows");
    // SAFETY: a new mapping; nothing is replaced.
    let shared = unsafe {
        mem::mmap(
            0,
            len,
            mem::PROT_READ | mem::PROT_WRITE,
            mem::MAP_SHARED | mem::MAP_ANONYMOUS,
            -1,
            0,
        )
    }
    .map_err(err)?;
    ensure_eq!(limit(shared, len, 2, 0), -1, "shared anonymous area");
    ensure_eq!(set_policy(99).ok(), None, "vmctl policy 99");
    ensure_eq!(limit(reg.addr, len, 2, 0), 0, "limit again after unlimit");
    Ok(())
}

/// A resident limit on anonymous memory (needs the swap disk the suite
/// boots with): Belady's string over private anonymous pages, each
/// written with its own value, takes FIFO's 9 and 10 faults, every
/// eviction goes to swap, and every page comes back with its value.
fn anon_limit() -> Result<(), String> {
    let s0 = vm::vmstat().map_err(err)?;
    ensure!(s0.swap_slots_total > 0, "no swap disk");
    for (frames, want) in [(3, 9), (4, 10)] {
        let len = 6 * PAGE;
        let a = mem::mmap_anon(len, mem::PROT_READ | mem::PROT_WRITE).map_err(err)?;
        ensure_eq!(
            limit(a, len, frames, pol("fifo")),
            0,
            "limit an anonymous area"
        );
        let before = vm::vmstat().map_err(err)?.swap_outs;
        let mut written = [false; 6];
        for &p in BELADY.iter() {
            let ptr = (a + p * PAGE) as *mut u64;
            let value = 0x5eed_0000 + p as u64;
            // SAFETY: page p of our own read-write mapping.
            let got = unsafe { ptr.read_volatile() };
            let expect = if written[p] { value } else { 0 };
            ensure_eq!(got, expect, "page {p} after a trip through swap");
            // SAFETY: as above.
            unsafe { ptr.write_volatile(value) };
            written[p] = true;
        }
        let s = region_stat(a).map_err(err)?;
        ensure_eq!(s.faults, want, "FIFO, {frames} frames, anonymous");
        ensure_eq!(s.evictions, want - frames as u64, "evictions");
        let outs = vm::vmstat().map_err(err)?.swap_outs - before;
        ensure!(
            outs >= s.evictions,
            "{} evictions but {} swap-outs",
            s.evictions,
            outs
        );
        // SAFETY: our own mapping, nothing in it is referenced any more.
        unsafe { mem::munmap(a, len) }.map_err(err)?;
    }
    Ok(())
}

fn free() -> Result<u64, String> {
    Ok(vm::vmstat().map_err(err)?.free_frames)
}

fn busy_region(frames: usize) -> Result<Region, String> {
    let reg = Region::new("leak.region", 32, frames, pol("clock"), 0).map_err(err)?;
    for i in 0..200 {
        reg.touch((i * 7) % 32, i % 3 == 0);
    }
    Ok(reg)
}

/// A region unmapped while its pages are on the policy's list: the limit
/// goes with it and every frame comes back.
fn unmap_while_listed() -> Result<(), String> {
    drop(busy_region(8)?); // warm-up: page tables, fs caches
    let base = free()?;
    let reg = busy_region(8)?;
    ensure!(reg.stat().map_err(err)?.resident == 8, "not full");
    // SAFETY: nothing refers into it.
    unsafe { mem::munmap(reg.addr, 32 * PAGE) }.map_err(err)?;
    ensure!(reg.stat().is_err(), "limit survived munmap");
    drop(reg);
    ensure_eq!(free()?, base, "free frames after munmap");
    Ok(())
}

/// A process exits with a full limited region: nothing leaks.
fn exit_while_listed() -> Result<(), String> {
    let run = || {
        process::spawn_wait(|| match busy_region(8) {
            Ok(r) => {
                core::mem::forget(r); // exit with it mapped and limited
                0
            }
            Err(_) => 1,
        })
        .map_err(err)
    };
    ensure_eq!(run()?, 0, "warm-up child");
    let _ = ulib::fs::unlink("leak.region");
    let base = free()?;
    ensure_eq!(run()?, 0, "child");
    let _ = ulib::fs::unlink("leak.region");
    ensure_eq!(free()?, base, "free frames after the child exited");
    Ok(())
}

/// The global policy flips while a region that follows it faults.
fn switch_while_faulting() -> Result<(), String> {
    let old = set_policy(0).map_err(err)?;
    let flipper = process::spawn(|| {
        for i in 0..400 {
            let _ = set_policy(1 + i % 4);
            sys::pause(0);
        }
        0
    })
    .map_err(err)?;
    let reg = Region::new("sw.region", 32, 6, 0, 0).map_err(err)?;
    for i in 0..600 {
        reg.touch((i * 13 + i / 7) % 32, i % 10 == 0);
    }
    let s = reg.stat().map_err(err)?;
    ensure_eq!(process::wait_for(flipper).map_err(err)?, 0, "flipper");
    set_policy(old).map_err(err)?;
    ensure!(s.resident <= 6, "resident {} over the limit", s.resident);
    ensure_eq!(
        s.faults,
        s.evictions + s.resident,
        "faults = evictions + resident"
    );
    Ok(())
}

fn vmstat_counts() -> Result<(), String> {
    let a = vm::vmstat().map_err(err)?;
    let r = replay(&reads(&TEXTBOOK), 3, pol("lru"), true, None).map_err(err)?;
    let b = vm::vmstat().map_err(err)?;
    ensure!(b.policy >= 1 && b.policy <= 4, "policy number {}", b.policy);
    ensure!(
        b.policy_evictions - a.policy_evictions >= r.evictions,
        "vmstat evictions"
    );
    ensure!(
        b.policy_scans - a.policy_scans >= TEXTBOOK.len() as u64,
        "vmstat scans"
    );
    ensure!(
        b.policy_a_clears - a.policy_a_clears >= r.a_clears,
        "vmstat A clears"
    );
    Ok(())
}

fn boot_options(policy: &str, ms: &str) -> Result<(), String> {
    let v = vm::vmstat().map_err(err)?;
    ensure_eq!(
        v.policy as usize,
        pol(policy),
        "vmstat policy after --kopt policy={policy}"
    );
    ensure_eq!(
        format!("{}", v.scan_ms),
        ms.to_string(),
        "vmstat scan-ms after --kopt scan_ms={ms}"
    );
    // A region that follows the global policy runs it.
    let reg = Region::new("boot.region", 4, 2, 0, 0).map_err(err)?;
    ensure_eq!(
        reg.stat().map_err(err)?.policy as usize,
        pol(policy),
        "region policy"
    );
    Ok(())
}

/// `vmctl policy NAME` switches the global policy, and regions that follow
/// it switch at their next fault; an unknown name is refused.
fn vmctl_program() -> Result<(), String> {
    let old = set_policy(0).map_err(err)?;
    let reg = Region::new("vc.region", 4, 2, 0, LIMIT_MANUAL_SCAN).map_err(err)?;
    ensure_eq!(
        process::run("/vmctl", &["vmctl", "policy", "eclock"]).map_err(err)?,
        0,
        "vmctl policy eclock"
    );
    ensure_eq!(
        vm::vmstat().map_err(err)?.policy as usize,
        pol("eclock"),
        "vmstat policy"
    );
    reg.touch(0, false);
    ensure_eq!(
        reg.stat().map_err(err)?.policy as usize,
        pol("eclock"),
        "region after a fault"
    );
    ensure_eq!(
        process::run("/vmctl", &["vmctl", "policy", "bogus"]).map_err(err)?,
        1,
        "unknown name"
    );
    ensure_eq!(
        set_policy(0).map_err(err)?,
        pol("eclock"),
        "policy unchanged by a bad name"
    );
    ensure_eq!(
        process::run("/vmctl", &["vmctl", "scan-ms", "x"]).map_err(err)?,
        1,
        "bad interval"
    );
    set_policy(old).map_err(err)?;
    Ok(())
}

/// write() from a buffer in a limited region whose page is absent, while
/// every resident page is dirty: the kernel copy faults the page in, and
/// eviction must not write a page back from inside the system call (which
/// holds the file's lock and a log transaction; the same file here, so a
/// write-back would deadlock). The fault goes over the limit instead.
fn syscall_copy() -> Result<(), String> {
    let reg = Region::new("sc.region", 4, 2, pol("fifo"), LIMIT_MANUAL_SCAN).map_err(err)?;
    reg.touch(0, true);
    reg.touch(1, true);
    let fd = ulib::Fd::open("sc.region", ulib::fs::O_RDWR).map_err(err)?;
    // SAFETY: page 2 of the mapping, 100 readable bytes.
    let src = unsafe { core::slice::from_raw_parts((reg.addr + 2 * PAGE) as *const u8, 100) };
    ensure_eq!(fd.write(src).map_err(err)?, 100, "write from the region");
    let s = reg.stat().map_err(err)?;
    ensure_eq!(s.over_limit, 1, "over-limit faults");
    ensure_eq!(s.writebacks, 0, "write-backs inside the system call");
    // A user fault may write back again.
    reg.touch(3, false);
    ensure_eq!(
        reg.stat().map_err(err)?.writebacks,
        1,
        "write-back on a user fault"
    );
    Ok(())
}
