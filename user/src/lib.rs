//! `ulib`: the Rust runtime and library for faultline user programs.
//!
//! - [`sys`]: raw system calls, one per `abi::syscall` number.
//! - [`fs`], [`fd`]: files by raw descriptor, and the owning [`fd::Fd`].
//! - [`process`]: fork, exit, wait, exec, kill, sbrk, ...
//! - [`mem`]: mmap, munmap, mprotect.
//! - [`vm`]: vmstat, ptdump, procs, vmctl.
//! - [`reslimit`]: regions with a resident limit, for replacement experiments.
//! - [`hold`]: system calls made with exactly N frames free (a test hook).
//! - [`io`]: `print!`-family macros (one write per call), line input.
//! - [`test`]: the PASS/FAIL test harness.
//! - [`rt`]: `entry!` and program start; the panic handler.
//!
//! A program is `#![no_std] #![no_main]`, defines
//! `fn main(args: &[&str]) -> i32`, and says `ulib::entry!(main);`.
#![no_std]

pub extern crate alloc;

pub mod cstr;
pub mod error;
pub mod fd;
pub mod fs;
mod heap;
pub mod hold;
pub mod io;
pub mod mem;
pub mod probe;
pub mod process;
pub mod reslimit;
pub mod rt;
pub mod sys;
pub mod test;
pub mod vm;

pub use error::{Error, Result};
pub use fd::Fd;

/// What most programs want in scope.
pub mod prelude {
    pub use crate::error::{Error, Result};
    pub use crate::fd::Fd;
    pub use crate::{eprint, eprintln, fprint, fprintln, print, println};
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::format;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}
