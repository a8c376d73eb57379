//! zerofill: never-written anonymous memory (.bss, lazy heap, anonymous
//! mmap) reads as zero through one shared, read-only zero frame; the first
//! write gives the page a private zeroed frame (ZERO_FILLED).
#![no_std]
#![no_main]

use abi::layout::PAGE_SIZE as PG;
use abi::vmstat::{fault, PtEntry, PTE_COW, PTE_R, PTE_U, PTE_V, PTE_W};
use ulib::prelude::*;
use ulib::probe::*;
use ulib::test::{expect_killed, run_suite, Test};
use ulib::{ensure, ensure_eq, mem, process, sys, vm};

ulib::entry!(main);

const SUITE: &str = "zero";

fn main(args: &[&str]) -> i32 {
    let tests = [
        Test::forked("bss", bss),
        Test::forked("heap", heap),
        Test::forked("anonmmap", anon_mmap),
        Test::forked("many", many),
        Test::forked("fork", after_fork),
        Test::forked("readonly", readonly),
    ];
    run_suite(SUITE, &tests, args.get(1..).unwrap_or(&[]))
}

/// Eight pages of .bss. Being page-aligned and past the end of .data,
/// none of them holds bytes from the program file.
#[repr(C, align(4096))]
struct Area([u8; 8 * PG]);
static mut ZBSS: Area = Area([0; 8 * PG]);

fn bss_base() -> usize {
    core::ptr::addr_of!(ZBSS) as usize
}

/// The mapping of page `va` in this process, if any.
fn row(va: usize) -> Result<Option<PtEntry>, String> {
    Ok(vm::ptdump(0)
        .map_err(|e| format!("ptdump: {}", e))?
        .into_iter()
        .find(|e| e.va as usize == va))
}

fn lazy_pages(n: usize) -> Result<usize, String> {
    // SAFETY: growing the break takes nothing from anyone.
    let old = unsafe { sys::sbrk(((n + 1) * PG) as isize, abi::syscall::SBRK_LAZY) };
    ensure!(old != usize::MAX, "lazy sbrk failed");
    Ok((old + PG - 1) & !(PG - 1))
}

/// Checks that `va` maps the zero frame `zero` (or, if `zero` is None,
/// some read-only frame, returned).
fn expect_zero_page(va: usize, zero: Option<u64>, what: &str) -> Result<u64, String> {
    let e = row(va)?.ok_or_else(|| format!("{} {:#x} not mapped after a read", what, va))?;
    ensure!(
        e.flags & (PTE_V | PTE_R | PTE_U) == PTE_V | PTE_R | PTE_U,
        "{} {:#x}: flags {:#x}, want V R U",
        what,
        va,
        e.flags
    );
    ensure!(
        e.flags & PTE_W == 0,
        "{} {:#x} maps {:#x} writable (flags {:#x}) before any write",
        what,
        va,
        e.pa,
        e.flags
    );
    if let Some(z) = zero {
        ensure!(
            e.pa == z,
            "{} {:#x} maps {:#x}, not the zero frame {:#x}",
            what,
            va,
            e.pa,
            z
        );
    }
    Ok(e.pa)
}

/// After the first write: a private, writable frame that is not the zero
/// frame, holding zeros but for the written word.
fn expect_private(va: usize, zero: u64, word: u64, what: &str) -> Result<(), String> {
    let e = row(va)?.ok_or_else(|| format!("{} {:#x} not mapped after a write", what, va))?;
    ensure!(
        e.pa != zero,
        "{} {:#x} still maps the zero frame after a write",
        what,
        va
    );
    ensure!(
        e.flags & PTE_W != 0 && e.flags & PTE_COW == 0,
        "{} {:#x} after write: flags {:#x}",
        what,
        va,
        e.flags
    );
    ensure_eq!(rd64(va), word, "{} written word", what);
    for off in (8..PG).step_by(8) {
        ensure_eq!(rd64(va + off), 0, "{} byte {} of a fresh page", what, off);
    }
    Ok(())
}

/// Reads `a` and `b` (two never-touched pages) then writes `a`; the reads
/// map the zero frame (ZERO_MAPPED +2), the write makes a private frame
/// (ZERO_FILLED +1). Returns the zero frame's address.
fn read_then_write(a: usize, b: usize, zero: Option<u64>, what: &str) -> Result<u64, String> {
    let _ = stat()?;
    let v0 = stat()?;
    let x = rd64(a) | rd64(a + PG - 8) | rd64(b);
    let v1 = stat()?;
    ensure_eq!(x, 0, "{}: words read from untouched pages", what);
    ensure_eq!(
        delta(&v0, &v1, fault::ZERO_MAPPED),
        2,
        "{}: ZERO_MAPPED for reads of 2 pages",
        what
    );
    ensure_eq!(
        delta(&v0, &v1, fault::ZERO_FILLED),
        0,
        "{}: ZERO_FILLED for reads",
        what
    );
    let z = expect_zero_page(a, zero, what)?;
    expect_zero_page(b, Some(z), what)?;
    let v2 = stat()?;
    wr64(a, 0xfeed);
    let v3 = stat()?;
    ensure_eq!(
        delta(&v2, &v3, fault::ZERO_FILLED),
        1,
        "{}: ZERO_FILLED for the first write",
        what
    );
    expect_private(a, z, 0xfeed, what)?;
    // The other page is still on the zero frame.
    expect_zero_page(b, Some(z), what)?;
    Ok(z)
}

