//! cowtest: copy-on-write fork, in the spirit of MIT's cowtest.
//!
//! Memory sizes are fractions of the free frames `vmstat` reports, so the
//! suite means the same thing with any `--mem`. The kernel may also have
//! been booted with `cow=0` (eager-copy fork); then the tests that are about
//! copy-on-write check the eager behaviour instead (fork of more than half
//! of memory fails cleanly; writable pages are copied at fork rather than
//! marked COW, so writing them makes no COW faults).
//!
//! Tests that need a memory area take it from the break directly
//! (`sbrk`), never from the allocator, and don't allocate in between, so a
//! negative `sbrk` gives back exactly that area.
#![no_std]
#![no_main]

use abi::layout::PAGE_SIZE as PG;
use abi::vmstat::{fault, PtEntry, PTE_COW, PTE_R, PTE_U, PTE_V, PTE_W, VMCTL_COW};
use ulib::prelude::*;
use ulib::probe::*;
use ulib::test::{expect_killed, run_suite, Test};
use ulib::{ensure, ensure_eq, fs, process, sys, vm};

ulib::entry!(main);

const SUITE: &str = "cowtest";

fn main(args: &[&str]) -> i32 {
    let tests = [
        Test::forked("simple", simple),
        Test::forked("takeover", takeover),
        Test::forked("three", three),
        Test::forked("pipe", pipe_into_cow),
        Test::forked("filewrite", file_io),
        Test::forked("nested", nested),
        Test::forked("ptdump", ptdump_bits),
        Test::forked("counters", counters),
        Test::forked("leak", leak),
        Test::forked("eagerreadonly", eager_readonly),
        Test::forked("sharedtables", shared_tables),
    ];
    run_suite(SUITE, &tests, args.get(1..).unwrap_or(&[]))
}

// ---- helpers ----

fn cow_on() -> Result<bool, String> {
    Ok(stat()?.cow_enabled != 0)
}

/// Grows the break by `pages` pages, eagerly (`typ` 1) or lazily (2), in
/// steps that fit sbrk's int argument. Returns the old break.
fn grow(pages: usize, typ: usize) -> Result<usize, String> {
    const STEP: usize = 1 << 30;
    let mut left = pages * PG;
    let mut first = None;
    while left > 0 {
        let n = left.min(STEP);
        // SAFETY: growing the break takes nothing away from anyone.
        let old = unsafe { sys::sbrk(n as isize, typ) };
        if old == usize::MAX {
            return Err(format!(
                "sbrk({}, {}) failed after {} of {} pages",
                n,
                typ,
                (pages * PG - left) / PG,
                pages
            ));
        }
        first.get_or_insert(old);
        left -= n;
    }
    Ok(first.unwrap_or_else(process::brk))
}

/// Gives back the top `pages` pages of the break (taken by `grow` with no
/// allocation since).
fn shrink(pages: usize) -> Result<(), String> {
    const STEP: usize = 1 << 30;
    let mut left = pages * PG;
    while left > 0 {
        let n = left.min(STEP);
        // SAFETY: the caller took these pages with `grow` and nothing else
        // lives there.
        if unsafe { sys::sbrk(-(n as isize), 1) } == usize::MAX {
            return Err(format!("sbrk(-{}) failed", n));
        }
        left -= n;
    }
    Ok(())
}

fn stamp(pid: i32, i: usize) -> u64 {
    ((pid as u64) << 32) | i as u64
}

fn fork() -> Result<i32, String> {
    process::fork().map_err(|_| String::from("fork failed"))
}

fn wait_status(pid: i32) -> Result<i32, String> {
    process::wait_for(pid).map_err(|_| format!("wait for {} failed", pid))
}

/// This process's mappings in [start, end), sorted by address.
fn rows(pid: i32, start: usize, end: usize) -> Result<Vec<PtEntry>, String> {
    let mut v: Vec<PtEntry> = vm::ptdump(pid)
        .map_err(|e| format!("ptdump({}): {}", pid, e))?
        .into_iter()
        .filter(|e| (e.va as usize) >= start && (e.va as usize) < end)
        .collect();
    v.sort_by_key(|e| e.va);
    Ok(v)
}

