//! Putting a door's socket at its path: safely, and only where no live door is.
//!
//! The socket is bound inside a fresh private directory (mode 0700) next to the path,
//! given its final mode there, and only then renamed into place: at no moment can anyone
//! connect to a socket with the wrong permissions. A socket file already at the path is
//! probed: if nobody accepts connections there (a stale file from a server that died), it
//! is replaced; if a server answers, creating the door fails.

use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ostium_sys::unix::{SeqpacketConn, SeqpacketListener};

use crate::DoorError;

/// Binds a listening SEQPACKET socket at `path` with permissions `mode`.
pub(crate) fn bind_door(
    path: &Path,
    mode: u32,
    backlog: i32,
) -> Result<SeqpacketListener, DoorError> {
    clear_stale(path)?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path.file_name().ok_or_else(|| DoorError::Io {
        path: path.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "a door path must name a file"),
    })?;
    let private = PrivateDir::create(&parent, file_name)
        .map_err(|source| DoorError::Io { path: path.to_path_buf(), source })?;
    let staged = private.path.join(file_name);
    let io_err = |source| DoorError::Io { path: path.to_path_buf(), source };
    let listener = SeqpacketListener::bind(&staged, backlog).map_err(io_err)?;
    std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(mode)).map_err(io_err)?;
    // rename(2) replaces atomically; a live door that appeared since the probe loses its
    // path, as with any two servers racing for one name.
    std::fs::rename(&staged, path).map_err(io_err)?;
    Ok(listener)
}

/// Removes a socket file at `path` that nobody serves; fails if somebody does, or if the
/// path is something other than a socket.
fn clear_stale(path: &Path) -> Result<(), DoorError> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(DoorError::Io { path: path.to_path_buf(), source }),
    };
    if !metadata.file_type().is_socket() {
        return Err(DoorError::NotASocket(path.to_path_buf()));
    }
    match SeqpacketConn::connect(path) {
        Ok(_) => Err(DoorError::InUse(path.to_path_buf())),
        Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => std::fs::remove_file(path)
            .map_err(|source| DoorError::Io { path: path.to_path_buf(), source }),
        Err(source) => Err(DoorError::Io { path: path.to_path_buf(), source }),
    }
}

/// A directory only this user can enter, removed when dropped.
struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    fn create(parent: &Path, name: &std::ffi::OsStr) -> io::Result<PrivateDir> {
        let mut attempt = 0u32;
        loop {
            let mut dir_name = std::ffi::OsString::from(".");
            dir_name.push(name);
            dir_name.push(format!(".{}.{attempt}", std::process::id()));
            let path = parent.join(dir_name);
            let mut builder = std::fs::DirBuilder::new();
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&path) {
                Ok(()) => return Ok(PrivateDir { path }),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1
                }
                Err(err) => return Err(err),
            }
        }
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
