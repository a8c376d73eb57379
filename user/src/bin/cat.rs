//! cat: copy files (or standard input) to standard output (xv6's cat).
#![no_std]
#![no_main]

use abi::fcntl::O_RDONLY;
use ulib::fs;
use ulib::prelude::*;

ulib::entry!(main);

fn cat(fd: i32) -> Result<(), &'static str> {
    let mut buf = [0u8; 512];
    loop {
        let n = fs::read(fd, &mut buf).map_err(|_| "read error")?;
        if n == 0 {
            return Ok(());
        }
        fs::write_all(1, &buf[..n]).map_err(|_| "write error")?;
    }
}

fn main(args: &[&str]) -> i32 {
    if args.len() <= 1 {
        return match cat(0) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("cat: {}", e);
                1
            }
        };
    }
    for path in &args[1..] {
        let fd = match Fd::open(path, O_RDONLY) {
            Ok(fd) => fd,
            Err(_) => {
                eprintln!("cat: cannot open {}", path);
                return 1;
            }
        };
        if let Err(e) = cat(fd.raw()) {
            eprintln!("cat: {}: {}", path, e);
            return 1;
        }
    }
    0
}
