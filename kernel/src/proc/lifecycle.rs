//! Creating, ending and reaping processes: allocation, the first process,
//! fork, exit, wait, kill.
use super::{index_of, me, parent_of, Proc, State, PROCS, WAIT_LOCK};
use crate::arch::riscv::csr;
use crate::mm::{frame, kvm, PhysAddr};
use crate::println;
use crate::sync::SpinLockGuard;
use abi::limits::NPROC;
use core::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

static NEXT_PID: AtomicI32 = AtomicI32::new(1);
/// Slot of the first process, which adopts orphans.
static INIT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Find an unused slot, give it a pid, a trapframe and a kernel context that
/// starts in `forkret`. Returns with the process's lock held, state Used.
fn alloc_proc() -> Option<(&'static Proc, SpinLockGuard<'static, super::Shared>)> {
    for (i, p) in PROCS.iter().enumerate() {
        let mut g = p.lock.lock();
        if g.state != State::Unused {
            continue;
        }
        let tf = frame::alloc_zeroed()?;
        p.reset_ids(NEXT_PID.fetch_add(1, Ordering::Relaxed), &g);
        g.state = State::Used;
        g.xstate = 0;
        // SAFETY: the slot was unused and we hold its lock: it's ours.
        let d = unsafe { p.data() };
        d.trapframe = tf;
        d.context = super::Context::zero();
        d.context.ra = forkret as *const () as usize;
        d.context.sp = kvm::kstack_top(i);
        return Some((p, g));
    }
    None
}

/// Return a slot to the table. Its address space and files must be gone.
fn free_proc(p: &Proc, g: &mut super::Shared) {
    // SAFETY: the process is a zombie or was never run; we own it.
    let d = unsafe { p.data() };
    if d.trapframe.0 != 0 {
        frame::put(d.trapframe);
    }
    d.trapframe = PhysAddr(0);
    p.set_name(b"");
    p.reset_ids(0, g);
    g.chan = 0;
    g.xstate = 0;
    g.state = State::Unused;
}

/// The first process: it starts in forkret, which execs /init.
pub fn userinit() {
    let (p, mut g) = alloc_proc().expect("userinit: no process slot");
    p.set_name(b"init");
    INIT.store(index_of(p), Ordering::Relaxed);
    p.make_runnable(&mut g);
}

/// Kernel threads: slots whose context starts in `kthread_start` and runs
/// `KTHREAD_FN[slot]` forever, without an address space.
static KTHREAD_FN: [AtomicUsize; NPROC] = [const { AtomicUsize::new(0) }; NPROC];

/// Start a kernel thread named `name` running `f` (call at boot, after
/// `userinit`, so init keeps pid 1).
pub fn spawn_kernel_thread(name: &[u8], f: fn() -> !) {
    let (p, mut g) = alloc_proc().expect("no process slot for a kernel thread");
    // SAFETY: freshly allocated, we hold its lock.
    let d = unsafe { p.data() };
    p.set_name(name);
    d.context.ra = kthread_start as *const () as usize;
    KTHREAD_FN[index_of(p)].store(f as usize, Ordering::Release);
    p.make_runnable(&mut g);
}

/// Whether `p` is a kernel thread.
pub fn is_kthread(p: &Proc) -> bool {
    KTHREAD_FN[index_of(p)].load(Ordering::Acquire) != 0
}

/// Whether `p` is init.
pub fn is_init(p: &Proc) -> bool {
    index_of(p) == INIT.load(Ordering::Relaxed)
}

/// Whether `p` is a live user process (not free, not a zombie, not a
/// kernel thread).
pub fn is_user(p: &Proc) -> bool {
    !is_kthread(p) && !matches!(p.lock.lock().state, State::Unused | State::Zombie)
}

extern "C" fn kthread_start() -> ! {
    let p = me();
    // SAFETY: the scheduler switched to us with our lock held.
    drop(unsafe { p.lock.assume_locked() });
    let f = KTHREAD_FN[index_of(p)].load(Ordering::Acquire);
    // SAFETY: set by spawn_kernel_thread from a `fn() -> !`.
    let f: fn() -> ! = unsafe { core::mem::transmute::<usize, fn() -> !>(f) };
    f()
}

/// A new process's first code in the kernel: scheduler's swtch lands here
/// holding the process's lock.
extern "C" fn forkret() -> ! {
    static FIRST: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(true);
    let p = me();
    // SAFETY: the scheduler switched to us with our lock held.
    drop(unsafe { p.lock.assume_locked() });
    if FIRST.swap(false, Ordering::AcqRel) {
        // The file system needs a process context (it sleeps on I/O).
        crate::fs::init();
        let path = crate::bootargs::init_path();
        let args = crate::bootargs::init_argv();
        let argv: alloc::vec::Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        // SAFETY: we are the process.
        unsafe { p.data() }.cwd = Some(crate::fs::root());
        match super::exec(path.as_bytes(), &argv) {
            // SAFETY: the process's own kernel thread, on its way out.
            Ok(argc) => unsafe { p.trapframe() }.a0 = argc,
            Err(()) => panic!("cannot exec {path}"),
        }
    }
    crate::trap::usertrapret()
}

