//! [`Door`]: serving calls at a filesystem path, on an elastic pool of threads.

mod bind;
mod builder;
mod conn;
mod gate;
mod lease_backing;
mod reply_slot;
mod send;
mod serve;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::DoorError;
use crate::pool::{Pool, PoolConfig, PoolStats, Spawner};
use crate::wire::InstanceId;

pub use builder::DoorBuilder;
use serve::{Handler, Served};

/// How a door is served.
#[derive(Clone, Debug)]
pub struct DoorOptions {
    /// Threads kept however idle the door is (at least 1).
    pub min_threads: usize,
    /// Threads the door never exceeds; further calls wait in the socket's backlog.
    pub max_threads: usize,
    /// How long a thread above the minimum may stay idle before it exits.
    pub idle_timeout: Duration,
    /// The permissions of the door's file (default `0o600`: its owner only).
    pub mode: u32,
    /// The largest call message accepted inline, in bytes (at least 4096); larger
    /// arguments must come in a memfd.
    pub max_request: u32,
    /// How long a reply may wait for room in a client's socket before the client is
    /// dropped (a client that does not read its replies cannot hold a worker for long).
    pub send_timeout: Duration,
    /// How long a worker that has answered a call waits on the same connection for the
    /// caller's next call before returning to the pool (zero: not at all). The worker is
    /// blocked in `recv`, not spinning. It spares a busy caller the pass through the pool's
    /// leader and the handoff to another thread: with 2 concurrent callers it tripled the
    /// calls per second in `door-bench`.
    ///
    /// A lingering worker counts as busy. The pool therefore follows the peak of
    /// connections that made a call within the last `linger`, which can exceed the peak of
    /// calls in flight: with CPU lanes, a caller that moves between CPUs uses a connection
    /// on each (8 callers on 2 CPUs reached 14 workers in `door-bench`, 2 callers 3). The
    /// extra workers are blocked, not spinning, and retire after `idle_timeout` like any.
    pub linger: Duration,
    /// Whether a client may ask for its calls to be served on the CPU it calls from (the
    /// `CPU_LANES` capability): the worker serving such a connection keeps to that CPU, so
    /// the call and its reply are handoffs on one CPU rather than wakeups of another, as
    /// illumos doors run the server thread on the caller's CPU. On by default where the
    /// door may run on more than one CPU.
    pub cpu_lanes: bool,
    /// Client connections open at once, at most; at the limit the door stops accepting and
    /// new connections wait in the socket's backlog until one closes. The default is half
    /// the process's descriptor limit (`RLIMIT_NOFILE` when the options are made), leaving
    /// the other half to the application.
    pub max_connections: usize,
    /// Connections one user (by the connecting process's uid) may hold, at most; further
    /// ones are closed as soon as they are accepted, so that one local user cannot take
    /// every slot. The door's owner and root are exempt. `None`: half of
    /// `max_connections`.
    pub max_connections_per_uid: Option<usize>,
    /// How long a new connection has to complete its `HELLO`; one that has not is closed.
    pub hello_timeout: Duration,
    /// How long a connection with no call in flight may stay open after its last call
    /// (`None`: as long as the client likes, the default).
    pub connection_idle_timeout: Option<Duration>,
    /// Starts the pool's threads (`None`, the default: the pool starts its own).
    pub spawner: Option<Spawner>,
}

/// The default [`DoorOptions::max_connections`]: half the descriptor limit, at least 16.
fn default_max_connections() -> usize {
    let half = ostium_sys::fd_limit() / 2;
    usize::try_from(half).unwrap_or(usize::MAX).clamp(16, 1 << 20)
}

impl Default for DoorOptions {
    fn default() -> DoorOptions {
        DoorOptions {
            min_threads: 1,
            max_threads: 64,
            idle_timeout: Duration::from_secs(10),
            mode: 0o600,
            max_request: 64 * 1024,
            send_timeout: Duration::from_secs(10),
            linger: Duration::from_millis(1),
            cpu_lanes: true,
            max_connections: default_max_connections(),
            max_connections_per_uid: None,
            hello_timeout: Duration::from_secs(5),
            connection_idle_timeout: None,
            spawner: None,
        }
    }
}

