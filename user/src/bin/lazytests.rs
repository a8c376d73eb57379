//! lazytests: lazy sbrk. `sbrk(n, 2)` only moves the break; a page costs
//! a frame when first written (reads map the shared zero frame); eager
//! `sbrk(n, 1)` is all-or-nothing; shrinking frees at once; the heap ends
//! at MMAP_BASE; the kernel's own copies fault lazy pages in.
//!
//! Areas come from the break directly, never from the allocator; the
//! allocator is given a free block at start so that formatting a message
//! never has to grow the break in the middle of a test.
#![no_std]
#![no_main]

use abi::layout::{MMAP_BASE, PAGE_SIZE as PG};
use abi::syscall::{SBRK_EAGER, SBRK_LAZY};
use abi::vmstat::fault;
use ulib::prelude::*;
use ulib::probe::*;
use ulib::test::{child_status, expect_killed, run_suite, Test};
use ulib::{ensure, ensure_eq, fs, mem, process, sys, vm};

ulib::entry!(main);

const SUITE: &str = "lazy";
const MIB: usize = 1 << 20;
const GIB: usize = 1 << 30;

fn main(args: &[&str]) -> i32 {
    // Seed the allocator with a free block (see the module comment).
    drop(Vec::<u8>::with_capacity(256 * 1024));
    let tests = [
        Test::forked("sbrk1g", sbrk1g),
        Test::forked("unmap", unmap),
        Test::forked("readzero", readzero),
        Test::forked("eagerfail", eagerfail),
        Test::forked("lazyoom", lazyoom),
        Test::forked("pastmmap", pastmmap),
        Test::forked("readfile", readfile),
        Test::forked("piperead", piperead),
        Test::forked("pipezero", pipezero),
        Test::forked("filezero", filezero),
        Test::forked("badaddr", badaddr),
    ];
    run_suite(SUITE, &tests, args.get(1..).unwrap_or(&[]))
}

// ---- helpers ----

/// One raw sbrk call; `None` when the kernel says -1.
fn sbrk(n: isize, typ: usize) -> Option<usize> {
    // SAFETY: the tests only shrink areas they grew themselves.
    let r = unsafe { sys::sbrk(n, typ) };
    (r != usize::MAX).then_some(r)
}

/// Grows the break by `bytes` in steps that fit sbrk's int argument;
/// returns the old break.
fn grow(bytes: usize, typ: usize) -> Result<usize, String> {
    let start = process::brk();
    let mut left = bytes;
    while left > 0 {
        let n = left.min(GIB);
        sbrk(n as isize, typ).ok_or_else(|| {
            format!(
                "sbrk({:#x}, {}) failed after growing {:#x} of {:#x}",
                n,
                typ,
                bytes - left,
                bytes
            )
        })?;
        left -= n;
    }
    Ok(start)
}

/// A warm-up child, so the parent's own stack and tables are in place
/// before a frame count that must come out exact.
fn warm_up() -> Result<(), String> {
    let st = child_status(|| 0)?;
    ensure_eq!(st, 0, "warm-up child");
    let _ = stat()?;
    Ok(())
}

// ---- tests ----

/// 1 GiB of lazy heap costs nothing until touched; one touched page costs
/// one frame plus page-table frames.
fn sbrk1g() -> Result<(), String> {
    let v0 = stat()?;
    let old = grow(GIB, SBRK_LAZY)?;
    let v1 = stat()?;
    ensure_eq!(process::brk(), old + GIB, "break after sbrk(1 GiB)");
    ensure!(
        v0.free_frames - v1.free_frames <= 1,
        "lazy sbrk of 1 GiB took {} frames before any touch",
        v0.free_frames - v1.free_frames
    );
    let a = page_up(old) + GIB / 2;
    wr64(a, 0x5a5a);
    let v2 = stat()?;
    ensure_eq!(rd64(a), 0x5a5a, "touched word");
    let used = v0.free_frames - v2.free_frames;
    ensure!(
        (1..=4).contains(&used),
        "1 GiB lazy sbrk + one touch used {} frames, want 1..=4",
        used
    );
    ensure!(
        delta(&v1, &v2, fault::ZERO_FILLED) >= 1,
        "ZERO_FILLED did not grow for the first write"
    );
    Ok(())
}

