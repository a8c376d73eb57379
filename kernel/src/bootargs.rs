//! Boot arguments (device tree /chosen/bootargs, QEMU's -append):
//! `[key=value ...] [-- prog arg ...]`. Options configure the kernel; the
//! words after `--` are passed to /init, which runs that program instead of
//! the shell and powers off with its exit status.
use crate::platform;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Apply the kernel options.
pub fn apply_options() {
    let args = platform::with(|p| p.bootargs.clone());
    for opt in args.split("--").next().unwrap_or("").split_whitespace() {
        match opt.split_once('=') {
            Some(("cow", v)) => crate::mm::fork::set_cow(v != "0"),
            Some(("policy", v)) => {
                if !crate::mm::reslimit::set_policy_name(v) {
                    crate::println!("bootargs: unknown policy {v} (fifo, lru, clock, eclock)");
                }
            }
            Some(("scan_ms", v)) => match v.parse::<usize>() {
                Ok(ms) if ms < usize::MAX => {
                    crate::mm::reslimit::set_scan_ms(ms);
                }
                _ => crate::println!("bootargs: bad scan_ms {v}"),
            },
            _ => crate::println!("bootargs: unknown option {opt}"),
        }
    }
}

/// argv for /init: "init" followed by the words after `--`.
pub fn init_argv() -> Vec<String> {
    let args = platform::with(|p| p.bootargs.clone());
    let mut v = alloc::vec!["init".to_string()];
    if let Some((_, rest)) = args.split_once("--") {
        v.extend(rest.split_whitespace().map(String::from));
    }
    v
}
