//! [`Admission`]: a forward's connection limits, shared by its loops — `max-connections` in
//! all, `per-source` connections from one client address, and `rate` new connections per
//! second from one client address (xinetd's `cps`).
//!
//! The kernel spreads one client's connections over the loops (`SO_REUSEPORT` hashes the
//! whole address and port pair), so the counts live in one table behind a lock, taken once
//! when a connection is admitted and once when it closes. Rates are token buckets: a source
//! may open `rate` connections at once, and one more each `1/rate` s.
//!
//! Each forward's admission also carries the daemon's [`MemoryBudget`], shared by every
//! forward: the request bytes their connections may hold in memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::memory_budget::MemoryBudget;
use crate::config::Limits;
use crate::metrics::RefusalReason;

/// One source's state.
#[derive(Debug)]
struct Source {
    open: u32,
    /// Tokens left, and when they were last counted.
    tokens: f64,
    counted: Instant,
}

/// A forward's connection limits (see the [module](self) doc).
#[derive(Debug)]
pub struct Admission {
    state: Mutex<State>,
    /// The daemon's budget for request bytes in memory, which this forward shares.
    memory: Arc<MemoryBudget>,
}

#[derive(Debug)]
struct State {
    max_connections: u32,
    per_source: Option<u32>,
    rate: Option<u32>,
    open: u32,
    sources: HashMap<IpAddr, Source>,
}

impl Admission {
    /// The limits of `limits`.
    pub fn new(limits: &Limits) -> Admission {
        Admission {
            state: Mutex::new(State {
                max_connections: limits.max_connections,
                per_source: limits.per_source,
                rate: limits.rate,
                open: 0,
                sources: HashMap::new(),
            }),
            memory: Arc::new(MemoryBudget::new(u64::MAX)),
        }
    }

    /// The same, sharing the daemon's budget for request bytes in memory.
    pub fn sharing_memory(self, memory: Arc<MemoryBudget>) -> Admission {
        Admission { memory, ..self }
    }

    /// The budget for request bytes in memory this forward shares.
    pub fn memory(&self) -> &MemoryBudget {
        &self.memory
    }

    /// Takes new limits (a reload), keeping the counts of what is open.
    pub fn set_limits(&self, limits: &Limits) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.max_connections = limits.max_connections;
        state.per_source = limits.per_source;
        state.rate = limits.rate;
    }

    /// Admits a connection from `source` now, or says which limit refuses it. An admitted
    /// connection must be [`release`](Self::release)d when it closes.
    pub fn admit(&self, source: IpAddr, now: Instant) -> Result<(), RefusalReason> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.open >= state.max_connections {
            return Err(RefusalReason::MaxConnections);
        }
        let (rate, per_source) = (state.rate.map(f64::from), state.per_source);
        let entry = state.sources.entry(source).or_insert_with(|| Source {
            open: 0,
            tokens: rate.unwrap_or(0.0),
            counted: now,
        });
        if per_source.is_some_and(|limit| entry.open >= limit) {
            return Err(RefusalReason::PerSource);
        }
        if let Some(rate) = rate {
            let elapsed = now.saturating_duration_since(entry.counted).as_secs_f64();
            entry.tokens = (entry.tokens + elapsed * rate).min(rate);
            entry.counted = now;
            if entry.tokens < 1.0 {
                return Err(RefusalReason::Rate);
            }
            entry.tokens -= 1.0;
        }
        entry.open += 1;
        state.open += 1;
        Ok(())
    }

    /// A connection admitted from `source` closed.
    pub fn release(&self, source: IpAddr) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.open = state.open.saturating_sub(1);
        let rate = state.rate.map(f64::from);
        let forget = match state.sources.get_mut(&source) {
            Some(entry) => {
                entry.open = entry.open.saturating_sub(1);
                // A source with nothing open and a full bucket is as good as new: forgotten,
                // so the table holds only active sources. (Not before its bucket is full
                // again, or forgetting it would refill it.)
                let refilled = rate.map(|rate| {
                    let elapsed = now.saturating_duration_since(entry.counted).as_secs_f64();
                    entry.tokens + elapsed * rate >= rate
                });
                entry.open == 0 && refilled.unwrap_or(true)
            }
            None => false,
        };
        if forget {
            state.sources.remove(&source);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limits(max: u32, per_source: Option<u32>, rate: Option<u32>) -> Limits {
        Limits { max_connections: max, per_source, rate, ..Limits::DEFAULT }
    }

    #[test]
    fn per_source_and_total_limits() {
        let gate = Admission::new(&limits(3, Some(2), None));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let now = Instant::now();
        assert_eq!(gate.admit(a, now), Ok(()));
        assert_eq!(gate.admit(a, now), Ok(()));
        assert_eq!(gate.admit(a, now), Err(RefusalReason::PerSource));
        assert_eq!(gate.admit(b, now), Ok(()));
        assert_eq!(gate.admit(b, now), Err(RefusalReason::MaxConnections));
        gate.release(a);
        assert_eq!(gate.admit(b, now), Ok(()), "room again");
    }

    #[test]
    fn rate_is_a_token_bucket_per_source() {
        let gate = Admission::new(&limits(100, None, Some(2)));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let start = Instant::now();
        assert_eq!(gate.admit(a, start), Ok(()));
        assert_eq!(gate.admit(a, start), Ok(()));
        assert_eq!(gate.admit(a, start), Err(RefusalReason::Rate));
        assert_eq!(gate.admit("10.0.0.9".parse().unwrap(), start), Ok(()), "another source");
        assert_eq!(
            gate.admit(a, start + Duration::from_millis(500)),
            Ok(()),
            "one more each 1/rate s"
        );
        assert_eq!(gate.admit(a, start + Duration::from_millis(600)), Err(RefusalReason::Rate));
        // Closing connections does not refill the bucket.
        for _ in 0..3 {
            gate.release(a);
        }
        assert_eq!(gate.admit(a, start + Duration::from_millis(650)), Err(RefusalReason::Rate));
    }
}
