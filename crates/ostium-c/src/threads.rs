//! Server threads: `door_server_create`, `door_bind`, `door_unbind`, and where a door's
//! pool finds its threads.
//!
//! Each served door has an elastic pool (an [`ostium::Door`]'s), which asks for a thread
//! when the last idle one picks up a call: the doors rule, and illumos's depletion
//! callback. libdoor answers with the pool's seat ([`PoolSeat`]) queued where server
//! threads look for work — the door's own [`Seats`] for a `DOOR_PRIVATE` door, the
//! process's shared ones otherwise. A thread waiting there takes it; when none waits, the
//! server creation function is called, with the door's `door_info_t` for a private door and
//! NULL for the shared pool, as illumos calls it. Like illumos, libdoor calls it too when a
//! private door is created, and when the process creates its first other door.
//!
//! A thread waits for seats in `door_return(NULL, 0, NULL, 0)` outside a procedure (the
//! main thread's park, or a thread the creation function started), in the pool its
//! `door_bind` chose, serving one seat after another: it never returns. The default
//! creation function's threads serve one seat each and end when the pool retires them
//! (idle past the timeout), so that an idle process shrinks back to one thread per door.

use std::collections::VecDeque;
use std::ffi::c_int;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ostium::PoolSeat;

use crate::abi::{DOOR_PRIVATE, DoorInfo};
use crate::errno;
use crate::local::{self, LocalDoor};

/// A server creation function: `void create(door_info_t *)`.
pub type ServerFunc = unsafe extern "C" fn(*mut DoorInfo);

/// The creation function `door_server_create` set, or the default.
static CREATE: Mutex<ServerFunc> = Mutex::new(default_server);

/// Where the threads of doors that are not private find work.
static SHARED: Seats = Seats::new();

thread_local! {
    /// The private door this thread's `door_bind` chose.
    static BOUND: std::cell::RefCell<Option<Arc<LocalDoor>>> =
        const { std::cell::RefCell::new(None) };
}

/// Seats of one pool waiting for threads, and threads waiting for seats.
#[derive(Debug, Default)]
pub struct Seats {
    queue: Mutex<Queue>,
    ready: Condvar,
}

#[derive(Debug, Default)]
struct Queue {
    seats: VecDeque<PoolSeat>,
    /// Threads blocked in [`Seats::take`].
    waiting: usize,
}

