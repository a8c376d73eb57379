//! Host tests of the kernel's file system.
//!
//! kernel/src/fs is compiled here unchanged (the `#[path]` below points at
//! the kernel's own sources), against host stand-ins for the few things it
//! uses from the rest of the kernel, kept at the same module paths:
//!
//!   sync                  SpinLock / SleepLock over std::sync::Mutex
//!   proc                  sleep / wakeup (one condvar), killed, current_pid
//!   mm::uaccess           "user memory": a 1 MiB array
//!   mm::{PhysAddr, PAGE_SIZE}, pod   the kernel's own (kernel/src)
//!   drivers::virtio_blk   a RAM disk that can record its writes
//!   drivers::console      stdout
//!
//! The tests (tests.rs) run each scenario (scenarios/) in its own process;
//! see isolate.rs for why. The whole crate is test-only.

#![cfg(test)]

extern crate alloc;

/// The kernel's console `println!`; here stdout, which libtest captures.
#[macro_export]
macro_rules! println {
    ($($t:tt)*) => { std::println!($($t)*) };
}

mod drivers;
mod mm;
#[allow(dead_code)]
#[path = "../../../kernel/src/pod.rs"]
mod pod;
mod proc;
mod sync;

// Parts of the fs interface that only the kernel's system calls use are
// dead code here.
#[allow(dead_code, unused_imports)]
#[path = "../../../kernel/src/fs/mod.rs"]
mod fs;

mod isolate;
mod scenarios;
mod tests;
