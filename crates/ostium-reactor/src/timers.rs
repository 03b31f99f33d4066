//! `Timers`: the loop's deadlines, the nearest of which bounds the poller's wait.
//!
//! A binary heap of `(deadline, id)`. Cancelling removes the timer from the table of live
//! timers and leaves its heap entry to be skipped when it surfaces; the heap is rebuilt
//! when such dead entries outnumber the live ones, so cancelling many timers cannot make it
//! grow without bound.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;
use std::time::{Duration, Instant};

/// A timer of one loop, as returned by
/// [`Context::set_timer`](crate::Context::set_timer); ids are never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(u64);

struct Live<K> {
    kind: K,
    deadline: Instant,
    period: Option<Duration>,
}

/// Deadlines with a payload `K` saying what each is for.
pub(crate) struct Timers<K> {
    heap: BinaryHeap<Reverse<(Instant, TimerId)>>,
    live: FxHashMap<TimerId, Live<K>>,
    next_id: u64,
}

impl<K: Copy> Timers<K> {
    pub(crate) fn new() -> Timers<K> {
        Timers { heap: BinaryHeap::new(), live: FxHashMap::default(), next_id: 0 }
    }

    /// A timer due at `deadline`, then every `period` after it if one is given.
    pub(crate) fn insert(
        &mut self,
        deadline: Instant,
        period: Option<Duration>,
        kind: K,
    ) -> TimerId {
        self.next_id += 1;
        let id = TimerId(self.next_id);
        // A zero period would fire forever without letting time pass.
        let period = period.map(|p| p.max(Duration::from_nanos(1)));
        self.live.insert(id, Live { kind, deadline, period });
        self.heap.push(Reverse((deadline, id)));
        id
    }

    /// Cancels a timer; returns whether it was still pending.
    pub(crate) fn cancel(&mut self, id: TimerId) -> bool {
        let was_live = self.live.remove(&id).is_some();
        if self.heap.len() > 64 && self.heap.len() > 2 * self.live.len() {
            self.heap.retain(|Reverse((_, id))| self.live.contains_key(id));
        }
        was_live
    }

    /// The nearest deadline of a live timer.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(Reverse((deadline, id))) = self.heap.peek() {
            match self.live.get(id) {
                Some(live) if live.deadline == *deadline => return Some(*deadline),
                _ => {
                    self.heap.pop();
                }
            }
        }
        None
    }

    /// Removes and returns one timer due at `now` (deadline not after `now`); an interval
    /// timer is rescheduled for its next period, skipping periods already missed.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(TimerId, K)> {
        let deadline = self.next_deadline()?;
        if deadline > now {
            return None;
        }
        let Reverse((_, id)) = self.heap.pop()?;
        let live = self.live.get_mut(&id)?;
        let kind = live.kind;
        match live.period {
            None => {
                self.live.remove(&id);
            }
            Some(period) => {
                let mut next = deadline + period;
                if next <= now {
                    let missed = (now - deadline).as_nanos() / period.as_nanos();
                    next = deadline + period * u32::try_from(missed + 1).unwrap_or(u32::MAX);
                }
                live.deadline = next;
                self.heap.push(Reverse((next, id)));
            }
        }
        Some((id, kind))
    }

    pub(crate) fn len(&self) -> usize {
        self.live.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn timers_come_due_in_deadline_order_and_not_before() {
        let start = Instant::now();
        let mut timers = Timers::new();
        timers.insert(start + ms(20), None, 'b');
        timers.insert(start + ms(10), None, 'a');
        assert_eq!(timers.next_deadline(), Some(start + ms(10)));
        assert_eq!(timers.pop_due(start + ms(9)), None, "never early");
        assert_eq!(timers.pop_due(start + ms(25)).map(|(_, k)| k), Some('a'));
        assert_eq!(timers.pop_due(start + ms(25)).map(|(_, k)| k), Some('b'));
        assert_eq!(timers.pop_due(start + ms(25)), None);
        assert_eq!(timers.len(), 0);
    }

    #[test]
    fn cancelled_timers_never_fire() {
        let start = Instant::now();
        let mut timers = Timers::new();
        let id = timers.insert(start, None, ());
        assert!(timers.cancel(id));
        assert!(!timers.cancel(id));
        assert_eq!(timers.next_deadline(), None);
        assert_eq!(timers.pop_due(start + ms(1)), None);
    }

    #[test]
    fn interval_timers_repeat_and_skip_missed_periods() {
        let start = Instant::now();
        let mut timers = Timers::new();
        let id = timers.insert(start + ms(10), Some(ms(10)), ());
        assert_eq!(timers.pop_due(start + ms(10)), Some((id, ())));
        assert_eq!(timers.next_deadline(), Some(start + ms(20)));
        // Late by three and a half periods: one firing, then the next period boundary.
        assert_eq!(timers.pop_due(start + ms(55)), Some((id, ())));
        assert_eq!(timers.pop_due(start + ms(55)), None);
        assert_eq!(timers.next_deadline(), Some(start + ms(60)));
    }

    #[test]
    fn many_cancellations_do_not_grow_the_heap() {
        let start = Instant::now();
        let mut timers = Timers::new();
        for i in 0..10_000 {
            let id = timers.insert(start + ms(i), None, ());
            timers.cancel(id);
        }
        assert!(timers.heap.len() <= 130, "heap holds {} entries", timers.heap.len());
    }
}
