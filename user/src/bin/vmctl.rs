//! vmctl: the kernel's VM knobs.
//!
//!     vmctl policy            # print the global replacement policy
//!     vmctl policy NAME       # set it: fifo, lru, clock or eclock
//!     vmctl scan-ms [N]       # print / set the aging-scan interval (0 = off)
#![no_std]
#![no_main]

use ulib::prelude::*;
use ulib::reslimit::{policy_name, policy_number, set_policy, set_scan_ms};

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    match args {
        [_, "policy"] => match set_policy(0) {
            Ok(n) => println!("policy {}", policy_name(n as u64)),
            Err(e) => {
                eprintln!("vmctl: {e}");
                return 1;
            }
        },
        [_, "policy", name] => {
            let Some(n) = policy_number(name) else {
                eprintln!("vmctl: unknown policy {name} (fifo, lru, clock, eclock)");
                return 1;
            };
            match set_policy(n) {
                Ok(old) => println!("policy {name} (was {})", policy_name(old as u64)),
                Err(e) => {
                    eprintln!("vmctl: {e}");
                    return 1;
                }
            }
        }
        [_, "scan-ms"] => match set_scan_ms(usize::MAX) {
            Ok(ms) => println!("scan-ms {ms}"),
            Err(e) => {
                eprintln!("vmctl: {e}");
                return 1;
            }
        },
        [_, "scan-ms", n] => match n.parse::<usize>() {
            Ok(ms) if ms < usize::MAX => match set_scan_ms(ms) {
                Ok(old) => println!("scan-ms {ms} (was {old})"),
                Err(e) => {
                    eprintln!("vmctl: {e}");
                    return 1;
                }
            },
            _ => {
                eprintln!("vmctl: bad interval {n}");
                return 1;
            }
        },
        _ => {
            eprintln!("usage: vmctl policy [fifo|lru|clock|eclock] | vmctl scan-ms [N]");
            return 1;
        }
    }
    0
}
