//! fuzz: a system-call fuzzer (issue 7 item 12).
//! `fuzz [ROUNDS [CALLS [SEED [MASK]]]]`; MASK (hex) limits the workers to
//! the call kinds whose bits are set (see `one_call`), to narrow a failure.
//!
//! Each round forks `WORKERS` processes (the suite runs on 3 harts) that
//! make `CALLS` random system calls each, with adversarial arguments:
//! kernel addresses, unmapped pages, strings that run into an unmapped
//! page, lengths near 2^64, bad descriptors, random numbers. A watchdog
//! kills workers still running after a while (a worker may block reading
//! its own pipe, which is legal). After each round the fuzzer checks that
//! the kernel answers and that the free-frame count is back to what it was
//! after the first round (the warm-up, which fills the caches); it prints
//! `PASS fuzz/roundN` or `FAIL fuzz/roundN: ...`. It then removes what the
//! workers made, so xtask's fsck of the image must find it clean.
//!
//! Workers never call poweroff, never kill processes they did not make,
//! never exec a real program, never shrink their heap into use, never read
//! the console and never make console devices: those would end the test
//! rather than test the kernel. Everything else is fair game.
#![no_std]
#![no_main]

use abi::fcntl::*;
use abi::layout::{MAXVA, PAGE_SIZE as PG, STACK_GUARD, TRAMPOLINE, TRAPFRAME};
use abi::mman::*;
use abi::syscall::*;
use ulib::prelude::*;
use ulib::{fs, process, sys, vm};

ulib::entry!(main);

const WORKERS: usize = 4;
/// Ticks (100 ms) a round may take before the watchdog kills its workers,
/// plus one per 20 calls.
const ROUND_TICKS: i32 = 30;
/// Each worker's buffer: `BUF_PAGES` mapped pages, then an unmapped one.
const BUF: usize = 0x30_0000_0000;
const BUF_PAGES: usize = 4;
/// Each worker's playground for mmap/munmap/mprotect with MAP_FIXED.
const PLAY: usize = 0x31_0000_0000;
const PLAY_PAGES: usize = 64;
/// Where the workers work: one directory each under here.
const ROOT: &str = "/fuzzwork";
/// Names the workers use, relative to their directory (or ".." up).
const NAMES: &[&[u8]] = &[
    b"a\0",
    b"b\0",
    b"c\0",
    b"d\0",
    b"a/x\0",
    b"b/y\0",
    b"..\0",
    b".\0",
    b"\0",
    b"c/../a\0",
    b"dd/ee/ff\0",
    b"abcdefghijklmnopq\0",
    b"../w0\0",
    b"../w1\0",
    b"../w2\0",
    b"../w3\0",
];

/// Call kinds (bit k = kind k of `one_call`) the workers may make; the
/// optional fourth argument, in hex, narrows a failure down.
static mut MASK: u64 = u64::MAX;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn main(args: &[&str]) -> i32 {
    let num = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let (rounds, calls, seed) = (num(1, 4), num(2, 300) as usize, num(3, 1));
    let mask = args
        .get(4)
        .and_then(|a| u64::from_str_radix(a, 16).ok())
        .unwrap_or(u64::MAX);
    // SAFETY: set once before any worker is forked.
    unsafe { MASK = mask };
    let _ = fs::mkdir(ROOT);
    let mut baseline = 0;
    let mut failed = 0;
    for round in 0..=rounds {
        let pids = run_round(round, calls, seed);
        cleanup();
        let answers = sys::getpid() > 0 && sys::uptime() >= 0;
        let free = settled_free(baseline);
        if round == 0 {
            // Warm-up: whatever the kernel caches is cached now.
            baseline = free;
            continue;
        }
        if pids < WORKERS {
            failed += 1;
            println!(
                "FAIL fuzz/round{}: only {} of {} workers forked",
                round, pids, WORKERS
            );
        } else if !answers {
            failed += 1;
            println!("FAIL fuzz/round{}: the kernel does not answer", round);
        } else if free < baseline {
            failed += 1;
            println!(
                "FAIL fuzz/round{}: {} frames lost ({} free, {} after the warm-up; seed {})",
                round,
                baseline - free,
                free,
                baseline,
                seed
            );
        } else {
            println!("PASS fuzz/round{}", round);
        }
    }
    let _ = fs::unlink(ROOT);
    if failed == 0 {
        0
    } else {
        1
    }
}