fn read_byte(fd: i32) -> Result<u8, String> {
    let mut b = [0u8; 1];
    match fs::read(fd, &mut b) {
        Ok(1) => Ok(b[0]),
        _ => Err(String::from("pipe read failed")),
    }
}

fn write_byte(fd: i32, b: u8) -> Result<(), String> {
    match fs::write(fd, &[b]) {
        Ok(1) => Ok(()),
        _ => Err(String::from("pipe write failed")),
    }
}

/// Grow the heap eagerly by `npages` pages (plus one for alignment) and
/// stamp each with this process's pid and the page's index; returns the
/// first page.
fn stamped_heap(npages: usize) -> Result<usize, String> {
    let base = page_up(grow(npages + 1, 1)?);
    let me = process::getpid();
    for i in 0..npages {
        wr64(base + i * PG, stamp(me, i));
    }
    Ok(base)
}

// ---- tests ----

/// MIT's simpletest: more than half of free memory, allocated eagerly and
/// written, then two forks in sequence. Eager copying could not fork; with
/// copy-on-write each child sees the parent's data, and its writes (to a
/// sample of pages: writing all would need the whole copy) are its own.
fn simple() -> Result<(), String> {
    let free = stat()?.free_frames as usize;
    let npages = free * 55 / 100;
    let base = stamped_heap(npages)?;
    let me = process::getpid();
    let cow = cow_on()?;
    for round in 0..2 {
        let before = stat()?.free_frames;
        let pid = match process::fork() {
            Ok(0) => {
                let child = process::getpid();
                for i in 0..npages {
                    if rd64(base + i * PG) != stamp(me, i) {
                        process::exit(2);
                    }
                }
                for i in (0..npages).step_by(32) {
                    wr64(base + i * PG, stamp(child, i));
                }
                for i in 0..npages {
                    let want = if i % 32 == 0 {
                        stamp(child, i)
                    } else {
                        stamp(me, i)
                    };
                    if rd64(base + i * PG) != want {
                        process::exit(3);
                    }
                }
                process::exit(0);
            }
            Ok(pid) => pid,
            Err(_) if !cow => {
                // Eager copying of more than half of memory must fail, and
                // give back what it took on the way.
                let after = stat()?.free_frames;
                ensure!(
                    after + 2 >= before,
                    "round {}: failed eager fork kept {} frames",
                    round,
                    before.saturating_sub(after)
                );
                continue;
            }
            Err(_) => return Err(format!("round {}: fork of {} pages failed", round, npages)),
        };
        ensure!(
            cow,
            "fork of {} pages (of {} free) succeeded with eager copying",
            npages,
            free
        );
        let st = wait_status(pid)?;
        ensure_eq!(
            st,
            0,
            "round {} child status (2: saw wrong data, 3: lost a write)",
            round
        );
        for i in 0..npages {
            ensure_eq!(
                rd64(base + i * PG),
                stamp(me, i),
                "parent page {} after child",
                i
            );
        }
    }
    shrink(npages + 1)
}

/// The parent gives its memory back right after fork; then the child is
/// the last owner of every page and writes all of them without copying
/// (COW_TAKEOVER), which a copy would not have room for.
fn takeover() -> Result<(), String> {
    let free = stat()?.free_frames as usize;
    let npages = free * 40 / 100;
    let base = stamped_heap(npages)?;
    let me = process::getpid();
    let cow = cow_on()?;
    let [r, w] = fs::pipe().map_err(|_| String::from("pipe failed"))?;
    let v0 = stat()?;
    let pid = fork()?;
    if pid == 0 {
        if read_byte(r).is_err() {
            process::exit(4);
        }
        let child = process::getpid();
        for i in 0..npages {
            if rd64(base + i * PG) != stamp(me, i) {
                process::exit(2);
            }
            wr64(base + i * PG, stamp(child, i));
        }
        for i in 0..npages {
            if rd64(base + i * PG) != stamp(child, i) {
                process::exit(3);
            }
        }
        process::exit(0);
    }
    shrink(npages + 1)?;
    write_byte(w, 1)?;
    let st = wait_status(pid)?;
    let v1 = stat()?;
    let _ = fs::close(r);
    let _ = fs::close(w);
    ensure_eq!(
        st,
        0,
        "child status (2: wrong data, 3: lost write, 4: pipe)"
    );
    let take = delta(&v0, &v1, fault::COW_TAKEOVER);
    let copy = delta(&v0, &v1, fault::COW_COPY);
    if cow {
        ensure!(
            take >= npages as u64,
            "COW_TAKEOVER grew by {}, want >= {} (pages the child wrote)",
            take,
            npages
        );
        ensure!(
            copy < 64,
            "COW_COPY grew by {}: the child copied pages it was last owner of",
            copy
        );
    } else {
        ensure!(
            take == 0 && copy == 0,
            "eager fork, yet COW faults: {} takeovers, {} copies",
            take,
            copy
        );
    }
    Ok(())
}

