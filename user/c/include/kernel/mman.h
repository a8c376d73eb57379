// mmap/mprotect flags (abi::mman). PROT_* and MAP_SHARED/MAP_PRIVATE are
// the MIT mmap lab's values; MAP_FIXED and MAP_ANONYMOUS are faultline's
// and equal Linux's. kernel/fcntl.h and user/user.h include this file
// (the MIT lab's programs expect PROT_* from kernel/fcntl.h).

#ifndef KERNEL_MMAN_H
#define KERNEL_MMAN_H

#define PROT_NONE   0x0
#define PROT_READ   0x1
#define PROT_WRITE  0x2
#define PROT_EXEC   0x4

#define MAP_SHARED     0x01
#define MAP_PRIVATE    0x02
#define MAP_FIXED      0x10  // place the mapping exactly at addr
#define MAP_ANONYMOUS  0x20  // zero-filled memory; fd and off are ignored
#define MAP_ANON       MAP_ANONYMOUS

// what mmap returns on failure
#define MAP_FAILED ((void *)-1)

#endif // KERNEL_MMAN_H
