//! The console: kernel printing, and the console device that user programs
//! read and write, with xv6's line editing: backspace erases, ^U kills the
//! line, ^D ends input, ^P lists processes.
use super::uart;
use crate::fs::{IoDst, IoSrc};
use crate::proc;
use crate::sync::{SleepLock, SpinLock};
use core::fmt::{self, Write};

const INPUT_BUF: usize = 128;

struct Input {
    buf: [u8; INPUT_BUF],
    /// Read index.
    r: usize,
    /// Write index: end of the lines ready to read.
    w: usize,
    /// Edit index: end of the line being typed.
    e: usize,
}

static INPUT: SpinLock<Input> = SpinLock::new(
    "cons",
    Input {
        buf: [0; INPUT_BUF],
        r: 0,
        w: 0,
        e: 0,
    },
);
/// Serialises user writes to the console, so one call's bytes come out
/// together even when the transmit ring fills and the writer sleeps.
static WRITER: SleepLock<()> = SleepLock::new("console write", ());

const fn ctrl(c: u8) -> u8 {
    c - b'@'
}
const BACKSPACE: u8 = 0x08;
const DEL: u8 = 0x7f;

/// Synchronous output of one byte; callers hold `uart::sync_output()`.
fn putc(c: u8) {
    if c == b'\n' {
        uart::putc_sync(b'\r');
    }
    uart::putc_sync(c);
}

/// Echo a typed byte.
fn echo(c: u8) {
    let _g = uart::sync_output();
    putc(c);
}

/// Echo an erase: back up, blank, back up.
fn erase() {
    let _g = uart::sync_output();
    uart::putc_sync(BACKSPACE);
    uart::putc_sync(b' ');
    uart::putc_sync(BACKSPACE);
}

struct Out;
impl Write for Out {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes().for_each(putc);
        Ok(())
    }
}

/// Kernel printing, synchronous; one call's output is never interleaved
/// with another's, and comes after the user output already queued.
pub fn print(args: fmt::Arguments) {
    let _g = uart::sync_output();
    let _ = Out.write_fmt(args);
}

/// Print without taking the lock: for panics, which may hold it.
pub fn print_unlocked(args: fmt::Arguments) {
    let _ = Out.write_fmt(args);
}

/// Read up to `n` bytes of typed input, at most one line.
pub fn read(mut dst: IoDst<'_>, n: usize) -> isize {
    let mut line = [0u8; INPUT_BUF];
    let mut got = 0;
    {
        let mut inp = INPUT.lock();
        while got < n.min(INPUT_BUF) {
            while inp.r == inp.w {
                if proc::killed() {
                    return -1;
                }
                inp = proc::sleep(&INPUT as *const _ as usize, inp);
            }
            let c = inp.buf[inp.r % INPUT_BUF];
            inp.r += 1;
            if c == ctrl(b'D') {
                // End of file. Keep the ^D for next time if we have data,
                // so the caller gets 0 then.
                if got > 0 {
                    inp.r -= 1;
                }
                break;
            }
            line[got] = c;
            got += 1;
            if c == b'\n' {
                break;
            }
        }
    }
    // Copy outside the lock: the copy may fault a page in and sleep.
    if dst.copy_to(0, &line[..got]).is_err() {
        return -1;
    }
    got as isize
}

/// Write `n` bytes to the console through the transmit ring; each call's
/// bytes come out together. Returns the bytes written, or -1 if none.
pub fn write(src: IoSrc<'_>, n: usize) -> isize {
    let _w = WRITER.lock();
    let mut chunk = [0u8; 256];
    // Room for a '\r' before every '\n'.
    let mut out = [0u8; 512];
    let mut done = 0;
    while done < n {
        let k = (n - done).min(chunk.len());
        if src.copy_from(done, &mut chunk[..k]).is_err() {
            break;
        }
        let mut m = 0;
        for &c in &chunk[..k] {
            if c == b'\n' {
                out[m] = b'\r';
                m += 1;
            }
            out[m] = c;
            m += 1;
        }
        if uart::write_buffered(&out[..m]).is_err() {
            break;
        }
        done += k;
    }
    if done == 0 && n > 0 {
        -1
    } else {
        done as isize
    }
}

/// A byte typed on the keyboard (from the UART interrupt). The echo is
/// synchronous, after the output queued before it.
pub fn intr(c: u8) {
    let mut inp = INPUT.lock();
    match c {
        c if c == ctrl(b'P') => {
            drop(inp);
            proc::procdump();
        }
        c if c == ctrl(b'U') => {
            while inp.e != inp.w && inp.buf[(inp.e - 1) % INPUT_BUF] != b'\n' {
                inp.e -= 1;
                erase();
            }
        }
        BACKSPACE | DEL => {
            if inp.e != inp.w {
                inp.e -= 1;
                erase();
            }
        }
        0 => {}
        c => {
            if inp.e - inp.r < INPUT_BUF {
                let c = if c == b'\r' { b'\n' } else { c };
                if c != ctrl(b'D') {
                    echo(c);
                }
                let e = inp.e;
                inp.buf[e % INPUT_BUF] = c;
                inp.e += 1;
                if c == b'\n' || c == ctrl(b'D') || inp.e - inp.r == INPUT_BUF {
                    inp.w = inp.e;
                    proc::wakeup(&INPUT as *const _ as usize);
                }
            }
        }
    }
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::drivers::console::print(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::drivers::console::print(format_args!("{}\n", format_args!($($arg)*))) };
}
