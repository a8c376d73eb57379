//! kill PID...: kill processes (each exits with status -1).
#![no_std]
#![no_main]

use ulib::prelude::*;
use ulib::process;

ulib::entry!(main);

fn main(args: &[&str]) -> i32 {
    if args.len() < 2 {
        eprintln!("usage: kill pid...");
        return 1;
    }
    let mut status = 0;
    for a in &args[1..] {
        match a.parse::<i32>() {
            Ok(pid) if pid > 0 => {
                if process::kill(pid).is_err() {
                    eprintln!("kill: no process {}", pid);
                    status = 1;
                }
            }
            _ => {
                eprintln!("kill: bad pid {}", a);
                status = 1;
            }
        }
    }
    status
}
