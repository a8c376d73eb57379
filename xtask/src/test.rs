//! `cargo xtask test [--no-host] [--stress] [--list] [SUITE...]`: host unit
//! tests, then the build, then each in-QEMU suite in its own boot on a
//! fresh copy of the image. Ends with exactly one line `N passed, N failed`.
//!
//! `--stress` runs the race-hunting tests far longer: the host file-system
//! race scenario does 20000 operations per thread instead of 400 (through
//! `FSTEST_RACE_ROUNDS`), and suites with a `stress_argv` run that instead
//! of their normal arguments.

use crate::builder::{self, Built};
use crate::fsread::FsImage;
use crate::gdbcheck;
use crate::qemu::{self, Machine};
use crate::suites::{self, Output, Suite};
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub passed: u64,
    pub failed: u64,
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, o: Totals) {
        self.passed += o.passed;
        self.failed += o.failed;
    }
}

/// Sums the `test result: ok. N passed; M failed; ...` lines of `cargo test`.
/// Returns None if there were none (e.g. the tests did not compile).
pub fn parse_cargo_test(out: &str) -> Option<Totals> {
    let mut t = Totals::default();
    let mut seen = false;
    for line in out.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        seen = true;
        let words: Vec<&str> = rest.split_whitespace().collect();
        for w in words.windows(2) {
            let n = w[0].parse::<u64>().ok();
            match (n, w[1].trim_end_matches([';', ','])) {
                (Some(n), "passed") => t.passed += n,
                (Some(n), "failed") => t.failed += n,
                _ => {}
            }
        }
    }
    seen.then_some(t)
}

/// What a suite's console output says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    /// The FAIL lines (or xv6 failures), for the summary.
    pub failures: Vec<String>,
    /// Lines starting with `panic:`.
    pub panics: Vec<String>,
    /// `init: exec PROG failed` lines.
    pub exec_failed: Vec<String>,
}

/// Counts PASS/FAIL lines (and, for `Output::Xv6`, xv6's usertests and
/// forktest verdicts) in `out`.
pub fn parse_output(out: &str, mode: Output, suite: &str) -> Tally {
    let mut t = Tally::default();
    // xv6 usertests prints "test NAME: " before running a test and OK or
    // FAILED when it is done, maybe lines later (children print in between).
    let mut pending: Option<String> = None;
    for raw in out.lines() {
        let line = raw.trim_end_matches('\r').trim();
        if line.starts_with("panic:") {
            t.panics.push(line.to_string());
        }
        if line.starts_with("init: exec ") {
            t.exec_failed.push(line.to_string());
        }
        if line.starts_with("PASS ") {
            t.passed += 1;
            continue;
        }
        if line.starts_with("FAIL ") {
            t.failed += 1;
            t.failures.push(line.to_string());
            continue;
        }
        if mode != Output::Xv6 {
            continue;
        }
        let mut verdict = line;
        if let Some(rest) = line.strip_prefix("test ") {
            if let Some((name, after)) = rest.split_once(':') {
                if let Some(p) = pending.take() {
                    t.failed += 1;
                    t.failures.push(format!("FAIL {suite}/{p}: no verdict"));
                }
                pending = Some(name.to_string());
                verdict = after.trim();
            }
        }
        let failed = verdict.contains("FAILED");
        let ok = verdict.ends_with("OK");
        match pending.take() {
            Some(p) if failed => {
                t.failed += 1;
                t.failures.push(format!("FAIL {suite}/{p}: {line}"));
            }
            Some(_) if ok => t.passed += 1,
            Some(p) => pending = Some(p),
            // "SOME TESTS FAILED" sums up failures already counted.
            None if failed && verdict != "SOME TESTS FAILED" => {
                t.failed += 1;
                t.failures.push(format!("FAIL {suite}: {line}"));
            }
            // forktest's "fork test OK".
            None if verdict.ends_with(" OK") => t.passed += 1,
            None => {}
        }
    }
    if let Some(p) = pending {
        t.failed += 1;
        t.failures.push(format!("FAIL {suite}/{p}: no verdict"));
    }
    t
}

