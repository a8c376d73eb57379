//! Page reclaim: keeping free frames above the watermarks.
//!
//! Free frames are watched against min < low < high (`WMARK`). Below low,
//! an allocation wakes the reclaim thread (`kswapd`; only with a swap
//! disk), which evicts until free frames reach high. Below min, the
//! allocating process reclaims itself first (direct reclaim: its own pages,
//! then others' if it had none; it may sleep on the disk). When nothing can
//! be evicted, `out_of_memory` kills the largest process (never init: init
//! waits).
//!
//! Which pages go: with a swap disk, the reclaim thread and direct reclaim
//! take victims from the frame table through the active replacement policy
//! and unmap them wherever they are mapped (`mm::replace`, over the reverse
//! map `mm::rmap`). Without one (only clean file pages can go, and only a
//! process's own), and for `vmctl reclaim` (a process pushing its own idle
//! pages out), reclaim walks an address space instead: a clock hand per
//! space (`AddressSpace::clock_hand`) moves over the present user pages of
//! its areas; `vm::reclaim::Policy` (Clock) decides per page. Either way
//! `vm::reclaim::evict_how` says how a page goes (swap, drop, write back),
//! and another process's space is only visited if its lock is free
//! (`try_lock`): reclaim never waits for a second address space while
//! holding one.
use super::addr::{PhysAddr, PAGE_SIZE};
use super::aspace::AddressSpace;
use super::backing::Backing;
use super::frame;
use super::swap::{self, Out};
use crate::arch::riscv::pte::{Pte, A};
use crate::proc::{self, PROCS};
use crate::sync::SpinLock;
use abi::limits::NPROC;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use vm::reclaim::{evict_how, Allowed, Clock, Evict, PageKind, Policy, Visit};
use vm::swap::{swap_pte, PteState};
use vm::VmaFlags;

/// min < low < high, in frames.
static WMARK: [AtomicUsize; 3] = [const { AtomicUsize::new(0) }; 3];

pub static SCANNED: AtomicU64 = AtomicU64::new(0);
pub static RECLAIMED: AtomicU64 = AtomicU64::new(0);
pub static FILE_DROPPED: AtomicU64 = AtomicU64::new(0);
pub static DIRTY_WRITTEN: AtomicU64 = AtomicU64::new(0);
pub static DIRECT: AtomicU64 = AtomicU64::new(0);
pub static WAKEUPS: AtomicU64 = AtomicU64::new(0);
pub static OOM_KILLS: AtomicU64 = AtomicU64::new(0);

/// Pages evicted per batch: one TLB shootdown covers a batch.
pub const BATCH: usize = 32;

/// Defaults from RAM: min = 1/128 of it, low = 2 min, high = 4 min.
pub fn init(total_frames: usize) {
    let min = (total_frames / 128).max(16);
    set_watermarks(min, 2 * min, 4 * min).expect("default watermarks");
    super::replace::init(total_frames);
}

pub fn watermarks() -> (usize, usize, usize) {
    (
        WMARK[0].load(Ordering::Relaxed),
        WMARK[1].load(Ordering::Relaxed),
        WMARK[2].load(Ordering::Relaxed),
    )
}

/// Set all three; Err (nothing changed) unless 0 < min < low < high and
/// high leaves at least a quarter of RAM usable.
pub fn set_watermarks(min: usize, low: usize, high: usize) -> Result<(), ()> {
    if min == 0 || min >= low || low >= high || high > frame::total() * 3 / 4 {
        return Err(());
    }
    WMARK[0].store(min, Ordering::Relaxed);
    WMARK[1].store(low, Ordering::Relaxed);
    WMARK[2].store(high, Ordering::Relaxed);
    Ok(())
}

/// Set one by name (boot option `wmark_min=N`...); the result must still
/// be ordered.
pub fn set_one(which: usize, v: usize) -> Result<(), ()> {
    let mut w = [0; 3];
    let cur = watermarks();
    w.copy_from_slice(&[cur.0, cur.1, cur.2]);
    *w.get_mut(which).ok_or(())? = v;
    set_watermarks(w[0], w[1], w[2])
}

/// Why the reclaim thread should run: `RECLAIM` (free frames fell below
/// low) and/or `AGE` (global LRU's aging scan is due). Its address is the
/// sleep channel.
static KSWAPD: SpinLock<u8> = SpinLock::new("kswapd", 0);
const RECLAIM: u8 = 1;
const AGE: u8 = 2;

