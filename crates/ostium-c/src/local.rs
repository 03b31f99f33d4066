//! Doors this process serves: `door_create`, `fattach`, `fdetach`, `door_revoke`.
//!
//! `door_create` returns a descriptor that names the door (an unbound Unix socket, so that
//! it is a socket as every door descriptor here is, and closes with `close`); the door is
//! served once `fattach` gives it a path. Then an [`ostium::Door`] serves it there, with the
//! attached file's mode and owner, on its own elastic pool of threads, each call running
//! the door's procedure ([`serve`](crate::serve)).

use std::ffi::{CStr, OsStr, c_char, c_int, c_uint, c_void};
use std::os::fd::{IntoRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use ostium::{Client, Door, DoorError};

use crate::abi::{DOOR_CREATE_MASK, DOOR_PRIVATE, DOOR_UNREF, DOOR_UNREF_MULTI, DoorAttr};
use crate::handles::{self, DoorHandle};
use crate::params::Params;
use crate::threads::{self, Seats};
use crate::{errno, serve};

/// A door's server procedure: `void proc(void *cookie, char *argp, size_t arg_size,
/// door_desc_t *dp, uint_t n_desc)`.
pub type Procedure = unsafe extern "C" fn(*mut c_void, *mut c_char, usize, *mut c_void, c_uint);

/// A door this process created.
#[derive(Debug)]
pub struct LocalDoor {
    /// The procedure each call runs.
    pub procedure: Procedure,
    /// The cookie it is given, an address in this process.
    pub cookie: usize,
    /// The attributes given to `door_create`.
    pub attributes: DoorAttr,
    /// The door's unique number.
    pub uniquifier: u64,
    /// Its limits on calls (`door_setparam`).
    pub params: Params,
    /// The door being served at its name, once attached.
    served: Mutex<Option<Door>>,
    /// The door being served without a name, for connections handed out before it was
    /// attached ([`LocalDoor::new_connection`]).
    unnamed: Mutex<Option<Door>>,
    /// Where it is attached.
    path: Mutex<Option<PathBuf>>,
    /// Calls to this door from this process go to its path.
    client: OnceLock<Client>,
    revoked: AtomicBool,
    /// A `DOOR_UNREF` door's one notification was delivered.
    unref_delivered: AtomicBool,
    /// A `DOOR_PRIVATE` door's own server threads' queue.
    private: Option<Seats>,
}

/// Door numbers: unique in this process, and told apart from other processes' by the
/// high bits (the process id).
static NEXT_DOOR: AtomicU64 = AtomicU64::new(1);

impl LocalDoor {
    /// Where a `DOOR_PRIVATE` door's pool finds its threads (`None`: the shared pool).
    pub fn private_seats(&self) -> Option<&Seats> {
        self.private.as_ref()
    }

    /// Whether the door was revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked.load(Ordering::Acquire)
    }

    /// The door has lost its last reference but its own descriptor: no name, no caller
    /// connected. A `DOOR_UNREF` door's procedure is called once with `DOOR_UNREF_DATA`, a
    /// `DOOR_UNREF_MULTI` door's each time.
    fn unreferenced(&self) {
        let attached = self.path.lock().unwrap_or_else(PoisonError::into_inner).is_some();
        if attached || self.is_revoked() || self.connections() > 0 {
            return;
        }
        let deliver = match self.attributes {
            a if a & DOOR_UNREF_MULTI != 0 => true,
            a if a & DOOR_UNREF != 0 => !self.unref_delivered.swap(true, Ordering::AcqRel),
            _ => false,
        };
        if deliver {
            serve::deliver_unref(self);
        }
    }

    /// Client connections open, at its name and without.
    fn connections(&self) -> usize {
        [&self.served, &self.unnamed]
            .iter()
            .filter_map(|door| {
                door.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(Door::connections)
            })
            .sum()
    }

    /// The client calls from this process to the door make: by its path once attached,
    /// through a connection of its own before (`EBADF` if it is revoked).
    pub fn client(self: &Arc<Self>) -> Result<&Client, c_int> {
        if self.is_revoked() {
            return Err(libc::EBADF);
        }
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let path = self.path.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let client = match path {
            Some(path) => Client::open(path),
            None => Client::adopt_unnamed(self.new_connection()?),
        };
        let client = client.map_err(|_| libc::EBADF)?;
        Ok(self.client.get_or_init(|| client))
    }

    /// A new connection to the door, for another process to call it through (a door
    /// descriptor passed through a door): one end of a socket pair whose other end the door
    /// serves, at its name if it has one, else without one.
    pub fn new_connection(self: &Arc<Self>) -> Result<OwnedFd, c_int> {
        if self.is_revoked() {
            return Err(libc::EBADF);
        }
        let (ours, theirs) =
            ostium_sys::unix::SeqpacketConn::pair().map_err(|err| errno::of(&err))?;
        let adopt = |door: &Door| door.adopt_connection(ours.into()).map_err(|_| libc::EBADF);
        if let Some(door) = self.served.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            adopt(door)?;
            return Ok(theirs.into());
        }
        let mut unnamed = self.unnamed.lock().unwrap_or_else(PoisonError::into_inner);
        if unnamed.is_none() {
            *unnamed = Some(serve_unnamed(self)?);
        }
        adopt(unnamed.as_ref().expect("served just above"))?;
        Ok(theirs.into())
    }
}

