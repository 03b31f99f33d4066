//! Notifications reaching a generated `InOrder` server (`Events`, served by [`Watcher`]):
//! real timers, a real `SIGUSR1` sent to this process, a pipe becoming readable, posts from
//! other threads, bits held back by the server's mask, and no notification while a call runs.
//!
//! This test has its own `main` (`harness = false`): `SIGUSR1` is blocked before any thread
//! exists, so that every thread of the process inherits the block and the signal reaches the
//! server's signalfd rather than killing the process.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use idl_kv::events::{Events, EventsServer};
use idl_kv::{Happened, Log, Watcher};
use ostium::DoorOptions;
use ostium_rpc::{Notifications, NotifyError, Served, Signal, block_signals};

fn main() {
    block_signals(&[Signal::User1]).unwrap();
    let tests: [(&str, fn()); 7] = [
        ("timers_fire_once_and_periodically", timers_fire_once_and_periodically),
        ("a_signal_to_this_process_is_a_bit", a_signal_to_this_process_is_a_bit),
        ("a_readable_pipe_is_a_bit", a_readable_pipe_is_a_bit),
        ("posts_from_other_threads_arrive", posts_from_other_threads_arrive),
        ("masked_bits_wait_for_the_mask", masked_bits_wait_for_the_mask),
        ("no_notification_during_a_call", no_notification_during_a_call),
        ("an_unblocked_signal_is_refused", an_unblocked_signal_is_refused),
    ];
    for (name, test) in tests {
        test();
        println!("test {name} ... ok");
    }
    println!("\ntest result: ok. {} passed", tests.len());
}

/// Serves `watcher` with `notifications`; the server, its client and its log.
fn serve(notifications: Notifications, watcher: Watcher) -> (Served, Events) {
    let path = common::door_path("events");
    let served = EventsServer::serve_in_order_notified(
        &path,
        DoorOptions::default(),
        watcher,
        notifications,
    )
    .unwrap();
    (served, Events::open(&path).unwrap())
}

fn new_log() -> Log {
    Log::default()
}

/// Waits (up to 5 s) until the bits handled include `bits`.
fn wait_handled(events: &Events, bits: u32) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while events.handled().unwrap() & bits != bits {
        assert!(Instant::now() < deadline, "bits {bits:#x} never handled");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn notified(log: &Log) -> Vec<u32> {
    let log = log.lock().unwrap();
    log.iter().filter_map(|h| if let Happened::Notified(b) = h { Some(*b) } else { None }).collect()
}

fn timers_fire_once_and_periodically() {
    let log = new_log();
    let mut notifications = Notifications::new().unwrap();
    let once = notifications.timer(1 << 0).unwrap();
    let tick = notifications.timer(1 << 1).unwrap();
    let (_served, events) = serve(notifications, Watcher::new(log.clone()));
    let start = Instant::now();
    once.set_after(Duration::from_millis(30)).unwrap();
    wait_handled(&events, 1 << 0);
    assert!(start.elapsed() >= Duration::from_millis(30), "{:?}", start.elapsed());
    tick.set_interval(Duration::from_millis(5), Duration::from_millis(5)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while notified(&log).iter().filter(|b| *b & 2 != 0).count() < 3 {
        assert!(Instant::now() < deadline, "the interval timer stopped");
        std::thread::sleep(Duration::from_millis(5));
    }
    tick.cancel().unwrap();
    assert_eq!(notified(&log).iter().filter(|b| *b & 1 != 0).count(), 1, "a one-shot fired again");
}

fn a_signal_to_this_process_is_a_bit() {
    let mut notifications = Notifications::new().unwrap();
    notifications.signal(1 << 4, Signal::User1).unwrap();
    let (_served, events) = serve(notifications, Watcher::new(new_log()));
    Signal::User1.send_to(std::process::id()).unwrap();
    wait_handled(&events, 1 << 4);
}

fn a_readable_pipe_is_a_bit() {
    let log = new_log();
    let (reader, mut writer) = std::io::pipe().unwrap();
    let mut notifications = Notifications::new().unwrap();
    notifications.readable(1 << 7, std::os::fd::AsFd::as_fd(&reader)).unwrap();
    let mut watcher = Watcher::new(log.clone());
    (watcher.pipe, watcher.pipe_bit) = (Some(reader), 1 << 7);
    let (_served, events) = serve(notifications, watcher);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(events.handled().unwrap(), 0, "an empty pipe is not readable");
    writer.write_all(b"wake").unwrap();
    wait_handled(&events, 1 << 7);
    // The handler drained the pipe: the bit does not keep coming.
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(notified(&log), [1 << 7]);
    writer.write_all(b"again").unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while notified(&log).len() < 2 {
        assert!(Instant::now() < deadline, "the pipe's second write was not seen");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn posts_from_other_threads_arrive() {
    let notifications = Notifications::new().unwrap();
    let notifier = notifications.notifier();
    let (_served, events) = serve(notifications, Watcher::new(new_log()));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let notifier = notifier.clone();
            std::thread::spawn(move || notifier.post(1 << (10 + i)))
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    wait_handled(&events, 0b1111 << 10);
}

fn masked_bits_wait_for_the_mask() {
    let log = new_log();
    let notifications = Notifications::new().unwrap();
    let notifier = notifications.notifier();
    let (_served, events) = serve(notifications, Watcher::new(log.clone()));
    events.set_mask(1 << 1).unwrap();
    notifier.post(1 << 2);
    notifier.post(1 << 1);
    wait_handled(&events, 1 << 1);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(events.handled().unwrap(), 1 << 1, "a masked bit was handled");
    // The call that unmasks it hands the pending bit over.
    events.set_mask(u32::MAX).unwrap();
    wait_handled(&events, 1 << 2);
    assert_eq!(notified(&log), [1 << 1, 1 << 2]);
}

fn no_notification_during_a_call() {
    let log = new_log();
    let notifications = Notifications::new().unwrap();
    let notifier = notifications.notifier();
    let (_served, events) = serve(notifications, Watcher::new(log.clone()));
    let poster = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(40));
        notifier.post(1 << 3);
    });
    events.hold(150).unwrap();
    poster.join().unwrap();
    wait_handled(&events, 1 << 3);
    let log = log.lock().unwrap().clone();
    assert_eq!(log, [Happened::HoldStart, Happened::HoldEnd, Happened::Notified(1 << 3)]);
}

fn an_unblocked_signal_is_refused() {
    let mut notifications = Notifications::new().unwrap();
    match notifications.signal(1, Signal::User2) {
        Err(NotifyError::SignalNotBlocked(Signal::User2)) => {}
        other => panic!("{other:?}"),
    }
    assert!(matches!(notifications.timer(0), Err(NotifyError::NoBits)));
}
