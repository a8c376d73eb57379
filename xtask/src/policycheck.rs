//! After the `policytests` boot: replay the traces it recorded on the disk
//! image through the policy lab (crates/policylab, the kernel's own
//! vmpolicy code) and compare the lab's fault count with the kernel's.
//!
//! FIFO must match exactly: it ignores A and D, so the order of faults is
//! all that matters, and both see the same reference string. Clock must
//! be within `CLOCK_TOLERANCE_PCT`: the hardware sets A on every access,
//! like the lab, and the kernel flushes the TLB when it clears A, so the
//! two also agree exactly today; a difference would come from an access
//! the lab does not see (the kernel touching the region for a system call,
//! a stale TLB entry hiding a cleared A bit on another hart) and the
//! tolerance leaves room for that rather than for a bug.

use crate::fsread::FsImage;
use std::path::Path;

pub const CLOCK_TOLERANCE_PCT: u64 = 2;

/// (trace path on the image, policy, tolerance in percent).
const TRACES: [(&str, &str, u64); 2] = [
    ("/trace-fifo.txt", "fifo", 0),
    ("/trace-clock.txt", "clock", CLOCK_TOLERANCE_PCT),
];

/// One result per trace: Ok(detail) or Err(why).
pub fn check(disk: &Path, scratch: &Path) -> Vec<(String, Result<String, String>)> {
    TRACES
        .iter()
        .map(|&(path, policy, tol)| {
            let name = format!("policy-host/{policy}-trace");
            (name, compare(disk, scratch, path, policy, tol))
        })
        .collect()
}

fn compare(
    disk: &Path,
    scratch: &Path,
    path: &str,
    policy: &str,
    tol: u64,
) -> Result<String, String> {
    let text = String::from_utf8(get(disk, path)?).map_err(|_| format!("{path}: not UTF-8"))?;
    let frames = text
        .lines()
        .filter(|l| l.starts_with('#'))
        .flat_map(|l| l.split_whitespace())
        .find_map(|w| w.strip_prefix("frames="))
        .ok_or(format!("{path}: no frames= in the header"))?
        .to_string();
    let kernel = text.lines().filter(|l| l.starts_with("f ")).count() as u64;
    let local = scratch.join(path.trim_start_matches('/'));
    std::fs::write(&local, &text).map_err(|e| format!("{}: {e}", local.display()))?;
    let args: Vec<String> = [
        "--trace",
        &local.to_string_lossy(),
        "--format",
        "faultline",
        "--frames",
        &frames,
        "--policy",
        policy,
        "--csv",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = policylab::cli::run(&args)?;
    let row = out.lines().nth(1).ok_or("the lab printed no row")?;
    let sim: u64 = row
        .split(',')
        .nth(3)
        .and_then(|f| f.parse().ok())
        .ok_or(format!("bad row {row}"))?;
    let diff = sim.abs_diff(kernel);
    let detail = format!("{policy}, {frames} frames: kernel {kernel} faults, simulator {sim}");
    if diff * 100 <= tol * kernel {
        Ok(detail)
    } else {
        Err(format!("{detail}: more than {tol}% apart"))
    }
}

/// The bytes of file `path` on the xv6 image `disk`.
pub fn get(disk: &Path, path: &str) -> Result<Vec<u8>, String> {
    let data = std::fs::read(disk).map_err(|e| format!("{}: {e}", disk.display()))?;
    let fs = FsImage::new(&data)?;
    let inum = fs
        .lookup(path)?
        .ok_or(format!("{path}: not on {}", disk.display()))?;
    fs.read_file(inum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mkfs::{Mkfs, Params};
    use crate::testutil::TempDir;

    /// Belady's string under FIFO with 3 frames, with the faults a kernel
    /// that behaves like the lab would record (9).
    fn fifo_trace(faults_to_drop: usize) -> String {
        let mut t = String::from("# faultline trace v1\n# prog=test frames=3 policy=fifo\n");
        let faulting = [1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0];
        let mut dropped = 0;
        for (p, f) in [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5].iter().zip(faulting) {
            t.push_str(&format!("r {p}\n"));
            if f == 1 {
                if dropped < faults_to_drop {
                    dropped += 1;
                } else {
                    t.push_str(&format!("f {p}\n"));
                }
            }
        }
        t
    }

    fn image_with(trace: &str) -> TempDir {
        let mut m = Mkfs::new(Params {
            size: 2000,
            ninodes: 64,
            nlog: 31,
        })
        .unwrap();
        m.add_file(abi::fs::ROOTINO, "trace-fifo.txt", trace.as_bytes())
            .unwrap();
        let d = TempDir::new("policycheck");
        std::fs::write(d.path().join("fs.img"), m.finish()).unwrap();
        d
    }

    #[test]
    fn fifo_trace_matches_the_lab_and_a_wrong_count_does_not() {
        let d = image_with(&fifo_trace(0));
        let r = check(&d.path().join("fs.img"), d.path());
        assert_eq!(r[0].0, "policy-host/fifo-trace");
        assert_eq!(
            r[0].1,
            Ok("fifo, 3 frames: kernel 9 faults, simulator 9".to_string())
        );
        // No clock trace on this image: a clear error, not a pass.
        assert!(r[1].1.as_ref().unwrap_err().contains("not on"), "{r:?}");
        let d = image_with(&fifo_trace(1));
        let r = check(&d.path().join("fs.img"), d.path());
        assert!(r[0].1.is_err(), "{r:?}");
    }
}