/// Free frames, waiting a little for init to reap orphaned grandchildren
/// (a zombie keeps its trapframe page until it is reaped).
fn settled_free(want: u64) -> u64 {
    let mut free = 0;
    for _ in 0..20 {
        free = vm::vmstat().map(|v| v.free_frames).unwrap_or(0);
        if free >= want {
            break;
        }
        let _ = process::pause(1);
    }
    free
}

/// One round: the workers, and a watchdog that kills them if they hang.
/// Returns how many workers were forked.
fn run_round(round: u64, calls: usize, seed: u64) -> usize {
    let mut pids = [0i32; WORKERS];
    let mut n = 0;
    for (w, pid) in pids.iter_mut().enumerate() {
        let s = seed
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .wrapping_add(round * 1000 + w as u64 + 1);
        match process::spawn(|| worker(w, calls, s)) {
            Ok(p) => {
                *pid = p;
                n += 1;
            }
            Err(_) => break,
        }
    }
    let ticks = ROUND_TICKS + (calls / 20) as i32;
    let dog = process::spawn(|| {
        let _ = process::pause(ticks);
        for p in pids {
            if p > 0 {
                let _ = process::kill(p);
            }
        }
        0
    })
    .unwrap_or(0);
    // Reap the workers and the watchdog. wait can fail for a moment while
    // a worker holds every frame (our status word's page may need a
    // copy-on-write copy): try again a little later.
    let (mut left, mut killed, mut tries) = (n + (dog > 0) as usize, 0, 0);
    while left > 0 && tries < 1000 {
        let mut st = 0i32;
        // SAFETY: st is ours to write.
        let p = unsafe { sys::wait(&mut st) } as i32;
        if p < 0 {
            tries += 1;
            let _ = process::pause(1);
            continue;
        }
        if p == dog {
            left -= 1;
        } else if pids[..n].contains(&p) {
            left -= 1;
            killed += (st != 0) as usize;
            if left == 1 && dog > 0 {
                let _ = process::kill(dog);
            }
        }
    }
    println!("fuzz: round {}: {} of {} workers killed", round, killed, n);
    n
}

/// Remove everything under ROOT (the workers' directories and whatever
/// they made), and what a worker that climbed out with ".." made in "/".
fn cleanup() {
    remove_tree(ROOT, false);
    for name in ["a", "b", "c", "d", "dd"] {
        let p = format!("/{}", name);
        if let Ok(st) = fs::stat(&p) {
            if st.typ == abi::T_DIR {
                remove_tree(&p, true);
            } else if st.typ != abi::T_DEVICE || p != "/console" {
                let _ = fs::unlink(&p);
            }
        }
    }
}

fn remove_tree(dir: &str, itself: bool) {
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries {
            let name = e.name();
            if e.inum == 0 || name == b"." || name == b".." {
                continue;
            }
            let path = format!("{}/{}", dir, String::from_utf8_lossy(name));
            if fs::stat(&path).is_ok_and(|s| s.typ == abi::T_DIR) {
                remove_tree(&path, true);
            } else {
                let _ = fs::unlink(&path);
            }
        }
    }
    if itself {
        let _ = fs::unlink(dir);
    }
}

/// A worker: its own directory, no console, then `calls` random calls.
fn worker(w: usize, calls: usize, seed: u64) -> i32 {
    let dir = format!("{}/w{}", ROOT, w);
    let _ = fs::mkdir(&dir);
    if fs::chdir(&dir).is_err() {
        return 1;
    }
    for fd in 0..3 {
        let _ = fs::close(fd);
    }
    let buf = BUF + w * 0x10_0000;
    // SAFETY: a fixed mapping in the mmap region, used by nothing else.
    let m = unsafe {
        sys::mmap(
            buf,
            BUF_PAGES * PG,
            PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
            -1,
            0,
        )
    };
    if m != buf {
        return 2;
    }
    let play = PLAY + w * 0x100_0000;
    let mut r = Rng(seed | 1);
    for _ in 0..calls {
        fill_buffer(&mut r, buf);
        one_call(&mut r, buf, play);
    }
    0
}

/// Fill the buffer with names, garbage, and a string that runs into the
/// unmapped page after it.
fn fill_buffer(r: &mut Rng, buf: usize) {
    let end = buf + BUF_PAGES * PG;
    let name = NAMES[r.below(NAMES.len())];
    let at = buf + 64 * r.below(8);
    for (i, &c) in name.iter().enumerate() {
        // SAFETY: inside the worker's own buffer mapping.
        unsafe { core::ptr::write_volatile((at + i) as *mut u8, c) };
    }
    // An argv-like array of pointers at buf + 1024.
    for i in 0..8 {
        let p = if r.chance(80) {
            buf + 64 * r.below(8)
        } else {
            addr(r, buf)
        };
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile((buf + 1024 + 8 * i) as *mut usize, p) };
    }
    if r.chance(50) {
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile((buf + 1024 + 8 * r.below(8)) as *mut usize, 0) };
    }
    // The last 32 bytes hold no NUL: a string there runs off the mapping.
    for i in end - 32..end {
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile(i as *mut u8, b'z') };
    }
}

