//! echo: print the arguments, separated by spaces (xv6's echo).
#![no_std]
#![no_main]

use ulib::prelude::*;

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    // One write for the whole line, as xv6's tests read it back whole.
    let mut line = String::new();
    for (i, a) in args.iter().skip(1).enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(a);
    }
    line.push('\n');
    match ulib::fs::write_all(1, line.as_bytes()) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}