impl Seats {
    /// No seats and no threads.
    pub const fn new() -> Seats {
        Seats {
            queue: Mutex::new(Queue { seats: VecDeque::new(), waiting: 0 }),
            ready: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `seat`: true if a waiting thread will take it, false if a thread must be
    /// created for it.
    fn offer(&self, seat: PoolSeat) -> bool {
        let mut queue = self.lock();
        queue.seats.push_back(seat);
        let covered = queue.waiting >= queue.seats.len();
        if covered {
            self.ready.notify_one();
        }
        covered
    }

    /// Waits for a seat (without waking while none comes).
    fn take(&self) -> PoolSeat {
        let mut queue = self.lock();
        queue.waiting += 1;
        loop {
            if let Some(seat) = queue.seats.pop_front() {
                queue.waiting -= 1;
                return seat;
            }
            queue = self.ready.wait(queue).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Where `door`'s pool finds its threads.
fn seats_of(door: &LocalDoor) -> &Seats {
    door.private_seats().unwrap_or(&SHARED)
}

/// The spawner of `door`'s pool: its seats go to the door's queue, and the creation
/// function is called when no thread waits there.
pub fn spawner(door: &Arc<LocalDoor>) -> impl Fn(PoolSeat) -> std::io::Result<()> + use<> {
    // Weak: the door's pool holds its spawner, and the door holds its pool.
    let door = Arc::downgrade(door);
    move |seat| {
        // A seat of a door that is gone is dropped, giving its place back.
        let Some(door) = door.upgrade() else { return Ok(()) };
        if !seats_of(&door).offer(seat) {
            create_thread_for(&door);
        }
        Ok(())
    }
}

/// Calls the creation function for a thread of `door`'s pool: with its `door_info_t` if it
/// is private, with NULL otherwise.
pub fn create_thread_for(door: &LocalDoor) {
    let mut info = (door.attributes & DOOR_PRIVATE != 0).then(|| crate::info::local(door));
    let info = info.as_mut().map_or(std::ptr::null_mut(), std::ptr::from_mut);
    let create = *CREATE.lock().unwrap_or_else(PoisonError::into_inner);
    // SAFETY: the function is the program's (door_server_create) or ours, of this type;
    // `info` is null or a door_info_t that lives through the call.
    unsafe { create(info) };
}

/// Serves seats of this thread's pool for good: `door_return(NULL, 0, NULL, 0)` outside a
/// procedure.
pub fn serve_forever() -> ! {
    loop {
        let bound = BOUND.with_borrow(Clone::clone);
        let seat = match &bound {
            Some(door) => seats_of(door).take(),
            None => SHARED.take(),
        };
        drop(bound);
        seat.serve();
    }
}

/// The default creation function: a thread that serves one seat of the pool (the door's,
/// for a private door), and ends when the pool retires it.
unsafe extern "C" fn default_server(info: *mut DoorInfo) {
    let private = if info.is_null() {
        None
    } else {
        // SAFETY: a non-null `info` is a door_info_t for the length of this call.
        let info = unsafe { info.read_unaligned() };
        local::find_local(info.uniquifier)
    };
    let spawned = std::thread::Builder::new().name("door-server".into()).spawn(move || {
        let seat = match &private {
            Some(door) => seats_of(door).take(),
            None => SHARED.take(),
        };
        drop(private);
        seat.serve();
    });
    if let Err(err) = spawned {
        // The pool's seat waits for a thread; its busy threads go on serving.
        static FAILED: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
        if let Some(suppressed) = FAILED.pass() {
            eprintln!("libdoor: could not start a server thread: {err} ({suppressed} suppressed)");
        }
    }
}

/// `door_server_create(create_func)`: see door_server_create(3C).
#[unsafe(no_mangle)]
pub extern "C" fn door_server_create(create_func: Option<ServerFunc>) -> Option<ServerFunc> {
    let mut current = CREATE.lock().unwrap_or_else(PoisonError::into_inner);
    let previous = *current;
    *current = create_func.unwrap_or(default_server);
    Some(previous)
}

/// `door_bind(did)`: this thread serves the private door `did` from its next
/// `door_return`. See door_bind(3C).
#[unsafe(no_mangle)]
pub extern "C" fn door_bind(did: c_int) -> c_int {
    match local::local_door(did) {
        Ok(door) if door.private_seats().is_some() => {
            BOUND.set(Some(door));
            0
        }
        // Not private, or not this process's.
        Ok(_) | Err(libc::EPERM) | Err(libc::EINVAL) => errno::fail(libc::EINVAL),
        Err(code) => errno::fail(code),
    }
}

/// `door_unbind()`: this thread serves the shared pool from its next `door_return`. See
/// door_bind(3C).
#[unsafe(no_mangle)]
pub extern "C" fn door_unbind() -> c_int {
    match BOUND.take() {
        Some(_) => 0,
        None => errno::fail(libc::EBADF),
    }
}

/// How long a server thread above the first may stay idle before its pool retires it:
/// `DOOR_IDLE_TIMEOUT_MS` from the environment, or 10 s.
pub fn idle_timeout() -> Duration {
    static TIMEOUT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *TIMEOUT.get_or_init(|| {
        let default = Duration::from_secs(10);
        let Some(value) = std::env::var_os("DOOR_IDLE_TIMEOUT_MS") else { return default };
        match value.to_str().and_then(|value| value.parse::<u64>().ok()) {
            Some(ms) => Duration::from_millis(ms),
            None => {
                eprintln!(
                    "libdoor: DOOR_IDLE_TIMEOUT_MS={} is not a number of milliseconds; using \
                     10000",
                    value.to_string_lossy()
                );
                default
            }
        }
    })
}
