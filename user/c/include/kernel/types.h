// Basic types, as in xv6's kernel/types.h. Every xv6 program includes
// this first.

typedef unsigned int   uint;
typedef unsigned short ushort;
typedef unsigned char  uchar;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int  uint32;
typedef unsigned long uint64;

typedef uint64 pde_t;

// For mmap/munmap/mprotect (the MIT mmap lab's prototypes use them).
// Same types as the compiler's <stddef.h>, so including both is fine.
typedef unsigned long size_t;
typedef long off_t;
