// printf and fprintf, as in xv6's user/printf.c: %d %u %x with the l and
// ll size prefixes, %p %c %s %%. Hex digits are upper case, like xv6's.
//
// Unlike xv6, which writes one character at a time, output is collected
// in a buffer and written once per call (or once per full buffer), so a
// line printed with one printf() reaches a pipe or the console in one
// write() and is not interleaved with other processes' output.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

#include <stdarg.h>

static char digits[] = "0123456789ABCDEF";

struct out {
  int fd;
  int n;           // bytes in buf
  char buf[256];
};

static void
flush(struct out *o)
{
  if(o->n > 0)
    write(o->fd, o->buf, o->n);
  o->n = 0;
}

static void
putc(struct out *o, char c)
{
  if(o->n == sizeof(o->buf))
    flush(o);
  o->buf[o->n++] = c;
}

static void
printint(struct out *o, long long xx, int base, int sgn)
{
  char buf[20];
  int i, neg;
  unsigned long long x;

  neg = 0;
  if(sgn && xx < 0){
    neg = 1;
    x = -xx;
  } else {
    x = xx;
  }

  i = 0;
  do{
    buf[i++] = digits[x % base];
  }while((x /= base) != 0);
  if(neg)
    buf[i++] = '-';

  while(--i >= 0)
    putc(o, buf[i]);
}

static void
printptr(struct out *o, uint64 x)
{
  int i;
  putc(o, '0');
  putc(o, 'x');
  for (i = 0; i < (sizeof(uint64) * 2); i++, x <<= 4)
    putc(o, digits[x >> (sizeof(uint64) * 8 - 4)]);
}

// Print to the given fd.
void
vprintf(int fd, const char *fmt, va_list ap)
{
  struct out o;
  char *s;
  int c0, c1, c2, i, state;

  o.fd = fd;
  o.n = 0;
  state = 0;
  for(i = 0; fmt[i]; i++){
    c0 = fmt[i] & 0xff;
    if(state == 0){
      if(c0 == '%'){
        state = '%';
      } else {
        putc(&o, c0);
      }
    } else if(state == '%'){
      c1 = c2 = 0;
      if(c0) c1 = fmt[i+1] & 0xff;
      if(c1) c2 = fmt[i+2] & 0xff;
      if(c0 == 'd'){
        printint(&o, va_arg(ap, int), 10, 1);
      } else if(c0 == 'l' && c1 == 'd'){
        printint(&o, va_arg(ap, uint64), 10, 1);
        i += 1;
      } else if(c0 == 'l' && c1 == 'l' && c2 == 'd'){
        printint(&o, va_arg(ap, uint64), 10, 1);
        i += 2;
      } else if(c0 == 'u'){
        printint(&o, va_arg(ap, uint32), 10, 0);
      } else if(c0 == 'l' && c1 == 'u'){
        printint(&o, va_arg(ap, uint64), 10, 0);
        i += 1;
      } else if(c0 == 'l' && c1 == 'l' && c2 == 'u'){
        printint(&o, va_arg(ap, uint64), 10, 0);
        i += 2;
      } else if(c0 == 'x'){
        printint(&o, va_arg(ap, uint32), 16, 0);
      } else if(c0 == 'l' && c1 == 'x'){
        printint(&o, va_arg(ap, uint64), 16, 0);
        i += 1;
      } else if(c0 == 'l' && c1 == 'l' && c2 == 'x'){
        printint(&o, va_arg(ap, uint64), 16, 0);
        i += 2;
      } else if(c0 == 'p'){
        printptr(&o, va_arg(ap, uint64));
      } else if(c0 == 'c'){
        putc(&o, va_arg(ap, uint32));
      } else if(c0 == 's'){
        if((s = va_arg(ap, char*)) == 0)
          s = "(null)";
        for(; *s; s++)
          putc(&o, *s);
      } else if(c0 == '%'){
        putc(&o, '%');
      } else {
        // Unknown % sequence.  Print it to draw attention.
        putc(&o, '%');
        putc(&o, c0);
      }
      state = 0;
    }
  }
  flush(&o);
}

void
fprintf(int fd, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vprintf(fd, fmt, ap);
  va_end(ap);
}

void
printf(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vprintf(1, fmt, ap);
  va_end(ap);
}