/// MIT's threetest: three processes share an area, each writes (parts of)
/// it concurrently, and each sees only its own writes.
fn three() -> Result<(), String> {
    let free = stat()?.free_frames as usize;
    let npages = (free / 4).min((32 << 20) / PG);
    let base = page_up(grow(npages + 1, 1)?);
    let p = |i: usize| base + i * PG;
    let pid1 = fork()?;
    if pid1 == 0 {
        let pid2 = match process::fork() {
            Ok(pid) => pid,
            Err(_) => process::exit(10),
        };
        if pid2 == 0 {
            let me = process::getpid();
            let n = npages / 5 * 4;
            for i in 0..n {
                wr64(p(i), stamp(me, i));
            }
            for i in 0..n {
                if rd64(p(i)) != stamp(me, i) {
                    process::exit(11);
                }
            }
            for i in n..npages {
                if rd64(p(i)) != 0 {
                    process::exit(12);
                }
            }
            process::exit(0);
        }
        for i in 0..npages / 2 {
            wr64(p(i), 9999);
        }
        let st = process::wait_for(pid2).unwrap_or(13);
        for i in 0..npages / 2 {
            if rd64(p(i)) != 9999 {
                process::exit(14);
            }
        }
        process::exit(st);
    }
    let me = process::getpid();
    for i in 0..npages {
        wr64(p(i), stamp(me, i));
    }
    let st = wait_status(pid1)?;
    ensure_eq!(
        st,
        0,
        "children's status (10 fork, 11/12 grandchild data, 14 child data)"
    );
    for i in 0..npages {
        ensure_eq!(rd64(p(i)), stamp(me, i), "parent page {}", i);
    }
    shrink(npages + 1)
}

/// Two pages of .bss; pipe reads land in them after fork.
#[repr(C, align(4096))]
struct TwoPages([u8; 2 * PG]);
static mut PIPEBUF: TwoPages = TwoPages([0; 2 * PG]);

