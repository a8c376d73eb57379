//! Buffer cache: in-memory copies of disk blocks.
//!
//! Caching blocks saves disk reads, and having exactly one copy of each
//! block, behind a sleep lock, is what lets one process at a time modify a
//! block (the log relies on this). `bread` returns a locked `Buf`; dropping
//! it releases the buffer (xv6's brelse). When a block must be read from
//! disk, the least recently released unused buffer is recycled.

use crate::drivers::virtio_blk;
use crate::pod::Pod;
use crate::proc;
use crate::sync::{SleepLock, SleepLockGuard, SpinLock};
use abi::fs::BSIZE;

/// Buffers in the cache. The log pins up to LOGBLOCKS of them during a
/// transaction; the rest serve everyone else.
pub const NBUF: usize = 64;

/// Identity and use count of each buffer, under the cache spinlock.
#[derive(Clone, Copy)]
struct Slot {
    /// `key(dev, blockno)` of the block it holds, `NO_KEY` if none.
    key: u64,
    refcnt: u32,
    /// `Cache::clock` when the buffer was last released, for LRU.
    used_at: u64,
}

struct Cache {
    slots: [Slot; NBUF],
    clock: u64,
    /// Processes asleep in `bget` for a free buffer: a release wakes them
    /// only if there are any (a wakeup is a scan of the process table).
    waiters: u32,
}

static CACHE: SpinLock<Cache> = SpinLock::new(
    "bcache",
    Cache {
        slots: [Slot {
            key: NO_KEY,
            refcnt: 0,
            used_at: 0,
        }; NBUF],
        clock: 0,
        waiters: 0,
    },
);

/// A buffer's contents, under its sleep lock. `holds` names the block the
/// data is a copy of: a recycled buffer still names its old block, so the
/// first holder under the new identity knows to read the disk (xv6's
/// `valid`, kept where the locked reader can see it).
struct Data {
    holds: Option<(usize, u32)>,
    data: [u8; BSIZE],
}

static BUFS: [SleepLock<Data>; NBUF] = [const {
    SleepLock::new(
        "buffer",
        Data {
            holds: None,
            data: [0; BSIZE],
        },
    )
}; NBUF];

/// A locked buffer holding a copy of block `blockno` of disk `dev`.
pub struct Buf {
    idx: usize,
    dev: usize,
    blockno: u32,
    guard: Option<SleepLockGuard<'static, Data>>,
}

/// A slot's identity as one word, so the search compares once a slot.
fn key(dev: usize, blockno: u32) -> u64 {
    (dev as u64) << 32 | blockno as u64
}

const NO_KEY: u64 = u64::MAX;

/// Find or recycle a buffer for (dev, blockno) and lock it.
fn bget(dev: usize, blockno: u32) -> Buf {
    let k = key(dev, blockno);
    let mut c = CACHE.lock();
    let idx = loop {
        // One pass finds the block, or else the least recently used free
        // buffer to recycle (the first of equals).
        let (mut victim, mut oldest) = (None, u64::MAX);
        let mut hit = None;
        for (i, s) in c.slots.iter().enumerate() {
            if s.key == k {
                hit = Some(i);
                break;
            }
            if s.refcnt == 0 && s.used_at < oldest {
                (victim, oldest) = (Some(i), s.used_at);
            }
        }
        if let Some(i) = hit {
            // Cached, whether or not in use (refcnt 0 keeps the identity).
            c.slots[i].refcnt += 1;
            break i;
        }
        if let Some(i) = victim {
            c.slots[i] = Slot {
                key: k,
                refcnt: 1,
                used_at: 0,
            };
            break i;
        }
        // Every buffer is in use. Those holding them finish soon (no one
        // holds a buffer while waiting for another's release, and the log
        // pins at most LOGBLOCKS), so wait rather than panic as xv6 does.
        c.waiters += 1;
        c = proc::sleep(chan(), c);
        c.waiters -= 1;
    };
    drop(c);
    Buf {
        idx,
        dev,
        blockno,
        guard: Some(BUFS[idx].lock()),
    }
}

fn chan() -> usize {
    &CACHE as *const _ as usize
}

/// A locked buffer with the contents of block `blockno` of disk `dev`.
pub fn bread(dev: usize, blockno: u32) -> Buf {
    let mut b = bget(dev, blockno);
    let g = b.guard.as_mut().expect("bread: unlocked");
    if g.holds != Some((dev, blockno)) {
        virtio_blk::read_block(dev, blockno, &mut g.data);
        g.holds = Some((dev, blockno));
    }
    b
}

