//! File-descriptor system calls: the fd table lives in the process; the
//! files and paths are the file system's (`fs::ops`, `fs::File`).
use super::{arg, arg_int, arg_path};
use crate::fs::{self, File, IoDst, IoSrc};
use crate::mm::uaccess;
use crate::proc::me;
use abi::limits::MAXPATH;
use alloc::sync::Arc;

fn fd_get(fd: i32) -> Option<Arc<File>> {
    let d = me_data();
    d.ofile.get(usize::try_from(fd).ok()?)?.clone()
}

fn me_data() -> &'static mut crate::proc::Private {
    // SAFETY: a system call runs as the current process, which owns this.
    unsafe { me().data() }
}

/// Put `f` in the lowest free slot.
fn fd_alloc(f: Arc<File>) -> isize {
    let d = me_data();
    match d.ofile.iter().position(|s| s.is_none()) {
        Some(i) => {
            d.ofile[i] = Some(f);
            i as isize
        }
        None => -1,
    }
}

fn cwd() -> fs::Inode {
    me_data().cwd.clone().expect("process without cwd")
}

pub fn read() -> isize {
    let (fd, buf, n) = (arg_int(0), arg(1), arg_int(2));
    match fd_get(fd) {
        Some(f) if n >= 0 => f.read(IoDst::User(buf), n as usize),
        _ => -1,
    }
}

pub fn write() -> isize {
    let (fd, buf, n) = (arg_int(0), arg(1), arg_int(2));
    match fd_get(fd) {
        Some(f) if n >= 0 => f.write(IoSrc::User(buf), n as usize),
        _ => -1,
    }
}

pub fn close() -> isize {
    let d = me_data();
    match usize::try_from(arg_int(0))
        .ok()
        .and_then(|i| d.ofile.get_mut(i))
    {
        Some(slot) if slot.is_some() => {
            drop(slot.take());
            0
        }
        _ => -1,
    }
}

pub fn dup() -> isize {
    match fd_get(arg_int(0)) {
        Some(f) => fd_alloc(f),
        None => -1,
    }
}

pub fn fstat() -> isize {
    let Some(f) = fd_get(arg_int(0)) else {
        return -1;
    };
    let Ok(st) = f.stat() else {
        return -1;
    };
    match uaccess::copy_out(arg(1), crate::pod::bytes_of_one(&st)) {
        Ok(()) => 0,
        Err(()) => -1,
    }
}

pub fn pipe() -> isize {
    let fdarray = arg(0);
    let Ok((r, w)) = fs::ops::pipe() else {
        return -1;
    };
    let fd0 = fd_alloc(r);
    if fd0 < 0 {
        return -1;
    }
    let fd1 = fd_alloc(w);
    if fd1 < 0 {
        me_data().ofile[fd0 as usize] = None;
        return -1;
    }
    let mut bytes = [0u8; 8];
    bytes[..4].copy_from_slice(&(fd0 as i32).to_le_bytes());
    bytes[4..].copy_from_slice(&(fd1 as i32).to_le_bytes());
    if uaccess::copy_out(fdarray, &bytes).is_err() {
        me_data().ofile[fd0 as usize] = None;
        me_data().ofile[fd1 as usize] = None;
        return -1;
    }
    0
}

pub fn open() -> isize {
    let mut buf = [0u8; MAXPATH];
    let Ok(path) = arg_path(0, &mut buf) else {
        return -1;
    };
    match fs::ops::open(&cwd(), path, arg_int(1)) {
        Ok(f) => fd_alloc(f),
        Err(_) => -1,
    }
}

fn status<E>(r: Result<(), E>) -> isize {
    if r.is_ok() {
        0
    } else {
        -1
    }
}

pub fn mknod() -> isize {
    let mut buf = [0u8; MAXPATH];
    let Ok(path) = arg_path(0, &mut buf) else {
        return -1;
    };
    status(fs::ops::mknod(
        &cwd(),
        path,
        arg_int(1) as i16,
        arg_int(2) as i16,
    ))
}

pub fn unlink() -> isize {
    let mut buf = [0u8; MAXPATH];
    let Ok(path) = arg_path(0, &mut buf) else {
        return -1;
    };
    status(fs::ops::unlink(&cwd(), path))
}

pub fn link() -> isize {
    let (mut a, mut b) = ([0u8; MAXPATH], [0u8; MAXPATH]);
    let (Ok(old), Ok(new)) = (arg_path(0, &mut a), arg_path(1, &mut b)) else {
        return -1;
    };
    status(fs::ops::link(&cwd(), old, new))
}

pub fn mkdir() -> isize {
    let mut buf = [0u8; MAXPATH];
    let Ok(path) = arg_path(0, &mut buf) else {
        return -1;
    };
    status(fs::ops::mkdir(&cwd(), path))
}

pub fn chdir() -> isize {
    let mut buf = [0u8; MAXPATH];
    let Ok(path) = arg_path(0, &mut buf) else {
        return -1;
    };
    match fs::ops::chdir(&cwd(), path) {
        Ok(ip) => {
            me_data().cwd = Some(ip);
            0
        }
        Err(_) => -1,
    }
}

/// The open file behind `fd`, for mmap.
pub fn file_of(fd: i32) -> Option<Arc<File>> {
    fd_get(fd)
}
