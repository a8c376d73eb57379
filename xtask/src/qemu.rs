//! The QEMU command line, and running a child process with a wall-clock
//! limit while echoing its output and keeping a copy to parse.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub const QEMU: &str = "qemu-system-riscv64";
pub const DEFAULT_SMP: u32 = 3;
pub const MAX_SMP: u32 = 8;
pub const DEFAULT_MEM: &str = "128M";

/// One QEMU boot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
    pub kernel: PathBuf,
    pub disk: PathBuf,
    pub smp: u32,
    pub mem: String,
    /// `-icount shift=0`: counters become deterministic instruction counts
    /// (only works with one hart).
    pub icount: bool,
    pub bootargs: String,
    /// The swap disk image, attached as the second virtio disk (bus.1).
    pub swap: Option<PathBuf>,
    /// `-S -gdb tcp:127.0.0.1:PORT`: the harts wait, stopped before the
    /// first instruction, for a debugger on PORT (`run --gdb`).
    pub gdb_port: Option<u16>,
}

impl Machine {
    pub fn new(kernel: PathBuf, disk: PathBuf) -> Machine {
        Machine {
            kernel,
            disk,
            smp: DEFAULT_SMP,
            mem: DEFAULT_MEM.to_string(),
            icount: false,
            bootargs: String::new(),
            swap: None,
            gdb_port: None,
        }
    }

    /// Arguments after `qemu-system-riscv64`.
    pub fn args(&self) -> Vec<String> {
        let mut a: Vec<String> = [
            "-machine",
            "virt",
            "-bios",
            "default",
            "-kernel",
            &self.kernel.display().to_string(),
            "-m",
            &self.mem,
            "-smp",
            &self.smp.to_string(),
            "-nographic",
            "-global",
            "virtio-mmio.force-legacy=false",
            "-drive",
            &format!("file={},if=none,format=raw,id=x0", self.disk.display()),
            "-device",
            "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(swap) = &self.swap {
            a.push("-drive".into());
            a.push(format!("file={},if=none,format=raw,id=x1", swap.display()));
            a.push("-device".into());
            a.push("virtio-blk-device,drive=x1,bus=virtio-mmio-bus.1".into());
        }
        if self.icount {
            a.push("-icount".into());
            a.push("shift=0".into());
        }
        if let Some(port) = self.gdb_port {
            // Only this machine can attach: the stub listens on loopback.
            a.push("-S".into());
            a.push("-gdb".into());
            a.push(format!("tcp:127.0.0.1:{port}"));
        }
        // Always pass -append (possibly empty) so the kernel sees a
        // /chosen/bootargs property either way.
        a.push("-append".into());
        a.push(self.bootargs.clone());
        a
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(QEMU);
        c.args(self.args());
        c
    }

    /// The command as a shell-pastable line, for logs.
    pub fn display(&self) -> String {
        let mut s = QEMU.to_string();
        for a in self.args() {
            s.push(' ');
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '"') {
                s.push_str(&format!("'{a}'"));
            } else {
                s.push_str(&a);
            }
        }
        s
    }
}

/// Bytes in a size like `128M`, `1G`, `4096` or `0` (as `--mem` takes).
pub fn size_bytes(s: &str) -> Result<u64, String> {
    let bad = || format!("{s}: want a size like 256M, 1G or 0");
    let (digits, mult) = match s.as_bytes().last() {
        Some(b'K' | b'k') => (&s[..s.len() - 1], 1u64 << 10),
        Some(b'M' | b'm') => (&s[..s.len() - 1], 1 << 20),
        Some(b'G' | b'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(bad)
}

/// The swap size for `--swap` (None: the default, twice the RAM).
pub fn swap_bytes(swap: Option<&str>, mem: &str) -> Result<u64, String> {
    match swap {
        Some(s) => size_bytes(s).map_err(|e| format!("--swap {e}")),
        None => Ok(2 * size_bytes(mem).map_err(|e| format!("--mem {e}"))?),
    }
}

/// Make `path` a sparse, all-zero swap image of `bytes` (rounded down to
/// 4 KiB slots); None when `bytes` is 0 (no swap disk).
pub fn make_swap(path: &std::path::Path, bytes: u64) -> Result<Option<PathBuf>, String> {
    let bytes = bytes & !4095;
    if bytes == 0 {
        return Ok(None);
    }
    let f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // set_len on an empty file leaves a hole: nothing is written.
    f.set_len(bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(path.to_path_buf()))
}

/// Checks an SMP count given on the command line.
pub fn parse_smp(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if (1..=MAX_SMP).contains(&n) => Ok(n),
        _ => Err(format!(
            "--smp {s}: want a number of harts from 1 to {MAX_SMP}"
        )),
    }
}

/// Checks a memory size for `-m`: digits with an optional K/M/G suffix.
pub fn parse_mem(s: &str) -> Result<String, String> {
    let digits = s.trim_end_matches(['K', 'M', 'G', 'k', 'm', 'g']);
    let suffix_ok = s.len() - digits.len() <= 1;
    if !digits.is_empty() && suffix_ok && digits.bytes().all(|c| c.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err(format!("--mem {s}: want a size like 128M or 1G"))
    }
}

/// Formats the kernel boot arguments: `[key=value ...] [-- prog arg...]`.
/// The kernel splits on whitespace and has no quoting, so words holding
/// whitespace (or empty words) cannot be passed and are refused.
pub fn bootargs<S: AsRef<str>, T: AsRef<str>>(kopts: &[S], prog: &[T]) -> Result<String, String> {
    let mut words: Vec<&str> = Vec::new();
    for k in kopts {
        let k = k.as_ref();
        let (key, _) = k
            .split_once('=')
            .ok_or_else(|| format!("kernel option {k:?} is not key=value"))?;
        if key.is_empty() || k.contains(char::is_whitespace) {
            return Err(format!("kernel option {k:?} is not key=value"));
        }
        words.push(k);
    }
    if !prog.is_empty() {
        words.push("--");
        for p in prog {
            let p = p.as_ref();
            if p.is_empty() || p.contains(char::is_whitespace) {
                return Err(format!(
                    "program argument {p:?}: boot arguments cannot carry empty words or whitespace"
                ));
            }
            words.push(p);
        }
    }
    Ok(words.join(" "))
}

/// A TCP port on loopback that was free a moment ago, for QEMU's gdb stub.
/// (The kernel picks it; another program could take it before QEMU does,
/// and QEMU then fails to start, saying so.)
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free TCP port for the gdb stub: {e}"))
}

