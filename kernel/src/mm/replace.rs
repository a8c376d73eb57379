//! Global page replacement: the reclaim thread and direct reclaim (with a
//! swap disk) pick victims from the frame table, through the active
//! `vmpolicy` policy (FIFO, LRU by aging, Clock, Enhanced Clock: `vmctl
//! policy`, `--kopt policy=`), and unmap every PTE of a victim through the
//! reverse map (`mm::rmap`).
//!
//! The policy's indices are frame numbers. A user page enters it when it is
//! mapped: the fault path only queues the frame (`frame::note_user`), and
//! each reclaim first moves the queued frames in, in the order they were
//! mapped. A frame leaves it when the policy picks it; a frame freed
//! meanwhile stays until picked and is then forgotten (the fault and exit
//! paths never take the policy's lock).
//!
//! The policy's A and D bits of a frame are the OR over every PTE mapping it
//! (`Bits`); clearing A clears it in all of them. Clears send no remote
//! fence of their own: an eviction batch's shootdown (`finish`), or each
//! hart's next trap, reaches every TLB (see `age`). A frame one of whose
//! address spaces is busy (locked by someone else) is not evicted: we
//! cannot change that PTE.
//!
//! Lock order: `GLOBAL` (a sleep lock: reclaim sleeps on the disk holding
//! it) comes after the caller's own address-space lock and before the
//! address-space locks it takes with `try_lock`.
use super::addr::{PhysAddr, VirtAddr, PAGE_SIZE};
use super::aspace::AddressSpace;
use super::backing::Backing;
use super::frame;
use super::reclaim::{BATCH, SCANNED};
use super::rmap::{self, Procs, MAX_MAPS};
use super::swap::{self, Out};
use crate::arch::riscv::pte::{Pte, A, D, U};
use crate::sync::SleepLock;
use abi::limits::NPROC;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use vm::reclaim::{evict_how, Allowed, Evict, PageKind};
use vm::rmap::{combine, Probe, Spaces};
use vm::swap::swap_pte;
use vm::VmaFlags;
use vmpolicy::{AccessBits, Policy, PolicyKind, Stats};

struct Global {
    policy: Policy,
    /// LRU's aging scan: a bit per frame, set where the walk of the page
    /// tables found (and cleared) A, read and cleared by `policy.scan`.
    used: Vec<u64>,
    /// `policy.stats()` when last added to vmstat's counters.
    seen: Stats,
}

/// Interrupt count at the last aging scan.
static LAST_AGE: AtomicU64 = AtomicU64::new(0);

/// vmstat: PTEs unmapped through the reverse map; frames evicted from more
/// than one PTE at once.
pub static UNMAPS: AtomicU64 = AtomicU64::new(0);
pub static SHARED: AtomicU64 = AtomicU64::new(0);

static GLOBAL: SleepLock<Option<Global>> = SleepLock::new("replace", None);

/// Kernel heap the policy for `n` frames takes (the buddy heap rounds each
/// of its arrays up to a power of two); `frame::init` adds that much RAM to
/// the heap. 19 bytes a frame before rounding (vmpolicy's crate docs).
pub fn heap_need(n: usize) -> usize {
    let p2 = |b: usize| b.next_power_of_two();
    // Two lists of links (resident list, age index) of n + sentinels u32s,
    // the ages (u8) and the index's bucket of each frame (u16).
    let links = p2((n + 513) * 4);
    // Plus two of the biggest block: the region added to the heap need not
    // be aligned, and the buddy allocator carves aligned blocks from it.
    // Last, the aging scan's bit per frame.
    6 * links + p2(n) + p2(2 * n) + PAGE_SIZE + p2(n.div_ceil(64) * 8)
}

/// Whether global replacement runs (its policy could be made at boot).
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Make the policy for all frames (at boot, once the heap has room).
pub fn init(nframes: usize) {
    if !super::kheap::has_room(heap_need(nframes)) {
        crate::println!("replace: no heap for the frame table's policy; per-space reclaim only");
        return;
    }
    *GLOBAL.lock() = Some(Global {
        policy: Policy::new(super::reslimit::global_kind(), nframes),
        used: alloc::vec![0; nframes.div_ceil(64)],
        seen: Stats::default(),
    });
    ACTIVE.store(true, Ordering::Relaxed);
}

/// The A and D bits of frames, as the policy sees them: over every PTE the
/// reverse map finds.
struct Bits<'p, 'a>(RefCell<&'p mut Procs<'a>>);

