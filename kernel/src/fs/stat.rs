//! `struct stat` for an inode.

use super::inode::{Inode, InodeGuard};
use abi::Stat;

/// xv6 numbers its root file-system device 1; our devices are virtio-blk
/// indices from 0, so report index + 1.
fn dev_number(dev: usize) -> i32 {
    dev as i32 + 1
}

impl InodeGuard<'_> {
    pub fn stat(&self) -> Stat {
        Stat {
            dev: dev_number(self.dev()),
            ino: self.inum(),
            typ: self.typ(),
            nlink: self.nlink(),
            _pad: 0,
            size: self.size() as u64,
        }
    }
}

impl Inode {
    /// The inode's `struct stat`. Locks it.
    pub fn stat(&self) -> Stat {
        self.lock().stat()
    }
}
