//! Reading and writing file contents (xv6's readi/writei, and the chunking
//! of xv6's filewrite).
//!
//! `InodeGuard::read`/`write` move bytes between a locked inode and kernel
//! memory. The `Inode` methods take user or kernel buffers and do their own
//! locking: user memory is copied through a kernel buffer with no inode
//! lock held, because touching user memory may fault in a page of a mapped
//! file, which locks that file's inode (perhaps this very one).

use super::bio;
use super::inode::{Inode, InodeGuard};
use super::log::{log_write, Transaction};
use super::{FsError, IoDst, IoSrc};
use crate::mm::{PhysAddr, PAGE_SIZE};
use abi::fs::{BSIZE, MAXFILE, MAXOPBLOCKS};
use alloc::vec;

/// Most bytes one transaction writes: the inode, an indirect block, two
/// bitmap blocks (a write may straddle them), and data blocks, each data
/// block possibly needing a bitmap block too: xv6's filewrite limit.
const MAX_OP_BYTES: usize = ((MAXOPBLOCKS - 1 - 1 - 2) / 2) * BSIZE;

/// Bytes read per inode-lock hold when reading into user memory.
const READ_CHUNK: usize = 8192;

/// `dst.copy_from_slice(src)`, 64 bytes a step with doubleword loads and
/// stores when both are 8-aligned and the length is a multiple of 64 (a
/// whole block into a page, as a file page fault or a block-aligned read
/// copies): half the instructions of `memcpy`'s loop. Volatile, so the
/// compiler keeps the loop instead of calling memcpy.
fn copy_bytes(dst: &mut [u8], src: &[u8]) {
    assert_eq!(dst.len(), src.len());
    let (d, s) = (dst.as_mut_ptr(), src.as_ptr());
    if !(dst.len().is_multiple_of(64) && (d as usize | s as usize).is_multiple_of(8)) {
        dst.copy_from_slice(src);
        return;
    }
    let (d, s) = (d as *mut u64, s as *const u64);
    for i in (0..dst.len() / 8).step_by(8) {
        let mut w = [0u64; 8];
        for (j, x) in w.iter_mut().enumerate() {
            // SAFETY: inside `src` (len a multiple of 64, 8-aligned).
            *x = unsafe { s.add(i + j).read_volatile() };
        }
        for (j, x) in w.iter().enumerate() {
            // SAFETY: inside `dst`, which we borrow mutably; same bounds.
            unsafe { d.add(i + j).write_volatile(*x) };
        }
    }
}

impl InodeGuard<'_> {
    /// Read from byte `off` into `dst`; returns the bytes read, fewer than
    /// asked at the end of the file, 0 at or past it.
    pub fn read(&self, off: usize, dst: &mut [u8]) -> usize {
        let size = self.size();
        if off >= size {
            return 0;
        }
        let n = dst.len().min(size - off);
        // Block numbers a window at a time (one indirect-block read each).
        const WINDOW: usize = 16;
        let mut window = [0u32; WINDOW];
        let (mut first, mut filled) = (usize::MAX, 0);
        let mut tot = 0;
        while tot < n {
            let pos = off + tot;
            let boff = pos % BSIZE;
            let m = (n - tot).min(BSIZE - boff);
            let out = &mut dst[tot..tot + m];
            let bn = pos / BSIZE;
            if !(first..first.saturating_add(filled)).contains(&bn) {
                first = bn;
                filled = (n - tot + boff).div_ceil(BSIZE).min(WINDOW);
                self.bmap_run(first, &mut window[..filled]);
                // Blocks not cached are read in one batch, not one by one.
                bio::prefetch(self.dev(), &window[..filled]);
            }
            match window[bn - first] {
                // A hole: mkfs and writei never make one, but read zeros
                // rather than trust a damaged inode.
                0 => out.fill(0),
                b => copy_bytes(out, &bio::bread(self.dev(), b).data()[boff..boff + m]),
            }
            tot += m;
        }
        n
    }

    /// Write `src` at byte `off`, growing the file if it goes past the end
    /// (but `off` may not be past the end). Inside a transaction. A full
    /// disk stops the write early: returns the bytes written, or the error
    /// if none were.
    pub fn write(&mut self, off: usize, src: &[u8]) -> Result<usize, FsError> {
        let end = off.checked_add(src.len()).ok_or(FsError::Invalid)?;
        if off > self.size() {
            return Err(FsError::Invalid);
        }
        if end > MAXFILE * BSIZE {
            return Err(FsError::TooBig);
        }
        let mut tot = 0;
        let mut err = None;
        while tot < src.len() {
            let pos = off + tot;
            let boff = pos % BSIZE;
            let m = (src.len() - tot).min(BSIZE - boff);
            let b = match self.bmap_alloc(pos / BSIZE) {
                Ok(b) => b,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            };
            let mut bp = bio::bread(self.dev(), b);
            bp.data_mut()[boff..boff + m].copy_from_slice(&src[tot..tot + m]);
            log_write(&bp);
            tot += m;
        }
        if off + tot > self.size() {
            self.d.size = (off + tot) as u32;
        }
        // Even if the size is unchanged, bmap_alloc may have added blocks.
        self.update();
        match err {
            Some(e) if tot == 0 => Err(e),
            _ => Ok(tot),
        }
    }
}

