//! Host stand-ins for the kernel's locks (sync::SpinLock, sync::SleepLock),
//! both a std Mutex underneath: on the host a blocked thread may as well
//! sleep. A lock poisoned by a panicking thread is still handed out; the
//! panic already fails the test.

use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};

pub struct SpinLock<T> {
    m: Mutex<T>,
}

pub struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
    g: MutexGuard<'a, T>,
}

impl<T> SpinLock<T> {
    pub const fn new(_name: &'static str, v: T) -> Self {
        SpinLock { m: Mutex::new(v) }
    }

    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        SpinLockGuard {
            lock: self,
            g: self.m.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }
}

impl<'a, T> SpinLockGuard<'a, T> {
    /// The lock this guard holds, so proc::sleep can release and retake it.
    pub fn lock_ref(&self) -> &'a SpinLock<T> {
        self.lock
    }
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.g
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.g
    }
}

pub struct SleepLock<T> {
    m: Mutex<T>,
}

pub struct SleepLockGuard<'a, T> {
    g: MutexGuard<'a, T>,
}

impl<T> SleepLock<T> {
    pub const fn new(_name: &'static str, v: T) -> Self {
        SleepLock { m: Mutex::new(v) }
    }

    pub fn lock(&self) -> SleepLockGuard<'_, T> {
        SleepLockGuard {
            g: self.m.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    pub fn try_lock(&self) -> Option<SleepLockGuard<'_, T>> {
        match self.m.try_lock() {
            Ok(g) => Some(SleepLockGuard { g }),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(SleepLockGuard { g: e.into_inner() }),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }
}

impl<T> Deref for SleepLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.g
    }
}

impl<T> DerefMut for SleepLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.g
    }
}