/// The gdb script `run --gdb` writes (target/gdbinit): the kernel's
/// symbols, the architecture, and the connection to QEMU's stub.
pub fn gdb_script(kernel: &std::path::Path, port: u16) -> String {
    format!(
        "# Written by `cargo xtask run --gdb`; see docs/debugging.md.\n\
         set pagination off\n\
         set confirm off\n\
         set architecture riscv:rv64\n\
         file {}\n\
         target remote 127.0.0.1:{port}\n",
        kernel.display()
    )
}

/// What a captured run produced.
#[derive(Debug)]
pub struct Captured {
    /// Exit code; None if killed by a signal (or by us on timeout).
    pub code: Option<i32>,
    pub timed_out: bool,
    /// stdout followed by nothing else: stderr is echoed but kept apart.
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs `cmd` with stdin closed, keeping copies of stdout/stderr (and
/// echoing them as they arrive if `echo`); kills it after `timeout` (if given).
pub fn run_captured(
    mut cmd: Command,
    timeout: Option<Duration>,
    echo: bool,
) -> Result<Captured, String> {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let out = pump(child.stdout.take().unwrap(), echo.then_some(false));
    let err = pump(child.stderr.take().unwrap(), echo.then_some(true));
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => {}
            Err(e) => return Err(format!("waiting for child: {e}")),
        }
        if let Some(t) = timeout {
            if start.elapsed() >= t {
                timed_out = true;
                // Kill only the child we started, by its handle.
                let _ = child.kill();
                break child
                    .wait()
                    .map_err(|e| format!("waiting for child: {e}"))?;
            }
        }
        thread::sleep(Duration::from_millis(20));
    };
    let stdout = finish(out);
    let stderr = finish(err);
    Ok(Captured {
        code: status.code(),
        timed_out,
        stdout,
        stderr,
        elapsed: start.elapsed(),
    })
}

type Pump = (thread::JoinHandle<()>, Arc<Mutex<Vec<u8>>>);

/// Keeps a copy of what arrives on a pipe; `echo` Some(to_stderr) also
/// copies it to our stdout or stderr as it arrives.
fn pump<R: Read + Send + 'static>(mut r: R, echo: Option<bool>) -> Pump {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let keep = buf.clone();
    let h = thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        loop {
            match r.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    keep.lock().unwrap().extend_from_slice(&chunk[..n]);
                    if echo == Some(true) {
                        let mut e = std::io::stderr().lock();
                        let _ = e.write_all(&chunk[..n]);
                        let _ = e.flush();
                    } else if echo == Some(false) {
                        let mut o = std::io::stdout().lock();
                        let _ = o.write_all(&chunk[..n]);
                        let _ = o.flush();
                    }
                }
            }
        }
    });
    (h, buf)
}

fn finish((h, buf): Pump) -> String {
    let _ = h.join();
    let b = buf.lock().unwrap();
    String::from_utf8_lossy(&b).into_owned()
}

