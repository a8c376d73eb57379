//! belady: Belady's anomaly on real page faults. Touches data pages in the
//! order 1,2,3,4,1,2,5,1,2,3,4,5 in a region limited to 3 and then 4
//! frames, and prints the faults the kernel counted for the region, then
//! OPT's faults (computed here, in user space) for comparison.
//!
//!     belady                  # FIFO: 9 faults with 3 frames, 10 with 4
//!     belady --policy lru     # LRU by aging, a scan after every reference: 10, 8
#![no_std]
#![no_main]

use ulib::prelude::*;
use ulib::reslimit::{opt_faults, policy_number, replay, Ref};

ulib::entry!(main);

const STRING: [usize; 12] = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

fn main(args: &[&str]) -> i32 {
    let name = match args {
        [_] => "fifo",
        [_, "--policy", p] => p,
        _ => {
            eprintln!("usage: belady [--policy fifo|lru|clock|eclock]");
            return 2;
        }
    };
    let Some(policy) = policy_number(name) else {
        eprintln!("belady: unknown policy {name} (fifo, lru, clock, eclock)");
        return 2;
    };
    let refs: Vec<Ref> = STRING
        .iter()
        .map(|&page| Ref { page, write: false })
        .collect();
    for frames in [3, 4] {
        // LRU ages need a scan after every reference to be exact here.
        match replay(&refs, frames, policy, true, None) {
            Ok(r) => println!("belady policy={name} frames={frames} faults={}", r.faults),
            Err(e) => {
                eprintln!("belady: {e}");
                return 1;
            }
        }
    }
    for frames in [3, 4] {
        println!(
            "belady policy=opt frames={frames} faults={} (user space)",
            opt_faults(&STRING, frames)
        );
    }
    0
}
