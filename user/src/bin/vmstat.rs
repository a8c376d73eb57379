//! vmstat: print the kernel's virtual-memory counters.
#![no_std]
#![no_main]

use abi::vmstat::fault::NAMES;
use ulib::prelude::*;
use ulib::vm;

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    if args.len() > 1 {
        eprintln!("usage: vmstat");
        return 1;
    }
    let v = match vm::vmstat() {
        Ok(v) => v,
        Err(_) => {
            eprintln!("vmstat: vmstat system call failed");
            return 1;
        }
    };
    println!("free-frames {}", v.free_frames);
    println!("total-frames {}", v.total_frames);
    for (name, count) in NAMES.iter().zip(v.faults.iter()) {
        println!("{} {}", name, count);
    }
    println!("file-pages-read {}", v.file_pages_read);
    println!("file-pages-written {}", v.file_pages_written);
    println!("swap-ins {}", v.swap_ins);
    println!("swap-outs {}", v.swap_outs);
    println!("cow {}", if v.cow_enabled != 0 { "on" } else { "off" });
    println!("policy {}", ulib::reslimit::policy_name(v.policy));
    println!("evictions {}", v.policy_evictions);
    println!("scans {}", v.policy_scans);
    println!("a-clears {}", v.policy_a_clears);
    println!("scan-ms {}", v.scan_ms);
    0
}
