// countfree: free memory counted xv6's way is the same number each time
// (issue 7 item 11). xv6's usertests count free memory with countfree()
// (sbrk a page at a time until it fails, then give it all back) before
// and after their tests and require no fewer pages after. On faultline a
// program's own code and read-only data come in page by page as it runs,
// so between two counts it holds more clean file pages; an eager sbrk
// near the end of memory must first drop those (mm/eager.rs), or the
// second count comes out short although nothing leaked.
//
// Prints PASS c/<name> or FAIL c/<name>: <reason> per test; exits 0 iff
// all passed. Suites countfree, countfree-noswap, countfree-1hart and
// countfree-1hart-noswap (xtask/src/suites.rs).

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "user/user.h"

// xv6-riscv's usertests.c (2025), unchanged.
int
countfree()
{
  int n = 0;
  uint64 sz0 = (uint64)sbrk(0);
  while(1){
    char *a = sbrk(PGSIZE);
    if(a == SBRK_ERROR){
      break;
    }
    n += 1;
  }
  sbrk(-((uint64)sbrk(0) - sz0));
  return n;
}

// Code and read-only data on pages of their own that nothing has touched
// before the second count: each call or read faults in one clean page of
// the executable.
#define COLD 6
#define COLDFN(k) \
  __attribute__((noinline, aligned(4096))) int cold##k(int x) { return x * (k + 3) + k; }
COLDFN(0) COLDFN(1) COLDFN(2) COLDFN(3) COLDFN(4) COLDFN(5)
static int (*const coldfns[COLD])(int) = { cold0, cold1, cold2, cold3, cold4, cold5 };

__attribute__((aligned(4096)))
static const char coldtab[COLD][4096] = { {1}, {2}, {3}, {4}, {5}, {6} };

static int failed;

static void
report(const char *name, int ok, const char *why, long got, long want)
{
  if(ok)
    printf("PASS c/%s\n", name);
  else {
    printf("FAIL c/%s: %s: got %ld, want %ld\n", name, why, got, want);
    failed = 1;
  }
}

static uint64
file_reads(void)
{
  struct vmstat v;
  if(vmstat(&v) < 0)
    return 0;
  return v.faults[VMF_FILE_READ];
}

int
main(int argc, char *argv[])
{
  int c0, c1, c2, c3, i, pid, xst;
  uint64 r0, r1;
  volatile int sum = 0;

  // The first count leaves the heap's page tables behind (as on xv6:
  // shrinking frees pages, not tables), so compare the later ones.
  c0 = countfree();
  c1 = countfree();
  report("countfree-repeat", c1 == c0, "second count vs first", c1, c0);

  // New code and data: clean pages of our own executable.
  r0 = file_reads();
  for(i = 0; i < COLD; i++)
    sum += coldfns[i](i) + coldtab[i][0] + coldtab[i][4095];
  r1 = file_reads();
  report("cold-pages-came-in", r1 - r0 >= 2 * COLD,
         "pages read from the executable by the calls", r1 - r0, 2 * COLD);
  c2 = countfree();
  report("countfree-after-new-code", c2 == c1,
         "count after touching new code and data vs before", c2, c1);

  // Nothing leaks: a child that grows and exits gives everything back.
  pid = fork();
  if(pid == 0){
    char *p = sbrk(64 * PGSIZE);
    if(p == SBRK_ERROR)
      exit(1);
    for(i = 0; i < 64; i++)
      p[i * PGSIZE] = i;
    exit(0);
  }
  if(pid < 0 || wait(&xst) != pid || xst != 0)
    report("countfree-after-child", 0, "child", xst, 0);
  else {
    c3 = countfree();
    report("countfree-after-child", c3 == c1, "count after a child came and went vs before",
           c3, c1);
  }
  printf("countfree: %d %d %d pages (%d)\n", c0, c1, c2, sum);
  exit(failed);
}
