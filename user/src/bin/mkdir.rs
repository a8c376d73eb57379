//! mkdir DIR...: make directories.
#![no_std]
#![no_main]

use ulib::fs;
use ulib::prelude::*;

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    if args.len() < 2 {
        eprintln!("usage: mkdir dir ...");
        return 1;
    }
    for dir in &args[1..] {
        if fs::mkdir(dir).is_err() {
            eprintln!("mkdir: {} failed to create", dir);
            return 1;
        }
    }
    0
}
