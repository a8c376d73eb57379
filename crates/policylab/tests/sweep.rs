//! Sweeps: Mattson's one-pass LRU curve against separate runs, the
//! parallel sweep against one-by-one runs, the Belady check, the SVG plot.

use policylab::cli::run;
use policylab::format::parse_refs;
use policylab::sweep::{belady_anomalies, lru_curve, sweep};
use policylab::{bench, simulate, PolicyName, SimOptions, Trace};
use vmpolicy::PolicyKind;

const BELADY: &str = "1,2,3,4,1,2,5,1,2,3,4,5";

fn random_trace(seed: u64, len: usize, pages: u64) -> Trace {
    let mut x = seed | 1;
    let mut refs = Vec::new();
    for _ in 0..len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Half the time a small hot set, else anywhere.
        let p = if x & 1 == 0 { x % 5 } else { x % pages };
        refs.push(p.to_string());
    }
    parse_refs(&refs.join(",")).unwrap()
}

#[test]
fn mattson_curve_equals_separate_lru_exact_runs() {
    let frames: Vec<usize> = (1..=40).collect();
    for seed in 1..30 {
        let t = random_trace(seed * 31, 500, 35);
        let curve = lru_curve(&t, &frames);
        for (&f, &faults) in frames.iter().zip(&curve) {
            let one = simulate(PolicyName::LruExact, f, &t, SimOptions::default()).faults;
            assert_eq!(faults, one, "seed {seed} frames {f}");
        }
    }
    let t = parse_refs(BELADY).unwrap();
    assert_eq!(lru_curve(&t, &[1, 2, 3, 4, 5, 99]), [12, 12, 10, 8, 5, 5]);
}

#[test]
fn parallel_sweep_equals_one_run_at_a_time() {
    let t = random_trace(7, 3000, 60);
    let frames = [1, 5, 17, 30, 64, 2];
    let opts = SimOptions::default();
    for threads in [1, 3] {
        let got = sweep(&PolicyName::ALL, &frames, &t, opts, threads);
        let want: Vec<_> = PolicyName::ALL
            .iter()
            .flat_map(|&p| frames.iter().map(move |&f| (p, f)))
            .map(|(p, f)| simulate(p, f, &t, opts))
            .collect();
        assert_eq!(got, want, "{threads} threads");
    }
}

#[test]
fn belady_check_flags_fifo_three_to_four() {
    let t = parse_refs(BELADY).unwrap();
    let fifo = PolicyName::Kernel(PolicyKind::Fifo);
    let pols = [fifo, PolicyName::LruExact, PolicyName::Opt];
    let r = sweep(&pols, &[6, 5, 4, 3, 2, 1], &t, SimOptions::default(), 0);
    let a = belady_anomalies(&r);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!((a[0].policy, a[0].from, a[0].to), (fifo, (3, 9), (4, 10)));

    let out = run(&args(&format!(
        "--refs {BELADY} --frames 1..5 --policy fifo,lru-exact,opt"
    )))
    .unwrap();
    assert!(
        out.contains(
            "belady check: fifo faults more with more frames: 3 -> 4 frames, 9 -> 10 faults"
        ),
        "{out}"
    );
    assert_eq!(out.matches("belady check").count(), 1, "{out}");
    let only = run(&args(&format!(
        "--refs {BELADY} --frames 1..5 --policy lru-exact,opt --belady-check"
    )))
    .unwrap();
    assert_eq!(
        only,
        "belady check: no policy faults more with more frames\n"
    );
}

fn args(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

#[test]
fn svg_plot_has_a_curve_per_policy() {
    let path = std::env::temp_dir().join(format!("policylab-{}.svg", std::process::id()));
    let table = run(&args(&format!(
        "--refs {BELADY} --frames 1..6 --policy fifo,opt,sieve --svg {}",
        path.display()
    )))
    .unwrap();
    assert!(table.contains("fifo"), "the table still prints");
    let svg = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for label in [
        "fifo",
        "opt",
        "sieve (simulator-only)",
        "frames",
        "miss ratio",
    ] {
        assert!(svg.contains(label), "{label} missing");
    }
    // One polyline per policy, with a point per frame count.
    let lines: Vec<&str> = svg.lines().filter(|l| l.contains("<polyline")).collect();
    assert!(lines.len() >= 3, "{}", lines.len());
    let e = run(&args(&format!(
        "--refs {BELADY} --frames 3 --svg /nonexistent/dir/x.svg"
    )))
    .unwrap_err();
    assert!(e.contains("/nonexistent/dir/x.svg"), "{e}");
}

#[test]
fn bench_trace_has_the_requested_shape() {
    let t = bench::generate(50_000, 5_000);
    assert_eq!((t.len(), t.distinct), (50_000, 5_000));
    assert!(t.pages.iter().all(|&p| (p as usize) < t.distinct));
    let mut seen = vec![false; t.distinct];
    t.pages.iter().for_each(|&p| seen[p as usize] = true);
    assert!(seen.iter().all(|&s| s), "every page is used");
    // Skewed: the hottest tenth of the pages gets a large share.
    let mut count = vec![0u32; t.distinct];
    t.pages.iter().for_each(|&p| count[p as usize] += 1);
    count.sort_unstable_by(|a, b| b.cmp(a));
    let top: u32 = count[..500].iter().sum();
    assert!(top as usize * 3 > t.len(), "{top}");
    assert_eq!(bench::generate(50_000, 5_000), t, "deterministic");
}

#[test]
fn bench_rows_are_the_policies_runs() {
    let t = bench::generate(30_000, 3_000);
    let pol = [
        PolicyName::Kernel(PolicyKind::Fifo),
        PolicyName::Kernel(PolicyKind::Lru),
        PolicyName::LruExact,
        PolicyName::Opt,
    ];
    let rows = bench::measure(&t, &pol, SimOptions::default());
    assert_eq!(rows.len(), pol.len());
    for (r, &p) in rows.iter().zip(&pol) {
        assert_eq!((r.policy, r.frames, r.requests), (p, 300, 30_000));
        // Timed runs give the same faults as a plain run.
        assert_eq!(r.faults, simulate(p, 300, &t, SimOptions::default()).faults);
        assert!(r.rps().is_finite() && r.rps() > 0.0, "{r:?}");
        assert!(r.time.secs() > 0.0 && r.time.wall > 0.0);
    }
}

#[test]
fn bench_report_has_a_rate_per_policy() {
    let out = run(&args("--bench 4000 400 --policy fifo,lru,clock,eclock,opt")).unwrap();
    for p in ["fifo", "lru", "clock", "eclock", "opt"] {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(p))
            .unwrap_or_else(|| panic!("no row for {p}:\n{out}"));
        // policy faults cpu-s wall-s requests/s (wall) ...
        let rate: f64 = line.split_whitespace().nth(4).unwrap().parse().unwrap();
        assert!(rate > 0.0, "{line}");
    }
    assert!(out.contains("load average"), "{out}");
    assert!(out.contains("opt replay:"), "{out}");
    assert!(out.contains("sweep of 4 policies"), "{out}");
}
