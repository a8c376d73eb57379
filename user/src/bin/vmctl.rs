//! vmctl: the kernel's VM knobs, at run time.
//!
//!     vmctl policy               print the global replacement policy
//!     vmctl policy NAME          set it: fifo, lru, clock or eclock
//!     vmctl scan-ms [N]          print / set the aging-scan interval (0 = off)
//!     vmctl wmark MIN LOW HIGH   set the reclaim watermarks (frames)
//!     vmctl cow 0|1              fork copies eagerly (0) or copy-on-write (1)
//!
//! `vmstat` shows the current values.
#![no_std]
#![no_main]

use abi::vmstat::{VMCTL_COW, VMCTL_WMARK};
use ulib::prelude::*;
use ulib::reslimit::{policy_name, policy_number, set_policy, set_scan_ms};
use ulib::sys;

ulib::entry!(main);

fn usage() -> i32 {
    eprintln!(
        "usage: vmctl policy [fifo|lru|clock|eclock] | vmctl scan-ms [N] \
         | vmctl wmark MIN LOW HIGH | vmctl cow 0|1"
    );
    1
}

fn num(s: &str) -> Option<usize> {
    s.parse::<usize>().ok()
}

fn fail(e: impl core::fmt::Display) -> i32 {
    eprintln!("vmctl: {e}");
    1
}

fn main(args: &[&str]) -> i32 {
    match args.get(1..).unwrap_or(&[]) {
        ["policy"] => match set_policy(0) {
            Ok(n) => println!("policy {}", policy_name(n as u64)),
            Err(e) => return fail(e),
        },
        ["policy", name] => {
            let Some(n) = policy_number(name) else {
                return fail(format!("unknown policy {name} (fifo, lru, clock, eclock)"));
            };
            match set_policy(n) {
                Ok(old) => println!("policy {name} (was {})", policy_name(old as u64)),
                Err(e) => return fail(e),
            }
        }
        ["scan-ms"] => match set_scan_ms(usize::MAX) {
            Ok(ms) => println!("scan-ms {ms}"),
            Err(e) => return fail(e),
        },
        ["scan-ms", n] => match num(n) {
            Some(ms) if ms < usize::MAX => match set_scan_ms(ms) {
                Ok(old) => println!("scan-ms {ms} (was {old})"),
                Err(e) => return fail(e),
            },
            _ => return fail(format!("bad interval {n}")),
        },
        ["wmark", a, b, c] => {
            let (Some(min), Some(low), Some(high)) = (num(a), num(b), num(c)) else {
                return usage();
            };
            if sys::vmctl3(VMCTL_WMARK, min, low, high) < 0 {
                return fail("watermarks refused (need 0 < min < low < high <= 3/4 of RAM)");
            }
        }
        ["cow", v @ ("0" | "1")] => {
            sys::vmctl(VMCTL_COW, (*v == "1") as usize);
        }
        _ => return usage(),
    }
    0
}