fn kswapd_chan() -> usize {
    &KSWAPD as *const _ as usize
}

/// Called before a path that allocates frames: wake the reclaim thread
/// below low, reclaim here below min. `own` is the caller's address space
/// if it holds its lock (so reclaim can evict from it too).
pub fn before_alloc(own: Option<&mut AddressSpace>) {
    let (min, low, _) = watermarks();
    let free = frame::free_count();
    // Without swap the thread could only drop clean file pages: direct
    // reclaim does that where it is needed.
    if free < low && swap::slot_counts().0 > 0 {
        wake_kswapd(RECLAIM);
    }
    if free < min && proc::current().is_some() {
        DIRECT.fetch_add(1, Ordering::Relaxed);
        let target = min - free + BATCH;
        if swap::slot_counts().0 > 0 {
            // Global: the policy's victims, wherever they are mapped.
            reclaim(own, target, ALL_BUT_FILES);
        } else if own.is_some() {
            // Without swap a process only drops its own clean pages: memory
            // runs out at RAM as it always has, and a process is not slowed
            // by another's appetite.
            reclaim_from(own, target, ALL_BUT_FILES, false);
        }
    }
}

fn wake_kswapd(why: u8) {
    let mut g = KSWAPD.lock();
    if *g & why != why {
        *g |= why;
        drop(g);
        proc::wakeup(kswapd_chan());
    }
}

/// Timer tick on the tick hart (interrupt context): wake the reclaim
/// thread if global LRU's aging scan is due (`replace::aging_due`).
pub fn on_tick(now: u64) {
    if super::replace::aging_due(now) {
        wake_kswapd(AGE);
    }
}

pub const ALL: Allowed = Allowed {
    swap: true,
    write_file: true,
};
/// Direct reclaim never writes files: its caller may hold file-system
/// locks (exec holds the program's inode).
const ALL_BUT_FILES: Allowed = Allowed {
    swap: true,
    write_file: false,
};

/// The reclaim thread: sleeps until woken below low, then evicts until
/// free frames reach high (or nothing more can go).
pub fn kswapd() -> ! {
    loop {
        let why = {
            let mut g = KSWAPD.lock();
            while *g == 0 {
                g = proc::sleep(kswapd_chan(), g);
            }
            core::mem::take(&mut *g)
        };
        if why & AGE != 0 {
            super::replace::age_now();
        }
        if why & RECLAIM == 0 {
            continue;
        }
        WAKEUPS.fetch_add(1, Ordering::Relaxed);
        let (_, _, high) = watermarks();
        while frame::free_count() < high {
            let want = high - frame::free_count();
            if reclaim(None, want.min(4 * BATCH), ALL) == 0 {
                // Everything offered belonged to busy processes (faulting:
                // they reclaim for themselves) or could not go. Woken again
                // at once by the next allocation, the thread would offer
                // the same victims again and again: wait a tick first.
                let _ = crate::trap::pause(1);
                break;
            }
        }
    }
}

/// Evict until `target` frames were freed or two sweeps of every address
/// space found nothing more. Returns the frames freed.
pub fn reclaim(own: Option<&mut AddressSpace>, target: usize, allowed: Allowed) -> usize {
    reclaim_from(own, target, allowed, true)
}

/// `reclaim`, from `own` only if `others` is false (`vmctl reclaim`: a
/// process pushing its own idle pages out).
pub fn reclaim_from(
    own: Option<&mut AddressSpace>,
    target: usize,
    allowed: Allowed,
    others: bool,
) -> usize {
    if super::hold::active() {
        return 0;
    }
    let mut own = own;
    let mut freed = if others && super::replace::active() {
        match super::replace::reclaim(own.as_deref_mut(), target, allowed).unwrap_or(0) {
            // The global policy offered only frames it could not take now:
            // their address spaces were busy, typically faulting and
            // reclaiming themselves, as we are (three processes swapping
            // at once on three harts). Our own pages can always go, so a
            // process short of memory never ends in the out-of-memory
            // killer while it has pages to swap.
            0 if own.is_some() => per_space(own, target, allowed, false),
            n => n,
        }
    } else {
        per_space(own, target, allowed, others)
    };
    // Last, frames only the swap cache holds (read ahead, or left by a
    // process that exited): their bytes are on disk.
    if freed < target || target == 0 {
        freed += swap::shrink_cache();
    }
    RECLAIMED.fetch_add(freed as u64, Ordering::Relaxed);
    freed
}

