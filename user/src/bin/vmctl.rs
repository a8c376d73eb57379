//! vmctl: change the kernel's VM knobs at run time.
//!
//!     vmctl wmark MIN LOW HIGH   set the reclaim watermarks (frames)
//!     vmctl cow 0|1              fork copies eagerly (0) or copy-on-write (1)
//!
//! `vmstat` shows the current values.
#![no_std]
#![no_main]

use abi::vmstat::{VMCTL_COW, VMCTL_WMARK};
use ulib::prelude::*;
use ulib::sys;

ulib::entry!(main);

fn usage() -> i32 {
    eprintln!("usage: vmctl wmark MIN LOW HIGH | vmctl cow 0|1");
    1
}

fn num(s: &str) -> Option<usize> {
    s.parse::<usize>().ok()
}

fn main(args: &[&str]) -> i32 {
    match args.get(1..).unwrap_or(&[]) {
        ["wmark", a, b, c] => {
            let (Some(min), Some(low), Some(high)) = (num(a), num(b), num(c)) else {
                return usage();
            };
            if sys::vmctl3(VMCTL_WMARK, min, low, high) < 0 {
                eprintln!("vmctl: watermarks refused (need 0 < min < low < high <= 3/4 of RAM)");
                return 1;
            }
            0
        }
        ["cow", v @ ("0" | "1")] => {
            sys::vmctl(VMCTL_COW, (*v == "1") as usize);
            0
        }
        _ => usage(),
    }
}
