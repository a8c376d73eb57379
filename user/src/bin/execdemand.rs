//! execdemand: exec maps a program's segments from its file and reads a
//! page only when it is first touched (FILE_READ). Runs /bigprog, whose
//! file is mostly a table (BIG_PAGES pages) that it touches only when asked.
//!
//! Counters are global, so each measurement brackets one fork+exec+wait in
//! an otherwise quiet system. Before measuring, this process runs the
//! exec path once itself (an exec that fails), so the child's own code
//! pages are already mapped when it is forked.
#![no_std]
#![no_main]

use abi::layout::PAGE_SIZE as PG;
use abi::vmstat::fault;
use ulib::prelude::*;
use ulib::probe::stat;
use ulib::test::{run_suite, Test};
use ulib::{ensure, ensure_eq, fs, process, vm};

ulib::entry!(main);

const SUITE: &str = "exec";
const PROG: &str = "/bigprog";
/// bigprog's BIG_PAGES.
const BIG_PAGES: usize = 52;
/// What running bigprog without touching its table may read: its code and
/// data pages.
const SMALL: u64 = 8;

fn main(args: &[&str]) -> i32 {
    let tests = [
        Test::forked("size", size),
        Test::forked("lazy", lazy),
        Test::forked("touch", touch),
        Test::forked("resident", resident),
        Test::forked("again", again),
    ];
    run_suite(SUITE, &tests, args.get(1..).unwrap_or(&[]))
}

/// Runs the exec path once in this process so its pages are mapped here
/// (and so in every child forked afterwards).
fn warm_exec_path() {
    let _ = process::exec("/no-such-program-execdemand", &["x", "y"]);
}

/// fork + exec `PROG args` + wait; returns (status, FILE_READ delta,
/// file_pages_read delta).
fn measured_run(args: &[&str]) -> Result<(i32, u64, u64), String> {
    warm_exec_path();
    let _ = stat()?;
    let v0 = stat()?;
    let st = process::run(PROG, args).map_err(|e| format!("running {}: {}", PROG, e))?;
    let v1 = stat()?;
    ensure!(st != 127, "exec of {} failed", PROG);
    Ok((
        st,
        v1.faults[fault::FILE_READ] - v0.faults[fault::FILE_READ],
        v1.file_pages_read - v0.file_pages_read,
    ))
}

/// The program file really is large: the table alone is BIG_PAGES pages.
fn size() -> Result<(), String> {
    let st = fs::stat(PROG).map_err(|e| format!("stat {}: {}", PROG, e))?;
    ensure!(
        st.size as usize >= BIG_PAGES * PG,
        "{} is {} bytes, want >= {}",
        PROG,
        st.size,
        BIG_PAGES * PG
    );
    Ok(())
}

/// Running without touching the table reads only a few pages.
fn lazy() -> Result<(), String> {
    let size = fs::stat(PROG)
        .map_err(|e| format!("stat {}: {}", PROG, e))?
        .size;
    let (st, faults, pages) = measured_run(&["bigprog"])?;
    ensure_eq!(st, 0, "bigprog's status");
    ensure!(
        (1..=SMALL).contains(&faults),
        "running {} ({} bytes, {} pages) made {} FILE_READ faults, want 1..={}",
        PROG,
        size,
        size as usize / PG,
        faults,
        SMALL
    );
    ensure!(
        pages >= faults && pages <= SMALL,
        "file_pages_read grew by {} ({} FILE_READ faults)",
        pages,
        faults
    );
    Ok(())
}

/// Touching every page of the table reads each of them from the file, and
/// the contents are right.
fn touch() -> Result<(), String> {
    let (st, faults, pages) = measured_run(&["bigprog", "touch"])?;
    ensure_eq!(st, 0, "bigprog touch's status (1: wrong table contents)");
    ensure!(
        faults >= BIG_PAGES as u64,
        "bigprog touch made {} FILE_READ faults, want >= {}",
        faults,
        BIG_PAGES
    );
    ensure!(
        pages >= BIG_PAGES as u64,
        "file_pages_read grew by {}, want >= {}",
        pages,
        BIG_PAGES
    );
    Ok(())
}

/// A second run reads the pages again (they belong to each process).
fn again() -> Result<(), String> {
    let (st, first, _) = measured_run(&["bigprog", "touch"])?;
    ensure_eq!(st, 0, "first run");
    let (st, second, _) = measured_run(&["bigprog", "touch"])?;
    ensure_eq!(st, 0, "second run");
    ensure!(
        second >= BIG_PAGES as u64 && first >= BIG_PAGES as u64,
        "FILE_READ faults: {} then {}, want >= {} each",
        first,
        second,
        BIG_PAGES
    );
    let (st, lazy, _) = measured_run(&["bigprog"])?;
    ensure_eq!(st, 0, "untouched run");
    ensure!(
        lazy <= SMALL,
        "untouched run after touching ones read {} pages",
        lazy
    );
    Ok(())
}

/// While bigprog runs (paused), its page table holds none of the table's
/// pages and only a handful of others.
fn resident() -> Result<(), String> {
    let ulib::probe::Talker {
        pid,
        to_child,
        from_child,
    } = ulib::probe::spawn_talking(|from_parent, to_parent| {
        let _ = fs::close(0);
        let _ = fs::dup(from_parent.raw());
        let _ = fs::close(1);
        let _ = fs::dup(to_parent.raw());
        let _ = process::exec(PROG, &["bigprog", "pause"]);
        127
    })?;
    let result = (|| -> Result<(), String> {
        let mut line = Vec::new();
        ulib::io::read_line(from_child.raw(), &mut line);
        let line = String::from_utf8_lossy(&line).into_owned();
        let mut it = line.split_whitespace();
        ensure!(it.next() == Some("ready"), "bigprog pause said {:?}", line);
        let addr = it
            .next()
            .and_then(|a| usize::from_str_radix(a.trim_start_matches("0x"), 16).ok())
            .ok_or_else(|| format!("no address in {:?}", line))?;
        let len: usize = it
            .next()
            .and_then(|l| l.parse().ok())
            .ok_or_else(|| format!("no length in {:?}", line))?;
        ensure_eq!(len, BIG_PAGES * PG, "table length bigprog reports");
        let rows = vm::ptdump(pid).map_err(|e| format!("ptdump({}): {}", pid, e))?;
        let in_table = rows
            .iter()
            .filter(|e| (addr..addr + len).contains(&(e.va as usize)))
            .count();
        ensure_eq!(in_table, 0, "table pages mapped in the running bigprog");
        ensure!(
            rows.len() <= 24,
            "bigprog has {} pages mapped for a program that printed one line",
            rows.len()
        );
        Ok(())
    })();
    let _ = to_child.write(b"x");
    drop(to_child);
    let st = process::wait_for(pid).map_err(|_| String::from("wait failed"))?;
    result?;
    ensure_eq!(st, 0, "bigprog pause's status");
    Ok(())
}
