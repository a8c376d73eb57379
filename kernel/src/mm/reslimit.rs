//! Resident limits: a program gives a region of its address space a fixed
//! number of frames, and page replacement inside the region is local to it,
//! run by a `vmpolicy::Policy` whose indices are the region's slots
//! `0..limit`. This is the experiment bench for docs/replacement.md:
//! `belady` and `refs` count the faults one policy takes on one reference
//! string, whatever else runs.
//!
//! Without swap only file-backed pages can be evicted: a MAP_SHARED page is
//! written to its file if dirty, then unmapped and dropped from the page
//! cache; a clean private file page is just dropped. Both are read again on
//! the next fault. Anonymous areas, and private writable file areas (whose
//! dirty pages exist nowhere else), are refused until swap exists.
//!
//! Everything here runs under the address-space lock: the fault hook
//! (`fault::handle`), the unmap hook (`AddressSpace::unmap`), vmctl, and the
//! timer hook (`usertrap`, on the process's own timer interrupts: its ages
//! advance with its own run time, and a sleeping process needs no scans as
//! nothing can touch its pages).
//!
//! TLB: clearing A or unmapping a page is followed by `sfence.vma` for the
//! page on this hart. Other harts cannot hold a stale entry for this
//! address space: processes have one thread, faultline uses no ASIDs, and
//! every switch back to the kernel page table flushes the whole TLB, so a
//! hart that is not running this process has none of its entries.
use super::addr::{page_round_down, PhysAddr, VirtAddr, PAGE_SIZE};
use super::aspace::AddressSpace;
use super::backing::{Backing, Vma, VmaSet};
use super::frame;
use super::pagetable::PageTable;
use crate::arch::riscv::csr;
use crate::arch::riscv::pte::{Pte, A, D};
use abi::vmstat::{event, RegionStat, LIMIT_MANUAL_SCAN, LIMIT_TRACE, POLICY_NAMES};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use vm::evict::{eviction, Eviction, PageState};
use vm::{Backing as _, Perm, VmaFlags};
use vmpolicy::{AccessBits, Policy, PolicyKind, Stats};

/// Regions one process may limit.
const MAX_REGIONS: usize = 16;

/// The global policy: an index into `PolicyKind::ALL` (default Clock).
static POLICY: AtomicUsize = AtomicUsize::new(2);
/// Timer ticks between two aging scans of a region (0 = none).
static SCAN_TICKS: AtomicU64 = AtomicU64::new(1);
/// Slots of all live limits together: each costs kernel heap (policy links
/// and the slot table), so their sum may not exceed the frames of RAM.
static RESERVED: AtomicUsize = AtomicUsize::new(0);
static EVICTIONS: AtomicU64 = AtomicU64::new(0);
static SCANS: AtomicU64 = AtomicU64::new(0);
static A_CLEARS: AtomicU64 = AtomicU64::new(0);

const MS_PER_TICK: u64 = 1000 / crate::trap::HZ;

/// The kind numbered `n` (1-based, as vmctl and vmstat number them).
fn kind_of(n: usize) -> Option<PolicyKind> {
    PolicyKind::from_name(POLICY_NAMES.get(n.checked_sub(1)?)?)
}

fn number_of(k: PolicyKind) -> usize {
    POLICY_NAMES
        .iter()
        .position(|n| *n == k.name())
        .unwrap_or(0)
        + 1
}

/// The policy global replacement (`mm::replace`) and following regions run.
pub fn global_kind() -> PolicyKind {
    PolicyKind::ALL[POLICY.load(Relaxed) % PolicyKind::ALL.len()]
}

/// Set the global policy by name (`--kopt policy=`). False if unknown.
pub fn set_policy_name(name: &str) -> bool {
    match PolicyKind::from_name(name) {
        Some(k) => {
            POLICY.store(number_of(k) - 1, Relaxed);
            true
        }
        None => false,
    }
}

/// vmctl: set the global policy by number (0: only ask). Returns the old
/// number, or -1 for an unknown number.
pub fn set_policy(n: usize) -> isize {
    let old = number_of(global_kind()) as isize;
    if n == 0 {
        return old;
    }
    match kind_of(n) {
        Some(k) => {
            POLICY.store(number_of(k) - 1, Relaxed);
            old
        }
        None => -1,
    }
}

