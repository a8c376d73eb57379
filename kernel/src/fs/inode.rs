//! Inodes: the in-memory inode table and the `Inode` handle.
//!
//! An `Inode` is a counted reference to a table entry (xv6's `struct inode
//! *` after iget/idup): cloning it is idup, dropping it is iput. Holding
//! one keeps the entry, not its contents, in memory; `lock` gives an
//! `InodeGuard`, which holds the entry's sleep lock and a copy of the disk
//! inode, read from disk on first lock (xv6's ilock/iunlock).
//!
//! Freeing. When the last reference to an inode that no directory links to
//! (nlink == 0) is dropped, the file's blocks and the inode are freed on
//! disk. That must happen inside a transaction; the rule is:
//!
//!   Dropping an `Inode` opens its own `Transaction` only when it is about
//!   to free the inode. Transactions nest per process, so this works
//!   whether or not the caller is in one. A caller that holds some other
//!   inode's lock while dropping a handle that may be the last one to an
//!   unlinked file must already be inside a transaction (else it could
//!   wait for log space while holding a lock that an open transaction
//!   needs). Never drop the last handle while holding a spinlock.

use super::bio;
use super::log::{log_write, Transaction};
use super::FsError;
use crate::sync::{SleepLock, SleepLockGuard, SpinLock};
use abi::fs::{DInode, IPB, NDIRECT};

/// Entries in the in-memory inode table: the most inodes that can be in
/// use (open, cwd, mapped, being looked up) at once.
pub const NINODE: usize = 200;

/// Identity and reference count of each entry, under the table spinlock.
#[derive(Clone, Copy)]
struct Meta {
    dev: usize,
    inum: u32,
    refcnt: u32,
    /// The locked copy has been read from disk (xv6's `valid`). Kept here,
    /// not under the sleep lock, so iget can clear it for a reused entry.
    valid: bool,
    /// Valid and nlink == 0: the last iput must free the inode.
    orphan: bool,
}

static ITABLE: SpinLock<[Meta; NINODE]> = SpinLock::new(
    "itable",
    [Meta {
        dev: 0,
        inum: 0,
        refcnt: 0,
        valid: false,
        orphan: false,
    }; NINODE],
);

const EMPTY: DInode = DInode {
    typ: 0,
    major: 0,
    minor: 0,
    nlink: 0,
    size: 0,
    addrs: [0; NDIRECT + 1],
};

/// The in-memory copy of each entry's disk inode, under its sleep lock.
static IDATA: [SleepLock<DInode>; NINODE] = [const { SleepLock::new("inode", EMPTY) }; NINODE];

/// A counted reference to an in-memory inode.
pub struct Inode {
    idx: usize,
    dev: usize,
    inum: u32,
}

/// A locked inode: the holder may read and change it.
pub struct InodeGuard<'a> {
    ip: &'a Inode,
    pub(super) d: SleepLockGuard<'static, DInode>,
}

impl Inode {
    /// Find the inode with number `inum` on `dev` in the table, or claim a
    /// free entry for it (xv6's iget). Does not lock it or read the disk.
    pub(super) fn get(dev: usize, inum: u32) -> Result<Inode, FsError> {
        let mut t = ITABLE.lock();
        let mut free = None;
        for (i, m) in t.iter_mut().enumerate() {
            if m.refcnt > 0 && m.dev == dev && m.inum == inum {
                m.refcnt += 1;
                return Ok(Inode { idx: i, dev, inum });
            }
            if free.is_none() && m.refcnt == 0 {
                free = Some(i);
            }
        }
        let idx = free.ok_or(FsError::NoInodes)?;
        t[idx] = Meta {
            dev,
            inum,
            refcnt: 1,
            valid: false,
            orphan: false,
        };
        Ok(Inode { idx, dev, inum })
    }

    pub fn inum(&self) -> u32 {
        self.inum
    }

    pub fn dev(&self) -> usize {
        self.dev
    }

    /// Lock the inode, reading it from disk if needed (xv6's ilock).
    pub fn lock(&self) -> InodeGuard<'_> {
        let mut d = IDATA[self.idx].lock();
        if !ITABLE.lock()[self.idx].valid {
            let sb = super::sb();
            *d = bio::bread(self.dev, sb.iblock(self.inum)).read_pod(dinode_offset(self.inum));
            if d.typ == 0 {
                panic!(
                    "ilock: inode {} has no type (corrupt file system)",
                    self.inum
                );
            }
            let mut t = ITABLE.lock();
            t[self.idx].valid = true;
            t[self.idx].orphan = d.nlink == 0;
        }
        InodeGuard { ip: self, d }
    }

    /// The inode's type (abi::T_DIR, T_FILE, T_DEVICE). Locks it.
    pub fn typ(&self) -> i16 {
        self.lock().typ()
    }

    /// The file's size in bytes. Locks it.
    pub fn size(&self) -> usize {
        self.lock().size()
    }
}

