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
    /// Disk blocks holding the file's blocks `bn..bn + out.len()`, into
    /// `out` (0: none). Never allocates (reads need no transaction). Reads
    /// the indirect block at most once: a sequential read would otherwise
    /// look it up again for every block.
    pub(super) fn bmap_run(&self, bn: usize, out: &mut [u32]) {
        let ind = self.d.addrs[NDIRECT];
        let buf = (bn + out.len() > NDIRECT && ind != 0).then(|| bio::bread(self.dev(), ind));
        for (k, o) in out.iter_mut().enumerate() {
            let b = bn + k;
            *o = if b < NDIRECT {
                self.d.addrs[b]
            } else {
                match &buf {
                    Some(buf) if b - NDIRECT < NINDIRECT => buf.read_pod(4 * (b - NDIRECT)),
                    _ => 0,
                }
            };
        }
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