impl AccessBits for Bits<'_, '_> {
    fn test_and_clear_accessed(&mut self, f: usize) -> bool {
        bits(self.0.get_mut(), f, A, true)
    }
    fn accessed(&self, f: usize) -> bool {
        bits(&mut self.0.borrow_mut(), f, A, false)
    }
    fn dirty(&self, f: usize) -> bool {
        bits(&mut self.0.borrow_mut(), f, D, false)
    }
    // No `end_batch` shootdown: the A bits cleared while choosing victims
    // reach other harts' TLBs with the batch's own shootdown in `finish`,
    // or at those harts' next trap (see `age`).
}

/// `bit` of frame `f`: set in any PTE mapping it (cleared in all if
/// `clear`). A frame one of whose address spaces is busy cannot be evicted
/// now (`prepare` keeps it), so it should be offered last, but cheaply:
/// asked only (LRU's and Enhanced Clock's class search) it looks used and
/// dirty, the worst class; asked to clear (a clock hand) it looks unused,
/// so the hand takes it at once and reclaim puts it back behind the hand,
/// instead of the hand turning twice over every frame of a busy process.
fn bits(p: &mut Procs, f: usize, bit: u64, clear: bool) -> bool {
    let pa = frame::from_number(f);
    if !rmap::is_user(pa) {
        return false;
    }
    let mut maps = [(0, 0); MAX_MAPS];
    let mut n = 0;
    let Some(w) = p.mappings(pa, &mut maps, &mut n) else {
        return false;
    };
    if !w.complete {
        p.unlock_unpinned();
        return !clear;
    }
    // Read (and clear A) where the PTE is: `Procs::pte` would first copy a
    // table shared by fork, and looking must not allocate.
    let mut set = false;
    for &(i, va) in &maps[..n] {
        let Some(a) = p.space(i) else { continue };
        let va = super::addr::VirtAddr(va);
        if clear && bit == A {
            set |= a.pt.test_and_clear_accessed(va);
        } else if a
            .pt
            .get(va)
            .is_some_and(|pte| pte.is_valid() && pte.has(bit))
        {
            set = true;
        }
    }
    p.unlock_unpinned();
    set
}

/// Flush every hart's TLB.
fn shootdown() {
    crate::arch::riscv::sbi::remote_sfence_vma_all(0, usize::MAX);
}

/// Whether the aging interval has passed since the last scan; if so the
/// caller scans (the time is taken now, so only one caller does).
fn interval_passed(now: u64) -> bool {
    let every = super::reslimit::scan_ticks();
    let last = LAST_AGE.load(Ordering::Relaxed);
    every != 0
        && now.wrapping_sub(last) >= every
        && LAST_AGE
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

/// Timer tick (interrupt context): whether the reclaim thread should run
/// LRU's aging scan of the frame table now. It should when global
/// replacement runs LRU, the interval (`scan_ms`) has passed, and memory
/// is near the watermarks (free frames below twice `high`): only then can
/// victims be near, and a scan of every resident page each 10 ms is not
/// free (docs/replacement.md gives its cost).
pub fn aging_due(now: u64) -> bool {
    active()
        && super::reslimit::global_kind() == PolicyKind::Lru
        && frame::free_count() < 2 * super::reclaim::watermarks().2
        && interval_passed(now)
}

/// The reclaim thread's aging scan (see `aging_due`).
pub fn age_now() {
    let mut g = GLOBAL.lock();
    let Some(gl) = g.as_mut() else { return };
    if catch_up(&mut gl.policy) != PolicyKind::Lru {
        return;
    }
    age(gl, &mut Procs::new(None));
    let s = gl.policy.stats();
    super::reslimit::account(s, gl.seen);
    gl.seen = s;
}

/// LRU's aging scan of every listed frame. The A bits are gathered by
/// walking each address space's page table, not by asking the reverse map
/// frame by frame: a walk reads PTEs in order, a handful of instructions
/// each, where one reverse-map lookup costs hundreds. A set A bit of a
/// frame the policy lists is cleared (in place, shared tables too) and the
/// frame noted in `used`; the policy's scan then shifts the noted bits
/// into the ages. The OR over every PTE of a frame comes out of the walk by
/// itself. An address space whose lock is held elsewhere is skipped: its A
/// bits stay set and count at the next scan (its pages age one interval
/// too fast meanwhile).
///
/// No TLB shootdown follows the clears. A hart running a process may keep
/// a translation with A set and use the page through it without setting A
/// again, but only until its next trap: every return to user space flushes
/// the whole TLB (`userret`), and every hart takes a timer interrupt each
/// tick. So a page in use shows A again within one tick, and the worst a
/// stale entry does is make a page look one interval older. Eviction,
/// which must not leave a stale translation, shoots down in `finish`. A
/// remote fence costs milliseconds in QEMU (about 4 ms with three harts on
/// a busy host): as much as the rest of a 9,000-page scan, every 10 ms.
fn age(gl: &mut Global, procs: &mut Procs) {
    let total = frame::total();
    let used = &mut gl.used;
    for i in 0..NPROC {
        if procs.open(i) != Probe::Ready {
            continue;
        }
        if let Some(a) = procs.space(i) {
            a.pt.for_each_leaf(|va, pte| {
                if pte & (U | A) != U | A {
                    return;
                }
                let pa = PhysAddr(vm::pte::pte_pa(pte));
                let n = frame::number(pa);
                if n < total && frame::listed(pa) && a.pt.test_and_clear_accessed(VirtAddr(va)) {
                    used[n / 64] |= 1 << (n % 64);
                }
            });
        }
        procs.unlock_unpinned();
    }
    gl.policy.scan(&mut Used(used));
}

/// The A bits the aging walk gathered, as the policy's scan reads them.
struct Used<'a>(&'a mut [u64]);