/// Set the scan interval in ms (rounded up to timer ticks; 0 = off) and
/// return the old one. `usize::MAX` only asks.
pub fn set_scan_ms(ms: usize) -> isize {
    let old = SCAN_TICKS.load(Relaxed) * MS_PER_TICK;
    if ms != usize::MAX {
        SCAN_TICKS.store((ms as u64).div_ceil(MS_PER_TICK), Relaxed);
    }
    old as isize
}

/// Timer ticks between two aging scans (0 = none).
pub fn scan_ticks() -> u64 {
    SCAN_TICKS.load(Relaxed)
}

/// Add what a policy did since `seen` (its stats then) to vmstat's counters.
pub fn account(now: Stats, seen: Stats) {
    EVICTIONS.fetch_add(now.evictions - seen.evictions, Relaxed);
    SCANS.fetch_add(now.scans - seen.scans, Relaxed);
    A_CLEARS.fetch_add(now.a_clears - seen.a_clears, Relaxed);
}

/// For vmstat.
pub fn fill(s: &mut abi::vmstat::VmStat) {
    s.policy = number_of(global_kind()) as u64;
    s.policy_evictions = EVICTIONS.load(Relaxed);
    s.policy_scans = SCANS.load(Relaxed);
    s.policy_a_clears = A_CLEARS.load(Relaxed);
    s.scan_ms = SCAN_TICKS.load(Relaxed) * MS_PER_TICK;
}

struct Region {
    start: usize,
    end: usize,
    policy: Policy,
    /// Follows the global policy (switches at its next fault or scan).
    follow: bool,
    manual_scan: bool,
    /// The page each slot holds; 0 = free (page 0 is never in a region:
    /// mmap places areas at MMAP_BASE and above).
    slot_va: Vec<usize>,
    free: Vec<u32>,
    last_scan: u64,
    /// `policy.stats()` when last added to the global counters.
    seen: Stats,
    /// Recorded events (with LIMIT_TRACE), oldest first.
    events: Option<Vec<u64>>,
    st: RegionStat,
}

impl Drop for Region {
    fn drop(&mut self) {
        RESERVED.fetch_sub(self.slot_va.len(), Relaxed);
    }
}

impl Region {
    fn record(&mut self, va: usize, kind: u64) {
        if let Some(ev) = self.events.as_mut() {
            if ev.len() < event::CAPACITY {
                ev.push(((va / PAGE_SIZE) as u64) << 1 | kind);
            } else {
                self.st.events_lost += 1;
            }
        }
    }

    /// Bring the kind in line with the global policy, and the global
    /// counters in line with the policy's.
    fn sync(&mut self) {
        if self.follow && self.policy.kind() != global_kind() {
            self.policy.set_kind(global_kind());
        }
        let s = self.policy.stats();
        account(s, self.seen);
        self.seen = s;
    }
}

/// The resident-limited regions of one address space.
#[derive(Default)]
pub struct Limits {
    regions: Vec<Region>,
    /// A kernel copy to or from user memory is faulting (uaccess hook).
    /// The system call may hold an inode lock or a log transaction, so
    /// eviction must not write to a file now: dirty pages are skipped.
    in_copy: bool,
}

impl Limits {
    pub const fn new() -> Limits {
        Limits {
            regions: Vec::new(),
            in_copy: false,
        }
    }

    fn find(&self, va: usize) -> Option<usize> {
        self.regions
            .iter()
            .position(|r| r.start <= va && va < r.end)
    }

    fn at(&self, start: usize) -> Option<usize> {
        self.regions.iter().position(|r| r.start == start)
    }

    /// Whether `va` lies in a resident-limited region (whose pages only
    /// its own policy evicts).
    pub fn is_limited(&self, va: usize) -> bool {
        self.find(va).is_some()
    }

    /// Unmap hook: [start, end) is going away; regions that overlap it lose
    /// their limit (pages outside the range stay mapped, unlimited).
    pub fn forget(&mut self, start: usize, end: usize) {
        self.regions.retain(|r| r.end <= start || r.start >= end);
    }
}

/// The A and D bits of a region's slots, read from its PTEs.
struct Hw<'a> {
    pt: &'a mut PageTable,
    slot_va: &'a [usize],
}

impl Hw<'_> {
    fn bit(&self, slot: usize, bit: u64) -> bool {
        let va = self.slot_va.get(slot).copied().unwrap_or(0);
        va != 0
            && self
                .pt
                .get(VirtAddr(va))
                .is_some_and(|p| p.is_valid() && p.has(bit))
    }
}

