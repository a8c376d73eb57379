//! true: exit with status 0, doing nothing (for scripts, and the
//! fork+exec+exit+wait bench row).
#![no_std]
#![no_main]

ulib::entry!(main);

fn main(_args: &[&str]) -> i32 {
    0
}