impl AccessBits for Used<'_> {
    fn test_and_clear_accessed(&mut self, f: usize) -> bool {
        let (w, b) = (f / 64, 1u64 << (f % 64));
        let set = self.0.get(w).is_some_and(|x| x & b != 0);
        if set {
            self.0[w] &= !b;
        }
        set
    }
    fn accessed(&self, f: usize) -> bool {
        self.0.get(f / 64).is_some_and(|x| x & (1 << (f % 64)) != 0)
    }
    fn dirty(&self, _: usize) -> bool {
        false // LRU's scan reads only A
    }
}

/// A frame picked for eviction whose PTEs were already rewritten.
struct Victim {
    pa: PhysAddr,
    how: Evict,
    /// For Swap: the slot (one reference per PTE) and whether to write it.
    slot: u32,
    write: bool,
    /// For WriteBack: (inode, file offset).
    file: Option<(crate::fs::Inode, usize)>,
    /// Its PTEs: `maps[first..first + count]`.
    first: usize,
    count: usize,
}

/// One PTE of a victim: (process slot, address, old PTE).
type Map = (usize, usize, Pte);

/// What `prepare` did with a frame the policy picked.
enum Prep {
    /// Unmapped everywhere: in the batch.
    Taken,
    /// Not evictable now: back into the policy.
    Keep,
    /// Not a user page any more (freed, reused): out of the policy.
    Forget,
}

/// Evict until `target` frames were freed, or the policy has offered every
/// frame once. None without a global policy (the caller reclaims per
/// address space instead). `own` is the caller's address space if it holds
/// its lock.
pub fn reclaim(
    own: Option<&mut AddressSpace>,
    target: usize,
    mut allowed: Allowed,
) -> Option<usize> {
    let mut g = GLOBAL.lock();
    let gl = g.as_mut()?;
    allowed.swap = allowed.swap && swap::has_room();
    let kind = catch_up(&mut gl.policy);
    let mut procs = Procs::new(own);
    // LRU's aging scan runs from the reclaim thread on the timer
    // (`aging_due`); here too if the interval passed meanwhile (the thread
    // may be busy evicting).
    if kind == PolicyKind::Lru && interval_passed(crate::trap::interrupts()) {
        age(gl, &mut procs);
    }
    let mut batch = Batch::default();
    let budget = gl.policy.len();
    let mut tries = 0;
    // Frames in a row that could not go: past this many, what is left is
    // busy (another process holds its lock) or unevictable, and looking
    // further costs more than it finds.
    let mut kept = 0;
    while batch.freed + batch.victims.len() < target && tries < budget && kept < 4 * BATCH {
        tries += 1;
        let Some(f) = gl.policy.victim(&mut Bits(RefCell::new(&mut procs))) else {
            break;
        };
        let pa = frame::from_number(f);
        frame::set_listed(pa, false);
        match prepare(&mut procs, pa, allowed, &mut batch.victims, &mut batch.maps) {
            Prep::Taken => kept = 0,
            Prep::Keep => {
                kept += 1;
                gl.policy.insert(f);
                frame::set_listed(pa, true);
            }
            Prep::Forget => {}
        }
        if batch.victims.len() == BATCH {
            batch.finish(&mut procs, &mut gl.policy);
        }
    }
    batch.finish(&mut procs, &mut gl.policy);
    let Batch { freed, evicted, .. } = batch;
    SCANNED.fetch_add(tries as u64, Ordering::Relaxed);
    // vmstat's evictions are pages that went, not the policy's count of
    // victims offered: one put back (busy, pinned, swap full) is none.
    let s = gl.policy.stats();
    let went = Stats {
        evictions: gl.seen.evictions + evicted,
        ..s
    };
    super::reslimit::account(went, gl.seen);
    gl.seen = s;
    Some(freed)
}

