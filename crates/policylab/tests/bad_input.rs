//! What bad input gets, through the real binary: a message naming the
//! problem (and the line or record), exit status 2, nothing on stdout, and
//! never a panic.

use std::path::PathBuf;
use std::process::Command;

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn lab(args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_policylab"))
        .args(args)
        .output()
        .expect("run policylab");
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    }
}

fn file(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("policylab-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

/// Refused: status 2, `why` in the message, no partial output, no panic.
fn refused(args: &[&str], why: &str) {
    let o = lab(args);
    assert_eq!(o.code, Some(2), "{args:?}: {}", o.stderr);
    assert!(o.stderr.contains(why), "{args:?}: {}", o.stderr);
    assert!(o.stderr.starts_with("policylab: "), "{}", o.stderr);
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    assert!(o.stdout.is_empty(), "{args:?} printed {}", o.stdout);
}

#[test]
fn bad_command_lines_exit_2() {
    refused(&["--refs", "1,2", "--frames", "0"], "at least 1");
    refused(&["--refs", "1,2", "--frames", "1..0"], "at least 1");
    refused(
        &["--refs", "1,2", "--frames", "3", "--policy", "lfu"],
        "unknown policy `lfu`",
    );
    refused(&["--refs", ",", "--frames", "3"], "empty");
    refused(&["--refs", "1,x", "--frames", "3"], "item 2 `x`");
    refused(
        &["--refs", "1", "--frames", "3", "--threads", "0"],
        "--threads",
    );
    refused(&["--bench", "0"], "--bench 0");
}

#[test]
fn bad_trace_files_exit_2_naming_the_line_or_record() {
    let s = |p: &PathBuf| p.display().to_string();
    let empty = file("empty.txt", b"# nothing but a comment\n\n");
    refused(&["--trace", &s(&empty), "--frames", "2"], "empty");
    let bad = file("bad.txt", b"1\n2\n3 x\n");
    refused(&["--trace", &s(&bad), "--frames", "2"], "line 3");
    let fl = file("bad.fl", b"r 0x10\nf 0x10\nr\n");
    refused(
        &["--trace", &s(&fl), "--format", "faultline", "--frames", "2"],
        "line 3",
    );
    // Two whole 24-byte records and a truncated third.
    let mut og = vec![0u8; 48];
    og.extend([1, 2, 3]);
    let og = file("trunc.bin", &og);
    refused(
        &[
            "--trace",
            &s(&og),
            "--format",
            "oracleGeneral",
            "--frames",
            "2",
        ],
        "record 3",
    );
    let og_empty = file("empty.bin", b"");
    refused(
        &[
            "--trace",
            &s(&og_empty),
            "--format",
            "oracleGeneral",
            "--frames",
            "2",
        ],
        "empty",
    );
    let csv = file("short.csv", b"id,op\n1,r\n2\n");
    refused(
        &[
            "--trace",
            &s(&csv),
            "--format",
            "csv",
            "--op-col",
            "op",
            "--frames",
            "2",
        ],
        "line 3",
    );
    refused(
        &["--trace", "/nonexistent/t.txt", "--frames", "2"],
        "/nonexistent/t.txt",
    );
    // An unwritable plot is refused before anything is printed.
    let good = file("good.txt", b"1\n2\n1\n");
    refused(
        &[
            "--trace",
            &s(&good),
            "--frames",
            "1..2",
            "--svg",
            "/nonexistent/p.svg",
        ],
        "/nonexistent/p.svg",
    );
}

#[test]
fn good_input_exits_0() {
    let o = lab(&[
        "--refs",
        "1,2,3,4,1,2,5,1,2,3,4,5",
        "--frames",
        "3,4",
        "--policy",
        "fifo",
        "--csv",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(
        o.stdout,
        "policy,frames,requests,faults,miss_ratio\nfifo,3,12,9,0.750000\nfifo,4,12,10,0.833333\n"
    );
}