/// A door being served. Dropping it revokes it and waits for the calls in flight.
pub struct Door {
    pool: Pool<Served>,
}

impl Door {
    /// A door to serve at `path`: set its options on the builder, then
    /// [`serve`](DoorBuilder::serve) a handler.
    ///
    /// ```
    /// # use ostium::{Answer, Door};
    /// # let path = std::env::temp_dir().join(format!("builder-{}.door", std::process::id()));
    /// let door = Door::builder(&path).max_threads(8).serve(|request| Answer::ok(request.args))?;
    /// # Ok::<(), ostium::DoorError>(())
    /// ```
    pub fn builder(path: impl AsRef<Path>) -> DoorBuilder {
        DoorBuilder::new(path.as_ref())
    }

    /// Serves `handler` at `path` with `options`, calling `unref` when the last client
    /// connection closes: what [`DoorBuilder::serve`] does.
    fn start(
        path: PathBuf,
        options: DoorOptions,
        handler: Arc<Handler>,
        unref: Option<Box<dyn Fn() + Send + Sync>>,
    ) -> Result<Door, DoorError> {
        let served = Served::new(path.clone(), options.clone(), handler, unref)?;
        let config = PoolConfig {
            min_threads: options.min_threads,
            max_threads: options.max_threads,
            idle_timeout: options.idle_timeout,
            name: "ostium-door".into(),
            spawner: options.spawner.clone(),
        };
        let pool = Pool::start(served, config).map_err(|source| DoorError::Io { path, source })?;
        Ok(Door { pool })
    }

    /// The door's path.
    pub fn path(&self) -> &Path {
        self.pool.work().path()
    }

    /// The id this server sends clients at connect; a restarted server has another.
    pub fn instance(&self) -> InstanceId {
        self.pool.work().instance()
    }

    /// Stops taking new calls: the path is removed, new connections are refused, and calls
    /// on open connections are answered with the fault `Revoked`. Calls in flight finish.
    pub fn revoke(&self) {
        self.pool.work().revoke();
    }

    /// Serves `socket`, one end of a Unix `SOCK_SEQPACKET` socket pair this process made,
    /// as a connection to the door; whoever holds the other end is a client of the door
    /// without its path ([`Client::adopt_unnamed`](crate::Client::adopt_unnamed)). The
    /// `HELLO` has no deadline on it: it comes with the first call. The handler learns who
    /// calls from each message's credentials (`SO_PASSCRED`), since the socket pair's own
    /// say this process. This is how libdoor passes a door through a door, as illumos
    /// passes a door descriptor.
    pub fn adopt_connection(&self, socket: std::os::fd::OwnedFd) -> Result<(), DoorError> {
        let path = self.path();
        let socket = ostium_sys::unix::SeqpacketConn::from_fd(socket).map_err(io_error(path))?;
        if self.pool.work().adopt(socket, None) {
            Ok(())
        } else {
            Err(DoorError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("the door refused the connection"),
            })
        }
    }

    /// The door's threads now.
    pub fn pool_stats(&self) -> PoolStats {
        self.pool.stats()
    }

    /// How many client connections are open.
    pub fn connections(&self) -> usize {
        self.pool.work().connections()
    }
}

impl Drop for Door {
    fn drop(&mut self) {
        let served = self.pool.work();
        served.revoke();
        served.stop();
        self.pool.wait_stopped();
        served.close_all();
    }
}

impl std::fmt::Debug for Door {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Door")
            .field("path", &self.path())
            .field("instance", &self.instance())
            .finish()
    }
}

/// The door's path, for errors.
pub(crate) fn io_error(path: &Path) -> impl Fn(std::io::Error) -> DoorError + '_ {
    move |source| DoorError::Io { path: PathBuf::from(path), source }
}