/// A fresh copy of one of the worker's own names (no ".."), for calls that
/// may write a file. Buffer garbage can spell any path (a directory read
/// into the buffer holds every name in it), and xv6 lets anyone truncate or
/// write a running program's file: a worker that opened `/fuzz` or `/init`
/// for writing would take the test down with it (it did: the parent's
/// later text pages came from the truncated file).
fn own_name(r: &mut Rng, buf: usize) -> usize {
    let names: [&[u8]; 6] = [b"a\0", b"b\0", b"c\0", b"d\0", b"a/x\0", b"dd/ee/ff\0"];
    let at = buf + 2560;
    for (i, &c) in names[r.below(names.len())].iter().enumerate() {
        // SAFETY: inside the worker's buffer.
        unsafe { core::ptr::write_volatile((at + i) as *mut u8, c) };
    }
    at
}

/// An adversarial user address.
fn addr(r: &mut Rng, buf: usize) -> usize {
    let end = buf + BUF_PAGES * PG;
    match r.below(14) {
        0..=3 => buf + 64 * r.below(8),
        4 => end - 1 - r.below(32),
        5 => end + r.below(PG),
        6 => 0,
        7 => 0x8000_0000 + r.below(0x40_0000),
        8 => [TRAPFRAME, TRAMPOLINE, MAXVA, MAXVA - 1][r.below(4)] + r.below(16),
        9 => usize::MAX - r.below(100),
        10 => main as *const () as usize + r.below(256),
        11 => (buf + r.below(BUF_PAGES * PG)) | 1,
        _ => r.next() as usize,
    }
}

/// An adversarial length or count.
fn len(r: &mut Rng) -> usize {
    match r.below(10) {
        0 => 0,
        1 => 1 + r.below(64),
        2 => r.below(3 * PG),
        3 => PG,
        4 => usize::MAX - r.below(100),
        5 => 1 << 31,
        6 => 0x7fff_ffff,
        7 => usize::MAX - PG + 2,
        8 => 1 << 63,
        _ => r.next() as usize,
    }
}

fn fd(r: &mut Rng) -> usize {
    match r.below(8) {
        0..=4 => r.below(20),
        5 => -1isize as usize,
        6 => 1 << 32 | 3,
        _ => r.next() as usize,
    }
}

/// An address for mmap/munmap/mprotect: the playground, or invalid.
fn vaddr(r: &mut Rng, play: usize) -> usize {
    match r.below(8) {
        0..=4 => play + PG * r.below(PLAY_PAGES),
        5 => (play + r.below(PLAY_PAGES * PG)) | 0x10,
        // Not 0: munmap(0, n) would unmap our own text and only kill us.
        6 => [0x8000_0000, MAXVA - PG, STACK_GUARD, usize::MAX & !(PG - 1)][r.below(4)],
        _ => (r.next() as usize) & !(PG - 1),
    }
}

