// Tests of the C runtime and the system calls it wraps. Each test runs in
// its own child process, so one that crashes is reported and the rest
// still run. Prints one line per test (PASS c/<name> or FAIL c/<name>:
// <reason>) and exits 0 iff all passed.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "user/user.h"

// Set by a failing check, reported by the child.
static const char *why;
static long whyval;

#define CHECK(cond, msg, val) do {                 \
    if(!(cond)) { why = (msg); whyval = (long)(val); return -1; } \
  } while(0)

// Fork, run fn in the child, return what the child's wait() status says.
// For tests that expect a child to be killed.
static int
status_of(void (*fn)(void *), void *arg)
{
  int pid, xstatus;

  pid = fork();
  if(pid < 0)
    return -1000;
  if(pid == 0){
    fn(arg);
    exit(0);
  }
  if(wait(&xstatus) != pid)
    return -1001;
  return xstatus;
}

// ---- printf ----

// Everything fprintf writes to a pipe comes back as one string.
static int
t_printf(void)
{
  int fds[2], n, got;
  char buf[300];
  const char *want =
    "d=-42 u=4294967295 x=DEADBEEF ld=-1234567890123 lu=18446744073709551615 "
    "lx=123456789ABCDEF p=0x0000000000001000 s=hi null=(null) c=Z %";

  CHECK(pipe(fds) == 0, "pipe failed", -1);
  fprintf(fds[1], "d=%d u=%u x=%x ld=%ld lu=%lu lx=%lx p=%p s=%s null=%s c=%c %%",
          -42, 4294967295u, 0xdeadbeef, -1234567890123L, 18446744073709551615UL,
          0x123456789abcdefL, (void*)0x1000, "hi", (char*)0, 'Z');
  close(fds[1]);
  got = 0;
  while((n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
    got += n;
  close(fds[0]);
  buf[got] = 0;
  CHECK(got == strlen(want), "wrong length", got);
  CHECK(strcmp(buf, want) == 0, "wrong text", got);
  return 0;
}

// One fprintf is one write(): a pipe sees the whole line in one read.
static int
t_printf_onewrite(void)
{
  int fds[2], n;
  char buf[200];
  const char *want = "one line, one write: 12345 done\n";

  CHECK(pipe(fds) == 0, "pipe failed", -1);
  fprintf(fds[1], "%s %d %s\n", "one line, one write:", 12345, "done");
  n = read(fds[0], buf, sizeof(buf));
  close(fds[0]);
  close(fds[1]);
  CHECK(n == strlen(want), "first read got", n);
  CHECK(memcmp(buf, want, n) == 0, "wrong text", n);
  return 0;
}

// ---- string library ----

static int
t_string(void)
{
  char a[32], b[32];

  CHECK(strlen("") == 0 && strlen("hello") == 5, "strlen", 0);
  CHECK(strcmp(strcpy(a, "faultline"), "faultline") == 0, "strcpy", 0);
  CHECK(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0, "strcmp order", 0);
  CHECK(strcmp("\xff", "a") > 0, "strcmp is unsigned", 0);
  CHECK(strchr(a, 'l') == a + 3 && strchr(a, 'z') == 0, "strchr", 0);
  CHECK(atoi("1234x") == 1234 && atoi("") == 0, "atoi", atoi("1234x"));
  memset(b, 'q', sizeof(b));
  CHECK(b[0] == 'q' && b[31] == 'q', "memset", b[31]);
  CHECK(memcmp("abc", "abd", 3) < 0 && memcmp("abc", "abc", 3) == 0, "memcmp", 0);
  strcpy(a, "0123456789");
  memmove(a + 2, a, 5);           // overlapping, forwards
  CHECK(memcmp(a, "0101234789", 10) == 0, "memmove up", 0);
  strcpy(a, "0123456789");
  memmove(a, a + 2, 5);           // overlapping, backwards
  CHECK(memcmp(a, "2345656789", 10) == 0, "memmove down", 0);
  memcpy(b, "xyz", 4);
  CHECK(strcmp(b, "xyz") == 0, "memcpy", 0);
  return 0;
}

// ---- malloc ----

#define NALLOC 200

static int
t_malloc(void)
{
  static char *p[NALLOC];
  int i, j, sz;

  for(i = 0; i < NALLOC; i++){
    sz = 1 + (i * 37) % 3000;
    p[i] = malloc(sz);
    CHECK(p[i] != 0, "malloc returned 0 for size", sz);
    CHECK(((uint64)p[i] & 7) == 0, "misaligned block", (uint64)p[i]);
    memset(p[i], i & 0xff, sz);
  }
  // free every other block, then allocate again into the holes
  for(i = 0; i < NALLOC; i += 2)
    free(p[i]);
  for(i = 0; i < NALLOC; i += 2){
    sz = 1 + (i * 37) % 3000;
    p[i] = malloc(sz);
    CHECK(p[i] != 0, "malloc after free returned 0 for size", sz);
    memset(p[i], i & 0xff, sz);
  }
  // no block overlaps another: each still holds its own byte
  for(i = 0; i < NALLOC; i++){
    sz = 1 + (i * 37) % 3000;
    for(j = 0; j < sz; j++)
      CHECK((uchar)p[i][j] == (i & 0xff), "block overwritten", i);
  }
  for(i = 0; i < NALLOC; i++)
    free(p[i]);

  // a big block, and freed memory is reused rather than leaked
  char *big = malloc(1024*1024);
  CHECK(big != 0, "1 MB malloc failed", 0);
  big[0] = 1;
  big[1024*1024 - 1] = 2;
  free(big);
  char *brk = sbrk(0);
  for(i = 0; i < 50; i++){
    big = malloc(1024*1024);
    CHECK(big != 0, "repeated 1 MB malloc failed at", i);
    free(big);
  }
  CHECK(sbrk(0) == brk, "free did not let malloc reuse memory", sbrk(0) - brk);

  // a size whose sbrk would overflow an int is refused, not misread
  CHECK(malloc(0xfffffff0u) == 0, "huge malloc did not fail", 0);
  return 0;
}

// ---- processes ----

static int
t_forkwait(void)
{
  int i, pid, xstatus, seen;
  int pids[5];

  for(i = 0; i < 5; i++){
    pid = fork();
    CHECK(pid >= 0, "fork failed", pid);
    if(pid == 0)
      exit(10 + i);
    pids[i] = pid;
  }
  seen = 0;
  for(i = 0; i < 5; i++){
    pid = wait(&xstatus);
    int k;
    for(k = 0; k < 5; k++)
      if(pids[k] == pid)
        break;
    CHECK(k < 5, "wait returned a stranger", pid);
    CHECK(xstatus == 10 + k, "wrong exit status", xstatus);
    seen |= 1 << k;
  }
  CHECK(seen == 0x1f, "children missing", seen);
  CHECK(wait(0) == -1, "wait with no children did not return -1", 0);

  // a negative status, and wait(0) ignores it
  pid = fork();
  if(pid == 0)
    exit(-1);
  CHECK(wait(&xstatus) == pid && xstatus == -1, "exit(-1) status", xstatus);
  pid = fork();
  if(pid == 0)
    exit(3);
  CHECK(wait(0) == pid, "wait(0)", 0);
  return 0;
}

// A child's writes do not show in the parent (copy-on-write or not).
static int
t_forkcopy(void)
{
  static int shared_global = 7;
  int local = 8, xstatus, pid;
  char *heap = malloc(64);

  heap[0] = 9;
  pid = fork();
  CHECK(pid >= 0, "fork failed", pid);
  if(pid == 0){
    int ok = shared_global == 7 && local == 8 && heap[0] == 9;
    shared_global = 70;
    local = 80;
    heap[0] = 90;
    exit(ok ? 0 : 1);
  }
  wait(&xstatus);
  CHECK(xstatus == 0, "child did not see parent's memory", xstatus);
  CHECK(shared_global == 7 && local == 8 && heap[0] == 9,
        "child's write showed in parent", shared_global);
  free(heap);
  return 0;
}

static int
t_getpid(void)
{
  int fds[2], pid, child, me;

  me = getpid();
  CHECK(me > 0, "getpid", me);
  CHECK(pipe(fds) == 0, "pipe failed", -1);
  pid = fork();
  if(pid == 0){
    child = getpid();
    write(fds[1], &child, sizeof(child));
    exit(0);
  }
  CHECK(read(fds[0], &child, sizeof(child)) == sizeof(child), "read", 0);
  wait(0);
  close(fds[0]);
  close(fds[1]);
  CHECK(child == pid && child != me, "child's getpid is not fork's value", child);
  return 0;
}

// ---- files ----

static int
t_file(void)
{
  static char buf[3000], back[3000];
  struct stat st;
  int fd, i, n;
  const char *name = "ctest.tmp";

  for(i = 0; i < sizeof(buf); i++)
    buf[i] = 'a' + i % 23;
  fd = open(name, O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create failed", fd);
  n = write(fd, buf, sizeof(buf));
  CHECK(n == sizeof(buf), "write", n);
  CHECK(fstat(fd, &st) == 0, "fstat failed", -1);
  CHECK(st.type == T_FILE, "fstat type", st.type);
  CHECK(st.size == sizeof(buf), "fstat size", st.size);
  CHECK(st.nlink == 1, "fstat nlink", st.nlink);
  close(fd);

  fd = open(name, O_RDONLY);
  CHECK(fd >= 0, "reopen failed", fd);
  n = read(fd, back, sizeof(back));
  CHECK(n == sizeof(back), "read", n);
  CHECK(memcmp(buf, back, sizeof(buf)) == 0, "read back different bytes", 0);
  CHECK(read(fd, back, 1) == 0, "no end of file", 0);
  CHECK(write(fd, buf, 1) == -1, "write to O_RDONLY fd worked", 0);
  close(fd);

  CHECK(stat(name, &st) == 0 && st.size == sizeof(buf), "stat", st.size);
  fd = open(name, O_WRONLY | O_TRUNC);
  CHECK(fd >= 0, "open O_TRUNC failed", fd);
  CHECK(fstat(fd, &st) == 0 && st.size == 0, "O_TRUNC size", st.size);
  close(fd);

  CHECK(unlink(name) == 0, "unlink failed", -1);
  CHECK(open(name, O_RDONLY) == -1, "file still there after unlink", 0);
  CHECK(stat(name, &st) == -1, "stat of removed file worked", 0);
  return 0;
}

static int
t_dirs(void)
{
  struct stat st;
  int fd;

  CHECK(mkdir("ctestdir") == 0, "mkdir", -1);
  CHECK(stat("ctestdir", &st) == 0 && st.type == T_DIR, "stat dir", st.type);
  fd = open("ctestdir/f", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create in dir", fd);
  close(fd);
  CHECK(link("ctestdir/f", "ctestdir/g") == 0, "link", -1);
  CHECK(stat("ctestdir/g", &st) == 0 && st.nlink == 2, "nlink after link", st.nlink);
  CHECK(chdir("ctestdir") == 0, "chdir", -1);
  CHECK(unlink("f") == 0 && unlink("g") == 0, "unlink relative", -1);
  CHECK(chdir("..") == 0, "chdir ..", -1);
  CHECK(unlink("ctestdir") == 0, "unlink empty dir", -1);
  CHECK(open("nonexistent/x", O_RDONLY) == -1, "open in missing dir", 0);
  return 0;
}

static int
t_dup(void)
{
  int fds[2], d, n;
  char c;

  CHECK(pipe(fds) == 0, "pipe failed", -1);
  d = dup(fds[1]);
  CHECK(d >= 0 && d != fds[0] && d != fds[1], "dup", d);
  CHECK(write(d, "x", 1) == 1, "write to dup", 0);
  close(d);
  close(fds[1]);
  CHECK(read(fds[0], &c, 1) == 1 && c == 'x', "read through dup", c);
  n = read(fds[0], &c, 1);
  CHECK(n == 0, "pipe not at end after both write ends closed", n);
  close(fds[0]);
  CHECK(close(fds[0]) == -1, "double close worked", 0);
  CHECK(write(100, "x", 1) == -1, "write to bad fd worked", 0);
  return 0;
}

// ---- memory ----

static int
t_sbrk(void)
{
  char *old, *p;
  int i;

  old = sbrk(0);
  p = sbrk(8192);
  CHECK(p == old, "sbrk returned", p);
  CHECK(sbrk(0) == old + 8192, "break did not move", sbrk(0) - old);
  for(i = 0; i < 8192; i++)
    CHECK(p[i] == 0, "new memory not zero", i);
  for(i = 0; i < 8192; i++)
    p[i] = i;
  for(i = 0; i < 8192; i++)
    CHECK(p[i] == (char)i, "memory did not keep data", i);
  CHECK(sbrk(-8192) == old + 8192, "shrink returned", 0);
  CHECK(sbrk(0) == old, "shrink did not move the break", sbrk(0) - old);
  return 0;
}

// Lazily grown memory reads as zero and holds data once touched.
static int
t_sbrklazy(void)
{
  const int size = 64*1024*1024;
  char *old, *p;
  int off;

  old = sbrk(0);
  p = sbrklazy(size);
  CHECK(p != SBRK_ERROR, "sbrklazy failed", -1);
  CHECK(p == old, "sbrklazy returned", p);
  CHECK(sbrk(0) == old + size, "break did not move", sbrk(0) - old);
  for(off = 0; off < size; off += 4*1024*1024 + 12345){
    CHECK(p[off] == 0, "lazy page not zero at", off);
    p[off] = 'L';
  }
  p[size - 1] = 'E';
  for(off = 0; off < size; off += 4*1024*1024 + 12345)
    CHECK(p[off] == 'L', "lazy page lost data at", off);
  CHECK(p[size - 1] == 'E', "last byte", p[size - 1]);
  CHECK(sbrk(-size) != SBRK_ERROR, "shrink failed", -1);
  CHECK(sbrk(0) == old, "shrink did not move the break", sbrk(0) - old);
  return 0;
}

static void
touch(void *arg)
{
  *(volatile char *)arg = 1;
}

static int
t_mmap(void)
{
  char *p;
  int i, xstatus;

  p = mmap(0, 3*PGSIZE, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  CHECK(p != MAP_FAILED, "mmap failed", -1);
  CHECK(((uint64)p % PGSIZE) == 0, "mapping not page aligned", (uint64)p);
  for(i = 0; i < 3*PGSIZE; i++)
    CHECK(p[i] == 0, "anonymous memory not zero at", i);
  for(i = 0; i < 3*PGSIZE; i++)
    p[i] = i * 7;
  for(i = 0; i < 3*PGSIZE; i++)
    CHECK(p[i] == (char)(i * 7), "mapping lost data at", i);
  CHECK(munmap(p, 3*PGSIZE) == 0, "munmap failed", -1);
  xstatus = status_of(touch, p + PGSIZE);
  CHECK(xstatus == -1, "touching unmapped memory: child status", xstatus);
  CHECK(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED,
        "mmap of a bad fd worked", 0);
  return 0;
}

static int
t_mprotect(void)
{
  char *p;
  int xstatus;

  p = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  CHECK(p != MAP_FAILED, "mmap failed", -1);
  p[0] = 5;
  CHECK(mprotect(p, PGSIZE, PROT_READ) == 0, "mprotect failed", -1);
  CHECK(p[0] == 5, "read after mprotect", p[0]);
  xstatus = status_of(touch, p);
  CHECK(xstatus == -1, "write to read-only page: child status", xstatus);
  CHECK(munmap(p, PGSIZE) == 0, "munmap failed", -1);
  return 0;
}

// The program's text is read-only (user.ld puts it in an R+X segment).
static int
t_textwrite(void)
{
  int xstatus = status_of(touch, (void *)t_textwrite);
  CHECK(xstatus == -1, "write to text: child status", xstatus);
  return 0;
}

// Pointers into the kernel make system calls fail rather than crash.
static int
t_badptr(void)
{
  int fds[2];

  CHECK(write(1, (char *)0x80000000L, 10) == -1, "write from kernel memory", 0);
  CHECK(pipe(fds) == 0, "pipe failed", -1);
  CHECK(write(fds[1], "abc", 3) == 3, "write", 0);
  CHECK(read(fds[0], (char *)(MAXVA - PGSIZE), 3) == -1, "read into trampoline", 0);
  close(fds[0]);
  close(fds[1]);
  CHECK(open((char *)0x3fffffffff0L, O_RDONLY) == -1, "open of a bad path pointer", 0);
  return 0;
}

static int
t_vmstat(void)
{
  struct vmstat vs;

  memset(&vs, 0xff, sizeof(vs));
  CHECK(vmstat(&vs) == 0, "vmstat failed", -1);
  CHECK(vs.total_frames > 0 && vs.total_frames != ~0UL, "total_frames", vs.total_frames);
  CHECK(vs.free_frames <= vs.total_frames, "free_frames", vs.free_frames);
  CHECK(vs.cow_enabled <= 1, "cow_enabled", vs.cow_enabled);
  CHECK(vmstat((struct vmstat *)0x80000000L) == -1, "vmstat into kernel memory", 0);
  return 0;
}

struct test {
  const char *name;
  int (*fn)(void);
};

static struct test tests[] = {
  { "printf", t_printf },
  { "printf-onewrite", t_printf_onewrite },
  { "string", t_string },
  { "malloc", t_malloc },
  { "forkwait", t_forkwait },
  { "forkcopy", t_forkcopy },
  { "getpid", t_getpid },
  { "file", t_file },
  { "dirs", t_dirs },
  { "dup", t_dup },
  { "sbrk", t_sbrk },
  { "sbrklazy", t_sbrklazy },
  { "mmap", t_mmap },
  { "mprotect", t_mprotect },
  { "textwrite", t_textwrite },
  { "badptr", t_badptr },
  { "vmstat", t_vmstat },
};

int
main(int argc, char *argv[])
{
  int i, pid, xstatus, failed;

  failed = 0;
  if(argc < 1 || argv[argc] != 0){
    printf("FAIL c/argv: argc %d, argv not NULL-terminated\n", argc);
    failed++;
  } else {
    printf("PASS c/argv\n");
  }

  for(i = 0; i < sizeof(tests)/sizeof(tests[0]); i++){
    pid = fork();
    if(pid < 0){
      printf("FAIL c/%s: fork failed\n", tests[i].name);
      failed++;
      continue;
    }
    if(pid == 0){
      if(tests[i].fn() == 0)
        exit(0);
      printf("FAIL c/%s: %s (%ld)\n", tests[i].name, why, whyval);
      exit(1);
    }
    if(wait(&xstatus) != pid){
      printf("FAIL c/%s: wait did not return the child\n", tests[i].name);
      failed++;
    } else if(xstatus == 0){
      printf("PASS c/%s\n", tests[i].name);
    } else {
      if(xstatus != 1)   // the child did not get to report
        printf("FAIL c/%s: test process died with status %d\n", tests[i].name, xstatus);
      failed++;
    }
  }
  exit(failed ? 1 : 0);
}