/// Bring the policy up to date: the frames mapped since it last ran, and
/// the kind `vmctl policy` chose meanwhile. Returns the kind.
fn catch_up(policy: &mut Policy) -> PolicyKind {
    take_pending(policy);
    let kind = super::reslimit::global_kind();
    if policy.kind() != kind {
        policy.set_kind(kind);
    }
    kind
}

/// Move the frames mapped since the last reclaim into the policy, in the
/// order they were mapped. A frame already listed stays where it is (it
/// was mapped once more: a second process, a swap-in from the cache); a
/// frame listed in an earlier life (freed and reused) starts again at the
/// back.
fn take_pending(policy: &mut Policy) {
    frame::take_pending(|f| {
        let pa = frame::from_number(f);
        if !rmap::is_user(pa) || frame::listed(pa) {
            return;
        }
        policy.remove(f);
        if policy.insert(f) {
            frame::set_listed(pa, true);
        }
    });
}

/// The eviction kind of the page at `va` in `a`, and for a shared file
/// page its (inode, file offset).
fn page_kind(a: &AddressSpace, va: usize) -> Option<(PageKind, Option<(crate::fs::Inode, usize)>)> {
    let v = a.vmas.find(va)?;
    let shared = v.flags.contains(VmaFlags::SHARED);
    Some(match (&v.backing, shared) {
        (Backing::Anon, false) => (PageKind::Anon, None),
        (Backing::Anon, true) => (PageKind::SharedAnon, None),
        (Backing::File { .. }, false) => (PageKind::PrivateFile, None),
        (Backing::File { inode, offset, .. }, true) => (
            PageKind::SharedFile,
            Some((inode.clone(), offset + (va - v.start))),
        ),
    })
}

/// Decide how frame `pa` goes and rewrite every PTE mapping it (swapped or
/// absent), keeping those address spaces locked until the batch is done.
fn prepare(
    procs: &mut Procs,
    pa: PhysAddr,
    allowed: Allowed,
    victims: &mut Vec<Victim>,
    maps: &mut Vec<Map>,
) -> Prep {
    if !rmap::is_user(pa) {
        return Prep::Forget;
    }
    let mut found = [(0, 0); MAX_MAPS];
    let mut n = 0;
    let Some(w) = procs.mappings(pa, &mut found, &mut n) else {
        return Prep::Forget;
    };
    let r = take(procs, pa, allowed, victims, maps, &found[..n], w.complete);
    procs.unlock_unpinned();
    r
}

