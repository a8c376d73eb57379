// xv6's forktest in PASS/FAIL form: fork until the process table is
// full, then wait for every child. Fork must fail before NPROC children
// (init and this program hold two slots), every child must be reaped
// with its exit status, and then wait must return -1.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/param.h"
#include "user/user.h"

int
main(void)
{
  int n, pid, xstatus, failed;

  failed = 0;
  for(n = 0; n < NPROC; n++){
    pid = fork();
    if(pid < 0)
      break;
    if(pid == 0)
      exit(n % 100);
  }

  if(n == NPROC){
    printf("FAIL c/forktest-limit: fork claimed to work %d times\n", n);
    failed++;
  } else if(n == 0){
    printf("FAIL c/forktest-limit: the first fork failed\n");
    failed++;
  } else {
    printf("PASS c/forktest-limit\n");
  }

  // Each child exited with its index; the statuses must add up.
  int sum = 0, want = 0, k;
  for(k = 0; k < n; k++)
    want += k % 100;
  for(k = n; k > 0; k--){
    if(wait(&xstatus) < 0)
      break;
    sum += xstatus;
  }
  if(k > 0){
    printf("FAIL c/forktest-wait: wait stopped early, %d children left\n", k);
    failed++;
  } else if(sum != want){
    printf("FAIL c/forktest-wait: exit statuses add up to %d, not %d\n", sum, want);
    failed++;
  } else {
    printf("PASS c/forktest-wait\n");
  }

  if(wait(0) != -1){
    printf("FAIL c/forktest-nomore: wait got too many\n");
    failed++;
  } else {
    printf("PASS c/forktest-nomore\n");
  }

  // The table has room again.
  pid = fork();
  if(pid == 0)
    exit(0);
  if(pid < 0 || wait(0) != pid){
    printf("FAIL c/forktest-again: fork after reaping failed\n");
    failed++;
  } else {
    printf("PASS c/forktest-again\n");
  }

  exit(failed ? 1 : 0);
}
