//! `cargo xtask profile [ROW]`: where the kernel's instructions go, traced
//! by QEMU, per kind of trap, per function and per instruction class.
//!
//! It boots `bench ROW` (default `fault/anon`) under `-icount shift=0 -smp 1`
//! with `-singlestep -d exec,nochain`, so QEMU logs the address of every
//! instruction executed, into a FIFO this command reads as it goes (a run
//! is tens of millions of lines; nothing is stored). The kernel ELF is
//! disassembled once with `riscv64-unknown-elf-objdump` to map each
//! address to its function and its instruction's class.
//!
//! A *trap* is everything from the trampoline's `uservec` until the hart is
//! back at a user address: the kernel work one trap costs, including what
//! it calls in the firmware and any other process it switches to. Traps are
//! grouped by kind (page fault, system call, interrupt: whether code of
//! `mm::fault` or `syscall` ran) and, within a kind, by the set
//! of functions they ran, so the 1024 identical anonymous faults of
//! `fault/anon` form one group, separate from the program's other faults.
//! For the biggest groups it prints the instructions per trap, by function
//! and by class. This is how the fault path's costs in docs/vm.md were
//! found.

use crate::builder;
use crate::qemu::{self, Machine};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

const USAGE: &str = "usage: cargo xtask profile [ROW] [--groups N] [--top N]
  Boots `bench ROW` (default fault/anon; `cargo xtask bench` lists rows) with
  QEMU logging every instruction, and prints the kernel's instructions per
  trap, grouped by kind and by the functions each trap ran: for the N
  biggest groups (default 3) the top functions (default 20) and the
  instruction classes (load, store, atomic, csr, fence, branch, mul/div, alu).
  Needs riscv64-unknown-elf-objdump (binutils, with the cross compiler).";

/// Sv39 trampoline page (abi::layout::TRAMPOLINE).
const TRAMPOLINE: u64 = abi::layout::TRAMPOLINE as u64;
/// Kernel text and firmware live in RAM from 0x8000_0000; OpenSBI below
/// the kernel's load address.
const RAM: u64 = 0x8000_0000;
const KERNEL_BASE: u64 = 0x8020_0000;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
enum Class {
    Load,
    Store,
    Atomic,
    Csr,
    Fence,
    Branch,
    MulDiv,
    Alu,
}

const CLASSES: [Class; 8] = [
    Class::Load,
    Class::Store,
    Class::Atomic,
    Class::Csr,
    Class::Fence,
    Class::Branch,
    Class::MulDiv,
    Class::Alu,
];

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Load => "load",
            Class::Store => "store",
            Class::Atomic => "atomic",
            Class::Csr => "csr/system",
            Class::Fence => "fence",
            Class::Branch => "branch/jump",
            Class::MulDiv => "mul/div",
            Class::Alu => "alu",
        }
    }
}

/// The class of an objdump mnemonic (aliases as objdump prints them).
fn classify(m: &str) -> Class {
    let m = m.strip_prefix("c.").unwrap_or(m);
    match m {
        "lb" | "lh" | "lw" | "ld" | "lbu" | "lhu" | "lwu" | "flw" | "fld" | "ldsp" | "lwsp"
        | "fldsp" => Class::Load,
        "sb" | "sh" | "sw" | "sd" | "fsw" | "fsd" | "sdsp" | "swsp" | "fsdsp" => Class::Store,
        "ret" | "j" | "jal" | "jalr" | "jr" | "call" | "tail" => Class::Branch,
        _ if m.starts_with("amo") || m.starts_with("lr.") || m.starts_with("sc.") => Class::Atomic,
        _ if m.starts_with("csr")
            || m.starts_with("rd")
            || matches!(m, "sret" | "mret" | "wfi" | "ecall" | "ebreak" | "unimp") =>
        {
            Class::Csr
        }
        _ if m.starts_with("fence") || m.starts_with("sfence") => Class::Fence,
        _ if m.starts_with('b') => Class::Branch,
        _ if m.starts_with("mul") || m.starts_with("div") || m.starts_with("rem") => Class::MulDiv,
        _ => Class::Alu,
    }
}

/// The kernel's functions and instructions, from objdump.
struct Image {
    /// (start address, function name), sorted.
    funcs: Vec<(u64, String)>,
    class: HashMap<u64, Class>,
    /// Link address of the `trampoline` symbol.
    trampoline: u64,
}

