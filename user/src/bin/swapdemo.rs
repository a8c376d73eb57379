//! swapdemo: watch one page go out to swap and come back. It writes a
//! page, pushes it out (vmctl reclaim), reads it back, and prints the
//! page's ptdump row and the swap counters after each step.
#![no_std]
#![no_main]

use abi::layout::PAGE_SIZE as PG;
use abi::vmstat::{PTDUMP_SWAPPED, VMCTL_RECLAIM};
use ulib::prelude::*;
use ulib::{sys, vm};

ulib::entry!(main);

fn show(step: &str, page: usize) {
    println!("-- {}", step);
    if let Ok(rows) = vm::ptdump(0) {
        match rows.iter().find(|r| r.va as usize == page) {
            Some(r) if r.flags == PTDUMP_SWAPPED => {
                println!("{:#012x} swap slot {}", r.va, r.pa)
            }
            Some(r) => {
                let l = vm::flag_letters(r.flags);
                println!(
                    "{:#012x} {:#012x} {}",
                    r.va,
                    r.pa,
                    core::str::from_utf8(&l).unwrap_or("?")
                )
            }
            None => println!("{:#012x} not mapped", page),
        }
    }
    if let Ok(v) = vm::vmstat() {
        println!(
            "free-frames {} swap-outs {} swap-ins {} swap-slots-used {}",
            v.free_frames, v.swap_outs, v.swap_ins, v.swap_slots_used
        );
    }
}

fn main(_args: &[&str]) -> i32 {
    let page = match ulib::mem::mmap_anon(PG, abi::mman::PROT_READ | abi::mman::PROT_WRITE) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("swapdemo: mmap: {}", e);
            return 1;
        }
    };
    // SAFETY: our own new page.
    unsafe { core::ptr::write_volatile(page as *mut u64, 0x5ca1ab1e) };
    show("written", page);
    // Two passes: the first clears the page's Accessed bit, the second
    // finds it still clear and evicts it (Clock).
    sys::vmctl(VMCTL_RECLAIM, 1_000_000);
    show("after vmctl reclaim", page);
    // SAFETY: as above.
    let v = unsafe { core::ptr::read_volatile(page as *const u64) };
    show("read back", page);
    if v != 0x5ca1ab1e {
        eprintln!("swapdemo: read {:#x}", v);
        return 1;
    }
    println!("value {:#x}", v);
    0
}
