//! ps: list processes: pid, parent pid, state, size, resident frames, name.
#![no_std]
#![no_main]

use ulib::prelude::*;
use ulib::vm;

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    if args.len() > 1 {
        eprintln!("usage: ps");
        return 1;
    }
    let procs = match vm::procs() {
        Ok(p) => p,
        Err(_) => {
            eprintln!("ps: procs system call failed");
            return 1;
        }
    };
    println!(
        "{:>5} {:>5} {:<6} {:>10} {:>8} NAME",
        "PID", "PPID", "STATE", "SIZE", "RES"
    );
    for p in procs.iter().filter(|p| p.state != 0) {
        let n = p.name.iter().position(|&c| c == 0).unwrap_or(p.name.len());
        let name = String::from_utf8_lossy(&p.name[..n]);
        println!(
            "{:>5} {:>5} {:<6} {:>10} {:>8} {}",
            p.pid,
            p.ppid,
            vm::state_name(p.state),
            p.size,
            p.resident,
            name
        );
    }
    0
}
