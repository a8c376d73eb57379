//! wc [FILE...]: count lines, words and bytes (xv6's output format:
//! `lines words bytes name`).
#![no_std]
#![no_main]

use abi::fcntl::O_RDONLY;
use ulib::fs;
use ulib::prelude::*;

ulib::entry!(main);

fn wc(fd: i32, name: &str) -> Result<(), ()> {
    let (mut l, mut w, mut c) = (0usize, 0usize, 0usize);
    let mut inword = false;
    let mut buf = [0u8; 512];
    loop {
        let n = match fs::read(fd, &mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) => {
                eprintln!("wc: read error");
                return Err(());
            }
        };
        for &b in &buf[..n] {
            c += 1;
            if b == b'\n' {
                l += 1;
            }
            if b" \r\t\n\x0b".contains(&b) {
                inword = false;
            } else if !inword {
                w += 1;
                inword = true;
            }
        }
    }
    println!("{} {} {} {}", l, w, c, name);
    Ok(())
}

fn main(args: &[&str]) -> i32 {
    if args.len() <= 1 {
        return if wc(0, "").is_ok() { 0 } else { 1 };
    }
    for path in &args[1..] {
        let fd = match Fd::open(path, O_RDONLY) {
            Ok(fd) => fd,
            Err(_) => {
                eprintln!("wc: cannot open {}", path);
                return 1;
            }
        };
        if wc(fd.raw(), path).is_err() {
            return 1;
        }
    }
    0
}