/// MIT's filetest: a child's read() from a pipe into a copy-on-write page
/// (here straddling two) makes the kernel copy it first; the parent's
/// bytes stay as they were.
fn pipe_into_cow() -> Result<(), String> {
    let buf = core::ptr::addr_of_mut!(PIPEBUF) as usize;
    let at = buf + PG - 2; // the 4 bytes straddle the two pages
    for k in 0..2 * PG {
        // SAFETY: inside PIPEBUF, which only this function touches.
        unsafe { core::ptr::write_volatile((buf + k) as *mut u8, 99) };
    }
    let v0 = stat()?;
    let mut kids = Vec::new();
    for i in 0..4u32 {
        let [r, w] = fs::pipe().map_err(|_| String::from("pipe failed"))?;
        let pid = fork()?;
        if pid == 0 {
            let _ = fs::close(w);
            let _ = process::pause(1);
            // SAFETY: 4 bytes inside PIPEBUF.
            let n = unsafe { sys::read(r, at as *mut u8, 4) };
            if n != 4 {
                process::exit(1);
            }
            let _ = process::pause(1);
            // SAFETY: as above.
            let got = unsafe { core::ptr::read_unaligned(at as *const u32) };
            process::exit(if got == i { 0 } else { 2 });
        }
        kids.push(pid);
        let _ = fs::close(r);
        let n = fs::write(w, &i.to_le_bytes()).unwrap_or(0);
        let _ = fs::close(w);
        ensure_eq!(n, 4, "pipe write {}", i);
    }
    // Any order: wait_for(pid) would reap a sibling that exits first.
    for _ in 0..kids.len() {
        let (pid, st) = process::wait().map_err(|_| String::from("wait failed"))?;
        ensure!(kids.contains(&pid), "wait returned a stranger, pid {}", pid);
        ensure_eq!(
            st,
            0,
            "child {} status (1: read failed, 2: wrong value)",
            pid
        );
    }
    for k in 0..2 * PG {
        // SAFETY: inside PIPEBUF.
        let b = unsafe { core::ptr::read_volatile((buf + k) as *const u8) };
        ensure_eq!(b, 99, "parent's byte {} after the children's reads", k);
    }
    if cow_on()? {
        let copies = stat()?.faults[fault::COW_COPY] - v0.faults[fault::COW_COPY];
        ensure!(
            copies >= 8,
            "COW_COPY grew by only {} for 4 children",
            copies
        );
    }
    Ok(())
}

fn pattern(seed: u8, k: usize) -> u8 {
    (k as u8).wrapping_mul(31).wrapping_add(seed) ^ (k >> 8) as u8
}

/// write() from a copy-on-write buffer (the kernel only reads it) and
/// read() into one (the kernel must copy first).
fn file_io() -> Result<(), String> {
    const N: usize = 3 * PG;
    let base = page_up(grow(4, 2)?);
    for k in 0..N {
        // SAFETY: inside the area just grown.
        unsafe { core::ptr::write_volatile((base + k) as *mut u8, pattern(1, k)) };
    }
    let me = process::getpid();
    let f1 = format!("cowf1.{}", me);
    let f2 = format!("cowf2.{}", me);
    let pid = fork()?;
    if pid == 0 {
        let code = (|| -> i32 {
            // SAFETY: N bytes of our area.
            let area = unsafe { core::slice::from_raw_parts_mut(base as *mut u8, N) };
            if fs::write_file(&f1, area).is_err() {
                return 1;
            }
            match fs::read_file(&f1) {
                Ok(v) if v.len() == N && v.iter().enumerate().all(|(k, &b)| b == pattern(1, k)) => {
                }
                _ => return 2,
            }
            let other: Vec<u8> = (0..N).map(|k| pattern(7, k)).collect();
            if fs::write_file(&f2, &other).is_err() {
                return 3;
            }
            let Ok(fd) = fs::open(&f2, fs::O_RDONLY) else {
                return 4;
            };
            let got = fs::read_full(fd, area);
            let _ = fs::close(fd);
            if got != Ok(N) || area[..] != other[..] {
                return 5;
            }
            0
        })();
        process::exit(code);
    }
    let st = wait_status(pid)?;
    let r1 = fs::read_file(&f1);
    let _ = fs::unlink(&f1);
    let _ = fs::unlink(&f2);
    ensure_eq!(
        st,
        0,
        "child status (1/2: write from COW buffer, 3/4/5: read into COW buffer)"
    );
    for k in 0..N {
        // SAFETY: inside our area.
        let b = unsafe { core::ptr::read_volatile((base + k) as *const u8) };
        ensure_eq!(
            b,
            pattern(1, k),
            "parent's byte {} after the child's read",
            k
        );
    }
    let r1 = r1.map_err(|e| format!("reading {}: {}", f1, e))?;
    ensure!(
        r1.len() == N && r1.iter().enumerate().all(|(k, &b)| b == pattern(1, k)),
        "file written from the COW buffer has the wrong contents"
    );
    Ok(())
}

const NEST_PAGES: usize = 48;
const NEST_DEPTH: u32 = 3;
const NEST_FAN: usize = 3;

