//! Open files: what a file descriptor refers to. A `File` is shared
//! (`Arc<File>`) by the descriptors dup and fork make; the last drop closes
//! it (xv6's fileclose).

use super::inode::Inode;
use super::pipe::Pipe;
use super::{FsError, IoDst, IoSrc};
use crate::sync::SleepLock;
use abi::{Stat, CONSOLE_MAJOR};
use alloc::sync::Arc;

/// Device majors `open` accepts (xv6's NDEV); only the console has a driver.
pub const NDEV: i16 = 10;

pub enum Kind {
    Pipe(Arc<Pipe>),
    /// A file or directory, read and written at a shared offset. The offset
    /// lock is held for a whole read or write, so concurrent ones on one
    /// File do not interleave within a call.
    Inode {
        ip: Inode,
        off: SleepLock<usize>,
        regular: bool,
    },
    Device {
        ip: Inode,
        major: i16,
    },
}

pub struct File {
    kind: Kind,
    readable: bool,
    writable: bool,
}

impl File {
    pub fn new(kind: Kind, readable: bool, writable: bool) -> File {
        File {
            kind,
            readable,
            writable,
        }
    }

    pub fn readable(&self) -> bool {
        self.readable
    }

    pub fn writable(&self) -> bool {
        self.writable
    }

    /// The inode of a regular file (what mmap may map), else None.
    pub fn inode(&self) -> Option<&Inode> {
        match &self.kind {
            Kind::Inode {
                ip, regular: true, ..
            } => Some(ip),
            _ => None,
        }
    }

    /// Read up to `n` bytes into `dst`: bytes read, 0 at end of file, -1 on
    /// error.
    pub fn read(&self, dst: IoDst<'_>, n: usize) -> isize {
        if !self.readable {
            return -1;
        }
        match &self.kind {
            Kind::Pipe(p) => p.read(dst, n),
            Kind::Device { major, .. } => match *major {
                CONSOLE_MAJOR => crate::drivers::console::read(dst, n),
                _ => -1,
            },
            Kind::Inode { ip, off, .. } => {
                let mut off = off.lock();
                match ip.read_at(*off, dst, n) {
                    Ok(r) => {
                        *off += r;
                        r as isize
                    }
                    Err(_) => -1,
                }
            }
        }
    }

    /// Write `n` bytes from `src`: `n`, or -1 if not all of them could be
    /// written (full disk, file too big, bad address), as in xv6.
    pub fn write(&self, src: IoSrc<'_>, n: usize) -> isize {
        if !self.writable {
            return -1;
        }
        match &self.kind {
            Kind::Pipe(p) => p.write(src, n),
            Kind::Device { major, .. } => match *major {
                CONSOLE_MAJOR => crate::drivers::console::write(src, n),
                _ => -1,
            },
            Kind::Inode { ip, off, .. } => {
                let mut off = off.lock();
                match ip.write_at(*off, src, n) {
                    Ok(w) => {
                        *off += w;
                        if w == n {
                            n as isize
                        } else {
                            -1
                        }
                    }
                    Err(_) => -1,
                }
            }
        }
    }

    /// The file's `struct stat`; pipes have none.
    pub fn stat(&self) -> Result<Stat, FsError> {
        match &self.kind {
            Kind::Pipe(_) => Err(FsError::Invalid),
            Kind::Inode { ip, .. } | Kind::Device { ip, .. } => Ok(ip.stat()),
        }
    }
}

impl Drop for File {
    /// The last reference is gone: close a pipe end. An inode reference is
    /// dropped with the File; freeing an unlinked file opens its own
    /// transaction (see inode.rs).
    fn drop(&mut self) {
        if let Kind::Pipe(p) = &self.kind {
            p.close(self.writable);
        }
    }
}
