//! bigprog: a program file much larger than what it runs, for execdemand.
//!
//! BIG is a page-aligned, initialized, non-zero table in .rodata of
//! BIG_PAGES pages. With demand-paged exec its pages are only read from
//! the file if touched.
//!
//! - `bigprog`: touches nothing of BIG (only passes its address through
//!   `black_box`, so the table is kept) and exits 0.
//! - `bigprog touch`: reads every word of BIG, exits 0 iff all are right.
//! - `bigprog pause`: prints `ready ADDR LEN`, waits for a byte on stdin
//!   (so a parent can look at its page table), exits 0.
//! - `bigprog info`: prints `big ADDR LEN`.
//!
//! xv6's file system holds files of at most MAXFILE (268) KiB, so the
//! table is 208 KiB and the whole program stays under that limit.
#![no_std]
#![no_main]

use core::hint::black_box;
use ulib::prelude::*;
use ulib::{fs, io};

ulib::entry!(main);

/// Pages of BIG; execdemand knows this number too.
pub const BIG_PAGES: usize = 52;
const WORDS: usize = BIG_PAGES * 4096 / 8;

#[repr(C, align(4096))]
struct Big([u64; WORDS]);

/// Word `i` of BIG: never zero.
const fn value(i: usize) -> u64 {
    ((i as u64) ^ 0x5bd1_e995).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1
}

const fn make() -> Big {
    let mut a = [0u64; WORDS];
    let mut i = 0;
    while i < WORDS {
        a[i] = value(i);
        i += 1;
    }
    Big(a)
}

#[used]
static BIG: Big = make();

fn main(args: &[&str]) -> i32 {
    let addr = black_box(core::ptr::addr_of!(BIG) as usize);
    let len = core::mem::size_of::<Big>();
    match args.get(1).copied() {
        None => 0,
        Some("touch") => {
            let mut bad = 0usize;
            for i in 0..WORDS {
                // SAFETY: inside BIG; volatile so every page is really read.
                let w = unsafe { core::ptr::read_volatile((addr as *const u64).add(i)) };
                if w != value(i) {
                    bad += 1;
                }
            }
            if bad == 0 {
                0
            } else {
                eprintln!("bigprog: {} wrong words in BIG", bad);
                1
            }
        }
        Some("pause") => {
            println!("ready {:#x} {}", addr, len);
            let mut b = [0u8; 1];
            let _ = fs::read(io::STDIN, &mut b);
            0
        }
        Some("info") => {
            println!("big {:#x} {}", addr, len);
            0
        }
        Some(other) => {
            eprintln!("usage: bigprog [touch|pause|info] (got {})", other);
            2
        }
    }
}
