//! Pipes: a 512-byte ring buffer between a read end and a write end.
//!
//! Readers sleep while it is empty and writers while it is full. Bytes go
//! through a small kernel buffer so the ring's spinlock is never held while
//! touching user memory (that may fault and sleep).

use super::{IoDst, IoSrc};
use crate::proc;
use crate::sync::SpinLock;

const PIPESIZE: usize = 512;
/// Bytes moved per lock hold.
const CHUNK: usize = 256;

struct Ring {
    data: [u8; PIPESIZE],
    /// Bytes read and written so far; they only grow (wrapping index).
    nread: usize,
    nwrite: usize,
    readopen: bool,
    writeopen: bool,
}

pub struct Pipe {
    ring: SpinLock<Ring>,
}

impl Pipe {
    pub fn new() -> Pipe {
        Pipe {
            ring: SpinLock::new(
                "pipe",
                Ring {
                    data: [0; PIPESIZE],
                    nread: 0,
                    nwrite: 0,
                    readopen: true,
                    writeopen: true,
                },
            ),
        }
    }

    /// Readers wait on this channel, writers on the next byte's.
    fn read_chan(&self) -> usize {
        &self.ring as *const _ as usize
    }

    fn write_chan(&self) -> usize {
        self.read_chan() + 1
    }

    /// Close one end; the Pipe's memory goes when both File ends are gone.
    pub fn close(&self, writable: bool) {
        let mut r = self.ring.lock();
        if writable {
            r.writeopen = false;
            proc::wakeup(self.read_chan());
        } else {
            r.readopen = false;
            proc::wakeup(self.write_chan());
        }
    }

    /// Write `n` bytes from `src`. Returns `n`, fewer if `src` turns out
    /// unreadable part way, or -1 if the reader is gone or we are killed.
    pub fn write(&self, src: IoSrc<'_>, n: usize) -> isize {
        let mut chunk = [0u8; CHUNK];
        let mut i = 0;
        while i < n {
            let m = (n - i).min(CHUNK);
            if src.copy_from(i, &mut chunk[..m]).is_err() {
                break;
            }
            let mut r = self.ring.lock();
            let mut j = 0;
            while j < m {
                if !r.readopen || proc::killed() {
                    return -1;
                }
                if r.nwrite == r.nread + PIPESIZE {
                    // Full: let the reader drain it.
                    proc::wakeup(self.read_chan());
                    r = proc::sleep(self.write_chan(), r);
                    continue;
                }
                let at = r.nwrite % PIPESIZE;
                r.data[at] = chunk[j];
                r.nwrite += 1;
                j += 1;
            }
            proc::wakeup(self.read_chan());
            i += m;
        }
        i as isize
    }

    /// Read up to `n` bytes into `dst`, waiting until there are some.
    /// Returns 0 once the pipe is empty and the write end is closed, -1 if
    /// we are killed or `dst` is a bad address.
    pub fn read(&self, mut dst: IoDst<'_>, n: usize) -> isize {
        let mut chunk = [0u8; CHUNK];
        let mut r = self.ring.lock();
        while r.nread == r.nwrite && r.writeopen {
            if proc::killed() {
                return -1;
            }
            r = proc::sleep(self.read_chan(), r);
        }
        let m = n.min(r.nwrite - r.nread).min(CHUNK);
        for b in chunk.iter_mut().take(m) {
            *b = r.data[r.nread % PIPESIZE];
            r.nread += 1;
        }
        proc::wakeup(self.write_chan());
        drop(r);
        match dst.copy_to(0, &chunk[..m]) {
            Ok(()) => m as isize,
            Err(()) => -1,
        }
    }
}

impl Default for Pipe {
    fn default() -> Self {
        Pipe::new()
    }
}