/// Touched pages go back to the free list as soon as the break shrinks,
/// and the address is then unmapped.
fn unmap() -> Result<(), String> {
    const N: usize = 64;
    let v0 = stat()?;
    let old = grow((N + 1) * PG, SBRK_LAZY)?;
    let base = page_up(old);
    for i in 0..N {
        wr64(base + i * PG, i as u64);
    }
    let v1 = stat()?;
    let used = v0.free_frames - v1.free_frames;
    ensure!(
        used >= N as u64,
        "{} pages written, only {} frames used",
        N,
        used
    );
    sbrk(-(((N + 1) * PG) as isize), SBRK_EAGER).ok_or("negative sbrk failed")?;
    let v2 = stat()?;
    ensure_eq!(process::brk(), old, "break after shrinking");
    ensure!(
        v2.free_frames >= v1.free_frames + N as u64,
        "shrinking returned {} frames, want >= {}",
        v2.free_frames as i64 - v1.free_frames as i64,
        N
    );
    ensure!(
        v2.free_frames + 3 >= v0.free_frames,
        "after grow+touch+shrink {} frames are still gone",
        v0.free_frames - v2.free_frames
    );
    expect_killed("read of a page given back by sbrk", || {
        rd64(base + PG);
    })
}

/// Reading 100 MiB of untouched heap maps the zero frame everywhere and
/// costs page-table frames only.
fn readzero() -> Result<(), String> {
    const BYTES: usize = 100 * MIB;
    let pages = BYTES / PG;
    let old = grow(BYTES + PG, SBRK_LAZY)?;
    let base = page_up(old);
    let v0 = stat()?;
    let mut sum = 0u64;
    for i in 0..pages {
        sum |= rd64(base + i * PG) | rd64(base + i * PG + PG - 8);
    }
    let v1 = stat()?;
    ensure_eq!(sum, 0, "OR of the words read from untouched heap");
    let zm = delta(&v0, &v1, fault::ZERO_MAPPED);
    ensure!(
        zm >= pages as u64,
        "ZERO_MAPPED grew by {}, want >= {}",
        zm,
        pages
    );
    let used = v0.free_frames as i64 - v1.free_frames as i64;
    ensure!(
        used < 100,
        "reading {} untouched pages used {} frames (page tables need ~50)",
        pages,
        used
    );
    ensure!(
        delta(&v0, &v1, fault::ZERO_FILLED) < 4,
        "reads made private frames: ZERO_FILLED +{}",
        delta(&v0, &v1, fault::ZERO_FILLED)
    );
    // A write after the read still gets its own page.
    wr64(base + 5 * PG, 77);
    let v2 = stat()?;
    ensure!(
        delta(&v1, &v2, fault::ZERO_FILLED) >= 1,
        "write after read: no ZERO_FILLED"
    );
    ensure_eq!(rd64(base + 5 * PG), 77, "written word");
    ensure_eq!(rd64(base + 6 * PG), 0, "neighbour page");
    Ok(())
}

/// Eager sbrk of more than there is fails, changes nothing, and the
/// process carries on; its tables are returned when it exits.
fn eagerfail() -> Result<(), String> {
    warm_up()?;
    let f0 = stat()?.free_frames;
    let st = child_status(|| {
        let Ok(v) = vm::vmstat() else { return 1 };
        let want = ((v.free_frames as usize + 4096) * PG).min(i32::MAX as usize & !(PG - 1));
        let brk0 = process::brk();
        if sbrk(want as isize, SBRK_EAGER).is_some() {
            return 2;
        }
        if process::brk() != brk0 {
            return 3;
        }
        let Ok(v1) = vm::vmstat() else { return 1 };
        // Data frames all come back; the page tables built on the way may
        // stay until exit.
        let tables = (want / PG / 512 + 4) as u64;
        if v1.free_frames + tables < v.free_frames {
            return 4;
        }
        // Still alive and able to grow normally.
        let Some(old) = sbrk(2 * PG as isize, SBRK_EAGER) else {
            return 5;
        };
        let a = page_up(old);
        if rd64(a) != 0 {
            return 6;
        }
        wr64(a, 9);
        if rd64(a) != 9 {
            return 6;
        }
        0
    })?;
    let f1 = stat()?.free_frames;
    ensure_eq!(
        st,
        0,
        "child (2: eager sbrk beyond memory succeeded, 3: break moved, 4: frames kept, 5/6: sbrk afterwards)"
    );
    ensure_eq!(f1, f0, "free frames after the child exited vs before");
    Ok(())
}

