//! Files by raw descriptor number, and path operations.
//!
//! Descriptors here are plain `i32`s that nobody owns: after `fork` both
//! processes hold them and `dup` makes aliases, exactly like xv6. Use
//! [`crate::fd::Fd`] when you want one closed for you.

use crate::cstr::with_path;
use crate::error::{check, Error, Result};
use crate::sys;
use abi::fs::Dirent;
use abi::Stat;
use alloc::vec::Vec;

pub use abi::fcntl::{O_CREATE, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY};

/// The kernel takes byte counts as C `int`s.
const MAX_IO: usize = i32::MAX as usize;

pub fn open(path: &str, flags: i32) -> Result<i32> {
    // SAFETY: with_path hands us a NUL-terminated buffer.
    let r = with_path(path, |p| unsafe { sys::open(p, flags) })?;
    check("open", r).map(|fd| fd as i32)
}

pub fn close(fd: i32) -> Result<()> {
    check("close", sys::close(fd)).map(|_| ())
}

/// One `read` call: returns how many bytes arrived (0 at end of file).
pub fn read(fd: i32, buf: &mut [u8]) -> Result<usize> {
    let n = buf.len().min(MAX_IO);
    // SAFETY: the kernel writes at most n bytes into buf.
    check("read", unsafe { sys::read(fd, buf.as_mut_ptr(), n) })
}

/// One `write` call: returns how many bytes were taken.
pub fn write(fd: i32, buf: &[u8]) -> Result<usize> {
    let n = buf.len().min(MAX_IO);
    // SAFETY: the kernel only reads buf.
    check("write", unsafe { sys::write(fd, buf.as_ptr(), n) })
}

/// Writes all of `buf`, calling `write` again after a short write.
pub fn write_all(fd: i32, mut buf: &[u8]) -> Result<()> {
    while !buf.is_empty() {
        let n = write(fd, buf)?;
        if n == 0 {
            return Err(Error::ShortWrite);
        }
        buf = &buf[n..];
    }
    Ok(())
}

/// Reads until `buf` is full or end of file; returns the bytes read.
pub fn read_full(fd: i32, buf: &mut [u8]) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        let n = read(fd, &mut buf[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got)
}

/// Appends everything up to end of file to `out`; returns the count.
pub fn read_to_end(fd: i32, out: &mut Vec<u8>) -> Result<usize> {
    let mut chunk = [0u8; 512];
    let start = out.len();
    loop {
        let n = read(fd, &mut chunk)?;
        if n == 0 {
            return Ok(out.len() - start);
        }
        out.try_reserve(n).map_err(|_| Error::NoMemory)?;
        out.extend_from_slice(&chunk[..n]);
    }
}

pub fn dup(fd: i32) -> Result<i32> {
    check("dup", sys::dup(fd)).map(|fd| fd as i32)
}

pub fn fstat(fd: i32) -> Result<Stat> {
    let mut st = Stat::default();
    // SAFETY: st is a valid Stat for the kernel to fill.
    check("fstat", unsafe { sys::fstat(fd, &mut st) })?;
    Ok(st)
}

/// `stat(path)` the way xv6's library does it: open, fstat, close.
pub fn stat(path: &str) -> Result<Stat> {
    let fd = open(path, O_RDONLY)?;
    let st = fstat(fd);
    let _ = close(fd);
    st
}

/// A pipe as `[read end, write end]`.
pub fn pipe() -> Result<[i32; 2]> {
    let mut fds = [0i32; 2];
    // SAFETY: fds has room for the two descriptors.
    check("pipe", unsafe { sys::pipe(fds.as_mut_ptr()) })?;
    Ok(fds)
}

pub fn mknod(path: &str, major: i16, minor: i16) -> Result<()> {
    // SAFETY: NUL-terminated path.
    let r = with_path(path, |p| unsafe { sys::mknod(p, major, minor) })?;
    check("mknod", r).map(|_| ())
}

pub fn unlink(path: &str) -> Result<()> {
    // SAFETY: NUL-terminated path.
    let r = with_path(path, |p| unsafe { sys::unlink(p) })?;
    check("unlink", r).map(|_| ())
}

pub fn link(old: &str, new: &str) -> Result<()> {
    let r = with_path(old, |o| {
        // SAFETY: both paths are NUL-terminated.
        with_path(new, |n| unsafe { sys::link(o, n) })
    })??;
    check("link", r).map(|_| ())
}

pub fn mkdir(path: &str) -> Result<()> {
    // SAFETY: NUL-terminated path.
    let r = with_path(path, |p| unsafe { sys::mkdir(p) })?;
    check("mkdir", r).map(|_| ())
}

pub fn chdir(path: &str) -> Result<()> {
    // SAFETY: NUL-terminated path.
    let r = with_path(path, |p| unsafe { sys::chdir(p) })?;
    check("chdir", r).map(|_| ())
}

/// The whole file at `path`.
pub fn read_file(path: &str) -> Result<Vec<u8>> {
    let fd = open(path, O_RDONLY)?;
    let mut v = Vec::new();
    let r = read_to_end(fd, &mut v);
    let _ = close(fd);
    r.map(|_| v)
}

/// Creates or truncates `path` and writes `data` to it.
pub fn write_file(path: &str, data: &[u8]) -> Result<()> {
    let fd = open(path, O_CREATE | O_WRONLY | O_TRUNC)?;
    let r = write_all(fd, data);
    let c = close(fd);
    r.and(c)
}

/// Reads the next directory entry from a directory opened for reading,
/// skipping free slots. `Ok(None)` at the end.
pub fn read_dirent(fd: i32) -> Result<Option<Dirent>> {
    loop {
        let mut raw = [0u8; core::mem::size_of::<Dirent>()];
        let n = read_full(fd, &mut raw)?;
        if n == 0 {
            return Ok(None);
        }
        if n != raw.len() {
            return Err(Error::ShortRead);
        }
        let mut name = [0u8; abi::fs::DIRSIZ];
        name.copy_from_slice(&raw[2..]);
        let de = Dirent {
            inum: u16::from_le_bytes([raw[0], raw[1]]),
            name,
        };
        if de.inum != 0 {
            return Ok(Some(de));
        }
    }
}

/// Every entry of the directory at `path` (including "." and "..").
pub fn read_dir(path: &str) -> Result<Vec<Dirent>> {
    let fd = open(path, O_RDONLY)?;
    let mut v = Vec::new();
    let r = loop {
        match read_dirent(fd) {
            Ok(Some(de)) => v.push(de),
            Ok(None) => break Ok(v),
            Err(e) => break Err(e),
        }
    };
    let _ = close(fd);
    r
}

/// Is `flags`' access mode one that allows writing?
pub fn writable(flags: i32) -> bool {
    flags & (O_WRONLY | O_RDWR) != 0
}
