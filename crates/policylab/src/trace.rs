//! A trace in memory: the reference string with page ids made dense
//! (0..distinct, in order of first use), one write bit per reference, and
//! what the kernel said it did if the trace came from faultline.

use std::collections::HashMap;

/// A reference string ready to replay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// Dense page ids, one per reference.
    pub pages: Vec<u32>,
    /// Whether each reference was a write.
    pub writes: Vec<bool>,
    /// Number of distinct pages (`pages` values are below it).
    pub distinct: usize,
    /// Fault and eviction events recorded by the kernel (`faultline` format).
    pub kernel: Option<KernelEvents>,
}

/// Counts of the kernel's own `f` and `e` lines in a `faultline` trace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelEvents {
    pub faults: u64,
    pub evictions: u64,
}

impl Trace {
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    pub fn write_count(&self) -> usize {
        self.writes.iter().filter(|&&w| w).count()
    }
}

/// Builds a [`Trace`], giving each new page id the next dense number.
/// Numeric ids and other keys are separate name spaces: `16` and `0x10` are
/// the same page, `abc` is a key of its own.
#[derive(Default)]
pub struct TraceBuilder {
    trace: Trace,
    numbers: HashMap<u64, u32>,
    keys: HashMap<String, u32>,
}

/// Refs beyond this do not fit the simulators' 32-bit indices.
pub const MAX_REFS: usize = u32::MAX as usize - 1;

impl TraceBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    fn next_id(&mut self) -> Result<u32, String> {
        let id = self.trace.distinct;
        if id >= MAX_REFS {
            return Err("more distinct pages than the simulator supports".into());
        }
        self.trace.distinct += 1;
        Ok(id as u32)
    }

    fn push_dense(&mut self, page: u32, write: bool) -> Result<(), String> {
        if self.trace.pages.len() >= MAX_REFS {
            return Err(format!("trace longer than {MAX_REFS} references"));
        }
        self.trace.pages.push(page);
        self.trace.writes.push(write);
        Ok(())
    }

    /// Appends a reference to numeric page `id`.
    pub fn push(&mut self, id: u64, write: bool) -> Result<(), String> {
        let page = match self.numbers.get(&id) {
            Some(&p) => p,
            None => {
                let p = self.next_id()?;
                self.numbers.insert(id, p);
                p
            }
        };
        self.push_dense(page, write)
    }

    /// Appends a reference to `token`: a number (decimal or 0x-hex) if it
    /// parses as one, else a key of its own.
    pub fn push_token(&mut self, token: &str, write: bool) -> Result<(), String> {
        if let Some(n) = parse_number(token) {
            return self.push(n, write);
        }
        let page = match self.keys.get(token) {
            Some(&p) => p,
            None => {
                let p = self.next_id()?;
                self.keys.insert(token.to_string(), p);
                p
            }
        };
        self.push_dense(page, write)
    }

    pub fn kernel_event(&mut self, fault: bool) {
        let k = self.trace.kernel.get_or_insert_with(KernelEvents::default);
        if fault {
            k.faults += 1;
        } else {
            k.evictions += 1;
        }
    }

    /// The trace, or an error if it holds no reference.
    pub fn finish(self) -> Result<Trace, String> {
        if self.trace.is_empty() {
            return Err("the trace is empty: no references".into());
        }
        Ok(self.trace)
    }
}

/// A decimal or `0x`-prefixed hexadecimal u64.
pub fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None if s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        None => None,
    }
}
