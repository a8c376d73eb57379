//! Write-ahead log, in xv6's on-disk format, for crash-safe updates.
//!
//! A system call that changes the file system does so inside a transaction
//! (`begin_op` .. `end_op`, or a `Transaction` guard). Its block writes go
//! through `log_write`, which only records the block number and pins the
//! buffer. When the last outstanding transaction ends, `commit` copies the
//! modified blocks to the log area, writes the header block (the commit
//! point), installs the blocks at their home locations, and clears the
//! header. After a crash, `init` replays a committed log, so either all of
//! a transaction's writes reach their homes or none do.
//!
//! On disk: header block at `logstart` (i32 n, then n i32 block numbers),
//! then the logged copies. The log area's size comes from the superblock;
//! a transaction uses at most abi::fs::LOGBLOCKS of it.
//!
//! Transactions nest per process: only a process's outermost transaction
//! reserves log space and may commit; inner ones just count depth. So code
//! that may or may not be inside a transaction (dropping an `Inode`, which
//! may free the file) can always open one.

use super::bio::{self, Buf};
use crate::proc;
use crate::sync::SpinLock;
use abi::fs::{SuperBlock, BSIZE, LOGBLOCKS, MAXOPBLOCKS};
use abi::limits::NPROC;
use alloc::vec::Vec;
use core::marker::PhantomData;

/// Processes that can be inside a transaction at once, plus a spare for
/// boot-time code that runs before any process.
const DEPTH_SLOTS: usize = NPROC + 1;

struct Log {
    dev: usize,
    /// Block number of the header.
    start: u32,
    /// Log blocks (after the header) a transaction batch may fill.
    cap: usize,
    /// Transactions begun and not yet ended.
    outstanding: usize,
    /// A commit is writing the log; wait.
    committing: bool,
    /// The in-memory header: home block numbers of the logged blocks.
    n: usize,
    block: [u32; LOGBLOCKS],
    /// (pid, depth) of processes inside a transaction; depth 0 = free slot.
    depth: [(i32, u32); DEPTH_SLOTS],
}

static LOG: SpinLock<Log> = SpinLock::new(
    "log",
    Log {
        dev: 0,
        start: 0,
        cap: 0,
        outstanding: 0,
        committing: false,
        n: 0,
        block: [0; LOGBLOCKS],
        depth: [(0, 0); DEPTH_SLOTS],
    },
);

fn chan() -> usize {
    &LOG as *const _ as usize
}

/// Set up the log from the superblock and replay anything committed.
pub fn init(dev: usize, sb: &SuperBlock) {
    // The header must fit in a block; xv6 checks the same.
    const _: () = assert!((1 + LOGBLOCKS) * 4 <= BSIZE);
    let on_disk = (sb.nlog as usize).saturating_sub(1);
    let cap = on_disk.min(LOGBLOCKS);
    if cap < MAXOPBLOCKS {
        panic!("log: log area of {} blocks is too small", sb.nlog);
    }
    {
        let mut log = LOG.lock();
        log.dev = dev;
        log.start = sb.logstart;
        log.cap = cap;
    }
    recover(dev, sb.logstart, on_disk);
}

/// Replay a committed transaction left by a crash. The header may list
/// more blocks than we would use (another kernel's bigger log), up to the
/// log area's size.
fn recover(dev: usize, start: u32, on_disk: usize) {
    let blocks = {
        let h = bio::bread(dev, start);
        let n: i32 = h.read_pod(0);
        let max = on_disk.min(BSIZE / 4 - 1);
        if n < 0 || n as usize > max {
            panic!("log: corrupt header (n = {n})");
        }
        (0..n as usize)
            .map(|i| h.read_pod::<u32>(4 + 4 * i))
            .collect::<Vec<u32>>()
    };
    if !blocks.is_empty() {
        crate::println!("log: recovering {} blocks", blocks.len());
    }
    install(dev, start, &blocks, true);
    write_head(dev, start, &[]);
}

