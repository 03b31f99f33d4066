//! `sd_notify`: telling the service manager (systemd) how the daemon is doing — ready,
//! reloading, stopping, a status line — by a datagram to the socket it names in
//! `$NOTIFY_SOCKET`. With `Type=notify`, systemd starts the units that depend on ostiumd
//! only once it says `READY=1`, that is once its ports are bound.
//!
//! The protocol (`sd_notify(3)`): one `AF_UNIX` datagram of newline-separated
//! `VARIABLE=value` assignments, sent to a filesystem path, or to an abstract socket when
//! the name starts with `@` (the `@` standing for the leading NUL byte). Without
//! `$NOTIFY_SOCKET` the process was not started by a manager that listens, and notifying
//! does nothing.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;

use rustix::net::{
    self as rnet, AddressFamily, SendFlags, SocketAddrUnix, SocketFlags, SocketType,
};

use crate::error::{Named, retry_on_intr};

/// The environment variable naming the manager's socket.
const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";

/// Where notifications go: the service manager's datagram socket.
#[derive(Debug, Clone)]
pub struct Notifier {
    address: SocketAddrUnix,
}

impl Notifier {
    /// The notifier `$NOTIFY_SOCKET` names, or `None` when it is unset or empty (no
    /// manager listens). Fails if it names something other than a path or an abstract
    /// socket (`vsock:` addresses are not supported).
    pub fn from_env() -> io::Result<Option<Notifier>> {
        match std::env::var_os(NOTIFY_SOCKET) {
            Some(name) if !name.is_empty() => Notifier::new(&name).map(Some),
            _ => Ok(None),
        }
    }

    /// A notifier for the socket `name`: an absolute path, or `@name` for the abstract
    /// socket `name`.
    pub fn new(name: &OsStr) -> io::Result<Notifier> {
        let bytes = name.as_bytes();
        let address = match bytes.first() {
            Some(b'@') => SocketAddrUnix::new_abstract_name(&bytes[1..]),
            Some(b'/') => SocketAddrUnix::new(name),
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{NOTIFY_SOCKET}={}: not a path or an @abstract name", name.display()),
                ));
            }
        }
        .named(|| format!("{NOTIFY_SOCKET}={}", name.display()))?;
        Ok(Notifier { address })
    }

    /// `socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC)` + `sendto`: sends `state`, one or more
    /// `VARIABLE=value` lines, as one datagram. A socket per message: notifications are a
    /// handful in a daemon's life.
    pub fn send(&self, state: &str) -> io::Result<()> {
        let fd =
            rnet::socket_with(AddressFamily::UNIX, SocketType::DGRAM, SocketFlags::CLOEXEC, None)
                .named(|| "socket(AF_UNIX, SOCK_DGRAM)")?;
        let sent = retry_on_intr(|| {
            rnet::sendto(&fd, state.as_bytes(), SendFlags::empty(), &self.address)
        })
        .named(|| format!("sendto {NOTIFY_SOCKET}"))?;
        if sent != state.len() {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "sd_notify: datagram cut short"));
        }
        Ok(())
    }
}

/// Sends `state` to `$NOTIFY_SOCKET`. Returns whether there was a manager to tell:
/// `Ok(false)` when the variable is unset.
pub fn notify(state: &str) -> io::Result<bool> {
    match Notifier::from_env()? {
        Some(notifier) => notifier.send(state).map(|()| true),
        None => Ok(false),
    }
}

/// `READY=1`: start-up is finished (ports bound, applications started).
pub fn notify_ready() -> io::Result<bool> {
    notify("READY=1")
}

/// `STOPPING=1`: the daemon is draining and will exit.
pub fn notify_stopping() -> io::Result<bool> {
    notify("STOPPING=1")
}

/// `RELOADING=1` with `MONOTONIC_USEC`, as `Type=notify-reload` requires: a reload has
/// begun; send [`notify_ready`] when it is over.
pub fn notify_reloading() -> io::Result<bool> {
    notify(&reloading_state())
}

/// `STATUS=…`: a line for `systemctl status`. Newlines in `status` become spaces, since a
/// newline would start another assignment.
pub fn notify_status(status: &str) -> io::Result<bool> {
    notify(&status_state(status))
}

fn reloading_state() -> String {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let micros = now.tv_sec as u64 * 1_000_000 + now.tv_nsec as u64 / 1_000;
    format!("RELOADING=1\nMONOTONIC_USEC={micros}")
}

fn status_state(status: &str) -> String {
    format!("STATUS={}", status.replace('\n', " "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::net::RecvFlags;
    use std::os::fd::OwnedFd;

    /// A datagram socket bound at `address`, as systemd's would be.
    fn manager(address: &SocketAddrUnix) -> OwnedFd {
        let fd =
            rnet::socket_with(AddressFamily::UNIX, SocketType::DGRAM, SocketFlags::CLOEXEC, None)
                .unwrap();
        rnet::bind(&fd, address).unwrap();
        fd
    }

    fn receive(fd: &OwnedFd) -> String {
        let mut buf = [0u8; 512];
        let (_, len, _) = rnet::recvfrom(fd, &mut buf, RecvFlags::empty()).unwrap();
        String::from_utf8(buf[..len].to_vec()).unwrap()
    }

    #[test]
    fn messages_reach_a_socket_at_a_path() {
        let path = std::env::temp_dir().join(format!("ostium-notify-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let socket = manager(&SocketAddrUnix::new(&path).unwrap());
        let notifier = Notifier::new(path.as_os_str()).unwrap();
        notifier.send("READY=1").unwrap();
        assert_eq!(receive(&socket), "READY=1");
        notifier.send(&status_state("serving 2 forwards\nREADY=1")).unwrap();
        assert_eq!(receive(&socket), "STATUS=serving 2 forwards READY=1");
        notifier.send("STOPPING=1").unwrap();
        assert_eq!(receive(&socket), "STOPPING=1");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn messages_reach_an_abstract_socket() {
        let name = format!("ostium-notify-test-{}", std::process::id());
        let socket = manager(&SocketAddrUnix::new_abstract_name(name.as_bytes()).unwrap());
        let notifier = Notifier::new(OsStr::new(&format!("@{name}"))).unwrap();
        notifier.send(&reloading_state()).unwrap();
        let got = receive(&socket);
        let micros = got.strip_prefix("RELOADING=1\nMONOTONIC_USEC=").unwrap();
        assert!(micros.parse::<u64>().unwrap() > 0, "{got}");
    }

    #[test]
    fn other_names_are_refused_and_a_missing_socket_is_an_error() {
        let err = Notifier::new(OsStr::new("vsock:2:1234")).unwrap_err();
        assert!(err.to_string().contains("not a path or an @abstract name"), "{err}");
        let gone = Notifier::new(OsStr::new("/nonexistent/ostium/notify.sock")).unwrap();
        let err = gone.send("READY=1").unwrap_err();
        assert!(err.to_string().contains("sendto NOTIFY_SOCKET"), "{err}");
    }
}
