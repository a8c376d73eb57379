// execldn: a program linked as xv6 links forktest (`ld -N -Ttext 0`): text
// and data share one segment whose bytes start at file offset 0xb0 while
// its address is 0. exec must load it (xv6 only asks that a segment's
// address be page aligned). The program checks that its code, initialized
// data and bss arrived intact, also in a forked child, and exits 0.

#include "kernel/types.h"
#include "user/user.h"

// Initialized data spanning more than a page, so that pages after the
// first also come from the right file offset.
static int table[2000] = {
  [0] = 11, [1] = 22, [999] = 33, [1000] = 44, [1999] = 55,
};
static char bss[3 * 4096];
static const char message[] = "execldn: code, data and bss intact\n";

static int
check(void)
{
  if(table[0] != 11 || table[1] != 22 || table[999] != 33 ||
     table[1000] != 44 || table[1999] != 55 || table[500] != 0)
    return 1;
  for(int i = 0; i < sizeof(bss); i++)
    if(bss[i] != 0)
      return 2;
  return 0;
}

int
main(int argc, char *argv[])
{
  // "quiet": report by exit status only (a test runs it short of memory).
  int quiet = argc > 1 && strcmp(argv[1], "quiet") == 0;
  int r = check();
  if(r != 0){
    if(!quiet)
      printf("execldn: bad image (%d)\n", r);
    exit(r);
  }
  table[1] = 77;
  bss[5000] = 1;
  int pid = fork();
  if(pid == 0)
    exit(table[1] == 77 && bss[5000] == 1 ? 0 : 3);
  int status = -1;
  if(pid < 0 || wait(&status) != pid || status != 0){
    if(!quiet)
      printf("execldn: child saw %d\n", status);
    exit(4);
  }
  if(quiet)
    exit(0);
  write(1, message, sizeof(message) - 1);
  exit(0);
}
