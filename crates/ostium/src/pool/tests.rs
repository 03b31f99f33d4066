//! The pool's policy, driven by work fed through a channel: growth at new peaks only,
//! shrinking to the minimum, LIFO reuse, the maximum, stopping, panics.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{Pool, PoolConfig, PoolSeat, PoolStats, Spawner, Work};

/// A latch that blocked work waits on.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

enum Item {
    Blocked(Arc<Gate>),
    Quick,
    Panic,
    Stop,
}

struct Fed {
    items: Mutex<Receiver<Item>>,
    active: AtomicUsize,
    done: AtomicUsize,
}

impl Work for Fed {
    type Item = Item;

    fn next(&self) -> Option<Item> {
        match self.items.lock().unwrap().recv() {
            Ok(Item::Stop) | Err(_) => None,
            Ok(item) => Some(item),
        }
    }

    fn handle(&self, item: Item) {
        self.active.fetch_add(1, Ordering::SeqCst);
        match item {
            Item::Blocked(gate) => gate.wait(),
            Item::Panic => {
                self.active.fetch_sub(1, Ordering::SeqCst);
                panic!("a handler fails");
            }
            _ => {}
        }
        self.active.fetch_sub(1, Ordering::SeqCst);
        self.done.fetch_add(1, Ordering::SeqCst);
    }
}

fn start(config: PoolConfig) -> (Pool<Fed>, Sender<Item>) {
    let (tx, rx) = mpsc::channel();
    let work =
        Fed { items: Mutex::new(rx), active: AtomicUsize::new(0), done: AtomicUsize::new(0) };
    (Pool::start(work, config).unwrap(), tx)
}

fn config(max_threads: usize, idle_timeout_ms: u64) -> PoolConfig {
    PoolConfig {
        min_threads: 1,
        max_threads,
        idle_timeout: Duration::from_millis(idle_timeout_ms),
        name: "test-pool".into(),
        spawner: None,
    }
}

/// Waits (bounded) until `done` holds for the pool, and returns its stats then.
fn eventually(
    pool: &Pool<Fed>,
    what: &str,
    done: impl Fn(&Pool<Fed>, PoolStats) -> bool,
) -> PoolStats {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stats = pool.stats();
        if done(pool, stats) {
            return stats;
        }
        assert!(Instant::now() < deadline, "never: {what}; last {stats:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn stop(pool: Pool<Fed>, tx: Sender<Item>) {
    tx.send(Item::Stop).unwrap();
    pool.wait_stopped();
    assert_eq!(pool.stats().threads, 0);
}

#[test]
fn an_idle_pool_is_one_thread() {
    let (pool, tx) = start(config(8, 50));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(pool.stats(), PoolStats { threads: 1, idle: 0, peak: 1 });
    stop(pool, tx);
}

#[test]
fn the_pool_grows_to_the_concurrency_plus_one_leader_and_shrinks_back() {
    for k in [1, 2, 8, 32] {
        let (pool, tx) = start(config(64, 100));
        let gate = Arc::new(Gate::default());
        for _ in 0..k {
            tx.send(Item::Blocked(Arc::clone(&gate))).unwrap();
        }
        eventually(&pool, "all blocked calls running", |p, _| {
            p.work().active.load(Ordering::SeqCst) == k
        });
        // K busy threads and one leader waiting for more; give a stray spawn time to show.
        let stats = eventually(&pool, "a leader waiting", |_, s| s.threads == k + 1);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(pool.stats().threads, k + 1, "K = {k}");
        assert!(stats.peak <= k + 1, "K = {k}: peak {}", stats.peak);
        gate.open();
        eventually(&pool, "shrunk to the minimum", |_, s| s.threads == 1);
        assert!(pool.stats().peak <= k + 1, "K = {k}: peak {}", pool.stats().peak);
        stop(pool, tx);
    }
}

#[test]
fn the_pool_never_exceeds_its_maximum_and_still_serves_everything() {
    let (pool, tx) = start(config(4, 100));
    let gate = Arc::new(Gate::default());
    for _ in 0..10 {
        tx.send(Item::Blocked(Arc::clone(&gate))).unwrap();
    }
    eventually(&pool, "four running", |p, _| p.work().active.load(Ordering::SeqCst) == 4);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(pool.work().active.load(Ordering::SeqCst), 4);
    assert_eq!(pool.stats().peak, 4);
    gate.open();
    eventually(&pool, "all ten done", |p, _| p.work().done.load(Ordering::SeqCst) == 10);
    stop(pool, tx);
}

#[test]
fn steady_light_load_reuses_the_warmest_thread_so_the_rest_retire() {
    let (pool, tx) = start(config(64, 150));
    let gate = Arc::new(Gate::default());
    for _ in 0..8 {
        tx.send(Item::Blocked(Arc::clone(&gate))).unwrap();
    }
    eventually(&pool, "eight running", |p, _| p.work().active.load(Ordering::SeqCst) == 8);
    gate.open();
    // One call at a time, more often than the idle timeout: with the most recently idle
    // thread taking each, the others stay idle long enough to retire. (Were idle threads
    // taken in turn, each would be used every 8 × 20 ms < 150 ms and none would retire.)
    let until = Instant::now() + Duration::from_millis(900);
    while Instant::now() < until {
        tx.send(Item::Quick).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    let threads = pool.stats().threads;
    assert!(threads <= 3, "{threads} threads left under a load that needs two");
    stop(pool, tx);
}

#[test]
fn a_panicking_handler_leaves_the_pool_whole() {
    let (pool, tx) = start(config(8, 50));
    tx.send(Item::Panic).unwrap();
    tx.send(Item::Quick).unwrap();
    eventually(&pool, "the next item served", |p, _| p.work().done.load(Ordering::SeqCst) == 1);
    eventually(&pool, "back to one thread", |_, s| s.threads == 1);
    stop(pool, tx);
}

#[test]
fn stopping_waits_for_work_in_progress() {
    let (pool, tx) = start(config(8, 1000));
    let gate = Arc::new(Gate::default());
    tx.send(Item::Blocked(Arc::clone(&gate))).unwrap();
    eventually(&pool, "one running", |p, _| p.work().active.load(Ordering::SeqCst) == 1);
    tx.send(Item::Stop).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert!(pool.stats().threads >= 1, "the busy thread is not stopped");
    gate.open();
    pool.wait_stopped();
    assert_eq!(pool.work().done.load(Ordering::SeqCst), 1);
}

#[test]
fn heavy_churn_neither_deadlocks_nor_loses_the_leader() {
    // A tiny idle timeout makes threads retire while others promote them, over and over;
    // a watchdog turns a deadlock or a lost leader into a failure rather than a hang.
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (pool, tx) = start(config(4, 1));
        for round in 0..200 {
            for _ in 0..(round % 7) + 1 {
                tx.send(Item::Quick).unwrap();
            }
            std::thread::sleep(Duration::from_micros(300));
        }
        let expected: usize = (0..200).map(|round| (round % 7) + 1).sum();
        eventually(&pool, "every item served", |p, _| {
            p.work().done.load(Ordering::SeqCst) == expected
        });
        stop(pool, tx);
        done_tx.send(()).unwrap();
    });
    done_rx.recv_timeout(Duration::from_secs(60)).expect("the pool deadlocked or lost its leader");
}

