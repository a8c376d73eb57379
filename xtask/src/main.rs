//! `cargo xtask <command>`: building, running and testing faultline.
//! This file only dispatches; each command lives in its own module.

mod bench;
use xv6img::{fsck, mkfs, read as fsread};
mod builder;
mod cbuild;
mod gdbcheck;
mod policycheck;
mod prereq;
mod profile;
mod qemu;
mod sim;
mod suites;
mod test;
#[cfg(test)]
mod testutil;

use std::path::{Path, PathBuf};
use std::process::exit;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

  build [--fresh]         kernel, user programs (Rust and C), target/fs.img
                          (fs.img is rewritten only when the programs changed,
                          or with --fresh)
  run [--smp N] [--mem SIZE] [--disk IMAGE] [--icount] [--fresh]
      [--swap SIZE] [--kopt KEY=VALUE]... [--gdb] [-- PROG ARGS...]
                          build, then boot QEMU (default: 3 harts, 128M,
                          target/fs.img, a fresh sparse target/swap.img of
                          twice the RAM; --swap 0: no swap disk). With
                          `-- PROG ARGS` init runs PROG
                          once and xtask exits with its status. --gdb:
                          QEMU waits for gdb-multiarch and xtask prints the
                          command that attaches (docs/debugging.md)
  test [--no-host] [--stress] [--smp N] [--list] [SUITE...]
                          host unit tests, build, in-QEMU suites
                          (--stress: hunt races longer)
  bench [ROW...]          instruction counts and wall time of /bench
                          (ROW...: only those rows, icount only)
  profile [ROW]           trace every instruction of `bench ROW` (default
                          fault/anon) and show the kernel's cost per trap,
                          by function and instruction class
  sim [options]           the policy lab: replay a page-reference trace
                          through the kernel's replacement policies, exact
                          LRU, OPT and others; sweeps, --svg plots,
                          --bench (`sim --help` explains it)
  mkfs [--out PATH] [--size BLOCKS] [--inodes N] [--nlog N] [--add PATH]...
                          make an xv6-format image (default target/fs.img,
                          4000 blocks, 200 inodes); --add puts a file or a
                          directory tree in /
  fsck IMAGE [--ls]       check an image's consistency (and list its files)
  fsget IMAGE PATH OUT    copy file PATH off an xv6 image to OUT on the host
                          (e.g. a trace that `refs --trace` recorded)
  usys                    print the generated system-call stubs (usys.S)
";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn die(msg: impl std::fmt::Display) -> ! {
    eprintln!("xtask: {msg}");
    exit(1)
}

/// The value after flag `args[*i]`, advancing `i`.
fn value<'a>(args: &'a [String], i: &mut usize) -> &'a str {
    let flag = &args[*i];
    *i += 1;
    match args.get(*i) {
        Some(v) => v,
        None => {
            eprintln!("xtask: {flag} needs a value\n\n{USAGE}");
            exit(2)
        }
    }
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> T {
    v.parse()
        .unwrap_or_else(|_| die(format!("{flag} {v}: not a number")))
}

fn bad_arg(cmd: &str, a: &str) -> ! {
    eprintln!("xtask {cmd}: unexpected argument {a}\n\n{USAGE}");
    exit(2)
}

fn cmd_build(args: &[String]) {
    let mut fresh = false;
    for a in args {
        match a.as_str() {
            "--fresh" => fresh = true,
            _ => bad_arg("build", a),
        }
    }
    prereq::ensure_prereqs().unwrap_or_else(|e| die(e));
    let b = builder::build(&root(), fresh).unwrap_or_else(|e| die(e));
    eprintln!(
        "xtask: built {} and {} ({} programs: {})",
        b.kernel.display(),
        b.fs_img.display(),
        b.programs.len(),
        b.programs.join(" ")
    );
}

fn cmd_run(args: &[String]) -> i32 {
    let mut smp = None;
    let mut mem = qemu::DEFAULT_MEM.to_string();
    let mut disk = None;
    let mut icount = false;
    let mut fresh = false;
    let mut gdb = false;
    let mut kopts = Vec::new();
    let mut swap: Option<String> = None;
    let mut prog: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--smp" => smp = Some(qemu::parse_smp(value(args, &mut i)).unwrap_or_else(|e| die(e))),
            "--mem" => mem = qemu::parse_mem(value(args, &mut i)).unwrap_or_else(|e| die(e)),
            "--disk" => disk = Some(PathBuf::from(value(args, &mut i))),
            "--kopt" => kopts.push(value(args, &mut i).to_string()),
            "--swap" => swap = Some(value(args, &mut i).to_string()),
            "--icount" => icount = true,
            "--fresh" => fresh = true,
            "--gdb" => gdb = true,
            "--" => {
                prog = args[i + 1..].to_vec();
                if prog.is_empty() {
                    die("`--` needs a program to run");
                }
                break;
            }
            a => bad_arg("run", a),
        }
        i += 1;
    }
    // icount makes the counters deterministic but only works with one hart.
    let smp = match (icount, smp) {
        (true, Some(n)) if n != 1 => die("--icount needs --smp 1 (other harts never start)"),
        (true, _) => 1,
        (false, n) => n.unwrap_or(qemu::DEFAULT_SMP),
    };
    let bootargs = qemu::bootargs(&kopts, &prog).unwrap_or_else(|e| die(e));
    if let Some(d) = &disk {
        if !d.is_file() {
            die(format!("--disk {}: no such file", d.display()));
        }
    }
    prereq::ensure_prereqs().unwrap_or_else(|e| die(e));
    if gdb {
        prereq::ensure_gdb().unwrap_or_else(|e| die(e));
    }
    let b = builder::build(&root(), fresh).unwrap_or_else(|e| die(e));
    let swap_bytes = qemu::swap_bytes(swap.as_deref(), &mem).unwrap_or_else(|e| die(e));
    let swap_img = builder::target_dir(&root()).join("swap.img");
    let mut m = qemu::Machine::new(b.kernel, disk.unwrap_or(b.fs_img));
    m.swap = qemu::make_swap(&swap_img, swap_bytes).unwrap_or_else(|e| die(e));
    m.smp = smp;
    m.mem = mem;
    m.icount = icount;
    m.bootargs = bootargs;
    if gdb {
        let port = qemu::free_port().unwrap_or_else(|e| die(e));
        let script = builder::target_dir(&root()).join("gdbinit");
        std::fs::write(&script, qemu::gdb_script(&m.kernel, port))
            .unwrap_or_else(|e| die(format!("{}: {e}", script.display())));
        m.gdb_port = Some(port);
        eprintln!("xtask: QEMU waits for a debugger; in another terminal run:");
        eprintln!("    {} -q -x {}", prereq::GDB, script.display());
    }
    eprintln!("xtask: {}", m.display());
    if prog.is_empty() {
        eprintln!("xtask: to quit QEMU press Ctrl-A then X");
    }
    qemu::run_interactive(&m).unwrap_or_else(|e| die(e))
}

