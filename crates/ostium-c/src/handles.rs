//! The door descriptors this process holds: doors it opened (another process's, or its
//! own by path) and doors it created ([`LocalDoor`]).
//!
//! An opened door's descriptor is a Unix socket connected to the door, as `open` made it; its calls
//! are made by an [`ostium::Client`] whose first connection is that socket (a duplicate of
//! it, so that the client's copy and the program's are both the same connection), and which
//! connects again to the door's path when several threads call at once. The program knows
//! only the number: this registry maps it to the client, and remembers which socket the
//! number was (device and inode) so that a number the program closed without our `close`
//! (through `dup2`, say) and reused for another file is not taken for the door.
//!
//! Descriptors are never closed while the registry's lock is held: closing goes through
//! the interposed `close`, which takes the lock.

use std::collections::HashMap;
use std::ffi::c_int;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use ostium::Client;

use crate::local::LocalDoor;

/// What the registry knows of one door descriptor.
#[derive(Debug)]
pub struct DoorHandle {
    /// Which door it is, and how it is called.
    pub door: Door,
    identity: Identity,
}

/// A door a descriptor names.
#[derive(Debug)]
pub enum Door {
    /// A door opened by its path.
    Opened {
        /// Makes the door's calls.
        client: Client,
        /// The server's process id, as the kernel reported it when the socket connected.
        server_pid: Option<u32>,
    },
    /// A door this process created with `door_create`.
    Local(Arc<LocalDoor>),
}

/// Which open file a number is: its device and inode (unique for a socket while it lives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity(u64, u64);

type Registry = HashMap<c_int, Arc<DoorHandle>>;

static HANDLES: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);
/// The number of door descriptors registered, so that `close` of any other descriptor in a
/// program that holds none costs no lock.
static COUNT: AtomicUsize = AtomicUsize::new(0);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    HANDLES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers `fd` as a descriptor of `door`.
pub fn register(fd: c_int, door: Door) -> std::io::Result<()> {
    let identity = identity(fd)?;
    let handle = Arc::new(DoorHandle { door, identity });
    let replaced = registry().insert(fd, handle);
    if replaced.is_none() {
        COUNT.fetch_add(1, Ordering::Relaxed);
    }
    // A stale entry for a reused number goes now, outside the lock.
    drop(replaced);
    Ok(())
}

/// The door `fd` is, if it is one this process holds.
///
/// No system call: the interposed `close`, `dup2`, `dup3` and `close_range` forget a
/// number before it can name another file. A number closed by other means (glibc's
/// `fclose` of an `fdopen`ed door, a raw system call) is still taken for the door until
/// [`register`] reuses it ([`is_current`] tells, at the cost of an `fstat`).
pub fn lookup(fd: c_int) -> Option<Arc<DoorHandle>> {
    if COUNT.load(Ordering::Relaxed) == 0 {
        return None;
    }
    registry().get(&fd).cloned()
}

/// Whether `fd` still names the socket `handle` was registered with.
pub fn is_current(fd: c_int, handle: &DoorHandle) -> bool {
    identity(fd).ok() == Some(handle.identity)
}

/// Forgets the numbers `first..=last`, which `close_range` is closing.
pub fn forget_range(first: c_int, last: c_int) {
    if COUNT.load(Ordering::Relaxed) == 0 {
        return;
    }
    let removed: Vec<Arc<DoorHandle>> = {
        let mut registry = registry();
        let numbers: Vec<c_int> =
            registry.keys().copied().filter(|fd| (first..=last).contains(fd)).collect();
        numbers.iter().filter_map(|fd| registry.remove(fd)).collect()
    };
    COUNT.fetch_sub(removed.len(), Ordering::Relaxed);
    // The clients' connections close here, outside the lock.
    drop(removed);
}

/// Forgets `fd`, which is being closed.
pub fn forget(fd: c_int) {
    if COUNT.load(Ordering::Relaxed) == 0 {
        return;
    }
    let removed = registry().remove(&fd);
    if removed.is_some() {
        COUNT.fetch_sub(1, Ordering::Relaxed);
    }
    // The client's connections close here, outside the lock.
    drop(removed);
}

fn identity(fd: c_int) -> std::io::Result<Identity> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `fstat` writes a whole `stat` into the buffer given, or fails (`EBADF` for a
    // number that is not open) and writes nothing; it is read only on success.
    let rc = unsafe { libc::fstat(fd, stat.as_mut_ptr()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fstat` succeeded, so it initialised the whole structure.
    let stat = unsafe { stat.assume_init() };
    Ok(Identity(stat.st_dev, stat.st_ino))
}

impl DoorHandle {
    /// The client that calls this door: the opened door's, or a connection by path to a
    /// door of this process (`EBADF` if it is attached nowhere, or revoked).
    pub fn client(&self) -> Result<&Client, c_int> {
        match &self.door {
            Door::Opened { client, .. } => Ok(client),
            Door::Local(local) => local.client(),
        }
    }
}

/// The doors this process created and still holds descriptors of.
pub fn local_doors() -> Vec<Arc<LocalDoor>> {
    registry()
        .values()
        .filter_map(|handle| match &handle.door {
            Door::Local(door) => Some(Arc::clone(door)),
            Door::Opened { .. } => None,
        })
        .collect()
}
