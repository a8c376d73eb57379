//! init: the first user process.
//!
//! Opens the console as fds 0, 1, 2 (creating the device node if missing).
//! With no arguments it runs `/sh` forever, restarting it when it exits, and
//! reaps orphans in between (xv6 behaviour). With arguments
//! (`init PROG ARG...`, from the kernel's boot arguments after `--`) it runs
//! PROG once, waits for it and powers the machine off with its exit status;
//! if PROG cannot be executed it prints `init: exec PROG failed` and powers
//! off with 127.
#![no_std]
#![no_main]

use abi::fcntl::O_RDWR;
use abi::CONSOLE_MAJOR;
use ulib::prelude::*;
use ulib::{fs, process};

ulib::entry!(main);

/// Exit status for "could not execute" (as in POSIX shells).
const EXEC_FAILED: i32 = 127;

fn main(args: &[&str]) -> i32 {
    if fs::open("console", O_RDWR).is_err() {
        let _ = fs::mknod("console", CONSOLE_MAJOR, 0);
        if fs::open("console", O_RDWR).is_err() {
            // No console to complain on; nothing can work.
            process::poweroff(1);
        }
    }
    let _ = fs::dup(0); // stdout
    let _ = fs::dup(0); // stderr

    if args.len() > 1 {
        run_once(&args[1..])
    } else {
        run_shell()
    }
}

/// The absolute path for a program named on the boot command line.
fn program_path(prog: &str) -> String {
    if prog.contains('/') {
        prog.to_string()
    } else {
        format!("/{}", prog)
    }
}

fn run_once(argv: &[&str]) -> ! {
    let prog = argv[0];
    let path = program_path(prog);
    let pid = match process::fork() {
        Ok(0) => {
            let _ = process::exec(&path, argv);
            eprintln!("init: exec {} failed", prog);
            process::exit(EXEC_FAILED);
        }
        Ok(pid) => pid,
        Err(_) => {
            eprintln!("init: fork failed");
            process::poweroff(1);
        }
    };
    // Reap orphans that the program leaves behind until the program
    // itself exits.
    loop {
        match process::wait() {
            Ok((p, status)) if p == pid => process::poweroff(status),
            Ok(_) => continue,
            Err(_) => {
                eprintln!("init: wait failed");
                process::poweroff(1);
            }
        }
    }
}

fn run_shell() -> ! {
    loop {
        println!("init: starting sh");
        let pid = match process::fork() {
            Ok(0) => {
                let _ = process::exec("/sh", &["sh"]);
                eprintln!("init: exec sh failed");
                process::exit(EXEC_FAILED);
            }
            Ok(pid) => pid,
            Err(_) => {
                eprintln!("init: fork failed");
                // Try again shortly rather than spin on a full process table.
                let _ = process::pause(10);
                continue;
            }
        };
        loop {
            match process::wait() {
                Ok((p, status)) if p == pid => {
                    if status == EXEC_FAILED {
                        // No shell to run: restarting would loop forever.
                        process::poweroff(EXEC_FAILED);
                    }
                    break; // the shell exited: start another
                }
                Ok(_) => continue, // an orphan: reaped
                Err(_) => {
                    eprintln!("init: wait returned an error");
                    process::poweroff(1);
                }
            }
        }
    }
}
