//! The swap device (virtio-blk disk 1) and the swap cache.
//!
//! A slot is 4 KiB of the swap disk, 8 sectors, moved in one request
//! straight from or into the frame. Slots are handed out and counted by
//! `vm::slots::SlotAllocator`: every swapped PTE (`vm::swap::swap_pte`)
//! holds one reference to its slot, so a copy-on-write page shared by
//! several processes is written once and each of their PTEs names the same
//! slot.
//!
//! The **swap cache** maps a slot to a frame that holds the same bytes. A
//! frame is in it (with one frame reference of the cache's own) from the
//! moment it is chosen to be written out until the slot is freed or the
//! frame is dropped from the cache; `FrameMeta::slot` names its slot. It
//! makes two things work: a second process evicting the same shared frame
//! finds the slot already written (no second write), and a second process
//! faulting on the same slot finds the frame the first one read (so pages
//! stay shared, copy-on-write, across a round trip through swap).
use super::addr::{PhysAddr, PAGE_SIZE};
use super::frame::{self, NO_SLOT};
use crate::drivers::virtio_blk;
use crate::sync::SpinLock;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use vm::slots::SlotAllocator;

/// The swap disk: the second virtio-blk device (QEMU's virtio-mmio-bus.1).
pub const SWAP_DEV: usize = 1;
const SECTORS_PER_SLOT: u64 = (PAGE_SIZE / 512) as u64;
/// Slot tables cost 6 bytes of kernel heap a slot; 1 GiB of swap at most.
const MAX_SLOTS: u64 = 1 << 18;

struct Swap {
    slots: SlotAllocator,
    /// Slot -> frame address in the swap cache, 0 if none.
    cache: Vec<u32>,
    /// Entries in `cache` (so an empty cache is not searched).
    cached: usize,
    /// Slots freed so far: read-ahead checks that none was freed (and
    /// reused) while it read.
    frees: u64,
}

static SWAP: SpinLock<Option<Swap>> = SpinLock::new("swap", None);

pub static SWAP_OUTS: AtomicU64 = AtomicU64::new(0);
pub static SWAP_INS: AtomicU64 = AtomicU64::new(0);
pub static CACHE_HITS: AtomicU64 = AtomicU64::new(0);
pub static READ_AHEAD: AtomicU64 = AtomicU64::new(0);

/// Frame addresses fit in 32 bits after a shift (RAM is below 2^44).
fn enc(pa: PhysAddr) -> u32 {
    (pa.0 >> 12) as u32
}
fn dec(v: u32) -> PhysAddr {
    PhysAddr((v as usize) << 12)
}

/// Find the swap disk, if QEMU was given one. Call after virtio_blk::init.
pub fn init() {
    if virtio_blk::count() <= SWAP_DEV {
        crate::println!("swap: none");
        return;
    }
    let sectors = virtio_blk::sectors(SWAP_DEV);
    let n = (sectors / SECTORS_PER_SLOT).min(MAX_SLOTS) as usize;
    if n == 0 {
        crate::println!("swap: disk {SWAP_DEV} too small ({sectors} sectors), not used");
        return;
    }
    *SWAP.lock() = Some(Swap {
        slots: SlotAllocator::new(n),
        cache: vec![0; n],
        cached: 0,
        frees: 0,
    });
    crate::println!(
        "swap: {} slots ({} MiB) on disk {SWAP_DEV}",
        n,
        (n * PAGE_SIZE) >> 20
    );
}

/// (total, used) slots; (0, 0) without swap.
pub fn slot_counts() -> (usize, usize) {
    SWAP.lock()
        .as_ref()
        .map_or((0, 0), |s| (s.slots.total(), s.slots.used()))
}

/// What `slot_for` found.
pub enum Out {
    /// The frame was already in the swap cache: its slot has one more
    /// reference and is (or is being) written. Nothing to write.
    Cached(u32),
    /// A new slot with one reference; the frame is now in the swap cache
    /// and its bytes must be written with `write`.
    New(u32),
}

/// A slot for the PTE about to stop mapping `pa`. None: no swap, or full.
pub fn slot_for(pa: PhysAddr) -> Option<Out> {
    let mut g = SWAP.lock();
    let s = g.as_mut()?;
    let m = frame::meta(pa);
    let cur = m.slot.load(Ordering::Relaxed);
    if cur != NO_SLOT {
        return s.slots.dup(cur).ok().map(|_| Out::Cached(cur));
    }
    let slot = s.slots.alloc()?;
    s.cache[slot as usize] = enc(pa);
    s.cached += 1;
    m.slot.store(slot, Ordering::Relaxed);
    frame::get(pa);
    Some(Out::New(slot))
}