/// One node of the fork tree: writes its own stamp everywhere, forks its
/// children, rewrites and checks while they run, then checks again.
/// Returns 0 or a failure code.
fn nest_node(base: usize, level: u32) -> i32 {
    let me = process::getpid();
    let s = |i: usize, gen: u64| stamp(me, i) ^ ((level as u64) << 24) ^ (gen << 20);
    for i in 0..NEST_PAGES {
        wr64(base + i * PG + (level as usize) * 8, s(i, 0));
    }
    let mut kids = [0i32; NEST_FAN];
    if level < NEST_DEPTH {
        for k in kids.iter_mut() {
            match process::fork() {
                Ok(0) => process::exit(nest_node(base, level + 1)),
                Ok(pid) => *k = pid,
                Err(_) => return 20,
            }
        }
    }
    for gen in 1..4 {
        for i in 0..NEST_PAGES {
            let a = base + i * PG + (level as usize) * 8;
            if rd64(a) != s(i, gen - 1) {
                return 21;
            }
            wr64(a, s(i, gen));
        }
    }
    let mut code = 0;
    // wait_for would reap a sibling that exits first and lose its status.
    for _ in kids.iter().filter(|&&k| k != 0) {
        match process::wait() {
            Ok((_, 0)) => {}
            Ok((_, st)) => code = st,
            Err(_) => code = 22,
        }
    }
    for i in 0..NEST_PAGES {
        if rd64(base + i * PG + (level as usize) * 8) != s(i, 3) {
            return 23;
        }
    }
    code
}

/// Several levels of forks writing the same pages at once on all harts.
fn nested() -> Result<(), String> {
    let base = page_up(grow(NEST_PAGES + 1, 2)?);
    for round in 0..3 {
        let st = nest_node(base, 0);
        ensure_eq!(
            st,
            0,
            "round {} (20 fork, 21/23 a process saw a write not its own, 22 wait)",
            round
        );
    }
    Ok(())
}