fn take(
    procs: &mut Procs,
    pa: PhysAddr,
    allowed: Allowed,
    victims: &mut Vec<Victim>,
    maps: &mut Vec<Map>,
    found: &[(usize, usize)],
    complete: bool,
) -> Prep {
    if !complete {
        return Prep::Keep;
    }
    if found.is_empty() {
        // Only a cache holds it: shrink_cache and the page cache's own
        // release drop such frames. It is listed again when next mapped.
        return Prep::Forget;
    }
    let mut how = Evict::Drop;
    let mut file = None;
    for &(i, va) in found {
        let Some(a) = procs.space(i) else {
            return Prep::Keep;
        };
        let Some((kind, f)) = page_kind(a, va) else {
            return Prep::Keep;
        };
        let pte = a.pt.get(super::addr::VirtAddr(va)).unwrap_or_default();
        how = combine(how, evict_how(kind, pte.0, false, allowed));
        file = file.or(f);
    }
    if how == Evict::Keep
        || victims.try_reserve(1).is_err()
        || maps.try_reserve(found.len()).is_err()
    {
        return Prep::Keep;
    }
    // Every PTE must be in a table of its own space before it changes: a
    // level-0 table shared by fork is copied now (`Procs::pte`), and with
    // no frame for the copy the page stays. (The frame then has one more
    // reference, the copy's; the sharers left behind keep theirs.)
    for &(i, va) in found {
        if procs.pte(i, va).is_none() {
            return Prep::Keep;
        }
    }
    let (mut slot, mut write) = (0, false);
    if how == Evict::Swap {
        match swap::slot_for(pa) {
            Some(Out::Cached(s)) => slot = s,
            Some(Out::New(s)) => (slot, write) = (s, true),
            None => return Prep::Keep, // swap full
        }
        // One slot reference per PTE.
        for k in 1..found.len() {
            if !swap::dup(slot) {
                (0..k).for_each(|_| swap::release(slot));
                return Prep::Keep;
            }
        }
    }
    let first = maps.len();
    for &(i, va) in found {
        let Some(pte) = procs.pte(i, va) else {
            continue;
        };
        let old = *pte;
        *pte = match how {
            Evict::Swap => Pte(swap_pte(slot)),
            _ => Pte(0),
        };
        maps.push((i, va, old));
        procs.pin(i);
    }
    victims.push(Victim {
        pa,
        how,
        slot,
        write,
        file: if how == Evict::WriteBack { file } else { None },
        first,
        count: maps.len() - first,
    });
    Prep::Taken
}

/// The victims of one reclaim whose PTEs were rewritten, and what the
/// batches finished so far freed.
#[derive(Default)]
struct Batch {
    victims: Vec<Victim>,
    /// Their PTEs (`Victim::first`, `count`).
    maps: Vec<Map>,
    /// Frames freed.
    freed: usize,
    /// Pages evicted (a page may go while its frame stays, in the swap
    /// cache or the page cache).
    evicted: u64,
}

impl Batch {
    /// Finish the victims gathered (see `finish`).
    fn finish(&mut self, procs: &mut Procs, policy: &mut Policy) {
        self.freed += finish(
            procs,
            policy,
            &mut self.victims,
            &mut self.maps,
            &mut self.evicted,
        );
    }
}

/// Finish a batch whose PTEs already say swapped/absent: shoot the old
/// translations down, write what must be written and let the frames go.
/// Returns the frames freed, and counts the pages evicted in `evicted`.
/// Unlocks every address space.
fn finish(
    procs: &mut Procs,
    policy: &mut Policy,
    victims: &mut Vec<Victim>,
    maps: &mut Vec<Map>,
    evicted: &mut u64,
) -> usize {
    if victims.is_empty() {
        procs.unlock_all();
        return 0;
    }
    // From here no hart can write the frames through the old PTEs.
    shootdown();
    let on_disk = super::reclaim::write_slots(victims, |v| v.write.then_some((v.slot, v.pa)));
    let mut freed = 0;
    for (k, v) in victims.drain(..).enumerate() {
        let pa = v.pa;
        match v.how {
            Evict::Swap => {
                if !on_disk[k] {
                    crate::println!("swap: write of slot {} failed; page kept", v.slot);
                    for &(i, va, old) in &maps[v.first..v.first + v.count] {
                        if let Some(pte) = procs.pte(i, va) {
                            *pte = old;
                        }
                        swap::release(v.slot);
                    }
                    if policy.insert(frame::number(pa)) {
                        frame::set_listed(pa, true);
                    }
                    continue;
                }
            }
            Evict::WriteBack | Evict::Drop => {
                super::reclaim::file_page_gone(v.how, v.file.as_ref(), pa)
            }
            Evict::Keep => continue,
        }
        *evicted += 1;
        UNMAPS.fetch_add(v.count as u64, Ordering::Relaxed);
        if v.count > 1 {
            SHARED.fetch_add(1, Ordering::Relaxed);
        }
        let owner = frame::owner(pa);
        let mut gone = false;
        for _ in 0..v.count {
            gone |= frame::put_last(pa);
        }
        if gone || swap::uncache_if_idle(pa) {
            freed += 1;
        } else if let Some(vm::rmap::Owner::File { inum, index }) = owner {
            if frame::refs(pa) == 1 {
                super::pagecache::release_unmapped(inum, index as usize, index as usize);
                freed += 1;
            }
        }
    }
    maps.clear();
    procs.unlock_all();
    freed
}
