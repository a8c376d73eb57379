//! System calls: the number in a7, arguments in a0..a5, the result in a0.
//! Each handler fetches and checks its own arguments; a bad one is -1.
mod file;
mod mm;
mod proc;

use crate::proc::me;
use abi::syscall::*;

/// Argument `n` as a raw register value.
fn arg(n: usize) -> usize {
    // SAFETY: a system call runs in the calling process's own kernel thread.
    let tf = unsafe { me().trapframe() };
    [tf.a0, tf.a1, tf.a2, tf.a3, tf.a4, tf.a5][n]
}

/// Argument `n` as a C `int` (the low 32 bits, sign-extended).
fn arg_int(n: usize) -> i32 {
    arg(n) as i32
}

/// A NUL-terminated path from user space into `buf`.
fn arg_path(n: usize, buf: &mut [u8; abi::limits::MAXPATH]) -> Result<&[u8], ()> {
    let len = crate::mm::uaccess::copy_in_str(arg(n), buf)?;
    Ok(&buf[..len])
}

pub fn dispatch() {
    // SAFETY: as in `arg`.
    let num = unsafe { me().trapframe() }.a7;
    let r: isize = match num {
        SYS_FORK => crate::proc::fork(),
        SYS_EXIT => crate::proc::exit(arg_int(0)),
        SYS_WAIT => crate::proc::wait(arg(0)),
        SYS_PIPE => file::pipe(),
        SYS_READ => file::read(),
        SYS_KILL => crate::proc::kill(arg_int(0)),
        SYS_EXEC => proc::exec(),
        SYS_FSTAT => file::fstat(),
        SYS_CHDIR => file::chdir(),
        SYS_DUP => file::dup(),
        SYS_GETPID => me().pid() as isize,
        SYS_SBRK => mm::sbrk(),
        SYS_PAUSE => proc::pause(),
        SYS_UPTIME => crate::trap::ticks() as isize,
        SYS_OPEN => file::open(),
        SYS_WRITE => file::write(),
        SYS_MKNOD => file::mknod(),
        SYS_UNLINK => file::unlink(),
        SYS_LINK => file::link(),
        SYS_MKDIR => file::mkdir(),
        SYS_CLOSE => file::close(),
        SYS_MMAP => mm::mmap(),
        SYS_MUNMAP => mm::munmap(),
        SYS_MPROTECT => mm::mprotect(),
        SYS_VMSTAT => mm::vmstat(),
        SYS_PTDUMP => mm::ptdump(),
        SYS_POWEROFF => proc::poweroff(),
        SYS_PROCS => proc::procs(),
        SYS_VMCTL => mm::vmctl(),
        _ => {
            crate::println!(
                "pid {} ({}): unknown system call {}",
                me().pid(),
                me().name(),
                num
            );
            -1
        }
    };
    // SAFETY: as in `arg`.
    unsafe { me().trapframe() }.a0 = r as usize;
}
