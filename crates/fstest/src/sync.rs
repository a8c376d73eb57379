//! Host stand-ins for the kernel's locks (sync::SpinLock, sync::SleepLock):
//! one lock type, a std Mutex underneath, under both names. On the host a
//! blocked thread may as well sleep, so the kernel's two locks differ in
//! nothing the file system can see here. A lock poisoned by a panicking
//! thread is still handed out; the panic already fails the test.
//!
//! The kernel's own lock code cannot serve instead: it turns interrupts
//! off, records the holding hart and sleeps through the scheduler. What
//! this file shares with it is the interface the fs sources are written
//! against (`new`, `lock`, `try_lock`, a guard with `lock_ref` and
//! `Deref`/`DerefMut`), which must keep the same shape.

use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, TryLockError};

pub struct Lock<T> {
    m: Mutex<T>,
}

pub type SpinLock<T> = Lock<T>;
pub type SleepLock<T> = Lock<T>;

pub struct Guard<'a, T> {
    lock: &'a Lock<T>,
    g: MutexGuard<'a, T>,
}

pub type SpinLockGuard<'a, T> = Guard<'a, T>;
pub type SleepLockGuard<'a, T> = Guard<'a, T>;

impl<T> Lock<T> {
    pub const fn new(_name: &'static str, v: T) -> Self {
        Lock { m: Mutex::new(v) }
    }

    pub fn lock(&self) -> Guard<'_, T> {
        let g = self.m.lock().unwrap_or_else(|e| e.into_inner());
        Guard { lock: self, g }
    }

    pub fn try_lock(&self) -> Option<Guard<'_, T>> {
        let g = match self.m.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(Guard { lock: self, g })
    }
}

impl<'a, T> Guard<'a, T> {
    /// The lock this guard holds, so proc::sleep can release and retake it.
    pub fn lock_ref(&self) -> &'a Lock<T> {
        self.lock
    }
}

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.g
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.g
    }
}
