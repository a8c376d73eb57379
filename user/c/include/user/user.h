// The user library's interface: xv6's user/user.h (2025 edition), plus
// mmap/munmap and faultline's own calls. Include kernel/types.h first.

#include "kernel/mman.h"

#define SBRK_ERROR ((char *)-1)

struct stat;

// system calls
int fork(void);
int exit(int) __attribute__((noreturn));
int wait(int*);
int pipe(int*);
int write(int, const void*, int);
int read(int, void*, int);
int close(int);
int kill(int);
int exec(const char*, char**);
int open(const char*, int);
int mknod(const char*, short, short);
int unlink(const char*);
int fstat(int fd, struct stat*);
int link(const char*, const char*);
int mkdir(const char*);
int chdir(const char*);
int dup(int);
int getpid(void);
char* sys_sbrk(int,int);
int pause(int);
int uptime(void);

// ulib.c
int stat(const char*, struct stat*);
char* strcpy(char*, const char*);
void *memmove(void*, const void*, int);
char* strchr(const char*, char c);
int strcmp(const char*, const char*);
char* gets(char*, int max);
uint strlen(const char*);
void* memset(void*, int, uint);
int atoi(const char*);
int memcmp(const void *, const void *, uint);
void *memcpy(void *, const void *, uint);
char* sbrk(int);
char* sbrklazy(int);

// printf.c
void fprintf(int, const char*, ...) __attribute__ ((format (printf, 2, 3)));
void printf(const char*, ...) __attribute__ ((format (printf, 1, 2)));

// umalloc.c
void* malloc(uint);
void free(void*);

// memory mappings (MIT mmap lab numbering); flags in kernel/mman.h.
// mmap returns MAP_FAILED ((void*)-1) on failure.
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);

// faultline's own calls; structs in kernel/vmstat.h and kernel/procinfo.h.
struct vmstat;
struct ptentry;
struct procinfo;
int mprotect(void *addr, size_t len, int prot);
int vmstat(struct vmstat*);
int ptdump(int pid, struct ptentry*, int max);  // pid 0 = self; returns total
int poweroff(int status) __attribute__((noreturn));
int procs(struct procinfo*, int max);
int vmctl(int op, long arg);
