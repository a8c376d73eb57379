//! Host stand-ins for the process calls the file system makes. Threads play
//! processes: each gets its own pid (the log counts nested transactions per
//! pid).
//!
//! sleep/wakeup use one condition variable for every channel, so a wakeup
//! wakes every sleeper; callers re-check their condition in a loop (as in
//! the kernel), so that and spurious returns are harmless. The sleeper
//! takes the condvar's mutex before releasing its own lock, so a waker that
//! holds that lock can't be missed; the 50 ms timeout is a safety net for
//! one that changes the condition without it.

use crate::sync::SpinLockGuard;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

static SCHED: Mutex<()> = Mutex::new(());
static CV: Condvar = Condvar::new();
static NEXT_PID: AtomicI32 = AtomicI32::new(1);

thread_local! {
    static PID: i32 = NEXT_PID.fetch_add(1, Ordering::Relaxed);
}

pub fn sleep<'a, T>(_chan: usize, guard: SpinLockGuard<'a, T>) -> SpinLockGuard<'a, T> {
    let lk = guard.lock_ref();
    let s = SCHED.lock().unwrap_or_else(|e| e.into_inner());
    drop(guard);
    let (s, _) = CV
        .wait_timeout(s, Duration::from_millis(50))
        .unwrap_or_else(|e| e.into_inner());
    drop(s);
    lk.lock()
}

pub fn wakeup(_chan: usize) {
    let _s = SCHED.lock().unwrap_or_else(|e| e.into_inner());
    CV.notify_all();
}

pub fn killed() -> bool {
    false
}

pub fn current_pid() -> i32 {
    PID.with(|p| *p)
}

/// Widens a race window in the kernel code under test: `fs::inode`'s iput
/// calls this between freeing an inode and giving back its reference. A
/// scenario that sets WIDEN makes the window 2 ms long, so an interleaving
/// that takes luck on real hardware happens every few iterations.
pub static WIDEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn race_window() {
    if WIDEN.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(2));
    }
}