/// Reclaim by walking address spaces: `own` (if given), then, if
/// `others`, every other process's that is not locked.
fn per_space(
    mut own: Option<&mut AddressSpace>,
    target: usize,
    allowed: Allowed,
    others: bool,
) -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let mut freed = 0;
    // Clock needs two sweeps to evict a page that was used: one to clear
    // its A bit, one to find it still clear.
    for _ in 0..3 {
        if freed >= target {
            break;
        }
        // Pages this sweep could have evicted; none: stop (a second sweep
        // would find nothing either, and scanning costs).
        let mut candidates = 0;
        if let Some(a) = own
            .as_deref_mut()
            .filter(|_| !proc::current().is_some_and(proc::is_init))
        {
            let (f, c) = scan(a, target - freed, allowed);
            freed += f;
            candidates += c;
        }
        let start = NEXT.fetch_add(1, Ordering::Relaxed);
        for k in 0..NPROC * others as usize {
            if freed >= target {
                break;
            }
            let p = &PROCS[(start + k) % NPROC];
            // init is never evicted: it is small, and it must always be
            // able to run (reap orphans, start the shell) at once.
            if proc::is_init(p) {
                continue;
            }
            // Our own space, if we hold it, fails try_lock: done above.
            if let Some(mut g) = p.aspace.try_lock() {
                if let Some(a) = g.as_mut() {
                    let (f, c) = scan(a, target - freed, allowed);
                    freed += f;
                    candidates += c;
                }
            }
        }
        if candidates == 0 {
            break;
        }
    }
    freed
}

/// One page picked for eviction.
struct Victim {
    va: usize,
    old: Pte,
    how: Evict,
    /// For Swap: the slot and whether it must be written.
    slot: u32,
    write: bool,
    /// For WriteBack: (inode, file offset).
    file: Option<(crate::fs::Inode, usize)>,
}

/// Move `asp`'s clock hand over up to one turn of its pages, evicting up
/// to `want` frames' worth. Returns the frames freed and how many pages
/// could be evicted at all (policy aside).
/// A file-backed area's inode and the file offset of its start.
type FileAt = (crate::fs::Inode, usize);

fn scan(asp: &mut AddressSpace, want: usize, mut allowed: Allowed) -> (usize, usize) {
    // A full swap disk is checked once, not once per page.
    allowed.swap = allowed.swap && swap::has_room();
    // (start, end, kind, file and its offset at `start`) of each area.
    let mut areas: Vec<(usize, usize, PageKind, Option<FileAt>)> = Vec::new();
    for v in asp.vmas.iter() {
        let shared = v.flags.contains(VmaFlags::SHARED);
        let (kind, file) = match (&v.backing, shared) {
            (Backing::Anon, false) => (PageKind::Anon, None),
            (Backing::Anon, true) => continue,
            (Backing::File { .. }, false) => (PageKind::PrivateFile, None),
            (Backing::File { inode, offset, .. }, true) => {
                (PageKind::SharedFile, Some((inode.clone(), *offset)))
            }
        };
        if areas.try_reserve(1).is_err() {
            return (0, 0);
        }
        areas.push((v.start, v.end, kind, file));
    }
    if areas.is_empty() {
        return (0, 0);
    }
    let zero = frame::zero_frame();
    let mut policy = Clock;
    let mut victims: Vec<Victim> = Vec::new();
    let mut freed = 0;
    let mut aged = false;
    let mut candidates = 0;
    // Start at the hand: the first area that ends above it.
    let mut i = areas.iter().position(|a| a.1 > asp.clock_hand).unwrap_or(0);
    let mut va = asp.clock_hand.max(areas[i].0);
    // One visit is at most one full turn of the hand (a region without a
    // page table counts once), so a page whose A bit this visit clears is
    // met again by the next visit, not skipped.
    let turn: usize = areas.iter().map(|a| (a.1 - a.0) / PAGE_SIZE).sum();
    let mut seen = 0;
    while seen < turn && freed + victims.len() < want {
        if va >= areas[i].1 {
            i = (i + 1) % areas.len();
            va = areas[i].0;
        }
        let (start, _, kind, ref file) = areas[i];
        let page = va;
        va += PAGE_SIZE;
        seen += 1;
        let Some(slot) = asp.pt.slot_unshared(super::addr::VirtAddr(page)) else {
            // No table, or one shared with a parent or child (fork): skip
            // to the next 2 MiB region.
            va = ((page >> 21) + 1) << 21;
            continue;
        };
        let pte = *slot;
        let PteState::Present(raw) = PteState::of(pte.0) else {
            continue;
        };
        let pa = PhysAddr(pte.pa());
        let how = evict_how(kind, raw, pa == zero, allowed);
        if how == Evict::Keep {
            continue;
        }
        candidates += 1;
        SCANNED.fetch_add(1, Ordering::Relaxed);
        match policy.visit(raw) {
            Visit::Keep => continue,
            Visit::ClearAccessed => {
                *slot = pte.without(A);
                aged = true;
                continue;
            }
            Visit::Evict => {}
        }
        let mut v = Victim {
            va: page,
            old: pte,
            how,
            slot: 0,
            write: false,
            file: None,
        };
        match how {
            Evict::Swap => match swap::slot_for(pa) {
                Some(Out::Cached(s)) => v.slot = s,
                Some(Out::New(s)) => {
                    v.slot = s;
                    v.write = true;
                }
                None => continue, // no swap, or full
            },
            Evict::WriteBack => {
                let (inode, off) = file.clone().expect("shared file area");
                v.file = Some((inode, off + (page - start)));
            }
            Evict::Drop | Evict::Keep => {}
        }
        *slot = match how {
            Evict::Swap => Pte(swap_pte(v.slot)),
            _ => Pte(0),
        };
        if victims.try_reserve(1).is_err() {
            *slot = pte;
            if v.how == Evict::Swap {
                swap::release(v.slot);
            }
            break;
        }
        victims.push(v);
        if victims.len() == BATCH {
            freed += evict(asp, &mut victims);
        }
    }
    asp.clock_hand = va;
    if aged && victims.is_empty() {
        // Cleared A bits must reach other harts' TLBs, or a page in use
        // there never shows A again and looks idle.
        shootdown();
    }
    (freed + evict(asp, &mut victims), candidates)
}

