//! A lock that sleeps while it waits: for long holds such as disk I/O.

use super::SpinLock;
use crate::proc;
use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};

pub struct SleepLock<T> {
    state: SpinLock<State>,
    data: UnsafeCell<T>,
}

/// Under the lock's spinlock.
struct State {
    locked: bool,
    /// Processes asleep in `lock`. Release calls `wakeup` (a scan of the
    /// whole process table) only when this is nonzero: most releases, such
    /// as the address-space lock on every trap, have no waiter. A sleeper
    /// counts itself before `sleep` gives up the spinlock and the releaser
    /// reads the count under it, so no wakeup can be missed.
    waiters: u32,
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
            state: SpinLock::new(
                name,
                State {
                    locked: false,
                    waiters: 0,
                },
            ),
            data: UnsafeCell::new(data),
        }
    }

    fn chan(&self) -> usize {
        self as *const _ as usize
    }

    pub fn lock(&self) -> SleepLockGuard<'_, T> {
        let mut st = self.state.lock();
        while st.locked {
            st.waiters += 1;
            st = proc::sleep(self.chan(), st);
            st.waiters -= 1;
        }
        st.locked = true;
        SleepLockGuard { lock: self }
    }

    /// The lock if it is free now, else None (never sleeps). Reclaim uses
    /// it to visit other address spaces without waiting on them.
    pub fn try_lock(&self) -> Option<SleepLockGuard<'_, T>> {
        let mut st = self.state.lock();
        if st.locked {
            return None;
        }
        st.locked = true;
        Some(SleepLockGuard { lock: self })
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
        let mut st = self.lock.state.lock();
        st.locked = false;
        if st.waiters > 0 {
            proc::wakeup(self.lock.chan());
        }
    }
}
