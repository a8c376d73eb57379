//! Locks. Spinlocks disable interrupts on the hart that holds them (a
//! handler that took the same lock would deadlock); sleep locks give up the
//! CPU while they wait and so may be held across disk I/O.
mod sleeplock;
mod spinlock;

pub use sleeplock::{SleepLock, SleepLockGuard};
pub use spinlock::{SpinLock, SpinLockGuard};
