//! Pages of files mapped MAP_SHARED. Every shared mapping of a file page
//! maps the one frame kept here, so two mappings (in one process or many)
//! see each other's writes at once. The cache holds one reference to each
//! frame; when a mapping goes, its dirty pages are written to the file
//! (`writeback::write_back`) and, once no mapping is left, the frame is dropped.
//! Private mappings copy from here when a page is cached, so they never see
//! older bytes than a shared mapping already holds.
use super::addr::PhysAddr;
use super::frame;
use crate::sync::SpinLock;
use alloc::collections::BTreeMap;

/// (inode number, page index in the file).
type Key = (u32, usize);

static CACHE: SpinLock<BTreeMap<Key, PhysAddr>> = SpinLock::new("pagecache", BTreeMap::new());

/// The cached frame for a page, with a reference taken for the caller.
pub fn get(inum: u32, index: usize) -> Option<PhysAddr> {
    let c = CACHE.lock();
    let pa = *c.get(&(inum, index))?;
    frame::get(pa);
    Some(pa)
}

/// Offer a freshly read frame for (inum, index). If another fault cached
/// one meanwhile, that one wins: `pa` is released and the winner returned.
/// The returned frame carries a reference for the caller.
pub fn insert(inum: u32, index: usize, pa: PhysAddr) -> PhysAddr {
    let mut c = CACHE.lock();
    if let Some(&have) = c.get(&(inum, index)) {
        frame::get(have);
        drop(c);
        frame::put(pa);
        return have;
    }
    frame::get(pa); // the cache's own reference
    frame::note_file(pa, inum, index);
    c.insert((inum, index), pa);
    pa
}

/// Drop cached pages of `inum` in [first, last] that nobody maps any more.
pub fn release_unmapped(inum: u32, first: usize, last: usize) {
    let mut c = CACHE.lock();
    let idle: alloc::vec::Vec<Key> = c
        .range((inum, first)..=(inum, last))
        .filter(|(_, &pa)| frame::refs(pa) == 1)
        .map(|(&k, _)| k)
        .collect();
    for k in idle {
        if let Some(pa) = c.remove(&k) {
            frame::put(pa);
        }
    }
}