/// .bss pages read as zero on the zero frame, which is the same frame a
/// lazy heap page reads; a write makes a private page.
fn bss() -> Result<(), String> {
    let base = bss_base();
    let z = read_then_write(base + 2 * PG, base + 5 * PG, None, "bss page")?;
    let h = lazy_pages(1)?;
    ensure_eq!(rd64(h), 0, "heap word");
    expect_zero_page(h, Some(z), "heap page")?;
    Ok(())
}

fn heap() -> Result<(), String> {
    let h = lazy_pages(4)?;
    read_then_write(h, h + 2 * PG, None, "heap page")?;
    Ok(())
}

fn anon_mmap() -> Result<(), String> {
    let m = mem::mmap_anon(4 * PG, mem::PROT_READ | mem::PROT_WRITE)
        .map_err(|_| String::from("mmap failed"))?;
    let z = read_then_write(m + PG, m + 3 * PG, None, "mmap page")?;
    // The same zero frame as the heap's.
    let h = lazy_pages(1)?;
    ensure_eq!(rd64(h), 0, "heap word");
    expect_zero_page(h, Some(z), "heap page")?;
    Ok(())
}

/// 64 pages read: all on one frame, and no frames used for them.
fn many() -> Result<(), String> {
    const N: usize = 64;
    let h = lazy_pages(N)?;
    let _ = stat()?;
    let v0 = stat()?;
    let mut x = 0;
    for i in 0..N {
        x |= rd64(h + i * PG);
    }
    let v1 = stat()?;
    ensure_eq!(x, 0, "words read");
    ensure!(
        v0.free_frames - v1.free_frames <= 2,
        "reading {} untouched pages used {} frames",
        N,
        v0.free_frames - v1.free_frames
    );
    let rows = vm::ptdump(0).map_err(|e| format!("ptdump: {}", e))?;
    let mine: Vec<&PtEntry> = rows
        .iter()
        .filter(|e| (h..h + N * PG).contains(&(e.va as usize)))
        .collect();
    ensure_eq!(mine.len(), N, "pages mapped after reading");
    ensure!(
        mine.iter()
            .all(|e| e.pa == mine[0].pa && e.flags & PTE_W == 0),
        "the {} read pages are not all the same read-only frame",
        N
    );
    Ok(())
}

/// Fork shares the zero frame as is (no COW mark); the child's first
/// write is a zero fill, not a copy.
fn after_fork() -> Result<(), String> {
    let h = lazy_pages(2)?;
    ensure_eq!(rd64(h), 0, "heap word");
    let z = expect_zero_page(h, None, "heap page")?;
    let st = ulib::test::child_status(|| {
        let code = (|| -> Result<(), String> {
            let e = row(h)?.ok_or("child: page not mapped")?;
            ensure!(
                e.pa == z && e.flags & (PTE_W | PTE_COW) == 0,
                "child's page {:#x}: pa {:#x} flags {:#x}, want the zero frame {:#x}, no W, no COW",
                h,
                e.pa,
                e.flags,
                z
            );
            let _ = stat()?;
            let v0 = stat()?;
            wr64(h, 5);
            let v1 = stat()?;
            ensure_eq!(
                delta(&v0, &v1, fault::ZERO_FILLED),
                1,
                "child's write: ZERO_FILLED"
            );
            ensure_eq!(
                delta(&v0, &v1, fault::COW_COPY),
                0,
                "child's write: COW_COPY"
            );
            expect_private(h, z, 5, "child's page")
        })();
        match code {
            Ok(()) => 0,
            Err(why) => {
                ulib::eprintln!("{}/fork: in the child: {}", SUITE, why);
                1
            }
        }
    })?;
    ensure_eq!(st, 0, "child status");
    ensure_eq!(rd64(h), 0, "parent's word after the child wrote");
    expect_zero_page(h, Some(z), "parent's page")?;
    Ok(())
}

/// A read-only anonymous mapping reads zeros; a write kills.
fn readonly() -> Result<(), String> {
    let m = mem::mmap_anon(2 * PG, mem::PROT_READ).map_err(|_| String::from("mmap failed"))?;
    ensure_eq!(
        rd64(m) | rd64(m + PG),
        0,
        "words of a read-only anonymous mapping"
    );
    expect_zero_page(m, None, "read-only page")?;
    expect_killed("write to a PROT_READ anonymous page", || wr64(m, 1))?;
    ensure_eq!(process::getpid() > 0, true, "alive");
    Ok(())
}
