// Prints its arguments, like echo; "hello, world" with none.
// A minimal C program for faultline.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  int i;

  if(argc < 2){
    printf("hello, world\n");
    return 0;
  }
  for(i = 1; i < argc; i++)
    printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
  return 0;
}
