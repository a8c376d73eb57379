//! Item 2 of issue 7: ptdump of a huge address space costs the kernel no
//! memory (it copies out in pieces), reports every mapping, and works only
//! on the caller's own table or a child's.

use crate::util::*;
use abi::layout::PAGE_SIZE as PG;
use abi::syscall::SBRK_LAZY;
use abi::vmstat::{PtEntry, PTE_U, PTE_V};
use ulib::prelude::*;
use ulib::test::Test;
use ulib::{ensure, ensure_eq, fs, process, sys};

pub const TESTS: &[Test] = &[
    Test::forked("ptdumpbig", ptdumpbig),
    Test::forked("ptdumpwho", ptdumpwho),
];

fn ptdump_raw(pid: i32, buf: &mut [PtEntry]) -> isize {
    // SAFETY: the kernel writes at most buf.len() rows into buf.
    unsafe { sys::ptdump(pid, buf.as_mut_ptr(), buf.len() as i32) }
}

/// 200,000 lazy heap pages, each read once (zero-frame mappings): a dump
/// of all of them used to be collected in one kernel vector.
fn ptdumpbig() -> TestResult {
    const PAGES: usize = 200_000;
    let old = sbrk_raw(PAGES * PG, SBRK_LAZY);
    ensure!(old > 0, "lazy sbrk of {} pages", PAGES);
    let start = (old as usize).next_multiple_of(PG);
    let mut sum = 0u32;
    for k in 0..PAGES - 1 {
        sum += rd8(start + k * PG) as u32;
    }
    ensure_eq!(sum, 0, "sum of never-written pages");
    // Allocated first: the heap growing between dumps would add mappings.
    let mut more = vec![PtEntry::default(); 1000];
    let mut rows = [PtEntry::default(); 100];
    let n = ptdump_raw(0, &mut rows);
    ensure!(n >= (PAGES - 1) as isize, "ptdump counted {} mappings", n);
    for r in &rows {
        ensure!(r.flags & (PTE_V | PTE_U) == PTE_V | PTE_U, "row {:?}", r);
    }
    ensure!(
        rows.windows(2).all(|w| w[0].va < w[1].va),
        "rows out of order"
    );
    // max 0 only counts; the count does not depend on max.
    ensure_eq!(ptdump_raw(0, &mut []), n, "count with max 0");
    // A piece boundary in the middle of a long dump: 1000 rows match a
    // dump of the first 100 rows.
    ensure_eq!(ptdump_raw(0, &mut more), n, "count with max 1000");
    ensure!(
        more[..100]
            .iter()
            .zip(&rows)
            .all(|(a, b)| a.va == b.va && a.pa == b.pa),
        "first 100 rows differ between dumps"
    );
    ensure!(
        more.windows(2).all(|w| w[0].va < w[1].va),
        "rows out of order"
    );
    Ok(())
}

/// Only yourself (0 or your pid) and your children.
fn ptdumpwho() -> TestResult {
    let mut rows = [PtEntry::default(); 4];
    ensure!(ptdump_raw(0, &mut rows) > 0, "own table");
    ensure!(ptdump_raw(process::getpid(), &mut rows) > 0, "own pid");
    // init (pid 1) is not our child.
    ensure_eq!(ptdump_raw(1, &mut rows), -1, "ptdump of init");
    let [r, w] = fs::pipe().map_err(|e| format!("pipe: {}", e))?;
    let child = process::spawn(|| {
        let _ = fs::close(w);
        let mut b = [0u8; 1];
        let _ = fs::read(r, &mut b);
        0
    })
    .map_err(|e| format!("fork: {}", e))?;
    let _ = fs::close(r);
    let mine = ptdump_raw(child, &mut rows);
    // A grandchild tries its grandparent and its sibling.
    let me = process::getpid();
    let other = process::spawn_wait(move || {
        let mut rows = [PtEntry::default(); 4];
        if ptdump_raw(me, &mut rows) != -1 || ptdump_raw(child, &mut rows) != -1 {
            return 1;
        }
        0
    });
    let _ = fs::close(w);
    let _ = process::wait_for(child);
    ensure!(mine > 0, "ptdump of a child: {}", mine);
    ensure_eq!(other, Ok(0), "a process dumping its parent or sibling");
    Ok(())
}
