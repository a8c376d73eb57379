//! RAM disk standing in for drivers::virtio_blk (the same two calls).
//!
//! It can record every block write, in order. That is all the crash test
//! needs: a crash after `n` writes leaves the disk as it was before the
//! workload plus the first `n` recorded writes (block writes are atomic, as
//! xv6 assumes). It also notes which blocks were read, so a test can see
//! that the buffer cache really went to the disk.

use abi::fs::BSIZE;
use std::sync::{Mutex, MutexGuard};

/// The file-system disk (fs::ROOTDEV).
const FS_DEV: usize = 0;

/// A second disk: all zeros, read-only. Reading NBUF of its blocks pushes
/// every file-system block out of the buffer cache (scenarios::insert_disk).
pub const SCRATCH_DEV: usize = 1;

/// The file-system disk's contents.
pub static DISK: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Writes since `start_journal`, when recording.
static JOURNAL: Mutex<Option<Vec<BlockWrite>>> = Mutex::new(None);

/// Block numbers read from the file-system disk since `take_reads`.
static READS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

pub struct BlockWrite {
    pub blockno: u32,
    pub data: Box<[u8; BSIZE]>,
}

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn read_block(dev: usize, blockno: u32, buf: &mut [u8; BSIZE]) {
    if dev == SCRATCH_DEV {
        buf.fill(0);
        return;
    }
    assert_eq!(dev, FS_DEV, "read from unknown disk");
    let d = lock(&DISK);
    let o = blockno as usize * BSIZE;
    assert!(o + BSIZE <= d.len(), "read past end of disk: {blockno}");
    buf.copy_from_slice(&d[o..o + BSIZE]);
    lock(&READS).push(blockno);
}

/// One request of a batch, as the driver's (`bio::prefetch` reads with it).
pub struct Req<'a> {
    sector: u64,
    buf: &'a mut [u8],
    pub ok: bool,
}

impl<'a> Req<'a> {
    /// Read from the disk into `buf` (the only kind the cache batches).
    pub fn read_into(sector: u64, buf: &'a mut [u8]) -> Req<'a> {
        Req {
            sector,
            buf,
            ok: false,
        }
    }
}

/// The driver's batched reads (writes are never batched by the cache): each
/// request is a whole block here.
pub fn rw_many(dev: usize, reqs: &mut [Req<'_>]) -> Result<(), ()> {
    for r in reqs.iter_mut() {
        let blockno = (r.sector / (BSIZE / 512) as u64) as u32;
        let buf: &mut [u8; BSIZE] = r.buf.try_into().map_err(|_| ())?;
        read_block(dev, blockno, buf);
        r.ok = true;
    }
    Ok(())
}

pub fn write_block(dev: usize, blockno: u32, buf: &[u8; BSIZE]) {
    assert_eq!(dev, FS_DEV, "write to a disk other than the file system's");
    let mut d = lock(&DISK);
    let o = blockno as usize * BSIZE;
    assert!(o + BSIZE <= d.len(), "write past end of disk: {blockno}");
    d[o..o + BSIZE].copy_from_slice(buf);
    if let Some(j) = lock(&JOURNAL).as_mut() {
        j.push(BlockWrite {
            blockno,
            data: Box::new(*buf),
        });
    }
}

/// Record block writes from now on.
pub fn start_journal() {
    *lock(&JOURNAL) = Some(Vec::new());
}

/// Stop recording; the writes since `start_journal`, oldest first.
pub fn take_journal() -> Vec<BlockWrite> {
    lock(&JOURNAL).take().expect("take_journal: not recording")
}

/// The blocks read since the last call, in order.
pub fn take_reads() -> Vec<u32> {
    std::mem::take(&mut *lock(&READS))
}
