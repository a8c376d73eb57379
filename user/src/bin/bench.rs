//! bench: costs of the VM paths, one line per row:
//!
//! `BENCH name=<row> instructions=<n> wall_ms=<ms> [frames=<n>] [k=v...]`
//!
//! `instructions` is an `rdinstret` delta (under QEMU `-icount shift=0
//! -smp 1` it is deterministic, and it counts kernel work too: the counter
//! runs in every mode); `wall_ms` is an `rdtime` delta at the 10 MHz
//! timebase, for the whole measured work. Per-operation rows say so in
//! their name's comment below and give `ops=<n>`.
//!
//! Usage: `bench` runs every row; `bench NAME...` runs those rows.
//! The words `all`, `cow` and `eager` (the labels `cargo xtask bench`
//! boots with) also mean every row: the rows that depend on fork's
//! strategy choose it themselves with vmctl and put the old one back.
#![no_std]
#![no_main]

use abi::layout::PAGE_SIZE as PG;
use abi::syscall::{SBRK_EAGER, SBRK_LAZY};
use abi::vmstat::{VMCTL_COW, VMCTL_IDLE};
use core::arch::asm;
use core::sync::atomic::{AtomicUsize, Ordering};
use ulib::prelude::*;
use ulib::{fs, process, sys, vm};

ulib::entry!(main);

const MIB: usize = 1 << 20;
/// rdtime ticks per millisecond (QEMU virt: 10 MHz).
const TICKS_PER_MS: u64 = 10_000;

type Row = fn() -> Result<Measured, String>;

const ROWS: &[(&str, Row)] = &[
    ("syscall/getpid", getpid),
    ("fork60/cow", fork60_cow),
    ("fork60/eager", fork60_eager),
    ("fault/anon", fault_anon),
    ("fault/cow", fault_cow),
    ("sbrk1g/frames", sbrk1g),
    ("mmap/read256k", mmap_read),
    ("read/read256k", read_read),
    ("mmap/map128m", map128m),
    ("mmap/map1m", map1m),
    ("proc/spawn", spawn_true),
    ("pipe/roundtrip", pipe_roundtrip),
    ("replace/fifo/loop", || replace("fifo", Work::Loop)),
    ("replace/fifo/zipf", || replace("fifo", Work::Zipf)),
    ("replace/fifo/seq", || replace("fifo", Work::Seq)),
    ("replace/lru/loop", || replace("lru", Work::Loop)),
    ("replace/lru/zipf", || replace("lru", Work::Zipf)),
    ("replace/lru/seq", || replace("lru", Work::Seq)),
    ("replace/clock/loop", || replace("clock", Work::Loop)),
    ("replace/clock/zipf", || replace("clock", Work::Zipf)),
    ("replace/clock/seq", || replace("clock", Work::Seq)),
    ("replace/eclock/loop", || replace("eclock", Work::Loop)),
    ("replace/eclock/zipf", || replace("eclock", Work::Zipf)),
    ("replace/eclock/seq", || replace("eclock", Work::Seq)),
];

/// Paging-to-disk rows: run only by name or as `bench swap` (the boot
/// `cargo xtask bench` gives them has little RAM).
const SWAP_ROWS: &[(&str, Row)] = &[
    ("disk/read", disk_read),
    ("swap/out", swap_out),
    ("swap/in", swap_in),
    ("swap/touch2x-seq", touch2x_seq),
    ("swap/touch2x-rand", touch2x_rand),
    ("swap/fifo/hot", || hot_and_stream("fifo")),
    ("swap/lru/hot", || hot_and_stream("lru")),
    ("swap/clock/hot", || hot_and_stream("clock")),
    ("swap/eclock/hot", || hot_and_stream("eclock")),
];

