//! mmaptests: mmap, munmap and mprotect.
//!
//! What is checked: mappings are lazy (each file page read on first touch;
//! past EOF reads zero and never grows the file); MAP_SHARED dirty pages
//! (only those) are written back at munmap and at exit; MAP_PRIVATE writes
//! never reach the file; PROT_WRITE|MAP_SHARED needs a writable fd; a
//! mapping outlives close and unlink; munmap of any piece works and of
//! nothing returns 0; fork shares MAP_SHARED mappings and copies private
//! ones on write; permissions are enforced (write, execute), also after
//! mprotect; exit and exec give every frame back.
#![no_std]
#![no_main]

mod stress;
mod util;

use abi::layout::{MMAP_BASE, MMAP_TOP, PAGE_SIZE as PG};
use abi::vmstat::fault;
use ulib::prelude::*;
use ulib::test::{child_status, expect_killed, run_suite, Test};
use ulib::{ensure, ensure_eq, fs, process};
use util::*;

ulib::entry!(main);

pub const SUITE: &str = "mmap";

fn main(args: &[&str]) -> i32 {
    // Give the allocator a free block now, so a message formatted in the
    // middle of the heap test never grows the break under it.
    drop(Vec::<u8>::with_capacity(256 * 1024));
    let tests = [
        Test::forked("basic", basic),
        Test::forked("offset", offset),
        Test::forked("private", private),
        Test::forked("rofault", rofault),
        Test::forked("rdonlyfd", rdonlyfd),
        Test::forked("writeback", writeback),
        Test::forked("dirtyonly", dirtyonly),
        Test::forked("exitwriteback", exit_writeback),
        Test::forked("unmapnone", unmapnone),
        Test::forked("lazy", lazy),
        Test::forked("twofiles", twofiles),
        Test::forked("closeunlink", closeunlink),
        Test::forked("forkfile", fork_file),
        Test::forked("forkanon", fork_anon),
        Test::forked("anonshared", anon_shared),
        Test::forked("afterunmap", after_unmap),
        Test::forked("partial", partial),
        Test::forked("partialfile", partial_file),
        Test::forked("exec", exec_mapping),
        Test::forked("noexec", noexec),
        Test::forked("mprotect", mprotect_test),
        Test::forked("mprotectfork", mprotect_fork),
        Test::forked("mprotectshared", mprotect_shared),
        Test::forked("writeonly", write_only),
        Test::forked("heapsplit", heap_split),
        Test::forked("badargs", badargs),
        Test::forked("fixed", fixed),
        Test::forked("exitfree", exitfree),
        Test::forked("execfree", execfree),
        Test::forked("stress", stress::stress),
    ];
    run_suite(SUITE, &tests, args.get(1..).unwrap_or(&[]))
}

/// Read-only private mapping of a 2.5-page file: the file's bytes, zeros
/// past EOF in the last page; it survives close(fd).
fn basic() -> Result<(), String> {
    const LEN: usize = 2 * PG + PG / 2;
    let f = name("basic");
    make_file(&f, LEN, 1)?;
    let fd = open(&f, fs::O_RDONLY)?;
    let a = map(LEN, PROT_READ, MAP_PRIVATE, fd.raw(), 0)?;
    drop(fd);
    let r = (|| {
        check_pattern(a, LEN, 1, 0, "mapped file")?;
        check_zero(a + LEN, 3 * PG - LEN, "past EOF in the last page")?;
        unmap(a, LEN)
    })();
    let _ = fs::unlink(&f);
    r
}

/// A mapping at a page offset shows the file from there; an offset that
/// is not page-aligned is refused.
fn offset() -> Result<(), String> {
    const LEN: usize = 4 * PG;
    let f = name("off");
    make_file(&f, LEN, 2)?;
    let fd = open(&f, fs::O_RDONLY)?;
    let r = (|| {
        let a = map(2 * PG, PROT_READ, MAP_PRIVATE, fd.raw(), PG as isize)?;
        check_pattern(a, 2 * PG, 2, PG, "mapping at offset 1 page")?;
        unmap(a, 2 * PG)?;
        let b = map(2 * PG, PROT_READ, MAP_PRIVATE, fd.raw(), 3 * PG as isize)?;
        check_pattern(b, PG, 2, 3 * PG, "last page at offset 3 pages")?;
        check_zero(b + PG, PG, "page wholly past EOF")?;
        unmap(b, 2 * PG)?;
        ensure!(
            try_map(PG, PROT_READ, MAP_PRIVATE, fd.raw(), 100).is_none(),
            "mmap at unaligned offset 100 succeeded"
        );
        Ok(())
    })();
    drop(fd);
    let _ = fs::unlink(&f);
    r
}

/// Writes to a MAP_PRIVATE file mapping are the process's own: visible
/// in the mapping, never in the file.
fn private() -> Result<(), String> {
    const LEN: usize = 2 * PG;
    let f = name("priv");
    make_file(&f, LEN, 3)?;
    let fd = open(&f, fs::O_RDWR)?;
    let r = (|| {
        let v0 = stat()?;
        let a = map(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.raw(), 0)?;
        check_pattern(a, 16, 3, 0, "before writing")?;
        for k in 0..LEN {
            wr8(a + k, pat(4, k));
        }
        check_pattern(a, LEN, 4, 0, "mapping after writing")?;
        unmap(a, LEN)?;
        let v1 = stat()?;
        ensure_eq!(
            v1.file_pages_written - v0.file_pages_written,
            0,
            "pages written back from a private mapping"
        );
        let back = read_all(&f)?;
        ensure_eq!(back.len(), LEN, "file size");
        ensure!(
            back.iter().enumerate().all(|(k, &b)| b == pat(3, k)),
            "a private mapping's writes reached the file"
        );
        Ok(())
    })();
    drop(fd);
    let _ = fs::unlink(&f);
    r
}