/// After fork the parent's written heap pages are read-only + COW (same
/// frame as the child's); a write gives a private writable page again.
fn ptdump_bits() -> Result<(), String> {
    const N: usize = 8;
    let base = page_up(grow(N + 1, 2)?);
    let end = base + N * PG;
    for i in 0..N {
        wr64(base + i * PG, i as u64 + 1);
    }
    let before = rows(0, base, end)?;
    ensure_eq!(before.len(), N, "mapped pages after writing");
    for e in &before {
        ensure!(
            e.flags & (PTE_V | PTE_R | PTE_W | PTE_U) == PTE_V | PTE_R | PTE_W | PTE_U
                && e.flags & PTE_COW == 0,
            "written page {:#x}: flags {:#x}",
            e.va,
            e.flags
        );
    }
    let cow = cow_on()?;
    let [r, w] = fs::pipe().map_err(|_| String::from("pipe failed"))?;
    let pid = fork()?;
    if pid == 0 {
        let _ = read_byte(r);
        process::exit(0);
    }
    let result = (|| -> Result<(), String> {
        let parent = rows(0, base, end)?;
        let child = rows(pid, base, end)?;
        ensure_eq!(parent.len(), N, "parent's pages after fork");
        ensure_eq!(child.len(), N, "child's pages after fork");
        for i in 0..N {
            let (p, c) = (&parent[i], &child[i]);
            if cow {
                ensure!(
                    p.flags & PTE_COW != 0 && p.flags & PTE_W == 0,
                    "parent page {:#x} after fork: flags {:#x}, want COW and no W",
                    p.va,
                    p.flags
                );
                ensure!(
                    c.flags & PTE_COW != 0 && c.flags & PTE_W == 0,
                    "child page {:#x}: flags {:#x}, want COW and no W",
                    c.va,
                    c.flags
                );
                ensure!(
                    p.pa == before[i].pa && c.pa == p.pa,
                    "page {:#x}: pa before {:#x}, parent {:#x}, child {:#x}: want one shared frame",
                    p.va,
                    before[i].pa,
                    p.pa,
                    c.pa
                );
            } else {
                ensure!(
                    p.flags & PTE_COW == 0 && c.flags & PTE_COW == 0,
                    "eager fork left COW bits: parent {:#x}, child {:#x}",
                    p.flags,
                    c.flags
                );
                ensure!(
                    c.flags & PTE_W != 0 && c.pa != p.pa,
                    "eager fork: child page {:#x} flags {:#x}, pa {:#x} (parent's {:#x})",
                    c.va,
                    c.flags,
                    c.pa,
                    p.pa
                );
            }
        }
        // Write page 0 while the child still shares it: a copy.
        let _ = stat()?;
        let v0 = stat()?;
        wr64(base, 100);
        let v1 = stat()?;
        let copies = delta(&v0, &v1, fault::COW_COPY);
        let p0 = rows(0, base, base + PG)?;
        ensure_eq!(p0.len(), 1, "page 0 mapped after write");
        ensure!(
            p0[0].flags & PTE_W != 0 && p0[0].flags & PTE_COW == 0,
            "page 0 after write: flags {:#x}, want W and no COW",
            p0[0].flags
        );
        if cow {
            ensure!(
                (1..=3).contains(&copies),
                "COW_COPY grew by {} for one write",
                copies
            );
            ensure!(
                p0[0].pa != before[0].pa,
                "page 0 still on the shared frame {:#x} after write",
                p0[0].pa
            );
            let c0 = rows(pid, base, base + PG)?;
            ensure!(
                c0.len() == 1 && c0[0].pa == before[0].pa && c0[0].flags & PTE_COW != 0,
                "child's page 0 changed by the parent's write: {:?}",
                c0
            );
        }
        Ok(())
    })();
    let _ = write_byte(w, 1);
    let st = wait_status(pid)?;
    let _ = fs::close(r);
    let _ = fs::close(w);
    result?;
    ensure_eq!(st, 0, "child status");
    // The child is gone: page 1's frame has one owner left; a write takes it over.
    let v0 = stat()?;
    wr64(base + PG, 200);
    let v1 = stat()?;
    let p1 = rows(0, base + PG, base + 2 * PG)?;
    ensure_eq!(p1.len(), 1, "page 1 mapped");
    ensure!(
        p1[0].flags & PTE_W != 0 && p1[0].flags & PTE_COW == 0,
        "page 1 after write: flags {:#x}",
        p1[0].flags
    );
    if cow {
        let take = delta(&v0, &v1, fault::COW_TAKEOVER);
        ensure!(
            take >= 1,
            "COW_TAKEOVER did not grow for the last owner's write"
        );
        ensure_eq!(p1[0].pa, before[1].pa, "page 1 frame after takeover");
    }
    for i in 2..N {
        ensure_eq!(rd64(base + i * PG), i as u64 + 1, "page {} contents", i);
    }
    Ok(())
}

/// A child writing N shared pages makes N copies; after it exits, the
/// parent's writes to the same pages take them over.
fn counters() -> Result<(), String> {
    const N: usize = 64;
    let base = page_up(grow(N + 1, 2)?);
    for i in 0..N {
        wr64(base + i * PG, i as u64);
    }
    let cow = cow_on()?;
    let [r, w] = fs::pipe().map_err(|_| String::from("pipe failed"))?;
    let pid = fork()?;
    if pid == 0 {
        let _ = stat();
        let Ok(v0) = stat() else { process::exit(9) };
        for i in 0..N {
            wr64(base + i * PG, 1000 + i as u64);
        }
        let Ok(v1) = stat() else { process::exit(9) };
        let copies = delta(&v0, &v1, fault::COW_COPY);
        let _ = fs::write(w, &copies.to_le_bytes());
        process::exit(0);
    }
    let mut b = [0u8; 8];
    let got = fs::read_full(r, &mut b);
    let st = wait_status(pid)?;
    let _ = fs::close(r);
    let _ = fs::close(w);
    ensure_eq!(st, 0, "child status");
    ensure!(got == Ok(8), "no report from the child");
    let copies = u64::from_le_bytes(b);
    one_per_write(cow, copies, N, "child's", "COW_COPY")?;
    let v0 = stat()?;
    for i in 0..N {
        ensure_eq!(rd64(base + i * PG), i as u64, "parent page {}", i);
        wr64(base + i * PG, 2000 + i as u64);
    }
    let v1 = stat()?;
    let take = delta(&v0, &v1, fault::COW_TAKEOVER);
    one_per_write(cow, take, N, "parent's (last owner)", "COW_TAKEOVER")
}