/// Lazy sbrk beyond memory succeeds; writing all of it kills only the
/// writer (out of memory), and everything it had comes back.
fn lazyoom() -> Result<(), String> {
    warm_up()?;
    let f0 = stat()?.free_frames;
    let st = child_status(|| {
        let bytes = (f0 as usize + 2048) * PG;
        let Ok(old) = grow(bytes, SBRK_LAZY) else {
            return 2;
        };
        let base = page_up(old);
        let mut a = base;
        while a + PG <= old + bytes {
            wr64(a, a as u64);
            a += PG;
        }
        3
    })?;
    let f1 = stat()?.free_frames;
    ensure!(
        st == -1,
        "child touching more than all memory exited with {} (2: lazy sbrk failed, 3: survived), want killed (-1)",
        st
    );
    // Not one frame lost. (There may be more free than before: on its way
    // to the kill, reclaim may drop clean file pages the cache held.)
    ensure!(
        f1 >= f0,
        "free frames after the killed child: {}, before: {} ({} lost)",
        f1,
        f0,
        f0 - f1
    );
    Ok(())
}

/// The heap may reach MMAP_BASE but not pass it; shrinking by more than
/// the heap leaves the break alone and returns it, as xv6 does.
fn pastmmap() -> Result<(), String> {
    let brk0 = process::brk();
    ensure_eq!(
        sbrk(-(brk0 as isize) - PG as isize, SBRK_EAGER),
        Some(brk0),
        "shrinking the break below 0"
    );
    ensure_eq!(process::brk(), brk0, "break after the refused shrink");
    while process::brk() + GIB <= MMAP_BASE {
        sbrk(GIB as isize, SBRK_LAZY)
            .ok_or_else(|| format!("lazy sbrk(1 GiB) at {:#x} failed", process::brk()))?;
    }
    let left = MMAP_BASE - process::brk();
    let b = process::brk();
    ensure!(
        sbrk((left + PG) as isize, SBRK_LAZY).is_none(),
        "sbrk past MMAP_BASE (from {:#x} by {:#x}) succeeded",
        b,
        left + PG
    );
    ensure_eq!(process::brk(), b, "break after refused growth");
    if left > 0 {
        ensure!(
            sbrk(left as isize, SBRK_LAZY).is_some(),
            "sbrk up to exactly MMAP_BASE failed"
        );
    }
    ensure_eq!(process::brk(), MMAP_BASE, "break");
    ensure!(
        sbrk(1, SBRK_LAZY).is_none(),
        "sbrk(1) at MMAP_BASE succeeded"
    );
    ensure!(
        sbrk(1, SBRK_EAGER).is_none(),
        "eager sbrk(1) at MMAP_BASE succeeded"
    );
    let last = MMAP_BASE - 8;
    ensure_eq!(rd64(last), 0, "last heap word");
    wr64(last, 42);
    ensure_eq!(rd64(last), 42, "last heap word after write");
    // mmap still has its own range above the heap.
    let m = mem::mmap_anon(PG, mem::PROT_READ | mem::PROT_WRITE)
        .map_err(|_| String::from("mmap after the heap reached MMAP_BASE failed"))?;
    ensure!(
        m >= MMAP_BASE,
        "mmap returned {:#x}, inside the heap's range",
        m
    );
    wr64(m, 1);
    ensure_eq!(rd64(last), 42, "heap word after mmap write");
    Ok(())
}

fn pattern(seed: u8, k: usize) -> u8 {
    (k as u8).wrapping_mul(13).wrapping_add(seed) ^ (k >> 9) as u8
}

/// read() from a file into never-touched heap: the kernel's copy faults
/// each page in as a write.
fn readfile() -> Result<(), String> {
    const N: usize = 3 * PG + 100;
    let name = format!("lazyf.{}", process::getpid());
    let data: Vec<u8> = (0..N).map(|k| pattern(3, k)).collect();
    fs::write_file(&name, &data).map_err(|e| format!("writing {}: {}", name, e))?;
    let old = grow(5 * PG, SBRK_LAZY)?;
    let base = page_up(old);
    let fd = fs::open(&name, fs::O_RDONLY).map_err(|e| format!("open {}: {}", name, e))?;
    let v0 = stat()?;
    // SAFETY: 4 pages of the area just grown, untouched so far.
    let n = unsafe { sys::read(fd, base as *mut u8, 4 * PG) };
    let v1 = stat()?;
    let _ = fs::close(fd);
    let _ = fs::unlink(&name);
    ensure_eq!(n, N as isize, "read() into lazy memory");
    // SAFETY: the 4 pages the kernel just filled.
    let got = unsafe { core::slice::from_raw_parts(base as *const u8, 4 * PG) };
    ensure!(got[..N] == data[..], "data read into lazy memory differs");
    ensure!(
        got[N..].iter().all(|&b| b == 0),
        "rest of the last page not zero"
    );
    let zf = delta(&v0, &v1, fault::ZERO_FILLED);
    ensure!(
        zf >= 4,
        "ZERO_FILLED grew by {} for a read into 4 new pages",
        zf
    );
    Ok(())
}