fn parse_objdump(text: &str) -> Image {
    let mut funcs = Vec::new();
    let mut class = HashMap::new();
    let mut trampoline = 0;
    for line in text.lines() {
        // "0000000080200000 <_entry>:" starts a symbol.
        if let Some(rest) = line.strip_suffix(">:") {
            if let Some((addr, name)) = rest.split_once(" <") {
                if let Ok(a) = u64::from_str_radix(addr, 16) {
                    if name == "trampoline" {
                        trampoline = a;
                    }
                    // Local labels belong to the function around them.
                    if !name.starts_with(".L") {
                        funcs.push((a, name.to_string()));
                    }
                }
            }
            continue;
        }
        // "    80200000:\t0004d297          \tauipc\tt0,0x4d"
        let mut cols = line.split('\t');
        let (Some(addr), Some(_bytes), Some(mnem)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let Some(addr) = addr.trim().strip_suffix(':') else {
            continue;
        };
        if let Ok(a) = u64::from_str_radix(addr, 16) {
            class.insert(a, classify(mnem.trim()));
        }
    }
    funcs.sort();
    Image {
        funcs,
        class,
        trampoline,
    }
}

impl Image {
    /// Link address for a kernel pc (the trampoline runs at TRAMPOLINE).
    fn link_addr(&self, pc: u64) -> u64 {
        if pc >= TRAMPOLINE {
            pc - TRAMPOLINE + self.trampoline
        } else {
            pc
        }
    }

    fn func(&self, a: u64) -> usize {
        match self.funcs.binary_search_by(|f| f.0.cmp(&a)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        }
    }
}

/// What one trap ran.
#[derive(Default)]
struct Trap {
    instructions: u64,
    firmware: u64,
    by_func: HashMap<usize, u64>,
    by_class: HashMap<Class, u64>,
}

/// Traps that ran the same set of functions.
#[derive(Default)]
struct Group {
    kind: &'static str,
    traps: u64,
    lengths: Vec<u64>,
    firmware: u64,
    by_func: HashMap<usize, u64>,
    by_class: HashMap<Class, u64>,
}

#[derive(Default)]
struct Totals {
    all: u64,
    user: u64,
    kernel: u64,
    firmware: u64,
}

fn kind_of(img: &Image, t: &Trap) -> &'static str {
    let ran = |needle: &str| t.by_func.keys().any(|&f| img.funcs[f].1.contains(needle));
    if ran("mm::fault::") {
        "page fault"
    } else if ran("syscall::") {
        "system call"
    } else {
        "interrupt"
    }
}

/// Reads QEMU's exec log; returns totals and the trap groups.
fn analyse(img: &Image, log: impl Read) -> (Totals, Vec<Group>) {
    let mut tot = Totals::default();
    let mut groups: HashMap<Vec<usize>, Group> = HashMap::new();
    let mut trap: Option<Trap> = None;
    let tramp_end = TRAMPOLINE + 4096;
    for line in BufReader::with_capacity(1 << 20, log).lines() {
        let Ok(line) = line else { break };
        // "Trace 0: 0x7f.. [0000000000000000/0000000080200000/00209003/ff020201] "
        let Some(pc) = line
            .split_once('[')
            .and_then(|(_, r)| r.split('/').nth(1))
            .and_then(|s| u64::from_str_radix(s, 16).ok())
        else {
            continue;
        };
        tot.all += 1;
        // User space is below RAM (the trampoline, above, is kernel).
        let user = pc < RAM;
        let firmware = (RAM..KERNEL_BASE).contains(&pc);
        if user {
            tot.user += 1;
            if let Some(t) = trap.take() {
                let mut key: Vec<usize> = t.by_func.keys().copied().collect();
                key.sort_unstable();
                let g = groups.entry(key).or_default();
                g.kind = kind_of(img, &t);
                g.traps += 1;
                g.lengths.push(t.instructions);
                g.firmware += t.firmware;
                for (f, n) in t.by_func {
                    *g.by_func.entry(f).or_default() += n;
                }
                for (c, n) in t.by_class {
                    *g.by_class.entry(c).or_default() += n;
                }
            }
            continue;
        }
        if firmware {
            tot.firmware += 1;
        } else {
            tot.kernel += 1;
        }
        // A trap starts at the trampoline, coming from user space; kernel
        // work before the first user instruction (boot) belongs to none.
        if trap.is_none() && (TRAMPOLINE..tramp_end).contains(&pc) && tot.user > 0 {
            trap = Some(Trap::default());
        }
        if let Some(t) = trap.as_mut() {
            t.instructions += 1;
            if firmware {
                t.firmware += 1;
                continue;
            }
            let a = img.link_addr(pc);
            *t.by_func.entry(img.func(a)).or_default() += 1;
            if let Some(&c) = img.class.get(&a) {
                *t.by_class.entry(c).or_default() += 1;
            }
        }
    }
    let mut v: Vec<Group> = groups.into_values().collect();
    v.sort_by_key(|g| std::cmp::Reverse(g.traps));
    (tot, v)
}