/// One row's result.
struct Measured {
    instructions: u64,
    ticks: u64,
    /// Further `k=v` fields.
    extra: Vec<(&'static str, u64)>,
}

fn main(args: &[&str]) -> i32 {
    // Give the allocator a free block now, so that building a row's
    // result never grows the break while a row holds memory it took with
    // sbrk (which it gives back with a negative sbrk).
    drop(Vec::<u8>::with_capacity(256 * 1024));
    match free_frames() {
        Ok(f) => FREE_AT_START.store(f as usize, Ordering::Relaxed),
        Err(e) => {
            eprintln!("bench: {}", e);
            return 1;
        }
    }
    let mut picked: Vec<(&str, Row)> = Vec::new();
    let names = args.get(1..).unwrap_or(&[]);
    if names.is_empty() || names.iter().all(|n| matches!(*n, "all" | "cow" | "eager")) {
        picked.extend_from_slice(ROWS);
    } else if names == ["swap"] {
        picked.extend_from_slice(SWAP_ROWS);
    } else {
        for n in names {
            match ROWS.iter().chain(SWAP_ROWS).find(|r| r.0 == *n) {
                Some(r) => picked.push(*r),
                None => {
                    eprintln!("bench: no row {}; rows:", n);
                    for r in ROWS.iter().chain(SWAP_ROWS) {
                        eprintln!("  {}", r.0);
                    }
                    return 2;
                }
            }
        }
    }
    let mut failed = 0;
    for (name, f) in picked {
        match f() {
            Ok(m) => {
                let mut line = format!(
                    "BENCH name={} instructions={} wall_ms={}.{:03}",
                    name,
                    m.instructions,
                    m.ticks / TICKS_PER_MS,
                    (m.ticks % TICKS_PER_MS) / 10
                );
                for (k, v) in m.extra {
                    line.push_str(&format!(" {}={}", k, v));
                }
                println!("{}", line);
            }
            Err(why) => {
                eprintln!("bench: {}: {}", name, why);
                failed += 1;
            }
        }
    }
    if failed == 0 {
        0
    } else {
        1
    }
}

// ---- counters ----

#[inline(always)]
fn instret() -> u64 {
    let v: u64;
    // SAFETY: reads a counter CSR the kernel enables for user mode
    // (scounteren.IR).
    unsafe { asm!("rdinstret {}", out(reg) v, options(nomem, nostack)) };
    v
}

#[inline(always)]
fn time() -> u64 {
    let v: u64;
    // SAFETY: reads the time CSR (scounteren.TM).
    unsafe { asm!("rdtime {}", out(reg) v, options(nomem, nostack)) };
    v
}

/// Instructions the kernel's idle loop retired in `wfi` since boot
/// (vmctl `VMCTL_IDLE`).
fn idle() -> u64 {
    sys::vmctl(VMCTL_IDLE, 0).max(0) as u64
}

/// Instructions and ticks spent in `f`. Instructions count work only:
/// under `-icount` the counter runs on while the hart waits in `wfi` (for
/// the disk, say), and the kernel's count of those is subtracted. The two
/// vmctl calls sit outside the `instret` reads.
#[inline(always)]
fn measure<R>(f: impl FnOnce() -> R) -> (R, u64, u64) {
    let w0 = idle();
    let (t0, i0) = (time(), instret());
    let r = f();
    let (i1, t1) = (instret(), time());
    let w1 = idle();
    LAST_IDLE.store((w1 - w0) as usize, Ordering::Relaxed);
    (r, (i1 - i0).saturating_sub(w1 - w0), t1 - t0)
}

/// The idle instructions the last `measure` subtracted (the disk rows
/// report them as `idle=`).
static LAST_IDLE: AtomicUsize = AtomicUsize::new(0);

/// A row's result with its idle count.
fn with_idle(instructions: u64, ticks: u64) -> Measured {
    Measured {
        instructions,
        ticks,
        extra: vec![("idle", LAST_IDLE.load(Ordering::Relaxed) as u64)],
    }
}

fn plain(instructions: u64, ticks: u64) -> Measured {
    Measured {
        instructions,
        ticks,
        extra: Vec::new(),
    }
}

// ---- memory helpers ----

fn free_frames() -> Result<u64, String> {
    Ok(vm::vmstat()
        .map_err(|e| format!("vmstat: {}", e))?
        .free_frames)
}

/// Grows the break by `bytes` (lazily or eagerly) in steps sbrk's int
/// argument can carry; returns the page-aligned start of the new memory.
/// The caller gives it back with [`shrink`] before allocating anything.
fn grow(bytes: usize, typ: usize) -> Result<usize, String> {
    let old = process::brk();
    let mut left = bytes + PG;
    while left > 0 {
        let n = left.min(1 << 30);
        // SAFETY: growing the break takes nothing from anyone.
        if unsafe { sys::sbrk(n as isize, typ) } == usize::MAX {
            return Err(format!("sbrk({:#x}, {}) failed", n, typ));
        }
        left -= n;
    }
    Ok((old + PG - 1) & !(PG - 1))
}

fn shrink(bytes: usize) {
    let mut left = bytes + PG;
    while left > 0 {
        let n = left.min(1 << 30);
        // SAFETY: the caller grew exactly this much with `grow` and has
        // allocated nothing since.
        unsafe { sys::sbrk(-(n as isize), SBRK_EAGER) };
        left -= n;
    }
}

fn touch(a: usize, pages: usize) {
    for i in 0..pages {
        // SAFETY: inside memory the caller grew.
        unsafe { core::ptr::write_volatile((a + i * PG) as *mut u64, i as u64 + 1) };
    }
}

// ---- rows ----

/// One getpid round trip (average of 10000).
fn getpid() -> Result<Measured, String> {
    const N: u64 = 10_000;
    for _ in 0..100 {
        sys::getpid();
    }
    let (_, ins, ticks) = measure(|| {
        for _ in 0..N {
            core::hint::black_box(sys::getpid());
        }
    });
    Ok(Measured {
        instructions: ins / N,
        ticks,
        extra: vec![("ops", N)],
    })
}

/// fork + exit + wait of a process with 60 MiB of touched heap (the
/// whole round trip), with fork's strategy set to `cow`. The size shrinks
/// (and says so in `mib=`) if the machine can't hold two copies.
fn fork60(cow: bool) -> Result<Measured, String> {
    // Warm the path (and this process's stack) with a tiny child.
    match process::fork() {
        Ok(0) => process::exit(0),
        Ok(pid) => {
            let _ = process::wait_for(pid);
        }
        Err(_) => return Err(String::from("fork failed")),
    }
    let mib = fork_mib();
    let bytes = mib * MIB;
    let base = grow(bytes, SBRK_LAZY)?;
    touch(base, bytes / PG);
    let old = sys::vmctl(VMCTL_COW, cow as usize);
    let (st, ins, ticks) = measure(|| match process::fork() {
        Ok(0) => process::exit(0),
        Ok(pid) => process::wait_for(pid).unwrap_or(-2),
        Err(_) => -3,
    });
    if old >= 0 {
        sys::vmctl(VMCTL_COW, old as usize);
    }
    shrink(bytes);
    match st {
        0 => Ok(Measured {
            instructions: ins,
            ticks,
            extra: vec![("mib", mib as u64)],
        }),
        -3 => Err(format!("fork of a {} MiB process failed", mib)),
        s => Err(format!("child exited {}", s)),
    }
}

/// Free frames when the program started (set once in main).
static FREE_AT_START: AtomicUsize = AtomicUsize::new(0);

/// The fork rows' heap size: 60 MiB, or less on a machine that can't hold
/// two copies of it (plus page tables). Computed from the memory free at
/// start, so both rows use the same size.
fn fork_mib() -> usize {
    let free = FREE_AT_START.load(Ordering::Relaxed);
    60usize.min(free.saturating_sub(2048) * PG / 2 / MIB)
}

fn fork60_cow() -> Result<Measured, String> {
    fork60(true)
}

fn fork60_eager() -> Result<Measured, String> {
    fork60(false)
}

/// One first-touch write fault on lazy heap, zeroing included (average
/// over 1024 pages).
fn fault_anon() -> Result<Measured, String> {
    const N: usize = 1024;
    let base = grow(N * PG, SBRK_LAZY)?;
    let (_, ins, ticks) = measure(|| touch(base, N));
    shrink(N * PG);
    Ok(Measured {
        instructions: ins / N as u64,
        ticks,
        extra: vec![("ops", N as u64)],
    })
}

/// One copy-on-write fault (average over 1024 pages written by a child
/// while the parent still holds them), measured in the child and sent
/// back through a pipe. Fork's strategy is set to copy-on-write for it.
fn fault_cow() -> Result<Measured, String> {
    const N: usize = 1024;
    let base = grow(N * PG, SBRK_LAZY)?;
    touch(base, N);
    let old = sys::vmctl(VMCTL_COW, 1);
    let r = cow_child(base, N);
    if old >= 0 {
        sys::vmctl(VMCTL_COW, old as usize);
    }
    shrink(N * PG);
    match r {
        Some((ins, ticks)) => Ok(Measured {
            instructions: ins / N as u64,
            ticks,
            extra: vec![("ops", N as u64)],
        }),
        None => Err(String::from("fork, pipe or the child failed")),
    }
}

/// Forks a child that writes `n` pages at `base` (shared with us) and
/// reports (instructions, ticks) through a pipe. Allocates nothing.
fn cow_child(base: usize, n: usize) -> Option<(u64, u64)> {
    let [r, w] = fs::pipe().ok()?;
    let pid = match process::fork() {
        Ok(0) => {
            // Touch our stack and the code path first so only the heap
            // pages fault in the measured loop.
            let _ = measure(|| 0);
            let (_, ins, ticks) = measure(|| {
                for i in 0..n {
                    // SAFETY: inside the parent's area, which we share.
                    unsafe { core::ptr::write_volatile((base + i * PG) as *mut u64, 7) };
                }
            });
            let mut msg = [0u8; 16];
            msg[..8].copy_from_slice(&ins.to_le_bytes());
            msg[8..].copy_from_slice(&ticks.to_le_bytes());
            let _ = fs::write(w, &msg);
            process::exit(0);
        }
        Ok(pid) => pid,
        Err(_) => {
            let _ = fs::close(r);
            let _ = fs::close(w);
            return None;
        }
    };
    let mut msg = [0u8; 16];
    let got = fs::read_full(r, &mut msg);
    let st = process::wait_for(pid);
    let _ = fs::close(r);
    let _ = fs::close(w);
    if got != Ok(16) || st != Ok(0) {
        return None;
    }
    let mut a = [0u8; 8];
    let mut b = [0u8; 8];
    a.copy_from_slice(&msg[..8]);
    b.copy_from_slice(&msg[8..]);
    Some((u64::from_le_bytes(a), u64::from_le_bytes(b)))
}

/// A 1 GiB lazy sbrk and one touch: the instructions of both, and the
/// frames they used (`frames=`).
fn sbrk1g() -> Result<Measured, String> {
    const G: usize = 1 << 30;
    let f0 = free_frames()?;
    let old = process::brk();
    let (ok, ins, ticks) = measure(|| {
        // SAFETY: growing the break takes nothing from anyone.
        let r = unsafe { sys::sbrk(G as isize, SBRK_LAZY) };
        if r != usize::MAX {
            let a = ((old + PG - 1) & !(PG - 1)) + G / 2;
            // SAFETY: inside the gigabyte just added.
            unsafe { core::ptr::write_volatile(a as *mut u64, 1) };
        }
        r != usize::MAX
    });
    let f1 = free_frames()?;
    if !ok {
        return Err(String::from("lazy sbrk of 1 GiB failed"));
    }
    // SAFETY: gives back exactly the gigabyte added above; nothing was
    // allocated since.
    unsafe { sys::sbrk(-(G as isize), SBRK_EAGER) };
    Ok(Measured {
        instructions: ins,
        ticks,
        extra: vec![("frames", f0.saturating_sub(f1))],
    })
}

const FILE: &str = "benchf";
const FILE_LEN: usize = 256 * 1024;

fn byte(k: usize) -> u8 {
    (k as u8).wrapping_mul(131) ^ (k >> 10) as u8
}

/// Creates the 256 KiB file (outside any measurement) and returns the sum
/// of its bytes.
fn make_file() -> Result<u64, String> {
    let data: Vec<u8> = (0..FILE_LEN).map(byte).collect();
    fs::write_file(FILE, &data).map_err(|e| format!("creating {}: {}", FILE, e))?;
    Ok(byte_sum(&data))
}

/// The sum of the bytes of `s`, reading every byte but a doubleword at a
/// time (about one instruction a byte; a byte loop takes over two, and
/// the disk rows are meant to measure the kernel): bytes are added in
/// pairs into 16-bit lanes, folded before a lane could overflow.
fn byte_sum(s: &[u8]) -> u64 {
    const LANES: u64 = 0x00ff_00ff_00ff_00ff;
    // SAFETY: any 8 aligned bytes are a valid u64.
    let (head, words, tail) = unsafe { s.align_to::<u64>() };
    let mut sum: u64 = head.iter().chain(tail).map(|&b| b as u64).sum();
    // 128 words of at most 2 * 255 a lane: 65,280 < 65,536.
    for chunk in words.chunks(128) {
        let mut acc = 0u64;
        for &w in chunk {
            acc += (w & LANES) + ((w >> 8) & LANES);
        }
        sum += (acc & 0xffff) + ((acc >> 16) & 0xffff) + ((acc >> 32) & 0xffff) + (acc >> 48);
    }
    sum
}

/// mmap the 256 KiB file, read every byte (summing), munmap.
fn mmap_read() -> Result<Measured, String> {
    let want = make_file()?;
    let fd = Fd::open(FILE, fs::O_RDONLY).map_err(|e| format!("open: {}", e))?;
    let (sum, ins, ticks) = measure(|| {
        // SAFETY: a fresh private read-only mapping.
        let a = unsafe { sys::mmap(0, FILE_LEN, 1, abi::mman::MAP_PRIVATE, fd.raw(), 0) };
        if a == abi::mman::MAP_FAILED {
            return None;
        }
        // SAFETY: the mapping is FILE_LEN readable bytes.
        let s = unsafe { core::slice::from_raw_parts(a as *const u8, FILE_LEN) };
        let sum = byte_sum(s);
        // SAFETY: nothing refers to the mapping any more.
        unsafe { sys::munmap(a, FILE_LEN) };
        Some(sum)
    });
    drop(fd);
    let _ = fs::unlink(FILE);
    match sum {
        Some(s) if s == want => Ok(with_idle(ins, ticks)),
        Some(s) => Err(format!("sum {} through mmap, want {}", s, want)),
        None => Err(String::from("mmap failed")),
    }
}

/// read() the 256 KiB file into a buffer (allocated and touched before),
/// summing.
fn read_read() -> Result<Measured, String> {
    let want = make_file()?;
    let mut buf = vec![0u8; FILE_LEN];
    let fd = Fd::open(FILE, fs::O_RDONLY).map_err(|e| format!("open: {}", e))?;
    let (sum, ins, ticks) = measure(|| {
        let n = fd.read_full(&mut buf).ok()?;
        Some(byte_sum(&buf[..n]))
    });
    drop(fd);
    let _ = fs::unlink(FILE);
    match sum {
        Some(s) if s == want => Ok(with_idle(ins, ticks)),
        Some(s) => Err(format!("sum {} through read, want {}", s, want)),
        None => Err(String::from("read failed")),
    }
}

/// mmap + munmap of `bytes` of untouched anonymous memory.
fn map_unmap(bytes: usize) -> Result<Measured, String> {
    let (ok, ins, ticks) = measure(|| {
        // SAFETY: a fresh anonymous mapping, unmapped at once.
        let a = unsafe {
            sys::mmap(
                0,
                bytes,
                3,
                abi::mman::MAP_PRIVATE | abi::mman::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if a == abi::mman::MAP_FAILED {
            return false;
        }
        // SAFETY: as above.
        unsafe { sys::munmap(a, bytes) == 0 }
    });
    if ok {
        Ok(plain(ins, ticks))
    } else {
        Err(format!("mmap/munmap of {:#x} bytes failed", bytes))
    }
}

fn map128m() -> Result<Measured, String> {
    map_unmap(128 * MIB)
}

fn map1m() -> Result<Measured, String> {
    map_unmap(MIB)
}

/// fork + exec of /true + exit + wait: the shell's everyday path
/// (average of 20, after one to warm the page cache).
fn spawn_true() -> Result<Measured, String> {
    const N: u64 = 20;
    let once = || process::run("/true", &["true"]);
    if once() != Ok(0) {
        return Err(String::from("running /true failed"));
    }
    let (bad, ins, ticks) = measure(|| (0..N).filter(|_| once() != Ok(0)).count());
    if bad > 0 {
        return Err(format!("/true failed {} times", bad));
    }
    Ok(Measured {
        instructions: ins / N,
        ticks,
        extra: vec![("ops", N)],
    })
}

/// One byte there and back between two processes over two pipes
/// (average of 1000 round trips): two writes, two reads, two sleeps and
/// wakeups, two context switches.
fn pipe_roundtrip() -> Result<Measured, String> {
    const N: u64 = 1000;
    let there = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
    let back = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
    let pid = process::spawn(|| {
        let mut b = [0u8; 1];
        sys::close(there[1]);
        sys::close(back[0]);
        while fs::read(there[0], &mut b) == Ok(1) {
            if fs::write(back[1], &b) != Ok(1) {
                return 1;
            }
        }
        0
    })
    .map_err(|e| format!("fork: {}", e))?;
    sys::close(there[0]);
    sys::close(back[1]);
    let mut b = [7u8; 1];
    let (ok, ins, ticks) = measure(|| {
        (0..N).all(|_| fs::write(there[1], &b) == Ok(1) && fs::read(back[0], &mut b) == Ok(1))
    });
    sys::close(there[1]);
    sys::close(back[0]);
    let st = process::wait_for(pid);
    if !ok || st != Ok(0) {
        return Err(format!("round trip failed (child status {:?})", st));
    }
    Ok(Measured {
        instructions: ins / N,
        ticks,
        extra: vec![("ops", N)],
    })
}

// ---- page replacement (docs/replacement.md) ----

/// The replacement rows' workloads, each over a file-backed region with a
/// resident limit of `REPLACE_FRAMES` frames, read-only, timer scans on.
#[derive(Clone, Copy)]
enum Work {
    /// Pages 0..=FRAMES in a loop: one page more than fits.
    Loop,
    /// Zipf (s = 1) over 4 * FRAMES pages.
    Zipf,
    /// A sequential scan of 4 * FRAMES pages, twice.
    Seq,
}

const REPLACE_FRAMES: usize = 16;
const REPLACE_REFS: usize = 2000;

fn replace_string(w: Work) -> Vec<usize> {
    let n = 4 * REPLACE_FRAMES;
    match w {
        Work::Loop => (0..REPLACE_REFS)
            .map(|i| i % (REPLACE_FRAMES + 1))
            .collect(),
        Work::Seq => (0..2 * n).map(|i| i % n).collect(),
        Work::Zipf => {
            // Cumulative weights 1/k, scaled to integers.
            let mut cum = Vec::with_capacity(n);
            let mut t = 0u64;
            for k in 1..=n as u64 {
                t += 1_000_000 / k;
                cum.push(t);
            }
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            (0..REPLACE_REFS)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let r = x % t;
                    cum.partition_point(|&c| c <= r)
                })
                .collect()
        }
    }
}

/// Faults, evictions and instructions per eviction of one policy on one
/// workload: the whole replay is measured, faults and file reads included.
fn replace(policy: &str, w: Work) -> Result<Measured, String> {
    use ulib::reslimit::{policy_number, Region};
    let refs = replace_string(w);
    let pages = refs.iter().max().copied().unwrap_or(0) + 1;
    let p = policy_number(policy).ok_or("unknown policy")?;
    let reg = Region::new("bench.region", pages, REPLACE_FRAMES, p, 0)
        .map_err(|e| format!("region: {}", e))?;
    let ((), ins, ticks) = measure(|| {
        for &pg in &refs {
            reg.touch(pg, false);
        }
    });
    let s = reg.stat().map_err(|e| format!("stat: {}", e))?;
    let mut m = plain(ins, ticks);
    m.extra.push(("refs", refs.len() as u64));
    m.extra.push(("faults", s.faults));
    m.extra.push(("evictions", s.evictions));
    m.extra.push(("ins_per_eviction", ins / s.evictions.max(1)));
    Ok(m)
}

// ---- paging to disk ----

/// Pages the swap rows move: 16 MiB.
const SWAP_PAGES: usize = 4096;

fn vmstat() -> Result<abi::vmstat::VmStat, String> {
    vm::vmstat().map_err(|e| format!("vmstat: {}", e))
}

/// `pages` pages in `ticks` as MiB/s (whole) and KiB/s.
fn rate(pages: u64, ticks: u64) -> [(&'static str, u64); 2] {
    let kib = pages * (PG as u64 / 1024);
    let per_s = |units: u64| units * 10_000_000 / ticks.max(1);
    [("mib_s", per_s(kib) / 1024), ("kib_s", per_s(kib))]
}

/// Raw sequential read of the swap disk, 4 KiB at a time, in the kernel.
fn disk_read() -> Result<Measured, String> {
    let (n, i, t) = measure(|| sys::vmctl(abi::vmstat::VMCTL_DISKREAD, SWAP_PAGES));
    if n != SWAP_PAGES as isize {
        return Err(format!("vmctl diskread returned {}", n));
    }
    let mut m = plain(i, t);
    m.extra.extend(rate(n as u64, t));
    m.extra.push(("pages", n as u64));
    Ok(m)
}

/// The region swap/out leaves on swap for swap/in.
static SWAPPED_OUT: AtomicUsize = AtomicUsize::new(0);

/// Evicting SWAP_PAGES written anonymous pages (vmctl reclaim).
fn swap_out() -> Result<Measured, String> {
    let base = ulib::mem::mmap_anon(
        SWAP_PAGES * PG,
        abi::mman::PROT_READ | abi::mman::PROT_WRITE,
    )
    .map_err(|e| format!("mmap: {}", e))?;
    touch(base, SWAP_PAGES);
    let s0 = vmstat()?;
    let (_, i, t) = measure(|| sys::vmctl(abi::vmstat::VMCTL_RECLAIM, SWAP_PAGES));
    let s1 = vmstat()?;
    let out = s1.swap_outs - s0.swap_outs;
    if out == 0 {
        return Err("nothing was swapped out".into());
    }
    SWAPPED_OUT.store(base, Ordering::Relaxed);
    let mut m = plain(i, t);
    m.extra.extend(rate(out, t));
    m.extra.push(("pages", out));
    m.extra.push(("instr_per_page", i / out));
    Ok(m)
}

/// Faulting back the pages swap/out pushed out.
fn swap_in() -> Result<Measured, String> {
    let mut base = SWAPPED_OUT.load(Ordering::Relaxed);
    if base == 0 {
        swap_out()?;
        base = SWAPPED_OUT.load(Ordering::Relaxed);
    }
    let s0 = vmstat()?;
    let (sum, i, t) = measure(|| {
        let mut sum = 0u64;
        for p in 0..SWAP_PAGES {
            // SAFETY: inside the region swap/out mapped.
            sum += unsafe { core::ptr::read_volatile((base + p * PG) as *const u64) };
        }
        sum
    });
    let s1 = vmstat()?;
    // touch() wrote p + 1 into page p.
    let want = (SWAP_PAGES as u64) * (SWAP_PAGES as u64 + 1) / 2;
    if sum != want {
        return Err(format!("read back sum {} instead of {}", sum, want));
    }
    // SAFETY: our mapping; nothing refers into it.
    let _ = unsafe { ulib::mem::munmap(base, SWAP_PAGES * PG) };
    SWAPPED_OUT.store(0, Ordering::Relaxed);
    let ins = s1.swap_ins - s0.swap_ins;
    let mut m = plain(i, t);
    m.extra.extend(rate(ins.max(1), t));
    m.extra.push(("pages", ins));
    m.extra.push(("instr_per_page", i / ins.max(1)));
    Ok(m)
}

/// Write one word in every page of a region twice the RAM (n pages), page
/// k * step mod n at step k (`step` is coprime to n: every page once).
fn touch2x(step: fn(usize) -> usize) -> Result<Measured, String> {
    let n = 2 * vmstat()?.total_frames as usize;
    let step = step(n);
    let base = ulib::mem::mmap_anon(n * PG, abi::mman::PROT_READ | abi::mman::PROT_WRITE)
        .map_err(|e| format!("mmap: {}", e))?;
    let s0 = vmstat()?;
    let (_, i, t) = measure(|| {
        for k in 0..n {
            let p = (k * step) % n;
            // SAFETY: p < n: inside the region.
            unsafe { core::ptr::write_volatile((base + p * PG) as *mut u64, p as u64) };
        }
    });
    let s1 = vmstat()?;
    // SAFETY: our mapping; nothing refers into it.
    let _ = unsafe { ulib::mem::munmap(base, n * PG) };
    let faults: u64 = s1
        .faults
        .iter()
        .zip(s0.faults.iter())
        .map(|(a, b)| a - b)
        .sum();
    let mut m = plain(i, t);
    m.extra.push(("pages", n as u64));
    m.extra.push(("faults", faults));
    m.extra.push(("swap_outs", s1.swap_outs - s0.swap_outs));
    m.extra.push(("swap_ins", s1.swap_ins - s0.swap_ins));
    Ok(m)
}

fn touch2x_seq() -> Result<Measured, String> {
    touch2x(|_| 1)
}

/// Pages in a fixed scattered order: k * step mod n, with step coprime to
/// n (so every page exactly once) and near n / 3 (so consecutive touches
/// land far apart).
fn touch2x_rand() -> Result<Measured, String> {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    touch2x(|n| {
        let mut step = n / 3 + 1;
        while gcd(step, n) != 1 {
            step += 1;
        }
        step
    })
}

/// Global replacement under `policy` (set for the row, then put back): a
/// hot set of a quarter of RAM, one page of it written after each page of
/// a stream over 1.5x the RAM, the stream twice. Each hot page comes round
/// every RAM/4 steps, three times as often as memory turns over, so a
/// policy that sees use keeps it and one that does not (FIFO) evicts it
/// and faults it back in (`swap_ins`). `instr_per_eviction` is the whole
/// row's instructions over the pages evicted: the cost of paging, the
/// policy's share included.
fn hot_and_stream(policy: &str) -> Result<Measured, String> {
    use ulib::reslimit::{policy_number, set_policy};
    let ram = vmstat()?.total_frames as usize;
    let (hot, cold) = (ram / 4, ram * 3 / 2);
    let number = policy_number(policy).ok_or("unknown policy")?;
    let old = set_policy(number).map_err(|e| format!("vmctl policy: {e}"))?;
    let prot = abi::mman::PROT_READ | abi::mman::PROT_WRITE;
    let base = ulib::mem::mmap_anon((hot + cold) * PG, prot).map_err(|e| format!("mmap: {e}"))?;
    let s0 = vmstat()?;
    let (_, i, t) = measure(|| {
        for k in 0..2 * cold {
            for p in [hot + k % cold, k % hot] {
                // SAFETY: p < hot + cold: inside the region.
                unsafe { core::ptr::write_volatile((base + p * PG) as *mut u64, k as u64) };
            }
        }
    });
    let s1 = vmstat()?;
    // SAFETY: our mapping; nothing refers into it.
    let _ = unsafe { ulib::mem::munmap(base, (hot + cold) * PG) };
    let _ = set_policy(old);
    let evicted = s1.policy_evictions - s0.policy_evictions;
    let mut m = plain(i, t);
    m.extra.push(("pages", (hot + cold) as u64));
    m.extra.push(("swap_outs", s1.swap_outs - s0.swap_outs));
    m.extra.push(("swap_ins", s1.swap_ins - s0.swap_ins));
    m.extra.push(("evictions", evicted));
    m.extra.push(("instr_per_eviction", i / evicted.max(1)));
    m.extra
        .push(("scanned", s1.pages_scanned - s0.pages_scanned));
    m.extra
        .push(("direct", s1.direct_reclaims - s0.direct_reclaims));
    m.extra
        .push(("wakeups", s1.reclaim_wakeups - s0.reclaim_wakeups));
    m.extra
        .push(("a_clears", s1.policy_a_clears - s0.policy_a_clears));
    Ok(m)
}
