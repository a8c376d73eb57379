//! The in-QEMU test suites `cargo xtask test` runs, in order. Each suite is
//! one QEMU boot of a fresh copy of target/fs.img running one program:
//! the kernel gets `KOPTS -- ARGV...` and init runs ARGV[0] once, then
//! powers off with its exit status.
//!
//! To add a suite, append an entry; fields you don't set come from
//! `Suite::DEFAULT`:
//!
//! ```ignore
//! Suite { name: "mmaptest", argv: &["mmaptest"], tests: 12, ..Suite::DEFAULT },
//! Suite { name: "cowtest-eager", argv: &["cowtest"], kopts: &["cow=0"], tests: 11, ..Suite::DEFAULT },
//! ```
//!
//! Every suite declares how many results it prints (`tests`, counted from
//! a real run): a test that no longer runs, or a PASS line lost in the
//! output, fails the suite ("usertests: 98 results, expected 99"). Adding
//! a test to a suite means raising its count here.

/// Checks a suite's number of results (PASS plus FAIL lines; for
/// [`Output::Xv6`] its verdicts) against the number it declares
/// (`expected`, 0: not declared).
pub fn check_count(n: u64, expected: u64) -> Result<(), String> {
    if expected == 0 {
        Err(format!(
            "{n} results, but the suite declares no count (`tests` in xtask/src/suites.rs)"
        ))
    } else if n != expected {
        Err(format!("{n} results, expected {expected}"))
    } else {
        Ok(())
    }
}

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
    /// How many results (PASS and FAIL lines) the suite's console shows,
    /// counted from a real run; any other number fails the suite (see
    /// [`check_count`]). Checks run on the host afterwards (`host_check`)
    /// are not in it.
    pub tests: u64,
    /// The count under `--stress` when `stress_argv` is set; 0: `tests`.
    pub stress_tests: u64,
    /// Whether fsck finding problems in the image the suite leaves behind
    /// fails the suite. True for every suite: init powers off only after
    /// the program has exited, its files closed and its transactions
    /// committed, so the image must be clean. False makes the problems a
    /// note; that needs a reason next to the entry (no suite has one).
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
        tests: 0,
        stress_tests: 0,
        fsck_must_pass: true,
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

    /// The count that applies to this run.
    pub fn expected(&self, stress: bool) -> u64 {
        if stress && !self.stress_argv.is_empty() && self.stress_tests != 0 {
            self.stress_tests
        } else {
            self.tests
        }
    }
}

