//! Program start and panics.
//!
//! The kernel starts a program at its ELF entry with a0 = argc and
//! a1 = argv (NUL-terminated strings on the stack), like xv6. `entry!`
//! defines that entry point (`_start`) in the program and calls
//! [`start`], which turns argv into `&[&str]`, runs `main` and exits with
//! its return value, as xv6's `start()` does with `exit(main(argc, argv))`.

use crate::cstr::strlen;
use crate::process::exit;
use abi::limits::MAXARG;
use core::sync::atomic::{AtomicBool, Ordering};

/// Defines `_start` for a program whose main is `fn(&[&str]) -> i32`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        /// The program's entry point.
        ///
        /// # Safety
        /// Only exec calls it, with its argc and argv.
        #[no_mangle]
        pub unsafe extern "C" fn _start(argc: usize, argv: *const *const u8) -> ! {
            // SAFETY: exec calls _start with its argc and argv.
            unsafe { $crate::rt::start(argc, argv, $main) }
        }
    };
}

/// Collects the arguments and runs `main`; never returns.
///
/// # Safety
/// `argv` is null or holds `argc` pointers to NUL-terminated strings that
/// live, unchanged, for the whole run (as exec leaves them on the stack).
pub unsafe fn start(argc: usize, argv: *const *const u8, main: fn(&[&str]) -> i32) -> ! {
    // The arguments live on the initial stack for the whole run, so the
    // strings are 'static; the array of them lives in this frame, which
    // never returns. No allocation: a program must start even when memory
    // is short.
    let mut args: [&'static str; MAXARG] = [""; MAXARG];
    let mut n = 0;
    if !argv.is_null() {
        while n < argc.min(MAXARG) {
            // SAFETY: exec put argc valid pointers at argv.
            let p = unsafe { *argv.add(n) };
            if p.is_null() {
                break;
            }
            // SAFETY: each argument is a NUL-terminated string that is never
            // freed or changed.
            let bytes: &'static [u8] = unsafe { core::slice::from_raw_parts(p, strlen(p)) };
            args[n] = match core::str::from_utf8(bytes) {
                Ok(s) => s,
                // Keep the valid prefix rather than failing to start.
                Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
            };
            n += 1;
        }
    }
    exit(main(&args[..n]))
}

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    // A panic while printing the panic: just go.
    if PANICKING.swap(true, Ordering::Relaxed) {
        exit(-1);
    }
    match info.location() {
        Some(l) => crate::eprintln!("panic: {} ({}:{})", info.message(), l.file(), l.line()),
        None => crate::eprintln!("panic: {}", info.message()),
    }
    exit(-1)
}
