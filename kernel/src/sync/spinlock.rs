//! Mutual exclusion that spins, with interrupts off while held.

use crate::arch::riscv::{cpu, csr};
use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub struct SpinLock<T> {
    locked: AtomicBool,
    /// Hart id + 1 of the holder, 0 if free: for `holding` and debugging.
    owner: AtomicUsize,
    name: &'static str,
    data: UnsafeCell<T>,
}

// SAFETY: the lock serialises all access to `data`.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: as above; moving the lock moves the data.
unsafe impl<T: Send> Send for SpinLock<T> {}

pub struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

impl<T> SpinLock<T> {
    pub const fn new(name: &'static str, data: T) -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
            owner: AtomicUsize::new(0),
            name,
            data: UnsafeCell::new(data),
        }
    }

    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        push_off();
        if self.holding() {
            panic!("spinlock {}: acquired twice on one hart", self.name);
        }
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        self.owner.store(cpu::id() + 1, Ordering::Relaxed);
        SpinLockGuard { lock: self }
    }

    /// Whether this hart holds the lock. Interrupts must be off.
    pub fn holding(&self) -> bool {
        self.locked.load(Ordering::Relaxed) && self.owner.load(Ordering::Relaxed) == cpu::id() + 1
    }

    /// Release a lock whose guard was forgotten (`core::mem::forget`).
    /// Used by the scheduler, where a process's lock is taken by one
    /// kernel thread and released by another across a context switch.
    ///
    /// # Safety
    /// This hart must hold the lock and no guard for it may be live.
    pub unsafe fn force_unlock(&self) {
        self.owner.store(0, Ordering::Relaxed);
        self.locked.store(false, Ordering::Release);
        pop_off();
    }

    /// A guard for a lock this hart already holds through a forgotten
    /// guard (the scheduler hands a process's lock across `swtch`).
    ///
    /// # Safety
    /// This hart must hold the lock and no other guard for it may be live.
    pub unsafe fn assume_locked(&self) -> SpinLockGuard<'_, T> {
        SpinLockGuard { lock: self }
    }

    /// The data without locking.
    ///
    /// # Safety
    /// The caller guarantees no one else accesses the data concurrently
    /// (e.g. it holds the lock through a forgotten guard).
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn get_unchecked(&self) -> &mut T {
        // SAFETY: exclusivity is the caller's promise.
        unsafe { &mut *self.data.get() }
    }
}

impl<'a, T> SpinLockGuard<'a, T> {
    /// The lock this guard holds (sleep needs it to re-acquire).
    pub fn lock_ref(&self) -> &'a SpinLock<T> {
        self.lock
    }
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the lock is held.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held, exclusively.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard proves this hart holds the lock.
        unsafe { self.lock.force_unlock() }
    }
}

/// Disable interrupts, counting nesting, remembering whether they were on.
pub fn push_off() {
    let was_on = csr::intr_get();
    csr::intr_off();
    let c = cpu::this();
    if c.noff == 0 {
        c.intena = was_on;
    }
    c.noff += 1;
}

/// Undo one `push_off`; interrupts come back on at the outermost one if
/// they were on before it.
pub fn pop_off() {
    let c = cpu::this();
    assert!(!csr::intr_get(), "pop_off: interrupts on");
    assert!(c.noff >= 1, "pop_off: not pushed");
    c.noff -= 1;
    if c.noff == 0 && c.intena {
        csr::intr_on();
    }
}