/// Turns a suite's tally and QEMU's fate into counts: PASS lines pass,
/// FAIL lines fail, and the boot itself counts one more failure if QEMU
/// timed out, exited nonzero, the kernel panicked, nothing passed, or the
/// number of results is not the `expected` one.
pub fn judge(
    t: &Tally,
    code: Option<i32>,
    timed_out: bool,
    timeout_s: u64,
    expected: u64,
) -> (Totals, Vec<String>) {
    let mut why = Vec::new();
    if timed_out {
        why.push(format!("timed out after {timeout_s} s (QEMU killed)"));
    } else {
        match code {
            Some(0) => {}
            Some(c) => why.push(format!("QEMU exit status {c}")),
            None => why.push("QEMU killed by a signal".to_string()),
        }
    }
    for l in &t.exec_failed {
        why.push(format!("program not run: {l:?}"));
    }
    for p in &t.panics {
        why.push(format!("kernel {p}"));
    }
    if t.passed == 0 {
        why.push("no PASS lines".to_string());
    }
    if let Err(e) = suites::check_count(t.passed + t.failed, expected) {
        why.push(e);
    }
    let extra = u64::from(!why.is_empty());
    (
        Totals {
            passed: t.passed,
            failed: t.failed + extra,
        },
        why,
    )
}

/// Operations per thread of `fstest race` under `--stress`.
const STRESS_RACE_ROUNDS: &str = "20000";

fn host_tests(root: &Path, stress: bool) -> Totals {
    println!("==> host tests: cargo test --workspace --exclude kernel --exclude user");
    let mut c = builder::cargo(root);
    if stress {
        c.env("FSTEST_RACE_ROUNDS", STRESS_RACE_ROUNDS);
    }
    c.args([
        "test",
        "--workspace",
        "--exclude",
        "kernel",
        "--exclude",
        "user",
    ])
    .arg("--target-dir")
    .arg(builder::target_dir(root));
    let r = match qemu::run_captured(c, None, true) {
        Ok(r) => r,
        Err(e) => {
            println!("FAIL host: {e}");
            return Totals {
                passed: 0,
                failed: 1,
            };
        }
    };
    let mut t = parse_cargo_test(&r.stdout).unwrap_or_default();
    if r.code != Some(0) && t.failed == 0 {
        // Did not build, or crashed outside a test.
        println!("FAIL host: cargo test exited with {:?}", r.code);
        t.failed += 1;
    }
    println!("==> host tests: {} passed, {} failed", t.passed, t.failed);
    t
}