fn report(img: &Image, tot: &Totals, groups: &[Group], ngroups: usize, top: usize) {
    println!(
        "traced {} instructions: user {}, kernel {}, firmware {}",
        tot.all, tot.user, tot.kernel, tot.firmware
    );
    let mut kinds: Vec<(&str, u64, u64)> = Vec::new();
    for g in groups {
        let sum: u64 = g.lengths.iter().sum();
        match kinds.iter_mut().find(|k| k.0 == g.kind) {
            Some(k) => {
                k.1 += g.traps;
                k.2 += sum;
            }
            None => kinds.push((g.kind, g.traps, sum)),
        }
    }
    for (k, n, sum) in &kinds {
        println!(
            "{k:<12} {n:>8} traps, {:>8} instructions each on average",
            sum / n.max(&1)
        );
    }
    for (gi, g) in groups.iter().take(ngroups).enumerate() {
        let mut lens = g.lengths.clone();
        lens.sort_unstable();
        let median = lens[lens.len() / 2];
        let n = g.traps as f64;
        println!(
            "\ngroup {}: {} x {} (median {} instructions, min {}, max {}; firmware {:.0} each)",
            gi + 1,
            g.traps,
            g.kind,
            median,
            lens[0],
            lens[lens.len() - 1],
            g.firmware as f64 / n
        );
        let mut fs: Vec<(usize, u64)> = g.by_func.iter().map(|(&f, &c)| (f, c)).collect();
        fs.sort_by_key(|f| std::cmp::Reverse(f.1));
        let per: u64 = g.lengths.iter().sum::<u64>().max(1);
        for (f, c) in fs.iter().take(top) {
            let mut name = img.funcs[*f].1.clone();
            if name.len() > 72 {
                name.truncate(72);
            }
            println!(
                "  {:>8.1} {:>5.1}%  {}",
                *c as f64 / n,
                100.0 * *c as f64 / per as f64,
                name
            );
        }
        if fs.len() > top {
            let rest: u64 = fs[top..].iter().map(|x| x.1).sum();
            println!(
                "  {:>8.1} {:>5.1}%  ({} other functions)",
                rest as f64 / n,
                100.0 * rest as f64 / per as f64,
                fs.len() - top
            );
        }
        let classes: Vec<String> = CLASSES
            .iter()
            .map(|c| {
                format!(
                    "{} {:.0}",
                    c.name(),
                    *g.by_class.get(c).unwrap_or(&0) as f64 / n
                )
            })
            .collect();
        println!("  by class: {}", classes.join(", "));
    }
}

pub fn main(root: &Path, args: &[String]) -> i32 {
    let mut row = "fault/anon".to_string();
    let (mut ngroups, mut top) = (3usize, 20usize);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return 0;
            }
            "--groups" | "--top" => {
                let Some(n) = it.next().and_then(|v| v.parse().ok()) else {
                    eprintln!("xtask profile: {a} needs a number\n{USAGE}");
                    return 2;
                };
                if a == "--groups" {
                    ngroups = n;
                } else {
                    top = n;
                }
            }
            r if !r.starts_with('-') => row = r.to_string(),
            f => {
                eprintln!("xtask profile: unknown flag {f}\n{USAGE}");
                return 2;
            }
        }
    }
    match run(root, &row, ngroups, top) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("xtask profile: {e}");
            1
        }
    }
}

