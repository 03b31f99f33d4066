//! [`DoorBuilder`]: a door's path and options, then the handler it serves.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::{Door, DoorOptions};
use crate::{Answer, DoorError, PoolSeat, Request, Spawner};

/// A door about to be served ([`Door::builder`]): each setter sets one of the
/// [`DoorOptions`] (their docs say what each means and its default), [`options`] sets them
/// all, and [`serve`] starts serving.
///
/// [`options`]: DoorBuilder::options
/// [`serve`]: DoorBuilder::serve
pub struct DoorBuilder {
    path: PathBuf,
    options: DoorOptions,
    unref: Option<Box<dyn Fn() + Send + Sync>>,
}

/// A setter of one option.
macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, $name: $ty) -> DoorBuilder {
            self.options.$name = $name;
            self
        }
    };
}

impl DoorBuilder {
    pub(super) fn new(path: &Path) -> DoorBuilder {
        DoorBuilder { path: path.to_path_buf(), options: DoorOptions::default(), unref: None }
    }

    /// Sets every option at once.
    pub fn options(mut self, options: DoorOptions) -> DoorBuilder {
        self.options = options;
        self
    }

    setter!(/// [`DoorOptions::min_threads`].
        min_threads: usize);
    setter!(/// [`DoorOptions::max_threads`].
        max_threads: usize);
    setter!(/// [`DoorOptions::idle_timeout`].
        idle_timeout: Duration);
    setter!(/// [`DoorOptions::mode`].
        mode: u32);
    setter!(/// [`DoorOptions::max_request`].
        max_request: u32);
    setter!(/// [`DoorOptions::send_timeout`].
        send_timeout: Duration);
    setter!(/// [`DoorOptions::linger`].
        linger: Duration);
    setter!(/// [`DoorOptions::cpu_lanes`].
        cpu_lanes: bool);
    setter!(/// [`DoorOptions::max_connections`].
        max_connections: usize);
    setter!(/// [`DoorOptions::max_connections_per_uid`].
        max_connections_per_uid: Option<usize>);
    setter!(/// [`DoorOptions::hello_timeout`].
        hello_timeout: Duration);
    setter!(/// [`DoorOptions::connection_idle_timeout`].
        connection_idle_timeout: Option<Duration>);

    /// Starts the door's threads with `spawn` (see [`Spawner`]) instead of `std::thread`.
    pub fn spawner(
        mut self,
        spawn: impl Fn(PoolSeat) -> std::io::Result<()> + Send + Sync + 'static,
    ) -> DoorBuilder {
        self.options.spawner = Some(Spawner::new(spawn));
        self
    }

    /// Calls `unref` each time the door's last client connection closes (illumos
    /// `DOOR_UNREF`).
    pub fn on_unref(mut self, unref: impl Fn() + Send + Sync + 'static) -> DoorBuilder {
        self.unref = Some(Box::new(unref));
        self
    }

    /// Creates the door and serves `handler` on it, on an elastic pool of threads: the
    /// handler is called from several threads at once when calls come concurrently.
    ///
    /// A socket file at the path that nobody serves (left by a server that died) is
    /// replaced; if a server answers there, this fails with [`DoorError::InUse`].
    pub fn serve<H>(self, handler: H) -> Result<Door, DoorError>
    where
        H: Fn(Request<'_>) -> Answer + Send + Sync + 'static,
    {
        Door::start(self.path, self.options, Arc::new(handler), self.unref)
    }
}

impl std::fmt::Debug for DoorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DoorBuilder")
            .field("path", &self.path)
            .field("options", &self.options)
            .field("on_unref", &self.unref.is_some())
            .finish()
    }
}