impl AccessBits for Hw<'_> {
    fn test_and_clear_accessed(&mut self, slot: usize) -> bool {
        let va = self.slot_va.get(slot).copied().unwrap_or(0);
        if va == 0 {
            return false;
        }
        match self.pt.slot(VirtAddr(va), false) {
            Some(pte) if pte.is_valid() && pte.has(A) => {
                *pte = pte.without(A);
                // The hardware sets A again only on a page walk: drop the
                // cached translation so the next access walks.
                csr::sfence_vma(va);
                true
            }
            _ => false,
        }
    }
    fn accessed(&self, slot: usize) -> bool {
        self.bit(slot, A)
    }
    fn dirty(&self, slot: usize) -> bool {
        self.bit(slot, D)
    }
}

/// Fault hook: run `resolve` for a fault at `va`. If `va` is in a limited
/// region and its page is absent, first make room (evict one page when the
/// region is full), and afterwards give the new page a slot.
#[inline(always)]
pub fn around_fault<R>(
    asp: &mut AddressSpace,
    va: usize,
    resolve: impl FnOnce(&mut AddressSpace) -> Result<(), R>,
) -> Result<(), R> {
    // Most spaces have no limited region: the fault path pays one test.
    if asp.limits.regions.is_empty() {
        return resolve(asp);
    }
    around_limited_fault(asp, va, resolve)
}

fn around_limited_fault<R>(
    asp: &mut AddressSpace,
    va: usize,
    resolve: impl FnOnce(&mut AddressSpace) -> Result<(), R>,
) -> Result<(), R> {
    let page = page_round_down(va);
    let Some(i) = asp.limits.find(page) else {
        return resolve(asp);
    };
    if asp.pt.get(VirtAddr(page)).is_some_and(|p| p.is_valid()) {
        return resolve(asp);
    }
    asp.limits.regions[i].sync();
    if asp.limits.regions[i].free.is_empty() && !evict_one(asp, i) {
        asp.limits.regions[i].st.over_limit += 1;
    }
    let r = resolve(asp);
    if r.is_ok() && asp.pt.get(VirtAddr(page)).is_some_and(|p| p.is_valid()) {
        let reg = &mut asp.limits.regions[i];
        reg.st.faults += 1;
        reg.record(page, event::FAULT);
        if let Some(slot) = reg.free.pop() {
            reg.slot_va[slot as usize] = page;
            reg.policy.insert(slot as usize);
        }
    }
    asp.limits.regions[i].sync();
    r
}

/// Evict one page of region `i`. False if no page could be evicted.
fn evict_one(asp: &mut AddressSpace, i: usize) -> bool {
    let AddressSpace {
        pt, vmas, limits, ..
    } = asp;
    let may_write = !limits.in_copy;
    let r = &mut limits.regions[i];
    for _ in 0..r.policy.len() {
        let victim = r.policy.victim(&mut Hw {
            pt,
            slot_va: &r.slot_va,
        });
        let Some(slot) = victim else {
            return false;
        };
        let va = r.slot_va[slot];
        match evict_page(pt, vmas, va, may_write) {
            Ok(wrote) => {
                r.st.evictions += 1;
                r.st.writebacks += u64::from(wrote);
                r.record(va, event::EVICT);
                r.slot_va[slot] = 0;
                r.free.push(slot as u32);
                return true;
            }
            // Not evictable now: back at the end of the line.
            Err(()) => {
                r.policy.insert(slot);
            }
        }
    }
    false
}

