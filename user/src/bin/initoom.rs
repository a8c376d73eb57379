//! initoom: init is never killed for lack of memory (issue 7 item 3).
//!
//! The faults these tests need are init's own, so this program *is* init:
//! the suites boot it as the first process (`init=/initoom`, suites
//! `initoom` and `initoom-swap` in `xtask/src/suites.rs`). It opens the
//! console as /init does, runs its tests in its own process, and powers
//! off with the result (pid 1 may not exit: the kernel would panic).
//!
//! - `hold`: a child holds every free frame (`vmctl` VMCTL_HOLD) for a
//!   while; meanwhile init stores to a copy-on-write page and to pages it
//!   never touched. Nobody may be killed for a test's hold, so init must
//!   wait until the frames come back, then go on.
//! - `eat`: init holds most of memory, a child eats the rest (eager sbrk
//!   until it fails), then init keeps touching new pages until frames run
//!   out. init is the largest process but must not be chosen: the child is
//!   killed (once the swap disk is full, or at once without one), init's
//!   pages keep their values, and nothing is lost.
//!
//! Without the protection either test kills init, and the kernel panics
//! ("init exiting"): the suite fails.
#![no_std]
#![no_main]

use abi::fcntl::O_RDWR;
use abi::layout::PAGE_SIZE as PG;
use abi::mman::{PROT_READ, PROT_WRITE};
use abi::syscall::{SBRK_EAGER, SYS_PAUSE, SYS_SBRK, SYS_WRITE};
use abi::vmstat::VmStat;
use abi::CONSOLE_MAJOR;
use core::arch::asm;
use core::ptr::{read_volatile, write_volatile};
use ulib::prelude::*;
use ulib::test::{run_suite, Test};
use ulib::{ensure, ensure_eq, fs, hold, mem, process, vm};

ulib::entry!(main);

type TestResult = Result<(), String>;

const TESTS: &[Test] = &[Test::inline("hold", hold), Test::inline("eat", eat)];

/// Ticks the `hold` child keeps the frames.
const HOLD_TICKS: usize = 5;
/// Fresh pages init touches while the frames are held.
const HOLD_PAGES: usize = 8;

fn main(args: &[&str]) -> i32 {
    // The children this program starts for its tests.
    match args.get(1).copied() {
        Some("--hold-child") => hold_child(),
        Some("--eat-child") => eat_child(args.get(2).and_then(|s| s.parse().ok()).unwrap_or(-1)),
        _ => {}
    }
    if process::getpid() != 1 {
        eprintln!("initoom: must be the first process (boot with init=/initoom)");
        return 2;
    }
    if fs::open("console", O_RDWR).is_err() {
        let _ = fs::mknod("console", CONSOLE_MAJOR, 0);
        if fs::open("console", O_RDWR).is_err() {
            process::poweroff(1);
        }
    }
    let _ = fs::dup(0);
    let _ = fs::dup(0);
    let status = run_suite("initoom", TESTS, args.get(1..).unwrap_or(&[]));
    process::poweroff(status)
}

fn vmstat() -> Result<VmStat, String> {
    vm::vmstat().map_err(|e| format!("vmstat: {}", e))
}

fn spawn_self(args: &[&str]) -> Result<i32, String> {
    process::spawn(|| {
        let _ = process::exec("/initoom", args);
        127
    })
    .map_err(|e| format!("fork: {}", e))
}

/// Child of `hold`: take every free frame, keep them `HOLD_TICKS`, give
/// them back, exit 0. Between hold and release it touches no memory (a
/// fault then could not be served): `call_holding` is registers only.
fn hold_child() -> ! {
    let _ = hold::call_holding(0, SYS_PAUSE, HOLD_TICKS, 0);
    process::exit(0)
}