/// Create a child that is a copy of the caller. Returns the child's pid,
/// or -1 if there is no process slot or not enough memory.
pub fn fork() -> isize {
    let p = me();
    // Frames for the trapframe and the child's tables are taken without
    // reclaiming (some under spinlocks): make room first.
    crate::mm::reclaim::before_alloc(None);
    let Some((np, g)) = alloc_proc() else {
        return -1;
    };
    drop(g);
    // SAFETY: np is freshly allocated (state Used): nobody else touches it.
    let nd = unsafe { np.data() };
    let child_space = p.aspace.lock().as_mut().map(|a| a.fork(nd.trapframe));
    match child_space {
        Some(Ok(space)) => {
            nd.satp = csr::make_satp(space.pt.root().0);
            *np.aspace.lock() = Some(space);
        }
        _ => {
            free_proc(np, &mut np.lock.lock());
            return -1;
        }
    }
    // SAFETY: the trapframes are distinct pages, each owned by its
    // process: ours (we are its kernel thread) and the new child's, which
    // only this fork can reach yet.
    unsafe {
        core::ptr::copy_nonoverlapping(
            p.trapframe() as *const super::TrapFrame,
            np.trapframe() as *mut super::TrapFrame,
            1,
        )
    };
    // SAFETY: the child is not runnable yet: only we reach it.
    unsafe { np.trapframe() }.a0 = 0;
    // SAFETY: we are p.
    let d = unsafe { p.data() };
    for (i, f) in d.ofile.iter().enumerate() {
        nd.ofile[i] = f.clone();
    }
    nd.cwd = d.cwd.clone();
    np.set_name(p.name().as_str().as_bytes());
    let pid = {
        let w = WAIT_LOCK.lock();
        *parent_of(np, &w) = Some(index_of(p));
        np.pid()
    };
    np.make_runnable(&mut np.lock.lock());
    pid as isize
}

/// Give p's children to init.
fn reparent(p: &Proc, w: &SpinLockGuard<'_, ()>) {
    let me = index_of(p);
    let init = INIT.load(Ordering::Relaxed);
    for c in PROCS.iter() {
        let parent = parent_of(c, w);
        if *parent == Some(me) {
            *parent = Some(init);
            super::wakeup(&PROCS[init] as *const Proc as usize);
        }
    }
}

/// End the current process. Its memory and files go now; the slot stays
/// as a zombie until the parent's wait collects the status.
pub fn exit(status: i32) -> ! {
    let p = me();
    if index_of(p) == INIT.load(Ordering::Relaxed) {
        panic!("init exiting with status {status}");
    }
    // SAFETY: we are p.
    let d = unsafe { p.data() };
    for f in d.ofile.iter_mut() {
        drop(f.take());
    }
    drop(d.cwd.take());
    let space = p.aspace.lock().take();
    drop(space);

    let w = WAIT_LOCK.lock();
    reparent(p, &w);
    if let Some(parent) = *parent_of(p, &w) {
        super::wakeup(&PROCS[parent] as *const Proc as usize);
    }
    let mut g = p.lock.lock();
    g.xstate = status;
    g.state = State::Zombie;
    drop(w);
    drop(super::sched::sched_exit(g));
    unreachable!("zombie exit");
}

/// Wait for a child to exit; store its status at user address `addr` (if
/// not 0) and return its pid, or -1 if there are no children.
pub fn wait(addr: usize) -> isize {
    let p = me();
    // The status is stored after the child is reaped, with no locks held
    // (the copy may fault). Check now that it can be stored, so a bad
    // pointer fails without losing the child, as in xv6.
    if addr != 0 && crate::mm::uaccess::probe_write(addr, 4).is_err() {
        return -1;
    }
    let mut w = WAIT_LOCK.lock();
    loop {
        let mut have_kids = false;
        for np in PROCS.iter() {
            if *parent_of(np, &w) != Some(index_of(p)) {
                continue;
            }
            have_kids = true;
            let mut g = np.lock.lock();
            if g.state == State::Zombie {
                let (pid, status) = (np.pid(), g.xstate);
                *parent_of(np, &w) = None;
                free_proc(np, &mut g);
                drop(g);
                drop(w);
                if addr != 0 && crate::mm::uaccess::copy_out(addr, &status.to_le_bytes()).is_err() {
                    return -1;
                }
                return pid as isize;
            }
        }
        if !have_kids || super::killed() {
            return -1;
        }
        w = super::sleep(p as *const Proc as usize, w);
    }
}

/// Mark process `pid` killed; it exits when it next heads for user space.
pub fn kill(pid: i32) -> isize {
    for p in PROCS.iter() {
        let mut g = p.lock.lock();
        if p.pid() == pid && g.state != State::Unused {
            p.killed.store(true, Ordering::Release);
            if g.state == State::Sleeping {
                p.make_runnable(&mut g);
            }
            return 0;
        }
    }
    -1
}

/// Call `f(pid, ppid, state, name, proc)` for each live process.
pub fn with_procs(mut f: impl FnMut(i32, i32, State, &'static Proc)) {
    for p in PROCS.iter() {
        let (pid, state) = {
            let g = p.lock.lock();
            (p.pid(), g.state)
        };
        if state == State::Unused {
            continue;
        }
        let ppid = {
            let w = WAIT_LOCK.lock();
            parent_of(p, &w).map_or(0, |i| PROCS[i].pid())
        };
        f(pid, ppid, state, p);
    }
}

/// ^P: list processes on the console (no locks: may run when stuck).
pub fn procdump() {
    println!();
    for p in PROCS.iter().take(NPROC) {
        // SAFETY: a racy read for debugging only, as xv6's procdump.
        let g = unsafe { p.lock.get_unchecked() };
        if g.state == State::Unused {
            continue;
        }
        println!("{} {:?} {}", p.pid(), g.state, p.name());
    }
}
