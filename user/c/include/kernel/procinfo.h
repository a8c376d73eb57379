// procs(): one row per process (abi::ProcInfo).

#define PROC_UNUSED   0
#define PROC_USED     1
#define PROC_SLEEPING 2
#define PROC_RUNNABLE 3
#define PROC_RUNNING  4
#define PROC_ZOMBIE   5

struct procinfo {
  int pid;
  int ppid;
  int state;        // PROC_*
  int _pad;
  uint64 size;      // bytes of user address space below the break
  uint64 resident;  // frames this process maps that are resident
  char name[16];
};