fn run(root: &Path, row: &str, ngroups: usize, top: usize) -> Result<(), String> {
    crate::prereq::ensure_prereqs()?;
    let b = builder::build(root, false)?;
    let dump = Command::new("riscv64-unknown-elf-objdump")
        .args(["-d", "-C"])
        .arg(&b.kernel)
        .output()
        .map_err(|e| format!("riscv64-unknown-elf-objdump: {e}"))?;
    let img = parse_objdump(&String::from_utf8_lossy(&dump.stdout));
    if img.funcs.is_empty() || img.trampoline == 0 {
        return Err("objdump found no functions or no trampoline".into());
    }
    let dir = builder::target_dir(root).join("profile");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let disk = dir.join("fs.img");
    std::fs::write(&disk, &b.image).map_err(|e| e.to_string())?;
    let fifo = dir.join("exec.fifo");
    let _ = std::fs::remove_file(&fifo);
    let ok = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success());
    if !matches!(ok, Ok(true)) {
        return Err(format!("mkfifo {} failed", fifo.display()));
    }
    let mut m = Machine::new(b.kernel.clone(), disk);
    m.smp = 1;
    m.icount = true;
    m.bootargs = qemu::bootargs::<&str, &str>(&[], &["bench", row])?;
    let mut c = m.command();
    c.args(["-singlestep", "-d", "exec,nochain", "-D"])
        .arg(&fifo);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    println!(
        "profiling `bench {row}`: {} -singlestep -d exec,nochain -D {}",
        m.display(),
        fifo.display()
    );
    let mut child = c.spawn().map_err(|e| format!("qemu: {e}"))?;
    let mut out = child.stdout.take().unwrap();
    let echo = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let log = std::fs::File::open(&fifo).map_err(|e| e.to_string())?;
    let (tot, groups) = analyse(&img, log);
    let _ = child.wait();
    let console = echo.join().unwrap_or_default();
    let _ = std::fs::remove_file(&fifo);
    for l in console
        .lines()
        .filter(|l| l.starts_with("BENCH") || l.contains("bench:"))
    {
        println!("{l}");
    }
    if groups.is_empty() {
        return Err("no traps seen (did the program run?)".into());
    }
    report(&img, &tot, &groups, ngroups, top);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_mnemonics() {
        assert_eq!(classify("ld"), Class::Load);
        assert_eq!(classify("c.ldsp"), Class::Load);
        assert_eq!(classify("sd"), Class::Store);
        assert_eq!(classify("sub"), Class::Alu);
        assert_eq!(classify("sext.w"), Class::Alu);
        assert_eq!(classify("amoswap.w.aq"), Class::Atomic);
        assert_eq!(classify("lr.w"), Class::Atomic);
        assert_eq!(classify("csrrw"), Class::Csr);
        assert_eq!(classify("sret"), Class::Csr);
        assert_eq!(classify("sfence.vma"), Class::Fence);
        assert_eq!(classify("bnez"), Class::Branch);
        assert_eq!(classify("ret"), Class::Branch);
        assert_eq!(classify("mulw"), Class::MulDiv);
    }

    #[test]
    fn traps_grouped_from_a_log() {
        let dump = "0000000080200000 <kernel::mm::fault::handle>:\n    80200000:\t0004d297          \tld\tt0,0(a0)\n    80200004:\t00028293          \tsd\tt0,0(t0)\n0000000080201000 <trampoline>:\n    80201000:\t0004d297          \tcsrrw\ta0,sscratch,a0\n";
        let img = parse_objdump(dump);
        assert_eq!(img.trampoline, 0x8020_1000);
        let t = TRAMPOLINE;
        let log = format!(
            "Trace 0: 0x1 [0/0000000000001000/0/0]\n\
             Trace 0: 0x1 [0/{t:016x}/0/0]\n\
             Trace 0: 0x1 [0/0000000080200000/0/0]\n\
             Trace 0: 0x1 [0/0000000080200004/0/0]\n\
             Trace 0: 0x1 [0/0000000080001000/0/0]\n\
             Trace 0: 0x1 [0/0000000000001004/0/0]\n"
        );
        let (tot, groups) = analyse(&img, log.as_bytes());
        assert_eq!((tot.all, tot.user, tot.kernel, tot.firmware), (6, 2, 3, 1));
        assert_eq!(groups.len(), 1);
        let g = &groups[0];
        assert_eq!(
            (g.kind, g.traps, g.lengths[0], g.firmware),
            ("page fault", 1, 4, 1)
        );
        assert_eq!(g.by_class.get(&Class::Load), Some(&1));
        assert_eq!(g.by_class.get(&Class::Csr), Some(&1));
    }
}