/// Stores into PROT_READ mappings kill (shared or private); loads work.
fn rofault() -> Result<(), String> {
    let f = name("ro");
    make_file(&f, PG, 5)?;
    let fd = open(&f, fs::O_RDWR)?;
    let r = (|| {
        let s = map(PG, PROT_READ, MAP_SHARED, fd.raw(), 0)?;
        let p = map(PG, PROT_READ, MAP_PRIVATE, fd.raw(), 0)?;
        ensure_eq!(rd8(s + 1), pat(5, 1), "shared read-only mapping");
        ensure_eq!(rd8(p + 1), pat(5, 1), "private read-only mapping");
        expect_killed("store to a PROT_READ MAP_SHARED page", || wr8(s, 1))?;
        expect_killed("store to a PROT_READ MAP_PRIVATE page", || wr8(p, 1))?;
        // Not even touched before: the first access is the store.
        let q = map(PG, PROT_READ, MAP_PRIVATE, fd.raw(), 0)?;
        expect_killed("store to an untouched PROT_READ page", || wr8(q + 8, 1))?;
        ensure_eq!(rd8(s), pat(5, 0), "shared mapping after the children");
        let back = read_all(&f)?;
        ensure_eq!(back[0], pat(5, 0), "file's first byte");
        Ok(())
    })();
    drop(fd);
    let _ = fs::unlink(&f);
    r
}

/// A shared writable mapping needs a writable descriptor; shared
/// read-only and private writable ones of an O_RDONLY fd are fine; a
/// write-only fd can't be mapped at all.
fn rdonlyfd() -> Result<(), String> {
    let f = name("rdo");
    make_file(&f, PG, 6)?;
    let r = (|| {
        let fd = open(&f, fs::O_RDONLY)?;
        ensure!(
            try_map(PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw(), 0).is_none(),
            "PROT_READ|PROT_WRITE, MAP_SHARED of an O_RDONLY fd succeeded"
        );
        ensure!(
            try_map(PG, PROT_WRITE, MAP_SHARED, fd.raw(), 0).is_none(),
            "PROT_WRITE, MAP_SHARED of an O_RDONLY fd succeeded"
        );
        let s = map(PG, PROT_READ, MAP_SHARED, fd.raw(), 0)?;
        ensure_eq!(
            rd8(s + 5),
            pat(6, 5),
            "shared read-only mapping of an O_RDONLY fd"
        );
        let p = map(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.raw(), 0)?;
        wr8(p + 5, 0);
        ensure_eq!(rd8(p + 5), 0, "private writable mapping of an O_RDONLY fd");
        unmap(p, PG)?;
        unmap(s, PG)?;
        let wfd = open(&f, fs::O_WRONLY)?;
        ensure!(
            try_map(PG, PROT_READ, MAP_SHARED, wfd.raw(), 0).is_none(),
            "mmap of an O_WRONLY fd succeeded"
        );
        let back = read_all(&f)?;
        ensure_eq!(back[5], pat(6, 5), "file byte after a private write");
        Ok(())
    })();
    let _ = fs::unlink(&f);
    r
}

/// MAP_SHARED writes reach the file at munmap; writes past EOF in the
/// last page do not grow it (and read zero in a new mapping).
fn writeback() -> Result<(), String> {
    const LEN: usize = 2 * PG + 1000;
    let f = name("wb");
    make_file(&f, LEN, 7)?;
    let fd = open(&f, fs::O_RDWR)?;
    let r = (|| {
        let v0 = stat()?;
        let a = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw(), 0)?;
        check_pattern(a, LEN, 7, 0, "shared mapping")?;
        let changes = [(0usize, 0xa1u8), (PG + 17, 0xb2), (LEN - 1, 0xc3)];
        for &(k, b) in &changes {
            wr8(a + k, b);
        }
        for k in LEN..LEN + 200 {
            wr8(a + k, 0xee);
        }
        unmap(a, LEN)?;
        let v1 = stat()?;
        let written = v1.file_pages_written - v0.file_pages_written;
        ensure_eq!(written, 3, "pages written back (all 3 were dirtied)");
        let back = read_all(&f)?;
        ensure_eq!(back.len(), LEN, "file size after writes past EOF");
        for (k, &b) in back.iter().enumerate() {
            let want = changes.iter().find(|c| c.0 == k).map_or(pat(7, k), |c| c.1);
            ensure_eq!(b, want, "file byte {}", k);
        }
        let st = fd.fstat().map_err(|e| format!("fstat: {}", e))?;
        ensure_eq!(st.size as usize, LEN, "fstat size");
        // A fresh mapping sees the written bytes, and zeros past EOF.
        let b = map(LEN, PROT_READ, MAP_SHARED, fd.raw(), 0)?;
        ensure_eq!(rd8(b + PG + 17), 0xb2, "written byte in a new mapping");
        check_zero(b + LEN, 3 * PG - LEN, "past EOF in a new mapping")?;
        unmap(b, LEN)
    })();
    drop(fd);
    let _ = fs::unlink(&f);
    r
}