/// Byte offset of inode `inum` within its block.
fn dinode_offset(inum: u32) -> usize {
    (inum as usize % IPB) * core::mem::size_of::<DInode>()
}

impl core::fmt::Debug for Inode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Inode({}:{})", self.dev, self.inum)
    }
}

impl Clone for Inode {
    /// xv6's idup.
    fn clone(&self) -> Inode {
        ITABLE.lock()[self.idx].refcnt += 1;
        Inode {
            idx: self.idx,
            dev: self.dev,
            inum: self.inum,
        }
    }
}

impl Drop for Inode {
    /// xv6's iput. See the module comment for the transaction rule.
    ///
    /// The reference that takes the count to 0 must be the one that frees
    /// an unlinked inode. Freeing zeroes the disk inode before this
    /// handle's count is given back, and in that window `ialloc` may hand
    /// the same table entry (same inum) to a new file, which may be
    /// unlinked and dropped while our count still keeps the entry above 1.
    /// So after freeing we look again instead of just decrementing: if the
    /// entry now holds a new orphan and ours is the last reference, it is
    /// ours to free. (xv6's iput decrements blindly and would leak that
    /// inode; `fstest iput_reuse` reproduces it.)
    fn drop(&mut self) {
        loop {
            {
                let mut t = ITABLE.lock();
                let m = &mut t[self.idx];
                if m.refcnt > 1 || !(m.valid && m.orphan) {
                    m.refcnt -= 1;
                    return;
                }
            }
            // Probably the last reference to an unlinked inode. Nothing can
            // find it by name any more, so only a racing idup of ours (or
            // ialloc, above) could matter; look again with it locked.
            let tx = Transaction::begin();
            {
                let mut g = self.lock();
                let last = {
                    let t = ITABLE.lock();
                    t[self.idx].refcnt == 1 && t[self.idx].orphan
                };
                if last {
                    g.truncate();
                    g.d.typ = 0;
                    g.update();
                    let mut t = ITABLE.lock();
                    t[self.idx].valid = false;
                    t[self.idx].orphan = false;
                }
            }
            drop(tx);
            #[cfg(test)]
            crate::proc::race_window();
        }
    }
}

/// Allocate an inode of type `typ` on `dev` (xv6's ialloc). It is returned
/// unlocked with nlink 0: the caller locks it and sets nlink, and if it
/// drops it unlinked (after locking) the inode is freed again.
/// Must run inside a transaction.
pub fn ialloc(dev: usize, typ: i16) -> Result<Inode, FsError> {
    let sb = super::sb();
    for inum in 1..sb.ninodes {
        let mut bp = bio::bread(dev, sb.iblock(inum));
        let off = dinode_offset(inum);
        let di: DInode = bp.read_pod(off);
        if di.typ == 0 {
            // Take a table entry first, so a full table leaves the disk as is.
            let ip = Inode::get(dev, inum)?;
            bp.write_pod(off, &DInode { typ, ..EMPTY });
            log_write(&bp);
            return Ok(ip);
        }
    }
    Err(FsError::NoInodes)
}

impl InodeGuard<'_> {
    pub fn inum(&self) -> u32 {
        self.ip.inum
    }

    pub fn dev(&self) -> usize {
        self.ip.dev
    }

    pub fn typ(&self) -> i16 {
        self.d.typ
    }

    pub fn major(&self) -> i16 {
        self.d.major
    }

    pub fn nlink(&self) -> i16 {
        self.d.nlink
    }

    pub fn size(&self) -> usize {
        self.d.size as usize
    }

    pub fn set_device(&mut self, major: i16, minor: i16) {
        self.d.major = major;
        self.d.minor = minor;
    }

    /// Change the link count in memory (call `update` to write it). An
    /// inode with no links is freed when its last handle is dropped.
    pub fn set_nlink(&mut self, nlink: i16) {
        self.d.nlink = nlink;
        ITABLE.lock()[self.ip.idx].orphan = nlink == 0;
    }

    /// Write the in-memory copy to disk, through the log (xv6's iupdate).
    /// Call after every change to a field that lives on disk.
    pub fn update(&mut self) {
        let sb = super::sb();
        let mut bp = bio::bread(self.ip.dev, sb.iblock(self.ip.inum));
        bp.write_pod(dinode_offset(self.ip.inum), &*self.d);
        log_write(&bp);
    }
}
