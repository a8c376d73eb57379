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
    s
}
