// sys_sbrk()'s second argument (xv6 2025): grow memory now, or only
// reserve the range and let page faults fill it in.

#define SBRK_EAGER 1
#define SBRK_LAZY  2
