//! Directories: a directory is a file of 16-byte entries (abi::fs::Dirent),
//! inode number 0 marking a free slot. Names are at most DIRSIZ bytes,
//! NUL-padded; longer names are cut to DIRSIZ, as xv6 does.

use super::inode::{Inode, InodeGuard};
use super::FsError;
use abi::fs::{Dirent, DIRSIZ};
use abi::T_DIR;

const DIRENT_SIZE: usize = core::mem::size_of::<Dirent>();

/// `name` as stored: cut to DIRSIZ bytes.
pub fn dir_name(name: &[u8]) -> &[u8] {
    &name[..name.len().min(DIRSIZ)]
}

fn read_dirent(dp: &InodeGuard<'_>, off: usize) -> Result<Dirent, FsError> {
    let mut b = [0u8; DIRENT_SIZE];
    if dp.read(off, &mut b) != DIRENT_SIZE {
        return Err(FsError::Io);
    }
    let mut name = [0u8; DIRSIZ];
    name.copy_from_slice(&b[2..]);
    Ok(Dirent {
        inum: u16::from_le_bytes([b[0], b[1]]),
        name,
    })
}

fn dirent_bytes(inum: u16, name: &[u8]) -> [u8; DIRENT_SIZE] {
    let mut b = [0u8; DIRENT_SIZE];
    b[..2].copy_from_slice(&inum.to_le_bytes());
    let name = dir_name(name);
    b[2..2 + name.len()].copy_from_slice(name);
    b
}

/// Look `name` up in directory `dp`. Returns the entry's inode (unlocked)
/// and the entry's byte offset, or None.
pub fn dirlookup(dp: &InodeGuard<'_>, name: &[u8]) -> Result<Option<(Inode, usize)>, FsError> {
    if dp.typ() != T_DIR {
        return Err(FsError::NotDir);
    }
    let name = dir_name(name);
    let mut off = 0;
    while off + DIRENT_SIZE <= dp.size() {
        let de = read_dirent(dp, off)?;
        if de.inum != 0 && de.name() == name {
            return Ok(Some((Inode::get(dp.dev(), de.inum as u32)?, off)));
        }
        off += DIRENT_SIZE;
    }
    Ok(None)
}

/// Add entry (`name`, `inum`) to directory `dp`, reusing a free slot if
/// there is one. Inside a transaction.
/// A directory with no links left (removed while some process still has it
/// as its working directory) takes no new entries: nothing could ever reach
/// them, and their inodes and blocks would be lost.
pub fn dirlink(dp: &mut InodeGuard<'_>, name: &[u8], inum: u32) -> Result<(), FsError> {
    if dp.nlink() < 1 {
        return Err(FsError::NotFound);
    }
    if dirlookup(dp, name)?.is_some() {
        return Err(FsError::Exists);
    }
    let inum = u16::try_from(inum).map_err(|_| FsError::Invalid)?;
    let mut off = 0;
    while off + DIRENT_SIZE <= dp.size() {
        if read_dirent(dp, off)?.inum == 0 {
            break;
        }
        off += DIRENT_SIZE;
    }
    match dp.write(off, &dirent_bytes(inum, name))? {
        DIRENT_SIZE => Ok(()),
        _ => Err(FsError::NoSpace),
    }
}

/// Clear the entry at byte `off` (unlink). Inside a transaction.
pub fn dirclear(dp: &mut InodeGuard<'_>, off: usize) -> Result<(), FsError> {
    match dp.write(off, &[0u8; DIRENT_SIZE])? {
        DIRENT_SIZE => Ok(()),
        _ => Err(FsError::Io),
    }
}

/// Does directory `dp` hold nothing but "." and ".."?
pub fn is_empty(dp: &InodeGuard<'_>) -> Result<bool, FsError> {
    let mut off = 2 * DIRENT_SIZE;
    while off + DIRENT_SIZE <= dp.size() {
        if read_dirent(dp, off)?.inum != 0 {
            return Ok(false);
        }
        off += DIRENT_SIZE;
    }
    Ok(true)
}
