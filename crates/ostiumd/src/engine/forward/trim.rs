//! [`TrimPolicy`]: when a loop gives the memory its connections freed back to the
//! operating system (`malloc_trim`, [`ostium_sys::release_free_memory`]).
//!
//! glibc keeps what a burst of connections freed for reuse, in each loop's arena: after a
//! thousand clients each sent a 15 KB body and left, ostiumd stayed 27 MiB above its idle
//! size until it exited. Trimming after every close would walk the arenas thousands of
//! times a second under load; trimming on a timer would wake an idle daemon. So a loop
//! trims when its connections have fallen well below their peak: to half of it and by at
//! least [`TRIM_DROP`], or to none at all after at least [`TRIM_FROM`] — a handful of
//! trims per burst, none in a steady state, none while idle.

/// A drop of at least this many connections (to half the peak or below) trims.
pub const TRIM_DROP: usize = 256;
/// A loop left with no connection trims if it had at least this many.
pub const TRIM_FROM: usize = 16;

/// A loop's connection peak since it last trimmed.
#[derive(Debug, Default)]
pub struct TrimPolicy {
    peak: usize,
}

impl TrimPolicy {
    /// A connection opened: `open` are open now.
    pub fn opened(&mut self, open: usize) {
        self.peak = self.peak.max(open);
    }

    /// A connection closed, `open` are left: whether to trim now.
    pub fn closed(&mut self, open: usize) -> bool {
        let emptied = open == 0 && self.peak >= TRIM_FROM;
        let halved = open * 2 <= self.peak && self.peak - open >= TRIM_DROP;
        if emptied || halved {
            self.peak = open;
        }
        emptied || halved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trims(policy: &mut TrimPolicy, from: usize, to: usize) -> Vec<usize> {
        (to..from).rev().filter(|&open| policy.closed(open)).collect()
    }

    #[test]
    fn a_burst_that_leaves_trims_a_few_times_and_at_the_end() {
        let mut policy = TrimPolicy::default();
        (1..=1000).for_each(|open| policy.opened(open));
        assert_eq!(trims(&mut policy, 1000, 0), vec![500, 244, 0]);
    }

    #[test]
    fn a_steady_or_small_load_never_trims() {
        let mut policy = TrimPolicy::default();
        for _ in 0..100 {
            policy.opened(300);
            assert!(!policy.closed(299));
        }
        let mut small = TrimPolicy::default();
        small.opened(3);
        assert!(!small.closed(0), "a few connections are not worth a trim");
    }
}