/// Flush every hart's TLB: a PTE we changed may be cached anywhere the
/// process runs.
fn shootdown() {
    crate::arch::riscv::sbi::remote_sfence_vma_all(0, usize::MAX);
}

/// Finish a batch whose PTEs already say swapped/absent: shoot the old
/// translations down, then write what must be written and let the frames
/// go. Returns the frames freed.
fn evict(asp: &mut AddressSpace, victims: &mut Vec<Victim>) -> usize {
    if victims.is_empty() {
        return 0;
    }
    // From here no hart can write the frames through the old PTEs.
    shootdown();
    let on_disk = write_slots(victims, |v| v.write.then(|| (v.slot, PhysAddr(v.old.pa()))));
    let mut freed = 0;
    for (k, v) in victims.drain(..).enumerate() {
        let pa = PhysAddr(v.old.pa());
        match v.how {
            Evict::Swap => {
                if !on_disk[k] {
                    crate::println!("swap: write of slot {} failed; page kept", v.slot);
                    if let Some(s) = asp.pt.slot(super::addr::VirtAddr(v.va), false) {
                        *s = v.old;
                    }
                    swap::release(v.slot);
                    continue;
                }
            }
            Evict::WriteBack | Evict::Drop => file_page_gone(v.how, v.file.as_ref(), pa),
            Evict::Keep => continue,
        }
        if frame::put_last(pa) || swap::uncache_if_idle(pa) {
            freed += 1;
        } else if let Some((inode, off)) = &v.file {
            let idx = off / PAGE_SIZE;
            if frame::refs(pa) == 1 {
                super::pagecache::release_unmapped(inode.inum(), idx, idx);
                freed += 1;
            }
        }
    }
    freed
}

/// Write a batch's new swap slots with all the writes in flight at once
/// (per-space and global reclaim both): `slot_of(v)` is the slot and frame
/// of a victim whose page must be written, None if it is on disk already.
/// Returns per victim whether its page is on disk now. The frames must not
/// change meanwhile: no PTE maps them writable.
pub(super) fn write_slots<V>(
    victims: &[V],
    slot_of: impl Fn(&V) -> Option<(u32, PhysAddr)>,
) -> [bool; BATCH] {
    assert!(victims.len() <= BATCH, "a batch is at most BATCH victims");
    let mut on_disk = [true; BATCH];
    let mut writes: Vec<(u32, PhysAddr)> = Vec::new();
    if writes.try_reserve(victims.len()).is_err() {
        // No heap for the batch: one write at a time.
        for (k, v) in victims.iter().enumerate() {
            if let Some((slot, pa)) = slot_of(v) {
                on_disk[k] = swap::write(slot, pa).is_ok();
            }
        }
        return on_disk;
    }
    let mut whose = [0usize; BATCH];
    for (k, v) in victims.iter().enumerate() {
        if let Some(w) = slot_of(v) {
            whose[writes.len()] = k;
            writes.push(w);
        }
    }
    let mut written = [false; BATCH];
    swap::write_many(&writes, &mut written[..writes.len()]);
    for (j, &k) in whose[..writes.len()].iter().enumerate() {
        on_disk[k] = written[j];
    }
    on_disk
}

