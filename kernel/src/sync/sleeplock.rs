//! A lock that sleeps while it waits: for long holds such as disk I/O.
//!
//! Most acquisitions find the lock free (the address-space lock on every
//! trap, a buffer nobody else uses), so the lock word is an atomic with an
//! uncontended fast path: one compare-exchange to take it and one to give
//! it back, no spinlock, no interrupt masking. Only contention goes
//! through the spinlock, which orders sleeping against waking.
//!
//! The word is `FREE`, `HELD` (no one can be asleep waiting) or `CONTENDED`
//! (someone may be asleep). Why no wakeup is lost, on any number of harts:
//! - A waiter sleeps only after setting the word to `CONTENDED` and counting
//!   itself in `waiters`, both under the spinlock, which `sleep` gives up
//!   only once the waiter is marked asleep.
//! - A holder releases with a compare-exchange `HELD -> FREE`; it succeeds
//!   only if no waiter has set `CONTENDED` since the lock was taken, i.e.
//!   there is no one to wake. Otherwise it takes the spinlock, stores
//!   `FREE` and wakes the sleepers if `waiters` is nonzero. A waiter that
//!   looked before that store sleeps and is woken; one that looks after it
//!   (under the same spinlock) sees `FREE` and takes the lock.
//! - A waiter takes the lock with `swap(CONTENDED)`, never `HELD`: other
//!   sleepers may remain, so its release must take the slow path and wake
//!   them. A fast-path taker may win the lock from a woken waiter; the
//!   waiter then sees it held, sets `CONTENDED` and sleeps again, and the
//!   taker's release takes the slow path.

use super::SpinLock;
use crate::proc;
use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU32, Ordering};

const FREE: u32 = 0;
const HELD: u32 = 1;
const CONTENDED: u32 = 2;

pub struct SleepLock<T> {
    word: AtomicU32,
    /// Processes asleep in `lock`, under the spinlock.
    waiters: SpinLock<u32>,
    data: UnsafeCell<T>,
}

// SAFETY: the lock serialises access to `data`.
unsafe impl<T: Send> Sync for SleepLock<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for SleepLock<T> {}

pub struct SleepLockGuard<'a, T> {
    lock: &'a SleepLock<T>,
}

impl<T> SleepLock<T> {
    pub const fn new(name: &'static str, data: T) -> Self {
        SleepLock {
            word: AtomicU32::new(FREE),
            waiters: SpinLock::new(name, 0),
            data: UnsafeCell::new(data),
        }
    }

    fn chan(&self) -> usize {
        self as *const _ as usize
    }

    pub fn lock(&self) -> SleepLockGuard<'_, T> {
        if self
            .word
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_slow();
        }
        SleepLockGuard { lock: self }
    }

    #[cold]
    fn lock_slow(&self) {
        let mut w = self.waiters.lock();
        while self.word.swap(CONTENDED, Ordering::Acquire) != FREE {
            *w += 1;
            w = proc::sleep(self.chan(), w);
            *w -= 1;
        }
    }

    /// The lock if it is free now, else None (never sleeps). Reclaim uses
    /// it to visit other address spaces without waiting on them.
    pub fn try_lock(&self) -> Option<SleepLockGuard<'_, T>> {
        self.word
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| SleepLockGuard { lock: self })
    }

    #[cold]
    fn unlock_slow(&self) {
        let w = self.waiters.lock();
        self.word.store(FREE, Ordering::Release);
        if *w > 0 {
            proc::wakeup(self.chan());
        }
    }
}

impl<T> Deref for SleepLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the lock is held.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for SleepLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held, exclusively.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for SleepLockGuard<'_, T> {
    fn drop(&mut self) {
        let l = self.lock;
        if l.word
            .compare_exchange(HELD, FREE, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            l.unlock_slow();
        }
    }
}