/// Unmap the page at `va` and drop its frame, writing a dirty shared page
/// to its file first (if `may_write`). Ok(true) if it was written. Err if
/// the page cannot go now without losing data (dirty private page, a write
/// not allowed or failed).
fn evict_page(pt: &mut PageTable, vmas: &VmaSet, va: usize, may_write: bool) -> Result<bool, ()> {
    let Some(pte) = pt.get(VirtAddr(va)).filter(|p| p.is_valid()) else {
        return Ok(false); // already gone
    };
    let Some(vma) = vmas.find(va) else {
        return Ok(false);
    };
    let shared = vma.flags.contains(VmaFlags::SHARED);
    let pa = PhysAddr(pte.pa());
    let how = eviction(PageState {
        file: matches!(vma.backing, Backing::File { .. }),
        shared,
        dirty: pte.has(D),
        zero_frame: pa == frame::zero_frame(),
        swap: super::swap::has_room(),
    });
    let wrote = match how {
        Eviction::Keep => return Err(()),
        Eviction::Swap => return swap_out(pt, va, pte, pa),
        Eviction::WriteBackThenDrop if !may_write => return Err(()),
        Eviction::Drop => false,
        Eviction::WriteBackThenDrop => {
            let page = Vma::new(
                va,
                va + PAGE_SIZE,
                vma.perm,
                vma.flags,
                vma.backing.offset_by(va - vma.start),
            );
            super::writeback::write_back(pt, &page);
            if pt.get(VirtAddr(va)).is_some_and(|p| p.has(D)) {
                return Err(()); // the write failed: keep the page
            }
            true
        }
    };
    pt.unmap(VirtAddr(va));
    csr::sfence_vma(va);
    frame::put(pa);
    if let (true, Backing::File { inode, offset, .. }) = (shared, &vma.backing) {
        let index = (offset + (va - vma.start)) / PAGE_SIZE;
        super::pagecache::release_unmapped(inode.inum(), index, index);
    }
    Ok(wrote)
}

/// Push the private page at `va` (PTE `pte`, frame `pa`) to swap: this
/// PTE only (replacement is local to the region; a copy-on-write sharer
/// keeps its mapping, and the swap cache gives both the same slot).
/// Ok(true) if a slot was written.
fn swap_out(pt: &mut PageTable, va: usize, pte: Pte, pa: PhysAddr) -> Result<bool, ()> {
    use super::swap::{self, Out};
    let (slot, write) = match swap::slot_for(pa).ok_or(())? {
        Out::Cached(s) => (s, false),
        Out::New(s) => (s, true),
    };
    let Some(p) = pt.slot(VirtAddr(va), false) else {
        swap::release(slot);
        return Err(());
    };
    *p = Pte(vm::swap::swap_pte(slot));
    // No hart may write the frame through the old PTE while it is written.
    csr::sfence_vma(va);
    if write && swap::write(slot, pa).is_err() {
        if let Some(p) = pt.slot(VirtAddr(va), false) {
            *p = pte;
        }
        swap::release(slot);
        return Err(());
    }
    if !frame::put_last(pa) {
        swap::uncache_if_idle(pa);
    }
    Ok(write)
}

/// vmctl VMCTL_LIMIT: limit [start, start + len) to `frames` frames.
pub fn limit(asp: &mut AddressSpace, start: usize, len: usize, frames: usize, how: usize) -> isize {
    let end = match start.checked_add(len) {
        Some(e)
            if len > 0
                && start.is_multiple_of(PAGE_SIZE)
                && start != 0
                && e <= abi::layout::MAXVA =>
        {
            super::addr::page_round_up(e)
        }
        _ => return -1,
    };
    let pick = how & 0xf;
    if how & !(0xf | LIMIT_MANUAL_SCAN | LIMIT_TRACE) != 0
        || (pick != 0 && kind_of(pick).is_none())
        || frames == 0
        || frames > frame::total()
    {
        return -1;
    }
    let Some(vma) = asp.vmas.find(start) else {
        return -1;
    };
    let shared = vma.flags.contains(VmaFlags::SHARED);
    let file = matches!(vma.backing, Backing::File { .. });
    // Pages whose bytes exist only in memory (anonymous, private writable
    // file pages) need a swap disk; shared anonymous ones never go.
    let needs_swap = !file || (!shared && vma.perm.contains(Perm::W));
    if end > vma.end
        || (!file && shared)
        || (needs_swap && super::swap::slot_counts().0 == 0)
        || asp.limits.regions.len() >= MAX_REGIONS
        || asp
            .limits
            .regions
            .iter()
            .any(|r| r.start < end && start < r.end)
    {
        return -1;
    }
    // More slots than pages can never be used.
    let slots = frames.min((end - start) / PAGE_SIZE);
    let total = frame::total();
    if RESERVED
        .fetch_update(Relaxed, Relaxed, |r| {
            (r + slots <= total).then_some(r + slots)
        })
        .is_err()
    {
        return -1;
    }
    let mut slot_va = Vec::new();
    let mut free = Vec::new();
    let mut events = Vec::new();
    let trace = how & LIMIT_TRACE != 0;
    if slot_va.try_reserve_exact(slots).is_err()
        || free.try_reserve_exact(slots).is_err()
        || (trace && events.try_reserve_exact(event::CAPACITY).is_err())
    {
        RESERVED.fetch_sub(slots, Relaxed);
        return -1;
    }
    slot_va.resize(slots, 0);
    free.extend((0..slots as u32).rev());
    let kind = kind_of(pick).unwrap_or_else(global_kind);
    let mut r = Region {
        start,
        end,
        policy: Policy::new(kind, slots),
        follow: pick == 0,
        manual_scan: how & LIMIT_MANUAL_SCAN != 0,
        slot_va,
        free,
        last_scan: crate::trap::interrupts(),
        seen: Stats::default(),
        events: trace.then_some(events),
        st: RegionStat {
            start: start as u64,
            end: end as u64,
            limit: frames as u64,
            ..Default::default()
        },
    };
    // Pages already present become resident in the region, up to the
    // limit; the rest are evicted so the region starts within it.
    let mut va = start;
    while va < end {
        if asp.pt.get(VirtAddr(va)).is_some_and(|p| p.is_valid()) {
            if let Some(slot) = r.free.pop() {
                r.slot_va[slot as usize] = va;
                r.policy.insert(slot as usize);
            } else if evict_page(&mut asp.pt, &asp.vmas, va, true).is_err() {
                return -1; // `r` drops, returning its reservation
            }
        }
        va += PAGE_SIZE;
    }
    asp.limits.regions.push(r);
    0
}

