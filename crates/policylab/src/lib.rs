//! The policy lab: replays page-reference traces through the kernel's own
//! replacement policies (crate `vmpolicy`), exact LRU, OPT and some
//! simulator-only policies from the literature. `cargo xtask sim` runs it;
//! docs/policy-lab.md is the manual.

pub mod bench;
pub mod cli;
pub mod format;
pub mod plot;
pub mod policies;
pub mod sweep;
pub mod trace;

pub use policies::{simulate, PolicyName, RunResult, SimOptions};
pub use trace::Trace;
