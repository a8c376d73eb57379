//! The policy names, as the kernel, vmctl, `--kopt policy=` and the policy
//! lab spell them.

/// Which replacement policy a [`Policy`](crate::Policy) runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Evict in load order.
    Fifo,
    /// LRU approximation by aging: 8-bit age per frame, smallest evicted.
    Lru,
    /// Clock (second chance).
    Clock,
    /// Enhanced Clock: (A, D) classes.
    EClock,
}

impl PolicyKind {
    /// Every kind, in the order tools list them.
    pub const ALL: [PolicyKind; 4] = [
        PolicyKind::Fifo,
        PolicyKind::Lru,
        PolicyKind::Clock,
        PolicyKind::EClock,
    ];

    /// `fifo`, `lru`, `clock` or `eclock`.
    pub const fn name(self) -> &'static str {
        match self {
            PolicyKind::Fifo => "fifo",
            PolicyKind::Lru => "lru",
            PolicyKind::Clock => "clock",
            PolicyKind::EClock => "eclock",
        }
    }

    /// The kind spelled `name` (exactly as [`name`](Self::name) spells it),
    /// or None.
    pub fn from_name(name: &str) -> Option<PolicyKind> {
        PolicyKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl core::fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}