/// Read those of `blocks` (numbers on disk `dev`; 0 = none) that are not
/// cached into free buffers, all in one batch of disk requests, so the
/// `bread`s that follow find them: one wait for the disk instead of one a
/// block. Best effort: a block is left to `bread` when no buffer is free
/// or a read fails. Never waits for a buffer (it takes only free ones,
/// whose locks nobody holds), so holding several at once cannot deadlock.
pub fn prefetch(dev: usize, blocks: &[u32]) {
    const MAX: usize = 8;
    let mut bufs: [Option<Buf>; MAX] = [const { None }; MAX];
    let mut n = 0;
    for &b in blocks {
        if n == MAX {
            break;
        }
        if b == 0 {
            continue;
        }
        match bget_free(dev, b) {
            Some(buf) => {
                bufs[n] = Some(buf);
                n += 1;
            }
            None => continue,
        }
    }
    if n == 0 {
        return;
    }
    let mut taken = bufs.iter_mut().flatten();
    let mut reqs: [virtio_blk::Req<'_>; MAX] = core::array::from_fn(|_| match taken.next() {
        Some(b) => virtio_blk::Req::read_into(
            b.blockno as u64 * (BSIZE / 512) as u64,
            &mut b.guard.as_mut().expect("prefetch: unlocked").data[..],
        ),
        None => virtio_blk::Req::read_into(0, &mut []),
    });
    if virtio_blk::rw_many(dev, &mut reqs[..n]).is_err() {
        return;
    }
    // The requests borrow the buffers; their results are copied out first.
    let ok: [bool; MAX] = core::array::from_fn(|i| reqs[i].ok);
    for (b, ok) in bufs.iter_mut().zip(ok).take(n) {
        if let (Some(b), true) = (b, ok) {
            let (dev, blockno) = (b.dev, b.blockno);
            b.guard.as_mut().expect("prefetch: unlocked").holds = Some((dev, blockno));
        }
    }
}

/// `bget` for `prefetch`: a locked buffer for a block that is not cached,
/// taken only if a free one is at hand (None if the block is cached or no
/// buffer is free).
fn bget_free(dev: usize, blockno: u32) -> Option<Buf> {
    let k = key(dev, blockno);
    let mut c = CACHE.lock();
    let (mut victim, mut oldest) = (None, u64::MAX);
    for (i, s) in c.slots.iter().enumerate() {
        if s.key == k {
            return None;
        }
        if s.refcnt == 0 && s.used_at < oldest {
            (victim, oldest) = (Some(i), s.used_at);
        }
    }
    let i = victim?;
    // Free (refcnt 0) means unlocked: a buffer is unlocked before its last
    // reference goes, and a new reference needs the cache lock we hold.
    let guard = BUFS[i].try_lock()?;
    c.slots[i] = Slot {
        key: k,
        refcnt: 1,
        used_at: 0,
    };
    drop(c);
    Some(Buf {
        idx: i,
        dev,
        blockno,
        guard: Some(guard),
    })
}

impl Buf {
    pub fn blockno(&self) -> u32 {
        self.blockno
    }

    pub fn data(&self) -> &[u8; BSIZE] {
        &self.guard.as_ref().expect("buf: unlocked").data
    }

    pub fn data_mut(&mut self) -> &mut [u8; BSIZE] {
        &mut self.guard.as_mut().expect("buf: unlocked").data
    }

    /// Write the buffer to disk. Only the log does this for file-system
    /// blocks (everyone else calls log::log_write).
    pub fn write(&self) {
        virtio_blk::write_block(self.dev, self.blockno, self.data());
    }

    /// The `T` stored at byte `off` of the block.
    pub fn read_pod<T: Pod>(&self, off: usize) -> T {
        let end = off + core::mem::size_of::<T>();
        let bytes = &self.data()[off..end];
        // SAFETY: `bytes` has size_of::<T>() bytes (the slice is bounds
        // checked) and T: Pod accepts any bit pattern; read_unaligned
        // because the block is a byte array.
        unsafe { core::ptr::read_unaligned(bytes.as_ptr() as *const T) }
    }

    /// Store `v` at byte `off` of the block.
    pub fn write_pod<T: Pod>(&mut self, off: usize, v: &T) {
        let end = off + core::mem::size_of::<T>();
        let bytes = &mut self.data_mut()[off..end];
        // SAFETY: `bytes` has room for a T (bounds checked above).
        unsafe { core::ptr::write_unaligned(bytes.as_mut_ptr() as *mut T, *v) }
    }

    /// Keep the buffer (and so its contents) in the cache after it is
    /// released: the log pins the blocks of a transaction until it has
    /// installed them.
    pub fn pin(&self) {
        CACHE.lock().slots[self.idx].refcnt += 1;
    }

    /// Undo `pin`.
    pub fn unpin(&self) {
        let mut c = CACHE.lock();
        release(&mut c, self.idx);
    }
}

/// Drop one reference to buffer `idx`; wake waiters if it became free.
fn release(c: &mut Cache, idx: usize) {
    let s = &mut c.slots[idx];
    assert!(s.refcnt > 0, "brelse: buffer not in use");
    s.refcnt -= 1;
    if s.refcnt == 0 {
        c.clock += 1;
        c.slots[idx].used_at = c.clock;
        if c.waiters > 0 {
            proc::wakeup(chan());
        }
    }
}

impl Drop for Buf {
    /// xv6's brelse: unlock, then give up the reference.
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut c = CACHE.lock();
        release(&mut c, self.idx);
    }
}
