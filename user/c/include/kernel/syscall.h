// System call numbers (abi::syscall). 1-21 are xv6's, 27-28 the MIT mmap
// lab's, 40 and up faultline's own. The stubs in usys.S are generated from
// abi::syscall::SYSCALLS by xtask; each C build checks this file against it.

#define SYS_fork    1
#define SYS_exit    2
#define SYS_wait    3
#define SYS_pipe    4
#define SYS_read    5
#define SYS_kill    6
#define SYS_exec    7
#define SYS_fstat   8
#define SYS_chdir   9
#define SYS_dup    10
#define SYS_getpid 11
#define SYS_sbrk   12
#define SYS_pause  13
#define SYS_uptime 14
#define SYS_open   15
#define SYS_write  16
#define SYS_mknod  17
#define SYS_unlink 18
#define SYS_link   19
#define SYS_mkdir  20
#define SYS_close  21
#define SYS_mmap   27
#define SYS_munmap 28
#define SYS_mprotect 40
#define SYS_vmstat   41
#define SYS_ptdump   42
#define SYS_poweroff 43
#define SYS_procs    44
#define SYS_vmctl    45