/// A page init shares copy-on-write with a child that never writes it.
#[repr(align(4096))]
struct Page(#[allow(dead_code)] [u64; PG / 8]);
static mut SHARED: Page = Page([0; PG / 8]);

fn shared_word() -> *mut u64 {
    core::ptr::addr_of_mut!(SHARED) as *mut u64
}

fn hold() -> TestResult {
    let fresh = mem::mmap_anon(HOLD_PAGES * PG, PROT_READ | PROT_WRITE)
        .map_err(|e| format!("mmap: {}", e))?;
    // SAFETY: our own static page; only this test uses it.
    unsafe { write_volatile(shared_word(), 1) };
    // A child that shares that page (and everything else) and sleeps in
    // read until the pipe closes.
    let p = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
    let sharer = process::spawn(|| {
        let _ = fs::close(p[1]);
        let mut b = [0u8; 1];
        let _ = fs::read(p[0], &mut b);
        0
    })
    .map_err(|e| format!("fork: {}", e))?;
    let _ = fs::close(p[0]);
    // Write our stack and run the polling loop once, so its pages are ours
    // alone before the hold (only the shared page and `fresh` then fault).
    let mut probe = [0u8; 2048];
    core::hint::black_box(&mut probe);
    let _ = vmstat()?;
    let t0 = process::uptime();
    let holder = spawn_self(&["initoom", "--hold-child"])?;
    let held = loop {
        let v = vmstat()?;
        if v.free_frames == 0 {
            break true;
        }
        if process::uptime() > t0 + 100 {
            break false;
        }
    };
    let t1 = process::uptime();
    // Copy-on-write, then zero-fill on demand: each needs a frame, and none
    // comes back before the holder lets go.
    // SAFETY: our own static page and our own fresh mapping.
    unsafe {
        write_volatile(shared_word(), 2);
        for i in 0..HOLD_PAGES {
            write_volatile((fresh + i * PG) as *mut u64, i as u64 + 10);
        }
    }
    let t2 = process::uptime();
    let st = process::wait_for(holder).map_err(|e| format!("wait: {}", e))?;
    let _ = fs::close(p[1]);
    let st2 = process::wait_for(sharer).map_err(|e| format!("wait: {}", e))?;
    println!(
        "initoom: hold seen {} ticks after start; init's stores waited {} ticks",
        t1 - t0,
        t2 - t1
    );
    ensure!(
        held,
        "the child never held every frame (free frames never 0)"
    );
    ensure_eq!(st, 0, "holding child's exit status");
    ensure_eq!(st2, 0, "sharing child's exit status");
    // SAFETY: as above.
    unsafe {
        ensure_eq!(read_volatile(shared_word()), 2, "copy-on-write page");
        for i in 0..HOLD_PAGES {
            ensure_eq!(
                read_volatile((fresh + i * PG) as *const u64),
                i as u64 + 10,
                "fresh page {}",
                i
            );
        }
        mem::munmap(fresh, HOLD_PAGES * PG).map_err(|e| format!("munmap: {}", e))?;
    }
    Ok(())
}

/// Child of `eat`: eager sbrk a page at a time until it fails, write one
/// byte to `fd`, then sleep until killed. After the first failed sbrk it
/// touches no new memory: registers and one byte on its stack, written
/// before.
fn eat_child(fd: i32) -> ! {
    let byte = [b'x'; 1];
    core::hint::black_box(&byte);
    // SAFETY: system calls on registers; write reads `byte`, which is on
    // this (present) stack frame.
    unsafe {
        asm!(
            "2:",
            "li a0, {pg}",
            "li a1, {eager}",
            "li a7, {sbrk}",
            "ecall",
            "li t0, -1",
            "bne a0, t0, 2b",
            "mv a0, s2",
            "mv a1, s3",
            "li a2, 1",
            "li a7, {write}",
            "ecall",
            "3:",
            "li a0, 100",
            "li a7, {pause}",
            "ecall",
            "j 3b",
            pg = const PG,
            eager = const SBRK_EAGER,
            sbrk = const SYS_SBRK,
            write = const SYS_WRITE,
            pause = const SYS_PAUSE,
            in("s2") fd as usize,
            in("s3") byte.as_ptr(),
            options(noreturn),
        );
    }
}

/// Two rounds: the first leaves page tables (and heap) behind that init
/// keeps for the next, so the second must give back every frame it took.
fn eat() -> TestResult {
    eat_round(false)?;
    eat_round(true)
}

fn eat_round(check_frames: bool) -> TestResult {
    let v0 = vmstat()?;
    let swap = v0.swap_slots_total > 0;
    // init holds 3/5 of free memory: more than the child will.
    let mine = v0.free_frames as usize * 3 / 5;
    let big =
        mem::mmap_anon(mine * PG, PROT_READ | PROT_WRITE).map_err(|e| format!("mmap: {}", e))?;
    // SAFETY: our own new mapping.
    unsafe {
        for i in 0..mine {
            write_volatile((big + i * PG) as *mut u64, i as u64);
        }
    }
    let p = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
    let fd = format!("{}", p[1]);
    let eater = spawn_self(&["initoom", "--eat-child", &fd])?;
    let _ = fs::close(p[1]);
    let mut b = [0u8; 1];
    let got = fs::read(p[0], &mut b).map_err(|e| format!("read: {}", e))?;
    let _ = fs::close(p[0]);
    ensure_eq!(got, 1, "bytes from the eating child");
    // Now touch more fresh pages than there are free frames.
    let v1 = vmstat()?;
    let more = v1.free_frames as usize + 64;
    let fresh =
        mem::mmap_anon(more * PG, PROT_READ | PROT_WRITE).map_err(|e| format!("mmap: {}", e))?;
    // SAFETY: our own new mapping.
    unsafe {
        for i in 0..more {
            write_volatile((fresh + i * PG) as *mut u64, !(i as u64));
        }
    }
    // With swap the child may still be alive (its pages went out instead).
    let _ = process::kill(eater);
    let st = process::wait_for(eater).map_err(|e| format!("wait: {}", e))?;
    let v2 = vmstat()?;
    println!(
        "initoom: init held {} pages and touched {} more; oom-kills {} -> {}, swap-outs {} -> {}",
        mine, more, v0.oom_kills, v2.oom_kills, v0.swap_outs, v2.swap_outs
    );
    ensure_eq!(st, -1, "eating child's exit status");
    if !swap {
        ensure_eq!(
            v2.oom_kills,
            v0.oom_kills + 1,
            "out-of-memory kills (the eating child, not init)"
        );
    }
    // SAFETY: our own mappings.
    unsafe {
        for i in 0..mine {
            ensure_eq!(
                read_volatile((big + i * PG) as *const u64),
                i as u64,
                "page {}",
                i
            );
        }
        for i in 0..more {
            ensure_eq!(
                read_volatile((fresh + i * PG) as *const u64),
                !(i as u64),
                "fresh page {}",
                i
            );
        }
        mem::munmap(big, mine * PG).map_err(|e| format!("munmap: {}", e))?;
        mem::munmap(fresh, more * PG).map_err(|e| format!("munmap: {}", e))?;
    }
    let v3 = vmstat()?;
    ensure!(
        !check_frames || v3.free_frames >= v0.free_frames,
        "free frames {} after, {} before: {} lost",
        v3.free_frames,
        v0.free_frames,
        v0.free_frames - v3.free_frames
    );
    ensure_eq!(v3.swap_slots_used, v0.swap_slots_used, "swap slots in use");
    Ok(())
}