fn run_suite(root: &Path, b: &Built, s: &Suite, stress: bool, smp: Option<u32>) -> Totals {
    let prog = s.program_path();
    let (argv, timeout_s) = if stress && !s.stress_argv.is_empty() {
        (s.stress_argv, s.stress_timeout_s.max(s.timeout_s))
    } else {
        (s.argv, s.timeout_s)
    };
    println!("==> suite {}: {}", s.name, argv.join(" "));
    let present = FsImage::new(&b.image).and_then(|fs| fs.lookup(&prog));
    match present {
        Ok(Some(_)) => {}
        Ok(None) => {
            let stem = prog.rsplit('/').next().unwrap_or("");
            println!(
                "FAIL {}: {prog} is not in the image (no user/src/bin/{stem}.rs or user/c/{stem}.c yet?)",
                s.name
            );
            return Totals {
                passed: 0,
                failed: 1,
            };
        }
        Err(e) => {
            println!("FAIL {}: cannot read the image: {e}", s.name);
            return Totals {
                passed: 0,
                failed: 1,
            };
        }
    }
    let dir = builder::target_dir(root).join("test");
    let disk = dir.join(format!("{}.img", s.name));
    let copied = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&disk, &b.image));
    if let Err(e) = copied {
        println!("FAIL {}: {}: {e}", s.name, disk.display());
        return Totals {
            passed: 0,
            failed: 1,
        };
    }
    let mut m = Machine::new(b.kernel.clone(), disk);
    m.smp = smp.unwrap_or(s.smp);
    m.mem = s.mem.to_string();
    let swap = qemu::swap_bytes((!s.swap.is_empty()).then_some(s.swap), s.mem)
        .and_then(|n| qemu::make_swap(&dir.join(format!("{}.swap.img", s.name)), n));
    m.swap = match swap {
        Ok(sw) => sw,
        Err(e) => {
            println!("FAIL {}: {e}", s.name);
            return Totals {
                passed: 0,
                failed: 1,
            };
        }
    };
    m.bootargs = match qemu::bootargs(s.kopts, argv) {
        Ok(a) => a,
        Err(e) => {
            println!("FAIL {}: {e}", s.name);
            return Totals {
                passed: 0,
                failed: 1,
            };
        }
    };
    println!("    {}", m.display());
    let r = match qemu::run_captured(m.command(), Some(Duration::from_secs(timeout_s)), true) {
        Ok(r) => r,
        Err(e) => {
            println!("FAIL {}: {e}", s.name);
            return Totals {
                passed: 0,
                failed: 1,
            };
        }
    };
    let tally = parse_output(&r.stdout, s.output, s.name);
    let expected = s.expected(stress);
    let (mut tot, mut why) = judge(&tally, r.code, r.timed_out, timeout_s, expected);
    let problems = fsck_problems(&m.disk);
    if s.fsck_must_pass && !problems.is_empty() {
        tot.failed += 1;
        why.push(format!(
            "fsck finds {} problems, first: {}",
            problems.len(),
            problems[0]
        ));
    }
    let mut host_failures = Vec::new();
    for (name, res) in s.host_check.map(|f| f(&m.disk, &dir)).unwrap_or_default() {
        match res {
            Ok(detail) => {
                println!("PASS {name} ({detail})");
                tot.passed += 1;
            }
            Err(e) => {
                println!("FAIL {name}: {e}");
                host_failures.push(format!("FAIL {name}: {e}"));
                tot.failed += 1;
            }
        }
    }
    // QEMU's own complaints (bad option, missing file) explain a failed boot.
    if let Some(l) = r.stderr.lines().find(|l| !l.trim().is_empty()) {
        if !why.is_empty() {
            why.push(format!("QEMU said: {}", l.trim()));
        }
    }
    println!(
        "==> suite {}: {} passed, {} failed in {:.1} s{}",
        s.name,
        tot.passed,
        tot.failed,
        r.elapsed.as_secs_f64(),
        if why.is_empty() {
            String::new()
        } else {
            format!(" ({})", why.join("; "))
        }
    );
    for f in tally.failures.iter().chain(&host_failures) {
        println!("    {f}");
    }
    if !s.fsck_must_pass {
        fsck_note(&m.disk, &problems);
    }
    tot
}

/// What fsck finds wrong with the image a suite left behind.
fn fsck_problems(disk: &Path) -> Vec<String> {
    match std::fs::read(disk) {
        Ok(data) => match FsImage::new(&data) {
            Ok(fs) => crate::fsck::check(&fs),
            Err(e) => vec![e],
        },
        Err(e) => vec![format!("reading {}: {e}", disk.display())],
    }
}

/// fsck's findings as a note, for a suite exempted from failing on them
/// (`Suite::fsck_must_pass` false; none is today).
fn fsck_note(disk: &Path, problems: &[String]) {
    if !problems.is_empty() {
        let d = disk.display();
        println!(
            "    note: fsck finds {} problems in {d} (first: {}); see cargo xtask fsck {d}",
            problems.len(),
            problems[0]
        );
    }
}

const USAGE: &str = "usage: cargo xtask test [--no-host] [--stress] [--smp N] [--list] [SUITE...]";

