//! The check behind `cargo xtask test gdb`: what `cargo xtask run --gdb`
//! promises works. It boots QEMU waiting for a debugger (as `run --gdb`
//! does, with the same gdb script), attaches gdb-multiarch in batch mode,
//! breaks in the page-fault handler on the first instruction page fault
//! (init's first instruction: exec maps nothing of the program), prints
//! the faulting address, and compares it with init's entry point read from
//! the image. gdb-multiarch is installed first if it is missing, as QEMU is.

use crate::builder::{self, Built};
use crate::fsread::FsImage;
use crate::qemu::{self, Machine};
use crate::test::Totals;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The fault handler's symbol. It is inlined into its callers (usertrap,
/// the kernel's user copies, exec), and gdb breaks at each of them.
pub const FAULT_HANDLER: &str = "kernel::mm::fault::handle";

/// The user trap handler, which calls the fault handler for a user fault.
const USERTRAP: &str = "kernel::trap::usertrap";

/// Name on the command line (`cargo xtask test gdb`) and in reports.
pub const NAME: &str = "gdb";

/// scause of an instruction page fault.
const FETCH_FAULT: u64 = 12;

/// The gdb commands after the connection script: stop in the handler on
/// the first instruction page fault, print what it is handling, kill QEMU.
fn commands() -> String {
    format!(
        "break {FAULT_HANDLER} if $scause == {FETCH_FAULT}\n\
         continue\n\
         printf \"FAULT scause=%ld stval=%#lx sepc=%#lx\\n\", $scause, $stval, $sepc\n\
         backtrace 3\n\
         kill\n"
    )
}

/// What gdb's output says: (scause, stval, sepc) from the FAULT line, once
/// gdb has stopped at the breakpoint (`Breakpoint 1, ` or, for one of the
/// places the handler is inlined, `Breakpoint 1.N, `) in the fault handler
/// called from the user trap handler.
pub fn parse(out: &str) -> Result<(u64, u64, u64), String> {
    let stopped = out.lines().any(|l| {
        l.strip_prefix("Breakpoint 1")
            .is_some_and(|r| r.starts_with(',') || r.starts_with('.'))
            && l.contains(FAULT_HANDLER)
    });
    if !stopped {
        return Err(format!("gdb did not stop in {FAULT_HANDLER}"));
    }
    if !out
        .lines()
        .any(|l| l.starts_with("#1") && l.contains(USERTRAP))
    {
        return Err(format!("the backtrace does not show {USERTRAP}"));
    }
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("FAULT "))
        .ok_or("gdb printed no FAULT line")?;
    let mut v = [None; 3];
    for (k, key) in ["scause=", "stval=", "sepc="].iter().enumerate() {
        v[k] = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|n| match n.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16).ok(),
                None => n.parse().ok(),
            });
    }
    match v {
        [Some(c), Some(t), Some(p)] => Ok((c, t, p)),
        _ => Err(format!("cannot read the FAULT line {line:?}")),
    }
}

/// The entry point of the ELF file `elf` (e_entry of a 64-bit ELF).
pub fn elf_entry(elf: &[u8]) -> Result<u64, String> {
    if elf.len() < 32 || &elf[..4] != b"\x7fELF" || elf[4] != 2 {
        return Err("not a 64-bit ELF file".into());
    }
    Ok(u64::from_le_bytes(elf[24..32].try_into().unwrap()))
}

fn init_entry(image: &[u8]) -> Result<u64, String> {
    let fs = FsImage::new(image)?;
    let inum = fs.lookup("/init")?.ok_or("no /init in the image")?;
    elf_entry(&fs.read_file(inum)?)
}

fn fail(why: String) -> Totals {
    println!("FAIL {NAME}/fault-handler: {why}");
    Totals {
        passed: 0,
        failed: 1,
    }
}

pub fn check(root: &Path, b: &Built) -> Totals {
    println!("==> {NAME}: gdb-multiarch attached to QEMU, breaking in {FAULT_HANDLER}");
    if let Err(e) = crate::prereq::ensure_gdb() {
        return fail(e);
    }
    let entry = match init_entry(&b.image) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    match attach(root, b) {
        Ok(out) => match parse(&out) {
            Ok((FETCH_FAULT, stval, sepc)) if stval == entry && sepc == entry => {
                println!("PASS {NAME}/fault-handler (stopped on init's first fetch at {stval:#x})");
                Totals {
                    passed: 1,
                    failed: 0,
                }
            }
            Ok((c, t, p)) => fail(format!(
                "scause {c}, stval {t:#x}, sepc {p:#x}; want {FETCH_FAULT}, init's entry {entry:#x} twice"
            )),
            Err(e) => fail(format!("{e}; gdb said:\n{out}")),
        },
        Err(e) => fail(e),
    }
}

