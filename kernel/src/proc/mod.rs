//! Processes: the table, the per-process state, and who is running where.
//! As in xv6, `lock` guards the fields other harts look at (state, chan,
//! exit status); `pid` and `killed` are atomics, read without the lock on
//! every trap and written under it; `data` is private to the process itself (or
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
pub use sched::{idle_instret, scheduler, sleep, wakeup, yield_cpu};

use crate::arch::riscv::{cpu, csr};
use crate::fs::{File, Inode};
use crate::mm::aspace::AddressSpace;
use crate::mm::PhysAddr;
use crate::sync::{SleepLock, SpinLock, SpinLockGuard};
use abi::limits::{NOFILE, NPROC};
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};

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
    pub xstate: i32,
}

pub struct Private {
    pub trapframe: PhysAddr,
    /// satp of the address space, for the return to user space without
    /// taking the address-space lock. Set with the address space (exec,
    /// fork); a root table never moves while its address space lives.
    pub satp: usize,
    pub context: Context,
    pub ofile: [Option<Arc<File>>; NOFILE],
    pub cwd: Option<Inode>,
}

pub struct Proc {
    pub lock: SpinLock<Shared>,
    /// 0 while the slot is unused. Written under `lock`.
    pid: AtomicI32,
    /// Exit at the next return to user space. Set under `lock` (kill
    /// also makes a sleeper runnable), read anywhere.
    killed: AtomicBool,
    /// Read by anyone (procdump, procs, kill messages), written by exec.
    name: NameCell,
    /// Hints that let the scheduler and `wakeup` pass over a slot without
    /// taking its lock (64 lock round trips a scan cost thousands of
    /// instructions on every disk wait). Each is written under `lock`
    /// together with the field it mirrors, and a hit is checked again
    /// under the lock, so a stale hint costs a lock, never a wrong
    /// decision. `runnable`: set wherever `state` becomes Runnable (only
    /// through `make_runnable`), cleared by the scheduler when it runs the
    /// process. `sleep_chan`: see `sched::sleep` and `sched::wakeup`.
    runnable: AtomicBool,
    sleep_chan: AtomicUsize,
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
                    xstate: 0,
                },
            ),
            pid: AtomicI32::new(0),
            killed: AtomicBool::new(false),
            name: NameCell::new(),
            runnable: AtomicBool::new(false),
            sleep_chan: AtomicUsize::new(0),
            parent: UnsafeCell::new(None),
            data: UnsafeCell::new(Private {
                trapframe: PhysAddr(0),
                satp: 0,
                context: Context::zero(),
                ofile: [const { None }; NOFILE],
                cwd: None,
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

    /// The process's trapframe (its user registers while in the kernel).
    ///
    /// # Safety
    /// Only the process's own kernel thread, or a path that owns the
    /// process exclusively (fork filling in a new child), may call this,
    /// and not while another `&mut` from it is alive: the trapframe page is
    /// also written by the trampoline on every trap.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn trapframe(&self) -> &mut TrapFrame {
        // SAFETY: exclusivity is the caller's promise; the page belongs to
        // this process for its whole life.
        unsafe { &mut *(self.data().trapframe.as_ptr::<TrapFrame>()) }
    }

    /// The program's name (the last part of the path exec ran).
    pub fn name(&self) -> ProcName {
        self.name.get()
    }

    /// Set the name: up to 15 bytes of `name` are kept.
    pub fn set_name(&self, name: &[u8]) {
        self.name.set(name)
    }

    /// Make the process runnable; the caller holds `lock` (`g` is what it
    /// guards). The only way `state` becomes Runnable, so the scheduler's
    /// hint is never missing.
    fn make_runnable(&self, g: &mut Shared) {
        g.state = State::Runnable;
        self.runnable.store(true, Ordering::Release);
    }

    pub fn pid(&self) -> i32 {
        self.pid.load(Ordering::Relaxed)
    }

    /// Set the pid (0: the slot is free) and clear `killed`; the caller
    /// holds `lock` (the `Shared` it guards is the proof).
    fn reset_ids(&self, pid: i32, _locked: &Shared) {
        self.pid.store(pid, Ordering::Relaxed);
        self.killed.store(false, Ordering::Release);
    }
}

/// A process's name, 16 NUL-padded bytes held in two atomic words: other
/// harts read it (procdump, `procs`, kill messages) while exec may be
/// rewriting it. A reader racing with exec can see half of each name;
/// there is no data race.
struct NameCell([AtomicU64; 2]);

impl NameCell {
    const fn new() -> NameCell {
        NameCell([AtomicU64::new(0), AtomicU64::new(0)])
    }

    fn set(&self, name: &[u8]) {
        let mut b = [0u8; 16];
        let n = name.len().min(15);
        b[..n].copy_from_slice(&name[..n]);
        for (w, half) in self.0.iter().zip(b.chunks_exact(8)) {
            w.store(
                u64::from_le_bytes(half.try_into().unwrap()),
                Ordering::Relaxed,
            );
        }
    }

    fn get(&self) -> ProcName {
        let mut b = [0u8; 16];
        for (w, half) in self.0.iter().zip(b.chunks_exact_mut(8)) {
            half.copy_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
        }
        ProcName(b)
    }
}

/// A copy of a process's name.
#[derive(Clone, Copy)]
pub struct ProcName([u8; 16]);

impl ProcName {
    pub fn as_str(&self) -> &str {
        let len = self.0.iter().position(|&c| c == 0).unwrap_or(16);
        core::str::from_utf8(&self.0[..len]).unwrap_or("?")
    }
}

impl core::fmt::Display for ProcName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub static PROCS: [Proc; NPROC] = [const { Proc::new() }; NPROC];

/// Guards every process's `parent`, and orders wakeups of waiting parents.
pub static WAIT_LOCK: SpinLock<()> = SpinLock::new("wait", ());

/// The process running on this hart. Interrupts are off only for the
/// read (a timer interrupt could otherwise move us to another hart between
/// reading `tp` and the slot); no push_off bookkeeping, as nothing here can
/// take a lock. On every trap path, so it is kept to a dozen instructions.
pub fn current() -> Option<&'static Proc> {
    let on = csr::intr_get();
    csr::intr_off();
    let p = cpu::this().proc;
    if on {
        csr::intr_on();
    }
    p.map(|i| &PROCS[i])
}

/// The current process; for paths that only run in process context.
pub fn me() -> &'static Proc {
    current().expect("no current process")
}

pub fn current_pid() -> i32 {
    current().map_or(0, |p| p.pid())
}

pub fn killed() -> bool {
    current().is_some_and(|p| p.killed.load(Ordering::Acquire))
}

/// Whether `p` has been killed (and will exit on its way to user space).
pub fn is_killed(p: &Proc) -> bool {
    p.killed.load(Ordering::Acquire)
}

pub fn set_killed(p: &Proc) {
    let _g = p.lock.lock();
    p.killed.store(true, Ordering::Release);
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
