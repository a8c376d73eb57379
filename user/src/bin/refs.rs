//! refs: replay a reference string over a region with a resident limit and
//! print the faults the kernel counted, next to exact LRU's and OPT's
//! (computed here, in user space).
//!
//!     refs [--policy NAME] [--frames N] [--scan-each] [--trace OUT] FILE
//!     refs --gen N PAGES WS DRIFT SEED OUT
//!
//! FILE: one page number per line, optionally followed by `w` (a write) or
//! `r`; `#` starts a comment. Defaults: the global policy, 3 frames, timer
//! scans only. `--scan-each` runs an aging scan after every reference (LRU
//! by aging is then exact on short strings). `--trace OUT` writes the
//! references and the kernel's faults (`f`) and evictions (`e`) in the
//! `faultline` format for `cargo xtask sim --format faultline`.
//! `--gen` writes a pseudo-random string with locality: N references over
//! PAGES pages, 90% of them inside a working set of WS pages that moves up
//! a page every DRIFT references.
#![no_std]
#![no_main]

use ulib::prelude::*;
use ulib::reslimit::{
    locality_string, lru_faults, opt_faults, parse_refs, policy_name, policy_number, replay,
    set_policy,
};

ulib::entry!(main);

fn usage() -> i32 {
    eprintln!("usage: refs [--policy NAME] [--frames N] [--scan-each] [--trace OUT] FILE");
    eprintln!("       refs --gen N PAGES WS DRIFT SEED OUT");
    2
}

fn gen(args: &[&str]) -> i32 {
    let nums: Vec<Option<u64>> = args[..5].iter().map(|a| a.parse().ok()).collect();
    let [Some(n), Some(pages), Some(ws), Some(drift), Some(seed)] = nums[..] else {
        return usage();
    };
    if pages == 0 || ws == 0 || pages > 4096 || n > 1_000_000 {
        eprintln!("refs: --gen: need 1 <= PAGES <= 4096, WS >= 1, N <= 1000000");
        return 2;
    }
    let mut out = String::new();
    for r in locality_string(
        n as usize,
        pages as usize,
        ws as usize,
        drift as usize,
        seed,
    ) {
        out.push_str(&format!("{}{}\n", r.page, if r.write { " w" } else { "" }));
    }
    match ulib::fs::write_file(args[5], out.as_bytes()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("refs: {}: {e}", args[5]);
            1
        }
    }
}

fn main(args: &[&str]) -> i32 {
    if args.len() == 8 && args[1] == "--gen" {
        return gen(&args[2..]);
    }
    let (mut policy, mut frames, mut scan_each, mut trace, mut file) = (0, 3, false, None, None);
    let mut i = 1;
    while i < args.len() {
        match (args[i], args.get(i + 1)) {
            ("--policy", Some(p)) => {
                let Some(n) = policy_number(p) else {
                    eprintln!("refs: unknown policy {p} (fifo, lru, clock, eclock)");
                    return 2;
                };
                policy = n;
                i += 1;
            }
            ("--frames", Some(n)) => {
                let Ok(n) = n.parse::<usize>() else {
                    return usage();
                };
                frames = n;
                i += 1;
            }
            ("--trace", Some(t)) => {
                trace = Some(*t);
                i += 1;
            }
            ("--scan-each", _) => scan_each = true,
            (f, _) if !f.starts_with("--") && file.is_none() => file = Some(f),
            _ => return usage(),
        }
        i += 1;
    }
    let Some(file) = file else {
        return usage();
    };
    let text = match ulib::fs::read_file(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("refs: {file}: {e}");
            return 1;
        }
    };
    let refs = match parse_refs(&text) {
        Ok(r) if !r.is_empty() => r,
        Ok(_) => {
            eprintln!("refs: {file}: no references");
            return 2;
        }
        Err(line) => {
            eprintln!("refs: {file}: line {line}: expected PAGE [r|w]");
            return 2;
        }
    };
    let shown = if policy == 0 {
        set_policy(0).unwrap_or(0) as u64
    } else {
        policy as u64
    };
    let name = policy_name(shown);
    let mut buf = trace.map(|_| {
        format!("# faultline trace v1\n# prog=refs frames={frames} policy={name}\n").into_bytes()
    });
    let run = match replay(&refs, frames, policy, scan_each, buf.as_mut()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("refs: {e} (frames must be 1..RAM; see docs/replacement.md)");
            return 1;
        }
    };
    if let (Some(path), Some(b)) = (trace, buf) {
        if let Err(e) = ulib::fs::write_file(path, &b) {
            eprintln!("refs: {path}: {e}");
            return 1;
        }
    }
    let pages: Vec<usize> = refs.iter().map(|r| r.page).collect();
    println!(
        "refs policy={name} frames={frames} refs={} faults={} evictions={} writebacks={} a-clears={}",
        refs.len(),
        run.faults,
        run.evictions,
        run.writebacks,
        run.a_clears
    );
    println!(
        "refs policy=lru-exact frames={frames} faults={} (user space)",
        lru_faults(&pages, frames)
    );
    println!(
        "refs policy=opt frames={frames} faults={} (user space)",
        opt_faults(&pages, frames)
    );
    0
}