/// Write frame `pa` to `slot` (sleeps). The frame must not change while
/// this runs: no PTE may map it writable.
pub fn write(slot: u32, pa: PhysAddr) -> Result<(), virtio_blk::IoError> {
    // SAFETY: nobody writes the frame (the caller's promise) while the
    // device reads it, and the caller holds it until we return.
    unsafe { virtio_blk::rw_frame(SWAP_DEV, slot as u64 * SECTORS_PER_SLOT, pa, true)? };
    SWAP_OUTS.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Write several frames to their slots at once (more than one request in
/// flight): `ok[k]` says whether `pages[k]` was written. The frames must
/// not change meanwhile, as for `write`.
pub fn write_many(pages: &[(u32, PhysAddr)], ok: &mut [bool]) {
    let mut reqs: Vec<virtio_blk::Req<'_>> = Vec::new();
    if reqs.try_reserve(pages.len()).is_err() {
        for (k, &(slot, pa)) in pages.iter().enumerate() {
            ok[k] = write(slot, pa).is_ok();
        }
        return;
    }
    for &(slot, pa) in pages {
        // SAFETY: as in `write`: unchanged and held until rw_many returns.
        reqs.push(unsafe { virtio_blk::Req::frame(slot as u64 * SECTORS_PER_SLOT, pa, true) });
    }
    let all = virtio_blk::rw_many(SWAP_DEV, &mut reqs).is_ok();
    for (k, r) in reqs.iter().enumerate() {
        ok[k] = all && r.ok;
        if ok[k] {
            SWAP_OUTS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Slots read ahead of a swap-in miss (when memory allows): pages evicted
/// together went to consecutive slots, so they tend to come back together.
const READAHEAD: usize = 7;

/// The frame holding `slot`'s bytes, with a reference for the caller:
/// from the swap cache, or read from the disk into a new frame (which is
/// cached if other PTEs still hold the slot). A miss also reads up to
/// READAHEAD following slots in use into the swap cache, in one batch.
pub fn read(slot: u32) -> Result<PhysAddr, vm::fault::Refusal> {
    use vm::fault::Refusal;
    let mut ahead: [u32; READAHEAD] = [0; READAHEAD];
    let mut nahead = 0;
    let frees_before;
    {
        let g = SWAP.lock();
        let s = g.as_ref().ok_or(Refusal::IoError)?;
        if s.slots.refs(slot) == 0 {
            return Err(Refusal::Corrupt);
        }
        let c = s.cache[slot as usize];
        if c != 0 {
            frame::get(dec(c));
            CACHE_HITS.fetch_add(1, Ordering::Relaxed);
            return Ok(dec(c));
        }
        frees_before = s.frees;
        let (min, _, _) = super::reclaim::watermarks();
        if frame::free_count() > min + 2 * READAHEAD {
            for k in 1..=READAHEAD as u32 {
                let t = slot.wrapping_add(k);
                if (t as usize) >= s.slots.total()
                    || s.slots.refs(t) == 0
                    || s.cache[t as usize] != 0
                {
                    break;
                }
                ahead[nahead] = t;
                nahead += 1;
            }
        }
    }
    let pa = frame::alloc().ok_or(Refusal::OutOfMemory)?;
    let mut frames: [PhysAddr; READAHEAD] = [PhysAddr(0); READAHEAD];
    let mut n = 0;
    while n < nahead {
        match frame::alloc() {
            Some(f) => frames[n] = f,
            None => break,
        }
        n += 1;
    }
    let mut reqs: [Option<virtio_blk::Req<'_>>; READAHEAD + 1] = Default::default();
    // SAFETY: a new frame of ours, nobody else's until we publish it after
    // the batch completes.
    reqs[0] = Some(unsafe { virtio_blk::Req::frame(slot as u64 * SECTORS_PER_SLOT, pa, false) });
    for k in 0..n {
        let sector = ahead[k] as u64 * SECTORS_PER_SLOT;
        // SAFETY: as above.
        reqs[k + 1] = Some(unsafe { virtio_blk::Req::frame(sector, frames[k], false) });
    }
    let mut batch: alloc::vec::Vec<virtio_blk::Req<'_>> =
        reqs.iter_mut().filter_map(|r| r.take()).collect();
    let ok = virtio_blk::rw_many(SWAP_DEV, &mut batch).is_ok() && batch[0].ok;
    let ahead_ok: [bool; READAHEAD] = core::array::from_fn(|k| k < n && batch[k + 1].ok);
    drop(batch);
    let mut g = SWAP.lock();
    let s = g.as_mut().ok_or(Refusal::IoError)?;
    // Read-ahead frames go into the cache only if no slot was freed (and
    // so possibly reused for other bytes) while they were read.
    for k in 0..n {
        let t = ahead[k] as usize;
        if ahead_ok[k] && s.frees == frees_before && s.cache[t] == 0 && s.slots.refs(ahead[k]) > 0 {
            s.cache[t] = enc(frames[k]);
            s.cached += 1;
            frame::meta(frames[k])
                .slot
                .store(ahead[k], Ordering::Relaxed);
            SWAP_INS.fetch_add(1, Ordering::Relaxed);
            READ_AHEAD.fetch_add(1, Ordering::Relaxed);
        } else {
            frame::put(frames[k]);
        }
    }
    if !ok {
        drop(g);
        frame::put(pa);
        return Err(Refusal::IoError);
    }
    SWAP_INS.fetch_add(1, Ordering::Relaxed);
    let c = s.cache[slot as usize];
    if c != 0 {
        // Another process read it meanwhile: share that frame.
        frame::get(dec(c));
        drop(g);
        frame::put(pa);
        return Ok(dec(c));
    }
    if s.slots.refs(slot) > 1 {
        s.cache[slot as usize] = enc(pa);
        s.cached += 1;
        frame::meta(pa).slot.store(slot, Ordering::Relaxed);
        frame::get(pa);
    }
    Ok(pa)
}

/// One PTE fewer holds `slot` (swapped in, unmapped, exited, or a failed
/// write undone). The last one frees the slot and drops it from the cache.
pub fn release(slot: u32) {
    let mut g = SWAP.lock();
    let Some(s) = g.as_mut() else { return };
    match s.slots.put(slot) {
        Ok(true) => {
            s.frees += 1;
            let c = core::mem::take(&mut s.cache[slot as usize]);
            if c != 0 {
                s.cached -= 1;
                frame::meta(dec(c)).slot.store(NO_SLOT, Ordering::Relaxed);
                drop(g);
                frame::put(dec(c));
            }
        }
        Ok(false) => {}
        Err(e) => crate::println!("swap: release of slot {slot}: {e:?}"),
    }
}

/// One more PTE holds `slot` (fork copying a swapped PTE).
pub fn dup(slot: u32) -> bool {
    SWAP.lock()
        .as_mut()
        .is_some_and(|s| s.slots.dup(slot).is_ok())
}

/// Drop cached frames nobody maps any more (their bytes are on disk);
/// returns how many frames that freed.
pub fn shrink_cache() -> usize {
    let mut freed = Vec::new();
    {
        let mut g = SWAP.lock();
        let Some(s) = g.as_mut() else { return 0 };
        if s.cached == 0 {
            return 0;
        }
        for c in s.cache.iter_mut() {
            if *c != 0 && frame::refs(dec(*c)) == 1 {
                if freed.try_reserve(1).is_err() {
                    break;
                }
                frame::meta(dec(*c)).slot.store(NO_SLOT, Ordering::Relaxed);
                freed.push(dec(core::mem::take(c)));
            }
        }
        s.cached -= freed.len();
    }
    let n = freed.len();
    freed.into_iter().for_each(frame::put);
    n
}

/// If `pa` is in the swap cache and nobody else holds it, drop it from the
/// cache (its bytes are on disk). true if that freed the frame.
pub fn uncache_if_idle(pa: PhysAddr) -> bool {
    let mut g = SWAP.lock();
    let Some(s) = g.as_mut() else { return false };
    let m = frame::meta(pa);
    let slot = m.slot.load(Ordering::Relaxed);
    if slot == NO_SLOT || frame::refs(pa) != 1 {
        return false;
    }
    s.cache[slot as usize] = 0;
    s.cached -= 1;
    m.slot.store(NO_SLOT, Ordering::Relaxed);
    drop(g);
    frame::put_last(pa)
}

/// Read `n` pages of the swap disk from its start (wrapping), one 4 KiB
/// request at a time, into one scratch frame: the disk's raw speed for
/// swap-in's request size. None without a swap disk (or a frame).
pub fn raw_read(n: usize) -> Option<usize> {
    let total = slot_counts().0;
    if total == 0 {
        return None;
    }
    let pa = frame::alloc()?;
    let mut done = 0;
    for k in 0..n {
        let sector = (k % total) as u64 * SECTORS_PER_SLOT;
        // SAFETY: our own new frame, reachable by nobody else.
        if unsafe { virtio_blk::rw_frame(SWAP_DEV, sector, pa, false) }.is_ok() {
            done += 1;
        }
    }
    frame::put(pa);
    Some(done)
}

/// Whether swap has a free slot (false without swap).
pub fn has_room() -> bool {
    SWAP.lock().as_ref().is_some_and(|s| s.slots.free() > 0)
}
