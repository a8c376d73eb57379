//! Global reclaim and the level-0 page tables copy-on-write fork shares
//! (docs/vm.md section 9): only a change to a leaf may copy a shared table,
//! and nothing but an A-bit clear may change one (section 13, invariant 6).
//! `vmctl(VMCTL_TABLE_SHARED, va)` says whether the caller's table covering
//! `va` is still shared.
use crate::pages::{check, fill, region, stat};
use crate::tests::{hog, unhog, Wmarks};
use abi::layout::PAGE_SIZE as PG;
use abi::mman::{MAP_ANONYMOUS, MAP_SHARED, PROT_READ, PROT_WRITE};
use abi::vmstat::{PtEntry, PTDUMP_SWAPPED, VMCTL_TABLE_SHARED};
use ulib::prelude::*;
use ulib::{ensure, fs, process, sys, vm};

/// What one level-0 table maps: 2 MiB.
const TABLE: usize = 512 * PG;

/// 1 if our level-0 table covering `va` is shared, 0 if ours, -1 if none.
fn shared(va: usize) -> isize {
    sys::vmctl(VMCTL_TABLE_SHARED, va)
}

/// The global policy for the duration of a test, restored on drop.
struct GlobalPolicy(usize);

impl GlobalPolicy {
    fn set(name: &str) -> Result<GlobalPolicy, String> {
        let n = ulib::reslimit::policy_number(name).ok_or("no such policy")?;
        let old = ulib::reslimit::set_policy(n).map_err(|e| format!("vmctl policy: {}", e))?;
        Ok(GlobalPolicy(old))
    }
}

impl Drop for GlobalPolicy {
    fn drop(&mut self) {
        let _ = ulib::reslimit::set_policy(self.0);
    }
}

fn pipe() -> Result<[i32; 2], String> {
    fs::pipe().map_err(|e| format!("pipe: {}", e))
}

/// Reclaim only looks at the frames of a table shared by fork: it does not
/// copy the table (looking must not allocate). A shared anonymous region
/// (never evicted, so reclaim only reads and clears its A bits) covers a
/// whole level-0 table; parent and child share that table; pressure runs
/// global reclaim under LRU, whose aging scan looks at every frame. The
/// table is still shared in both afterwards.
pub fn sharedlook() -> Result<(), String> {
    // 4 MiB: a 2 MiB-aligned stretch, one whole level-0 table, lies inside.
    let n = 2 * TABLE / PG;
    // SAFETY: a new mapping; nothing is replaced.
    let base = unsafe {
        ulib::mem::mmap(
            0,
            n * PG,
            PROT_READ | PROT_WRITE,
            MAP_SHARED | MAP_ANONYMOUS,
            -1,
            0,
        )
    }
    .map_err(|e| format!("mmap: {}", e))?;
    fill(base, 0, n, 0x5a);
    let table = base.next_multiple_of(TABLE);
    ensure!(
        shared(table) == 0,
        "before fork the table at {:#x} is {} (want 0: our own)",
        table,
        shared(table)
    );
    let _p = GlobalPolicy::set("lru")?;
    let wake = pipe()?;
    let child = process::spawn(move || {
        let _ = fs::close(wake[1]);
        let mut b = [0u8; 1];
        let _ = fs::read(wake[0], &mut b);
        // Before reading anything: our view of the table.
        let st = shared(table);
        if check(base, 0, n, 0x5a).is_err() {
            return 2;
        }
        if st != 1 {
            println!("sharedlook: the child's table is {} (want 1: shared)", st);
            return 3;
        }
        0
    })
    .map_err(|e| format!("fork: {}", e))?;
    let _ = fs::close(wake[0]);
    let after_fork = shared(table);
    let s0 = stat()?;
    // Free frames below low: the reclaim thread (and direct reclaim) run
    // the policy over every frame, the shared region's included.
    let h = hog(s0.wmark_min as usize / 2);
    let s1 = stat()?;
    let mine = shared(table);
    let _ = fs::write(wake[1], b"w");
    let st = process::wait_for(child).map_err(|e| format!("wait: {}", e))?;
    let _ = fs::close(wake[1]);
    unhog(h?)?;
    ensure!(after_fork == 1, "after fork the table is not shared");
    ensure!(
        s1.policy_scans > s0.policy_scans,
        "no aging scan ran (the pressure ran no global reclaim)"
    );
    ensure!(
        mine == 1,
        "reclaim copied a shared table it only looked at (ours is {}, want 1)",
        mine
    );
    ensure!(st == 0, "child failed (status {})", st);
    check(base, 0, n, 0x5a).map_err(|e| format!("parent: {}", e))?;
    Ok(())
}

/// Pages (from `ptdump`) swapped out in a table that is still shared, among
/// `vas` (pages present at fork): reclaim wrote a shared table.
fn swapped_in_shared(rows: &[PtEntry], vas: impl Iterator<Item = usize>) -> Vec<usize> {
    vas.filter(|&va| {
        rows.iter()
            .any(|r| r.va as usize == va && r.flags == PTDUMP_SWAPPED)
            && shared(va) == 1
    })
    .collect()
}

