// Limits, as in xv6's kernel/param.h. The ones a user program can
// observe are faultline's (abi::limits, abi::fs, abi::layout); the rest
// are xv6's values, kept so that programs which mention them compile.

#define NPROC        64  // maximum number of processes
#define NCPU          8  // maximum number of CPUs
#define NOFILE       16  // open files per process
#define NFILE       100  // open files per system
#define NINODE       50  // maximum number of active i-nodes
#define NDEV         10  // maximum major device number
#define ROOTDEV       1  // device number of file system root disk
#define MAXARG       32  // max exec arguments
#define MAXOPBLOCKS  10  // max # of blocks any FS op writes
#define LOGBLOCKS    (MAXOPBLOCKS*3)  // max data blocks in on-disk log
#define LOGSIZE      LOGBLOCKS        // its pre-2025 name
#define NBUF         (MAXOPBLOCKS*3)  // size of disk block cache
#define FSSIZE       2000  // size of file system in blocks
#define MAXPATH      128   // maximum file path name
// User stack pages. xv6 has 1; faultline reserves 8 (abi::layout::STACK_PAGES),
// so a program that probes USERSTACK*PGSIZE below its stack pointer still
// lands in the guard page.
#define USERSTACK    8