/// Copy the logged blocks to their home locations.
fn install(dev: usize, start: u32, blocks: &[u32], recovering: bool) {
    for (i, &home) in blocks.iter().enumerate() {
        let from = bio::bread(dev, start + 1 + i as u32);
        let mut to = bio::bread(dev, home);
        to.data_mut().copy_from_slice(from.data());
        to.write();
        if !recovering {
            // log_write pinned it; the home copy is on disk now.
            to.unpin();
        }
    }
}

/// Write the header block: this is the commit point (n > 0) or the
/// erasure of a finished transaction (n = 0).
fn write_head(dev: usize, start: u32, blocks: &[u32]) {
    let mut h = bio::bread(dev, start);
    h.write_pod(0, &(blocks.len() as i32));
    for (i, b) in blocks.iter().enumerate() {
        h.write_pod(4 + 4 * i, b);
    }
    h.write();
}

/// Begin a file-system operation: wait until no commit is running and the
/// log has room for this operation's MAXOPBLOCKS writes on top of what the
/// outstanding ones may write. Nested calls by the same process only count.
pub fn begin_op() {
    let pid = proc::current_pid();
    let mut log = LOG.lock();
    if let Some(d) = log.depth.iter_mut().find(|d| d.1 > 0 && d.0 == pid) {
        d.1 += 1;
        return;
    }
    loop {
        if log.committing || log.n + (log.outstanding + 1) * MAXOPBLOCKS > log.cap {
            log = proc::sleep(chan(), log);
        } else {
            break;
        }
    }
    log.outstanding += 1;
    let slot = log
        .depth
        .iter_mut()
        .find(|d| d.1 == 0)
        .expect("begin_op: too many processes in transactions");
    *slot = (pid, 1);
}

/// End a file-system operation; the last one out commits.
pub fn end_op() {
    let pid = proc::current_pid();
    let mut log = LOG.lock();
    let d = log
        .depth
        .iter_mut()
        .find(|d| d.1 > 0 && d.0 == pid)
        .expect("end_op: not in a transaction");
    d.1 -= 1;
    if d.1 > 0 {
        return;
    }
    assert!(!log.committing, "end_op: committing");
    log.outstanding -= 1;
    if log.outstanding > 0 {
        // begin_op may be waiting for log space, and this operation's
        // reservation is free now.
        proc::wakeup(chan());
        return;
    }
    // No one else is in a transaction, so no one touches the header: commit
    // without holding the spinlock (commit sleeps on disk buffers).
    log.committing = true;
    let (dev, start, n) = (log.dev, log.start, log.n);
    let blocks = log.block;
    drop(log);
    commit(dev, start, &blocks[..n]);
    let mut log = LOG.lock();
    log.n = 0;
    log.committing = false;
    proc::wakeup(chan());
}

fn commit(dev: usize, start: u32, blocks: &[u32]) {
    if blocks.is_empty() {
        return;
    }
    // Copy the modified blocks from the cache to the log area.
    for (i, &home) in blocks.iter().enumerate() {
        let mut to = bio::bread(dev, start + 1 + i as u32);
        let from = bio::bread(dev, home);
        to.data_mut().copy_from_slice(from.data());
        to.write();
    }
    write_head(dev, start, blocks); // the real commit
    install(dev, start, blocks, false);
    write_head(dev, start, &[]); // erase the transaction from the log
}

/// Record that `b` was modified, instead of writing it: commit will. The
/// buffer stays pinned in the cache until then. A block written twice in
/// one commit takes one log slot (absorption).
pub fn log_write(b: &Buf) {
    let mut log = LOG.lock();
    assert!(log.outstanding >= 1, "log_write outside of a transaction");
    let n = log.n;
    if log.block[..n].contains(&b.blockno()) {
        return;
    }
    assert!(n < log.cap, "log_write: too big a transaction");
    log.block[n] = b.blockno();
    log.n += 1;
    b.pin();
}

/// A file-system operation as a guard: begin_op now, end_op on drop.
/// Not Send: it belongs to the process that began it.
pub struct Transaction {
    _not_send: PhantomData<*const ()>,
}

impl Transaction {
    pub fn begin() -> Transaction {
        begin_op();
        Transaction {
            _not_send: PhantomData,
        }
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        end_op();
    }
}