/// Checks that fault counter `counter` grew by `got` over `who`'s `n`
/// writes to shared pages: by one a write with copy-on-write (and at most
/// 4 more, for the test's own stack and data), not at all with eager fork.
fn one_per_write(cow: bool, got: u64, n: usize, who: &str, counter: &str) -> Result<(), String> {
    if cow {
        ensure!(
            (n as u64..=n as u64 + 4).contains(&got),
            "{} {} writes: {} grew by {}",
            who,
            n,
            counter,
            got
        );
    } else {
        ensure_eq!(got, 0, "{} with eager fork", counter);
    }
    Ok(())
}

/// One round of everything that shares frames: a child writing shared
/// pages, pipe reads into COW pages, a small fork tree. Returns 0 or a
/// failure code.
fn leak_round(base: usize, n: usize) -> i32 {
    for i in 0..n {
        wr64(base + i * PG, i as u64);
    }
    // A child that writes half the pages and reads the rest.
    match process::fork() {
        Ok(0) => {
            for i in 0..n / 2 {
                wr64(base + i * PG, 7);
            }
            let mut sum = 0;
            for i in n / 2..n {
                sum += rd64(base + i * PG);
            }
            process::exit(if sum == (n / 2..n).map(|i| i as u64).sum() {
                0
            } else {
                1
            });
        }
        Ok(pid) => match process::wait_for(pid) {
            Ok(0) => {}
            _ => return 1,
        },
        Err(_) => return 2,
    }
    // A pipe read into a COW page.
    let Ok([r, w]) = fs::pipe() else { return 3 };
    match process::fork() {
        Ok(0) => {
            // SAFETY: 8 bytes at the start of our area.
            let n = unsafe { sys::read(r, base as *mut u8, 8) };
            process::exit(if n == 8 && rd64(base) == 0x1234 { 0 } else { 4 });
        }
        Ok(pid) => {
            let _ = fs::write(w, &0x1234u64.to_le_bytes());
            let st = process::wait_for(pid);
            let _ = fs::close(r);
            let _ = fs::close(w);
            if st != Ok(0) {
                return 4;
            }
        }
        Err(_) => return 2,
    }
    if rd64(base) != 0 {
        return 5;
    }
    // Three levels of children, each writing.
    match process::fork() {
        Ok(0) => {
            let code = match process::fork() {
                Ok(0) => {
                    for i in 0..n {
                        wr64(base + i * PG, 3);
                    }
                    process::exit(0);
                }
                Ok(pid) => {
                    for i in 0..n {
                        wr64(base + i * PG, 2);
                    }
                    process::wait_for(pid).unwrap_or(6)
                }
                Err(_) => 2,
            };
            process::exit(code);
        }
        Ok(pid) => match process::wait_for(pid) {
            Ok(0) => 0,
            _ => 6,
        },
        Err(_) => 2,
    }
}

/// Frames come back: after a warm-up round, another round leaves exactly
/// as many free frames as there were before it.
fn leak() -> Result<(), String> {
    const N: usize = 32;
    let base = page_up(grow(N + 1, 2)?);
    let st = leak_round(base, N);
    ensure_eq!(st, 0, "warm-up round");
    let _ = stat()?;
    let before = stat()?.free_frames;
    let st = leak_round(base, N);
    let after = stat()?.free_frames;
    ensure_eq!(
        st,
        0,
        "round (1 child data, 2 fork, 3 pipe, 4 pipe read, 5 parent data, 6 tree)"
    );
    ensure!(
        after == before,
        "free frames {} before the round, {} after ({} lost)",
        before,
        after,
        before as i64 - after as i64
    );
    Ok(())
}