/// Boots QEMU stopped, runs gdb against it, kills QEMU; gdb's output.
fn attach(root: &Path, b: &Built) -> Result<String, String> {
    let dir = builder::target_dir(root).join("test");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let disk = dir.join(format!("{NAME}.img"));
    std::fs::write(&disk, &b.image).map_err(|e| format!("{}: {e}", disk.display()))?;
    let port = qemu::free_port()?;
    let script = dir.join(format!("{NAME}.gdbinit"));
    // gdb retries a refused connection until the timeout, so QEMU may
    // still be starting when gdb does.
    let text = "set tcp connect-timeout 60\n".to_string()
        + &qemu::gdb_script(&b.kernel, port)
        + &commands();
    std::fs::write(&script, text).map_err(|e| format!("{}: {e}", script.display()))?;
    let mut m = Machine::new(b.kernel.clone(), disk);
    m.smp = 1;
    m.gdb_port = Some(port);
    m.bootargs = qemu::bootargs::<&str, &str>(&[], &["true"])?;
    println!("    {}", m.display());
    let mut q = m
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", qemu::QEMU))?;
    let mut g = Command::new(crate::prereq::GDB);
    g.arg("-q").arg("-batch").arg("-nx").arg("-x").arg(&script);
    println!(
        "    {} -q -batch -nx -x {}",
        crate::prereq::GDB,
        script.display()
    );
    let r = qemu::run_captured(g, Some(Duration::from_secs(120)), false);
    // Kill only the QEMU we started, by its handle (gdb's `kill` normally
    // has ended it already).
    let _ = q.kill();
    let _ = q.wait();
    let r = r?;
    if r.timed_out {
        return Err(format!("gdb timed out after 120 s; it said:\n{}", r.stdout));
    }
    Ok(format!("{}{}", r.stdout, r.stderr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gdb_output() {
        // What gdb-multiarch 13.1 prints (with a made-up address).
        let out = "\
The target architecture is set to \"riscv:rv64\".
0x0000000000001000 in ?? ()
Breakpoint 1 at 0x80212080: kernel::mm::fault::handle. (3 locations)

Breakpoint 1.3, kernel::mm::fault::handle () at kernel/src/mm/fault.rs:30
30\t        super::reclaim::before_alloc(Some(asp));
FAULT scause=12 stval=0x1a2 sepc=0x1a2
#0  kernel::mm::fault::handle () at kernel/src/mm/fault.rs:30
#1  kernel::trap::usertrap::{closure#0} () at kernel/src/trap/mod.rs:131
#2  kernel::proc::with_aspace<...> () at kernel/src/proc/mod.rs:238
[Inferior 1 (process 1) killed]
";
        assert_eq!(parse(out), Ok((12, 0x1a2, 0x1a2)));
        assert!(parse("FAULT scause=12 stval=0x1 sepc=0x1\n").is_err());
        let stop = "Breakpoint 1, kernel::mm::fault::handle () at x.rs:1\n\
                    #1  kernel::trap::usertrap::{closure#0} () at y.rs:2\n";
        assert!(parse(stop).unwrap_err().contains("no FAULT"));
        let bad = format!("{stop}FAULT scause=12 stval=zz sepc=0x1\n");
        assert!(parse(&bad).is_err());
        // Stopped in the handler, but called from exec, not a user trap.
        let exec = "Breakpoint 1.1, kernel::mm::fault::handle () at x.rs:1\n\
                    #1  kernel::proc::exec::exec () at z.rs:3\n\
                    FAULT scause=8 stval=0x0 sepc=0x0\n";
        assert!(parse(exec).unwrap_err().contains("backtrace"));
        // Breakpoint 10 is not breakpoint 1.
        let other = out.replace("Breakpoint 1.3,", "Breakpoint 10,");
        assert!(parse(&other).unwrap_err().contains("did not stop"));
    }

    #[test]
    fn entry_of_an_elf() {
        let mut e = vec![0u8; 64];
        e[..4].copy_from_slice(b"\x7fELF");
        e[4] = 2;
        e[24..32].copy_from_slice(&0x1234u64.to_le_bytes());
        assert_eq!(elf_entry(&e), Ok(0x1234));
        e[4] = 1;
        assert!(elf_entry(&e).is_err());
        assert!(elf_entry(b"\x7fELF").is_err());
    }
}
