//! rm FILE...: remove directory entries (empty directories too, as xv6's
//! unlink allows).
#![no_std]
#![no_main]

use ulib::fs;
use ulib::prelude::*;

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    if args.len() < 2 {
        eprintln!("usage: rm files...");
        return 1;
    }
    for path in &args[1..] {
        if fs::unlink(path).is_err() {
            eprintln!("rm: {} failed to delete", path);
            return 1;
        }
    }
    0
}