/// vmctl switches fork's strategy (and says what it was); with eager
/// copying, pages the process may not write stay unwritable in every
/// generation of children, including pages an earlier fork marked COW.
fn eager_readonly() -> Result<(), String> {
    let was = sys::vmctl(VMCTL_COW, 0);
    ensure!(was == 0 || was == 1, "vmctl(VMCTL_COW, 0) returned {}", was);
    let r = (|| {
        ensure_eq!(
            stat()?.cow_enabled,
            0,
            "vmstat's cow_enabled after vmctl(VMCTL_COW, 0)"
        );
        ensure_eq!(
            sys::vmctl(VMCTL_COW, 0),
            0,
            "vmctl's answer: the old setting"
        );
        let a = ulib::mem::mmap_anon(PG, ulib::mem::PROT_READ)
            .map_err(|_| String::from("mmap failed"))?;
        ensure_eq!(rd64(a), 0, "read-only page");
        let text = eager_readonly as *const () as usize & !7;
        for round in 0..3 {
            expect_killed(
                &format!("fork {}: store to a PROT_READ page", round),
                || wr64(a, 1),
            )?;
            expect_killed(&format!("fork {}: store to program text", round), || {
                wr64(text, 0)
            })?;
        }
        Ok(())
    })();
    sys::vmctl(VMCTL_COW, was.max(0) as usize);
    r?;
    ensure_eq!(
        stat()?.cow_enabled,
        was as u64,
        "cow_enabled after restoring"
    );
    Ok(())
}

/// Copy-on-write fork shares page-table pages (`mm/pagetable.rs`): what
/// one side changes in a shared 2 MiB region (unmapping part of it,
/// mprotect, new pages), the other must not see. A child shrinks the heap
/// and protects part of it while the parent, at the same time, writes
/// there and reads the pages the child dropped; each sees only its own
/// changes.
fn shared_tables() -> Result<(), String> {
    const N: usize = 1024; // 4 MiB: at least two shared tables
    let base = page_up(grow(N + 1, 2)?);
    for i in 0..N {
        wr64(base + i * PG, stamp(0, i));
    }
    let [child_rd, parent_wr] = fs::pipe().map_err(|_| String::from("pipe failed"))?;
    let [parent_rd, child_wr] = fs::pipe().map_err(|_| String::from("pipe failed"))?;
    let pid = fork()?;
    if pid == 0 {
        // Drop the top half (munmap inside shared tables), make a page of
        // the lower half read-only, write another, then let the parent go.
        let code = (|| {
            // SAFETY: the top half of the area is ours to give back.
            if unsafe { sys::sbrk(-((N / 2 * PG) as isize), 1) } == usize::MAX {
                return 1;
            }
            // SAFETY: a page of our own heap.
            if unsafe { sys::mprotect(base + PG, PG, 1) } != 0 {
                return 2;
            }
            wr64(base, 77);
            if write_byte(child_wr, b'x').is_err() || read_byte(child_rd).is_err() {
                return 3;
            }
            // The parent's writes since are not ours.
            if rd64(base + PG) != stamp(0, 1) || rd64(base + 2 * PG) != stamp(0, 2) {
                return 4;
            }
            if (3..N / 2).any(|i| rd64(base + i * PG) != stamp(0, i)) {
                return 5;
            }
            0
        })();
        process::exit(code);
    }
    read_byte(parent_rd)?;
    // The child's unmap, mprotect and write are not ours.
    wr64(base + PG, 11);
    wr64(base + 2 * PG, 12);
    ensure_eq!(
        rd64(base),
        stamp(0, 0),
        "page 0 after the child wrote its copy"
    );
    for i in N / 2..N {
        ensure_eq!(
            rd64(base + i * PG),
            stamp(0, i),
            "page {} the child unmapped",
            i
        );
    }
    write_byte(parent_wr, b'y')?;
    ensure_eq!(
        wait_status(pid)?,
        0,
        "child (1 shrink, 2 mprotect, 3 pipe, 4/5 data)"
    );
    for (r, w) in [(child_rd, parent_wr), (parent_rd, child_wr)] {
        let _ = fs::close(r);
        let _ = fs::close(w);
    }
    ensure_eq!(rd64(base + PG), 11, "page 1 after the child exited");
    shrink(N + 1)
}
