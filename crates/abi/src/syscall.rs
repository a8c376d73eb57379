//! System-call numbers. `ecall` with the number in a7, arguments in a0..a5,
//! the result in a0 (-1 on error).

pub const SYS_FORK: usize = 1;
pub const SYS_EXIT: usize = 2;
pub const SYS_WAIT: usize = 3;
pub const SYS_PIPE: usize = 4;
pub const SYS_READ: usize = 5;
pub const SYS_KILL: usize = 6;
pub const SYS_EXEC: usize = 7;
pub const SYS_FSTAT: usize = 8;
pub const SYS_CHDIR: usize = 9;
pub const SYS_DUP: usize = 10;
pub const SYS_GETPID: usize = 11;
/// `sbrk(n, type)`: type [`SBRK_EAGER`] or [`SBRK_LAZY`].
pub const SYS_SBRK: usize = 12;
/// `pause(ticks)`: xv6's old `sleep`.
pub const SYS_PAUSE: usize = 13;
pub const SYS_UPTIME: usize = 14;
pub const SYS_OPEN: usize = 15;
pub const SYS_WRITE: usize = 16;
pub const SYS_MKNOD: usize = 17;
pub const SYS_UNLINK: usize = 18;
pub const SYS_LINK: usize = 19;
pub const SYS_MKDIR: usize = 20;
pub const SYS_CLOSE: usize = 21;
/// `mmap(addr, len, prot, flags, fd, off)` (MIT lab numbering).
pub const SYS_MMAP: usize = 27;
/// `munmap(addr, len)`.
pub const SYS_MUNMAP: usize = 28;

// ---- faultline's own calls: 40 and up ----
/// `mprotect(addr, len, prot)`.
pub const SYS_MPROTECT: usize = 40;
/// `vmstat(struct vmstat *out)`: fills a [`crate::vmstat::VmStat`].
pub const SYS_VMSTAT: usize = 41;
/// `ptdump(pid, struct ptentry *buf, int max)`: fills up to `max`
/// [`crate::vmstat::PtEntry`] rows for process `pid` (0 = self) and returns
/// how many mappings there are in all (which may exceed `max`).
pub const SYS_PTDUMP: usize = 42;
/// `poweroff(status)`: stops the machine; QEMU exits with `status`.
pub const SYS_POWEROFF: usize = 43;
/// `procs(struct procinfo *buf, int max)`: fills [`crate::ProcInfo`] rows,
/// returns how many.
pub const SYS_PROCS: usize = 44;
/// `vmctl(op, arg)`: kernel VM knobs; see [`crate::vmstat`] `VMCTL_*`.
pub const SYS_VMCTL: usize = 45;

/// `sbrk` types.
pub const SBRK_EAGER: usize = 1;
pub const SBRK_LAZY: usize = 2;

/// Every call, by the name the C library's stub gets. The C runtime's
/// `usys.S` is generated from this table, so there is one source of truth.
pub const SYSCALLS: &[(&str, usize)] = &[
    ("fork", SYS_FORK),
    ("exit", SYS_EXIT),
    ("wait", SYS_WAIT),
    ("pipe", SYS_PIPE),
    ("read", SYS_READ),
    ("kill", SYS_KILL),
    ("exec", SYS_EXEC),
    ("fstat", SYS_FSTAT),
    ("chdir", SYS_CHDIR),
    ("dup", SYS_DUP),
    ("getpid", SYS_GETPID),
    ("sys_sbrk", SYS_SBRK),
    ("pause", SYS_PAUSE),
    ("uptime", SYS_UPTIME),
    ("open", SYS_OPEN),
    ("write", SYS_WRITE),
    ("mknod", SYS_MKNOD),
    ("unlink", SYS_UNLINK),
    ("link", SYS_LINK),
    ("mkdir", SYS_MKDIR),
    ("close", SYS_CLOSE),
    ("mmap", SYS_MMAP),
    ("munmap", SYS_MUNMAP),
    ("mprotect", SYS_MPROTECT),
    ("vmstat", SYS_VMSTAT),
    ("ptdump", SYS_PTDUMP),
    ("poweroff", SYS_POWEROFF),
    ("procs", SYS_PROCS),
    ("vmctl", SYS_VMCTL),
];