/// Run short of memory on purpose: take all free frames but a few with
/// an eager sbrk (which stops at the frames the kernel keeps for faults,
/// the min watermark), try a call that needs frames (fork, pipe, exec, mmap and
/// touch), then give the memory back. A call that fails part way must give
/// back what it took.
fn squeeze(r: &mut Rng) {
    let Ok(v) = vm::vmstat() else { return };
    // Most of it in one go (leaving room for the page tables), then a page
    // at a time until none is left, then give back `keep` pages.
    let mut pages = (v.free_frames as usize * 500 / 512).min(i32::MAX as usize / PG / 2);
    // SAFETY: growing only; everything added is given back below, and this
    // worker allocates nothing on its heap in between.
    if unsafe { sys::sbrk((pages * PG) as isize, SBRK_EAGER) } == usize::MAX {
        return;
    }
    for _ in 0..4096 {
        // SAFETY: as above.
        if unsafe { sys::sbrk(PG as isize, SBRK_EAGER) } == usize::MAX {
            break;
        }
        pages += 1;
    }
    let keep = r.below(6).min(pages);
    // SAFETY: part of what was added above.
    unsafe { sys::sbrk(-((keep * PG) as isize), SBRK_EAGER) };
    pages -= keep;
    match r.below(4) {
        0 => {
            if sys::fork() == 0 {
                sys::exit(0);
            }
            // SAFETY: a null status pointer.
            unsafe { sys::wait(core::ptr::null_mut()) };
        }
        1 => {
            let mut fds = [0i32; 2];
            // SAFETY: fds has room for two.
            if unsafe { sys::pipe(fds.as_mut_ptr()) } == 0 {
                sys::close(fds[0]);
                sys::close(fds[1]);
            }
        }
        2 => {
            let argv: [*const u8; 2] = [c"nosuch".as_ptr(), core::ptr::null()];
            // SAFETY: valid strings; the program does not exist.
            unsafe { sys::exec(c"/README".as_ptr(), argv.as_ptr()) };
        }
        _ => {
            let p = PLAY + 0x80_0000;
            // SAFETY: a fresh area in the playground, unmapped below.
            let m = unsafe {
                sys::mmap(
                    p,
                    4 * PG,
                    PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                    -1,
                    0,
                )
            };
            if m == p {
                let st = process::spawn_wait(|| {
                    for k in 0..4 {
                        // SAFETY: the area just mapped.
                        unsafe { core::ptr::write_volatile((p + k * PG) as *mut u8, 1) };
                    }
                    0
                });
                let _ = st;
                // SAFETY: the area just mapped.
                unsafe { sys::munmap(p, 4 * PG) };
            }
        }
    }
    // SAFETY: exactly what was added above.
    unsafe { sys::sbrk(-((pages * PG) as isize), SBRK_EAGER) };
}

