//! grep PATTERN [FILE...]: print lines matching PATTERN, with xv6's tiny
//! regular expressions (Kernighan and Pike): `c` a character, `.` any
//! character, `*` zero or more of the previous, `^` start, `$` end.
#![no_std]
#![no_main]

use abi::fcntl::O_RDONLY;
use ulib::fs;
use ulib::prelude::*;

ulib::entry!(main);

fn matches(re: &[u8], text: &[u8]) -> bool {
    if let Some(rest) = re.strip_prefix(b"^") {
        return match_here(rest, text);
    }
    // Try every start position, including the empty tail.
    (0..=text.len()).any(|i| match_here(re, &text[i..]))
}

fn match_here(re: &[u8], text: &[u8]) -> bool {
    match re {
        [] => true,
        [c, b'*', rest @ ..] => match_star(*c, rest, text),
        [b'$'] => text.is_empty(),
        [c, rest @ ..] => match text {
            [t, trest @ ..] if *c == b'.' || c == t => match_here(rest, trest),
            _ => false,
        },
    }
}

fn match_star(c: u8, re: &[u8], mut text: &[u8]) -> bool {
    loop {
        if match_here(re, text) {
            return true;
        }
        match text {
            [t, rest @ ..] if *t == c || c == b'.' => text = rest,
            _ => return false,
        }
    }
}

fn grep(re: &[u8], fd: i32) -> Result<(), &'static str> {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = fs::read(fd, &mut buf).map_err(|_| "read error")?;
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&buf[..n]);
        while let Some(nl) = pending.iter().position(|&c| c == b'\n') {
            if matches(re, &pending[..nl]) {
                // The line and its newline in one write.
                fs::write_all(1, &pending[..=nl]).map_err(|_| "write error")?;
            }
            pending.drain(..=nl);
        }
    }
    // A last line without a newline still counts.
    if !pending.is_empty() && matches(re, &pending) {
        pending.push(b'\n');
        fs::write_all(1, &pending).map_err(|_| "write error")?;
    }
    Ok(())
}

fn main(args: &[&str]) -> i32 {
    if args.len() < 2 {
        eprintln!("usage: grep pattern [file ...]");
        return 1;
    }
    let re = args[1].as_bytes();
    if args.len() == 2 {
        return match grep(re, 0) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("grep: {}", e);
                1
            }
        };
    }
    for path in &args[2..] {
        let fd = match Fd::open(path, O_RDONLY) {
            Ok(fd) => fd,
            Err(_) => {
                eprintln!("grep: cannot open {}", path);
                return 1;
            }
        };
        if let Err(e) = grep(re, fd.raw()) {
            eprintln!("grep: {}: {}", path, e);
            return 1;
        }
    }
    0
}
