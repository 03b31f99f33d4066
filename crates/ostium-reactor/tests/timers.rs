//! Timers as events: never early, intervals repeat, cancelled timers stay silent, and work
//! posted from other threads runs on the loop.

use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use ostium_reactor::{Buffer, Config, ConnId, Context, EventLoop, Flow, Service, TimerId};

/// A service that only has timers; what it sees goes down a channel.
struct Clock {
    plan: fn(&mut Context<'_>) -> Vec<(TimerId, Instant)>,
    expected: Vec<(TimerId, Instant)>,
    fired: Sender<(TimerId, Instant, Instant)>,
    stop_after: usize,
    count: usize,
}

impl Service for Clock {
    fn on_start(&mut self, cx: &mut Context<'_>) {
        self.expected = (self.plan)(cx);
    }

    fn on_data(&mut self, _: &mut Context<'_>, _: ConnId, _: &mut Buffer, _: &mut Buffer) -> Flow {
        Flow::Close
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        let due = self
            .expected
            .iter()
            .find(|(id, _)| *id == timer)
            .map(|(_, due)| *due)
            .expect("a timer we set");
        self.fired.send((timer, due, Instant::now())).unwrap();
        self.count += 1;
        if self.count == self.stop_after {
            cx.stop();
        }
    }
}

fn run_clock(
    plan: fn(&mut Context<'_>) -> Vec<(TimerId, Instant)>,
    stop_after: usize,
) -> Vec<(TimerId, Instant, Instant)> {
    let (tx, rx) = mpsc::channel();
    let clock = Clock { plan, expected: Vec::new(), fired: tx, stop_after, count: 0 };
    let thread = std::thread::spawn(move || EventLoop::new(Config::default(), clock)?.run());
    let fired: Vec<_> = rx.iter().take(stop_after).collect();
    thread.join().unwrap().unwrap();
    fired
}

#[test]
fn one_shot_timers_fire_in_order_and_never_early() {
    let fired = run_clock(
        |cx| {
            [30, 10, 20, 1]
                .into_iter()
                .map(|ms| {
                    let after = Duration::from_millis(ms);
                    let due = Instant::now() + after;
                    (cx.set_timer(after), due)
                })
                .collect()
        },
        4,
    );
    for (_, due, at) in &fired {
        assert!(at >= due, "a timer fired {:?} early", *due - *at);
    }
    let times: Vec<Instant> = fired.iter().map(|(_, due, _)| *due).collect();
    assert!(times.is_sorted(), "timers fired out of deadline order");
}

#[test]
fn sub_millisecond_timers_are_not_rounded_away() {
    let fired = run_clock(
        |cx| {
            let after = Duration::from_micros(200);
            vec![(cx.set_timer(after), Instant::now() + after)]
        },
        1,
    );
    let (_, due, at) = fired[0];
    assert!(at >= due);
}

#[test]
fn intervals_repeat_and_cancelled_timers_stay_silent() {
    let fired = run_clock(
        |cx| {
            let cancelled = cx.set_timer(Duration::from_millis(5));
            assert!(cx.cancel_timer(cancelled));
            assert!(!cx.cancel_timer(cancelled));
            let every = Duration::from_millis(10);
            let first = Instant::now() + every;
            vec![(cx.set_interval(every), first)]
        },
        5,
    );
    let interval = fired[0].0;
    assert!(fired.iter().all(|(id, _, _)| *id == interval), "only the interval fires");
    let start = fired[0].1;
    assert!(fired[4].2 >= start + Duration::from_millis(40), "five firings take four periods");
}

struct Counter(u32);

impl Service for Counter {
    fn on_data(&mut self, _: &mut Context<'_>, _: ConnId, _: &mut Buffer, _: &mut Buffer) -> Flow {
        Flow::Close
    }
}

#[test]
fn work_posted_from_other_threads_runs_on_the_loop_and_stop_ends_it() {
    let mut event_loop = EventLoop::new(Config::default(), Counter(0)).unwrap();
    let handle = event_loop.handle();
    let loop_thread = std::thread::spawn(move || {
        event_loop.run().unwrap();
        event_loop.service().0
    });
    let (tx, rx) = mpsc::channel();
    let posters: Vec<_> = (0..4)
        .map(|_| {
            let handle = handle.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                for _ in 0..250 {
                    let tx = tx.clone();
                    handle
                        .post(move |counter: &mut Counter, _cx| {
                            counter.0 += 1;
                            tx.send(std::thread::current().id()).unwrap();
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for poster in posters {
        poster.join().unwrap();
    }
    let ran_on: Vec<_> = rx.iter().take(1000).collect();
    handle.stop().unwrap();
    assert_eq!(loop_thread.join().unwrap(), 1000, "every posted job ran exactly once");
    assert!(ran_on.windows(2).all(|w| w[0] == w[1]), "all jobs ran on one thread");
    assert_ne!(ran_on[0], std::thread::current().id());
}
