//! ln OLD NEW: make NEW another name for the file OLD.
#![no_std]
#![no_main]

use ulib::fs;
use ulib::prelude::*;

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    if args.len() != 3 {
        eprintln!("usage: ln old new");
        return 1;
    }
    if fs::link(args[1], args[2]).is_err() {
        eprintln!("link {} {}: failed", args[1], args[2]);
        return 1;
    }
    0
}
