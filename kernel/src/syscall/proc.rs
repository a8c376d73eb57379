//! Process system calls that need more than one line.
use super::{arg, arg_int, arg_path};
use crate::mm::uaccess;
use crate::proc::{self, State};
use abi::limits::{MAXARG, MAXPATH};
use abi::ProcInfo;
use alloc::vec::Vec;

/// Longest single argument string exec accepts.
const MAXARGLEN: usize = 1024;

pub fn exec() -> isize {
    let mut pbuf = [0u8; MAXPATH];
    let Ok(path) = arg_path(0, &mut pbuf) else {
        return -1;
    };
    let uargv = arg(1);
    // The argument strings are copied into the kernel heap. Every
    // allocation here may fail (try_reserve) and makes exec return -1.
    if !crate::mm::kheap::has_room((MAXARG + 1) * MAXARGLEN) {
        return -1;
    }
    let mut args: Vec<Vec<u8>> = Vec::new();
    if args.try_reserve_exact(MAXARG + 1).is_err() {
        return -1;
    }
    loop {
        if args.len() > MAXARG {
            return -1;
        }
        let Some(slot) = uargv.checked_add(args.len() * 8) else {
            return -1;
        };
        let Ok(p) = uaccess::read_u64(slot) else {
            return -1;
        };
        if p == 0 {
            break;
        }
        let mut buf = Vec::new();
        if buf.try_reserve_exact(MAXARGLEN).is_err() {
            return -1;
        }
        buf.resize(MAXARGLEN, 0);
        let Ok(n) = uaccess::copy_in_str(p as usize, &mut buf) else {
            return -1;
        };
        buf.truncate(n);
        args.push(buf);
    }
    let mut argv: [&[u8]; MAXARG + 1] = [&[]; MAXARG + 1];
    for (a, s) in argv.iter_mut().zip(args.iter()) {
        *a = s.as_slice();
    }
    match proc::exec(path, &argv[..args.len()]) {
        Ok(argc) => argc as isize,
        Err(()) => -1,
    }
}

pub fn pause() -> isize {
    let n = arg_int(0).max(0) as u64;
    match crate::trap::pause(n) {
        Ok(()) => 0,
        Err(()) => -1,
    }
}

pub fn poweroff() -> isize {
    let status = arg_int(0);
    let code = if status == 0 {
        0
    } else if status & 0xff == 0 {
        1
    } else {
        (status & 0xff) as u32
    };
    crate::arch::riscv::power::poweroff(code)
}

pub fn procs() -> isize {
    let (buf, max) = (arg(0), arg_int(1).max(0) as usize);
    let mut rows: Vec<ProcInfo> = Vec::new();
    proc::with_procs(|pid, ppid, state, p| {
        let mut info = ProcInfo {
            pid,
            ppid,
            state: match state {
                State::Unused => 0,
                State::Used => 1,
                State::Sleeping => 2,
                State::Runnable => 3,
                State::Running => 4,
                State::Zombie => 5,
            },
            ..Default::default()
        };
        if let Some(a) = p.aspace.lock().as_ref() {
            info.size = a.brk as u64;
            info.resident = a.resident() as u64;
        }
        let name = p.name();
        let name = name.as_str().as_bytes();
        let n = name.len().min(15);
        info.name[..n].copy_from_slice(&name[..n]);
        rows.push(info);
    });
    let n = rows.len().min(max);
    if uaccess::copy_out(buf, crate::pod::bytes_of(&rows[..n])).is_err() {
        return -1;
    }
    n as isize
}