impl Inode {
    /// Read up to `n` bytes from byte `off` into `dst`. Returns the bytes
    /// read (0 at or after the end); a bad user address is an error.
    pub fn read_at(&self, off: usize, dst: IoDst<'_>, n: usize) -> Result<usize, FsError> {
        let mut dst = match dst {
            IoDst::Kernel(buf) => {
                let n = n.min(buf.len());
                return Ok(self.lock().read(off, &mut buf[..n]));
            }
            user => user,
        };
        let mut kbuf = vec![0u8; n.min(READ_CHUNK)];
        let mut tot = 0;
        while tot < n {
            let m = (n - tot).min(READ_CHUNK);
            let Some(pos) = off.checked_add(tot) else {
                break;
            };
            let r = self.lock().read(pos, &mut kbuf[..m]);
            if r == 0 {
                break;
            }
            dst.copy_to(tot, &kbuf[..r]).map_err(|_| FsError::Io)?;
            tot += r;
            if r < m {
                break;
            }
        }
        Ok(tot)
    }

    /// Write `n` bytes from `src` at byte `off`, in as many transactions as
    /// the log needs (so never call it inside a `Transaction`). Returns the
    /// bytes written: fewer than `n` if the disk filled or the file reached
    /// MAXFILE part way; an error if nothing was written.
    pub fn write_at(&self, off: usize, src: IoSrc<'_>, n: usize) -> Result<usize, FsError> {
        let mut kbuf = vec![0u8; n.min(MAX_OP_BYTES)];
        let mut done = 0;
        while done < n {
            let m = (n - done).min(MAX_OP_BYTES);
            let r = match src.copy_from(done, &mut kbuf[..m]) {
                Err(()) => Err(FsError::Io),
                Ok(()) => {
                    let pos = off.checked_add(done).ok_or(FsError::Invalid)?;
                    let _tx = Transaction::begin();
                    // Bound to a local so the inode is unlocked before the
                    // transaction ends (a tail temporary would outlive _tx).
                    let r = self.lock().write(pos, &kbuf[..m]);
                    r
                }
            };
            match r {
                Ok(w) => {
                    done += w;
                    if w < m {
                        break;
                    }
                }
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(done)
    }

    /// Write the 4096 bytes of the frame at `pa` at byte `off`, but never
    /// past the current end of the file (write-back of a shared mapping,
    /// whose last page may extend past the file). Returns the bytes
    /// written. Not inside a Transaction.
    ///
    /// The frame may be mapped writable elsewhere (another process sharing
    /// the file), so it is read only through `PhysAddr::read_bytes`, a
    /// block at a time: a store racing with the write-back makes the
    /// written copy a moment old, as in any kernel.
    pub fn write_frame_within(&self, off: usize, pa: PhysAddr) -> Result<usize, FsError> {
        let mut chunk = [0u8; BSIZE];
        let mut done = 0;
        while done < PAGE_SIZE {
            let pos = off.checked_add(done).ok_or(FsError::Invalid)?;
            let _tx = Transaction::begin();
            let mut g = self.lock();
            let size = g.size();
            if pos >= size {
                break;
            }
            let m = (PAGE_SIZE - done).min(MAX_OP_BYTES).min(size - pos);
            let mut k = 0;
            let mut err = None;
            while k < m {
                let c = (m - k).min(BSIZE);
                // SAFETY: the caller holds a reference to the frame, so it
                // stays allocated; concurrent user stores are allowed by
                // read_bytes' contract.
                unsafe { pa.read_bytes(done + k, &mut chunk[..c]) };
                match g.write(pos + k, &chunk[..c]) {
                    Ok(w) => {
                        k += w;
                        if w < c {
                            break;
                        }
                    }
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            done += k;
            match err {
                Some(e) if done == 0 => return Err(e),
                Some(_) => break,
                None if k < m => break,
                None => {}
            }
        }
        Ok(done)
    }
}
