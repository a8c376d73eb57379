//! Where a file's bytes are: the block map of an inode.
//!
//! The first NDIRECT block numbers are in the inode (`addrs[0..NDIRECT]`);
//! the next NINDIRECT are in an indirect block whose number is
//! `addrs[NDIRECT]`. A 0 entry means no block yet.

use super::balloc::{balloc, bfree};
use super::bio;
use super::inode::InodeGuard;
use super::log::log_write;
use super::FsError;
use abi::fs::{NDIRECT, NINDIRECT};

impl InodeGuard<'_> {
    /// Disk block holding the file's block `bn`, or 0 if there is none.
    /// Never allocates (reads need no transaction).
    pub(super) fn bmap(&self, bn: usize) -> u32 {
        if bn < NDIRECT {
            return self.d.addrs[bn];
        }
        let bn = bn - NDIRECT;
        let ind = self.d.addrs[NDIRECT];
        if bn >= NINDIRECT || ind == 0 {
            return 0;
        }
        bio::bread(self.dev(), ind).read_pod(4 * bn)
    }

    /// Disk block holding the file's block `bn`, allocating it (and the
    /// indirect block) if needed. Inside a transaction; the caller writes
    /// the inode afterwards (`update`), since `addrs` may have changed.
    pub(super) fn bmap_alloc(&mut self, bn: usize) -> Result<u32, FsError> {
        let dev = self.dev();
        if bn < NDIRECT {
            if self.d.addrs[bn] == 0 {
                self.d.addrs[bn] = balloc(dev)?;
            }
            return Ok(self.d.addrs[bn]);
        }
        let bn = bn - NDIRECT;
        if bn >= NINDIRECT {
            return Err(FsError::TooBig);
        }
        if self.d.addrs[NDIRECT] == 0 {
            self.d.addrs[NDIRECT] = balloc(dev)?;
        }
        let mut bp = bio::bread(dev, self.d.addrs[NDIRECT]);
        let mut a: u32 = bp.read_pod(4 * bn);
        if a == 0 {
            a = balloc(dev)?;
            bp.write_pod(4 * bn, &a);
            log_write(&bp);
        }
        Ok(a)
    }

    /// Free all of the file's blocks and make it empty (xv6's itrunc).
    /// Inside a transaction.
    pub fn truncate(&mut self) {
        let dev = self.dev();
        for i in 0..NDIRECT {
            if self.d.addrs[i] != 0 {
                bfree(dev, self.d.addrs[i]);
                self.d.addrs[i] = 0;
            }
        }
        let ind = self.d.addrs[NDIRECT];
        if ind != 0 {
            let bp = bio::bread(dev, ind);
            for j in 0..NINDIRECT {
                let a: u32 = bp.read_pod(4 * j);
                if a != 0 {
                    bfree(dev, a);
                }
            }
            drop(bp);
            bfree(dev, ind);
            self.d.addrs[NDIRECT] = 0;
        }
        self.d.size = 0;
        self.update();
    }
}
