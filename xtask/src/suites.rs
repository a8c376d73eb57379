//! The in-QEMU test suites `cargo xtask test` runs, in order. Each suite is
//! one QEMU boot of a fresh copy of target/fs.img running one program:
//! the kernel gets `KOPTS -- ARGV...` and init runs ARGV[0] once, then
//! powers off with its exit status.
//!
//! To add a suite, append an entry; fields you don't set come from
//! `Suite::DEFAULT`:
//!
//! ```ignore
//! Suite { name: "mmaptest", argv: &["mmaptest"], ..Suite::DEFAULT },
//! Suite { name: "cowtest-eager", argv: &["cowtest"], kopts: &["cow=0"], ..Suite::DEFAULT },
//! ```

/// How a suite reports its results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// faultline's protocol: `PASS <suite>/<name>` / `FAIL <suite>/<name>: <reason>` lines.
    PassFail,
    /// xv6's own programs, unchanged: usertests' `test NAME: OK|FAILED`
    /// (each test a PASS or FAIL), forktest's `fork test OK` (a PASS), other
    /// lines holding FAILED (a FAIL). PASS/FAIL lines are counted too.
    Xv6,
}

#[derive(Clone, Copy, Debug)]
pub struct Suite {
    /// Name used on the command line (`cargo xtask test NAME`) and in reports.
    pub name: &'static str,
    /// Program and arguments; a program without '/' is looked up as /PROG.
    pub argv: &'static [&'static str],
    /// Harts (1..=8).
    pub smp: u32,
    /// QEMU -m.
    pub mem: &'static str,
    /// Wall-clock limit in seconds; on expiry QEMU is killed and the suite fails.
    pub timeout_s: u64,
    /// Kernel options (`key=value`), placed before `--` in the boot arguments.
    pub kopts: &'static [&'static str],
    pub output: Output,
    /// Run by a plain `cargo xtask test`; if false, only when named.
    pub default: bool,
    /// Arguments under `cargo xtask test --stress` (same program, a longer
    /// run); empty: `argv` as usual.
    pub stress_argv: &'static [&'static str],
    /// Wall-clock limit under `--stress` if `stress_argv` is set; 0: `timeout_s`.
    pub stress_timeout_s: u64,
    /// Whether fsck finding problems in the image the suite leaves behind
    /// fails the suite (otherwise it is a note).
    pub fsck_must_pass: bool,
    /// Checks run on the host against the disk image the boot left behind
    /// (name, Ok(detail) or Err(why)); each counts as one test.
    pub host_check: Option<HostCheck>,
    /// Swap disk size (`--swap`): "" for the default, twice `mem`; "0"
    /// for none.
    pub swap: &'static str,
}

/// See [`Suite::host_check`]: (disk image, scratch directory).
pub type HostCheck =
    fn(&std::path::Path, &std::path::Path) -> Vec<(String, Result<String, String>)>;

impl Suite {
    pub const DEFAULT: Suite = Suite {
        name: "",
        argv: &[],
        smp: 3,
        mem: "128M",
        timeout_s: 120,
        kopts: &[],
        output: Output::PassFail,
        default: true,
        stress_argv: &[],
        stress_timeout_s: 0,
        fsck_must_pass: false,
        host_check: None,
        swap: "",
    };

    /// The path init will exec, as the image must hold it.
    pub fn program_path(&self) -> String {
        let p = self.argv.first().copied().unwrap_or("");
        if p.contains('/') {
            p.to_string()
        } else {
            format!("/{p}")
        }
    }
}

