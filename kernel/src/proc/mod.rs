//! Processes: the table, the per-process state, and who is running where.
//! As in xv6, `lock` guards the fields other harts look at (state, chan,
//! killed, exit status, pid); `data` is private to the process itself (or
//! to whoever is creating or reaping it); `parent` is guarded by WAIT_LOCK;
//! the address space has its own sleep lock because faults may sleep on I/O
//! and other processes (ptdump, procs) may look at it.
mod exec;
mod lifecycle;
mod sched;

pub use exec::exec;
pub use lifecycle::{
    exit, fork, is_init, is_user, kill, procdump, spawn_kernel_thread, userinit, wait, with_procs,
};
pub use sched::{scheduler, sleep, wakeup, yield_cpu};

use crate::arch::riscv::cpu;
use crate::fs::{File, Inode};
use crate::mm::aspace::AddressSpace;
use crate::mm::PhysAddr;
use crate::sync::{pop_off, push_off, SleepLock, SpinLock, SpinLockGuard};
use abi::limits::{NOFILE, NPROC};
use alloc::sync::Arc;
use core::cell::UnsafeCell;

/// Callee-saved registers for `swtch`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Context {
    pub ra: usize,
    pub sp: usize,
    pub s: [usize; 12],
}

impl Context {
    pub const fn zero() -> Context {
        Context {
            ra: 0,
            sp: 0,
            s: [0; 12],
        }
    }
}

/// Saved user registers, in the TRAPFRAME page; offsets fixed by the
/// trampoline's assembly.
#[repr(C)]
pub struct TrapFrame {
    pub kernel_satp: usize,
    pub kernel_sp: usize,
    pub kernel_trap: usize,
    pub epc: usize,
    pub kernel_hartid: usize,
    pub ra: usize,
    pub sp: usize,
    pub gp: usize,
    pub tp: usize,
    pub t0: usize,
    pub t1: usize,
    pub t2: usize,
    pub s0: usize,
    pub s1: usize,
    pub a0: usize,
    pub a1: usize,
    pub a2: usize,
    pub a3: usize,
    pub a4: usize,
    pub a5: usize,
    pub a6: usize,
    pub a7: usize,
    pub s2_11: [usize; 10],
    pub t3: usize,
    pub t4: usize,
    pub t5: usize,
    pub t6: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Unused,
    Used,
    Sleeping,
    Runnable,
    Running,
    Zombie,
}

pub struct Shared {
    pub state: State,
    pub chan: usize,
    pub killed: bool,
    pub xstate: i32,
    pub pid: i32,
}

pub struct Private {
    pub trapframe: PhysAddr,
    pub context: Context,
    pub ofile: [Option<Arc<File>>; NOFILE],
    pub cwd: Option<Inode>,
    pub name: [u8; 16],
}

pub struct Proc {
    pub lock: SpinLock<Shared>,
    parent: UnsafeCell<Option<usize>>,
    data: UnsafeCell<Private>,
    pub aspace: SleepLock<Option<AddressSpace>>,
}

// SAFETY: the UnsafeCells are guarded by the rules in the module comment.
unsafe impl Sync for Proc {}

impl Proc {
    const fn new() -> Proc {
        Proc {
            lock: SpinLock::new(
                "proc",
                Shared {
                    state: State::Unused,
                    chan: 0,
                    killed: false,
                    xstate: 0,
                    pid: 0,
                },
            ),
            parent: UnsafeCell::new(None),
            data: UnsafeCell::new(Private {
                trapframe: PhysAddr(0),
                context: Context::zero(),
                ofile: [const { None }; NOFILE],
                cwd: None,
                name: [0; 16],
            }),
            aspace: SleepLock::new("aspace", None),
        }
    }

    /// The process's private state.
    ///
    /// # Safety
    /// Only the process itself, or a kernel path that owns it exclusively
    /// (allocating it, or reaping it as a zombie), may call this.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn data(&self) -> &mut Private {
        // SAFETY: exclusivity is the caller's promise.
        unsafe { &mut *self.data.get() }
    }

    pub fn trapframe(&self) -> &mut TrapFrame {
        // SAFETY: the trapframe page belongs to this process and only its
        // own kernel thread touches it.
        unsafe { &mut *(self.data().trapframe.as_ptr::<TrapFrame>()) }
    }

    pub fn name(&self) -> &str {
        // SAFETY: name is written only by exec of this process.
        let n = unsafe { &self.data().name };
        let len = n.iter().position(|&c| c == 0).unwrap_or(n.len());
        core::str::from_utf8(&n[..len]).unwrap_or("?")
    }

    pub fn pid(&self) -> i32 {
        self.lock.lock().pid
    }
}

pub static PROCS: [Proc; NPROC] = [const { Proc::new() }; NPROC];

/// Guards every process's `parent`, and orders wakeups of waiting parents.
pub static WAIT_LOCK: SpinLock<()> = SpinLock::new("wait", ());

/// The process running on this hart.
pub fn current() -> Option<&'static Proc> {
    push_off();
    let p = cpu::this().proc.map(|i| &PROCS[i]);
    pop_off();
    p
}

/// The current process; for paths that only run in process context.
pub fn me() -> &'static Proc {
    current().expect("no current process")
}

pub fn current_pid() -> i32 {
    current().map_or(0, |p| p.pid())
}

pub fn killed() -> bool {
    current().is_some_and(|p| p.lock.lock().killed)
}

pub fn set_killed(p: &Proc) {
    p.lock.lock().killed = true;
}

/// Run `f` on the current process's address space.
pub fn with_aspace<R>(f: impl FnOnce(&mut AddressSpace) -> R) -> R {
    let mut g = me().aspace.lock();
    f(g.as_mut().expect("process without an address space"))
}

fn parent_of(p: &Proc, _wait: &SpinLockGuard<'_, ()>) -> &'static mut Option<usize> {
    // SAFETY: WAIT_LOCK is held (the guard argument proves it).
    unsafe { &mut *p.parent.get() }
}

pub(crate) fn index_of(p: &Proc) -> usize {
    (p as *const Proc as usize - PROCS.as_ptr() as usize) / core::mem::size_of::<Proc>()
}