/// Only dirty pages are written back: 4 pages read, 1 written → 1 page.
fn dirtyonly() -> Result<(), String> {
    const LEN: usize = 4 * PG;
    let f = name("dirty");
    make_file(&f, LEN, 8)?;
    let fd = open(&f, fs::O_RDWR)?;
    let r = (|| {
        let a = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw(), 0)?;
        check_pattern(a, LEN, 8, 0, "shared mapping")?;
        let v0 = stat()?;
        wr8(a + 2 * PG + 5, 0x5a);
        unmap(a, LEN)?;
        let v1 = stat()?;
        ensure_eq!(
            v1.file_pages_written - v0.file_pages_written,
            1,
            "pages written back after reading 4 and writing 1"
        );
        let back = read_all(&f)?;
        ensure_eq!(back[2 * PG + 5], 0x5a, "written byte in the file");
        ensure_eq!(back[2 * PG + 6], pat(8, 2 * PG + 6), "neighbouring byte");
        // A mapping only read writes nothing back.
        let b = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw(), 0)?;
        check_pattern(b, PG, 8, 0, "second mapping")?;
        let v2 = stat()?;
        unmap(b, LEN)?;
        let v3 = stat()?;
        ensure_eq!(
            v3.file_pages_written - v2.file_pages_written,
            0,
            "pages written back from a clean mapping"
        );
        Ok(())
    })();
    drop(fd);
    let _ = fs::unlink(&f);
    r
}

/// A process that exits with a dirty shared mapping has it written back.
fn exit_writeback() -> Result<(), String> {
    const LEN: usize = 3 * PG;
    let f = name("exwb");
    make_file(&f, LEN, 9)?;
    let r = (|| {
        let v0 = stat()?;
        let path = f.clone();
        let st = child_status(move || {
            let Ok(fd) = Fd::open(&path, fs::O_RDWR) else {
                return 1;
            };
            let Some(a) = try_map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw(), 0) else {
                return 2;
            };
            drop(fd);
            wr8(a + PG + 1, 0x77);
            0 // exit with the mapping still there
        })?;
        let v1 = stat()?;
        ensure_eq!(st, 0, "child (1 open, 2 mmap)");
        ensure_eq!(
            v1.file_pages_written - v0.file_pages_written,
            1,
            "pages written back at exit"
        );
        let back = read_all(&f)?;
        ensure_eq!(back[PG + 1], 0x77, "byte written before exit");
        ensure_eq!(back[PG], pat(9, PG), "neighbouring byte");
        Ok(())
    })();
    let _ = fs::unlink(&f);
    r
}