/// uaccess hook: run a fault taken by a kernel copy to or from user memory.
pub fn in_kernel_copy<R>(asp: &mut AddressSpace, f: impl FnOnce(&mut AddressSpace) -> R) -> R {
    let was = core::mem::replace(&mut asp.limits.in_copy, true);
    let r = f(asp);
    asp.limits.in_copy = was;
    r
}

/// vmctl VMCTL_UNLIMIT.
pub fn unlimit(asp: &mut AddressSpace, start: usize) -> isize {
    match asp.limits.at(start) {
        Some(i) => {
            asp.limits.regions[i].sync();
            asp.limits.regions.remove(i);
            0
        }
        None => -1,
    }
}

/// vmctl VMCTL_REGION_STAT.
pub fn stat(asp: &mut AddressSpace, start: usize) -> Option<RegionStat> {
    let i = asp.limits.at(start)?;
    let r = &mut asp.limits.regions[i];
    r.sync();
    let s = r.policy.stats();
    Some(RegionStat {
        resident: r.policy.len() as u64,
        scans: s.scans,
        a_clears: s.a_clears,
        policy: number_of(r.policy.kind()) as u64,
        ..r.st
    })
}

/// vmctl VMCTL_SCAN: one aging scan of the region now.
pub fn scan_now(asp: &mut AddressSpace, start: usize) -> isize {
    match asp.limits.at(start) {
        Some(i) => {
            scan(asp, i);
            0
        }
        None => -1,
    }
}

fn scan(asp: &mut AddressSpace, i: usize) {
    let AddressSpace { pt, limits, .. } = asp;
    let r = &mut limits.regions[i];
    r.sync();
    r.policy.scan(&mut Hw {
        pt,
        slot_va: &r.slot_va,
    });
    r.sync();
}

/// vmctl VMCTL_EVENTS: take up to `max` recorded events, oldest first.
pub fn take_events(asp: &mut AddressSpace, start: usize, max: usize) -> Option<Vec<u64>> {
    let i = asp.limits.at(start)?;
    let ev = asp.limits.regions[i].events.as_mut()?;
    let n = max.min(ev.len());
    Some(ev.drain(..n).collect())
}

/// Timer hook (usertrap, on this process's timer interrupt): aging scans
/// of the regions whose interval has passed.
pub fn on_timer(asp: &mut AddressSpace) {
    let every = SCAN_TICKS.load(Relaxed);
    if every == 0 || asp.limits.regions.is_empty() {
        return;
    }
    // The 100 Hz interrupt count, not the user ticks (100 ms): the scan
    // interval is in units of HZ (MS_PER_TICK).
    let now = crate::trap::interrupts();
    for i in 0..asp.limits.regions.len() {
        let r = &asp.limits.regions[i];
        if !r.manual_scan && now.wrapping_sub(r.last_scan) >= every {
            asp.limits.regions[i].last_scan = now;
            scan(asp, i);
        }
    }
}