/// A pipe read() into never-touched heap.
fn piperead() -> Result<(), String> {
    const N: usize = 3 * PG;
    let old = grow(4 * PG, SBRK_LAZY)?;
    let base = page_up(old);
    let (r, w) = Fd::pipe().map_err(|_| String::from("pipe failed"))?;
    let pid = process::spawn(|| {
        let data: Vec<u8> = (0..N).map(|k| pattern(5, k)).collect();
        if w.write_all(&data).is_err() {
            return 1;
        }
        0
    })
    .map_err(|_| String::from("fork failed"))?;
    drop(w);
    // SAFETY: N bytes of the area just grown.
    let area = unsafe { core::slice::from_raw_parts_mut(base as *mut u8, N) };
    let got = r.read_full(area);
    let st = process::wait_for(pid).map_err(|_| String::from("wait failed"))?;
    ensure_eq!(st, 0, "writer's status");
    ensure!(got == Ok(N), "read_full into lazy memory: {:?}", got);
    for (k, &b) in area.iter().enumerate() {
        ensure_eq!(b, pattern(5, k), "byte {}", k);
    }
    Ok(())
}

/// write() to a pipe from never-touched heap sends zeros (the kernel reads
/// the zero frame).
fn pipezero() -> Result<(), String> {
    const N: usize = 4 * PG;
    let old = grow(N + PG, SBRK_LAZY)?;
    let base = page_up(old);
    let mut buf = vec![0xffu8; N];
    let (r, w) = Fd::pipe().map_err(|_| String::from("pipe failed"))?;
    let v0 = stat()?;
    let pid = process::spawn(|| {
        // SAFETY: N untouched bytes of our heap; the kernel only reads them.
        let n = unsafe { sys::write(w.raw(), base as *const u8, N) };
        if n == N as isize {
            0
        } else {
            1
        }
    })
    .map_err(|_| String::from("fork failed"))?;
    drop(w);
    let got = r.read_full(&mut buf);
    let st = process::wait_for(pid).map_err(|_| String::from("wait failed"))?;
    let v1 = stat()?;
    ensure_eq!(
        st,
        0,
        "writer's status (1: short write from untouched memory)"
    );
    ensure!(got == Ok(N), "read {:?} of {} bytes", got, N);
    ensure!(
        buf.iter().all(|&b| b == 0),
        "untouched memory did not read as zeros"
    );
    let zm = delta(&v0, &v1, fault::ZERO_MAPPED);
    ensure!(zm >= 4, "ZERO_MAPPED grew by {} for 4 untouched pages", zm);
    Ok(())
}

/// write() to a file from never-touched heap stores zeros.
fn filezero() -> Result<(), String> {
    const N: usize = 2 * PG;
    let name = format!("lazyz.{}", process::getpid());
    let old = grow(N + PG, SBRK_LAZY)?;
    let base = page_up(old);
    let fd = Fd::create(&name).map_err(|e| format!("create {}: {}", name, e))?;
    // SAFETY: N untouched bytes of our heap; the kernel only reads them.
    let n = unsafe { sys::write(fd.raw(), base as *const u8, N) };
    drop(fd);
    let back = fs::read_file(&name);
    let _ = fs::unlink(&name);
    ensure_eq!(n, N as isize, "write from untouched memory");
    let back = back.map_err(|e| format!("reading back: {}", e))?;
    ensure_eq!(back.len(), N, "file size");
    ensure!(
        back.iter().all(|&b| b == 0),
        "file written from untouched memory is not all zeros"
    );
    Ok(())
}

/// A system call handed an address past the break fails with -1 and the
/// process lives; the same access from user mode is fatal.
fn badaddr() -> Result<(), String> {
    let b = page_up(process::brk()) + 16 * PG;
    let (r, w) = Fd::pipe().map_err(|_| String::from("pipe failed"))?;
    ensure!(w.write(b"abcd") == Ok(4), "pipe write");
    // SAFETY: deliberately bad address: the kernel must refuse it.
    let n = unsafe { sys::read(r.raw(), b as *mut u8, 4) };
    ensure_eq!(n, -1, "read() into an address past the break");
    // A file write (xv6's pipe write answers 0 here, not -1).
    let name = format!("lazyb.{}", process::getpid());
    let f = Fd::create(&name).map_err(|e| format!("create {}: {}", name, e))?;
    // SAFETY: as above, for the kernel's read side.
    let n = unsafe { sys::write(f.raw(), b as *const u8, 4) };
    drop(f);
    let _ = fs::unlink(&name);
    ensure_eq!(n, -1, "write() to a file from an address past the break");
    expect_killed("load past the break", || {
        rd64(b);
    })
}
