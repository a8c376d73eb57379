//! Each scenario runs in a fresh process: this test binary, started again
//! to run just that one test.
//!
//! The kernel's file system keeps its state in statics (buffer cache, inode
//! table, log, superblock), as a kernel does, and nothing resets them. A
//! scenario that fails part way can leave them inconsistent (a transaction
//! never ended, a buffer pinned), which would hang or fail every scenario
//! after it; and libtest runs tests on parallel threads that would share
//! them. A process per scenario gives each a clean kernel, lets them run in
//! parallel, and turns a hang into a failure after TIMEOUT.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set in the child to the name of the test it runs.
const CHILD_ENV: &str = "FSTEST_SCENARIO";

/// Printed by the child when the scenario returned: proves the child ran
/// it (a mistyped test name would run no test and still exit 0).
const DONE: &str = "fstest: scenario passed:";

/// Far more than any scenario needs (the slowest takes a few seconds).
const TIMEOUT: Duration = Duration::from_secs(120);

/// Run `scenario` as test `test` (its full libtest name, "tests::basic").
/// In the parent: start the child and check it passed. In the child: run it.
pub fn run(test: &str, scenario: fn()) {
    if let Some(name) = std::env::var_os(CHILD_ENV) {
        assert_eq!(name, test, "child started for another test");
        scenario();
        println!("{DONE} {test}");
        return;
    }
    let exe = std::env::current_exe().expect("current_exe");
    let mut child = Command::new(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the test binary");
    // Drain both pipes while waiting, so a chatty child can't block.
    let drain = |mut p: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = p.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for child") {
            break Some(s);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    // Shown by libtest if this test fails (or with --nocapture).
    print!("{out}");
    eprint!("{err}");
    let Some(status) = status else {
        panic!("{test}: no result after {TIMEOUT:?} (hung?); killed");
    };
    assert!(status.success(), "{test}: child failed ({status})");
    assert!(
        out.contains(&format!("{DONE} {test}\n")),
        "{test}: child exited 0 but did not run the scenario"
    );
    println!("{test}: {:.2?} in its own process", start.elapsed());
}
