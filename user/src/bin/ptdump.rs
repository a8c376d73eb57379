//! ptdump [PID]: one line per mapped page of a process (default: ptdump
//! itself): virtual address, physical address, PTE flags as the letters
//! V R W X U G A D C(opy-on-write) S(hared), '-' where clear.
#![no_std]
#![no_main]

use ulib::prelude::*;
use ulib::vm;

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    let pid = match args {
        [] | [_] => 0,
        [_, p] => match p.parse::<i32>() {
            Ok(pid) if pid > 0 => pid,
            _ => {
                eprintln!("ptdump: bad pid {}", p);
                return 1;
            }
        },
        _ => {
            eprintln!("usage: ptdump [pid]");
            return 1;
        }
    };
    let rows = match vm::ptdump(pid) {
        Ok(rows) => rows,
        Err(_) => {
            eprintln!("ptdump: no process {}", pid);
            return 1;
        }
    };
    for e in rows {
        if e.flags == abi::vmstat::PTDUMP_SWAPPED {
            println!("{:#012x} swap slot {}", e.va, e.pa);
            continue;
        }
        let letters = vm::flag_letters(e.flags);
        let flags = core::str::from_utf8(&letters).unwrap_or("?");
        println!("{:#012x} {:#012x} {}", e.va, e.pa, flags);
    }
    0
}