pub const SUITES: &[Suite] = &[
    // faultline's usertests (user/src/bin/usertests).
    Suite {
        name: "usertests",
        argv: &["usertests"],
        tests: 99,
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
        tests: 18,
        ..Suite::DEFAULT
    },
    // xv6's forktest in PASS/FAIL form (user/c/forktest.c).
    Suite {
        name: "forktest",
        argv: &["forktest"],
        tests: 4,
        ..Suite::DEFAULT
    },
    // The virtual-memory suites (user/src/bin/*): copy-on-write fork, lazy
    // sbrk, the demand stack, zero-fill, demand-paged exec, mmap.
    Suite {
        name: "cowtest",
        argv: &["cowtest"],
        tests: 11,
        timeout_s: 180,
        ..Suite::DEFAULT
    },
    Suite {
        name: "lazytests",
        // lazyoom and eagerfail need memory to run out at RAM.
        swap: "0",
        argv: &["lazytests"],
        tests: 11,
        timeout_s: 180,
        ..Suite::DEFAULT
    },
    Suite {
        name: "stacktest",
        argv: &["stacktest"],
        tests: 6,
        ..Suite::DEFAULT
    },
    Suite {
        name: "zerofill",
        argv: &["zerofill"],
        tests: 6,
        ..Suite::DEFAULT
    },
    Suite {
        name: "execdemand",
        argv: &["execdemand"],
        tests: 5,
        ..Suite::DEFAULT
    },
    Suite {
        name: "mmaptests",
        argv: &["mmaptests"],
        tests: 30,
        timeout_s: 180,
        ..Suite::DEFAULT
    },
    // Bad input from user programs and xv6 compatibility (issue 7):
    // user/src/bin/hardtests.
    Suite {
        name: "hardtests",
        argv: &["hardtests"],
        tests: 14,
        timeout_s: 240,
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
        tests: 2,
        kopts: &["init=/initoom"],
        mem: "32M",
        swap: "0",
        ..Suite::DEFAULT
    },
    // The same with a small swap disk, which fills up.
    Suite {
        name: "initoom-swap",
        argv: &["initoom"],
        tests: 2,
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
        tests: 4,
        mem: "32M",
        ..Suite::DEFAULT
    },
    Suite {
        name: "countfree-noswap",
        argv: &["countfree"],
        tests: 4,
        mem: "32M",
        swap: "0",
        ..Suite::DEFAULT
    },
    Suite {
        name: "countfree-1hart",
        argv: &["countfree"],
        tests: 4,
        mem: "32M",
        smp: 1,
        ..Suite::DEFAULT
    },
    Suite {
        name: "countfree-1hart-noswap",
        argv: &["countfree"],
        tests: 4,
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
        // One result per round after the warm-up round 0: ROUNDS of them.
        tests: 4,
        timeout_s: 240,
        stress_argv: &["fuzz", "40", "3000", "7"],
        stress_tests: 40,
        stress_timeout_s: 3600,
        ..Suite::DEFAULT
    },
    // Page replacement in resident-limited regions (user/src/bin/policytests.rs);
    // afterwards the host replays the traces it recorded (xtask/src/policycheck.rs).
    Suite {
        name: "policytests",
        argv: &["policytests"],
        tests: 17,
        // About 30 s on an idle machine; faults read and write the disk.
        timeout_s: 300,
        host_check: Some(crate::policycheck::check),
        ..Suite::DEFAULT
    },
    // The boot options reach the kernel.
    Suite {
        name: "policytests-kopt",
        argv: &["policytests", "--boot", "eclock", "30"],
        tests: 1,
        kopts: &["policy=eclock", "scan_ms=30"],
        ..Suite::DEFAULT
    },
    // Paging to disk: little RAM so every test pushes pages out; swap is
    // twice the RAM (the default).
    Suite {
        name: "swaptests",
        argv: &["swaptests"],
        // setup, then each test and its baseline check.
        tests: 23,
        mem: "48M",
        timeout_s: 600,
        ..Suite::DEFAULT
    },
    // The same machine without a swap disk: clean pages still go, and
    // running out kills one process.
    Suite {
        name: "swaptests-noswap",
        argv: &["swaptests", "execshort", "swapfull"],
        tests: 5,
        mem: "48M",
        swap: "0",
        ..Suite::DEFAULT
    },
    // Fork without copy-on-write (`cow=0`: fork copies every private page
    // at once, mm/fork.rs), so the eager paths run too. cowtest checks the
    // eager behaviour when it finds cow off; forktest forks to the limit;
    // usertests' fork tests, with memory running out at RAM (oomfork).
    Suite {
        name: "cowtest-eager",
        argv: &["cowtest"],
        tests: 11,
        kopts: &["cow=0"],
        timeout_s: 180,
        ..Suite::DEFAULT
    },
    Suite {
        name: "forktest-eager",
        argv: &["forktest"],
        tests: 4,
        kopts: &["cow=0"],
        ..Suite::DEFAULT
    },
    Suite {
        name: "usertests-eager",
        argv: &[
            "usertests",
            "forkbasic",
            "forktest",
            "twochildren",
            "forkfork",
            "reparent",
            "reparent2",
            "parallelsbrk",
            "oomfork",
            "leakcheck",
        ],
        tests: 9,
        kopts: &["cow=0"],
        swap: "0",
        timeout_s: 300,
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
            assert_ne!(s.tests, 0, "{}: declare `tests`", s.name);
        }
        for n in ["usertests", "ctest", "forktest"] {
            assert!(find(n).unwrap().default);
        }
        assert_eq!(find("ctest").unwrap().program_path(), "/ctest");
    }

    #[test]
    fn counts() {
        assert_eq!(check_count(3, 3), Ok(()));
        assert_eq!(check_count(98, 99).unwrap_err(), "98 results, expected 99");
        assert_eq!(check_count(3, 2).unwrap_err(), "3 results, expected 2");
        assert!(check_count(0, 0).is_err());
        assert!(check_count(4, 0).unwrap_err().contains("declares no count"));
        let fuzz = Suite {
            argv: &["fuzz"],
            stress_argv: &["fuzz", "long"],
            tests: 4,
            stress_tests: 40,
            ..Suite::DEFAULT
        };
        assert_eq!(fuzz.expected(false), 4);
        assert_eq!(fuzz.expected(true), 40);
        // Without a stress_argv --stress runs the usual argv and count.
        let plain = Suite {
            stress_argv: &[],
            ..fuzz
        };
        assert_eq!(plain.expected(true), 4);
        // A stress argv with the same number of results keeps `tests`.
        let same = Suite {
            stress_tests: 0,
            ..fuzz
        };
        assert_eq!(same.expected(true), 4);
    }
}
