//! libCacheSim's `oracleGeneral` binary format: packed little-endian
//! records of `u32 time, u64 id, u32 size, i64 next_access_vtime`, 24 bytes
//! each, no header. Only `id` is used: each object is one page (size is
//! ignored), every request is a read, and OPT computes next uses itself.

use crate::trace::{Trace, TraceBuilder};

pub const RECORD_SIZE: usize = 24;

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

pub fn parse_oracle_general(data: &[u8]) -> Result<Trace, String> {
    if data.starts_with(&ZSTD_MAGIC) {
        return Err("the file is zstd-compressed; decompress it first (zstd -d FILE)".into());
    }
    let whole = data.len() / RECORD_SIZE;
    let rest = data.len() % RECORD_SIZE;
    if rest != 0 {
        return Err(format!(
            "record {} (byte {}) is truncated: {rest} of {RECORD_SIZE} bytes",
            whole + 1,
            whole * RECORD_SIZE
        ));
    }
    let mut b = TraceBuilder::new();
    for rec in data.chunks_exact(RECORD_SIZE) {
        let id = u64::from_le_bytes(rec[4..12].try_into().expect("8 bytes"));
        b.push(id, false)?;
    }
    b.finish()
}