/// The file half of evicting a file page, once no PTE maps it (per-space
/// and global reclaim both): a dirty shared page is written back to its
/// file (`file`: its inode and offset), and the page counts as dropped.
pub(super) fn file_page_gone(how: Evict, file: Option<&(crate::fs::Inode, usize)>, pa: PhysAddr) {
    if how == Evict::WriteBack {
        let (inode, off) = file.expect("write-back victim");
        // No PTE maps the frame any more (unmapped and shot down); the page
        // cache's reference keeps it.
        if inode.write_frame_within(*off, pa).is_ok() {
            DIRTY_WRITTEN.fetch_add(1, Ordering::Relaxed);
            super::stats::FILE_PAGES_WRITTEN.fetch_add(1, Ordering::Relaxed);
        }
    }
    FILE_DROPPED.fetch_add(1, Ordering::Relaxed);
}

/// An allocation failed even after `before_alloc`. Reclaim harder, then
/// pick an out-of-memory victim. true: try the allocation again; false:
/// give up (the caller fails, or is the victim itself).
pub fn out_of_memory(asp: &mut AddressSpace, tries: usize) -> bool {
    let me = proc::current();
    let is_init = me.is_some_and(proc::is_init);
    if proc::killed() {
        return false;
    }
    if super::hold::active() {
        // A test holds the frames on purpose: nobody is killed for that
        // shortage. But init waits for them like for any other: if init
        // died, the kernel would go down with it.
        return is_init && crate::trap::pause(1).is_ok();
    }
    let others = swap::slot_counts().0 > 0;
    if reclaim_from(Some(asp), BATCH, ALL_BUT_FILES, others) > 0 {
        return true;
    }
    wake_kswapd(RECLAIM);
    match largest(asp) {
        Some((p, _)) if !me.is_some_and(|m| core::ptr::eq(m, p)) => {
            let pid = p.pid();
            let n = footprint_of(p).unwrap_or(0);
            crate::println!(
                "out of memory: killed pid {} ({}), {} pages",
                pid,
                p.name(),
                n
            );
            OOM_KILLS.fetch_add(1, Ordering::Relaxed);
            proc::kill(pid);
        }
        Some((_, n)) if !is_init => {
            let me = me.expect("a process");
            crate::println!(
                "out of memory: killed pid {} ({}), {} pages",
                me.pid(),
                me.name(),
                n
            );
            OOM_KILLS.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        _ if !is_init => return false,
        _ => {}
    }
    // Wait a tick for the victim to exit (init waits as long as it takes).
    let _ = crate::trap::pause(1);
    is_init || tries < 500
}

/// Pages a process holds: present user pages and swapped ones.
fn footprint(a: &AddressSpace) -> usize {
    let mut n = 0;
    a.pt.for_each_entry(|_, s| match s {
        PteState::Present(p) if p & crate::arch::riscv::pte::U != 0 => n += 1,
        PteState::Swapped(_) => n += 1,
        _ => {}
    });
    n
}

fn footprint_of(p: &proc::Proc) -> Option<usize> {
    p.aspace.try_lock()?.as_ref().map(footprint)
}

/// The process holding the most pages, init and kernel threads aside. The
/// caller's own space (locked by it) is `own`.
fn largest(own: &AddressSpace) -> Option<(&'static proc::Proc, usize)> {
    let me = proc::current();
    let mut best: Option<(&'static proc::Proc, usize)> = None;
    for p in PROCS.iter() {
        if proc::is_init(p) || !proc::is_user(p) || proc::is_killed(p) {
            continue;
        }
        let n = if me.is_some_and(|m| core::ptr::eq(m, p)) {
            footprint(own)
        } else {
            match footprint_of(p) {
                Some(n) => n,
                None => continue,
            }
        };
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((p, n));
        }
    }
    best
}
