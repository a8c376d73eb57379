//! Boot arguments (device tree /chosen/bootargs, QEMU's -append):
//! `[key=value ...] [-- prog arg ...]`. Options configure the kernel; the
//! words after `--` are passed to /init, which runs that program instead of
//! the shell and powers off with its exit status. `init=PATH` runs PATH as
//! the first process instead of /init (as Linux's `init=`), with the words
//! after `--` as its whole argv: a test that must itself be pid 1.
use crate::platform;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Apply the kernel options.
pub fn apply_options() {
    let args = platform::with(|p| p.bootargs.clone());
    for opt in args.split("--").next().unwrap_or("").split_whitespace() {
        match opt.split_once('=') {
            // Read by `init_path`.
            Some(("init", _)) => {}
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
            Some((k @ ("wmark_min" | "wmark_low" | "wmark_high"), v)) => {
                let which = match k {
                    "wmark_min" => 0,
                    "wmark_low" => 1,
                    _ => 2,
                };
                let ok = v
                    .parse::<usize>()
                    .ok()
                    .is_some_and(|n| crate::mm::reclaim::set_one(which, n).is_ok());
                if !ok {
                    let (min, low, high) = crate::mm::reclaim::watermarks();
                    crate::println!(
                        "bootargs: {opt} refused (need 0 < min < low < high <= 3/4 of RAM; \
                         now {min} {low} {high})"
                    );
                }
            }
            _ => crate::println!("bootargs: unknown option {opt}"),
        }
    }
}

/// The first program: `init=PATH`, or /init.
pub fn init_path() -> String {
    let args = platform::with(|p| p.bootargs.clone());
    let opts = args.split("--").next().unwrap_or("");
    opts.split_whitespace()
        .filter_map(|o| o.strip_prefix("init="))
        .next_back()
        .unwrap_or("/init")
        .to_string()
}

/// argv for the first program: for /init, "init" followed by the words
/// after `--`; for an `init=` program, those words alone (or its path if
/// there are none).
pub fn init_argv() -> Vec<String> {
    let args = platform::with(|p| p.bootargs.clone());
    let path = init_path();
    let mut v = Vec::new();
    if path == "/init" {
        v.push("init".to_string());
    }
    if let Some((_, rest)) = args.split_once("--") {
        v.extend(rest.split_whitespace().map(String::from));
    }
    if v.is_empty() {
        v.push(path);
    }
    v
}