/// Serves `door` with no name: bound in a private directory (mode 0700) that is removed at
/// once, so that only the connections it adopts reach it.
fn serve_unnamed(door: &Arc<LocalDoor>) -> Result<Door, c_int> {
    let dir =
        std::env::temp_dir().join(format!(".libdoor-{}-{:x}", std::process::id(), door.uniquifier));
    std::fs::DirBuilder::new().mode(0o700).create(&dir).map_err(|err| errno::of(&err))?;
    let path = dir.join("door");
    let served = builder(door, &path).mode(0o600).serve(serve::handler(Arc::clone(door)));
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(&dir);
    served.map_err(|_| libc::EACCES)
}

/// How `door` is served at `path`: its procedure, on threads [`threads`] provides, telling
/// it when unreferenced.
fn builder(door: &Arc<LocalDoor>, path: &Path) -> ostium::DoorBuilder {
    // Weak: the door being served holds these callbacks, and the local door holds it.
    let weak = Arc::downgrade(door);
    let unref = move || {
        if let Some(door) = weak.upgrade() {
            door.unreferenced();
        }
    };
    Door::builder(path)
        .idle_timeout(threads::idle_timeout())
        .spawner(threads::spawner(door))
        .on_unref(unref)
}

/// `door_create(proc, cookie, attributes)`: see door_create(3C) and `docs/c.md`.
///
/// # Safety
/// `procedure` is a function of the door procedure's type; `cookie` is passed to it as is.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn door_create(
    procedure: Option<Procedure>,
    cookie: *mut c_void,
    attributes: c_uint,
) -> c_int {
    let Some(procedure) = procedure else { return errno::fail(libc::EINVAL) };
    let both_unrefs = DOOR_UNREF | DOOR_UNREF_MULTI;
    if attributes & !DOOR_CREATE_MASK != 0 || attributes & both_unrefs == both_unrefs {
        return errno::fail(libc::EINVAL);
    }
    let socket = match placeholder_socket() {
        Ok(socket) => socket,
        Err(err) => return errno::fail(errno::of(&err)),
    };
    let number = NEXT_DOOR.fetch_add(1, Ordering::Relaxed);
    let door = LocalDoor {
        procedure,
        cookie: cookie as usize,
        attributes,
        uniquifier: (u64::from(std::process::id()) << 32) | number,
        params: Params::new(attributes),
        served: Mutex::new(None),
        unnamed: Mutex::new(None),
        path: Mutex::new(None),
        client: OnceLock::new(),
        revoked: AtomicBool::new(false),
        unref_delivered: AtomicBool::new(false),
        private: (attributes & DOOR_PRIVATE != 0).then(Seats::new),
    };
    let door = Arc::new(door);
    let fd = socket.into_raw_fd();
    match handles::register(fd, handles::Door::Local(Arc::clone(&door))) {
        Ok(()) => {
            first_threads(&door);
            fd
        }
        Err(err) => {
            // SAFETY: `fd` is the socket made above, owned here and given to nobody.
            unsafe { libc::close(fd) };
            errno::fail(errno::of(&err))
        }
    }
}

/// The creation function is called for a private door's first thread, and for the shared
/// pool's first when the process creates its first other door, as on illumos.
fn first_threads(door: &LocalDoor) {
    static SHARED_STARTED_BY: AtomicU32 = AtomicU32::new(0);
    let private = door.attributes & DOOR_PRIVATE != 0;
    // By process id, so that a child forked after the first door starts its own.
    if private || SHARED_STARTED_BY.swap(std::process::id(), Ordering::AcqRel) != std::process::id()
    {
        threads::create_thread_for(door);
    }
}

/// The door this process created whose unique number is `uniquifier`.
pub fn find_local(uniquifier: u64) -> Option<Arc<LocalDoor>> {
    handles::local_doors().into_iter().find(|door| door.uniquifier == uniquifier)
}

/// The descriptor a created door is named by: a socket, as every door descriptor is here.
fn placeholder_socket() -> std::io::Result<OwnedFd> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType, socket_with};
    Ok(socket_with(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None)?)
}

