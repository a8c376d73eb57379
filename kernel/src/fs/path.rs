//! Path names: look up each element in turn, from the root for "/..." and
//! from the current directory otherwise. "." and ".." are ordinary
//! directory entries (every directory has both; the root's ".." is itself).

use super::dir::{dir_name, dirlookup};
use super::inode::Inode;
use super::{FsError, ROOTDEV};
use abi::fs::ROOTINO;
use abi::limits::MAXPATH;
use abi::T_DIR;

/// Split off the first element: ("a", "bb/c") for "//a//bb/c"; None if
/// there is no element left. The rest has no leading slashes, so it is
/// empty exactly when `name` was the last element.
fn skipelem(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let start = path.iter().position(|&c| c != b'/')?;
    let path = &path[start..];
    let len = path.iter().position(|&c| c == b'/').unwrap_or(path.len());
    let (name, rest) = path.split_at(len);
    let skip = rest.iter().position(|&c| c != b'/').unwrap_or(rest.len());
    Some((name, &rest[skip..]))
}

/// Walk `path`. With `parent`, stop one element early and return the
/// parent directory and the last element's name (cut to DIRSIZ).
fn namex<'p>(cwd: &Inode, path: &'p [u8], parent: bool) -> Result<(Inode, &'p [u8]), FsError> {
    // A C string: stop at a NUL, if the caller left one in.
    let path = &path[..path.iter().position(|&c| c == 0).unwrap_or(path.len())];
    if path.len() >= MAXPATH {
        return Err(FsError::NameTooLong);
    }
    let mut ip = if path.first() == Some(&b'/') {
        Inode::get(ROOTDEV, ROOTINO)?
    } else {
        cwd.clone()
    };
    let mut rest = path;
    while let Some((name, next)) = skipelem(rest) {
        rest = next;
        // Lock one directory at a time, and unlock it before locking the
        // next: locking "." while holding its parent would deadlock.
        let found = {
            let g = ip.lock();
            if g.typ() != T_DIR {
                return Err(FsError::NotDir);
            }
            if parent && rest.is_empty() {
                drop(g);
                return Ok((ip, dir_name(name)));
            }
            dirlookup(&g, name)?.ok_or(FsError::NotFound)?.0
        };
        ip = found;
    }
    if parent {
        // "/" or "": there is no last element to have a parent of.
        return Err(FsError::BadPath);
    }
    Ok((ip, &[]))
}

/// The inode `path` names, relative to `cwd` unless it starts with '/'.
/// An empty path names `cwd` itself, as in xv6.
pub fn namei(cwd: &Inode, path: &[u8]) -> Result<Inode, FsError> {
    namex(cwd, path, false).map(|(ip, _)| ip)
}

/// The directory that would hold `path`'s last element, and that element
/// (cut to DIRSIZ bytes).
pub fn nameiparent<'p>(cwd: &Inode, path: &'p [u8]) -> Result<(Inode, &'p [u8]), FsError> {
    namex(cwd, path, true)
}
