//! The tests: one per scenario, each in its own process (isolate.rs).

use crate::scenarios;

macro_rules! isolated {
    ($($(#[$doc:meta])* $name:ident => $scenario:path;)*) => {$(
        $(#[$doc])*
        #[test]
        fn $name() {
            crate::isolate::run(concat!("tests::", stringify!($name)), $scenario);
        }
    )*};
}

isolated! {
    /// Paths, files, directories, links, devices, user addresses, orphans,
    /// MAXFILE; fsck after.
    basic => scenarios::basic::run;
    /// An image laid out as xv6's mkfs does, with a bigger log than ours.
    xv6img => scenarios::xv6img::run;
    /// Out of blocks, out of inodes: errors, not panics; nothing leaks.
    full => scenarios::full::run;
    /// Pipe data, EOF, broken pipe, a blocked writer woken by close.
    pipe => scenarios::pipe::run;
    /// 8 threads each making, linking and unlinking files; fsck after.
    threads => scenarios::threads::run;
    /// 6 threads fighting over the same four names; fsck after.
    race => scenarios::race::run;
    /// iput frees an inode; ialloc reuses it and the new file is unlinked
    /// before iput gives back its reference: the new file must be freed.
    iput_reuse => scenarios::iput_reuse::run;
    /// A crash after every block write of a workload: each image recovers
    /// to a consistent file system with whole transactions.
    crash_recovery => scenarios::crash::run;
}
