//! Path-level file-system operations, one per system call (xv6's
//! sysfile.c without the argument fetching). Each runs in one transaction.

use super::dir::{dirclear, dirlink, dirlookup, is_empty};
use super::file::{File, Kind, NDEV};
use super::inode::{ialloc, Inode};
use super::log::Transaction;
use super::path::{namei, nameiparent};
use super::pipe::Pipe;
use super::FsError;
use crate::sync::SleepLock;
use abi::fcntl::{O_CREATE, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY};
use abi::{T_DEVICE, T_DIR, T_FILE};
use alloc::sync::Arc;

/// Make a new inode of type `typ` at `path`. For T_FILE an existing file
/// or device is returned instead (open's O_CREATE); otherwise an existing
/// name is an error. Inside a transaction.
fn create(cwd: &Inode, path: &[u8], typ: i16, major: i16, minor: i16) -> Result<Inode, FsError> {
    let (dp, name) = nameiparent(cwd, path)?;
    let mut dg = dp.lock();
    if let Some((ip, _)) = dirlookup(&dg, name)? {
        drop(dg);
        let t = ip.typ();
        if typ == T_FILE && (t == T_FILE || t == T_DEVICE) {
            return Ok(ip);
        }
        return Err(FsError::Exists);
    }
    let ip = ialloc(dp.dev(), typ)?;
    let mut ig = ip.lock();
    ig.set_device(major, minor);
    ig.set_nlink(1);
    ig.update();
    let linked = (|| {
        if typ == T_DIR {
            // "." and ".."; no nlink for "." (it would never reach 0).
            dirlink(&mut ig, b".", ip.inum())?;
            dirlink(&mut ig, b"..", dp.inum())?;
        }
        dirlink(&mut dg, name, ip.inum())
    })();
    if let Err(e) = linked {
        // Undo: with no links, dropping `ip` frees it and its blocks.
        ig.set_nlink(0);
        ig.update();
        return Err(e);
    }
    if typ == T_DIR {
        // The new directory's ".." links to dp.
        let n = dg.nlink();
        dg.set_nlink(n + 1);
        dg.update();
    }
    drop(ig);
    Ok(ip)
}

/// Open (maybe create) `path`. Directories may only be opened read-only.
pub fn open(cwd: &Inode, path: &[u8], flags: i32) -> Result<Arc<File>, FsError> {
    let _tx = Transaction::begin();
    let ip = if flags & O_CREATE != 0 {
        create(cwd, path, T_FILE, 0, 0)?
    } else {
        namei(cwd, path)?
    };
    let mut g = ip.lock();
    let typ = g.typ();
    let readable = flags & O_WRONLY == 0;
    let writable = flags & (O_WRONLY | O_RDWR) != 0;
    if typ == T_DIR && flags != O_RDONLY {
        return Err(FsError::IsDir);
    }
    let major = g.major();
    if typ == T_DEVICE && !(0..NDEV).contains(&major) {
        return Err(FsError::Invalid);
    }
    if flags & O_TRUNC != 0 && typ == T_FILE {
        g.truncate();
    }
    drop(g);
    let kind = if typ == T_DEVICE {
        Kind::Device { ip, major }
    } else {
        Kind::Inode {
            ip,
            off: SleepLock::new("file offset", 0),
            regular: typ == T_FILE,
        }
    };
    Ok(Arc::new(File::new(kind, readable, writable)))
}

pub fn mkdir(cwd: &Inode, path: &[u8]) -> Result<(), FsError> {
    let _tx = Transaction::begin();
    create(cwd, path, T_DIR, 0, 0).map(drop)
}

pub fn mknod(cwd: &Inode, path: &[u8], major: i16, minor: i16) -> Result<(), FsError> {
    let _tx = Transaction::begin();
    create(cwd, path, T_DEVICE, major, minor).map(drop)
}

/// Remove the directory entry `path`; the inode goes when its last link and
/// last reference are gone. Not ".", "..", or a non-empty directory.
pub fn unlink(cwd: &Inode, path: &[u8]) -> Result<(), FsError> {
    let _tx = Transaction::begin();
    let (dp, name) = nameiparent(cwd, path)?;
    let mut dg = dp.lock();
    if name == b"." || name == b".." {
        return Err(FsError::Perm);
    }
    let (ip, off) = dirlookup(&dg, name)?.ok_or(FsError::NotFound)?;
    let mut ig = ip.lock();
    if ig.nlink() < 1 {
        // xv6 panics; a damaged disk is not worth a kernel panic.
        return Err(FsError::Io);
    }
    if ig.typ() == T_DIR && !is_empty(&ig)? {
        return Err(FsError::NotEmpty);
    }
    dirclear(&mut dg, off)?;
    if ig.typ() == T_DIR {
        // The child's ".." no longer links to dp.
        let n = dg.nlink();
        dg.set_nlink(n - 1);
        dg.update();
    }
    drop(dg);
    let n = ig.nlink();
    ig.set_nlink(n - 1);
    ig.update();
    Ok(())
}

/// Make `new` another name for the file `old` (not a directory).
pub fn link(cwd: &Inode, old: &[u8], new: &[u8]) -> Result<(), FsError> {
    let _tx = Transaction::begin();
    let ip = namei(cwd, old)?;
    {
        let mut g = ip.lock();
        if g.typ() == T_DIR {
            return Err(FsError::Perm);
        }
        let n = g.nlink();
        if n == i16::MAX {
            return Err(FsError::TooBig);
        }
        g.set_nlink(n + 1);
        g.update();
    }
    let linked = (|| {
        let (dp, name) = nameiparent(cwd, new)?;
        let mut dg = dp.lock();
        if dp.dev() != ip.dev() {
            return Err(FsError::CrossDevice);
        }
        dirlink(&mut dg, name, ip.inum())
    })();
    if linked.is_err() {
        let mut g = ip.lock();
        let n = g.nlink();
        g.set_nlink(n - 1);
        g.update();
    }
    linked
}

/// The directory `path` names, for a new current directory.
pub fn chdir(cwd: &Inode, path: &[u8]) -> Result<Inode, FsError> {
    // A transaction because dropping inodes on the way may free one.
    let _tx = Transaction::begin();
    let ip = namei(cwd, path)?;
    if ip.typ() != T_DIR {
        return Err(FsError::NotDir);
    }
    Ok(ip)
}

/// A new pipe: (read end, write end).
pub fn pipe() -> Result<(Arc<File>, Arc<File>), FsError> {
    let p = Arc::new(Pipe::new());
    let r = Arc::new(File::new(Kind::Pipe(p.clone()), true, false));
    let w = Arc::new(File::new(Kind::Pipe(p), false, true));
    Ok((r, w))
}
