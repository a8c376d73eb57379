//! `policylab ARGS`: see `--help` and docs/policy-lab.md.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match policylab::cli::run(&args) {
        Ok(out) => print!("{out}"),
        Err(e) => {
            eprintln!("policylab: {e}");
            std::process::exit(2);
        }
    }
}
