//! `Fd`: an owned file descriptor, closed when dropped.
//!
//! Ownership is per process: after `fork` the child holds its own copy of
//! every descriptor, so each process's `Fd` values close their own copies.
//! `into_raw`/`from_raw` move between this and the raw functions in
//! [`crate::fs`] when fd numbers matter (e.g. the `close(1); dup(p)` idiom).

use crate::error::Result;
use crate::fs;
use abi::Stat;
use alloc::vec::Vec;

#[derive(Debug)]
pub struct Fd(i32);

impl Fd {
    pub fn open(path: &str, flags: i32) -> Result<Fd> {
        fs::open(path, flags).map(Fd)
    }

    /// Creates (or truncates) `path` for writing.
    pub fn create(path: &str) -> Result<Fd> {
        Fd::open(path, fs::O_CREATE | fs::O_TRUNC | fs::O_WRONLY)
    }

    /// A pipe as (read end, write end).
    pub fn pipe() -> Result<(Fd, Fd)> {
        let [r, w] = fs::pipe()?;
        Ok((Fd(r), Fd(w)))
    }

    /// Takes ownership of `fd`: it is closed when the result drops.
    pub fn from_raw(fd: i32) -> Fd {
        Fd(fd)
    }

    pub fn raw(&self) -> i32 {
        self.0
    }

    /// Gives up ownership without closing.
    pub fn into_raw(self) -> i32 {
        let fd = self.0;
        core::mem::forget(self);
        fd
    }

    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        fs::read(self.0, buf)
    }

    pub fn read_full(&self, buf: &mut [u8]) -> Result<usize> {
        fs::read_full(self.0, buf)
    }

    pub fn read_to_end(&self, out: &mut Vec<u8>) -> Result<usize> {
        fs::read_to_end(self.0, out)
    }

    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        fs::write(self.0, buf)
    }

    pub fn write_all(&self, buf: &[u8]) -> Result<()> {
        fs::write_all(self.0, buf)
    }

    pub fn fstat(&self) -> Result<Stat> {
        fs::fstat(self.0)
    }

    pub fn dup(&self) -> Result<Fd> {
        fs::dup(self.0).map(Fd)
    }

    /// Closes now and reports whether the kernel agreed.
    pub fn close(self) -> Result<()> {
        fs::close(self.into_raw())
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        let _ = fs::close(self.0);
    }
}