fn one_call(r: &mut Rng, buf: usize, play: usize) {
    let a = |r: &mut Rng| {
        if r.chance(75) {
            buf + 64 * r.below(8)
        } else {
            addr(r, buf)
        }
    };
    let kind = r.below(30);
    // SAFETY: written once in main before the workers were forked.
    if unsafe { MASK } & (1 << kind) == 0 {
        return;
    }
    let (num, args): (usize, [usize; 6]) = match kind {
        0 => (SYS_FORK, [0; 6]),
        1 => (
            SYS_WAIT,
            [if r.chance(50) { 0 } else { addr(r, buf) }, 0, 0, 0, 0, 0],
        ),
        2 => (SYS_PIPE, [addr(r, buf), 0, 0, 0, 0, 0]),
        3 => (SYS_READ, [fd(r), addr(r, buf), len(r), 0, 0, 0]),
        4 => {
            let kills = [-1isize as usize, 0, 100_000, i32::MAX as usize, 1 << 40];
            (SYS_KILL, [kills[r.below(kills.len())], 0, 0, 0, 0, 0])
        }
        5 => {
            // Never a real program: a missing one, a directory, a text file,
            // or a bad pointer; argv as bad as the fuzzer can make it.
            let paths: [&[u8]; 4] = [b"nosuch\0", b"/\0", b"/README\0", b".\0"];
            let p = paths[r.below(4)];
            let at = buf + 2048;
            for (i, &c) in p.iter().enumerate() {
                // SAFETY: inside the worker's buffer.
                unsafe { core::ptr::write_volatile((at + i) as *mut u8, c) };
            }
            let path = if r.chance(80) { at } else { addr(r, buf) };
            let argv = if r.chance(70) {
                buf + 1024
            } else {
                addr(r, buf)
            };
            (SYS_EXEC, [path, argv, 0, 0, 0, 0])
        }
        6 => (SYS_FSTAT, [fd(r), addr(r, buf), 0, 0, 0, 0]),
        7 => (SYS_CHDIR, [a(r), 0, 0, 0, 0, 0]),
        8 => (SYS_DUP, [fd(r), 0, 0, 0, 0, 0]),
        9 => (SYS_GETPID, [0; 6]),
        10 => {
            // Grow (any type), or shrink by more than the heap (a no-op):
            // shrinking into the allocator's memory would only kill us.
            let n = match r.below(4) {
                0 => r.below(8 * PG),
                1 => len(r),
                2 => -(1isize << 31) as usize,
                _ => 0x8000_0004,
            };
            (SYS_SBRK, [n, r.below(4), 0, 0, 0, 0])
        }
        11 => (SYS_PAUSE, [r.below(3), 0, 0, 0, 0, 0]),
        12 => (SYS_UPTIME, [0; 6]),
        13 | 14 => {
            let flags = [
                O_RDONLY,
                O_WRONLY,
                O_RDWR,
                O_CREATE | O_RDWR,
                O_CREATE | O_TRUNC | O_WRONLY,
                -1,
            ];
            let f = flags[r.below(flags.len())];
            // Any path may be opened to read; one that can write names only
            // the worker's own files (see `own_name`).
            let path = if f == O_RDONLY {
                a(r)
            } else {
                own_name(r, buf)
            };
            (SYS_OPEN, [path, f as usize, 0, 0, 0, 0])
        }
        15 => (SYS_WRITE, [fd(r), addr(r, buf), len(r), 0, 0, 0]),
        // Majors 2 and up only: a console device would be read and block.
        16 => (SYS_MKNOD, [a(r), 2 + r.below(20), r.below(4), 0, 0, 0]),
        17 => (SYS_UNLINK, [a(r), 0, 0, 0, 0, 0]),
        // The old name is the worker's own: a link to any file from a name
        // the worker may write through would let it write that file.
        18 => (SYS_LINK, [own_name(r, buf), a(r), 0, 0, 0, 0]),
        19 => (SYS_MKDIR, [a(r), 0, 0, 0, 0, 0]),
        20 => (SYS_CLOSE, [fd(r), 0, 0, 0, 0, 0]),
        21 | 22 => {
            let prot = r.below(8);
            let flags = [
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
                MAP_PRIVATE | MAP_FIXED,
                MAP_SHARED | MAP_FIXED,
                MAP_PRIVATE,
                MAP_SHARED,
                r.below(64),
            ];
            let f = flags[r.below(flags.len())];
            let l = if r.chance(70) {
                PG * (1 + r.below(8))
            } else {
                len(r)
            };
            let off = if r.chance(80) {
                PG * r.below(4)
            } else {
                r.next() as usize
            };
            // Without MAP_FIXED the kernel places it: unmap it again so the
            // worker's areas stay in the playground.
            (SYS_MMAP, [vaddr(r, play), l, prot, f, fd(r), off])
        }
        23 => {
            let l = if r.chance(70) {
                PG * (1 + r.below(8))
            } else {
                len(r)
            };
            (SYS_MUNMAP, [vaddr(r, play), l, 0, 0, 0, 0])
        }
        24 => {
            let l = if r.chance(70) {
                PG * (1 + r.below(8))
            } else {
                len(r)
            };
            (SYS_MPROTECT, [vaddr(r, play), l, r.below(9), 0, 0, 0])
        }
        25 => (SYS_VMSTAT, [addr(r, buf), 0, 0, 0, 0, 0]),
        26 => {
            let pids = [0, sys::getpid() as usize, 1, r.next() as usize];
            (
                SYS_PTDUMP,
                [pids[r.below(4)], addr(r, buf), len(r), 0, 0, 0],
            )
        }
        27 => (SYS_PROCS, [addr(r, buf), len(r), 0, 0, 0, 0]),
        // vmctl: only numbers that are no operation (the real ones switch
        // COW, hold frames, or change the replacement policy for everyone).
        28 if r.chance(90) => (
            SYS_VMCTL,
            [
                [0, 99, 1000, usize::MAX][r.below(4)],
                r.next() as usize,
                0,
                0,
                0,
                0,
            ],
        ),
        // Now and then a number that is no system call (the kernel says so
        // on the console).
        28 => (
            [0, 22, 26, 29, 39, 46, 1000, usize::MAX][r.below(8)],
            [0; 6],
        ),
        29 if r.chance(5) => {
            squeeze(r);
            (SYS_GETPID, [0; 6])
        }
        _ => {
            // Touch the playground so unmaps and forks have pages to move.
            let p = play + PG * r.below(PLAY_PAGES);
            if r.chance(50) {
                let _ = process::spawn_wait(|| 0);
            }
            (SYS_UPTIME, [p, 0, 0, 0, 0, 0])
        }
    };
    // SAFETY: this is the point: the kernel must cope with any arguments.
    // The worker's own memory is safe from them: buffer addresses only get
    // garbage written into the worker's scratch buffer, and mappings change
    // only in the playground or fail.
    let ret = unsafe { sys::syscall(num, args) };
    match num {
        SYS_FORK if ret == 0 => sys::exit(0),
        SYS_PIPE if ret == 0 => {
            // Keep one end only: holding both, a read of an empty pipe (or
            // a write to a full one) would wait for ourselves forever.
            // SAFETY: pipe succeeded, so it wrote two ints there.
            let fds = unsafe { core::ptr::read_volatile(args[0] as *const [i32; 2]) };
            sys::close(fds[r.below(2)]);
        }
        SYS_MMAP if ret != -1 && args[3] & MAP_FIXED == 0 => {
            // SAFETY: the area the kernel just placed for us.
            unsafe { sys::munmap(ret as usize, args[1]) };
        }
        _ => {}
    }
}