/// A pool whose threads come from a spawner that only keeps the seats it is given, for
/// the test to serve (or drop) when it likes.
fn start_with_kept_seats(
    max_threads: usize,
) -> (Pool<Fed>, Sender<Item>, Arc<Mutex<Vec<PoolSeat>>>) {
    let seats = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&seats);
    let spawner = Spawner::new(move |seat| {
        kept.lock().unwrap().push(seat);
        Ok(())
    });
    let (tx, rx) = mpsc::channel();
    let work =
        Fed { items: Mutex::new(rx), active: AtomicUsize::new(0), done: AtomicUsize::new(0) };
    let config = PoolConfig { spawner: Some(spawner), ..config(max_threads, 1000) };
    (Pool::start(work, config).unwrap(), tx, seats)
}

fn serve_on_a_thread(seat: PoolSeat) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || seat.serve())
}

#[test]
fn a_seat_nobody_serves_does_not_stall_the_pool_and_gives_its_place_back_when_dropped() {
    let (pool, tx, seats) = start_with_kept_seats(8);
    tx.send(Item::Quick).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(pool.work().done.load(Ordering::SeqCst), 0, "no thread has taken a seat yet");
    let first = seats.lock().unwrap().pop().expect("the pool asked for its first thread");
    let first = serve_on_a_thread(first);
    eventually(&pool, "the waiting item served", |p, _| p.work().done.load(Ordering::SeqCst) == 1);

    // Two calls at once: the one thread takes the first and asks for another thread, whose
    // seat nobody serves; the busy thread, once free, leads in its place.
    let gate = Arc::new(Gate::default());
    tx.send(Item::Blocked(Arc::clone(&gate))).unwrap();
    tx.send(Item::Blocked(Arc::clone(&gate))).unwrap();
    eventually(&pool, "a second seat asked for", |_, _| seats.lock().unwrap().len() == 1);
    gate.open();
    eventually(&pool, "both served by one thread", |p, _| {
        p.work().done.load(Ordering::SeqCst) == 3
    });
    assert_eq!(seats.lock().unwrap().len(), 1, "never more than one thread pending");
    assert_eq!(pool.stats().threads, 2, "the served thread and the pending one");

    seats.lock().unwrap().clear();
    assert_eq!(pool.stats().threads, 1, "the dropped seat gave its place back");
    let gate = Arc::new(Gate::default());
    tx.send(Item::Blocked(Arc::clone(&gate))).unwrap();
    eventually(&pool, "a new seat at the next peak", |_, _| seats.lock().unwrap().len() == 1);
    let second = serve_on_a_thread(seats.lock().unwrap().pop().unwrap());
    eventually(&pool, "two threads", |_, s| s.threads == 2);
    gate.open();
    stop(pool, tx);
    first.join().unwrap();
    second.join().unwrap();
}

#[test]
fn stopping_does_not_wait_for_a_seat_nobody_serves() {
    let (pool, tx, seats) = start_with_kept_seats(8);
    tx.send(Item::Stop).unwrap();
    pool.wait_stopped();
    // Served after the stop, the seat finds the pool stopped and returns at once.
    let late = seats.lock().unwrap().pop().expect("the first seat");
    late.serve();
    assert_eq!(pool.stats().threads, 0);
}