/// munmap of a range with nothing mapped (or partly mapped) returns 0.
fn unmapnone() -> Result<(), String> {
    // Well inside the mmap range, far from where mmap puts things.
    let hole = MMAP_BASE + 0x1000_0000;
    ensure_eq!(munmap(hole, 4 * PG), 0, "munmap of an empty range");
    let a = anon(2, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    wr8(a, 1);
    unmap(a, 2 * PG)?;
    ensure_eq!(munmap(a, 2 * PG), 0, "munmap of the same range again");
    // A range that runs from a mapping into empty space.
    let b = anon(2, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    wr8(b + PG, 2);
    let lo = b.saturating_sub(2 * PG);
    ensure_eq!(
        munmap(lo, 3 * PG),
        0,
        "munmap from empty space into a mapping"
    );
    ensure_eq!(rd8(b + PG), 2, "the page not in the range");
    expect_killed("load from the unmapped first page", || {
        rd8(b);
    })?;
    ensure_eq!(munmap(b, 4 * PG), 0, "munmap running past the end");
    ensure_eq!(
        munmap(MMAP_TOP - PG, PG),
        0,
        "munmap at the top of the range"
    );
    Ok(())
}

/// Mapping is lazy: a 20-page file mapped, 2 pages touched → 2 reads.
fn lazy() -> Result<(), String> {
    const PAGES: usize = 20;
    let f = name("lazy");
    make_file(&f, PAGES * PG, 10)?;
    let fd = open(&f, fs::O_RDONLY)?;
    let r = (|| {
        let _ = stat()?;
        let v0 = stat()?;
        let a = map(PAGES * PG, PROT_READ, MAP_PRIVATE, fd.raw(), 0)?;
        let v1 = stat()?;
        ensure_eq!(
            v1.file_pages_read - v0.file_pages_read,
            0,
            "pages read by mmap itself"
        );
        let x = rd8(a + 3 * PG + 9);
        let y = rd8(a + 17 * PG + 4095);
        let x2 = rd8(a + 3 * PG + 10);
        let v2 = stat()?;
        ensure_eq!(x, pat(10, 3 * PG + 9), "byte in page 3");
        ensure_eq!(y, pat(10, 17 * PG + 4095), "byte in page 17");
        ensure_eq!(x2, pat(10, 3 * PG + 10), "second byte in page 3");
        ensure_eq!(
            v2.faults[fault::FILE_READ] - v1.faults[fault::FILE_READ],
            2,
            "FILE_READ faults for 2 pages"
        );
        ensure_eq!(
            v2.file_pages_read - v1.file_pages_read,
            2,
            "file pages read for 2 pages"
        );
        unmap(a, PAGES * PG)
    })();
    drop(fd);
    let _ = fs::unlink(&f);
    r
}

/// Two files mapped at once keep their own contents.
fn twofiles() -> Result<(), String> {
    let (f1, f2) = (name("two1"), name("two2"));
    make_file(&f1, 3 * PG, 11)?;
    make_file(&f2, 5 * PG + 7, 12)?;
    let r = (|| {
        let fd1 = open(&f1, fs::O_RDWR)?;
        let fd2 = open(&f2, fs::O_RDONLY)?;
        let a = map(3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd1.raw(), 0)?;
        let b = map(5 * PG + 7, PROT_READ, MAP_PRIVATE, fd2.raw(), 0)?;
        drop(fd1);
        drop(fd2);
        ensure!(
            a + 3 * PG <= b || b + 6 * PG <= a,
            "mappings overlap: {:#x}+3 pages, {:#x}+6 pages",
            a,
            b
        );
        check_pattern(b, 5 * PG + 7, 12, 0, "second file")?;
        check_pattern(a, 3 * PG, 11, 0, "first file")?;
        wr8(a + 100, 0x42);
        ensure_eq!(
            rd8(b + 100),
            pat(12, 100),
            "second file after writing the first"
        );
        unmap(b, 5 * PG + 7)?;
        ensure_eq!(
            rd8(a + 100),
            0x42,
            "first mapping after unmapping the second"
        );
        unmap(a, 3 * PG)?;
        ensure_eq!(read_all(&f1)?[100], 0x42, "first file's written byte");
        ensure_eq!(read_all(&f2)?[100], pat(12, 100), "second file");
        Ok(())
    })();
    let _ = fs::unlink(&f1);
    let _ = fs::unlink(&f2);
    r
}

/// A mapping outlives close(fd) and unlink of its file, and a shared one
/// can still be written and unmapped.
fn closeunlink() -> Result<(), String> {
    let f = name("cu");
    make_file(&f, 2 * PG, 13)?;
    let fd = open(&f, fs::O_RDWR)?;
    let a = map(2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw(), 0)?;
    drop(fd);
    fs::unlink(&f).map_err(|e| format!("unlink: {}", e))?;
    ensure!(
        fs::open(&f, fs::O_RDONLY).is_err(),
        "file still reachable after unlink"
    );
    check_pattern(a, 2 * PG, 13, 0, "mapping of a closed, unlinked file")?;
    wr8(a + PG, 1);
    ensure_eq!(rd8(a + PG), 1, "written byte");
    unmap(a, 2 * PG)
}

/// Fork shares a MAP_SHARED file mapping and copies a MAP_PRIVATE one on
/// write. Shared pages are one frame per file page (the page cache), so
/// each process sees the other's stores at once, touched before fork or
/// not. A private page first touched after a shared store shows that
/// store (it is copied from the cached page, as on Linux), but a private
/// store never shows anywhere else.
fn fork_file() -> Result<(), String> {
    const LEN: usize = 3 * PG;
    let f = name("fork");
    make_file(&f, LEN, 14)?;
    let fd = open(&f, fs::O_RDWR)?;
    let r = (|| {
        let s = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw(), 0)?;
        let p = map(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.raw(), 0)?;
        // Page 0 of each: touched (shared: read; private: written); page 1
        // of the shared one written; page 2 untouched.
        ensure_eq!(rd8(s + 10), pat(14, 10), "shared page 0");
        wr8(s + PG + 10, 0x11);
        wr8(p + 10, 0x22);
        let ulib::probe::Talker {
            pid,
            to_child,
            from_child,
        } = ulib::probe::spawn_talking(|from_parent, to_parent| {
            if rd8(s + PG + 10) != 0x11 {
                return 3; // the parent's write to shared page 1
            }
            if rd8(p + 10) != 0x22 {
                return 4; // the parent's write to private page 0
            }
            if rd8(p + PG + 10) != 0x11 {
                return 5; // untouched private page 1: a copy of the cached page
            }
            if rd8(s + 2 * PG + 10) != pat(14, 2 * PG + 10) {
                return 6; // untouched shared page 2
            }
            wr8(s + 20, 0x33);
            wr8(s + PG + 20, 0x44);
            wr8(s + 2 * PG + 20, 0x55);
            wr8(p + 20, 0x66);
            wr8(p + PG + 20, 0x67);
            let _ = to_parent.write(b"w");
            let mut b = [0u8; 1];
            let _ = from_parent.read(&mut b);
            if rd8(s + 30) != 0x88 {
                return 2; // the parent's write to a shared page
            }
            0
        })?;
        let mut b = [0u8; 1];
        let got = from_child.read(&mut b);
        if got != Ok(1) {
            let st = process::wait_for(pid).unwrap_or(-100);
            return Err(format!(
                "child exited ({}) without reporting (3/4: didn't see the parent's write to shared/private page, 5: untouched private page not copied from the shared one, 6: untouched shared page wrong)",
                st
            ));
        }
        let live = (|| {
            ensure_eq!(
                rd8(s + 20),
                0x33,
                "child's write to shared page 0 (touched before fork), seen while it runs"
            );
            ensure_eq!(
                rd8(s + PG + 20),
                0x44,
                "child's write to shared page 1 (written before fork), seen while it runs"
            );
            ensure_eq!(
                rd8(p + 20),
                pat(14, 20),
                "private page 0 after the child's write"
            );
            ensure_eq!(
                rd8(s + 2 * PG + 20),
                0x55,
                "child's write to shared page 2 (untouched before fork), seen while it runs"
            );
            ensure_eq!(
                rd8(p + PG + 20),
                0x44,
                "private page 1, first touched after the child's shared and private writes"
            );
            ensure_eq!(rd8(p + 10), 0x22, "parent's own private write");
            Ok(())
        })();
        wr8(s + 30, 0x88);
        let _ = to_child.write(b"g");
        let st = process::wait_for(pid).map_err(|_| String::from("wait failed"))?;
        live?;
        ensure_eq!(
            st,
            0,
            "child (2: didn't see the parent's shared write while running)"
        );
        unmap(p, LEN)?;
        unmap(s, LEN)?;
        let back = read_all(&f)?;
        for (k, want) in [
            (10, pat(14, 10)),
            (20, 0x33),
            (30, 0x88),
            (PG + 10, 0x11),
            (PG + 20, 0x44),
            (2 * PG + 20, 0x55),
        ] {
            ensure_eq!(back[k], want, "file byte {}", k);
        }
        Ok(())
    })();
    drop(fd);
    let _ = fs::unlink(&f);
    r
}

/// Private anonymous memory is copied on write across fork.
fn fork_anon() -> Result<(), String> {
    let a = anon(3, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    wr64(a, 1);
    let _ = rd64(a + PG);
    let st = child_status(|| {
        if rd64(a) != 1 || rd64(a + PG) != 0 || rd64(a + 2 * PG) != 0 {
            return 1;
        }
        wr64(a, 2);
        wr64(a + PG, 3);
        wr64(a + 2 * PG, 4);
        if rd64(a) != 2 || rd64(a + PG) != 3 || rd64(a + 2 * PG) != 4 {
            return 2;
        }
        0
    })?;
    ensure_eq!(st, 0, "child (1: wrong data, 2: lost its writes)");
    ensure_eq!(
        [rd64(a), rd64(a + PG), rd64(a + 2 * PG)],
        [1, 0, 0],
        "parent's words after the child's writes"
    );
    unmap(a, 3 * PG)
}

/// Anonymous shared memory is one set of pages for parent and child:
/// pages written, only read, or untouched before fork alike.
fn anon_shared() -> Result<(), String> {
    let a = anon(3, PROT_READ | PROT_WRITE, MAP_SHARED)?;
    wr64(a, 10); // page 0 written
    ensure_eq!(rd64(a + PG), 0, "page 1 read"); // page 1 only read
                                                // page 2 untouched
    let (to_child, from_parent) = {
        let (r, w) = Fd::pipe().map_err(|_| String::from("pipe failed"))?;
        (w, r)
    };
    let pid = process::spawn(|| {
        if rd64(a) != 10 {
            return 1;
        }
        wr64(a + 8, 11);
        wr64(a + PG + 8, 12);
        wr64(a + 2 * PG + 8, 13);
        // Wait for the parent's writes, then check them.
        let mut b = [0u8; 1];
        let _ = from_parent.read(&mut b);
        if rd64(a + 16) != 20 || rd64(a + PG + 16) != 21 || rd64(a + 2 * PG + 16) != 22 {
            return 2;
        }
        0
    })
    .map_err(|_| String::from("fork failed"))?;
    drop(from_parent);
    wr64(a + 16, 20);
    wr64(a + PG + 16, 21);
    wr64(a + 2 * PG + 16, 22);
    let _ = to_child.write(b"g");
    let st = process::wait_for(pid).map_err(|_| String::from("wait failed"))?;
    let seen = [rd64(a + 8), rd64(a + PG + 8), rd64(a + 2 * PG + 8)];
    ensure_eq!(
        st,
        0,
        "child (1: didn't see the parent's data, 2: didn't see the parent's later writes); parent saw the child's writes as {:?}",
        seen
    );
    ensure_eq!(
        seen,
        [11, 12, 13],
        "child's writes to shared pages (written / read / untouched before fork) as the parent sees them"
    );
    unmap(a, 3 * PG)
}

/// After munmap the addresses are gone: loads and stores kill.
fn after_unmap() -> Result<(), String> {
    let a = anon(2, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    wr8(a, 1);
    unmap(a, 2 * PG)?;
    expect_killed("load from an unmapped anonymous page", || {
        rd8(a);
    })?;
    expect_killed("store to an unmapped never-touched page", || wr8(a + PG, 1))?;
    let f = name("au");
    make_file(&f, PG, 15)?;
    let r = (|| {
        let fd = open(&f, fs::O_RDONLY)?;
        let b = map(PG, PROT_READ, MAP_SHARED, fd.raw(), 0)?;
        ensure_eq!(rd8(b), pat(15, 0), "file mapping");
        unmap(b, PG)?;
        expect_killed("load from an unmapped file page", || {
            rd8(b);
        })
    })();
    let _ = fs::unlink(&f);
    r
}

/// munmap of the head, a middle piece and the tail of a mapping leaves
/// the rest intact and the pieces gone.
fn partial() -> Result<(), String> {
    let a = anon(6, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    for i in 0..6 {
        wr64(a + i * PG, 100 + i as u64);
    }
    unmap(a, PG)?; // head
    unmap(a + 2 * PG, 2 * PG)?; // middle
    unmap(a + 5 * PG, PG)?; // tail
    ensure_eq!(rd64(a + PG), 101, "page 1");
    ensure_eq!(rd64(a + 4 * PG), 104, "page 4");
    wr64(a + PG + 8, 7);
    for gone in [0, 2, 3, 5] {
        expect_killed(&format!("load from unmapped page {}", gone), || {
            rd64(a + gone * PG);
        })?;
    }
    // Partial munmap across both remaining pieces and the hole between.
    unmap(a + PG, 4 * PG)?;
    expect_killed("load from page 4 after unmapping it", || {
        rd64(a + 4 * PG);
    })
}

/// The pieces left by a partial munmap of a file mapping still show the
/// right file offsets, and a dirty piece is written back when unmapped.
fn partial_file() -> Result<(), String> {
    const PAGES: usize = 6;
    let f = name("pf");
    make_file(&f, PAGES * PG, 16)?;
    let fd = open(&f, fs::O_RDWR)?;
    let r = (|| {
        let a = map(PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw(), 0)?;
        wr8(a + 2 * PG + 3, 0x9c); // dirty page 2, then unmap just it
        unmap(a + 2 * PG, PG)?;
        ensure_eq!(
            read_all(&f)?[2 * PG + 3],
            0x9c,
            "file after unmapping the dirty middle page"
        );
        unmap(a, PG)?; // head, never touched
        unmap(a + 5 * PG, PG)?; // tail, never touched
        for i in [1, 3, 4] {
            check_pattern(
                a + i * PG,
                PG,
                16,
                i * PG,
                &format!("page {} after the cuts", i),
            )?;
        }
        expect_killed("load from the unmapped middle page", || {
            rd8(a + 2 * PG);
        })?;
        wr8(a + 4 * PG, 0x4d);
        unmap(a + PG, 4 * PG)?;
        ensure_eq!(read_all(&f)?[4 * PG], 0x4d, "file after unmapping the rest");
        Ok(())
    })();
    drop(fd);
    let _ = fs::unlink(&f);
    r
}

/// `li a0, 42; ret`.
const CODE: [u32; 2] = [0x02a0_0513, 0x0000_8067];

/// Writes CODE at `a` (a writable mapping).
fn put_code(a: usize) {
    for (i, w) in CODE.iter().enumerate() {
        // SAFETY: a is a writable test mapping of at least a page.
        unsafe { core::ptr::write_volatile((a + 4 * i) as *mut u32, *w) };
    }
}

fn call(a: usize) -> i32 {
    // SAFETY: makes the instruction stream see the bytes just stored.
    unsafe { core::arch::asm!("fence.i") };
    // SAFETY: `a` holds CODE (or is deliberately not executable, in a
    // child that must be killed).
    let f: extern "C" fn() -> i32 = unsafe { core::mem::transmute(a) };
    f()
}

/// Code in a PROT_READ|PROT_EXEC mapping runs.
fn exec_mapping() -> Result<(), String> {
    let a = anon(1, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    put_code(a);
    ensure_eq!(mprotect(a, PG, PROT_READ | PROT_EXEC), 0, "mprotect to R+X");
    ensure_eq!(call(a), 42, "code called in an R+X mapping");
    // Also straight from a file mapped PROT_EXEC.
    let f = name("code");
    let mut bytes = Vec::new();
    for w in CODE {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    fs::write_file(&f, &bytes).map_err(|e| format!("creating {}: {}", f, e))?;
    let r = (|| {
        let fd = open(&f, fs::O_RDONLY)?;
        let b = map(PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd.raw(), 0)?;
        ensure_eq!(call(b), 42, "code called in a file mapping");
        unmap(b, PG)
    })();
    let _ = fs::unlink(&f);
    r?;
    unmap(a, PG)
}

/// Jumping into a mapping without PROT_EXEC kills.
fn noexec() -> Result<(), String> {
    let a = anon(1, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    put_code(a);
    expect_killed("call into a PROT_READ|PROT_WRITE mapping", || {
        call(a);
    })?;
    ensure_eq!(mprotect(a, PG, PROT_READ), 0, "mprotect to read-only");
    expect_killed("call into a PROT_READ mapping", || {
        call(a);
    })?;
    ensure_eq!(rd8(a), 0x13, "the code bytes are still readable");
    Ok(())
}

/// mprotect read-only makes stores kill; mprotect back makes them work.
fn mprotect_test() -> Result<(), String> {
    let a = anon(3, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    wr64(a, 1);
    wr64(a + PG, 2);
    ensure_eq!(
        mprotect(a, 2 * PG, PROT_READ),
        0,
        "mprotect(R) of two pages"
    );
    ensure_eq!(rd64(a + PG), 2, "load after mprotect(R)");
    expect_killed("store after mprotect(R)", || wr64(a, 5))?;
    expect_killed("store to a never-touched page after mprotect(R)", || {
        wr64(a + PG + 8, 5)
    })?;
    wr64(a + 2 * PG, 3); // the third page keeps R+W
    ensure_eq!(
        mprotect(a, 2 * PG, PROT_READ | PROT_WRITE),
        0,
        "mprotect(RW)"
    );
    wr64(a, 6);
    ensure_eq!(rd64(a), 6, "store after mprotect(RW)");
    ensure_eq!(mprotect(a, PG, PROT_NONE), 0, "mprotect(NONE)");
    expect_killed("load from a PROT_NONE page", || {
        rd64(a);
    })?;
    ensure!(
        mprotect(MMAP_BASE + 0x1000_0000, PG, PROT_READ) != 0,
        "mprotect of an unmapped range succeeded"
    );
    ensure_eq!(
        mprotect(a + 8, PG, PROT_READ),
        -1,
        "mprotect at an unaligned address"
    );
    unmap(a, 3 * PG)
}

/// Bad arguments fail with MAP_FAILED and leave nothing mapped.
fn badargs() -> Result<(), String> {
    let f = name("bad");
    make_file(&f, PG, 17)?;
    let r = (|| {
        let fd = open(&f, fs::O_RDWR)?;
        let dir = open("/", fs::O_RDONLY)?;
        let rw = PROT_READ | PROT_WRITE;
        let cases: [(&str, usize, usize, usize, i32, isize); 9] = [
            ("length 0", 0, rw, MAP_PRIVATE, fd.raw(), 0),
            (
                "MAP_SHARED|MAP_PRIVATE",
                PG,
                rw,
                MAP_SHARED | MAP_PRIVATE,
                fd.raw(),
                0,
            ),
            ("neither SHARED nor PRIVATE", PG, rw, 0, fd.raw(), 0),
            ("unaligned offset", PG, rw, MAP_PRIVATE, fd.raw(), 12),
            ("fd not open", PG, rw, MAP_PRIVATE, 15, 0),
            ("negative fd", PG, rw, MAP_PRIVATE, -1, 0),
            ("a directory", PG, PROT_READ, MAP_PRIVATE, dir.raw(), 0),
            (
                "unknown prot bits",
                PG,
                0x80 | PROT_READ,
                MAP_PRIVATE,
                fd.raw(),
                0,
            ),
            (
                "unknown flag bits",
                PG,
                rw,
                MAP_PRIVATE | 0x1000,
                fd.raw(),
                0,
            ),
        ];
        for (what, len, prot, flags, fd, off) in cases {
            ensure!(
                try_map(len, prot, flags, fd, off).is_none(),
                "mmap with {} succeeded",
                what
            );
        }
        ensure!(
            map_fixed(MMAP_BASE + 12, PG, rw).is_none(),
            "MAP_FIXED at an unaligned address succeeded"
        );
        ensure!(
            try_map(1 << 40, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).is_none(),
            "mmap of 1 TiB succeeded"
        );
        ensure_eq!(
            munmap(MMAP_BASE + 12, PG),
            -1,
            "munmap at an unaligned address"
        );
        Ok(())
    })();
    let _ = fs::unlink(&f);
    r
}

/// MAP_FIXED places a mapping exactly, replacing what was there.
fn fixed() -> Result<(), String> {
    let a = anon(4, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    for i in 0..4 {
        wr64(a + i * PG, 50 + i as u64);
    }
    let at = a + PG;
    let got = map_fixed(at, 2 * PG, PROT_READ | PROT_WRITE);
    ensure_eq!(got, Some(at), "MAP_FIXED address");
    ensure_eq!(
        [rd64(a), rd64(a + PG), rd64(a + 2 * PG), rd64(a + 3 * PG)],
        [50, 0, 0, 53],
        "words after MAP_FIXED replaced the middle pages"
    );
    unmap(a, 4 * PG)
}

/// Everything a process maps is given back when it exits.
fn exitfree() -> Result<(), String> {
    let f = name("ef");
    make_file(&f, 4 * PG, 18)?;
    let path = f.clone();
    let work = move || {
        let Ok(fd) = Fd::open(&path, fs::O_RDWR) else {
            return 1;
        };
        let Some(a) = try_map(
            64 * PG,
            PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS,
            -1,
            0,
        ) else {
            return 2;
        };
        let Some(s) = try_map(4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw(), 0) else {
            return 3;
        };
        let Some(p) = try_map(4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.raw(), 0) else {
            return 4;
        };
        for i in 0..64 {
            wr8(a + i * PG, 1);
        }
        for i in 0..4 {
            wr8(s + i * PG + 1, 2);
            wr8(p + i * PG + 1, 3);
        }
        0
    };
    let r = (|| {
        let st = child_status(work.clone())?;
        ensure_eq!(st, 0, "warm-up child (1 open, 2-4 mmap)");
        let _ = stat()?;
        let f0 = stat()?.free_frames;
        let st = child_status(work)?;
        let f1 = stat()?.free_frames;
        ensure_eq!(st, 0, "child (1 open, 2-4 mmap)");
        ensure_eq!(
            f1,
            f0,
            "free frames after the child exited with its mappings vs before"
        );
        ensure_eq!(
            read_all(&f)?[PG + 1],
            2,
            "shared write written back at exit"
        );
        Ok(())
    })();
    let _ = fs::unlink(&f);
    r
}

/// exec drops the old program's mappings.
fn execfree() -> Result<(), String> {
    let run = || {
        child_status(|| {
            let Some(a) = try_map(
                32 * PG,
                PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS,
                -1,
                0,
            ) else {
                return 2;
            };
            for i in 0..32 {
                wr8(a + i * PG, 1);
            }
            // bigprog without arguments prints nothing and exits 0.
            let _ = process::exec("/bigprog", &["bigprog"]);
            127
        })
    };
    ensure_eq!(run()?, 0, "warm-up child (2 mmap, 127 exec failed)");
    let _ = stat()?;
    let f0 = stat()?.free_frames;
    let st = run()?;
    let f1 = stat()?.free_frames;
    ensure_eq!(st, 0, "child (2 mmap, 127 exec failed)");
    ensure_eq!(
        f1,
        f0,
        "free frames after a child that mapped memory and exec'd vs before"
    );
    Ok(())
}

/// A private page made read-only (or inaccessible) before fork is still
/// private: when the child makes it writable again and stores, the
/// parent's copy does not change.
fn mprotect_fork() -> Result<(), String> {
    let a = anon(2, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    wr64(a, 42);
    wr64(a + PG, 43);
    ensure_eq!(mprotect(a, PG, PROT_NONE), 0, "mprotect(NONE)");
    ensure_eq!(mprotect(a + PG, PG, PROT_READ), 0, "mprotect(R)");
    let st = child_status(|| {
        if mprotect(a, 2 * PG, PROT_READ | PROT_WRITE) != 0 {
            return 1;
        }
        if rd64(a) != 42 || rd64(a + PG) != 43 {
            return 2;
        }
        wr64(a, 7);
        wr64(a + PG, 8);
        if rd64(a) != 7 || rd64(a + PG) != 8 {
            return 3;
        }
        0
    })?;
    ensure_eq!(
        st,
        0,
        "child (1: mprotect, 2: saw wrong data, 3: lost its stores)"
    );
    ensure_eq!(
        rd64(a + PG),
        43,
        "parent's PROT_READ page after the child stored to its copy"
    );
    ensure_eq!(mprotect(a, PG, PROT_READ), 0, "parent's mprotect(R)");
    ensure_eq!(
        rd64(a),
        42,
        "parent's PROT_NONE page after the child stored to its copy"
    );
    unmap(a, 2 * PG)
}

/// mprotect can't make a MAP_SHARED mapping of a read-only descriptor
/// writable (mmap refuses that too); of a read-write one it can.
fn mprotect_shared() -> Result<(), String> {
    let f = name("mps");
    make_file(&f, PG, 20)?;
    let r = (|| {
        let ro = open(&f, fs::O_RDONLY)?;
        let a = map(PG, PROT_READ, MAP_SHARED, ro.raw(), 0)?;
        ensure_eq!(
            mprotect(a, PG, PROT_READ | PROT_WRITE),
            -1,
            "mprotect(RW) of a MAP_SHARED mapping of an O_RDONLY fd"
        );
        expect_killed("store after the refused mprotect", || wr8(a, 1))?;
        ensure_eq!(rd8(a), pat(20, 0), "mapping after the refused mprotect");
        unmap(a, PG)?;
        let rw = open(&f, fs::O_RDWR)?;
        let b = map(PG, PROT_READ, MAP_SHARED, rw.raw(), 0)?;
        ensure_eq!(rd8(b + 1), pat(20, 1), "read-only mapping of an O_RDWR fd");
        ensure_eq!(
            mprotect(b, PG, PROT_READ | PROT_WRITE),
            0,
            "mprotect(RW) of a MAP_SHARED mapping of an O_RDWR fd"
        );
        wr8(b + 1, 0x3c);
        unmap(b, PG)?;
        ensure_eq!(
            read_all(&f)?[1],
            0x3c,
            "file after a store made possible by mprotect"
        );
        Ok(())
    })();
    let _ = fs::unlink(&f);
    r
}

/// Runs `f` in a child and waits at most `ticks` timer ticks for it; a
/// child still running then is killed. Returns its status, or None if it
/// had to be killed.
fn with_watchdog(ticks: i32, f: impl FnOnce() -> i32) -> Result<Option<i32>, String> {
    let pid = process::spawn(f).map_err(|_| String::from("fork failed"))?;
    let dog = process::spawn(|| {
        let _ = process::pause(ticks);
        let _ = process::kill(pid);
        0
    })
    .map_err(|_| String::from("fork failed"))?;
    let (first, st) = process::wait().map_err(|_| String::from("wait failed"))?;
    if first == pid {
        let _ = process::kill(dog);
        let _ = process::wait_for(dog);
        Ok(Some(st))
    } else {
        let _ = process::wait_for(pid);
        Ok(None)
    }
}

/// PROT_WRITE without PROT_READ (which Sv39 can't express) still lets
/// stores through, from mmap or mprotect; they must not fault forever.
fn write_only() -> Result<(), String> {
    let st = with_watchdog(30, || {
        let Some(a) = try_map(PG, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) else {
            return 1;
        };
        wr64(a, 5);
        0
    })?;
    ensure_eq!(
        st,
        Some(0),
        "child storing to a PROT_WRITE mapping (None: it hung and was killed; 1: mmap failed)"
    );
    let st = with_watchdog(30, || {
        let Some(a) = try_map(
            PG,
            PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS,
            -1,
            0,
        ) else {
            return 1;
        };
        wr64(a, 5);
        if mprotect(a, PG, PROT_WRITE) != 0 {
            return 2;
        }
        wr64(a + 8, 6);
        0
    })?;
    ensure_eq!(
        st,
        Some(0),
        "child storing after mprotect(PROT_WRITE) (None: it hung and was killed; 1: mmap, 2: mprotect failed)"
    );
    Ok(())
}

/// munmap and mprotect of pieces of the heap leave holes and read-only
/// pages that sbrk grows past and shrinks through.
fn heap_split() -> Result<(), String> {
    let sbrk = |n: isize| {
        // SAFETY: this test grows and shrinks only its own part of the
        // break; the allocator was given a free block at start.
        let r = unsafe { ulib::sys::sbrk(n, abi::syscall::SBRK_LAZY) };
        (r != usize::MAX).then_some(r)
    };
    let old = sbrk(9 * PG as isize).ok_or("lazy sbrk failed")?;
    let base = (old + PG - 1) & !(PG - 1);
    for i in 0..8 {
        wr64(base + i * PG, i as u64);
    }
    unmap(base + 2 * PG, 2 * PG)?;
    ensure_eq!(
        mprotect(base + 5 * PG, PG, PROT_READ),
        0,
        "mprotect(R) of a heap page"
    );
    let mid = sbrk(4 * PG as isize).ok_or("sbrk after splitting the heap failed")?;
    ensure_eq!(mid, old + 9 * PG, "old break returned by sbrk");
    wr64(base + 10 * PG, 10);
    for i in [0, 1, 4, 5, 6, 7, 10] {
        ensure_eq!(rd64(base + i * PG), i as u64, "heap page {}", i);
    }
    ensure_eq!(rd64(base + 11 * PG), 0, "new heap page 11");
    expect_killed("load from the munmapped heap page", || {
        rd64(base + 2 * PG);
    })?;
    expect_killed("store to the read-only heap page", || {
        wr64(base + 5 * PG, 1)
    })?;
    sbrk(-(13 * PG as isize)).ok_or("shrinking the split heap failed")?;
    ensure_eq!(process::brk(), old, "break after shrinking");
    expect_killed("load from the heap given back", || {
        rd64(base + PG);
    })?;
    let again = sbrk(2 * PG as isize).ok_or("sbrk after shrinking failed")?;
    ensure_eq!(again, old, "break");
    ensure_eq!(rd64(base + PG), 0, "page 1 regrown");
    wr64(base + PG, 3);
    ensure_eq!(rd64(base + PG), 3, "store to the regrown page");
    expect_killed(
        "load from the old read-only page, now past the break",
        || {
            rd64(base + 5 * PG);
        },
    )
}
