//! The check behind `cargo xtask test gdb`: what `cargo xtask run --gdb`
//! promises works. It boots QEMU waiting for a debugger (as `run --gdb`
//! does, with the same gdb script), attaches gdb-multiarch in batch mode,
//! stops on the first instruction page fault (init's first instruction:
//! exec maps nothing of the program) and prints the faulting address,
//! breaks in the page-fault handler handling it, and compares what it saw
//! with init's entry point read from the image. gdb-multiarch is installed
//! first if it is missing, as QEMU is.

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

/// The gdb commands after the connection script. The fault's CSRs are
/// read where usertrap starts, with interrupts still off: by the time the
/// handler runs, interrupts are on, and one taken in between (a timer, a
/// disk; in about one run in five) rewrites scause and stval, and leaves a
/// kernel address in sepc. Then the next stop in the fault handler is this
/// fault's (on one hart, with init the only process that faults), and its
/// backtrace must say it comes from usertrap.
fn commands() -> String {
    format!(
        "break {USERTRAP} if $scause == {FETCH_FAULT}\n\
         continue\n\
         printf \"TRAP scause=%ld stval=%#lx sepc=%#lx\\n\", $scause, $stval, $sepc\n\
         delete\n\
         break {FAULT_HANDLER}\n\
         continue\n\
         backtrace 3\n\
         kill\n"
    )
}

/// The `KEY=NUMBER` values of the line starting with `prefix`.
fn values<const N: usize>(out: &str, prefix: &str, keys: [&str; N]) -> Result<[u64; N], String> {
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .ok_or(format!("gdb printed no {prefix}line"))?;
    let mut v = [0; N];
    for (k, key) in keys.iter().enumerate() {
        v[k] = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
            .and_then(|n| match n.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16).ok(),
                None => n.parse().ok(),
            })
            .ok_or(format!("cannot read {key} in {prefix}{line:?}"))?;
    }
    Ok(v)
}

/// Reads gdb's output: (scause, stval, sepc) from the TRAP line, once gdb
/// has also stopped at the fault-handler breakpoint (`Breakpoint 2, ` or,
/// for one of the places the handler is inlined, `Breakpoint 2.N, `)
/// called from usertrap.
pub fn parse(out: &str) -> Result<(u64, u64, u64), String> {
    let [c, t, p] = values(out, "TRAP ", ["scause", "stval", "sepc"])?;
    let stopped = out.lines().any(|l| {
        l.strip_prefix("Breakpoint 2")
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
    Ok((c, t, p))
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
    let want = (FETCH_FAULT, entry, entry);
    match attach(root, b).and_then(|out| parse(&out).map_err(|e| format!("{e}; gdb said:\n{out}")))
    {
        Ok(seen) if seen == want => {
            println!(
                "PASS {NAME}/fault-handler (init's first fetch faulted at {entry:#x}, handled there)"
            );
            Totals {
                passed: 1,
                failed: 0,
            }
        }
        Ok((c, t, p)) => fail(format!(
            "scause {c}, stval {t:#x}, sepc {p:#x}; want {FETCH_FAULT}, init's entry {entry:#x} twice"
        )),
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
        // What gdb-multiarch 13.1 prints (with a made-up fault address).
        let out = "\
The target architecture is set to \"riscv:rv64\".
0x0000000000001000 in ?? ()
Breakpoint 1 at 0x802275e4: file kernel/src/trap/mod.rs, line 110.

Breakpoint 1, kernel::trap::usertrap () at kernel/src/trap/mod.rs:110
110\t        csr::sstatus() & csr::SSTATUS_SPP == 0,
TRAP scause=12 stval=0x1a2 sepc=0x1a2
Breakpoint 2 at 0x80212080: kernel::mm::fault::handle. (3 locations)

Breakpoint 2.3, kernel::mm::fault::handle () at kernel/src/mm/fault.rs:30
30\t        super::reclaim::before_alloc(Some(asp));
#0  kernel::mm::fault::handle () at kernel/src/mm/fault.rs:30
#1  kernel::trap::usertrap::{closure#0} () at kernel/src/trap/mod.rs:131
#2  kernel::proc::with_aspace<...> () at kernel/src/proc/mod.rs:238
[Inferior 1 (process 1) killed]
";
        assert_eq!(parse(out), Ok((12, 0x1a2, 0x1a2)));
        let no_trap = out.replace("TRAP ", "TRIP ");
        assert!(parse(&no_trap).unwrap_err().contains("no TRAP"));
        let bad = out.replace("stval=0x1a2", "stval=zz");
        assert!(parse(&bad).unwrap_err().contains("stval"));
        // Stopped in the handler, but called from exec, not a user trap.
        let exec = out.replace(
            "#1  kernel::trap::usertrap::{closure#0}",
            "#1  kernel::proc::exec::exec",
        );
        assert!(parse(&exec).unwrap_err().contains("backtrace"));
        // Breakpoint 20 is not breakpoint 2; the handler never stopped.
        let other = out.replace("Breakpoint 2.3,", "Breakpoint 20,");
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
