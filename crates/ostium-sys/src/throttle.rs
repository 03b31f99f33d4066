//! [`Throttle`]: at most one log line per interval from one place in the code, with a
//! count of the lines it held back.
//!
//! A warning that a peer can cause (a failed accept, a malformed message, a limit hit) is
//! one a hostile peer can cause a million times a second: logged each time, it fills the
//! disk and burns the CPU the service needs. Every such warning in Ostium goes through a
//! `static` throttle of its own:
//!
//! ```
//! use ostium_sys::Throttle;
//!
//! static ACCEPT_FAILED: Throttle = Throttle::per_second();
//!
//! for _ in 0..1000 {
//!     if let Some(suppressed) = ACCEPT_FAILED.pass() {
//!         // Logged once: `suppressed` is 0 here, and 999 at the next pass a second on.
//!         eprintln!("accept failed ({suppressed} more like this suppressed)");
//!     }
//! }
//! ```
//!
//! It reads the monotonic clock (`clock_gettime(CLOCK_MONOTONIC)`) and two atomic words:
//! no lock, no allocation, usable from any thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rustix::time::{ClockId, clock_gettime};

/// Lets one event through per interval and counts the others.
#[derive(Debug)]
pub struct Throttle {
    interval_ns: u64,
    /// When the last event went through, in monotonic nanoseconds plus one (0: never).
    last: AtomicU64,
    /// Events held back since the last one that went through.
    suppressed: AtomicU64,
}

impl Throttle {
    /// One event per `interval`.
    pub const fn new(interval: Duration) -> Throttle {
        let nanos = interval.as_nanos();
        let interval_ns = if nanos > u64::MAX as u128 { u64::MAX } else { nanos as u64 };
        Throttle { interval_ns, last: AtomicU64::new(0), suppressed: AtomicU64::new(0) }
    }

    /// One event per second: the interval of every throttled warning in Ostium.
    pub const fn per_second() -> Throttle {
        Throttle::new(Duration::from_secs(1))
    }

    /// Whether this event goes through: `Some(n)` with the number of events held back
    /// since the last one that did, or `None` (counted) within the interval.
    pub fn pass(&self) -> Option<u64> {
        self.pass_at(monotonic_ns())
    }

    fn pass_at(&self, now: u64) -> Option<u64> {
        let stamp = now.saturating_add(1);
        let last = self.last.load(Ordering::Relaxed);
        let due = last == 0 || stamp.saturating_sub(last) >= self.interval_ns;
        // Of threads racing at the same moment, one wins the slot; the others count.
        if due
            && self.last.compare_exchange(last, stamp, Ordering::AcqRel, Ordering::Relaxed).is_ok()
        {
            return Some(self.suppressed.swap(0, Ordering::AcqRel));
        }
        self.suppressed.fetch_add(1, Ordering::Relaxed);
        None
    }
}

fn monotonic_ns() -> u64 {
    let now = clock_gettime(ClockId::Monotonic);
    (now.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(now.tv_nsec as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_per_interval_goes_through_with_the_count_held_back() {
        let throttle = Throttle::new(Duration::from_nanos(1_000));
        assert_eq!(throttle.pass_at(5_000), Some(0));
        assert_eq!(throttle.pass_at(5_500), None);
        assert_eq!(throttle.pass_at(5_999), None);
        assert_eq!(throttle.pass_at(6_000), Some(2));
        assert_eq!(throttle.pass_at(6_001), None);
        assert_eq!(throttle.pass_at(9_000), Some(1));
    }

    #[test]
    fn the_first_event_goes_through_at_any_clock_reading() {
        assert_eq!(Throttle::per_second().pass_at(0), Some(0));
        assert_eq!(Throttle::per_second().pass(), Some(0));
    }

    #[test]
    fn racing_threads_let_one_event_through() {
        static RACE: Throttle = Throttle::per_second();
        let passed: u64 = std::thread::scope(|s| {
            let threads: Vec<_> = (0..4)
                .map(|_| s.spawn(|| (0..1000).filter(|_| RACE.pass().is_some()).count() as u64))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).sum()
        });
        // The test could straddle one interval boundary, not more.
        assert!((1..=2).contains(&passed), "{passed} went through");
    }
}