fn cmd_mkfs(args: &[String]) {
    let mut out = builder::fs_img_path(&root());
    let mut p = mkfs::Params::default();
    let mut adds = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--out" => out = PathBuf::from(value(args, &mut i)),
            "--size" => p.size = number("--size", value(args, &mut i)),
            "--inodes" => p.ninodes = number("--inodes", value(args, &mut i)),
            "--nlog" => p.nlog = number("--nlog", value(args, &mut i)),
            "--add" => adds.push(PathBuf::from(value(args, &mut i))),
            a => bad_arg("mkfs", a),
        }
        i += 1;
    }
    let mut m = mkfs::Mkfs::new(p).unwrap_or_else(|e| die(e));
    for a in &adds {
        m.add_host_path(abi::fs::ROOTINO, a)
            .unwrap_or_else(|e| die(e));
    }
    let used = m.used_blocks();
    let sb = m.superblock();
    std::fs::write(&out, m.finish()).unwrap_or_else(|e| die(format!("{}: {e}", out.display())));
    eprintln!(
        "xtask: wrote {}: {} blocks ({} used), {} inodes, log {} blocks",
        out.display(),
        sb.size,
        used,
        sb.ninodes,
        sb.nlog
    );
}

fn cmd_fsck(args: &[String]) -> i32 {
    let mut ls = false;
    let mut image = None;
    for a in args {
        match a.as_str() {
            "--ls" => ls = true,
            a if image.is_none() && !a.starts_with('-') => image = Some(PathBuf::from(a)),
            a => bad_arg("fsck", a),
        }
    }
    let image = image.unwrap_or_else(|| die("fsck needs an IMAGE"));
    let data = std::fs::read(&image).unwrap_or_else(|e| die(format!("{}: {e}", image.display())));
    let fs = fsread::FsImage::new(&data).unwrap_or_else(|e| die(e));
    let (listing, problems) = fsck::walk(&fs);
    if ls {
        for (path, inum, typ, nlink, size) in &listing {
            println!("{inum:>5} type {typ} nlink {nlink} {size:>9}  {path}");
        }
    }
    let s = fs.sb;
    let used = (0..s.size).filter(|&b| fs.block_in_use(b)).count();
    println!(
        "{}: {} blocks ({used} in use), {} inodes ({} reachable), log {} blocks (header n = {})",
        image.display(),
        s.size,
        s.ninodes,
        listing.len(),
        s.nlog,
        fs.log_header_count()
    );
    for p in &problems {
        println!("problem: {p}");
    }
    if problems.is_empty() {
        println!("clean");
        0
    } else {
        println!("{} problems", problems.len());
        1
    }
}

fn cmd_fsget(args: &[String]) -> i32 {
    let [image, path, out] = args else {
        eprintln!("usage: cargo xtask fsget IMAGE PATH OUT\n\n{USAGE}");
        return 2;
    };
    let path = if path.starts_with('/') {
        path.clone()
    } else {
        format!("/{path}")
    };
    let data = policycheck::get(Path::new(image), &path).unwrap_or_else(|e| die(e));
    std::fs::write(out, &data).unwrap_or_else(|e| die(format!("{out}: {e}")));
    eprintln!("xtask: {image}:{path} -> {out} ({} bytes)", data.len());
    0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprint!("{USAGE}");
        exit(2)
    };
    let rest = &args[1..];
    let status = match cmd.as_str() {
        "build" => {
            cmd_build(rest);
            0
        }
        "run" => cmd_run(rest),
        "test" => test::main(&root(), rest),
        "bench" => bench::main(&root(), rest),
        "sim" => sim::main(&root(), rest),
        "profile" => profile::main(&root(), rest),
        "mkfs" => {
            cmd_mkfs(rest);
            0
        }
        "fsck" => cmd_fsck(rest),
        "fsget" => cmd_fsget(rest),
        "usys" => {
            print!("{}", cbuild::gen_usys());
            0
        }
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            0
        }
        c => {
            eprintln!("xtask: unknown command {c}\n\n{USAGE}");
            2
        }
    };
    exit(status)
}
