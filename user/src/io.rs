//! Formatted output and line input.
//!
//! Each `print!`-family call formats into a stack buffer and hands it to
//! the kernel with a single `write`, so lines from different processes
//! never interleave mid-line (the test protocol relies on it). Only output
//! longer than the buffer takes more than one write. Nothing allocates, so
//! printing still works when the heap is exhausted.

use crate::fs;
use alloc::vec::Vec;
use core::fmt;

pub const STDIN: i32 = 0;
pub const STDOUT: i32 = 1;
pub const STDERR: i32 = 2;

const BUF: usize = 1024;

struct LineWriter {
    fd: i32,
    len: usize,
    buf: [u8; BUF],
}

impl LineWriter {
    fn flush(&mut self) {
        let _ = fs::write_all(self.fd, &self.buf[..self.len]);
        self.len = 0;
    }
}

impl fmt::Write for LineWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut bytes = s.as_bytes();
        while !bytes.is_empty() {
            if self.len == BUF {
                self.flush();
            }
            let n = bytes.len().min(BUF - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
            self.len += n;
            bytes = &bytes[n..];
        }
        Ok(())
    }
}

/// Formats `args` (plus a newline if asked) and writes it to `fd`.
pub fn write_fmt(fd: i32, args: fmt::Arguments<'_>, newline: bool) {
    let mut w = LineWriter {
        fd,
        len: 0,
        buf: [0; BUF],
    };
    let _ = fmt::write(&mut w, args);
    if newline {
        let _ = fmt::Write::write_str(&mut w, "\n");
    }
    w.flush();
}

/// Reads one line from `fd` a byte at a time (like xv6's `gets`, so a
/// shell reading a script never consumes input meant for its children).
/// The newline is kept. Returns false at end of input with nothing read.
pub fn read_line(fd: i32, line: &mut Vec<u8>) -> bool {
    line.clear();
    let mut c = [0u8; 1];
    loop {
        match fs::read(fd, &mut c) {
            Ok(1) => {
                line.push(c[0]);
                if c[0] == b'\n' || c[0] == b'\r' {
                    return true;
                }
            }
            _ => return !line.is_empty(),
        }
    }
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::io::write_fmt($crate::io::STDOUT, format_args!($($arg)*), false) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::io::write_fmt($crate::io::STDOUT, format_args!(""), true) };
    ($($arg:tt)*) => { $crate::io::write_fmt($crate::io::STDOUT, format_args!($($arg)*), true) };
}

#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::io::write_fmt($crate::io::STDERR, format_args!($($arg)*), false) };
}

#[macro_export]
macro_rules! eprintln {
    () => { $crate::io::write_fmt($crate::io::STDERR, format_args!(""), true) };
    ($($arg:tt)*) => { $crate::io::write_fmt($crate::io::STDERR, format_args!($($arg)*), true) };
}

/// `fprint!(fd, ...)`: like `print!` to any descriptor.
#[macro_export]
macro_rules! fprint {
    ($fd:expr, $($arg:tt)*) => { $crate::io::write_fmt($fd, format_args!($($arg)*), false) };
}

#[macro_export]
macro_rules! fprintln {
    ($fd:expr) => { $crate::io::write_fmt($fd, format_args!(""), true) };
    ($fd:expr, $($arg:tt)*) => { $crate::io::write_fmt($fd, format_args!($($arg)*), true) };
}
