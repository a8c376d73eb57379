//! Errors as values. xv6 system calls report failure as -1 with no reason,
//! so an error names the call that failed; the rest are argument problems
//! the library catches before asking the kernel.

use alloc::string::String;
use core::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The kernel returned -1 from the named system call.
    Sys(&'static str),
    /// A path of `abi::limits::MAXPATH` bytes or more (the kernel's limit).
    PathTooLong,
    /// A string argument contains a NUL byte.
    Nul,
    /// More than `abi::limits::MAXARG` arguments for exec.
    TooManyArgs,
    /// The heap could not supply a buffer.
    NoMemory,
    /// A read ended before the expected number of bytes.
    ShortRead,
    /// A write stored fewer bytes than asked.
    ShortWrite,
}

/// `Result<T>` is `Result<T, Error>`; `Result<T, E>` still works, so the
/// prelude can export it without hiding core's.
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Sys(call) => write!(f, "{} failed", call),
            Error::PathTooLong => f.write_str("path too long"),
            Error::Nul => f.write_str("string contains NUL"),
            Error::TooManyArgs => f.write_str("too many arguments"),
            Error::NoMemory => f.write_str("out of memory"),
            Error::ShortRead => f.write_str("short read"),
            Error::ShortWrite => f.write_str("short write"),
        }
    }
}

/// Lets test functions (which return `Result<(), String>`) use `?`.
impl From<Error> for String {
    fn from(e: Error) -> String {
        alloc::format!("{}", e)
    }
}

/// Turns a raw return value into a `Result`: negative means `call` failed.
pub(crate) fn check(call: &'static str, ret: isize) -> Result<usize> {
    if ret < 0 {
        Err(Error::Sys(call))
    } else {
        Ok(ret as usize)
    }
}
