//! ls [PATH...]: list directories (or describe files) in xv6's format:
//! `name type inode size`, the name padded to DIRSIZ.
#![no_std]
#![no_main]

use abi::fcntl::O_RDONLY;
use abi::fs::DIRSIZ;
use abi::T_DIR;
use ulib::fs;
use ulib::prelude::*;

ulib::entry!(main);

/// The last path component, padded with spaces to DIRSIZ (xv6's fmtname).
fn fmtname(path: &str) -> String {
    let name = match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    };
    let mut s = String::from(name);
    while s.len() < DIRSIZ {
        s.push(' ');
    }
    s
}

fn ls(path: &str) -> Result<(), ()> {
    let fd = match Fd::open(path, O_RDONLY) {
        Ok(fd) => fd,
        Err(_) => {
            eprintln!("ls: cannot open {}", path);
            return Err(());
        }
    };
    let st = match fd.fstat() {
        Ok(st) => st,
        Err(_) => {
            eprintln!("ls: cannot stat {}", path);
            return Err(());
        }
    };
    if st.typ != T_DIR {
        println!("{} {} {} {}", fmtname(path), st.typ, st.ino, st.size);
        return Ok(());
    }
    loop {
        let de = match fs::read_dirent(fd.raw()) {
            Ok(Some(de)) => de,
            Ok(None) => return Ok(()),
            Err(_) => {
                eprintln!("ls: cannot read {}", path);
                return Err(());
            }
        };
        let name = String::from_utf8_lossy(de.name());
        let full = if path.ends_with('/') {
            format!("{}{}", path, name)
        } else {
            format!("{}/{}", path, name)
        };
        match fs::stat(&full) {
            Ok(st) => println!("{} {} {} {}", fmtname(&full), st.typ, st.ino, st.size),
            Err(_) => eprintln!("ls: cannot stat {}", full),
        }
    }
}

fn main(args: &[&str]) -> i32 {
    if args.len() < 2 {
        return if ls(".").is_ok() { 0 } else { 1 };
    }
    let mut status = 0;
    for path in &args[1..] {
        if ls(path).is_err() {
            status = 1;
        }
    }
    status
}
