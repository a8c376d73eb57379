//! Counters the kernel reports through `vmstat`.
use abi::vmstat::fault;
use core::sync::atomic::{AtomicU64, Ordering};

static FAULTS: [AtomicU64; fault::COUNT] = [const { AtomicU64::new(0) }; fault::COUNT];
pub static FILE_PAGES_READ: AtomicU64 = AtomicU64::new(0);
pub static FILE_PAGES_WRITTEN: AtomicU64 = AtomicU64::new(0);

pub fn count_fault(kind: usize) {
    FAULTS[kind].fetch_add(1, Ordering::Relaxed);
}

pub fn snapshot() -> abi::vmstat::VmStat {
    let mut s = abi::vmstat::VmStat {
        total_frames: super::frame::total() as u64,
        free_frames: super::frame::free_count() as u64,
        ..Default::default()
    };
    for (i, c) in FAULTS.iter().enumerate() {
        s.faults[i] = c.load(Ordering::Relaxed);
    }
    s.file_pages_read = FILE_PAGES_READ.load(Ordering::Relaxed);
    s.file_pages_written = FILE_PAGES_WRITTEN.load(Ordering::Relaxed);
    s.cow_enabled = super::fork::cow_enabled() as u64;
    super::reslimit::fill(&mut s);
    use super::reclaim as r;
    s.swap_ins = super::swap::SWAP_INS.load(Ordering::Relaxed);
    s.swap_outs = super::swap::SWAP_OUTS.load(Ordering::Relaxed);
    s.swap_cache_hits = super::swap::CACHE_HITS.load(Ordering::Relaxed);
    s.pages_scanned = r::SCANNED.load(Ordering::Relaxed);
    s.pages_reclaimed = r::RECLAIMED.load(Ordering::Relaxed);
    s.file_pages_dropped = r::FILE_DROPPED.load(Ordering::Relaxed);
    s.dirty_written_back = r::DIRTY_WRITTEN.load(Ordering::Relaxed);
    s.direct_reclaims = r::DIRECT.load(Ordering::Relaxed);
    s.reclaim_wakeups = r::WAKEUPS.load(Ordering::Relaxed);
    s.oom_kills = r::OOM_KILLS.load(Ordering::Relaxed);
    s.rmap_unmaps = super::replace::UNMAPS.load(Ordering::Relaxed);
    s.rmap_shared = super::replace::SHARED.load(Ordering::Relaxed);
    let (total, used) = super::swap::slot_counts();
    s.swap_slots_total = total as u64;
    s.swap_slots_used = used as u64;
    let (min, low, high) = r::watermarks();
    (s.wmark_min, s.wmark_low, s.wmark_high) = (min as u64, low as u64, high as u64);
    s
}
