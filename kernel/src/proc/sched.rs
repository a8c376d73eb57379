//! The scheduler, context switches, sleep and wakeup (xv6's design).
use super::{me, State, PROCS};
use crate::arch::riscv::{asm::swtch, cpu, csr};
use crate::sync::SpinLockGuard;
use core::sync::atomic::{AtomicU64, Ordering};

/// Each hart runs this forever after boot: pick a runnable process,
/// switch to it, and get control back when it gives up the CPU.
pub fn scheduler() -> ! {
    let c = cpu::this();
    c.proc = None;
    loop {
        // Let devices interrupt; avoid deadlock if all processes wait.
        csr::intr_on();
        let mut found = false;
        for (i, p) in PROCS.iter().enumerate() {
            // Pass over slots not marked runnable without their lock.
            if !p.runnable.load(Ordering::Acquire) {
                continue;
            }
            let mut g = p.lock.lock();
            if g.state == State::Runnable {
                p.runnable.store(false, Ordering::Relaxed);
                g.state = State::Running;
                c.proc = Some(i);
                core::mem::forget(g);
                // SAFETY: the process's context was saved by swtch or set
                // up by allocation; its lock is held across the switch and
                // released by the process (or below when it switches back).
                unsafe { swtch(&mut c.context, &p.data().context) };
                c.proc = None;
                found = true;
                // SAFETY: the process switched back holding its own lock.
                unsafe { p.lock.force_unlock() };
            }
        }
        if !found {
            wait_idle();
        }
    }
}

/// Instructions each hart retired inside the idle `wfi` (vmctl
/// `VMCTL_IDLE`). Under `-icount` the instruction counter advances while a
/// hart waits, so without this a row that waits for the disk would count
/// the disk's latency as work.
static IDLE_INSTRET: [AtomicU64; cpu::MAX_HARTS] = [const { AtomicU64::new(0) }; cpu::MAX_HARTS];

/// Nothing to run: wait for an interrupt, counting what the wait retires.
/// Interrupts are off across the wait: `wfi` still wakes when one is
/// pending (it ignores `sstatus.SIE`), and its handler runs only when the
/// scheduler loop turns them back on, after the second read, so the
/// handler counts as work, not idle. An interrupt that arrived before
/// `intr_off` is pending and makes `wfi` return at once.
fn wait_idle() {
    csr::intr_off();
    // An interrupt handled during the scan may have made a process we had
    // passed runnable: run it rather than wait for the next interrupt.
    if PROCS.iter().any(|p| p.runnable.load(Ordering::Relaxed)) {
        return;
    }
    let t0 = csr::instret();
    csr::wfi();
    let waited = csr::instret().wrapping_sub(t0);
    IDLE_INSTRET[cpu::id()].fetch_add(waited, Ordering::Relaxed);
}

/// Instructions retired in the idle `wfi`, summed over harts.
pub fn idle_instret() -> u64 {
    IDLE_INSTRET.iter().map(|c| c.load(Ordering::Relaxed)).sum()
}

/// Switch to the scheduler. The caller holds the process's lock (passed
/// in) and has already changed its state.
fn sched<'a>(g: SpinLockGuard<'a, super::Shared>) -> SpinLockGuard<'a, super::Shared> {
    let p = me();
    let c = cpu::this();
    assert!(c.noff == 1, "sched: holding locks");
    assert!(g.state != State::Running, "sched: running");
    assert!(!csr::intr_get(), "sched: interruptible");
    let intena = c.intena;
    let lock = g.lock_ref();
    core::mem::forget(g);
    // SAFETY: switching to this hart's scheduler context; we hold our lock.
    unsafe { swtch(&mut p.data().context, &cpu::this().context) };
    cpu::this().intena = intena;
    // SAFETY: the scheduler switched back to us holding our lock.
    unsafe { lock.assume_locked() }
}

/// Switch away for the last time (exit): the scheduler never returns here.
pub(super) fn sched_exit<'a>(
    g: SpinLockGuard<'a, super::Shared>,
) -> SpinLockGuard<'a, super::Shared> {
    sched(g)
}

/// Give up the CPU for one scheduling round.
pub fn yield_cpu() {
    let p = me();
    let mut g = p.lock.lock();
    p.make_runnable(&mut g);
    drop(sched(g));
}

/// Atomically release `guard`'s lock and sleep on `chan`; re-acquire the
/// lock when woken.
pub fn sleep<'a, T>(chan: usize, guard: SpinLockGuard<'a, T>) -> SpinLockGuard<'a, T> {
    let p = me();
    let lk = guard.lock_ref();
    // Hold our own lock before releasing the other, so a wakeup (which
    // needs our lock) can't slip in between.
    let mut g = p.lock.lock();
    // Published before the condition's lock is released, for wakeup's
    // unlocked look (see there).
    p.sleep_chan.store(chan, Ordering::Relaxed);
    drop(guard);
    g.chan = chan;
    g.state = State::Sleeping;
    let mut g = sched(g);
    g.chan = 0;
    p.sleep_chan.store(0, Ordering::Relaxed);
    drop(g);
    lk.lock()
}

/// Wake every process sleeping on `chan`. Must not hold any process lock.
///
/// Slots whose `sleep_chan` is not `chan` are passed over without their
/// lock. That misses no sleeper, on any number of harts: a waker changes
/// the condition under the condition's lock `lk` and then calls wakeup; a
/// sleeper stored `sleep_chan` while still holding `lk` (and cleared it
/// only after waking). If the sleeper held `lk` first, its store happens
/// before our load (release and acquire of `lk`), so we see `chan`, or a
/// later value written after it woke, and then it re-checks the condition
/// under `lk`. If the waker held `lk` first, the sleeper sees the changed
/// condition and does not sleep. A hit is checked again under the lock.
pub fn wakeup(chan: usize) {
    let me = super::current().map(|p| p as *const _);
    for p in PROCS.iter() {
        if p.sleep_chan.load(Ordering::Relaxed) != chan || Some(p as *const _) == me {
            continue;
        }
        let mut g = p.lock.lock();
        if g.state == State::Sleeping && g.chan == chan {
            p.make_runnable(&mut g);
        }
    }
}