pub const SUITES: &[Suite] = &[
    // faultline's usertests (user/src/bin/usertests).
    Suite {
        name: "usertests",
        argv: &["usertests"],
        // About 100 s on an idle 2-core machine, most of it diskfull
        // filling the disk; several times that when the machine is busy.
        timeout_s: 900,
        // Its out-of-memory tests (usertests/oom.rs) need memory to run
        // out at RAM: without swap, that is where it does.
        swap: "0",
        ..Suite::DEFAULT
    },
    // Tests of the C runtime and the system calls it wraps (user/c/ctest.c).
    Suite {
        name: "ctest",
        argv: &["ctest"],
        ..Suite::DEFAULT
    },
    // xv6's forktest in PASS/FAIL form (user/c/forktest.c).
    Suite {
        name: "forktest",
        argv: &["forktest"],
        ..Suite::DEFAULT
    },
    // The virtual-memory suites (user/src/bin/*): copy-on-write fork, lazy
    // sbrk, the demand stack, zero-fill, demand-paged exec, mmap.
    Suite {
        name: "cowtest",
        argv: &["cowtest"],
        timeout_s: 180,
        ..Suite::DEFAULT
    },
    Suite {
        name: "lazytests",
        // lazyoom and eagerfail need memory to run out at RAM.
        swap: "0",
        argv: &["lazytests"],
        timeout_s: 180,
        ..Suite::DEFAULT
    },
    Suite {
        name: "stacktest",
        argv: &["stacktest"],
        ..Suite::DEFAULT
    },
    Suite {
        name: "zerofill",
        argv: &["zerofill"],
        ..Suite::DEFAULT
    },
    Suite {
        name: "execdemand",
        argv: &["execdemand"],
        ..Suite::DEFAULT
    },
    Suite {
        name: "mmaptests",
        argv: &["mmaptests"],
        timeout_s: 180,
        ..Suite::DEFAULT
    },
    // Bad input from user programs and xv6 compatibility (issue 7):
    // user/src/bin/hardtests.
    Suite {
        name: "hardtests",
        argv: &["hardtests"],
        timeout_s: 240,
        fsck_must_pass: true,
        // Memory runs out at RAM, as on xv6; the frame-count checks (holdfork,
        // holdexec) would otherwise see frames move into the swap cache.
        swap: "0",
        ..Suite::DEFAULT
    },
    // init is never killed for lack of memory (issue 7 item 3): the test
    // program is itself the first process (user/src/bin/initoom.rs).
    Suite {
        name: "initoom",
        argv: &["initoom"],
        kopts: &["init=/initoom"],
        mem: "32M",
        swap: "0",
        ..Suite::DEFAULT
    },
    // The same with a small swap disk, which fills up.
    Suite {
        name: "initoom-swap",
        argv: &["initoom"],
        kopts: &["init=/initoom"],
        mem: "32M",
        swap: "8M",
        ..Suite::DEFAULT
    },
    // xv6's count of free memory by eager sbrk is the same before and after
    // the counting program faults in more of its own code (issue 7 item 11;
    // user/c/countfree.c), with and without swap, on 3 harts and on 1.
    Suite {
        name: "countfree",
        argv: &["countfree"],
        mem: "32M",
        ..Suite::DEFAULT
    },
    Suite {
        name: "countfree-noswap",
        argv: &["countfree"],
        mem: "32M",
        swap: "0",
        ..Suite::DEFAULT
    },
    Suite {
        name: "countfree-1hart",
        argv: &["countfree"],
        mem: "32M",
        smp: 1,
        ..Suite::DEFAULT
    },
    Suite {
        name: "countfree-1hart-noswap",
        argv: &["countfree"],
        mem: "32M",
        smp: 1,
        swap: "0",
        ..Suite::DEFAULT
    },
    // The system-call fuzzer (user/src/bin/fuzz.rs): ROUNDS, CALLS per
    // worker, SEED. A short run by default, a long one with --stress.
    Suite {
        name: "fuzz",
        argv: &["fuzz", "4", "400", "1"],
        timeout_s: 240,
        stress_argv: &["fuzz", "40", "3000", "7"],
        stress_timeout_s: 3600,
        fsck_must_pass: true,
        ..Suite::DEFAULT
    },
    // Page replacement in resident-limited regions (user/src/bin/policytests.rs);
    // afterwards the host replays the traces it recorded (xtask/src/policycheck.rs).
    Suite {
        name: "policytests",
        argv: &["policytests"],
        // About 30 s on an idle machine; faults read and write the disk.
        timeout_s: 300,
        host_check: Some(crate::policycheck::check),
        ..Suite::DEFAULT
    },
    // The boot options reach the kernel.
    Suite {
        name: "policytests-kopt",
        argv: &["policytests", "--boot", "eclock", "30"],
        kopts: &["policy=eclock", "scan_ms=30"],
        ..Suite::DEFAULT
    },
    // Paging to disk: little RAM so every test pushes pages out; swap is
    // twice the RAM (the default).
    Suite {
        name: "swaptests",
        argv: &["swaptests"],
        mem: "48M",
        timeout_s: 600,
        ..Suite::DEFAULT
    },
    // The same machine without a swap disk: clean pages still go, and
    // running out kills one process.
    Suite {
        name: "swaptests-noswap",
        argv: &["swaptests", "execshort", "swapfull"],
        mem: "48M",
        swap: "0",
        ..Suite::DEFAULT
    },
];

pub fn find(name: &str) -> Option<&'static Suite> {
    SUITES.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_are_well_formed() {
        let mut names = std::collections::HashSet::new();
        for s in SUITES {
            assert!(!s.name.is_empty());
            assert!(names.insert(s.name), "duplicate suite {}", s.name);
            assert!(!s.argv.is_empty(), "{}: empty argv", s.name);
            assert!((1..=crate::qemu::MAX_SMP).contains(&s.smp), "{}", s.name);
            assert!(crate::qemu::parse_mem(s.mem).is_ok(), "{}", s.name);
            assert!(s.timeout_s > 0);
            crate::qemu::bootargs(s.kopts, s.argv).unwrap();
        }
        for n in ["usertests", "ctest", "forktest"] {
            assert!(find(n).unwrap().default);
        }
        assert_eq!(find("ctest").unwrap().program_path(), "/ctest");
    }
}