/// The local door `fd` names: `EBADF` if `fd` is not open, `EINVAL` if it is not a door,
/// `EPERM` if it is another process's door.
pub fn local_door(fd: c_int) -> Result<Arc<LocalDoor>, c_int> {
    let handle = handles::lookup(fd).filter(|handle| handles::is_current(fd, handle));
    match handle.as_deref() {
        Some(DoorHandle { door: handles::Door::Local(door), .. }) => Ok(Arc::clone(door)),
        Some(_) => Err(libc::EPERM),
        // SAFETY: F_GETFD reads a flag of a number, open or not.
        None if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 => Err(libc::EBADF),
        None => Err(libc::EINVAL),
    }
}

/// `fattach(fildes, path)`: serves the door `fildes` at `path`, an existing file whose
/// owner and mode the door takes. See fattach(3C) and `docs/c.md`.
///
/// # Safety
/// `path` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fattach(fildes: c_int, path: *const c_char) -> c_int {
    if path.is_null() {
        return errno::fail(libc::EFAULT);
    }
    // SAFETY: the caller's guarantee.
    let path = Path::new(OsStr::from_bytes(unsafe { CStr::from_ptr(path) }.to_bytes()));
    match local_door(fildes).and_then(|door| attach(&door, path)) {
        Ok(()) => 0,
        Err(code) => errno::fail(code),
    }
}

fn attach(door: &Arc<LocalDoor>, path: &Path) -> Result<(), c_int> {
    let placeholder = std::fs::metadata(path).map_err(|err| errno::of(&err))?;
    let mut served = door.served.lock().unwrap_or_else(PoisonError::into_inner);
    if served.is_some() || placeholder.file_type().is_socket() {
        return Err(libc::EBUSY);
    }
    if placeholder.is_dir() {
        return Err(libc::EINVAL);
    }
    let euid = rustix::process::geteuid();
    if !euid.is_root() && placeholder.uid() != euid.as_raw() {
        return Err(libc::EPERM);
    }
    let path = std::path::absolute(path).map_err(|err| errno::of(&err))?;
    std::fs::remove_file(&path).map_err(|err| errno::of(&err))?;
    let door_served = builder(door, &path)
        .mode(placeholder.mode() & 0o7777)
        .serve(serve::handler(Arc::clone(door)))
        .map_err(|err| match err {
            DoorError::InUse { .. } => libc::EBUSY,
            _ => libc::EACCES,
        })?;
    if placeholder.uid() != euid.as_raw()
        || placeholder.gid() != rustix::process::getegid().as_raw()
    {
        // The attached file keeps its owner, as on illumos (only root gets here otherwise).
        let _ = std::os::unix::fs::chown(&path, Some(placeholder.uid()), Some(placeholder.gid()));
    }
    *served = Some(door_served);
    *door.path.lock().unwrap_or_else(PoisonError::into_inner) = Some(path);
    Ok(())
}

/// `fdetach(path)`: removes the name `path` of a door this process attached there; the
/// door keeps serving the descriptors already open. See fdetach(3C) and `docs/c.md`.
///
/// # Safety
/// `path` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fdetach(path: *const c_char) -> c_int {
    if path.is_null() {
        return errno::fail(libc::EFAULT);
    }
    // SAFETY: the caller's guarantee.
    let path = Path::new(OsStr::from_bytes(unsafe { CStr::from_ptr(path) }.to_bytes()));
    match detach(path) {
        Ok(()) => 0,
        Err(code) => errno::fail(code),
    }
}

fn detach(path: &Path) -> Result<(), c_int> {
    let metadata = std::fs::symlink_metadata(path).map_err(|err| errno::of(&err))?;
    if !metadata.file_type().is_socket() {
        return Err(libc::EINVAL);
    }
    let path = std::path::absolute(path).map_err(|err| errno::of(&err))?;
    let door = handles::local_doors()
        .into_iter()
        .find(|door| {
            door.path.lock().unwrap_or_else(PoisonError::into_inner).as_deref() == Some(&path)
        })
        .ok_or(libc::EINVAL)?;
    std::fs::remove_file(&path).map_err(|err| errno::of(&err))?;
    *door.path.lock().unwrap_or_else(PoisonError::into_inner) = None;
    // The name was a reference: without it and with no caller connected, none is left.
    door.unreferenced();
    Ok(())
}

/// `door_revoke(d)`: the door takes no more calls (those in progress finish), and `d` is
/// closed. See door_revoke(3C).
#[unsafe(no_mangle)]
pub extern "C" fn door_revoke(d: c_int) -> c_int {
    let door = match local_door(d) {
        Ok(door) => door,
        Err(code) => return errno::fail(code),
    };
    door.revoked.store(true, Ordering::Release);
    for served in [&door.served, &door.unnamed] {
        if let Some(served) = served.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            served.revoke();
        }
    }
    handles::forget(d);
    // SAFETY: the caller gave up `d` by revoking it; door_revoke(3C) closes it.
    unsafe { libc::close(d) };
    0
}
