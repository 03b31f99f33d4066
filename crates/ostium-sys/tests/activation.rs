//! Socket activation and `sd_notify` across `exec`, as systemd does them: this binary
//! starts itself again with a TCP listener, a UDP socket and a Unix stream listener at
//! descriptors 3, 4 and 5, through `sh`, which sets `LISTEN_PID` to its own pid before
//! `exec`ing it; the child takes them, describes them, notifies the parent through an
//! abstract `NOTIFY_SOCKET`, and prints what it found.
//!
//! Not a libtest harness (`harness = false`): the child must be a process with a single
//! thread, as a daemon's `main` is when it takes its sockets, for the variables to be
//! unset.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use ostium_sys::activation::{LocalAddr, SocketKind, take_listen_fds};
use ostium_sys::notify::notify_ready;
use ostium_sys::{tcp_listen, udp_bind};
use rustix::io::{FdFlags, fcntl_dupfd_cloexec, fcntl_getfd};
use rustix::net::{AddressFamily, RecvFlags, SocketAddrUnix, SocketFlags, SocketType};

const CHILD: &str = "OSTIUM_ACTIVATION_CHILD";

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
    } else {
        passes_sockets_and_hears_ready();
        println!("activation: ok");
    }
}

/// The activated process: one line per descriptor, then what became of the environment.
fn child() {
    let activation = take_listen_fds().unwrap();
    for fd in &activation.fds {
        let cloexec = fcntl_getfd(&fd.fd).unwrap().contains(FdFlags::CLOEXEC);
        let local = match &fd.local {
            LocalAddr::Inet(addr) => addr.to_string(),
            LocalAddr::Unix(path) => path.display().to_string(),
            other => format!("{other:?}"),
        };
        let (raw, name, kind, listening) = (fd.fd.as_raw_fd(), &fd.name, fd.kind, fd.listening);
        println!("fd {raw} {name:?} {kind:?} {local} listening={listening} cloexec={cloexec}");
    }
    let env_left = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]
        .iter()
        .filter(|v| std::env::var_os(v).is_some())
        .count();
    println!("env_unset={} left={env_left}", activation.env_unset);
    println!("again={}", take_listen_fds().unwrap().fds.len());
    println!("notified={}", notify_ready().unwrap());
}

/// `fd` at a number of 100 or more (close-on-exec), out of the way of 3, 4 and 5.
fn high(fd: impl AsFd) -> OwnedFd {
    fcntl_dupfd_cloexec(fd, 100).unwrap()
}

/// Makes the child see `from[i]` at descriptor `3 + i`, as the manager would.
fn place_at_3(command: &mut Command, from: [RawFd; 3]) {
    let hook = move || {
        for (to, from) in (3..).zip(from) {
            // SAFETY: runs in the forked child before `exec`; `dup2` is async-signal-safe
            // and `from` are open (kept open by the parent until the child has started).
            // The copy at `to` is not close-on-exec, which is the point.
            if unsafe { libc::dup2(from, to) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    };
    // SAFETY: the hook allocates nothing, takes no lock and only calls `dup2` (see above).
    unsafe { command.pre_exec(hook) };
}

fn passes_sockets_and_hears_ready() {
    let tcp = tcp_listen("127.0.0.1:0".parse().unwrap(), 16).unwrap();
    let tcp_addr = tcp.local_addr().unwrap();
    let udp = udp_bind("[::1]:0".parse::<SocketAddr>().unwrap()).unwrap();
    let udp_addr = udp.local_addr().unwrap();
    let dir = std::env::temp_dir().join(format!("ostium-activation-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let unix_path = dir.join("control.sock");
    let unix = UnixListener::bind(&unix_path).unwrap();

    let notify_name = format!("ostium-activation-notify-{}", std::process::id());
    let manager = rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::DGRAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .unwrap();
    rustix::net::bind(
        &manager,
        &SocketAddrUnix::new_abstract_name(notify_name.as_bytes()).unwrap(),
    )
    .unwrap();

    let passed = [high(&tcp), high(&udp), high(&unix)];
    // The shell gives the program its own pid, which `exec` keeps, as LISTEN_PID.
    let mut command = Command::new("/bin/sh");
    place_at_3(&mut command, passed.each_ref().map(|fd| fd.as_raw_fd()));
    let output = command
        .arg("-c")
        .arg("export LISTEN_PID=$$; exec \"$0\"")
        .arg(std::env::current_exe().unwrap())
        .env(CHILD, "1")
        .env("LISTEN_FDS", "3")
        .env("LISTEN_FDNAMES", "web:dns")
        .env("NOTIFY_SOCKET", format!("@{notify_name}"))
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    drop(passed);
    assert!(output.status.success(), "child failed: {output:?}");
    let lines: Vec<String> =
        BufReader::new(&output.stdout[..]).lines().map(Result::unwrap).collect();
    let expected = [
        format!(
            "fd 3 Some(\"web\") {:?} {tcp_addr} listening=true cloexec=true",
            SocketKind::Stream
        ),
        format!(
            "fd 4 Some(\"dns\") {:?} {udp_addr} listening=false cloexec=true",
            SocketKind::Datagram
        ),
        format!("fd 5 None Stream {} listening=true cloexec=true", unix_path.display()),
        "env_unset=true left=0".to_owned(),
        "again=0".to_owned(),
        "notified=true".to_owned(),
    ];
    assert_eq!(lines, expected);

    let mut buf = [0u8; 64];
    let (_, len, _) = rustix::net::recvfrom(&manager, &mut buf, RecvFlags::DONTWAIT).unwrap();
    assert_eq!(&buf[..len], b"READY=1");
    std::fs::remove_dir_all(dir).unwrap();
}