/// Runs QEMU attached to the terminal (interactive shell); returns its exit
/// code (1 if it died from a signal).
pub fn run_interactive(m: &Machine) -> Result<i32, String> {
    let st = m
        .command()
        .status()
        .map_err(|e| format!("cannot start {QEMU}: {e}"))?;
    Ok(st.code().unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootargs_format() {
        let none: [&str; 0] = [];
        assert_eq!(bootargs(&none, &none).unwrap(), "");
        assert_eq!(bootargs(&["cow=0"], &none).unwrap(), "cow=0");
        assert_eq!(
            bootargs(&none, &["usertests", "-q"]).unwrap(),
            "-- usertests -q"
        );
        assert_eq!(
            bootargs(&["cow=0", "trace=1"], &["bench", "eager"]).unwrap(),
            "cow=0 trace=1 -- bench eager"
        );
        assert!(bootargs(&["cow"], &none).is_err());
        assert!(bootargs(&["=1"], &none).is_err());
        assert!(bootargs(&["a=b c"], &none).is_err());
        assert!(bootargs(&none, &["echo", "two words"]).is_err());
        assert!(bootargs(&none, &["echo", ""]).is_err());
    }

    #[test]
    fn qemu_command_line() {
        let mut m = Machine::new("k".into(), "target/fs.img".into());
        m.bootargs = "-- forktest".into();
        assert_eq!(
            m.args().join(" "),
            "-machine virt -bios default -kernel k -m 128M -smp 3 -nographic \
             -global virtio-mmio.force-legacy=false \
             -drive file=target/fs.img,if=none,format=raw,id=x0 \
             -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 \
             -append -- forktest"
        );
        m.icount = true;
        m.smp = 1;
        m.bootargs = String::new();
        let a = m.args();
        assert!(a.join(" ").contains("-smp 1 "));
        assert!(a.join(" ").contains("-icount shift=0 -append"));
        assert_eq!(a.last().unwrap(), "");
        assert!(m.display().ends_with("-append ''"));
    }

    #[test]
    fn gdb_stub_and_script() {
        let mut m = Machine::new("k".into(), "d".into());
        assert!(!m.args().contains(&"-S".to_string()));
        m.gdb_port = Some(1234);
        let a = m.args().join(" ");
        assert!(a.contains(" -S -gdb tcp:127.0.0.1:1234 -append"), "{a}");
        let p = free_port().unwrap();
        assert!(p > 0);
        // Free: we can listen on it ourselves.
        std::net::TcpListener::bind(("127.0.0.1", p)).unwrap();
        let s = gdb_script(std::path::Path::new("/t/kernel"), 1234);
        assert!(s.contains("\nfile /t/kernel\n"), "{s}");
        assert!(s.contains("set architecture riscv:rv64\n"));
        assert!(s.ends_with("target remote 127.0.0.1:1234\n"));
    }

    #[test]
    fn swap_sizes_and_disk() {
        assert_eq!(swap_bytes(None, "64M").unwrap(), 128 << 20);
        assert_eq!(swap_bytes(Some("0"), "64M").unwrap(), 0);
        assert_eq!(swap_bytes(Some("1G"), "64M").unwrap(), 1 << 30);
        assert!(swap_bytes(Some("big"), "64M").is_err());
        assert!(swap_bytes(Some("-1"), "64M").is_err());
        let dir = std::env::temp_dir().join(format!("xtask-swap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("swap.img");
        assert_eq!(make_swap(&p, 0).unwrap(), None);
        assert_eq!(make_swap(&p, 8192 + 100).unwrap(), Some(p.clone()));
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 8192);
        let mut m = Machine::new("k".into(), "d".into());
        m.swap = Some(p.clone());
        assert!(m
            .args()
            .join(" ")
            .contains("drive=x1,bus=virtio-mmio-bus.1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn smp_and_mem_checks() {
        assert_eq!(parse_smp("1"), Ok(1));
        assert_eq!(parse_smp("8"), Ok(8));
        assert!(parse_smp("0").is_err());
        assert!(parse_smp("9").is_err());
        assert!(parse_smp("x").is_err());
        assert_eq!(parse_mem("128M").unwrap(), "128M");
        assert_eq!(parse_mem("1G").unwrap(), "1G");
        assert_eq!(parse_mem("512").unwrap(), "512");
        assert!(parse_mem("M").is_err());
        assert!(parse_mem("12MM").is_err());
        assert!(parse_mem("1.5G").is_err());
    }

    #[test]
    fn captured_run_keeps_output_and_status() {
        let mut c = Command::new("sh");
        c.args(["-c", "echo PASS a/b; echo oops >&2; exit 3"]);
        let r = run_captured(c, Some(Duration::from_secs(20)), false).unwrap();
        assert_eq!(r.code, Some(3));
        assert!(!r.timed_out);
        assert_eq!(r.stdout, "PASS a/b\n");
        assert_eq!(r.stderr, "oops\n");
    }

    #[test]
    fn captured_run_times_out() {
        let mut c = Command::new("sh");
        c.args(["-c", "echo started; exec sleep 30"]);
        let r = run_captured(c, Some(Duration::from_millis(300)), false).unwrap();
        assert!(r.timed_out);
        assert_eq!(r.code, None);
        assert_eq!(r.stdout, "started\n");
        assert!(r.elapsed < Duration::from_secs(10));
    }
}
