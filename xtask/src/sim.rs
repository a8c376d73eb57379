//! `cargo xtask sim ARGS`: the policy lab (crates/policylab). Builds it in
//! release mode (it replays millions of references) and runs it in the
//! caller's directory, so relative `--trace` paths work. Its output and
//! exit status are the lab's own; `cargo xtask sim --help` is its manual.

use crate::builder;
use std::path::Path;
use std::process::Command;

pub fn main(root: &Path, args: &[String]) -> i32 {
    let mut c = builder::cargo(root);
    c.args(["build", "--quiet", "--release", "-p", "policylab"])
        .arg("--target-dir")
        .arg(builder::target_dir(root));
    match c.status() {
        Ok(s) if s.success() => {}
        Ok(s) => crate::die(format!("building policylab failed ({s})")),
        Err(e) => crate::die(format!("cannot run cargo: {e}")),
    }
    let bin = builder::target_dir(root).join("release").join("policylab");
    match Command::new(&bin).args(args).status() {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => crate::die(format!("{}: {e}", bin.display())),
    }
}
