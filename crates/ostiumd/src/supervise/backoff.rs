//! How long to wait before starting an application again after it exits.
//!
//! Doubling from [`Backoff::FIRST`] to [`Backoff::MOST`], so that a crashing application is
//! restarted quickly at first and then does not spin; an application that ran for
//! [`Backoff::STABLE`] or longer before exiting starts again from the first delay, as
//! systemd's restart rate limits and supervisord's `startsecs` do.

use std::time::Duration;

/// The restart delay policy, and where a supervised application is in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    next: Duration,
}

impl Backoff {
    /// The first delay.
    pub const FIRST: Duration = Duration::from_millis(100);
    /// The longest delay.
    pub const MOST: Duration = Duration::from_secs(10);
    /// A run at least this long counts as a success: the next delay is the first again.
    pub const STABLE: Duration = Duration::from_secs(10);

    /// A fresh policy.
    pub fn new() -> Backoff {
        Backoff { next: Backoff::FIRST }
    }

    /// The application exited after running for `ran`: how long to wait before starting it
    /// again.
    pub fn after_exit(&mut self, ran: Duration) -> Duration {
        if ran >= Backoff::STABLE {
            self.next = Backoff::FIRST;
        }
        let delay = self.next;
        self.next = (self.next * 2).min(Backoff::MOST);
        delay
    }
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_to_the_most_and_a_stable_run_starts_over() {
        let mut backoff = Backoff::new();
        let quick = Duration::from_millis(5);
        let delays: Vec<u64> =
            (0..10).map(|_| backoff.after_exit(quick).as_millis() as u64).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
        assert_eq!(backoff.after_exit(Backoff::STABLE), Backoff::FIRST);
        assert_eq!(backoff.after_exit(quick), Duration::from_millis(200));
    }
}
