//! The command line end to end: options, output shapes, and errors.

use policylab::cli::{parse_args, parse_frames, parse_policies, run, Command, CSV_HEADER, USAGE};
use policylab::PolicyName;

fn args(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn ok(s: &str) -> String {
    run(&args(s)).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn err(s: &str) -> String {
    run(&args(s)).expect_err(s)
}

#[test]
fn csv_output_shape() {
    let out = ok("--refs 1,2,3,4,1,2,5,1,2,3,4,5 --frames 3,4 --policy fifo,opt --csv");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(
        &lines[1..],
        [
            "fifo,3,12,9,0.750000",
            "fifo,4,12,10,0.833333",
            "opt,3,12,7,0.583333",
            "opt,4,12,6,0.500000",
        ]
    );
}

#[test]
fn all_runs_every_policy_at_every_frame_count() {
    let out = ok("--refs 1,2,3,1 --frames 1..3 --policy all --csv");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), PolicyName::ALL.len() * 3);
    for p in PolicyName::ALL {
        let frames: Vec<&str> = rows
            .iter()
            .filter(|r| r[0] == p.name())
            .map(|r| r[1])
            .collect();
        assert_eq!(frames, ["1", "2", "3"], "{}", p.name());
    }
    for name in ["fifo", "lru", "clock", "eclock", "lru-exact", "opt"] {
        assert!(PolicyName::ALL.iter().any(|p| p.name() == name), "{name}");
    }
    assert!(
        PolicyName::ALL
            .iter()
            .filter(|p| p.simulator_only())
            .count()
            >= 2
    );
    // The default is all, too.
    assert_eq!(ok("--refs 1,2,3,1 --frames 1..3 --csv"), out);
}

#[test]
fn table_output() {
    let out = ok("--refs 1,2w,3,1 --frames 2 --policy lru,sieve --scan-every 4");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "trace: --refs: 4 requests, 3 distinct pages, 1 writes"
    );
    let head: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        head,
        [
            "policy",
            "frames",
            "requests",
            "faults",
            "hits",
            "miss_ratio"
        ]
    );
    let row: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(row, ["lru", "2", "4", "4", "0", "1.0000"]);
    assert!(out.contains("lru: aging scan every 4 references"));
    assert!(out.contains("simulator-only (not in the kernel): sieve"));
}

#[test]
fn trace_files_and_kernel_counts() {
    let dir = std::env::temp_dir().join(format!("policylab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fl = dir.join("t.fltrace");
    std::fs::write(&fl, "r 1\nf 1\nr 2\nf 2\nr 1\n").unwrap();
    let csvf = dir.join("t.csv");
    std::fs::write(&csvf, "key,kind\na,r\nb,w\na,r\n").unwrap();
    let out = ok(&format!(
        "--trace {} --format faultline --frames 1 --policy fifo",
        fl.display()
    ));
    assert!(out.contains("(faultline): 3 requests"), "{out}");
    assert!(
        out.contains("kernel recorded: 2 faults, 0 evictions"),
        "{out}"
    );
    let out = ok(&format!(
        "--trace {} --format csv --id-col key --op-col kind --frames 2 --policy opt --csv",
        csvf.display()
    ));
    assert_eq!(out.lines().nth(1), Some("opt,2,3,2,0.666667"));
    // A bad line names the file and the line.
    std::fs::write(&fl, "r 1\nq 2\n").unwrap();
    let e = err(&format!(
        "--trace {} --format faultline --frames 1",
        fl.display()
    ));
    assert!(e.contains("t.fltrace: line 2:"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
    let e = err("--trace /nonexistent/trace --frames 1");
    assert!(e.contains("/nonexistent/trace"), "{e}");
}

#[test]
fn bad_command_lines() {
    for (cmd, why) in [
        ("--refs 1,2 --frames 0", "at least 1"),
        ("--refs 1,2 --frames 3,0", "at least 1"),
        ("--refs 1,2 --frames 4..2", "empty"),
        ("--refs 1,2 --frames x", "not a number"),
        (
            "--refs 1,2 --frames 2 --policy lru,belady",
            "unknown policy `belady`",
        ),
        ("--refs 1,2", "no frame counts"),
        ("--frames 2", "no trace"),
        ("--refs 1 --refs 2 --frames 2", "one trace"),
        ("--refs 1,2 --frames 2 --format csv", "not --refs"),
        ("--trace f --frames 2 --id-col x", "need --format csv"),
        (
            "--trace f --format yaml --frames 2",
            "unknown format `yaml`",
        ),
        ("--refs 1,2 --frames 2 --scan-every 0", "at least 1"),
        ("--refs 1,2 --frames", "needs a value"),
        (
            "--refs 1,2 --frames 2 --bogus",
            "unexpected argument `--bogus`",
        ),
        ("--refs , --frames 2", "empty"),
    ] {
        let e = err(cmd);
        assert!(e.contains(why), "{cmd}: {e}");
    }
}

#[test]
fn help_lists_every_policy_and_format() {
    assert_eq!(parse_args(&args("--help")).unwrap(), Command::Help);
    assert_eq!(ok("--refs 1 --help"), USAGE);
    for p in PolicyName::ALL {
        let line = USAGE
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{} ", p.name())))
            .unwrap_or_else(|| panic!("{} not in --help", p.name()));
        assert_eq!(
            line.contains("simulator-only"),
            p.simulator_only(),
            "{line}"
        );
    }
    for f in [
        "text",
        "csv",
        "oracleGeneral",
        "faultline",
        "--scan-every",
        "--csv",
    ] {
        assert!(USAGE.contains(f), "{f}");
    }
}

#[test]
fn frame_and_policy_lists() {
    assert_eq!(parse_frames("3,4").unwrap(), [3, 4]);
    assert_eq!(parse_frames("1..4,8").unwrap(), [1, 2, 3, 4, 8]);
    assert_eq!(parse_frames("2..=3").unwrap(), [2, 3]);
    assert!(parse_frames("1..100000000").is_err());
    let p = parse_policies("opt,all,fifo").unwrap();
    assert_eq!(p.len(), PolicyName::ALL.len());
    assert_eq!(p[0], PolicyName::Opt);
}