/// Runs the tests; returns the process exit status.
pub fn main(root: &Path, args: &[String]) -> i32 {
    let mut host = true;
    let mut stress = false;
    let mut names: Vec<&str> = Vec::new();
    let mut smp: Option<u32> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--no-host" => host = false,
            "--stress" => stress = true,
            "--smp" => match it.next().and_then(|n| n.parse().ok()) {
                Some(n @ 1..=8) => smp = Some(n),
                _ => {
                    eprintln!("xtask test: --smp needs 1 to 8\n{USAGE}");
                    return 2;
                }
            },
            "--list" => {
                for s in suites::SUITES {
                    println!(
                        "{:<16} {:<28} smp={} mem={} timeout={}s kopts=[{}] tests={}{}",
                        s.name,
                        s.argv.join(" "),
                        s.smp,
                        s.mem,
                        s.timeout_s,
                        s.kopts.join(" "),
                        s.tests,
                        if s.default { "" } else { " (only when named)" }
                    );
                }
                println!(
                    "{:<16} gdb-multiarch breaks in {} (a host-driven check)",
                    gdbcheck::NAME,
                    gdbcheck::FAULT_HANDLER
                );
                return 0;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return 0;
            }
            f if f.starts_with('-') => {
                eprintln!("xtask test: unknown flag {f}\n{USAGE}");
                return 2;
            }
            n => names.push(n),
        }
    }
    // The gdb check runs with the default set, or when named.
    let named_gdb = names.contains(&gdbcheck::NAME);
    names.retain(|&n| n != gdbcheck::NAME);
    let all = names.is_empty() && !named_gdb;
    let gdb = all || named_gdb;
    let selected: Vec<&Suite> = if all {
        suites::SUITES.iter().filter(|s| s.default).collect()
    } else {
        let mut v = Vec::new();
        for n in names {
            match suites::find(n) {
                Some(s) => v.push(s),
                None => {
                    let all: Vec<_> = suites::SUITES.iter().map(|s| s.name).collect();
                    eprintln!("xtask test: no suite {n:?}; suites: {}", all.join(", "));
                    return 2;
                }
            }
        }
        v
    };

    let mut total = Totals::default();
    if host {
        total += host_tests(root, stress);
    }
    let built = crate::prereq::ensure_prereqs().and_then(|_| builder::build(root, false));
    match built {
        Ok(b) => {
            for s in selected {
                total += run_suite(root, &b, s, stress, smp);
            }
            if gdb {
                total += gdbcheck::check(root, &b);
            }
        }
        Err(e) => {
            println!("FAIL build: {e}");
            total.failed += 1;
            for s in selected {
                println!("FAIL {}: not run (build failed)", s.name);
                total.failed += 1;
            }
        }
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    i32::from(total.failed != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_test_lines() {
        let out = "\
running 3 tests
test a ... ok
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

running 2 tests
test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

   Doc-tests abi
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        assert_eq!(
            parse_cargo_test(out),
            Some(Totals {
                passed: 4,
                failed: 1
            })
        );
        assert_eq!(parse_cargo_test("error[E0425]: cannot find value"), None);
    }

    #[test]
    fn pass_fail_lines() {
        let out = "OpenSBI v1.1\r\n\
                   PASS c/printf\r\n\
                   FAIL c/sbrk: got -1\r\n\
                   xPASS not at line start\n\
                   PASS c/fork\n\
                   panic: kerneltrap hart 1 sepc 0x80201234 scause 0xd stval 0x0\n";
        let t = parse_output(out, Output::PassFail, "ctest");
        assert_eq!(t.passed, 2);
        assert_eq!(t.failed, 1);
        assert_eq!(t.failures, ["FAIL c/sbrk: got -1"]);
        assert_eq!(t.panics.len(), 1);
        // Xv6-looking lines mean nothing in PassFail mode.
        let t = parse_output("test x: OK\nfork test OK\n", Output::PassFail, "s");
        assert_eq!((t.passed, t.failed), (0, 0));
    }

    #[test]
    fn xv6_usertests_output() {
        let out = "usertests starting\n\
                   test copyin: OK\n\
                   test sbrkbugs: usertests: child printed something\n\
                   OK\n\
                   test bigargtest: FAILED\n\
                   test never: \n\
                   test last: OK\n\
                   SOME TESTS FAILED\n";
        let t = parse_output(out, Output::Xv6, "xv6");
        assert_eq!(t.passed, 3, "{t:?}");
        assert_eq!(t.failed, 2, "{t:?}");
        assert_eq!(
            t.failures[0],
            "FAIL xv6/bigargtest: test bigargtest: FAILED"
        );
        assert_eq!(t.failures[1], "FAIL xv6/never: no verdict");
        // Cut off mid-test.
        let t = parse_output("test copyin: OK\ntest sbrk: ", Output::Xv6, "u");
        assert_eq!((t.passed, t.failed), (1, 1));
        let t = parse_output("fork test\nfork test OK\n", Output::Xv6, "forktest");
        assert_eq!((t.passed, t.failed), (1, 0));
        let t = parse_output(
            "FAILED -- lost some free pages 3 (out of 9)\n",
            Output::Xv6,
            "u",
        );
        assert_eq!((t.passed, t.failed), (0, 1));
    }

    #[test]
    fn judging_a_boot() {
        let ok = Tally {
            passed: 3,
            ..Tally::default()
        };
        assert_eq!(
            judge(&ok, Some(0), false, 9, 3).0,
            Totals {
                passed: 3,
                failed: 0
            }
        );
        let (t, why) = judge(&ok, Some(1), false, 9, 3);
        assert_eq!(
            t,
            Totals {
                passed: 3,
                failed: 1
            }
        );
        assert_eq!(why, ["QEMU exit status 1"]);
        let (t, why) = judge(&ok, None, true, 9, 3);
        assert_eq!(t.failed, 1);
        assert!(why[0].contains("timed out after 9 s"));
        let none = Tally::default();
        let (t, why) = judge(&none, Some(0), false, 9, 3);
        assert_eq!(t.failed, 1);
        assert_eq!(why, ["no PASS lines", "0 results, expected 3"]);
        // Several reasons still count one failure for the boot.
        let bad = parse_output(
            "PASS a/b\npanic: oops\ninit: exec nope failed\n",
            Output::PassFail,
            "a",
        );
        let (t, why) = judge(&bad, Some(127), false, 9, 1);
        assert_eq!(
            t,
            Totals {
                passed: 1,
                failed: 1
            }
        );
        assert_eq!(why.len(), 3);
    }

    #[test]
    fn counting_results() {
        // A clean boot that lost a PASS line fails, saying how many.
        let lost = parse_output("PASS u/a\nPASS u/b\n", Output::PassFail, "u");
        let (t, why) = judge(&lost, Some(0), false, 9, 3);
        assert_eq!(
            t,
            Totals {
                passed: 2,
                failed: 1
            }
        );
        assert_eq!(why, ["2 results, expected 3"]);
        // FAIL lines are results too: a failing test is not a dropped one.
        let one_failed = parse_output("PASS u/a\nFAIL u/b: no\nPASS u/c\n", Output::PassFail, "u");
        let (t, why) = judge(&one_failed, Some(1), false, 9, 3);
        assert_eq!(why, ["QEMU exit status 1"]);
        assert_eq!(
            t,
            Totals {
                passed: 2,
                failed: 2
            }
        );
        // One too many (a test added without raising the count).
        let extra = parse_output("PASS u/a\nPASS u/b\n", Output::PassFail, "u");
        let (t, why) = judge(&extra, Some(0), false, 9, 1);
        assert_eq!(t.failed, 1);
        assert_eq!(why, ["2 results, expected 1"]);
        // xv6 verdicts count, including one cut off with no verdict.
        let xv6 = parse_output("test a: OK\ntest b: ", Output::Xv6, "x");
        let (_, why) = judge(&xv6, None, true, 9, 2);
        assert_eq!(why, ["timed out after 9 s (QEMU killed)"]);
        // An undeclared count fails even a clean run.
        let (t, why) = judge(&extra, Some(0), false, 9, 0);
        assert_eq!(t.failed, 1);
        assert!(why[0].contains("declares no count"), "{why:?}");
    }
}