/// A victim whose PTE lies in a table shared by fork goes only once its
/// address space has a copy of the table; with no frame for the copy it
/// stays, and nothing changes (no swap slot is taken for it, the shared
/// table is not written). The parent has one page in each of `NT` level-0
/// tables, all shared with its child: evicting one costs a frame (the copy)
/// and frees none (the child's table still maps it), so under low
/// watermarks reclaim soon has no frame left for copies. Then both read
/// every page back, the child writes half, and neither sees the other's
/// writes; the harness checks every swap slot came back.
pub fn sharednoframe() -> Result<(), String> {
    const NT: usize = 128;
    let _w = Wmarks::set(8, 16, 32)?;
    // A region of NT + 1 tables' span, of which only page k * TABLE (from
    // the first 2 MiB boundary) is ever touched: one page per table.
    let span = region((NT + 1) * TABLE / PG)?;
    let first = span.next_multiple_of(TABLE);
    let page = move |k: usize| first + k * TABLE;
    let seed = |k: usize| 0x6000 + k as u64;
    for k in 0..NT {
        fill(page(k), 0, 1, seed(k));
    }
    let present: Vec<usize> = {
        let rows = vm::ptdump(0).map_err(|e| format!("ptdump: {}", e))?;
        (0..NT)
            .map(page)
            .filter(|&va| {
                rows.iter()
                    .any(|r| r.va as usize == va && r.flags & abi::vmstat::PTE_V != 0)
            })
            .collect()
    };
    let (wake, done, ack) = (pipe()?, pipe()?, pipe()?);
    let present_c = present.clone();
    let child = process::spawn(move || {
        let _ = fs::close(wake[1]);
        let _ = fs::close(done[0]);
        let _ = fs::close(ack[1]);
        let mut b = [0u8; 1];
        let _ = fs::read(wake[0], &mut b);
        // Before reading anything back (a swap-in copies the table).
        let Ok(rows) = vm::ptdump(0) else { return 2 };
        let bad = swapped_in_shared(&rows, present_c.iter().copied());
        if !bad.is_empty() {
            println!(
                "sharednoframe: child: {} pages swapped out in a table still shared (first {:#x})",
                bad.len(),
                bad[0]
            );
            return 3;
        }
        for k in 0..NT {
            if let Err(e) = check(page(k), 0, 1, seed(k)) {
                println!("sharednoframe: child, page {}: {}", k, e);
                return 4;
            }
        }
        for k in 0..NT / 2 {
            fill(page(k), 0, 1, !seed(k));
            if check(page(k), 0, 1, !seed(k)).is_err() {
                return 5;
            }
        }
        let _ = fs::write(done[1], b"d");
        let _ = fs::read(ack[0], &mut b);
        0
    })
    .map_err(|e| format!("fork: {}", e))?;
    for fd in [wake[0], done[1], ack[0]] {
        let _ = fs::close(fd);
    }
    // More than the free memory: reclaim runs with few frames free, and
    // the policy offers our (older, idle) pages early.
    let s0 = stat()?;
    let h = hog(0);
    let s1 = stat()?;
    let mine = vm::ptdump(0);
    let bad = mine
        .as_ref()
        .map(|rows| swapped_in_shared(rows, present.iter().copied()));
    let taken = mine.as_ref().map_or(0, |rows| {
        rows.iter()
            .filter(|r| r.flags == PTDUMP_SWAPPED && present.contains(&(r.va as usize)))
            .count()
    });
    let still = present.iter().filter(|&&va| shared(va) == 1).count();
    let hog_ok = match h {
        Ok(h) => unhog(h),
        Err(e) => Err(e),
    };
    let mut b = [0u8; 1];
    let _ = fs::write(wake[1], b"w");
    let _ = fs::read(done[0], &mut b);
    // The child's writes are its own; ours are ours.
    let mine_ok = (0..NT).try_for_each(|k| {
        check(page(k), 0, 1, seed(k)).map_err(|e| format!("parent, page {}: {}", k, e))
    });
    let _ = fs::write(ack[1], b"a");
    let st = process::wait_for(child).map_err(|e| format!("wait: {}", e))?;
    for fd in [wake[1], done[0], ack[1]] {
        let _ = fs::close(fd);
    }
    println!(
        "sharednoframe: {} of {} pages swapped out (ours), {} tables still shared; rmap-unmaps {}",
        taken,
        present.len(),
        still,
        s1.rmap_unmaps - s0.rmap_unmaps
    );
    hog_ok?;
    ensure!(
        present.len() == NT,
        "only {} of {} pages present at fork",
        present.len(),
        NT
    );
    let bad = bad.map_err(|e| format!("ptdump: {}", e))?;
    ensure!(
        bad.is_empty(),
        "{} pages swapped out in a table still shared (first {:#x})",
        bad.len(),
        bad.first().copied().unwrap_or(0)
    );
    ensure!(st == 0, "child failed (status {})", st);
    mine_ok?;
    ensure!(
        s1.rmap_unmaps > s0.rmap_unmaps,
        "the pressure ran no global reclaim"
    );
    Ok(())
}
